package open311

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/esambat/esambat"
)

// MaxUpdates is the most updates one GET servicerequestupdates answers;
// a client with more in its window asks again from the last
// updated_datetime it got (the updates come oldest first).
const MaxUpdates = 1000

// UpdatesSpan is the window of GET servicerequestupdates when a date is
// missing: the day before end_date (now by default), or the day after
// start_date.
const UpdatesSpan = 24 * time.Hour

// updateScans bounds how many store pages of events one call reads while
// it leaves out what it may not show (internal notes, rahasia reports).
const updateScans = 10

// handleUpdates answers GET servicerequestupdates.{fmt}, FixMyStreet's
// extension for a client that sends reports here and follows them: each
// step of a report after its submission, oldest first (see the package
// documentation).
func (h *Handler) handleUpdates(w http.ResponseWriter, r *http.Request, f format) {
	ctx := r.Context()
	q := r.URL.Query()
	var v esambat.Validation
	start, end := dateWindow(q, UpdatesSpan, &v)
	if start.IsZero() && end.IsZero() {
		end = h.Service.Time()
		start = end.Add(-UpdatesSpan)
	}
	if err := v.Err(); err != nil {
		h.fail(w, r, f, err)
		return
	}
	vals, err := h.updates(ctx, start, end)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	write(w, f, http.StatusOK, "service_request_updates", array{item: "request_update", values: vals})
}

// updates renders the updates of [start, end], end included, at most
// MaxUpdates, reading the reports they belong to (and their evidence
// photos) in one query per store page.
func (h *Handler) updates(ctx context.Context, start, end time.Time) ([]any, error) {
	reports := map[int64]*esambat.Report{}
	window := esambat.UpdateWindow{From: start, To: end.Add(time.Microsecond), Limit: MaxUpdates}
	var vals []any
	for range updateScans {
		events, err := h.Service.Reports.ListUpdates(ctx, window)
		if err != nil {
			return nil, err
		}
		var missing, withPhotos []int64
		for _, ev := range events {
			if _, ok := reports[ev.ReportID]; !ok {
				missing = append(missing, ev.ReportID)
			}
		}
		found, err := h.Service.Reports.FindReportsByID(ctx, missing)
		if err != nil {
			return nil, err
		}
		maps.Copy(reports, found)
		for _, ev := range events {
			if rep := reports[ev.ReportID]; rep != nil && isEvidence(&ev) && esambat.AccessFor(nil, rep) >= esambat.AccessPublic {
				withPhotos = append(withPhotos, rep.ID)
			}
		}
		photos, err := h.Service.Reports.ListPhotosOf(ctx, withPhotos)
		if err != nil {
			return nil, err
		}
		for i := range events {
			ev := &events[i]
			rep := reports[ev.ReportID]
			if rep == nil {
				continue // every event has its report (a foreign key): defence only
			}
			if u := h.update(rep, ev, photos[rep.ID]); u != nil {
				vals = append(vals, u)
				if len(vals) == MaxUpdates {
					return vals, nil
				}
			}
		}
		if len(events) < window.Limit {
			break
		}
		last := events[len(events)-1]
		window.AfterAt, window.AfterID = last.CreatedAt, last.ID
	}
	return vals, nil
}

// update renders one event of rep as a request_update, or nil for what
// an anonymous visitor may not see: anything of a rahasia report, an
// internal note. Before verification only the status is shown, as a
// tracked ticket shows it; once published, the report's public timeline
// text. status is open or closed, external_status_code E-Sambat's own
// status (diproses, selesai...); media_url the agency's evidence photo
// of an upload.
func (h *Handler) update(rep *esambat.Report, ev *esambat.Event, photos []esambat.Photo) object {
	a := esambat.AccessFor(nil, rep)
	changed := ev.From != ev.To
	public := ev.Public
	if isEvidence(ev) && public == "" {
		// The staff page stores its upload without a text, so that a
		// finish with its photo sends the reporter one message, not two.
		public = esambat.TextEvidencePhoto
	}
	if a == esambat.AccessNone || (public == "" && !changed) || (a < esambat.AccessPublic && !changed) {
		return nil
	}
	description := h.StatusLabels[ev.To]
	if description == "" {
		description = string(ev.To)
	}
	if a >= esambat.AccessPublic && public != "" {
		description = public
	}
	// The agency's evidence: the photos its upload stored with the event.
	var media any
	for _, p := range photos {
		if p.Kind == esambat.PhotoEvidence && p.CreatedAt.Equal(ev.CreatedAt) {
			media = h.photoURL(rep.Ticket, p.Key)
			break
		}
	}
	return object{
		{"update_id", strconv.FormatInt(ev.ID, 10)},
		{"service_request_id", rep.Ticket},
		{"status", openStatus(ev.To)},
		{"updated_datetime", w3c(ev.CreatedAt)},
		{"description", description},
		{"media_url", media},
		{"external_status_code", string(ev.To)},
	}
}

// isEvidence reports whether ev is an agency's upload of evidence photos.
func isEvidence(ev *esambat.Event) bool {
	return ev.Action == "photo" && ev.Data["kind"] == esambat.PhotoEvidence
}
