package open311

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

// MaxRequests is the most requests one GET returns: the specification's
// default volume is "the most recent 90 days or the first 1000 requests,
// whichever is smaller", and the base specification has no paging.
const MaxRequests = 1000

// MaxSpan is the longest start_date..end_date range accepted, and the
// default window.
const MaxSpan = 90 * 24 * time.Hour

// pageSize is how many reports are read from the store at a time: all of
// them at once (the store's cap is 1000). A window of dates read page by
// page read and sorted every report of the window for each page.
const pageSize = MaxRequests

// openStatuses are the statuses reported as "open": the city is still
// working on the report (or waiting for the reporter to complete it).
var openStatuses = []esambat.Status{esambat.StatusDiajukan, esambat.StatusDikembalikan, esambat.StatusDidisposisi, esambat.StatusDiproses}

// closedStatuses are reported as "closed". selesai is among them: the
// agency has finished the work, and the reporter's confirmation (or the
// automatic close after the reply window) only moves it to ditutup; a
// dispute reopens it, and Open311 clients see it turn "open" again.
var closedStatuses = []esambat.Status{esambat.StatusSelesai, esambat.StatusDitutup, esambat.StatusDitolak, esambat.StatusDuplikat}

// openStatus maps a workflow status to Open311's open or closed.
func openStatus(s esambat.Status) string {
	for _, x := range closedStatuses {
		if s == x {
			return "closed"
		}
	}
	return "open"
}

// handleRequests answers GET requests.{fmt}: published reports only,
// newest first.
func (h *Handler) handleRequests(w http.ResponseWriter, r *http.Request, f format) {
	ctx := r.Context()
	q := r.URL.Query()
	if ids := listParam(q, "service_request_id"); len(ids) > 0 {
		// "This overrides all other arguments."
		if len(ids) > MaxRequests {
			h.fail(w, r, f, badRequest("service_request_id", "Maksimal 1000 service_request_id sekaligus."))
			return
		}
		var vals []any
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			v, err := h.requestByID(ctx, id)
			if esambat.ErrorCode(err) == esambat.ENOTFOUND {
				continue // a list omits what it cannot show
			} else if err != nil {
				h.fail(w, r, f, err)
				return
			}
			vals = append(vals, v)
		}
		write(w, f, http.StatusOK, "service_requests", array{item: "request", values: vals})
		return
	}
	reports, err := h.findRequests(ctx, q)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	// The filter keeps to published reports already; this is the rule
	// itself.
	reports = slices.DeleteFunc(reports, func(rep *esambat.Report) bool { return esambat.AccessFor(nil, rep) < esambat.AccessPublic })
	// Each request shows something of its report's events and its first
	// photo: read them for the whole list at once, not in two round trips
	// per report (2,000 for a full list: 0.3-0.5 s on PostgreSQL).
	ids := make([]int64, len(reports))
	for i, rep := range reports {
		ids[i] = rep.ID
	}
	events, err := h.Service.Reports.ListEventsOf(ctx, ids)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	photos, err := h.Service.Reports.ListPhotosOf(ctx, ids)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	vals := make([]any, 0, len(reports))
	for _, rep := range reports {
		v, err := h.render(ctx, rep, esambat.AccessPublic, events[rep.ID], photos[rep.ID])
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		vals = append(vals, v)
	}
	write(w, f, http.StatusOK, "service_requests", array{item: "request", values: vals})
}

// handleRequest answers GET requests/{id}.{fmt}: the same list wrapper
// with one request, or 404.
func (h *Handler) handleRequest(w http.ResponseWriter, r *http.Request, f format, id string) {
	v, err := h.requestByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	write(w, f, http.StatusOK, "service_requests", array{item: "request", values: []any{v}})
}

// requestByID renders the report with the ticket as an anonymous viewer
// may see it; ENOTFOUND when there is no such ticket or it is rahasia.
func (h *Handler) requestByID(ctx context.Context, ticket string) (object, error) {
	rep, err := h.Service.Reports.FindReportByTicket(ctx, ticket)
	if err != nil {
		return nil, err
	}
	a := esambat.AccessFor(nil, rep)
	if a == esambat.AccessNone {
		return nil, notFound("Laporan tidak ditemukan: " + ticket)
	}
	events, err := h.Service.Reports.ListEvents(ctx, rep.ID)
	if err != nil {
		return nil, err
	}
	var photos []esambat.Photo
	if a >= esambat.AccessPublic {
		if photos, err = h.Service.Reports.ListPhotos(ctx, rep.ID); err != nil {
			return nil, err
		}
	}
	return h.render(ctx, rep, a, events, photos)
}

