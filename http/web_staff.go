package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

// Staff pages: the admin queue (Diskominfotik) and the agency inbox
// (petugas). Every decision goes through esambat.Service.Act, which holds
// the rules; these handlers only turn forms into ActionInput.
func (s *Server) staffRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin", s.handleAdminQueue)
	mux.HandleFunc("POST /admin/verifikasi-massal", s.handleAdminBulk)
	mux.HandleFunc("POST /admin/perangkat-daerah/{code}/pindahkan", s.handleMoveReports)
	mux.HandleFunc("GET /admin/lapor", s.handleAdminNewForm)
	mux.HandleFunc("POST /admin/lapor", s.handleAdminNewPost)
	mux.HandleFunc("GET /petugas", s.handleAgencyInbox)
	mux.HandleFunc("GET /admin/notifikasi", s.handleDeadLetters)
	mux.HandleFunc("POST /admin/notifikasi/{id}/ulang", s.handleDeadRetry)
	mux.HandleFunc("GET /admin/kategori", s.handleCategoriesAdmin)
	mux.HandleFunc("POST /admin/kategori/{code}", s.handleCategorySave)
	mux.HandleFunc("GET /petugas/templat", s.handleTemplates)
	mux.HandleFunc("POST /petugas/templat", s.handleTemplateCreate)
	mux.HandleFunc("POST /petugas/templat/{id}/hapus", s.handleTemplateDelete)
	mux.HandleFunc("GET /kelola/{ticket}", s.handleStaffReport)
	mux.HandleFunc("POST /kelola/{ticket}", s.handleStaffAction)
}

// requireRole returns the actor when they have one of roles; otherwise it
// sends them to log in, or answers 404 (staff pages do not announce
// themselves to residents).
func (s *Server) requireRole(w http.ResponseWriter, r *http.Request, roles ...esambat.Role) *esambat.Actor {
	a := s.requireLogin(w, r)
	if a == nil {
		return nil
	}
	for _, role := range roles {
		if a.Role == role {
			return a
		}
	}
	s.pageError(w, r, esambat.Errorf(esambat.ENOTFOUND, "Halaman tidak ditemukan."))
	return nil
}

// queueItem is a report in a staff list with what the list shows.
type queueItem struct {
	reportView
	Overdue bool
	AgeDays int
}

type queueData struct {
	Items    []queueItem
	Agencies []esambat.Agency
	Next     string
	Title    string
	Empty    string
	// Categories and Kelurahan are the admin queue's filters' choices.
	Categories []esambat.Category
	Kelurahan  []option
	// Stranded are the retired agencies still holding open reports: an
	// admin moves them to the agency that took over.
	Stranded []esambat.AgencyLoad
	// AgencyName names the agency the admins' queue is narrowed to (from
	// the notice of a retired agency's reports).
	AgencyName string
	// OwnAgencyRetired: the officer's agency was retired; their account
	// waits for an admin to move it to the agency that took over.
	OwnAgencyRetired bool
	// CalendarUntil is the holiday table's last day when it runs out
	// within esambat.CalendarNoticeDays (zero otherwise): the admins are
	// the ones who notice wrong due dates and can ask for the new SKB.
	CalendarUntil time.Time
}

// queueOnPage is queue for a staff page: a cursor the store refuses is
// named on p, and the first page shown instead.
func (s *Server) queueOnPage(ctx context.Context, p *page, f esambat.ReportFilter, viewer *esambat.Actor) ([]queueItem, string, error) {
	items, next, err := s.queue(ctx, f, viewer)
	if esambat.ErrorCode(err) == esambat.EINVALID {
		p.setErrors(err)
		f.After = ""
		items, next, err = s.queue(ctx, f, viewer)
	}
	return items, next, err
}

func (s *Server) queue(ctx context.Context, f esambat.ReportFilter, viewer *esambat.Actor) ([]queueItem, string, error) {
	page, err := s.Service.Reports.FindReports(ctx, f)
	if err != nil {
		return nil, "", err
	}
	now := s.Service.Time()
	var out []queueItem
	for _, rep := range page.Reports {
		a := esambat.AccessFor(viewer, rep)
		if a == esambat.AccessNone {
			continue
		}
		v, err := s.view(ctx, rep, esambat.AccessStatus, viewer)
		if err != nil {
			return nil, "", err
		}
		v.Access = a
		it := queueItem{reportView: v, Overdue: rep.Late(now),
			AgeDays: int(now.Sub(rep.CreatedAt).Hours() / 24)}
		out = append(out, it)
	}
	return out, page.Next, nil
}

