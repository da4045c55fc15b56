package http

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

// The open-data export: GET /open-data/reports.csv and
// /open-data/reports.geojson give every published report matching the
// public list's filters, oldest first, without personal data: no
// reporter, no person reported for, no flags, and no free-text address
// (residents write house numbers and names there); the point stays, as
// on the public map. It is streamed a page at a time, so a million
// reports cost the server one page of memory, and the file reaches the
// client as it is read.

// exportPage is how many reports the export reads per query (a page of
// the store). A variable for the tests, which page through a few.
var exportPage = 1000

// exportsAtOnce is how many exports run at once: each reads the whole
// public list, and a few at once would take a small server's CPU from
// the residents. One more is refused with 429 and Retry-After.
const exportsAtOnce = 2

// exportColumns are the export's fields, the CSV header and the GeoJSON
// properties (less lat and lng, which are the geometry there).
var exportColumns = []string{"ticket", "type", "category_code", "category_name", "title", "description",
	"status", "status_label", "agency_code", "agency_name", "kelurahan_code", "kelurahan_name",
	"kecamatan_code", "kecamatan_name", "lat", "lng", "created_at", "published_at", "updated_at", "due_at",
	"supports", "rating", "url"}

// exportFormat writes the export in one format: begin before the first
// report, row for each, end after the last.
type exportFormat struct {
	contentType, ext string
	begin, end       func(w io.Writer) error
	row              func(w io.Writer, rec exportRecord) error
}

// exportRecord is one report as the export gives it.
type exportRecord struct {
	values   []string // in exportColumns' order
	lat, lng *float64
}

func (s *Server) handleExportCSV(w http.ResponseWriter, r *http.Request) {
	var cw *csv.Writer
	s.export(w, r, exportFormat{
		contentType: "text/csv; charset=utf-8", ext: "csv",
		begin: func(w io.Writer) error {
			cw = csv.NewWriter(w)
			// A byte order mark, so that spreadsheet programs read the
			// file as UTF-8 and not as the local code page.
			if _, err := io.WriteString(w, "\ufeff"); err != nil {
				return err
			}
			return cw.Write(exportColumns)
		},
		row: func(_ io.Writer, rec exportRecord) error {
			return cw.Write(rec.values)
		},
		end: func(io.Writer) error {
			cw.Flush()
			return cw.Error()
		},
	})
}

