package http

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/media"
)

func (s *Server) webRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /daftar", s.handleRegisterPage)
	mux.HandleFunc("POST /daftar", s.handleRegisterPost)
	mux.HandleFunc("GET /masuk", s.handleLoginPage)
	mux.HandleFunc("POST /masuk", s.handleLoginPost)
	mux.HandleFunc("POST /keluar", s.handleLogout)
	mux.HandleFunc("GET /lupa-sandi", s.handleForgotPage)
	mux.HandleFunc("POST /lupa-sandi", s.handleForgotPost)
	mux.HandleFunc("GET /lupa-sandi/atur", s.handleResetPage)
	mux.HandleFunc("POST /lupa-sandi/atur", s.handleResetPost)
	mux.HandleFunc("GET /verifikasi-hp", s.handleVerifyPage)
	mux.HandleFunc("POST /verifikasi-hp", s.handleVerifyPost)
	mux.HandleFunc("POST /verifikasi-hp/kirim-ulang", s.handleVerifyResend)
	mux.HandleFunc("GET /konfirmasi-email", s.handleEmailConfirmPage)
	mux.HandleFunc("POST /konfirmasi-email", s.handleEmailConfirmPost)
	mux.HandleFunc("POST /akun/email/kirim", s.handleEmailResend)
	mux.HandleFunc("GET /lapor", s.handleReportForm)
	mux.HandleFunc("POST /lapor", s.handleReportPost)
	mux.HandleFunc("GET /laporan", s.handlePublicList)
	mux.HandleFunc("GET /statistik", s.handleStatsPage)
	mux.HandleFunc("GET /laporan/{ticket}", s.handleReportPage)
	mux.HandleFunc("POST /laporan/{ticket}/{action}", s.handleReportPageAction)
	mux.HandleFunc("GET /laporan/{ticket}/foto/{key}", s.handlePhoto)
	mux.HandleFunc("GET /laporan-saya", s.handleMyReports)
	mux.HandleFunc("GET /lacak", s.handleTrack)
	mux.HandleFunc("GET /akun", s.handleAccount)
	mux.HandleFunc("POST /akun/token/{id}/cabut", s.handleAccountRevoke)
	mux.HandleFunc("POST /akun/keluar-lainnya", s.handleAccountRevokeOthers)
	mux.HandleFunc("POST /akun/sandi", s.handleAccountPassword)
	mux.HandleFunc("POST /akun/data", s.handleAccountProfile)
	mux.HandleFunc("GET /akun/unduh", s.handleMyDataDownload)
	mux.HandleFunc("POST /akun/tutup", s.handleAccountClose)
	static, _ := fsSub()
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.pageError(w, r, esambat.Errorf(esambat.ENOTFOUND, "Halaman tidak ditemukan."))
	})
}

// cacheStatic lets browsers keep static files for a day: cheap phones on
// weak networks should not fetch Leaflet twice.
func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

type homeData struct {
	Published, InProgress, Done int
	Counted                     bool // the counters are known
	Recent                      []*esambat.Report
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.newPage(w, r, "Layanan pengaduan masyarakat Kota Pasuruan")
	d := s.homeCounters(ctx)
	if page, err := s.Service.Reports.FindReports(ctx, esambat.ReportFilter{PublishedOnly: true, Limit: 5}); err == nil {
		d.Recent = page.Reports
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "home", p)
}

// kelurahanOptions are the city's kelurahan for pickers.
type option struct{ Value, Label string }

func (s *Server) kelurahanOptions() []option {
	var out []option
	for _, k := range s.Service.Wilayah.Kelurahan(s.Service.CityCode) {
		kec, _ := s.Service.Wilayah.Lookup(k.Parent)
		out = append(out, option{k.Code, k.Name + " (Kec. " + kec.Name + ")"})
	}
	return out
}

func (s *Server) handleRegisterPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Daftar akun")
	p.Data = s.kelurahanOptions()
	s.render(w, r, http.StatusOK, "register", p)
}

func (s *Server) handleRegisterPost(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Daftar akun")
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, esambat.FieldError("body", "Formulir tidak dapat dibaca."))
		return
	}
	if err := limited(w, s.registerLimit, "ip:"+remoteIP(r)); err != nil {
		s.pageError(w, r, err) // a page, not the API's JSON error
		return
	}
	s.registerLimit.add("ip:" + remoteIP(r))
	in := esambat.RegisterInput{NIK: r.PostFormValue("nik"), Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"),
		Email: r.PostFormValue("email"), Password: r.PostFormValue("password"), KelurahanCode: r.PostFormValue("kelurahan_code"), Lang: p.Lang}
	// Refill the form after an error, but never echo the password.
	for k, v := range r.PostForm {
		if k != "password" {
			p.Values[k] = v
		}
	}
	u, err := s.Service.Register(r.Context(), in)
	if err != nil {
		p.setErrors(err)
		p.Data = s.kelurahanOptions()
		s.render(w, r, statusFor(err), "register", p)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	if u.EmailPending != "" {
		flash(w, "Akun Anda sudah dibuat. Masukkan kode yang kami kirim ke nomor HP Anda, lalu buka tautan yang kami kirim ke email Anda untuk mengonfirmasinya.")
	} else {
		flash(w, "Akun Anda sudah dibuat. Masukkan kode yang kami kirim ke nomor HP Anda.")
	}
	http.Redirect(w, r, "/verifikasi-hp", http.StatusSeeOther)
}

