package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/password"
)

// The admins' accounts page (/admin/pengguna): staff accounts, residents,
// and residents whose domicile waits for an admin. The rules are in
// esambat.Service (CreateStaff, UpdateAccount, SetPassword, SetDisabled,
// VerifyDomicile); these handlers turn forms into calls.
func (s *Server) userRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/pengguna", s.handleUsers)
	mux.HandleFunc("POST /admin/pengguna", s.handleUserCreate)
	mux.HandleFunc("GET /admin/pengguna/{id}", s.handleUserEdit)
	mux.HandleFunc("POST /admin/pengguna/{id}", s.handleUserSave)
	mux.HandleFunc("POST /admin/pengguna/{id}/sandi", s.handleUserPassword)
	mux.HandleFunc("POST /admin/pengguna/{id}/nonaktifkan", s.handleUserDisable)
	mux.HandleFunc("POST /admin/pengguna/{id}/aktifkan", s.handleUserDisable)
	mux.HandleFunc("POST /admin/pengguna/{id}/domisili", s.handleUserDomicile)
	mux.HandleFunc("POST /admin/pengguna/{id}/dukcapil", s.handleUserDomicileCheck)
}

// Tabs of the accounts page.
const (
	usersStaff    = "petugas"
	usersResident = "warga"
	usersDomicile = "domisili"
)

// usersData is what staff_users shows.
type usersData struct {
	Tab, Query string
	Users      []userRow
	Agencies   []esambat.Agency
	Full       bool // the list stopped at esambat.MaxUserList
	// Shown is a password just made, shown this once (nil otherwise).
	Shown *shownPassword
	// History is the latest changes of accounts, with names.
	History []accountChange
}

// accountChange is an account event as the page shows it.
type accountChange struct {
	esambat.AccountEvent
	User, Actor string // Actor "" for the operator
}

// accountActions names the account events on the page.
var accountActions = map[string]string{
	esambat.AccountCreated:          "akun dibuat",
	esambat.AccountUpdated:          "diubah",
	esambat.AccountPasswordSet:      "kata sandi baru dibuat",
	esambat.AccountDisabled:         "dinonaktifkan",
	esambat.AccountEnabled:          "diaktifkan kembali",
	esambat.AccountDomicileVerified: "domisili dikonfirmasi",
	esambat.AccountClosed:           "akun ditutup oleh pemiliknya",
}

// AccountAction is the page's name for an account event's action.
func (p *page) AccountAction(action string) string { return label(p, accountActions, action) }

// historyLen is how many account changes the page lists.
const historyLen = 30

// userRow is an account in the list, with its agency's name.
type userRow struct {
	esambat.User
	AgencyName string
	// AgencyRetired: the officer's agency was retired; an admin moves
	// them to the one that took over.
	AgencyRetired bool
}

// shownPassword is a generated password and whose it is.
type shownPassword struct {
	Name, Email, Password string
	New                   bool // a new account (else a reset)
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	s.usersPage(w, r, a, http.StatusOK, nil, s.takeShown(w, r, a))
}

// usersPage renders the accounts page for the tab and words of the
// address (or of the form that led here), with err on the form and shown
// when a password was just made.
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, a *esambat.Actor, status int, err error, shown *shownPassword) {
	p := s.newPage(w, r, "Kelola akun")
	q := r.URL.Query()
	d := usersData{Tab: q.Get("tab"), Query: strings.TrimSpace(q.Get("q")), Shown: shown}
	if d.Tab != usersResident && d.Tab != usersDomicile {
		d.Tab = usersStaff
	}
	f := esambat.UserFilter{Staff: d.Tab == usersStaff, PendingDomicile: d.Tab == usersDomicile, Query: d.Query}
	users, lerr := s.Service.ListUsers(r.Context(), a, f)
	if esambat.ErrorCode(lerr) == esambat.EINVALID {
		p.setErrors(lerr)
		status = http.StatusBadRequest
	} else if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	ref, rerr := s.ref(r.Context())
	if rerr != nil {
		s.pageError(w, r, rerr)
		return
	}
	d.Agencies = ref.agencies
	d.Full = len(users) >= esambat.MaxUserList
	for _, u := range users {
		row := userRow{User: u, AgencyName: u.AgencyCode}
		if ag, ok := ref.agByCode[u.AgencyCode]; ok {
			row.AgencyName, row.AgencyRetired = ag.Name, ag.Retired
		}
		d.Users = append(d.Users, row)
	}
	if d.History, lerr = s.accountHistory(r, a, 0); lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	if err != nil {
		p.setErrors(err)
		keepStaffForm(p, r)
	}
	p.Data = d
	s.render(w, r, status, "staff_users", p)
}

// handleUserCreate creates a staff account with a generated password and
// shows the password once, on the accounts page it redirects to
// (shown.go); it is never put in an address or the log.
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil || !s.formOK(w, r) {
		return
	}
	pw := password.Generate(16)
	u, err := s.Service.CreateStaff(r.Context(), a, staffInput(r), pw)
	if err != nil {
		s.usersPage(w, r, a, statusFor(err), err, nil)
		return
	}
	s.Logger.Info("staff account created", "by", a.UserID, "user", u.ID, "role", u.Role, "agency", u.AgencyCode)
	s.showOnce(w, r, a, &shownPassword{Name: u.Name, Email: u.Email, Password: pw, New: true}, "/admin/pengguna")
}