// findRequests reads the reports matching the list filters: published
// only, newest first, at most MaxRequests.
func (h *Handler) findRequests(ctx context.Context, q url.Values) ([]*esambat.Report, error) {
	ref, err := h.reference(ctx)
	if err != nil {
		return nil, err
	}
	var v esambat.Validation
	var categories []string
	for _, code := range listParam(q, "service_code") {
		c, ok := ref.byService[code]
		if !ok {
			v.Add("service_code", "service_code tidak dikenal: "+code+".")
			continue
		}
		categories = append(categories, c.Code)
	}
	f := esambat.ReportFilter{PublishedOnly: true, Limit: pageSize}
	open, closed := false, false
	for _, s := range listParam(q, "status") {
		switch strings.ToLower(s) {
		case "open":
			open = true
		case "closed":
			closed = true
		default:
			v.Add("status", "status harus open, closed atau open,closed.")
		}
	}
	switch {
	case open && !closed:
		f.Statuses = openStatuses
	case closed && !open:
		f.Statuses = closedStatuses
	}
	start, end := dateWindow(q, MaxSpan, &v)
	// Without dates the list is the spec's default volume: "the most
	// recent 90 days or the first 1000 requests, whichever is smaller",
	// i.e. the newest 1000 less those older than 90 days. Read that way it
	// walks the newest published reports, where a filter on the dates
	// read every report of the 90 days and sorted them (3.3 s at a
	// million reports, 204,273 of them in the last 90 days).
	var since time.Time
	if start.IsZero() && end.IsZero() {
		since = h.Service.Time().Add(-MaxSpan)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if since.IsZero() {
		// end_date is the latest time included; the store's To is
		// exclusive and keeps microseconds.
		f.From, f.To = start, end.Add(time.Microsecond)
	}
	all, err := h.collectAll(ctx, f, categories)
	if err != nil {
		return nil, err
	}
	if !since.IsZero() {
		all = slices.DeleteFunc(all, func(r *esambat.Report) bool { return r.CreatedAt.Before(since) })
	}
	return all, nil
}

// collectAll reads the newest MaxRequests reports matching f, of any of
// categories (all categories when there are none).
func (h *Handler) collectAll(ctx context.Context, f esambat.ReportFilter, categories []string) ([]*esambat.Report, error) {
	if len(categories) == 0 {
		return h.collect(ctx, f)
	}
	var all []*esambat.Report
	seen := map[string]bool{}
	for _, c := range categories {
		if seen[c] {
			continue
		}
		seen[c] = true
		f.CategoryCode = c
		reps, err := h.collect(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, reps...)
	}
	sort.SliceStable(all, func(i, j int) bool { return f.Before(all[i], all[j]) })
	if len(all) > MaxRequests {
		all = all[:MaxRequests]
	}
	return all, nil
}

// collect pages through the store until MaxRequests reports are read.
func (h *Handler) collect(ctx context.Context, f esambat.ReportFilter) ([]*esambat.Report, error) {
	var out []*esambat.Report
	for {
		page, err := h.Service.Reports.FindReports(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Reports...)
		if len(out) >= MaxRequests {
			return out[:MaxRequests], nil
		}
		if page.Next == "" {
			return out, nil
		}
		f.After = page.Next
	}
}

// listParam reads a parameter that may be repeated and comma separated;
// empty items are dropped ("an empty parameter is treated as absent").
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// w3cLayouts are the W3C datetime profile's forms with a time zone, to
// the second, to the fraction of a second and to the minute.
var w3cLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"}

// dateWindow reads start_date and end_date, W3C datetimes, adding to v
// what is wrong with them. A missing one is span away from the other;
// given both, end may not come before start nor more than MaxSpan after
// it. Neither given (or either wrong): both come back zero.
func dateWindow(q url.Values, span time.Duration, v *esambat.Validation) (start, end time.Time) {
	start, err1 := parseW3C(q.Get("start_date"))
	end, err2 := parseW3C(q.Get("end_date"))
	v.AddError("start_date", err1)
	v.AddError("end_date", err2)
	switch {
	case err1 != nil || err2 != nil:
		return time.Time{}, time.Time{}
	case start.IsZero() && end.IsZero():
	case end.IsZero():
		end = start.Add(span)
	case start.IsZero():
		start = end.Add(-span)
	case end.Before(start):
		v.Add("end_date", "end_date harus sama dengan atau setelah start_date.")
	case end.Sub(start) > MaxSpan:
		v.Add("end_date", "Rentang start_date sampai end_date maksimal 90 hari.")
	}
	return start, end
}

// parseW3C parses a W3C datetime with a time zone; "" is the zero time.
func parseW3C(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range w3cLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, esambat.Errorf(esambat.EINVALID, "Waktu harus berformat W3C dengan zona waktu, misalnya 2026-03-01T00:00:00+07:00 atau 2026-02-28T17:00:00Z (diterima: %q).", clip(s, 40))
}

// clip shortens s to n bytes for echoing in messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// w3c formats t as the specification's datetime, in WIB.
func w3c(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(esambat.WIB).Format(time.RFC3339)
}

// render shapes a report, with its events and photos, as an Open311
// request for an anonymous viewer with access a. At AccessStatus (not yet
// verified) only the ticket, status, service and dates are shown; the
// content (description, address, point, photo) waits for publication.
// The reporter and the person reported for are never shown.
func (h *Handler) render(ctx context.Context, rep *esambat.Report, a esambat.Access, events []esambat.Event, photos []esambat.Photo) (object, error) {
	ref, err := h.reference(ctx)
	if err != nil {
		return nil, err
	}
	status := openStatus(rep.Status)
	cat := ref.byCode[rep.CategoryCode]
	var serviceName any
	if cat.Name != "" {
		serviceName = cat.Name
	}
	var agency any
	if ag, ok := ref.agencies[rep.AgencyCode]; ok {
		agency = ag.Name
	}
	updated := rep.UpdatedAt
	if status == "closed" {
		// "For requests with status=closed, this will be the date the
		// request was closed": the step into the current status.
		for i := len(events) - 1; i >= 0; i-- {
			if e := events[i]; e.To == rep.Status && e.From != e.To {
				updated = e.CreatedAt
				break
			}
		}
	}
	if updated.IsZero() {
		updated = rep.CreatedAt
	}
	var expected any
	if status == "open" {
		expected = w3c(rep.DueAt)
	}
	notes := h.StatusLabels[rep.Status]
	if notes == "" {
		notes = string(rep.Status)
	}
	track := h.BaseURL + "/laporan/" + rep.Ticket
	notice := "Pantau perkembangan laporan ini di " + track + "."
	var description, address, lat, lng, mediaURL any
	if a >= esambat.AccessPublic {
		for i := len(events) - 1; i >= 0; i-- {
			if t := strings.TrimSpace(events[i].Public); t != "" {
				notes = strings.TrimSuffix(notes, ".") + ". " + t
				break
			}
		}
		description = rep.Description
		address = h.address(rep)
		if rep.Location != nil {
			lat, lng = rep.Location.Lat, rep.Location.Lng
		}
		mediaURL = h.firstPhoto(rep.Ticket, photos)
	} else {
		notice = "Laporan belum diverifikasi: isinya ditampilkan setelah diverifikasi petugas. " + notice
	}
	return object{
		{"service_request_id", rep.Ticket},
		{"status", status},
		{"status_notes", notes},
		{"service_name", serviceName},
		{"service_code", cat.ServiceCode},
		{"description", description},
		{"agency_responsible", agency},
		{"service_notice", notice},
		{"requested_datetime", w3c(rep.CreatedAt)},
		{"updated_datetime", w3c(updated)},
		{"expected_datetime", expected},
		{"address", address},
		{"address_id", nil},
		{"zipcode", nil},
		{"lat", lat},
		{"long", lng},
		{"media_url", mediaURL},
	}, nil
}

// firstPhoto returns the public URL of the reporter's first photo (the
// agency's evidence when the reporter sent none), or nil.
func (h *Handler) firstPhoto(ticket string, photos []esambat.Photo) any {
	var pick *esambat.Photo
	for i := range photos {
		if photos[i].Kind == esambat.PhotoReport {
			pick = &photos[i]
			break
		}
	}
	if pick == nil && len(photos) > 0 {
		pick = &photos[0]
	}
	if pick == nil {
		return nil
	}
	return h.photoURL(ticket, pick.Key)
}

// photoURL is the address of a report's photo on the site.
func (h *Handler) photoURL(ticket, key string) string {
	return h.BaseURL + "/laporan/" + url.PathEscape(ticket) + "/foto/" + key + ".jpg"
}

// address writes the report's place from the most specific to the most
// general unit: what the reporter typed, then the kelurahan, kecamatan,
// city and province derived from the point.
func (h *Handler) address(rep *esambat.Report) any {
	var parts []string
	if a := strings.TrimSpace(rep.Address); a != "" {
		parts = append(parts, a)
	}
	code := rep.KelurahanCode
	if code == "" && rep.Location != nil {
		code = rep.Location.Kelurahan
	}
	for w := h.Service.Wilayah; w != nil && code != ""; {
		reg, ok := w.Lookup(code)
		if !ok {
			break
		}
		switch reg.Level {
		case esambat.LevelKelurahan:
			parts = append(parts, "Kelurahan "+reg.Name)
		case esambat.LevelDesa:
			parts = append(parts, "Desa "+reg.Name)
		case esambat.LevelKecamatan:
			parts = append(parts, "Kecamatan "+reg.Name)
		default:
			parts = append(parts, reg.Name)
		}
		code = reg.Parent
	}
	if len(parts) == 0 {
		return nil
	}
	return strings.Join(parts, ", ")
}
