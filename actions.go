package esambat

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ActionInput is one lifecycle step as a command (POST
// /api/v1/reports/{ticket}/actions). Which fields matter depends on Action.
type ActionInput struct {
	Action Action `json:"action"`
	// Agency: verify (dispose at once) and dispose (re-route).
	Agency string `json:"agency,omitempty"`
	// Reason: reject (one of RejectReasons) and handback.
	Reason string `json:"reason,omitempty"`
	// Text is the public text: an answer, what is missing, the result.
	Text string `json:"text,omitempty"`
	// Note is internal, for staff only.
	Note string `json:"note,omitempty"`
	// Of is the ticket a duplicate is merged into.
	Of string `json:"of,omitempty"`
	// Plan and TargetDate: accept. TargetDate is a WIB date (2026-03-31).
	Plan       string `json:"plan,omitempty"`
	TargetDate string `json:"target_date,omitempty"`
	// TargetReason explains a target later than the category's clock.
	TargetReason string `json:"target_reason,omitempty"`
	// Rating: confirm (1-5).
	Rating int `json:"rating,omitempty"`
	// Visibility: set_visibility (tighten only), verify (optional).
	Visibility Visibility `json:"visibility,omitempty"`
	// Category: recategorize.
	Category string `json:"category,omitempty"`
	// Title and Description: resubmit may correct them (what the admin
	// asked to complete); empty keeps the current text.
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// longText checks an optional or required free text of at most max
// characters.
func longText(v *Validation, field, s string, required bool, max int, label string) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		v.Add(field, label+" berisi karakter yang tidak valid.")
	case required && n == 0:
		v.Add(field, label+" wajib diisi.")
	case n > max:
		v.Add(field, fmt.Sprintf("%s maksimal %d karakter.", label, max))
	}
	return s
}