// userForm checks an admin's form about the account the address names
// and returns the admin and the account's ID; a nil actor when the answer
// has been given (sign-in, 404, a stale form).
func (s *Server) userForm(w http.ResponseWriter, r *http.Request) (*esambat.Actor, int64) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil || !s.formOK(w, r) {
		return nil, 0
	}
	return s.userOf(w, r, a)
}

// userOf returns a and the ID of the account the address names; a nil
// actor when it names none (the error page has answered).
func (s *Server) userOf(w http.ResponseWriter, r *http.Request, a *esambat.Actor) (*esambat.Actor, int64) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.pageError(w, r, esambat.Errorf(esambat.ENOTFOUND, "Akun tidak ditemukan."))
		return nil, 0
	}
	return a, id
}

// userEditData is what staff_user and resident_user show: the account,
// the agencies to choose from (staff) or the resident's kelurahan, the
// account's history, and a password just made (residents: staff see it
// on the list).
type userEditData struct {
	Account   *esambat.User
	Agencies  []esambat.Agency
	Kelurahan string
	History   []accountChange
	Shown     *shownPassword
	// Registry: the domicile can be asked of the civil registry.
	Registry bool
}

// handleUserEdit shows a staff account's form and history.
func (s *Server) handleUserEdit(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	if a, id := s.userOf(w, r, a); a != nil {
		s.userEditPage(w, r, a, id, http.StatusOK, nil, s.takeShown(w, r, a))
	}
}

// userEditPage renders the form of account id (a staff account's, or a
// resident's), with err on it (and the values sent kept) after a refused
// change, and shown when a resident's password was just made.
func (s *Server) userEditPage(w http.ResponseWriter, r *http.Request, a *esambat.Actor, id int64, status int, err error, shown *shownPassword) {
	u, ferr := s.Service.Users.FindUserByID(r.Context(), id)
	if ferr != nil {
		s.pageError(w, r, ferr)
		return
	}
	ref, rerr := s.ref(r.Context())
	if rerr != nil {
		s.pageError(w, r, rerr)
		return
	}
	hist, herr := s.accountHistory(r, a, id)
	if herr != nil {
		s.pageError(w, r, herr)
		return
	}
	d := userEditData{Account: u, Agencies: ref.agencies, History: hist, Shown: shown, Registry: s.Service.HasRegistry()}
	name, title := "staff_user", "Ubah akun"
	if u.Role == esambat.RoleWarga {
		name, title = "resident_user", "Akun warga"
		d.Kelurahan = u.KelurahanCode
		if k, ok := s.Service.CityKelurahan(u.KelurahanCode); ok {
			d.Kelurahan = k.Name
		}
	}
	p := s.newPage(w, r, title)
	p.Values.Set("role", string(u.Role))
	p.Values.Set("name", u.Name)
	p.Values.Set("email", u.Email)
	p.Values.Set("agency", u.AgencyCode)
	p.Values.Set("phone", u.Phone)
	if err != nil {
		p.setErrors(err)
		// The account's own form (no action after the ID) comes back as
		// sent; after another form's refusal (…/sandi, …/dukcapil) it
		// shows the account as it is.
		if !strings.Contains(strings.TrimPrefix(r.URL.Path, "/admin/pengguna/"), "/") {
			keepStaffForm(p, r)
		}
	}
	p.Data = d
	s.render(w, r, status, name, p)
}

