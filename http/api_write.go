package http

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

type registerResponse struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	NIK              string `json:"nik"`
	Phone            string `json:"phone"`
	DomicileVerified bool   `json:"domicile_verified"`
	PhoneConfirmed   bool   `json:"phone_confirmed"`
	// EmailPending waits for the link mailed to it.
	EmailPending string `json:"email_pending,omitempty"`
	Token        string `json:"token"`
}

func userJSON(u *esambat.User) registerResponse {
	return registerResponse{ID: u.ID, Name: u.Name, NIK: u.NIKMasked, Phone: esambat.MaskPhone(u.Phone),
		DomicileVerified: u.DomicileVerified, PhoneConfirmed: u.PhoneConfirmed, EmailPending: u.EmailPending}
}

// handleRegister signs a resident up and returns a bearer token so that a
// mobile client can go on (confirm the phone, report) at once.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, s.registerLimit, "ip:"+remoteIP(r)) {
		return
	}
	var in esambat.RegisterInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	s.registerLimit.add("ip:" + remoteIP(r))
	u, err := s.Service.Register(r.Context(), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	secret, _, err := s.Service.IssueToken(r.Context(), u, esambat.TokenBearer, "pendaftaran", 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := userJSON(u)
	out.Token = secret
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) handleVerifyPhone(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Service.VerifyPhone(r.Context(), a.UserID, in.Code); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"phone_confirmed": true})
}

func (s *Server) handleResendCode(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	key := fmt.Sprintf("otp:%d", a.UserID)
	if !s.allow(w, r, s.otpLimit, key) {
		return
	}
	s.otpLimit.add(key)
	u, err := s.Service.Users.FindUserByID(r.Context(), a.UserID)
	if err == nil {
		err = s.Service.SendPhoneCode(r.Context(), u)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"sent": true})
}

// handlePasswordResetAPI is /lupa-sandi for apps: it sends a code to the
// account's confirmed phone and answers the same whether the number is
// registered or not.
func (s *Server) handlePasswordResetAPI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login string `json:"login"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.requestReset(w, r, in.Login); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
}

// handlePasswordResetConfirmAPI sets the new password with the code; the
// account's browser sessions end. The app then signs in with the new
// password (POST /api/v1/auth/token).
func (s *Server) handlePasswordResetConfirmAPI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Code     string `json:"code"`
		Password string `json:"password"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.resetPassword(w, r, in.Login, in.Code, in.Password); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "changed"})
}

