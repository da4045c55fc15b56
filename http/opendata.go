package http

import (
	"context"
	"encoding/csv"
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
	row := make([]string, len(exportColumns))
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
			// Text that a spreadsheet would run as a formula (starting
			// with =, +, -, @, a tab or a carriage return) gets a leading
			// apostrophe, as OWASP advises for CSV files; the points are
			// numbers.
			for i, v := range rec.values {
				if exportColumns[i] != "lat" && exportColumns[i] != "lng" && v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
					v = "'" + v
				}
				row[i] = v
			}
			return cw.Write(row)
		},
		end: func(io.Writer) error {
			cw.Flush()
			return cw.Error()
		},
	})
}

func (s *Server) handleExportGeoJSON(w http.ResponseWriter, r *http.Request) {
	var b []byte
	sep := ""
	s.export(w, r, exportFormat{
		contentType: "application/geo+json", ext: "geojson",
		begin: func(w io.Writer) error {
			_, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`)
			return err
		},
		row: func(w io.Writer, rec exportRecord) error {
			// Written field by field in the columns' order: a map per
			// feature through encoding/json took a third of the time of a
			// million-report export.
			b = append(b[:0], sep...)
			sep = ",\n"
			b = append(b, `{"type":"Feature","id":`...)
			b = appendJSONString(b, rec.values[0])
			// RFC 7946: a feature without a place has a null geometry;
			// positions are longitude, latitude.
			if rec.lat != nil {
				b = append(b, `,"geometry":{"type":"Point","coordinates":[`...)
				b = strconv.AppendFloat(b, *rec.lng, 'f', -1, 64)
				b = append(b, ',')
				b = strconv.AppendFloat(b, *rec.lat, 'f', -1, 64)
				b = append(b, "]}"...)
			} else {
				b = append(b, `,"geometry":null`...)
			}
			b = append(b, `,"properties":{`...)
			first := true
			for i, c := range exportColumns {
				if c == "lat" || c == "lng" {
					continue
				}
				if !first {
					b = append(b, ',')
				}
				first = false
				b = appendJSONString(b, c)
				b = append(b, ':')
				switch v := rec.values[i]; {
				case v == "":
					b = append(b, "null"...)
				case c == "supports" || c == "rating":
					b = append(b, v...) // strconv.Itoa's digits
				default:
					b = appendJSONString(b, v)
				}
			}
			b = append(b, "}}"...)
			_, err := w.Write(b)
			return err
		},
		end: func(w io.Writer) error {
			_, err := io.WriteString(w, "]}\n")
			return err
		},
	})
}

// appendJSONString appends s to b as a JSON string. Report text is valid
// UTF-8 (the API and the pages refuse anything else), so it goes as it
// is, with quotes, backslashes and control characters escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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

// exportRecord shapes rep for the export.
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
	return rec
}
