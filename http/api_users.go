package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/password"
)

// The admins' accounts page for apps (an agency's staff directory that
// provisions accounts, say): the same esambat.Service calls, the same
// rules. Only admins' bearer tokens reach them.

// staffUserJSON is an account as an admin sees it in the API.
type staffUserJSON struct {
	ID               int64     `json:"id"`
	Role             string    `json:"role"`
	Name             string    `json:"name"`
	Email            string    `json:"email,omitempty"`
	Phone            string    `json:"phone,omitempty"`
	PhoneConfirmed   bool      `json:"phone_confirmed"`
	NIK              string    `json:"nik,omitempty"`
	Agency           string    `json:"agency,omitempty"`
	DomicileVerified bool      `json:"domicile_verified"`
	Disabled         bool      `json:"disabled"`
	CreatedAt        time.Time `json:"created_at"`
	// Password is set once: in the answer that made it.
	Password string `json:"password,omitempty"`
}

func staffUser(u *esambat.User) staffUserJSON {
	return staffUserJSON{ID: u.ID, Role: string(u.Role), Name: u.Name, Email: u.Email, Phone: u.Phone,
		PhoneConfirmed: u.PhoneConfirmed, NIK: u.NIKMasked, Agency: u.AgencyCode, DomicileVerified: u.DomicileVerified,
		Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC()}
}

// accountEventJSON is an entry of an account's history.
type accountEventJSON struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	ActorID   int64     `json:"actor_id,omitempty"` // absent: the operator at the command line
	Action    string    `json:"action"`
	Detail    string    `json:"detail,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// handleUsersAPI lists accounts: kind=petugas (staff, the default),
// warga or domisili (residents whose domicile waits), q narrowing by
// name, email or number.
func (s *Server) handleUsersAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	switch kind {
	case "", usersStaff, usersResident, usersDomicile:
	default:
		s.Error(w, r, esambat.FieldError("kind", "kind: petugas, warga atau domisili."))
		return
	}
	users, err := s.Service.ListUsers(r.Context(), a, esambat.UserFilter{Staff: kind == "" || kind == usersStaff,
		PendingDomicile: kind == usersDomicile, Query: q.Get("q")})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]staffUserJSON, 0, len(users))
	for i := range users {
		out = append(out, staffUser(&users[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// handleUserCreateAPI creates a staff account; the answer holds its
// generated password, once.
func (s *Server) handleUserCreateAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	in, ok := s.staffJSON(w, r)
	if !ok {
		return
	}
	pw := password.Generate(16)
	u, err := s.Service.CreateStaff(r.Context(), a, in, pw)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.Logger.Info("staff account created", "by", a.UserID, "user", u.ID, "role", u.Role, "agency", u.AgencyCode)
	out := staffUser(u)
	out.Password = pw
	writeJSON(w, http.StatusCreated, out)
}

// staffJSON reads a staff account's JSON; false when the answer has been
// given.
func (s *Server) staffJSON(w http.ResponseWriter, r *http.Request) (esambat.StaffInput, bool) {
	var in struct {
		Role   string `json:"role"`
		Name   string `json:"name"`
		Email  string `json:"email"`
		Agency string `json:"agency"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return esambat.StaffInput{}, false
	}
	return esambat.StaffInput{Role: esambat.Role(in.Role), Name: in.Name, Email: in.Email, AgencyCode: in.Agency}, true
}

// userAction reads the admin and the account of an /api/v1/users/{id}
// request; a nil actor when the answer has been given.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request) (*esambat.Actor, int64) {
	a := s.staffActor(w, r, esambat.RoleAdmin)
	if a == nil {
		return nil, 0
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.Error(w, r, esambat.Errorf(esambat.ENOTFOUND, "Akun tidak ditemukan."))
		return nil, 0
	}
	return a, id
}

// handleUserUpdateAPI changes an account: a staff account's name,
// email, role and agency, or a resident's name and phone (every field
// of its kind is required: the account as it should be).
func (s *Server) handleUserUpdateAPI(w http.ResponseWriter, r *http.Request) {
	a, id := s.userAction(w, r)
	if a == nil {
		return
	}
	var in struct {
		Role   string `json:"role"`
		Name   string `json:"name"`
		Email  string `json:"email"`
		Agency string `json:"agency"`
		Phone  string `json:"phone"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Service.UpdateAccount(r.Context(), a, id, esambat.AccountInput{Role: esambat.Role(in.Role), Name: in.Name, Email: in.Email,
		AgencyCode: in.Agency, Phone: in.Phone})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, staffUser(u))
}

// handleUserStateAPI runs one of the account actions of the path's last
// part: password (a new generated one, in the answer once), disable,
// enable, domicile.
func (s *Server) handleUserStateAPI(w http.ResponseWriter, r *http.Request) {
	a, id := s.userAction(w, r)
	if a == nil {
		return
	}
	var u *esambat.User
	var pw string
	var err error
	switch r.PathValue("action") {
	case "password":
		// A resident's needs the admin's word that they saw the KTP:
		// {"identity_checked": true}.
		var in struct {
			IdentityChecked bool `json:"identity_checked"`
		}
		if r.ContentLength != 0 {
			if err := s.decodeJSON(w, r, &in); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		pw = password.Generate(16)
		u, _, err = s.Service.SetPassword(r.Context(), a, id, pw, in.IdentityChecked)
	case "disable", "enable":
		u, err = s.Service.SetDisabled(r.Context(), a, id, r.PathValue("action") == "disable")
	case "domicile":
		u, err = s.Service.VerifyDomicile(r.Context(), a, id)
	case "domicile-check":
		u, err = s.Service.CheckDomicile(r.Context(), a, id)
	default:
		err = esambat.Errorf(esambat.ENOTFOUND, "Tindakan akun tidak dikenal: password, disable, enable, domicile atau domicile-check.")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.Logger.Info("account action", "by", a.UserID, "user", u.ID, "action", r.PathValue("action"))
	out := staffUser(u)
	out.Password = pw
	writeJSON(w, http.StatusOK, out)
}

// handleUserHistoryAPI returns an account's history (id 0: every
// account's), newest first.
func (s *Server) handleUserHistoryAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	var id int64
	if v := r.URL.Query().Get("user"); v != "" {
		var err error
		if id, err = strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
			s.Error(w, r, esambat.FieldError("user", "user harus ID akun."))
			return
		}
	}
	evs, err := s.Service.AccountHistory(r.Context(), a, id, 200)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]accountEventJSON, 0, len(evs))
	for _, ev := range evs {
		out = append(out, accountEventJSON{ev.ID, ev.UserID, ev.ActorID, ev.Action, ev.Detail, ev.CreatedAt.UTC()})
	}
	writeJSON(w, http.StatusOK, out)
}