func (s *Server) handleAdminQueue(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin, esambat.RolePimpinan)
	if a == nil {
		return
	}
	p := s.newPage(w, r, "Antrean verifikasi")
	p.Values = r.URL.Query()
	status := esambat.Status(p.Values.Get("status"))
	if !status.Valid() {
		status = esambat.StatusDiajukan
	}
	p.Values.Set("status", string(status))
	if status != esambat.StatusDiajukan {
		// The same page lists the other statuses: its title says which.
		p.Title = p.Tf("Laporan: %s", p.StatusLabel(status))
	}
	// The queue's filters (words, category, kelurahan) narrow a flood
	// of reports to the ones to decide together; the queue stays one
	// status, oldest first.
	f, err := parseReportFilter(r)
	if err != nil {
		p.setErrors(err)
		f = esambat.ReportFilter{}
	}
	f.Statuses, f.OldestFirst, f.Limit = []esambat.Status{status}, true, 100
	items, next, err := s.queueOnPage(r.Context(), p, f, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ref, err := s.ref(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := queueData{Items: items, Agencies: ref.agencies, Next: next, Categories: ref.categories, Kelurahan: s.kelurahanOptions()}
	if ag, ok := ref.agByCode[f.AgencyCode]; ok {
		p.Title += " — " + ag.Name
		d.AgencyName = ag.Name
	}
	if d.Stranded, err = s.Service.StrandedReports(r.Context(), ref.agencies); err != nil {
		s.pageError(w, r, err)
		return
	}
	if cal := s.Service.Clocks.Calendar; cal != nil && cal.RunsOutBy(s.Service.Time().AddDate(0, 0, esambat.CalendarNoticeDays)) {
		d.CalendarUntil = cal.CoveredUntil()
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "staff_queue", p)
}

// handleAdminBulk verifies the ticked reports and disposes each to its
// suggested agency: the common case of a morning queue.
func (s *Server) handleAdminBulk(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	if !s.formOK(w, r) {
		return
	}
	tickets := r.PostForm["ticket"]
	if len(tickets) == 0 {
		flash(w, "Tidak ada laporan yang dipilih.")
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return
	}
	var failed []string
	done := 0
	for _, t := range tickets {
		if _, err := s.Service.Act(r.Context(), *a, t, esambat.ActionInput{Action: esambat.ActionVerify}); err != nil {
			failed = append(failed, t+": "+esambat.ErrorMessage(err))
			continue
		}
		done++
	}
	flash(w, strconv.Itoa(done)+" laporan diverifikasi dan diteruskan."+failedList(failed))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// handleMoveReports moves the open reports of a retired agency to the
// agency that took over its duties (esambat.Service.MoveAgencyReports),
// from the notice on the admins' queue.
func (s *Server) handleMoveReports(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil || !s.formOK(w, r) {
		return
	}
	from, to := r.PathValue("code"), strings.TrimSpace(r.PostFormValue("agency"))
	res, err := s.Service.MoveAgencyReports(r.Context(), *a, from, to)
	if res.Moved > 0 {
		s.Logger.Info("reports moved from a retired agency", "by", a.UserID, "from", from, "to", to, "moved", res.Moved, "failed", len(res.Failed), "left", res.Left)
	}
	switch {
	case esambat.ErrorCode(err) == esambat.EINVALID:
		flash(w, esambat.ErrorMessage(err))
	case err != nil:
		s.pageError(w, r, err)
		return
	default:
		dest, err := s.Service.Reference.FindAgency(r.Context(), to)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		msg := fmt.Sprintf("%d laporan dipindahkan ke %s.", res.Moved, dest.Name)
		if res.Left > 0 {
			msg += fmt.Sprintf(" Masih ada %d laporan; pindahkan lagi untuk sisanya.", res.Left)
		}
		flash(w, msg+failedList(res.Failed))
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// failedList names the first few failures of a bulk step for its flash
// message (a cookie: it must stay short).
func failedList(failed []string) string {
	if len(failed) == 0 {
		return ""
	}
	const shown = 5
	msg := " Gagal: " + strings.Join(failed[:min(shown, len(failed))], "; ")
	if len(failed) > shown {
		msg += fmt.Sprintf("; dan %d lainnya", len(failed)-shown)
	}
	return msg + "."
}

func (s *Server) handleAgencyInbox(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RolePetugas)
	if a == nil {
		return
	}
	p := s.newPage(w, r, "Kotak masuk perangkat daerah")
	p.Values = r.URL.Query()
	// The inbox's filters: one of its statuses, words, category and
	// kelurahan (an officer planning a day in one kelurahan).
	f, err := parseReportFilter(r)
	if err != nil {
		p.setErrors(err)
		f = esambat.ReportFilter{}
	}
	statuses := esambat.AgencyInboxStatuses
	if st := esambat.Status(p.Values.Get("status")); slices.Contains(statuses, st) {
		statuses = []esambat.Status{st}
	} else {
		p.Values.Del("status")
	}
	f.AgencyCode, f.Statuses, f.OldestFirst, f.Limit = a.AgencyCode, statuses, true, 100
	items, next, err := s.queueOnPage(r.Context(), p, f, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := queueData{Items: items, Next: next, Kelurahan: s.kelurahanOptions()}
	if ag, err := s.Service.Reference.FindAgency(r.Context(), a.AgencyCode); err == nil {
		p.Title = p.T("Kotak masuk") + ": " + ag.Name
		d.OwnAgencyRetired = ag.Retired
	}
	ref, err := s.ref(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Categories = ref.categories
	p.Data = d
	s.render(w, r, http.StatusOK, "staff_inbox", p)
}

// staffReportData is the staff view of one report.
type staffReportData struct {
	reportView
	AllEvents    []esambat.Event
	Agencies     []esambat.Agency
	Categories   []esambat.Category
	Reasons      []option
	Role         string
	OnBehalf     *esambat.OnBehalf
	Flags        []string
	ReporterUser *esambat.User
	Overdue      bool
	Templates    []esambat.ResponseTemplate
	Suggestions  []suggestionView
	AutoDisposed bool
	CanPublish   bool
}

// suggestionView is a routing suggestion as the admin sees it.
type suggestionView struct {
	Category, CategoryName, Agency, AgencyName string
	Percent                                    int
}

func (s *Server) handleStaffReport(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin, esambat.RolePetugas, esambat.RolePimpinan)
	if a == nil {
		return
	}
	s.staffReportPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) staffReportPage(w http.ResponseWriter, r *http.Request, a *esambat.Actor, status int, actErr error) {
	ctx := r.Context()
	rep, access, err := s.Service.ViewReport(ctx, a, r.PathValue("ticket"))
	if err == nil && access < esambat.AccessAgency {
		// Another agency's report: its handling and notes are not theirs
		// to see, even when the report itself is public.
		err = esambat.Errorf(esambat.ENOTFOUND, "Laporan tidak ditemukan.")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v, err := s.view(ctx, rep, access, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ref, err := s.ref(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := staffReportData{reportView: v, Agencies: ref.agencies, Categories: ref.categories, Role: string(a.Role)}
	if events, err := s.Service.Reports.ListEvents(ctx, rep.ID); err == nil {
		d.AllEvents = events
		d.AutoDisposed = rep.Status == esambat.StatusDidisposisi && esambat.AutoDisposed(events)
	}
	d.CanPublish = a.Role == esambat.RoleAdmin && rep.PublishedAt.IsZero() && rep.Visibility != esambat.VisibilityRahasia &&
		rep.Status != esambat.StatusDiajukan && rep.Status != esambat.StatusDikembalikan && rep.Status.Open()
	if a.Role == esambat.RoleAdmin {
		for _, sg := range s.Service.Suggest(rep, 3) {
			c := ref.catByCode[sg.Category]
			d.Suggestions = append(d.Suggestions, suggestionView{c.Code, c.Name, c.AgencyCode, ref.agByCode[c.AgencyCode].Name, int(sg.Confidence*100 + 0.5)})
		}
	}
	if access == esambat.AccessFull {
		d.OnBehalf, d.Flags = rep.OnBehalf, rep.Flags
		if rep.ReporterID != 0 {
			if u, err := s.Service.Users.FindUserByID(ctx, rep.ReporterID); err == nil {
				d.ReporterUser = u
			}
		}
	}
	for _, reason := range esambat.RejectReasons {
		d.Reasons = append(d.Reasons, option{reason, esambat.RejectReasonLabel(reason)})
	}
	d.Overdue = rep.Late(s.Service.Time())
	if a.Role == esambat.RolePetugas && s.Service.Templates != nil {
		d.Templates, _ = s.Service.Templates.ListTemplates(ctx, a.AgencyCode, rep.CategoryCode)
	}
	p := s.newPage(w, r, "Kelola laporan")
	p.Title = rep.Ticket + ": " + rep.Title
	if actErr != nil {
		p.setErrors(actErr)
		p.Values = r.PostForm
	}
	p.Data = d
	s.render(w, r, status, "staff_report", p)
}

// handleStaffAction turns one of the action forms of the staff report
// page into a lifecycle step.
func (s *Server) handleStaffAction(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin, esambat.RolePetugas, esambat.RolePimpinan)
	if a == nil {
		return
	}
	ticket := r.PathValue("ticket")
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
		s.staffReportPage(w, r, a, http.StatusBadRequest, esambat.FieldError("photos", "Formulir atau foto tidak dapat dibaca (maksimal 5 foto, masing-masing 10 MB)."))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if !s.formOK(w, r) {
		return
	}
	in := esambat.ActionInput{
		Action: esambat.Action(r.PostFormValue("action")), Agency: r.PostFormValue("agency"), Reason: r.PostFormValue("reason"),
		Text: r.PostFormValue("text"), Note: r.PostFormValue("note"), Of: r.PostFormValue("of"), Plan: r.PostFormValue("plan"),
		TargetDate: r.PostFormValue("target_date"), TargetReason: r.PostFormValue("target_reason"),
		Visibility: esambat.Visibility(r.PostFormValue("visibility")), Category: r.PostFormValue("category"),
	}
	if in.Action == esambat.ActionAutoClose || in.Action == esambat.ActionEscalate || in.Action == esambat.ActionSupport {
		s.staffReportPage(w, r, a, http.StatusBadRequest, esambat.FieldError("action", "Tindakan tidak dikenal."))
		return
	}
	if id, _ := strconv.ParseInt(r.PostFormValue("template"), 10, 64); id > 0 && a.Role == esambat.RolePetugas && s.Service.Templates != nil {
		// A chosen template fills an empty text (it works without JavaScript).
		tpls, _ := s.Service.Templates.ListTemplates(r.Context(), a.AgencyCode, "")
		for _, tpl := range tpls {
			if tpl.ID == id {
				if in.Action == esambat.ActionAccept && strings.TrimSpace(in.Plan) == "" {
					in.Plan = tpl.Body
				} else if strings.TrimSpace(in.Text) == "" {
					in.Text = tpl.Body
				}
			}
		}
	}
	if in.Action == esambat.ActionReject && in.Reason == "luar_wilayah" && strings.TrimSpace(in.Text) == "" {
		in.Text = "Laporan ditolak karena lokasinya di luar wilayah Kota Pasuruan. Silakan sampaikan ke Pemerintah Kabupaten Pasuruan atau melalui SP4N-LAPOR! di https://www.lapor.go.id."
	}
	// Evidence photos come with "finish": stored first, attached with the
	// step, so a finished report never lacks the evidence it was sent with.
	var evidence []esambat.Photo
	if in.Action == esambat.ActionFinish && r.MultipartForm != nil {
		var files []*multipartFile
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size > 0 {
				files = append(files, fh)
			}
		}
		if len(files) > esambat.MaxPhotos {
			s.staffReportPage(w, r, a, http.StatusBadRequest, esambat.FieldError("photos", "Maksimal 5 foto per laporan."))
			return
		}
		photos, err := s.storePhotos(r.Context(), files, esambat.PhotoEvidence)
		if err != nil {
			s.staffReportPage(w, r, a, statusFor(err), err)
			return
		}
		evidence = photos
	}
	rep, err := s.Service.Act(r.Context(), *a, ticket, in)
	if err != nil {
		if esambat.ErrorCode(err) == esambat.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
		s.staffReportPage(w, r, a, statusFor(err), err)
		return
	}
	if len(evidence) > 0 {
		ev := &esambat.Event{Action: "photo", ActorID: a.UserID, ActorRole: a.Role, From: rep.Status, To: rep.Status,
			Data: map[string]string{"count": strconv.Itoa(len(evidence)), "kind": esambat.PhotoEvidence}}
		if err := s.Service.Reports.AddPhotos(r.Context(), rep.ID, evidence, ev); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	flash(w, "Tersimpan.")
	next := "/kelola/" + url.PathEscape(ticket)
	if a.Role == esambat.RoleAdmin && (in.Action == esambat.ActionVerify || in.Action == esambat.ActionReject || in.Action == esambat.ActionDuplicate || in.Action == esambat.ActionReturn) {
		next = "/admin"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleAdminNewForm(w http.ResponseWriter, r *http.Request) {
	if s.requireRole(w, r, esambat.RoleAdmin) == nil {
		return
	}
	p := s.newPage(w, r, "Catat laporan dari loket atau telepon")
	d, err := s.reportFormData(r.Context(), "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Values.Set("type", "pengaduan")
	p.Values.Set("visibility", "publik")
	p.Values.Set("channel", "walkin")
	p.Data = d
	s.render(w, r, http.StatusOK, "staff_new", p)
}

// handleAdminNewPost records a report for a walk-in, phone or WhatsApp
// reporter; the person is kept as "atas nama" with their phone, so they
// are notified like any reporter.
func (s *Server) handleAdminNewPost(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	p := s.newPage(w, r, "Catat laporan dari loket atau telepon")
	if err := r.ParseForm(); err != nil || !s.checkCSRF(r) {
		s.pageError(w, r, errStaleForm())
		return
	}
	p.Values = r.PostForm
	d, err := s.reportFormData(r.Context(), r.PostFormValue("idem"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = d
	in := esambat.ReportInput{
		Type: esambat.Type(r.PostFormValue("type")), CategoryCode: r.PostFormValue("category"),
		Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		KelurahanCode: r.PostFormValue("kelurahan_code"), Address: r.PostFormValue("address"),
		Visibility: esambat.Visibility(r.PostFormValue("visibility")), Channel: esambat.Channel(r.PostFormValue("channel")),
		OnBehalf: &esambat.OnBehalf{Name: r.PostFormValue("reporter_name"), Relationship: "pelapor langsung (" + r.PostFormValue("channel") + ")",
			Phone: r.PostFormValue("reporter_phone")},
	}
	if in.Channel != esambat.ChannelWalkIn && in.Channel != esambat.ChannelPhone && in.Channel != esambat.ChannelWhatsApp {
		p.setErrors(esambat.FieldError("channel", "Pilih saluran: loket, telepon atau WhatsApp."))
		s.render(w, r, http.StatusBadRequest, "staff_new", p)
		return
	}
	rep, _, err := s.Service.SubmitReport(r.Context(), *a, in, "admin:"+r.PostFormValue("idem"))
	if err != nil {
		p.setErrors(err)
		s.render(w, r, statusFor(err), "staff_new", p)
		return
	}
	flash(w, "Laporan tercatat dengan tiket "+rep.Ticket+". Sampaikan nomor tiket ini kepada pelapor.")
	http.Redirect(w, r, "/kelola/"+rep.Ticket, http.StatusSeeOther)
}

type templatesData struct {
	Templates  []esambat.ResponseTemplate
	Categories []esambat.Category
}

func (s *Server) handleTemplates(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RolePetugas)
	if a == nil {
		return
	}
	s.templatesPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) templatesPage(w http.ResponseWriter, r *http.Request, a *esambat.Actor, status int, err error) {
	p := s.newPage(w, r, "Templat jawaban")
	tpls, lerr := s.Service.Templates.ListTemplates(r.Context(), a.AgencyCode, "")
	ref, rerr := s.ref(r.Context())
	if lerr != nil || rerr != nil {
		s.pageError(w, r, errors.Join(lerr, rerr))
		return
	}
	if err != nil {
		p.setErrors(err)
		p.Values = r.PostForm
	}
	p.Data = templatesData{Templates: tpls, Categories: ref.categories}
	s.render(w, r, status, "staff_templates", p)
}

func (s *Server) handleTemplateCreate(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RolePetugas)
	if a == nil {
		return
	}
	if !s.formOK(w, r) {
		return
	}
	_, err := s.Service.SaveTemplate(r.Context(), *a, esambat.ResponseTemplate{
		CategoryCode: r.PostFormValue("category"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body")})
	if err != nil {
		s.templatesPage(w, r, a, statusFor(err), err)
		return
	}
	flash(w, "Tersimpan.")
	http.Redirect(w, r, "/petugas/templat", http.StatusSeeOther)
}

func (s *Server) handleTemplateDelete(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RolePetugas)
	if a == nil {
		return
	}
	if !s.formOK(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Service.Templates.DeleteTemplate(r.Context(), a.AgencyCode, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	flash(w, "Templat dihapus.")
	http.Redirect(w, r, "/petugas/templat", http.StatusSeeOther)
}

func (s *Server) handleCategoriesAdmin(w http.ResponseWriter, r *http.Request) {
	if s.requireRole(w, r, esambat.RoleAdmin) == nil {
		return
	}
	s.categoriesPage(w, r, http.StatusOK, nil)
}

func (s *Server) categoriesPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := s.newPage(w, r, "Kategori dan disposisi otomatis")
	cats, lerr := s.Service.Reference.ListCategories(r.Context())
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	if err != nil {
		p.setErrors(err)
	}
	ref, rerr := s.ref(r.Context())
	if rerr != nil {
		s.pageError(w, r, rerr)
		return
	}
	rows := make([]categoryRow, 0, len(cats))
	for _, c := range cats {
		if c.Retired {
			continue // nothing new goes to it
		}
		row := categoryRow{Category: c, AgencyName: c.AgencyCode}
		if ag, ok := ref.agByCode[c.AgencyCode]; ok {
			row.AgencyName, row.AgencyRetired = ag.Name, ag.Retired
		}
		rows = append(rows, row)
	}
	p.Data = categoriesData{Rows: rows, Agencies: ref.agencies}
	s.render(w, r, status, "staff_categories", p)
}

// categoriesData is what staff_categories shows: the categories and the
// agencies to choose from.
type categoriesData struct {
	Rows     []categoryRow
	Agencies []esambat.Agency
}

// categoryRow is a category on the admin's categories page, with its
// default agency's name (its code when the agency is unknown).
type categoryRow struct {
	esambat.Category
	AgencyName string
	// AgencyRetired: the default agency was retired; an admin must
	// choose another (meanwhile nothing is disposed automatically).
	AgencyRetired bool
}

// handleCategorySave sets a category's default agency (the suggestion at
// verification, and where automatic disposition sends its reports) and
// switches its automatic disposition on (a threshold between 0 and 1,
// written as a percentage) or off (0). Both are checked before either is
// stored.
func (s *Server) handleCategorySave(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil || !s.formOK(w, r) {
		return
	}
	code := r.PathValue("code")
	var pct float64
	setThreshold := r.PostForm.Has("threshold")
	if setThreshold {
		var err error
		pct, err = strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(r.PostFormValue("threshold"), "%")), 64)
		if err != nil || pct < 0 || pct > 100 {
			s.categoriesPage(w, r, http.StatusBadRequest, esambat.FieldError("threshold", "Ambang keyakinan harus angka 0 sampai 100 (0 = mati)."))
			return
		}
	}
	if agency := strings.TrimSpace(r.PostFormValue("agency")); agency != "" {
		cat, err := s.Service.Reference.FindCategory(r.Context(), code)
		if err == nil && cat.AgencyCode != agency {
			if err = s.Service.Reference.SetCategoryAgency(r.Context(), code, agency); err == nil {
				s.Logger.Info("category agency changed", "by", a.UserID, "category", code, "from", cat.AgencyCode, "to", agency)
			}
		}
		if err != nil {
			s.categoriesPage(w, r, statusFor(err), err)
			return
		}
	}
	if setThreshold {
		if err := s.Service.Reference.SetAutoThreshold(r.Context(), code, pct/100); err != nil {
			s.categoriesPage(w, r, statusFor(err), err)
			return
		}
	}
	s.refs.invalidate()
	flash(w, "Tersimpan.")
	http.Redirect(w, r, "/admin/kategori", http.StatusSeeOther)
}

// handleDeadLetters lists notifications that could not be delivered after
// every retry, so an admin can fix the cause (a wrong number, a gateway
// outage) and send them again.
func (s *Server) handleDeadLetters(w http.ResponseWriter, r *http.Request) {
	if s.requireRole(w, r, esambat.RoleAdmin) == nil {
		return
	}
	if s.Outbox == nil {
		s.pageError(w, r, esambat.Errorf(esambat.ENOTFOUND, "Halaman tidak ditemukan."))
		return
	}
	msgs, err := s.Outbox.ListDead(r.Context(), 200)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := s.newPage(w, r, "Notifikasi gagal terkirim")
	p.Data = msgs
	s.render(w, r, http.StatusOK, "staff_dead", p)
}

func (s *Server) handleDeadRetry(w http.ResponseWriter, r *http.Request) {
	if s.requireRole(w, r, esambat.RoleAdmin) == nil {
		return
	}
	if !s.checkCSRF(r) || s.Outbox == nil {
		s.pageError(w, r, errStaleForm())
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Outbox.RetryDead(r.Context(), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	flash(w, "Notifikasi dijadwalkan ulang.")
	http.Redirect(w, r, "/admin/notifikasi", http.StatusSeeOther)
}
