package http

import (
	"net/http"
	"strconv"

	"github.com/esambat/esambat"
)

// A resident's new email address is confirmed by the link mailed to it
// (esambat.Service.SendEmailLink). Opening the link shows what it will
// do and a button: a GET changes nothing, since mail scanners open links
// on their own; the button's POST confirms. Neither needs a session: the
// link may be opened on another device than the one that signed up.

// emailConfirmData is what the confirmation page shows.
type emailConfirmData struct {
	Token, Email string
	Done         bool // confirmed by this request
}

// handleEmailConfirmPage shows the link's address and the button, or why
// the link no longer works.
func (s *Server) handleEmailConfirmPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Konfirmasi email")
	t := r.URL.Query().Get("t")
	u, err := s.Service.EmailLinkAccount(r.Context(), t)
	if err != nil {
		s.emailLinkRefused(w, r, p, err)
		return
	}
	p.Data = emailConfirmData{Token: t, Email: u.EmailPending}
	s.render(w, r, http.StatusOK, "email_confirm", p)
}

// handleEmailConfirmPost confirms the address of the link's token.
func (s *Server) handleEmailConfirmPost(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Konfirmasi email")
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, esambat.FieldError("body", "Formulir tidak dapat dibaca."))
		return
	}
	if !s.formOK(w, r) {
		return
	}
	u, err := s.Service.ConfirmEmail(r.Context(), r.PostFormValue("t"))
	if err != nil {
		s.emailLinkRefused(w, r, p, err)
		return
	}
	p.Data = emailConfirmData{Email: u.Email, Done: true}
	s.render(w, r, http.StatusOK, "email_confirm", p)
}

// emailLinkRefused shows why a link does not confirm: the page has no
// field to point the message at.
func (s *Server) emailLinkRefused(w http.ResponseWriter, r *http.Request, p *page, err error) {
	p.setErrors(err)
	for i := range p.Errors {
		p.Errors[i].Field = ""
	}
	s.render(w, r, statusFor(err), "email_confirm", p)
}

// handleEmailResend sends a new link for the signed-in resident's pending
// address, at most otpLimit's messages an hour.
func (s *Server) handleEmailResend(w http.ResponseWriter, r *http.Request) {
	a := s.residentForm(w, r)
	if a == nil {
		return
	}
	if err := s.resendEmailLink(w, r, a); err != nil {
		s.pageError(w, r, err)
		return
	}
	flash(w, "Tautan konfirmasi baru sudah dikirim ke email Anda. Tautan berlaku 48 jam.")
	http.Redirect(w, r, "/akun", http.StatusSeeOther)
}

// resendEmailLink is esambat.Service.ResendEmailLink under the same
// hourly limit as the phone's codes, counted apart.
func (s *Server) resendEmailLink(w http.ResponseWriter, r *http.Request, a *esambat.Actor) error {
	key := "email:" + strconv.FormatInt(a.UserID, 10)
	if err := limited(w, s.otpLimit, key); err != nil {
		return err
	}
	s.otpLimit.add(key)
	return s.Service.ResendEmailLink(r.Context(), a.UserID)
}

// handleEmailConfirmAPI confirms an address with the token of its link,
// for an app that opens the link itself.
func (s *Server) handleEmailConfirmAPI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Service.ConfirmEmail(r.Context(), in.Token)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"email": u.Email, "email_confirmed": true})
}

// handleEmailResendAPI sends a new link for the caller's pending address.
func (s *Server) handleEmailResendAPI(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	if a.Role != esambat.RoleWarga {
		s.Error(w, r, esambat.Errorf(esambat.ENOTFOUND, "Akun warga tidak ditemukan."))
		return
	}
	if err := s.resendEmailLink(w, r, a); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]bool{"sent": true})
}
