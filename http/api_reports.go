package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esambat/esambat"
)

// reportJSON is a report as its viewer may see it. Content fields are
// null when the viewer may only track the status.
type reportJSON struct {
	ID          int64              `json:"id"`
	Ticket      string             `json:"ticket"`
	Type        esambat.Type       `json:"type"`
	Category    *codeName          `json:"category"`
	Title       *string            `json:"title"`
	Description *string            `json:"description"`
	Location    *locationJSON      `json:"location"`
	Kelurahan   *codeName          `json:"kelurahan"`
	Address     string             `json:"address,omitempty"`
	Visibility  esambat.Visibility `json:"visibility"`
	Status      esambat.Status     `json:"status"`
	StatusLabel string             `json:"status_label"`
	Agency      *codeName          `json:"agency"`
	Reporter    *reporterJSON      `json:"reporter,omitempty"`
	OnBehalf    *esambat.OnBehalf  `json:"on_behalf,omitempty"`
	Flags       []string           `json:"flags,omitempty"`
	Supports    int                `json:"supports"`
	Rating      int                `json:"rating,omitempty"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	DueAt       *time.Time         `json:"due_at"`
	PublishedAt *time.Time         `json:"published_at,omitempty"`
	Photos      []string           `json:"photos"`
	Events      []eventJSON        `json:"events,omitempty"`
}

type locationJSON struct {
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	Kelurahan *codeName `json:"kelurahan"`
	Kecamatan *codeName `json:"kecamatan"`
}

type reporterJSON struct {
	Name string `json:"name"`
}

type eventJSON struct {
	Action string         `json:"action"`
	Status esambat.Status `json:"status"`
	Text   string         `json:"text,omitempty"`
	// TextEN is Text in English when E-Sambat wrote it (esambat.EventText).
	TextEN    string    `json:"text_en,omitempty"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

// StatusLabels are the statuses in plain Indonesian for residents.
var StatusLabels = map[esambat.Status]string{
	esambat.StatusDiajukan:     "Menunggu verifikasi",
	esambat.StatusDikembalikan: "Perlu dilengkapi pelapor",
	esambat.StatusDitolak:      "Ditolak",
	esambat.StatusDuplikat:     "Digabung dengan laporan lain",
	esambat.StatusDidisposisi:  "Diteruskan ke perangkat daerah",
	esambat.StatusDiproses:     "Sedang ditangani",
	esambat.StatusSelesai:      "Selesai ditangani, menunggu konfirmasi pelapor",
	esambat.StatusDitutup:      "Ditutup",
}

func (s *Server) region(code string) *codeName {
	if code == "" {
		return nil
	}
	if r, ok := s.Service.Wilayah.Lookup(code); ok {
		return &codeName{r.Code, r.Name}
	}
	return &codeName{code, code}
}

// listed is what a list of reports shows of each beside the report
// itself, read for the whole list at once (listedFor): read report by
// report, a map's 200 reports took 400 queries, each a round trip to
// PostgreSQL.
type listed struct {
	photos map[int64][]esambat.Photo
	names  map[int64]string // reporters' names, by user ID
}

// listedFor reads the photos of the reports viewer may read and the
// names of the reporters it may see.
func (s *Server) listedFor(ctx context.Context, viewer *esambat.Actor, reports []*esambat.Report) (*listed, error) {
	var ids, reporters []int64
	for _, r := range reports {
		a := esambat.AccessFor(viewer, r)
		if a < esambat.AccessPublic {
			continue
		}
		ids = append(ids, r.ID)
		if esambat.ShowsReporter(a, r) && r.ReporterID != 0 {
			reporters = append(reporters, r.ReporterID)
		}
	}
	var l listed
	var err error
	if l.photos, err = s.Service.Reports.ListPhotosOf(ctx, ids); err != nil {
		return nil, err
	}
	if l.names, err = s.Service.Users.UserNames(ctx, reporters); err != nil {
		return nil, err
	}
	return &l, nil
}

// renderReport shapes r for a viewer with access a. events may be nil;
// pre, when set, holds r's photos and reporter's name (listedFor), else
// they are read here.
func (s *Server) renderReport(ctx context.Context, r *esambat.Report, a esambat.Access, events []esambat.Event, pre *listed) (reportJSON, error) {
	ref, err := s.ref(ctx)
	if err != nil {
		return reportJSON{}, err
	}
	out := reportJSON{
		ID: r.ID, Ticket: r.Ticket, Type: r.Type, Visibility: r.Visibility, Status: r.Status,
		StatusLabel: StatusLabels[r.Status], CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Supports: r.Supports,
		Photos: []string{},
	}
	if !r.DueAt.IsZero() && r.Status.Open() {
		due := r.DueAt
		out.DueAt = &due
	}
	if ag, ok := ref.agByCode[r.AgencyCode]; ok {
		out.Agency = &codeName{ag.Code, ag.Name}
	}
	if a < esambat.AccessPublic {
		return out, nil
	}
	if c, ok := ref.catByCode[r.CategoryCode]; ok {
		out.Category = &codeName{c.Code, c.Name}
	}
	out.Title, out.Description = &r.Title, &r.Description
	out.Kelurahan = s.region(r.KelurahanCode)
	out.Address = r.Address
	if r.Location != nil {
		out.Location = &locationJSON{Lat: r.Location.Lat, Lng: r.Location.Lng,
			Kelurahan: s.region(r.Location.Kelurahan), Kecamatan: s.region(r.Location.Kecamatan)}
	}
	if !r.PublishedAt.IsZero() {
		p := r.PublishedAt
		out.PublishedAt = &p
	}
	out.Rating = r.Rating
	var photos []esambat.Photo
	if pre != nil {
		photos = pre.photos[r.ID]
	} else if photos, err = s.Service.Reports.ListPhotos(ctx, r.ID); err != nil {
		return out, err
	}
	for _, p := range photos {
		out.Photos = append(out.Photos, s.BaseURL+"/laporan/"+r.Ticket+"/foto/"+p.Key+".jpg")
	}
	if esambat.ShowsReporter(a, r) && r.ReporterID != 0 {
		if pre != nil {
			if name, ok := pre.names[r.ReporterID]; ok {
				out.Reporter = &reporterJSON{Name: name}
			}
		} else if u, err := s.Service.Users.FindUserByID(ctx, r.ReporterID); err == nil {
			out.Reporter = &reporterJSON{Name: u.Name}
		}
	}
	if a == esambat.AccessFull {
		out.OnBehalf = r.OnBehalf
		out.Flags = r.Flags
	}
	for _, e := range events {
		if e.Public == "" && e.From == e.To && e.Action != esambat.ActionSubmit {
			continue // internal notes and silent steps stay off the timeline
		}
		ej := eventJSON{Action: e.Action, Status: e.To, Text: e.Public, Actor: actorLabel(e.ActorRole), CreatedAt: e.CreatedAt}
		if en := esambat.EventText("en", &e); en != e.Public {
			ej.TextEN = en
		}
		out.Events = append(out.Events, ej)
	}
	return out, nil
}

// actorLabel names who acted on the public timeline without naming people.
func actorLabel(r esambat.Role) string {
	switch r {
	case esambat.RoleWarga:
		return "Pelapor"
	case esambat.RoleAdmin:
		return "Admin Diskominfotik"
	case esambat.RolePetugas:
		return "Perangkat daerah"
	case esambat.RolePimpinan:
		return "Pimpinan"
	case esambat.RoleSystem:
		return "Sistem"
	case esambat.RolePartner:
		return "Aplikasi mitra"
	}
	return ""
}

func (s *Server) handleReportGet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rep, a, err := s.Service.ViewReport(ctx, actorFrom(ctx), r.PathValue("ticket"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var events []esambat.Event
	if a >= esambat.AccessPublic {
		if events, err = s.Service.Reports.ListEvents(ctx, rep.ID); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	out, err := s.renderReport(ctx, rep, a, events, nil)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONTagged(w, r, out)
}

// writeJSONTagged writes v with a strong ETag of its bytes, and answers
// 304 Not Modified when the client already has them (If-None-Match): a
// resident's app polling a report's status costs a few bytes.
func writeJSONTagged(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, errorBody{Error: errorDetail{Code: esambat.EINTERNAL, Message: "Terjadi kesalahan internal."}})
		return
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	for _, t := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}

// parseReportFilter reads the list filters of GET /api/v1/reports.
func parseReportFilter(r *http.Request) (esambat.ReportFilter, error) {
	q := r.URL.Query()
	var f esambat.ReportFilter
	var v esambat.Validation
	for _, st := range q["status"] {
		for _, x := range strings.Split(st, ",") {
			if x = strings.TrimSpace(x); x == "" {
				continue
			}
			if !esambat.Status(x).Valid() {
				v.Add("status", "Status tidak dikenal: "+x)
				continue
			}
			f.Statuses = append(f.Statuses, esambat.Status(x))
		}
	}
	f.CategoryCode = strings.TrimSpace(q.Get("category"))
	f.AgencyCode = strings.TrimSpace(q.Get("agency"))
	f.KelurahanCode = strings.TrimSpace(q.Get("kelurahan"))
	for name, vals := range q {
		for _, x := range vals {
			if !utf8.ValidString(x) || strings.ContainsRune(x, 0) {
				// PostgreSQL refuses such text outright and SQLite's full-text
				// query syntax ends at a NUL; say so for both stores.
				v.Add(name, "Parameter "+name+" berisi karakter yang tidak valid.")
				break
			}
		}
	}
	f.Query = strings.TrimSpace(q.Get("q"))
	if len(f.Query) > 200 {
		v.Add("q", "Kata kunci pencarian maksimal 200 karakter.")
	}
	f.After = q.Get("cursor")
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			v.Add("limit", "limit harus bilangan 1 sampai 200.")
		}
		f.Limit = n
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		s := q.Get(p.name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			d, derr := time.ParseInLocation("2006-01-02", s, esambat.WIB)
			if derr != nil {
				v.Add(p.name, p.name+" harus berupa tanggal (2026-03-17) atau waktu RFC 3339.")
				continue
			}
			t = d
		}
		*p.t = t
	}
	if s := q.Get("bbox"); s != "" {
		parts := strings.Split(s, ",")
		var n [4]float64
		ok := len(parts) == 4
		for i := 0; ok && i < 4; i++ {
			x, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
			ok = err == nil
			n[i] = x
		}
		if ok {
			// bbox=minLng,minLat,maxLng,maxLat as in GeoJSON and Leaflet's toBBoxString.
			b := esambat.BBox{MinLng: n[0], MinLat: n[1], MaxLng: n[2], MaxLat: n[3]}
			if esambat.ValidateCoordinates(b.MinLat, b.MinLng) != nil || esambat.ValidateCoordinates(b.MaxLat, b.MaxLng) != nil || b.MinLat > b.MaxLat || b.MinLng > b.MaxLng {
				ok = false
			} else {
				f.BBox = &b
			}
		}
		if !ok {
			v.Add("bbox", "bbox harus berisi empat angka: bujur_min,lintang_min,bujur_maks,lintang_maks.")
		}
	}
	return f, v.Err()
}