// handlePasswordChangeAPI changes the caller's password: the current one
// is required, the account's browser sessions end (bearer tokens stay),
// and wrong current passwords count as failed sign-ins.
func (s *Server) handlePasswordChangeAPI(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	var in struct {
		Current  string `json:"current"`
		Password string `json:"password"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.changePassword(w, r, a.UserID, in.Current, in.Password, ""); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "changed"})
}

// The password operations of the pages and the API go through the
// three methods below, so that both are throttled alike.

// requestReset sends a reset code for the number or email login
// names (see esambat.Service.SendResetCode): at most otpLimit's codes per
// number or email and ipLimit's requests per address, ERATELIMIT (with
// Retry-After) past them. It returns login as accounts store it.
func (s *Server) requestReset(w http.ResponseWriter, r *http.Request, login string) (phone string, err error) {
	phone, err = esambat.ResetLogin(login)
	if err != nil {
		return "", err
	}
	keyPhone, keyIP := "reset:"+phone, "ip:"+remoteIP(r)
	if blocked, wait := s.otpLimit.blocked(keyPhone); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(wait.Seconds())), 1)))
		return "", esambat.Errorf(esambat.ERATELIMIT, "Terlalu banyak permintaan kode untuk nomor ini. Coba lagi nanti.")
	}
	if err := limited(w, s.ipLimit, keyIP); err != nil {
		return "", err
	}
	s.otpLimit.add(keyPhone)
	s.ipLimit.add(keyIP)
	// The answer is the same, and as quick, for every number: the lookup,
	// the code and the SMS happen after it.
	ctx := context.WithoutCancel(r.Context())
	later := s.Later
	if later == nil {
		later = func(work func()) { go work() }
	}
	later(func() {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := s.Service.SendResetCode(ctx, phone); err != nil {
			s.Logger.Warn("password reset code not sent", "err", err)
		}
	})
	return phone, nil
}

// resetPassword sets a new password with a reset code; refused guesses
// are counted per number (0812…, +62812… and 62812… are one), as failed
// sign-ins are per account.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, login, code, password string) (*esambat.User, error) {
	key := "reset:" + strings.ToLower(strings.TrimSpace(login))
	if phone, err := esambat.ResetLogin(login); err == nil {
		key = "reset:" + phone
	}
	if err := limited(w, s.loginLimit, key); err != nil {
		return nil, err
	}
	u, err := s.Service.ResetPassword(r.Context(), login, code, password)
	if esambat.ErrorCode(err) == esambat.EINVALID {
		s.loginLimit.add(key)
	} else if err == nil {
		s.loginLimit.reset(key)
	}
	return u, err
}

// changePassword changes userID's password, keeping the session whose
// hash is keep. A wrong current password is a guess, counted like a
// failed sign-in; a new password that breaks the rules is not.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, userID int64, current, password, keep string) error {
	return s.guessing(w, userID, func() error { return s.Service.ChangePassword(r.Context(), userID, current, password, keep) })
}

// allow writes ERATELIMIT with Retry-After when key is over the limit.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, l *limiter, key string) bool {
	if err := limited(w, l, key); err != nil {
		s.Error(w, r, err)
		return false
	}
	return true
}

// limited returns ERATELIMIT (and sets Retry-After) when key is over the
// limit of l.
func limited(w http.ResponseWriter, l *limiter, key string) error {
	if blocked, wait := l.blocked(key); blocked {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		return esambat.Errorf(esambat.ERATELIMIT, "Terlalu banyak percobaan. Coba lagi dalam %d menit.", max(1, (secs+59)/60))
	}
	return nil
}

// login checks credentials with throttling per account and per address.
// It sets Retry-After on w when throttled; the caller writes the error.
func (s *Server) login(w http.ResponseWriter, r *http.Request, login, pw string) (*esambat.User, error) {
	keyLogin := "login:" + strings.ToLower(strings.TrimSpace(login))
	keyIP := "ip:" + remoteIP(r)
	if err := limited(w, s.loginLimit, keyLogin); err != nil {
		return nil, err
	}
	if err := limited(w, s.ipLimit, keyIP); err != nil {
		return nil, err
	}
	u, err := s.Service.Login(r.Context(), login, pw)
	if err != nil {
		if esambat.ErrorCode(err) == esambat.EUNAUTHORIZED {
			s.loginLimit.add(keyLogin)
			s.ipLimit.add(keyIP)
		}
		return nil, err
	}
	s.loginLimit.reset(keyLogin)
	return u, nil
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.login(w, r, in.Login, in.Password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := in.Name
	if name == "" {
		name = "API " + time.Now().In(esambat.WIB).Format("2006-01-02")
	}
	secret, t, err := s.Service.IssueToken(r.Context(), u, esambat.TokenBearer, name, 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": secret, "id": t.ID, "role": u.Role})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	u, err := s.Service.Users.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.writeMe(w, u)
}

// handleMeUpdate stores a resident's own changes to their account (every
// field: the account as it should be); current, the password, is needed
// when the email or the phone changes, and a wrong one counts as a guess.
func (s *Server) handleMeUpdate(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	var in struct {
		Name            string `json:"name"`
		Email           string `json:"email"`
		Phone           string `json:"phone"`
		KelurahanCode   string `json:"kelurahan_code"`
		CurrentPassword string `json:"current"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.updateProfile(w, r, a, esambat.ProfileInput{Name: in.Name, Email: in.Email, Phone: in.Phone, KelurahanCode: in.KelurahanCode, Current: in.CurrentPassword})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.writeMe(w, u)
}

// handleMeClose closes the caller's resident account (JSON: current,
// the password, and confirm: true); every token ends with it.
func (s *Server) handleMeClose(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	var in struct {
		Current string `json:"current"`
		Confirm bool   `json:"confirm"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if a.Role != esambat.RoleWarga {
		s.Error(w, r, esambat.Errorf(esambat.ENOTFOUND, "Hanya akun warga yang dapat ditutup sendiri; akun petugas dinonaktifkan oleh admin."))
		return
	}
	if err := s.closeAccount(w, r, a, in.Current, in.Confirm); err != nil {
		s.Error(w, r, err)
		return
	}
	s.Logger.Info("account closed by its resident", "user", a.UserID)
	writeJSON(w, http.StatusOK, map[string]string{"status": "closed"})
}

// updateProfile is esambat.Service.UpdateProfile with a wrong current
// password counted as a guess at it (as changePassword counts them).
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request, a *esambat.Actor, in esambat.ProfileInput) (u *esambat.User, err error) {
	err = s.guessing(w, a.UserID, func() error {
		u, err = s.Service.UpdateProfile(r.Context(), a.UserID, in)
		return err
	})
	return u, err
}

// guessing runs fn, a change that asks for userID's current password:
// refused while the account's guesses are over the limit, and a wrong
// password (EINVALID on "current") counted as a guess, as a failed
// sign-in is.
func (s *Server) guessing(w http.ResponseWriter, userID int64, fn func() error) error {
	key := "change:" + strconv.FormatInt(userID, 10)
	if err := limited(w, s.loginLimit, key); err != nil {
		return err
	}
	err := fn()
	if e := (*esambat.Error)(nil); errors.As(err, &e) && e.Fields["current"] != "" {
		s.loginLimit.add(key)
	}
	return err
}

// writeMe answers with the caller's own account.
func (s *Server) writeMe(w http.ResponseWriter, u *esambat.User) {
	out := struct {
		registerResponse
		Role  esambat.Role `json:"role"`
		Email string       `json:"email,omitempty"`
		// EmailPending waits for the link mailed to it.
		EmailPending string    `json:"email_pending,omitempty"`
		Kelurahan    *codeName `json:"kelurahan"`
		Agency       string    `json:"agency,omitempty"`
	}{registerResponse: userJSON(u), Role: u.Role, Email: u.Email, EmailPending: u.EmailPending, Kelurahan: s.region(u.KelurahanCode), Agency: u.AgencyCode}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	toks, err := s.Service.Auth.Tokens.ListTokens(r.Context(), a.UserID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	type tokenJSON struct {
		ID        int64      `json:"id"`
		Kind      string     `json:"kind"`
		Name      string     `json:"name"`
		CreatedAt time.Time  `json:"created_at"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	out := []tokenJSON{}
	for _, t := range toks {
		tj := tokenJSON{ID: t.ID, Kind: t.Kind, Name: t.Name, CreatedAt: t.CreatedAt}
		if !t.ExpiresAt.IsZero() {
			e := t.ExpiresAt
			tj.ExpiresAt = &e
		}
		out = append(out, tj)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, esambat.FieldError("id", "id token harus berupa angka."))
		return
	}
	if err := s.Service.Auth.Tokens.RevokeToken(r.Context(), a.UserID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reportRequest is the JSON body of POST /api/v1/reports.
type reportRequest struct {
	Type        esambat.Type `json:"type"`
	Category    string       `json:"category"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Location    *struct {
		Lat *float64 `json:"lat"`
		Lng *float64 `json:"lng"`
	} `json:"location"`
	KelurahanCode string             `json:"kelurahan_code"`
	Address       string             `json:"address"`
	Visibility    esambat.Visibility `json:"visibility"`
	Channel       esambat.Channel    `json:"channel"`
	OnBehalf      *esambat.OnBehalf  `json:"on_behalf"`
}

func (s *Server) handleReportCreate(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	var req reportRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	in := esambat.ReportInput{
		Type: req.Type, CategoryCode: req.Category, Title: req.Title, Description: req.Description,
		KelurahanCode: req.KelurahanCode, Address: req.Address, Visibility: req.Visibility,
		Channel: req.Channel, OnBehalf: req.OnBehalf,
	}
	if in.Channel == "" {
		in.Channel = esambat.ChannelAPI
	}
	if req.Location != nil {
		in.Lat, in.Lng = req.Location.Lat, req.Location.Lng
	}
	rep, created, err := s.Service.SubmitReport(r.Context(), *a, in, strings.TrimSpace(r.Header.Get("Idempotency-Key")))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		s.Metrics.Add("esambat_reports_created_total", "Reports accepted.", 1, "channel="+string(rep.Channel))
	}
	w.Header().Set("Location", "/api/v1/reports/"+rep.Ticket)
	writeJSON(w, status, map[string]any{"id": rep.ID, "ticket": rep.Ticket, "status": rep.Status, "due_at": rep.DueAt})
}

func (s *Server) handleReportAction(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	var in esambat.ActionInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if !in.Action.Valid() || in.Action == esambat.ActionAutoClose || in.Action == esambat.ActionEscalate {
		s.Error(w, r, esambat.FieldError("action", "Tindakan tidak dikenal."))
		return
	}
	rep, err := s.Service.Act(r.Context(), *a, r.PathValue("ticket"), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	events, err := s.Service.Reports.ListEvents(r.Context(), rep.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out, err := s.renderReport(r.Context(), rep, esambat.AccessFor(a, rep), events, nil)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleReportPhotos attaches photos: the reporter to their own report
// while it is open and not yet verified (or returned for completion), a
// petugas as evidence on a report of their agency.
func (s *Server) handleReportPhotos(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	rep, err := s.Service.Reports.FindReportByTicket(ctx, r.PathValue("ticket"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	kind := esambat.PhotoReport
	switch {
	case a.Role == esambat.RoleWarga && rep.ReporterID == a.UserID:
		if rep.Status != esambat.StatusDiajukan && rep.Status != esambat.StatusDikembalikan {
			s.Error(w, r, esambat.Errorf(esambat.ECONFLICT, "Foto hanya dapat ditambahkan sebelum laporan diverifikasi."))
			return
		}
	case a.Role == esambat.RolePetugas && a.AgencyCode != "" && rep.AgencyCode == a.AgencyCode:
		kind = esambat.PhotoEvidence
		if rep.Status != esambat.StatusDiproses {
			s.Error(w, r, esambat.Errorf(esambat.ECONFLICT, "Bukti hanya dapat diunggah saat laporan sedang ditangani."))
			return
		}
	default:
		s.Error(w, r, esambat.Errorf(esambat.ENOTFOUND, "Laporan tidak ditemukan."))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.Error(w, r, &esambat.Error{Code: esambat.ETOOLARGE, Message: "Kiriman terlalu besar: maksimal 5 foto, masing-masing 10 MB."})
			return
		}
		s.Error(w, r, esambat.FieldError("photo", "Kirim foto sebagai multipart/form-data dengan kolom \"photo\"."))
		return
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["photo"]
	if len(files) == 0 {
		s.Error(w, r, esambat.FieldError("photo", "Kolom \"photo\" wajib berisi berkas foto."))
		return
	}
	tooMany := esambat.FieldError("photo", "Maksimal 5 foto per laporan.")
	if len(files) > esambat.MaxPhotos {
		s.Error(w, r, tooMany)
		return
	}
	photos, err := s.storePhotos(ctx, files, kind)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// A retry of an upload whose answer was lost sends the same photos
	// again: they have the same content keys, count once toward the
	// limit and are not attached twice (the store skips them too).
	existing, err := s.Service.Reports.ListPhotos(ctx, rep.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var have []string
	n := 0
	for _, p := range existing {
		have = append(have, p.Key)
		if p.Kind == kind {
			n++
		}
	}
	fresh := esambat.NewPhotos(have, photos)
	if n+len(fresh) > esambat.MaxPhotos {
		s.Error(w, r, tooMany)
		return
	}
	urls := []string{}
	for _, p := range photos {
		urls = append(urls, s.BaseURL+"/laporan/"+rep.Ticket+"/foto/"+p.Key+".jpg")
	}
	if len(fresh) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"photos": urls})
		return
	}
	photos = fresh
	ev := &esambat.Event{Action: "photo", ActorID: a.UserID, ActorRole: a.Role, From: rep.Status, To: rep.Status,
		Data: map[string]string{"count": strconv.Itoa(len(photos)), "kind": kind}}
	if kind == esambat.PhotoEvidence {
		ev.Public = esambat.TextEvidencePhoto
	}
	if err := s.Service.Reports.AddPhotos(ctx, rep.ID, photos, ev); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"photos": urls})
}