func statusFor(err error) int {
	if st, ok := statusOf[esambat.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *esambat.User) error {
	ua := r.UserAgent()
	if len(ua) > 90 {
		ua = ua[:90]
	}
	secret, _, err := s.Service.IssueToken(r.Context(), u, esambat.TokenSession, strings.ToValidUTF8(ua, ""), SessionTTL)
	if err != nil {
		return err
	}
	s.setSession(w, r, secret)
	return nil
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Masuk")
	p.Values.Set("kembali", safeNext(r.URL.Query().Get("kembali")))
	s.render(w, r, http.StatusOK, "login", p)
}

func (s *Server) handleLoginPost(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Masuk")
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, esambat.FieldError("body", "Formulir tidak dapat dibaca."))
		return
	}
	p.Values.Set("login", r.PostFormValue("login"))
	p.Values.Set("kembali", safeNext(r.PostFormValue("kembali")))
	u, err := s.login(w, r, r.PostFormValue("login"), r.PostFormValue("password"))
	if err != nil {
		p.setErrors(err)
		s.render(w, r, statusFor(err), "login", p)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	next := safeNext(r.PostFormValue("kembali"))
	if next == "/" {
		switch u.Role {
		case esambat.RoleAdmin:
			next = "/admin"
		case esambat.RolePimpinan:
			// The mayor's office watches what the city keeps waiting.
			next = "/admin/terlambat"
		case esambat.RolePetugas:
			next = "/petugas"
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleForgotPage asks for the phone number of an account whose
// password is forgotten (esambat.Service.SendResetCode).
func (s *Server) handleForgotPage(w http.ResponseWriter, r *http.Request) {
	s.passwordPage(w, r, "Lupa kata sandi", "forgot")
}

// passwordPage shows a page of the forgotten-password forms, its number
// filled in from the link.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, title, tpl string) {
	p := s.newPage(w, r, title)
	p.Values.Set("login", r.URL.Query().Get("login"))
	s.render(w, r, http.StatusOK, tpl, p)
}

// passwordForm begins the answer to a forgotten-password form: the page,
// with the number typed kept, and that number; a nil page when the form
// could not be read and the error page has answered.
func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request, title string) (*page, string) {
	p := s.newPage(w, r, title)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, esambat.FieldError("body", "Formulir tidak dapat dibaca."))
		return nil, ""
	}
	login := strings.TrimSpace(r.PostFormValue("login"))
	p.Values.Set("login", login)
	return p, login
}

// handleForgotPost sends the code, at most otpLimit's codes an hour per
// number and loginLimit's requests per address, and answers the same
// whether the number is registered or not.
func (s *Server) handleForgotPost(w http.ResponseWriter, r *http.Request) {
	p, login := s.passwordForm(w, r, "Lupa kata sandi")
	if p == nil {
		return
	}
	phone, err := s.requestReset(w, r, login)
	if err != nil {
		p.setErrors(err)
		s.render(w, r, statusFor(err), "forgot", p)
		return
	}
	if strings.Contains(phone, "@") {
		flash(w, "Bila email itu milik akun dengan email terkonfirmasi, kode sudah dikirim ke email itu. Kode berlaku 15 menit.")
	} else {
		flash(w, "Bila nomor itu milik akun dengan nomor HP terkonfirmasi, kode sudah dikirim lewat SMS. Kode berlaku 15 menit.")
	}
	http.Redirect(w, r, "/lupa-sandi/atur?login="+url.QueryEscape(phone), http.StatusSeeOther)
}

// handleResetPage asks for the code and the new password.
func (s *Server) handleResetPage(w http.ResponseWriter, r *http.Request) {
	s.passwordPage(w, r, "Kata sandi baru", "reset")
}