// Act applies one lifecycle action by actor to the report with the ticket
// and returns the updated report. The rules come from Transition (who may do
// what from which status) and Authorize (whose report it is); Act adds what
// each action needs (an agency, a reason, a rating...) and sets the clocks.
//
// Errors: ENOTFOUND when the viewer may not see the report; EFORBIDDEN or
// ECONFLICT from Transition; EINVALID naming the missing or bad fields;
// ECONFLICT when another change came first.
func (s *Service) Act(ctx context.Context, actor Actor, ticket string, in ActionInput) (*Report, error) {
	r, err := s.Reports.FindReportByTicket(ctx, ticket)
	if err != nil {
		return nil, err
	}
	if in.Action == ActionSupport {
		return s.support(ctx, actor, r)
	}
	if AccessFor(&actor, r) == AccessNone || (actor.Role == RoleWarga && r.ReporterID != actor.UserID) {
		return nil, Errorf(ENOTFOUND, "Laporan tidak ditemukan.")
	}
	if err := Authorize(actor, r, in.Action); err != nil {
		return nil, err
	}
	next, err := Transition(actor.Role, r.Status, in.Action)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ev := &Event{Action: string(in.Action), ActorID: actor.UserID, ActorRole: actor.Role, From: r.Status, To: next, CreatedAt: now, Data: map[string]string{}}
	var v Validation
	in.Text = longText(&v, "text", in.Text, false, MaxDescription, "Teks")
	in.Note = longText(&v, "note", in.Note, false, MaxDescription, "Catatan internal")
	ev.Public, ev.Internal = in.Text, in.Note
	cat, err := s.Reference.FindCategory(ctx, r.CategoryCode)
	if err != nil {
		return nil, err
	}
	agency := func() Agency {
		code := strings.TrimSpace(in.Agency)
		if code == "" {
			code = r.SuggestedAgency
		}
		a, err := s.Reference.FindAgency(ctx, code)
		if err != nil {
			v.Add("agency", "Perangkat daerah tujuan tidak dikenal.")
		} else if a.Retired {
			v.Add("agency", MsgAgencyRetired)
		}
		return a
	}
	switch in.Action {
	case ActionVerify:
		a := agency()
		if in.Visibility != "" {
			if !in.Visibility.Valid() || !r.Visibility.Tightens(in.Visibility) {
				v.Add("visibility", "Kerahasiaan hanya dapat diperketat.")
			} else if in.Visibility != r.Visibility {
				ev.Data["visibility"] = string(in.Visibility)
				r.Visibility = in.Visibility
			}
		}
		r.AgencyCode = a.Code
		ev.Data["agency"] = a.Code
		if ev.Public == "" {
			ev.Public = systemText(ev, textVerified, a.Name)
		}
		if r.PublishedAt.IsZero() && r.Visibility != VisibilityRahasia {
			r.PublishedAt = now
		}
		r.DueAt = s.Clocks.AcceptDue(now)
	case ActionDispose:
		a := agency()
		if a.Code == r.AgencyCode && r.Status == StatusDidisposisi {
			v.Add("agency", "Laporan sudah berada di perangkat daerah ini.")
		}
		r.AgencyCode = a.Code
		ev.Data["agency"] = a.Code
		if ev.Public == "" {
			ev.Public = systemText(ev, textRerouted, a.Name)
		}
		r.DueAt = s.Clocks.AcceptDue(now)
	case ActionReturn:
		if ev.Public == "" {
			v.Add("text", "Tuliskan apa yang perlu dilengkapi pelapor.")
		}
		r.DueAt = time.Time{}
	case ActionResubmit:
		if strings.TrimSpace(in.Title) != "" {
			r.Title = cleanText(&v, "title", in.Title, 5, MaxTitle, "Judul")
		}
		if strings.TrimSpace(in.Description) != "" {
			r.Description = cleanText(&v, "description", in.Description, 10, MaxDescription, "Uraian")
		}
		if ev.Public == "" {
			ev.Public = textResubmitted
		}
		r.DueAt = s.Clocks.VerifyDue(now)
	case ActionReject:
		if !ValidRejectReason(in.Reason) {
			v.Add("reason", "Pilih alasan penolakan: "+strings.Join(RejectReasons, ", ")+".")
		}
		ev.Data["reason"] = in.Reason
		if ev.Public == "" {
			ev.Public = systemText(ev, textRejected, RejectReasonLabel(in.Reason))
		}
		r.DueAt = time.Time{}
	case ActionDuplicate:
		orig, err := s.Reports.FindReportByTicket(ctx, in.Of)
		switch {
		case strings.TrimSpace(in.Of) == "":
			v.Add("of", "Isi nomor tiket laporan asli.")
		case err != nil:
			v.Add("of", "Laporan asli tidak ditemukan.")
		case orig.ID == r.ID:
			v.Add("of", "Laporan tidak dapat menjadi duplikat dirinya sendiri.")
		case !orig.Status.Open() || orig.Status == StatusSelesai:
			v.Add("of", "Laporan asli sudah tidak terbuka.")
		default:
			r.DuplicateOf = orig.ID
			ev.Data["of"] = orig.Ticket
			if ev.Public == "" {
				ev.Public = systemText(ev, textMerged, orig.Ticket)
			}
		}
		r.DueAt = time.Time{}
	case ActionAccept:
		in.Plan = longText(&v, "plan", in.Plan, true, MaxDescription, "Rencana tindak lanjut")
		due, err := s.Clocks.CompletionDue(now, cat.SLAClass)
		if err != nil {
			return nil, err
		}
		if in.TargetDate != "" {
			d, perr := time.ParseInLocation("2006-01-02", in.TargetDate, WIB)
			if perr != nil {
				v.Add("target_date", "Tanggal target harus berformat 2026-03-31.")
			} else {
				target := EndOfDay(d)
				needsReason, err := s.Clocks.CheckTarget(now, target, cat.SLAClass)
				if err != nil {
					v.AddError("target_date", err)
				} else if needsReason && strings.TrimSpace(in.TargetReason) == "" {
					v.Add("target_reason", "Target melewati batas kategori ini: tuliskan alasannya.")
				}
				due = target
				ev.Data["target_reason"] = strings.TrimSpace(in.TargetReason)
			}
		}
		ev.Data["plan"] = in.Plan
		ev.Data["target"] = due.In(WIB).Format(time.RFC3339)
		if ev.Public == "" {
			ev.Public = systemText(ev, textAccepted, in.Plan)
		}
		r.DueAt = due
	case ActionAnswer:
		if ev.Public == "" {
			v.Add("text", "Jawaban wajib diisi.")
		}
	case ActionNote:
		if ev.Internal == "" {
			v.Add("note", "Catatan wajib diisi.")
		}
	case ActionFinish:
		if ev.Public == "" {
			v.Add("text", "Jelaskan hasil penanganan.")
		}
		r.DueAt = s.Clocks.AutoCloseAt(now)
	case ActionHandback:
		reason := longText(&v, "reason", in.Reason, true, 1000, "Alasan")
		ev.Data["reason"], ev.Data["agency"] = reason, r.AgencyCode
		if ev.Internal == "" {
			ev.Internal = "Bukan kewenangan: " + reason
		}
		if ev.Public == "" {
			ev.Public = textHandedBack
		}
		r.AgencyCode = ""
		r.DueAt = s.Clocks.VerifyDue(now)
	case ActionConfirm:
		if in.Rating < 1 || in.Rating > 5 {
			v.Add("rating", "Beri nilai 1 sampai 5.")
		}
		r.Rating = in.Rating
		ev.Data["rating"] = fmt.Sprint(in.Rating)
		if ev.Public == "" {
			ev.Public = textConfirmed
		}
		r.DueAt = time.Time{}
	case ActionDispute:
		if !r.DueAt.IsZero() && !now.Before(r.DueAt) {
			v.Add("action", fmt.Sprintf("Masa sanggah %d hari kerja sudah lewat.", s.Clocks.SLA.AutoClose))
		}
		if ev.Public == "" {
			v.Add("text", "Jelaskan mengapa laporan belum selesai.")
		}
		due, err := s.Clocks.CompletionDue(now, cat.SLAClass)
		if err != nil {
			return nil, err
		}
		r.DueAt = due
	case ActionSetVisibility:
		if !in.Visibility.Valid() || !r.Visibility.Tightens(in.Visibility) || in.Visibility == r.Visibility {
			v.Add("visibility", "Kerahasiaan hanya dapat diperketat.")
		}
		ev.Data["visibility"] = string(in.Visibility)
		r.Visibility = in.Visibility
	case ActionRecategorize:
		c, err := s.Reference.FindCategory(ctx, in.Category)
		if err != nil {
			v.Add("category", "Kategori tidak dikenal.")
		} else if c.Retired {
			v.Add("category", MsgCategoryRetired)
		} else if c.Code == r.CategoryCode {
			v.Add("category", "Kategori tidak berubah.")
		}
		ev.Data["category"], ev.Data["from_category"] = c.Code, r.CategoryCode
		r.CategoryCode, r.SuggestedAgency = c.Code, c.AgencyCode
	case ActionUndo:
		events, err := s.Reports.ListEvents(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		if !AutoDisposed(events) {
			return nil, Errorf(ECONFLICT, "Hanya disposisi otomatis yang dapat dibatalkan; gunakan alihkan untuk disposisi oleh admin.")
		}
		ev.Data["agency"] = r.AgencyCode
		if ev.Internal == "" {
			ev.Internal = "Disposisi otomatis dibatalkan; laporan kembali ke antrean verifikasi."
		}
		r.AgencyCode = ""
		r.DueAt = s.Clocks.VerifyDue(now)
	case ActionPublish:
		if !r.PublishedAt.IsZero() || r.Visibility == VisibilityRahasia {
			return nil, Errorf(ECONFLICT, "Laporan ini sudah dipublikasikan atau bersifat rahasia.")
		}
		r.PublishedAt = now
	case ActionAutoClose, ActionEscalate:
		// Scheduler actions: nothing to validate.
		if in.Action == ActionAutoClose {
			r.DueAt = time.Time{}
			if ev.Public == "" {
				ev.Public = s.Clocks.autoCloseText(ev)
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r.Status = next
	if err := s.Reports.UpdateReport(ctx, r, ev); err != nil {
		return nil, err
	}
	if in.Action == ActionDuplicate {
		// The duplicate's reporter and supporters back the original now.
		if err := s.Reports.MergeSupports(ctx, r.ID, r.DuplicateOf, r.ReporterID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// support records a resident's "dukung" for someone else's published report.
func (s *Service) support(ctx context.Context, actor Actor, r *Report) (*Report, error) {
	if actor.Role != RoleWarga {
		return nil, Errorf(EFORBIDDEN, "Hanya warga yang dapat mendukung laporan.")
	}
	if err := Authorize(actor, r, ActionSupport); err != nil {
		return nil, err
	}
	if _, err := Transition(actor.Role, r.Status, ActionSupport); err != nil {
		return nil, err
	}
	added, err := s.Reports.AddSupport(ctx, r.ID, actor.UserID)
	if err != nil {
		return nil, err
	} else if !added {
		return nil, Errorf(ECONFLICT, "Anda sudah mendukung laporan ini.")
	}
	return s.Reports.FindReportByID(ctx, r.ID)
}

// RejectReasonLabel is the plain-language text of a reject reason.
func RejectReasonLabel(reason string) string {
	switch reason {
	case "luar_wilayah":
		return "lokasi di luar wilayah Kota Pasuruan"
	case "bukan_kewenangan_pemkot":
		return "bukan kewenangan Pemerintah Kota Pasuruan"
	case "urusan_pribadi":
		return "urusan pribadi"
	case "spam_sara_hoaks":
		return "berisi spam, SARA atau hoaks"
	case "tidak_lengkap":
		return "laporan tidak lengkap"
	}
	return reason
}