func (s *Server) handleExportGeoJSON(w http.ResponseWriter, r *http.Request) {
	first := true
	s.export(w, r, exportFormat{
		contentType: "application/geo+json", ext: "geojson",
		begin: func(w io.Writer) error {
			_, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`)
			return err
		},
		row: func(w io.Writer, rec exportRecord) error {
			props := make(map[string]any, len(exportColumns))
			for i, c := range exportColumns {
				switch c {
				case "lat", "lng":
					continue
				case "supports", "rating":
					if n, err := strconv.Atoi(rec.values[i]); err == nil {
						props[c] = n
					} else {
						props[c] = nil
					}
				default:
					if rec.values[i] == "" {
						props[c] = nil
					} else {
						props[c] = rec.values[i]
					}
				}
			}
			// RFC 7946: a feature without a place has a null geometry;
			// positions are longitude, latitude.
			var geometry any
			if rec.lat != nil {
				geometry = map[string]any{"type": "Point", "coordinates": [2]float64{*rec.lng, *rec.lat}}
			}
			b, err := json.Marshal(map[string]any{"type": "Feature", "id": rec.values[0], "geometry": geometry, "properties": props})
			if err != nil {
				return err
			}
			if !first {
				b = append([]byte{',', '\n'}, b...)
			}
			first = false
			_, err = w.Write(b)
			return err
		},
		end: func(w io.Writer) error {
			_, err := io.WriteString(w, "]}\n")
			return err
		},
	})
}

// export streams the published reports matching the request's filters in
// format f. A refusal (bad filter, too many exports) is an API error
// before the first byte; a failure after it breaks the connection, so
// that a client sees an incomplete download as failed, never a short
// file that looks whole.
func (s *Server) export(w http.ResponseWriter, r *http.Request, f exportFormat) {
	q := r.URL.Query()
	for _, p := range []string{"cursor", "limit"} {
		if q.Has(p) {
			s.Error(w, r, esambat.FieldError(p, "Ekspor data terbuka memuat semua laporan yang cocok; parameter "+p+" tidak dipakai di sini."))
			return
		}
	}
	filter, err := parseReportFilter(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	filter.PublishedOnly, filter.OldestFirst, filter.Limit = true, true, exportPage
	select {
	case s.exportSem <- struct{}{}:
		defer func() { <-s.exportSem }()
	default:
		w.Header().Set("Retry-After", "30")
		s.Error(w, r, esambat.Errorf(esambat.ERATELIMIT, "Ekspor data terbuka sedang dipakai oleh pengguna lain; coba lagi dalam 30 detik."))
		return
	}
	page, err := s.exportPageOf(r.Context(), filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ref, err := s.ref(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Disposition", `attachment; filename="esambat-laporan-`+s.Service.Time().In(esambat.WIB).Format("20060102")+`.`+f.ext+`"`)
	h.Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	fail := func(err error) {
		s.Logger.Warn("open-data export cut short", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	if err := f.begin(w); err != nil {
		fail(err)
	}
	for {
		// Each page gets its own time to reach a slow client; the
		// server's whole-response limit would cut a big file.
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		for _, rep := range page.Reports {
			if esambat.AccessFor(nil, rep) < esambat.AccessPublic {
				continue // the filter says so already; this is the rule itself
			}
			if err := f.row(w, s.exportRecord(ref, rep)); err != nil {
				fail(err)
			}
		}
		if page.Next == "" {
			break
		}
		if err := rc.Flush(); err != nil {
			fail(err)
		}
		filter.After = page.Next
		if page, err = s.exportPageOf(r.Context(), filter); err != nil {
			fail(err)
		}
	}
	if err := f.end(w); err != nil {
		fail(err)
	}
}

// exportPageOf reads one page of the export within the server's request
// time (the export as a whole has none).
func (s *Server) exportPageOf(ctx context.Context, f esambat.ReportFilter) (esambat.ReportPage, error) {
	ctx, cancel := context.WithTimeout(ctx, s.RequestTimeout)
	defer cancel()
	return s.Service.Reports.FindReports(ctx, f)
}

// exportRecord shapes rep for the export. Text that a spreadsheet would
// run as a formula (starting with =, +, -, @, a tab or a carriage
// return) gets a leading apostrophe, as OWASP advises for CSV files.
func (s *Server) exportRecord(ref *refCache, rep *esambat.Report) exportRecord {
	var rec exportRecord
	name := func(c *codeName) (string, string) {
		if c == nil {
			return "", ""
		}
		return c.Code, c.Name
	}
	t := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.In(esambat.WIB).Format(time.RFC3339)
	}
	kelCode, kelName := name(s.region(rep.KelurahanCode))
	kecCode := ""
	if rep.Location != nil {
		kecCode = rep.Location.Kecamatan
	} else if i := strings.LastIndexByte(rep.KelurahanCode, '.'); i > 0 {
		kecCode = rep.KelurahanCode[:i] // 35.75.02.1001 is in 35.75.02
	}
	kecCode, kecName := name(s.region(kecCode))
	var lat, lng string
	if rep.Location != nil {
		la, ln := rep.Location.Lat, rep.Location.Lng
		rec.lat, rec.lng = &la, &ln
		lat, lng = strconv.FormatFloat(la, 'f', -1, 64), strconv.FormatFloat(ln, 'f', -1, 64)
	}
	var due, rating string
	if rep.Status.Open() {
		due = t(rep.DueAt)
	}
	if rep.Rating > 0 {
		rating = strconv.Itoa(rep.Rating)
	}
	cat := ref.catByCode[rep.CategoryCode]
	ag := ref.agByCode[rep.AgencyCode]
	rec.values = []string{rep.Ticket, string(rep.Type), rep.CategoryCode, cat.Name, rep.Title, rep.Description,
		string(rep.Status), StatusLabels[rep.Status], rep.AgencyCode, ag.Name, kelCode, kelName,
		kecCode, kecName, lat, lng, t(rep.CreatedAt), t(rep.PublishedAt), t(rep.UpdatedAt), due,
		strconv.Itoa(rep.Supports), rating, s.BaseURL + "/laporan/" + rep.Ticket}
	for i, v := range rec.values {
		if exportColumns[i] != "lat" && exportColumns[i] != "lng" && v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			rec.values[i] = "'" + v
		}
	}
	return rec
}
