package http

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/esambat/esambat"
)

// A password E-Sambat generates (a new staff account's, or one an admin
// sets) is shown once, and not on the answer to the form's POST: reloading
// that page would send the form again, making another password or
// refusing a second account with the same email, and the admin would lose
// the one shown. The POST hands it, sealed with the server's key
// (AES-GCM, shared by every instance), to a cookie that lives two
// minutes, is sent only to the accounts pages and only over the same
// site, and redirects; the next page of the same admin shows it and
// deletes the cookie. A reload then shows nothing, as "once" means.

// shownCookie is the cookie that carries a generated password to the page
// that shows it.
const shownCookie = "esambat_shown"

// shownTTL is how long the password waits for its page.
const shownTTL = 2 * time.Minute

// shownSealed is what the cookie holds, sealed.
type shownSealed struct {
	Admin   int64  `json:"a"` // the admin who made it: no one else sees it
	Path    string `json:"t"` // the page that shows it
	Expires int64  `json:"x"`
	Name    string `json:"n"`
	Email   string `json:"e"`
	Pass    string `json:"p"`
	New     bool   `json:"new"`
}

// showOnce hands shown, a new password, to the accounts page to, and
// redirects admin a there.
func (s *Server) showOnce(w http.ResponseWriter, r *http.Request, a *esambat.Actor, shown *shownPassword, to string) {
	b, err := json.Marshal(shownSealed{Admin: a.UserID, Path: to, Expires: s.Service.Time().Add(shownTTL).Unix(),
		Name: shown.Name, Email: shown.Email, Pass: shown.Password, New: shown.New})
	if err == nil {
		b, err = s.Service.Auth.Sealer.Seal(b)
	}
	if err != nil {
		s.pageError(w, r, esambat.Internal(err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: shownCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/admin/pengguna",
		MaxAge: int(shownTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secureCookies(r)})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// takeShown returns the password waiting for this page of admin a, and
// deletes the cookie either way: it is shown on the first accounts page
// after the form, when that is the page it was meant for, or never.
func (s *Server) takeShown(w http.ResponseWriter, r *http.Request, a *esambat.Actor) *shownPassword {
	c, err := r.Cookie(shownCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: shownCookie, Value: "", Path: "/admin/pengguna", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secureCookies(r)})
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw) > 4096 {
		return nil
	}
	b, err := s.Service.Auth.Sealer.Open(raw)
	if err != nil {
		return nil
	}
	var v shownSealed
	if json.Unmarshal(b, &v) != nil || v.Admin != a.UserID || s.Service.Time().Unix() > v.Expires || v.Path != r.URL.Path {
		return nil
	}
	return &shownPassword{Name: v.Name, Email: v.Email, Password: v.Pass, New: v.New}
}

// userPath is the address of account id's page.
func userPath(id int64) string { return "/admin/pengguna/" + strconv.FormatInt(id, 10) }