// handleReportList lists reports visible to the caller: published reports
// for the public; staff and reporters see more through their own pages.
func (s *Server) handleReportList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := parseReportFilter(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	viewer := actorFrom(ctx)
	switch {
	case viewer == nil, viewer.Role == esambat.RolePartner:
		f.PublishedOnly = true
	case viewer.Role == esambat.RoleWarga:
		if r.URL.Query().Get("mine") == "1" {
			f.ReporterID = viewer.UserID
		} else {
			f.PublishedOnly = true
		}
	case viewer.Role == esambat.RolePetugas:
		f.AgencyCode = viewer.AgencyCode
	}
	page, err := s.Service.Reports.FindReports(ctx, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	pre, err := s.listedFor(ctx, viewer, page.Reports)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	items := make([]reportJSON, 0, len(page.Reports))
	for _, rep := range page.Reports {
		a := esambat.AccessFor(viewer, rep)
		if a == esambat.AccessNone {
			continue
		}
		j, err := s.renderReport(ctx, rep, a, nil, pre)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		items = append(items, j)
	}
	out := struct {
		Reports []reportJSON `json:"reports"`
		Next    *string      `json:"next_cursor"`
	}{Reports: items}
	if page.Next != "" {
		out.Next = &page.Next
	}
	writeJSON(w, http.StatusOK, out)
}

type ctxKey int

const actorKey ctxKey = 1

// actorFrom returns the authenticated actor, or nil.
func actorFrom(ctx context.Context) *esambat.Actor {
	a, _ := ctx.Value(actorKey).(*esambat.Actor)
	return a
}

func withActor(ctx context.Context, a *esambat.Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}