// handleResetPost sets the new password and signs the resident in on this
// browser; every other session of the account has ended.
func (s *Server) handleResetPost(w http.ResponseWriter, r *http.Request) {
	p, login := s.passwordForm(w, r, "Kata sandi baru")
	if p == nil {
		return
	}
	// Guesses are bounded per code (five) and per number, as logins are.
	u, err := s.resetPassword(w, r, login, r.PostFormValue("code"), r.PostFormValue("password"))
	if err != nil {
		p.setErrors(err)
		s.render(w, r, statusFor(err), "reset", p)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	flash(w, "Kata sandi sudah diganti dan Anda sudah masuk. Perangkat lain sudah dikeluarkan dari akun ini.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if sess := sessionFrom(r.Context()); sess != "" {
		if !s.formOK(w, r) {
			return
		}
		if t, err := s.Service.Auth.Tokens.FindToken(r.Context(), esambat.TokenHash(sess)); err == nil {
			_ = s.Service.Auth.Tokens.RevokeToken(r.Context(), t.UserID, t.ID)
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleVerifyPage(w http.ResponseWriter, r *http.Request) {
	if s.requireLogin(w, r) == nil {
		return
	}
	s.render(w, r, http.StatusOK, "verify", s.newPage(w, r, "Konfirmasi nomor HP"))
}

func (s *Server) handleVerifyPost(w http.ResponseWriter, r *http.Request) {
	a := s.requireLogin(w, r)
	if a == nil {
		return
	}
	p := s.newPage(w, r, "Konfirmasi nomor HP")
	if !s.checkCSRF(r) {
		p.setErrors(errStaleForm())
		s.render(w, r, http.StatusForbidden, "verify", p)
		return
	}
	if err := s.Service.VerifyPhone(r.Context(), a.UserID, r.PostFormValue("code")); err != nil {
		p.setErrors(err)
		s.render(w, r, statusFor(err), "verify", p)
		return
	}
	flash(w, "Nomor HP Anda sudah terkonfirmasi.")
	http.Redirect(w, r, "/lapor", http.StatusSeeOther)
}

func (s *Server) handleVerifyResend(w http.ResponseWriter, r *http.Request) {
	a := s.requireLoginForm(w, r)
	if a == nil {
		return
	}
	key := "otp:" + strconv.FormatInt(a.UserID, 10)
	if blocked, _ := s.otpLimit.blocked(key); blocked {
		s.pageError(w, r, esambat.Errorf(esambat.ERATELIMIT, "Terlalu banyak permintaan kode. Coba lagi nanti."))
		return
	}
	s.otpLimit.add(key)
	u, err := s.Service.Users.FindUserByID(r.Context(), a.UserID)
	if err == nil {
		err = s.Service.SendPhoneCode(r.Context(), u)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	flash(w, "Kode baru sudah dikirim.")
	http.Redirect(w, r, "/verifikasi-hp", http.StatusSeeOther)
}

// formData is what the report form needs.
type formData struct {
	Categories []esambat.Category
	Kelurahan  []option
	Idem       string
	OnBehalf   bool
}

func (s *Server) reportFormData(ctx context.Context, idem string) (formData, error) {
	ref, err := s.ref(ctx)
	if err != nil {
		return formData{}, err
	}
	if idem == "" {
		idem = newIdem()
	}
	return formData{Categories: ref.categories, Kelurahan: s.kelurahanOptions(), Idem: idem}, nil
}

func (s *Server) handleReportForm(w http.ResponseWriter, r *http.Request) {
	if s.requireLogin(w, r) == nil {
		return
	}
	p := s.newPage(w, r, "Buat laporan")
	d, err := s.reportFormData(r.Context(), "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Values.Set("type", "pengaduan")
	p.Values.Set("visibility", "publik")
	p.Data = d
	s.render(w, r, http.StatusOK, "report_form", p)
}

// maxUpload bounds a report form: five photos of 10 MB and the text.
const maxUpload = media.DefaultMaxBytes*esambat.MaxPhotos + 1<<20

func (s *Server) handleReportPost(w http.ResponseWriter, r *http.Request) {
	a := s.requireLogin(w, r)
	if a == nil {
		return
	}
	p := s.newPage(w, r, "Buat laporan")
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.pageError(w, r, &esambat.Error{Code: esambat.ETOOLARGE, Message: "Kiriman terlalu besar: maksimal 5 foto, masing-masing 10 MB."})
			return
		}
		s.pageError(w, r, esambat.FieldError("body", "Formulir tidak dapat dibaca."))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	p.Values = r.PostForm
	d, err := s.reportFormData(r.Context(), r.PostFormValue("idem"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.OnBehalf = r.PostFormValue("on_behalf") != ""
	p.Data = d
	fail := func(err error) {
		p.setErrors(err)
		var e *esambat.Error
		if errors.As(err, &e) && e.Referral != nil {
			p.Flash = ""
			p.Errors = append(p.Errors, fieldError{"", e.Referral.URL})
		}
		s.render(w, r, statusFor(err), "report_form", p)
	}
	if !s.checkCSRF(r) {
		fail(errStaleForm())
		return
	}
	in := esambat.ReportInput{
		Type: esambat.Type(r.PostFormValue("type")), CategoryCode: r.PostFormValue("category"),
		Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		KelurahanCode: r.PostFormValue("kelurahan_code"), Address: r.PostFormValue("address"),
		Visibility: esambat.Visibility(r.PostFormValue("visibility")), Channel: esambat.ChannelWeb,
	}
	var v esambat.Validation
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"lat", &in.Lat}, {"lng", &in.Lng}} {
		if raw := strings.TrimSpace(r.PostFormValue(f.name)); raw != "" {
			x, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				v.Add(f.name, "Titik lokasi tidak valid. Pilih lagi di peta, atau kosongkan dan pilih kelurahan.")
				continue
			}
			*f.dst = &x
		}
	}
	if d.OnBehalf {
		in.OnBehalf = &esambat.OnBehalf{Name: r.PostFormValue("on_behalf_name"), Relationship: r.PostFormValue("on_behalf_relationship"),
			Phone: r.PostFormValue("on_behalf_phone")}
	}
	if err := v.Err(); err != nil {
		fail(err)
		return
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size > 0 || fh.Filename != "" {
				files = append(files, fh)
			}
		}
	}
	if len(files) > esambat.MaxPhotos {
		fail(esambat.FieldError("photos", "Maksimal 5 foto per laporan."))
		return
	}
	// Check the text before the photos are processed, so that a typo does
	// not cost the resident a slow upload's processing; photos are then
	// stored before the report commits, so a committed report never points
	// at a missing file.
	probe := in
	if err := probe.Normalize(); err != nil {
		fail(err)
		return
	}
	photos, err := s.storePhotos(r.Context(), files, esambat.PhotoReport)
	if err != nil {
		fail(err)
		return
	}
	in.Photos = photos
	rep, _, err := s.Service.SubmitReport(r.Context(), *a, in, "web:"+r.PostFormValue("idem"))
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/laporan/"+rep.Ticket+"?baru=1", http.StatusSeeOther)
}

// storePhotos normalises and stores uploaded photos, two at a time at
// most (each decoded photo holds tens of MB).
func (s *Server) storePhotos(ctx context.Context, files []*multipart.FileHeader, kind string) ([]esambat.Photo, error) {
	var out []esambat.Photo
	for i, fh := range files {
		photo, err := s.storePhoto(ctx, fh, kind)
		if err != nil {
			var e *esambat.Error
			if errors.As(err, &e) && len(files) > 1 {
				msg := e.Message
				e2 := *e
				e2.Fields = map[string]string{"photos": "Foto ke-" + strconv.Itoa(i+1) + ": " + msg}
				e2.Message = e2.Fields["photos"]
				return nil, &e2
			}
			if errors.As(err, &e) && e.Fields != nil {
				e2 := *e
				e2.Fields = map[string]string{"photos": e.Message}
				return nil, &e2
			}
			return nil, err
		}
		out = append(out, photo)
	}
	return out, nil
}

// StorePhotos stores a report's photos through the same pipeline as the
// web form, for the Open311 adapter's multipart media. Call it only on a
// Server whose Handler has been built.
func (s *Server) StorePhotos(ctx context.Context, files []*multipart.FileHeader) ([]esambat.Photo, error) {
	return s.storePhotos(ctx, files, esambat.PhotoReport)
}

func (s *Server) storePhoto(ctx context.Context, fh *multipart.FileHeader, kind string) (esambat.Photo, error) {
	if s.Media == nil {
		return esambat.Photo{}, esambat.Errorf(esambat.EUNAVAILABLE, "Penyimpanan foto sedang bermasalah. Coba lagi nanti.")
	}
	s.photoSem <- struct{}{}
	defer func() { <-s.photoSem }()
	f, err := fh.Open()
	if err != nil {
		return esambat.Photo{}, esambat.FieldError("photos", "Foto gagal diterima. Coba unggah lagi.")
	}
	defer f.Close()
	pr, err := media.Process(f, media.Limits{})
	if err != nil {
		return esambat.Photo{}, err
	}
	if err := s.Media.Put(ctx, pr.Web.SHA256, pr.Web.Data); err != nil {
		return esambat.Photo{}, err
	}
	if err := s.Media.Put(ctx, pr.Thumb.SHA256, pr.Thumb.Data); err != nil {
		return esambat.Photo{}, err
	}
	return esambat.Photo{Key: pr.Web.SHA256, ThumbKey: pr.Thumb.SHA256, Width: pr.Web.Width, Height: pr.Web.Height, Kind: kind}, nil
}

// handlePhoto serves a photo only to those who may see its report.
func (s *Server) handlePhoto(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rep, err := s.Service.Reports.FindReportByTicket(ctx, r.PathValue("ticket"))
	if err != nil || esambat.AccessFor(actorFrom(ctx), rep) < esambat.AccessPublic {
		http.NotFound(w, r)
		return
	}
	key := strings.TrimSuffix(r.PathValue("key"), ".jpg")
	photos, err := s.Service.Reports.ListPhotos(ctx, rep.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	found := false
	for _, ph := range photos {
		found = found || ph.Key == key || ph.ThumbKey == key
	}
	if !found || s.Media == nil {
		http.NotFound(w, r)
		return
	}
	rc, err := s.Media.Open(ctx, key)
	if esambat.ErrorCode(err) == esambat.EUNAVAILABLE {
		// The photo store is down (an object store out of reach): say
		// so, rather than that the photo does not exist.
		w.Header().Set("Retry-After", "30")
		http.Error(w, esambat.ErrorMessage(err), http.StatusServiceUnavailable)
		return
	} else if err != nil {
		http.NotFound(w, r)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "image/jpeg")
	cache := "private, max-age=3600"
	if rep.Visibility != esambat.VisibilityRahasia && rep.Published() {
		cache = "public, max-age=31536000, immutable"
	}
	w.Header().Set("Cache-Control", cache)
	_, _ = io.Copy(w, rc)
}

// reportView is a report with what its page shows.
type reportView struct {
	R          *esambat.Report
	Access     esambat.Access
	Category   esambat.Category
	Agency     string
	Kelurahan  string
	Kecamatan  string
	Reporter   string
	Events     []esambat.Event
	Photos     []esambat.Photo
	Evidence   []esambat.Photo
	IsReporter bool
	New        bool
	// ReturnNote is what the admin asked the reporter to complete.
	ReturnNote string
	CanSupport bool
}

func (s *Server) view(ctx context.Context, r *esambat.Report, a esambat.Access, viewer *esambat.Actor) (reportView, error) {
	ref, err := s.ref(ctx)
	if err != nil {
		return reportView{}, err
	}
	v := reportView{R: r, Access: a, Category: ref.catByCode[r.CategoryCode], Agency: ref.agByCode[r.AgencyCode].Name}
	if k, ok := s.Service.Wilayah.Lookup(r.KelurahanCode); ok {
		v.Kelurahan = k.Name
		if kec, ok := s.Service.Wilayah.Lookup(k.Parent); ok {
			v.Kecamatan = kec.Name
		}
	}
	v.IsReporter = viewer != nil && viewer.Role == esambat.RoleWarga && viewer.UserID == r.ReporterID
	v.CanSupport = viewer != nil && viewer.Role == esambat.RoleWarga && !v.IsReporter && r.Published() &&
		(r.Status == esambat.StatusDidisposisi || r.Status == esambat.StatusDiproses)
	if a < esambat.AccessPublic {
		return v, nil
	}
	if esambat.ShowsReporter(a, r) && r.ReporterID != 0 {
		if u, err := s.Service.Users.FindUserByID(ctx, r.ReporterID); err == nil {
			v.Reporter = u.Name
		}
	}
	events, err := s.Service.Reports.ListEvents(ctx, r.ID)
	if err != nil {
		return v, err
	}
	for _, e := range events {
		if e.Public != "" || e.From != e.To || e.Action == esambat.ActionSubmit {
			v.Events = append(v.Events, e)
		}
		if e.Action == string(esambat.ActionReturn) {
			v.ReturnNote = e.Public
		}
	}
	photos, err := s.Service.Reports.ListPhotos(ctx, r.ID)
	if err != nil {
		return v, err
	}
	for _, ph := range photos {
		if ph.Kind == esambat.PhotoEvidence {
			v.Evidence = append(v.Evidence, ph)
		} else {
			v.Photos = append(v.Photos, ph)
		}
	}
	return v, nil
}

func (s *Server) handleReportPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	viewer := actorFrom(ctx)
	rep, a, err := s.Service.ViewReport(ctx, viewer, r.PathValue("ticket"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v, err := s.view(ctx, rep, a, viewer)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v.New = r.URL.Query().Get("baru") == "1" && v.IsReporter
	p := s.newPage(w, r, "Laporan")
	p.Title = rep.Ticket
	if a >= esambat.AccessPublic {
		p.Title = rep.Ticket + ": " + rep.Title
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "report", p)
}

// handleReportPageAction runs the resident's buttons on a report page:
// dukung (support), konfirmasi (confirm with a rating), sanggah (dispute).
func (s *Server) handleReportPageAction(w http.ResponseWriter, r *http.Request) {
	a := s.requireLogin(w, r)
	if a == nil {
		return
	}
	ticket := r.PathValue("ticket")
	if !s.formOK(w, r) {
		return
	}
	in := esambat.ActionInput{Text: r.PostFormValue("text")}
	msg := ""
	switch r.PathValue("action") {
	case "dukung":
		in.Action, msg = esambat.ActionSupport, "Terima kasih, dukungan Anda tercatat."
	case "konfirmasi":
		in.Action, msg = esambat.ActionConfirm, "Terima kasih atas penilaian Anda."
		in.Rating, _ = strconv.Atoi(r.PostFormValue("rating"))
	case "sanggah":
		in.Action, msg = esambat.ActionDispute, "Sanggahan Anda sudah diteruskan ke perangkat daerah."
	case "lengkapi":
		in.Action, msg = esambat.ActionResubmit, "Laporan Anda sudah dikirim ulang untuk diverifikasi."
		in.Title, in.Description, in.Text = r.PostFormValue("title"), r.PostFormValue("description"), ""
	default:
		s.pageError(w, r, esambat.Errorf(esambat.ENOTFOUND, "Halaman tidak ditemukan."))
		return
	}
	if _, err := s.Service.Act(r.Context(), *a, ticket, in); err != nil {
		if esambat.ErrorCode(err) == esambat.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
		flash(w, esambat.ErrorMessage(err))
	} else {
		flash(w, msg)
	}
	http.Redirect(w, r, "/laporan/"+url.PathEscape(ticket), http.StatusSeeOther)
}

type listData struct {
	Reports    []reportView
	Next       string
	Categories []esambat.Category
	Kelurahan  []option
	Points     []mapPoint
	Total      int
	More       bool // more than Total reports
}

type mapPoint struct {
	Lat    float64 `json:"lat"`
	Lng    float64 `json:"lng"`
	Ticket string  `json:"ticket"`
	Title  string  `json:"title"`
	URL    string  `json:"url"`
}

func (s *Server) handlePublicList(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Laporan warga")
	p.Values = r.URL.Query()
	f, err := parseReportFilter(r)
	if err != nil {
		p.setErrors(err)
		f = esambat.ReportFilter{}
	}
	f.PublishedOnly = true
	f.ReporterID, f.AgencyCode = 0, ""
	s.listPage(w, r, p, f, "list")
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request, p *page, f esambat.ReportFilter, tpl string) {
	ctx := r.Context()
	if f.Limit == 0 {
		f.Limit = 20
	}
	page, err := s.Service.Reports.FindReports(ctx, f)
	if err != nil {
		if esambat.ErrorCode(err) != esambat.EINVALID {
			s.pageError(w, r, err)
			return
		}
		p.setErrors(err)
		f.After = ""
		page, _ = s.Service.Reports.FindReports(ctx, f)
	}
	ref, err := s.ref(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := listData{Categories: ref.categories, Kelurahan: s.kelurahanOptions(), Next: page.Next}
	d.Total, d.More = s.listCount(ctx, f)
	viewer := actorFrom(ctx)
	for _, rep := range page.Reports {
		a := esambat.AccessFor(viewer, rep)
		if a == esambat.AccessNone {
			continue
		}
		v, err := s.view(ctx, rep, esambat.AccessStatus, viewer)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		v.Access = a
		d.Reports = append(d.Reports, v)
		if rep.Location != nil && a >= esambat.AccessPublic {
			d.Points = append(d.Points, mapPoint{rep.Location.Lat, rep.Location.Lng, rep.Ticket, rep.Title, "/laporan/" + rep.Ticket})
		}
	}
	p.Data = d
	s.render(w, r, http.StatusOK, tpl, p)
}

func (s *Server) handleMyReports(w http.ResponseWriter, r *http.Request) {
	a := s.requireLogin(w, r)
	if a == nil {
		return
	}
	p := s.newPage(w, r, "Laporan saya")
	f := esambat.ReportFilter{ReporterID: a.UserID, After: r.URL.Query().Get("cursor")}
	s.listPage(w, r, p, f, "mine")
}

func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Lacak laporan")
	ticket := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("tiket")))
	p.Values.Set("tiket", ticket)
	if ticket == "" {
		s.render(w, r, http.StatusOK, "track", p)
		return
	}
	rep, err := s.Service.Reports.FindReportByTicket(r.Context(), ticket)
	if err != nil || esambat.AccessFor(actorFrom(r.Context()), rep) == esambat.AccessNone {
		p.setErrors(esambat.FieldError("tiket", "Nomor tiket tidak ditemukan. Periksa lagi, misalnya ES-26-000123."))
		s.render(w, r, http.StatusNotFound, "track", p)
		return
	}
	http.Redirect(w, r, "/laporan/"+url.PathEscape(rep.Ticket), http.StatusSeeOther)
}

type accountData struct {
	// Kelurahan are the choices of a resident's own form, KelurahanName
	// the one they live in.
	Kelurahan     []option
	KelurahanName string
	Tokens        []accountToken
	// History is what admins (or the operator) changed on this account.
	History []accountChange
}

// accountToken is a row of the account page's list of sessions and tokens.
type accountToken struct {
	esambat.Token
	Label   string // the session's browser and system, or the API token's name
	Current bool   // the session of this very browser
}

// accountTokens lists the tokens that can still sign in, each with the
// name a resident recognises: a session's browser and system read from
// the User-Agent saved at sign-in, an API token's own name.
func (p *page) accountTokens(toks []esambat.Token, current string, now time.Time) []accountToken {
	var out []accountToken
	for _, t := range toks {
		if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
			continue // expired: it cannot sign in any more
		}
		row := accountToken{Token: t, Label: t.Name, Current: current != "" && t.Hash == current}
		if t.Kind == esambat.TokenSession {
			switch d := parseDevice(t.Name); {
			case d.Browser != "" && d.OS != "":
				row.Label = p.Tf("%s di %s", d.Browser, d.OS)
			case d.Browser != "":
				row.Label = d.Browser
			case d.OS != "":
				row.Label = p.Tf("Peramban di %s", d.OS)
			default:
				row.Label = p.T("Peramban tidak dikenal")
			}
		}
		if row.Label == "" {
			row.Label = "-"
		}
		out = append(out, row)
	}
	return out
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	a := s.requireLogin(w, r)
	if a == nil {
		return
	}
	p := s.newPage(w, r, "Akun saya")
	if err := s.accountPage(r, p, a); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account", p)
}

// sessionHash is the stored hash of this browser's session, "" without one:
// the session the account page marks and a change of password keeps.
func sessionHash(r *http.Request) string {
	if sess := sessionFrom(r.Context()); sess != "" {
		return esambat.TokenHash(sess)
	}
	return ""
}

// accountPage fills in the account page's list of sessions and tokens.
func (s *Server) accountPage(r *http.Request, p *page, a *esambat.Actor) error {
	toks, err := s.Service.Auth.Tokens.ListTokens(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	hist, err := s.accountHistory(r, a, a.UserID)
	if err != nil {
		return err
	}
	if !a.Role.Staff() {
		// A resident learns that an admin confirmed their domicile, not
		// which member of staff it was.
		for i := range hist {
			if hist[i].ActorID == a.UserID {
				hist[i].Actor = p.T("Anda")
			} else if hist[i].Actor != "" {
				hist[i].Actor = "Admin E-Sambat"
			}
		}
	}
	d := accountData{Tokens: p.accountTokens(toks, sessionHash(r), s.Service.Time()), History: hist}
	if u := p.User; u != nil && a.Role == esambat.RoleWarga {
		d.Kelurahan = s.kelurahanOptions()
		if k, ok := s.Service.CityKelurahan(u.KelurahanCode); ok {
			d.KelurahanName = k.Name
		}
		if !p.Values.Has("name") { // else a refused form, kept as sent
			p.Values.Set("name", u.Name)
			p.Values.Set("email", u.Email)
			if u.EmailPending != "" {
				p.Values.Set("email", u.EmailPending)
			}
			p.Values.Set("phone", u.Phone)
			p.Values.Set("kelurahan_code", u.KelurahanCode)
		}
	}
	p.Data = d
	return nil
}

// handleAccountClose closes a resident's account at their request
// (esambat.Service.CloseAccount) and signs this browser out; a wrong
// password counts as a guess at it.
func (s *Server) handleAccountClose(w http.ResponseWriter, r *http.Request) {
	a := s.residentForm(w, r)
	if a == nil {
		return
	}
	if err := s.closeAccount(w, r, a, r.PostFormValue("close_current"), r.PostFormValue("confirm") == "1"); err != nil {
		s.refusedAccountForm(w, r, a, err, "close_current")
		return
	}
	s.Logger.Info("account closed by its resident", "user", a.UserID)
	s.clearSession(w, r)
	flash(w, "Akun Anda sudah ditutup: nama, NIK, nomor HP dan email Anda sudah dihapus. Laporan Anda tetap tersimpan sebagai catatan pelayanan publik. Terima kasih telah memakai E-Sambat.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// residentForm checks a resident's own form (signed in, CSRF) and returns
// the resident; nil when the answer has been given (staff get 404: their
// accounts are an admin's to change).
func (s *Server) residentForm(w http.ResponseWriter, r *http.Request) *esambat.Actor {
	a := s.requireLoginForm(w, r)
	if a != nil && a.Role != esambat.RoleWarga {
		s.pageError(w, r, esambat.Errorf(esambat.ENOTFOUND, "Halaman tidak ditemukan."))
		return nil
	}
	return a
}

// closeAccount is esambat.Service.CloseAccount with a wrong password
// counted as a guess at it.
func (s *Server) closeAccount(w http.ResponseWriter, r *http.Request, a *esambat.Actor, current string, confirmed bool) error {
	return s.guessing(w, a.UserID, func() error { return s.Service.CloseAccount(r.Context(), a.UserID, current, confirmed) })
}

// refusedAccountForm shows the account page again with err on the form
// that was sent: its password field is named field (the account page has
// more than one form asking for the password, and the service names it
// "current"), and keep are the fields put back as they were sent.
func (s *Server) refusedAccountForm(w http.ResponseWriter, r *http.Request, a *esambat.Actor, err error, field string, keep ...string) {
	p := s.newPage(w, r, "Akun saya")
	for _, k := range keep {
		p.Values.Set(k, r.PostFormValue(k))
	}
	if err := s.accountPage(r, p, a); err != nil {
		s.pageError(w, r, err)
		return
	}
	if e := (*esambat.Error)(nil); errors.As(err, &e) && e.Fields["current"] != "" && field != "current" {
		e.Fields[field] = e.Fields["current"]
		delete(e.Fields, "current")
	}
	p.setErrors(err)
	s.render(w, r, statusFor(err), "account", p)
}

// handleAccountProfile stores a resident's own changes to their account;
// a refused form comes back as it was sent, without the password.
func (s *Server) handleAccountProfile(w http.ResponseWriter, r *http.Request) {
	a := s.residentForm(w, r)
	if a == nil {
		return
	}
	before, err := s.Service.Users.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	in := esambat.ProfileInput{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"),
		KelurahanCode: r.PostFormValue("kelurahan_code"), Current: r.PostFormValue("profile_current")}
	u, err := s.updateProfile(w, r, a, in)
	if err != nil {
		s.refusedAccountForm(w, r, a, err, "profile_current", "name", "email", "phone", "kelurahan_code")
		return
	}
	if u.Phone != before.Phone {
		flash(w, "Data akun tersimpan. Masukkan kode yang kami kirim ke nomor HP Anda untuk mengonfirmasinya.")
		http.Redirect(w, r, "/verifikasi-hp", http.StatusSeeOther)
		return
	}
	if u.EmailPending != "" && u.EmailPending != before.EmailPending {
		flash(w, "Data akun tersimpan. Buka tautan yang kami kirim ke email baru Anda untuk mengonfirmasinya; sampai itu, email lama (bila ada) yang dipakai.")
	} else {
		flash(w, "Data akun tersimpan.")
	}
	http.Redirect(w, r, "/akun", http.StatusSeeOther)
}

func (s *Server) handleAccountRevoke(w http.ResponseWriter, r *http.Request) {
	a := s.requireLoginForm(w, r)
	if a == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Service.Auth.Tokens.RevokeToken(r.Context(), a.UserID, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	flash(w, "Akses dicabut.")
	http.Redirect(w, r, "/akun", http.StatusSeeOther)
}

// handleAccountPassword changes the password of the signed-in user, who
// types the current one; the other browsers are signed out. Wrong current
// passwords count as failed sign-ins of the account.
func (s *Server) handleAccountPassword(w http.ResponseWriter, r *http.Request) {
	a := s.requireLoginForm(w, r)
	if a == nil {
		return
	}
	if err := s.changePassword(w, r, a.UserID, r.PostFormValue("current"), r.PostFormValue("password"), sessionHash(r)); err != nil {
		s.refusedAccountForm(w, r, a, err, "current")
		return
	}
	flash(w, "Kata sandi sudah diganti. Perangkat lain sudah dikeluarkan dari akun ini.")
	http.Redirect(w, r, "/akun", http.StatusSeeOther)
}

// handleAccountRevokeOthers signs every other browser out of the account:
// what a resident does after losing a phone or using a shared computer.
// API tokens stay; each is revoked on its own.
func (s *Server) handleAccountRevokeOthers(w http.ResponseWriter, r *http.Request) {
	a := s.requireLoginForm(w, r)
	if a == nil {
		return
	}
	n, err := s.Service.EndSessions(r.Context(), a.UserID, sessionHash(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if n == 0 {
		flash(w, "Tidak ada perangkat lain yang masuk ke akun ini.")
	} else {
		flash(w, "Perangkat lain sudah dikeluarkan dari akun ini.")
	}
	http.Redirect(w, r, "/akun", http.StatusSeeOther)
}

// handleNearby lists published open reports of the same category within
// about 200 m of a point.
func (s *Server) handleNearby(w http.ResponseWriter, r *http.Request) {
	lat, err := queryFloat(r, "lat")
	if err == nil && lat == nil {
		err = esambat.FieldError("lat", "Parameter lat wajib diisi.")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lng, err := queryFloat(r, "lng")
	if err == nil && lng == nil {
		err = esambat.FieldError("lng", "Parameter lng wajib diisi.")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := esambat.ValidateCoordinates(*lat, *lng); err != nil {
		s.Error(w, r, err)
		return
	}
	near, err := s.Service.NearbyOpen(r.Context(), *lat, *lng, r.URL.Query().Get("category"), true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	type item struct {
		Ticket      string `json:"ticket"`
		Title       string `json:"title"`
		StatusLabel string `json:"status_label"`
		Supports    int    `json:"supports"`
		DistanceM   int    `json:"distance_m"`
		URL         string `json:"url"`
	}
	out := struct {
		Reports []item `json:"reports"`
	}{Reports: []item{}}
	lang := langOf(w, r)
	for _, n := range near {
		rep := n.Report
		out.Reports = append(out.Reports, item{rep.Ticket, rep.Title, T(lang, StatusLabels[rep.Status]), rep.Supports, int(n.Metres), "/laporan/" + rep.Ticket})
	}
	writeJSON(w, http.StatusOK, out)
}