// handleUserSave stores the form of a staff account or a resident's.
func (s *Server) handleUserSave(w http.ResponseWriter, r *http.Request) {
	a, id := s.userForm(w, r)
	if a == nil {
		return
	}
	in := staffInput(r)
	u, err := s.Service.UpdateAccount(r.Context(), a, id, esambat.AccountInput{Role: in.Role, Name: in.Name, Email: in.Email,
		AgencyCode: in.AgencyCode, Phone: r.PostFormValue("phone")})
	if esambat.ErrorCode(err) == esambat.EINVALID {
		s.userEditPage(w, r, a, id, http.StatusBadRequest, err, nil)
		return
	} else if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.Logger.Info("account changed", "by", a.UserID, "user", u.ID)
	if u.Role == esambat.RoleWarga && !u.PhoneConfirmed {
		flash(w, "Perubahan akun tersimpan. Nomor HP-nya belum terkonfirmasi: warga memasukkan kode yang dikirim ke nomor itu di halaman Akun setelah masuk.")
	} else {
		flash(w, "Perubahan akun tersimpan.")
	}
	http.Redirect(w, r, "/admin/pengguna/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

// keepStaffForm puts a refused account's form back on the page as it was
// sent (staffInput's fields, and a resident's phone).
func keepStaffForm(p *page, r *http.Request) {
	for _, k := range []string{"role", "name", "email", "agency", "phone"} {
		p.Values.Set(k, r.PostFormValue(k))
	}
}

// staffInput reads a staff account's form.
func staffInput(r *http.Request) esambat.StaffInput {
	return esambat.StaffInput{Role: esambat.Role(r.PostFormValue("role")), Name: r.PostFormValue("name"),
		Email: r.PostFormValue("email"), AgencyCode: r.PostFormValue("agency")}
}

// handleUserPassword gives an account a new generated password, shown
// once, and signs it out of every browser: a staff account's from the
// list, a resident's from their page, once the admin has ticked that
// they checked the resident's KTP.
func (s *Server) handleUserPassword(w http.ResponseWriter, r *http.Request) {
	a, id := s.userForm(w, r)
	if a == nil {
		return
	}
	pw := password.Generate(16)
	u, _, err := s.Service.SetPassword(r.Context(), a, id, pw, r.PostFormValue("identity") == "1")
	switch {
	case esambat.ErrorCode(err) == esambat.EINVALID: // a resident's, without the identity check
		s.userEditPage(w, r, a, id, http.StatusBadRequest, err, nil)
	case err != nil:
		s.pageError(w, r, err)
	case u.Role == esambat.RoleWarga:
		s.Logger.Info("resident password set", "by", a.UserID, "user", u.ID)
		s.showOnce(w, r, a, &shownPassword{Name: u.Name, Password: pw}, userPath(u.ID))
	default:
		s.Logger.Info("staff password set", "by", a.UserID, "user", u.ID)
		s.showOnce(w, r, a, &shownPassword{Name: u.Name, Email: u.Email, Password: pw}, "/admin/pengguna")
	}
}

// handleUserDisable turns an account off (…/nonaktifkan) or on again
// (…/aktifkan).
func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) {
	a, id := s.userForm(w, r)
	if a == nil {
		return
	}
	off := strings.HasSuffix(r.URL.Path, "/nonaktifkan")
	u, err := s.Service.SetDisabled(r.Context(), a, id, off)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.Logger.Info("account switched", "by", a.UserID, "user", u.ID, "disabled", off)
	if off {
		flash(w, "Akun dinonaktifkan: tidak dapat masuk lagi, dan semua sesi serta token API-nya sudah berakhir.")
	} else {
		flash(w, "Akun diaktifkan kembali.")
	}
	s.backToUsers(w, r)
}

// handleUserDomicile records that an admin checked a resident's domicile.
func (s *Server) handleUserDomicile(w http.ResponseWriter, r *http.Request) {
	a, id := s.userForm(w, r)
	if a == nil {
		return
	}
	u, err := s.Service.VerifyDomicile(r.Context(), a, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.Logger.Info("domicile verified", "by", a.UserID, "user", u.ID)
	flash(w, "Domisili dikonfirmasi. Laporan berikutnya dari akun ini tidak lagi ditandai.")
	s.backToUsers(w, r)
}

// handleUserDomicileCheck asks the civil registry where a resident whose
// domicile waits lives, and says on their page what it answered.
func (s *Server) handleUserDomicileCheck(w http.ResponseWriter, r *http.Request) {
	a, id := s.userForm(w, r)
	if a == nil {
		return
	}
	u, err := s.Service.CheckDomicile(r.Context(), a, id)
	switch code := esambat.ErrorCode(err); {
	case code == esambat.ECONFLICT || code == esambat.EUNAVAILABLE:
		s.userEditPage(w, r, a, id, statusFor(err), err, nil)
		return
	case err != nil:
		s.pageError(w, r, err)
		return
	}
	s.Logger.Info("domicile verified by the civil registry", "by", a.UserID, "user", u.ID)
	flash(w, "Menurut data kependudukan, warga ini berdomisili di Kota Pasuruan: domisilinya dikonfirmasi.")
	http.Redirect(w, r, "/admin/pengguna/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

// backToUsers returns to the list the form was sent from.
func (s *Server) backToUsers(w http.ResponseWriter, r *http.Request) {
	v := url.Values{}
	if t := r.PostFormValue("tab"); t == usersResident || t == usersDomicile {
		v.Set("tab", t)
	}
	if q := strings.TrimSpace(r.PostFormValue("q")); q != "" && len(q) <= 100 {
		v.Set("q", q)
	}
	to := "/admin/pengguna"
	if len(v) > 0 {
		to += "?" + v.Encode()
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// accountHistory is the latest changes of account userID (0: of all),
// with the names of the accounts and of the admins who made them.
func (s *Server) accountHistory(r *http.Request, a *esambat.Actor, userID int64) ([]accountChange, error) {
	evs, err := s.Service.AccountHistory(r.Context(), a, userID, historyLen)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	ids := make([]int64, 0, 2*len(evs))
	for _, ev := range evs {
		ids = append(ids, ev.UserID, ev.ActorID)
	}
	names, err := s.Service.Users.UserNames(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]accountChange, len(evs))
	for i, ev := range evs {
		out[i] = accountChange{AccountEvent: ev, User: names[ev.UserID], Actor: names[ev.ActorID]}
	}
	return out, nil
}
