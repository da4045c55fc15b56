package esambat

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Admins manage the accounts of the people who work the reports (DESIGN:
// "manage reference data and users"): they create and edit staff
// accounts, set a new password for a staff member who forgot one, turn an
// account off when someone leaves or abuses it, and confirm the domicile
// of residents whose NIK was issued outside the city. Before these, each
// needed the operator at the server's command line. Every change is
// recorded with who made it (AccountEvent).
//
// Every method takes the acting admin; nil stands for the operator at the
// command line, who may do the same.

// AccountEvent records that an admin (or the operator, ActorID 0) changed
// an account: the accounts page shows who did what to whom.
//
// The events of all accounts form one hash chain, as each report's events
// do: an admin sees the passwords they make, and an edited or deleted
// record of who made one would hide exactly what the record is for. The
// store sets Seq, PrevHash and Hash; VerifyChains checks them.
type AccountEvent struct {
	ID      int64
	UserID  int64
	ActorID int64 // 0: the operator at the command line
	Action  string
	// Detail says what an edit (AccountUpdated) changed.
	Detail    string
	CreatedAt time.Time
	// Seq is the event's place in the chain, from 1.
	Seq      int64
	PrevHash string
	Hash     string
}

// ComputeHash returns the hex SHA-256 of the event's canonical encoding
// including PrevHash, like Event.ComputeHash; the leading "account" keeps
// the two kinds of event from ever hashing alike.
func (e *AccountEvent) ComputeHash() string {
	return chainHash(
		"account", strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.UserID, 10), strconv.FormatInt(e.ActorID, 10),
		e.Action, e.Detail, e.CreatedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), e.PrevHash,
	)
}

// The actions of AccountEvent.
const (
	AccountCreated          = "dibuat"
	AccountUpdated          = "diubah"
	AccountPasswordSet      = "sandi_baru"
	AccountDisabled         = "dinonaktifkan"
	AccountEnabled          = "diaktifkan"
	AccountDomicileVerified = "domisili_dikonfirmasi"
	// AccountClosed: the resident closed the account; its identity is
	// erased (Service.CloseAccount).
	AccountClosed = "ditutup"
)

// AccountLog records account events in the same transaction as the
// change they describe, so that no change goes unrecorded (part of
// UserStore).
type AccountLog interface {
	// CreateUserLogged is CreateUser and the event (its UserID set to
	// the new account's) in one transaction.
	CreateUserLogged(ctx context.Context, u *User, ev *AccountEvent) error
	// UpdateUserLogged is UpdateUser and the event in one transaction.
	UpdateUserLogged(ctx context.Context, u *User, ev *AccountEvent) error
	// EraseUser erases account u's identity in one transaction with ev:
	// name becomes ClosedName; email, phone and the NIK (hash, sealed,
	// masked) are removed, so that they can be registered again; the
	// password can no longer match; the account is off; its tokens and
	// pending codes are deleted, and so are the pending messages to its
	// phone and email. Its reports and their histories stay.
	EraseUser(ctx context.Context, u *User, ev *AccountEvent) error
	// ListAccountEvents returns the latest events, newest first: of
	// account userID, or of every account when userID is 0.
	ListAccountEvents(ctx context.Context, userID int64, limit int) ([]AccountEvent, error)
}

// saveAccount stores u (new when create) with an event naming action and
// the acting admin (a nil a: the operator).
func (s *Service) saveAccount(ctx context.Context, a *Actor, u *User, action string, create bool) error {
	return s.saveAccountDetail(ctx, a, u, action, "", create)
}

// saveAccountDetail is saveAccount with the event's Detail.
func (s *Service) saveAccountDetail(ctx context.Context, a *Actor, u *User, action, detail string, create bool) error {
	ev := &AccountEvent{UserID: u.ID, Action: action, Detail: detail, CreatedAt: s.now().UTC()}
	if a != nil {
		ev.ActorID = a.UserID
	}
	if create {
		return s.Users.CreateUserLogged(ctx, u, ev)
	}
	return s.Users.UpdateUserLogged(ctx, u, ev)
}

// AccountHistory returns the latest account events, newest first (of
// account userID, or of all when 0), for an admin, or for the account's
// own user (a staff member sees who made their password).
func (s *Service) AccountHistory(ctx context.Context, a *Actor, userID int64, limit int) ([]AccountEvent, error) {
	if a == nil || userID == 0 || a.UserID != userID {
		if err := mayManageUsers(a); err != nil {
			return nil, err
		}
	}
	return s.Users.ListAccountEvents(ctx, userID, limit)
}

// UserFilter selects accounts for the admins' list (UserStore.ListUsers).
type UserFilter struct {
	// Staff selects admins, petugas and pimpinan; otherwise residents.
	Staff bool
	// PendingDomicile narrows residents to those whose domicile no admin
	// has confirmed yet (NIK issued outside the city).
	PendingDomicile bool
	// PendingEmail narrows residents to those with an email address
	// waiting for its confirmation link.
	PendingEmail bool
	// AfterID, for residents, starts the list after that account (they
	// are listed by ID): the next page.
	AfterID int64
	// Query narrows to accounts whose name or email contains it (case
	// does not matter) or whose phone is it.
	Query string
	// Limit caps the list (default and most: 200).
	Limit int
}

// UserLister lists accounts for the admins' page (part of UserStore).
type UserLister interface {
	// ListUsers returns the accounts f selects: staff by role, then name;
	// residents oldest first.
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
}

// MaxUserList is the most accounts one list shows.
const MaxUserList = 200

// StaffInput is a new staff account.
type StaffInput struct {
	Role       Role
	Name       string
	Email      string
	AgencyCode string // petugas only: the agency whose reports they see
}

// managedAccount returns account userID for an admin (or the operator) to
// change; ECONFLICT for an account its resident closed.
func (s *Service) managedAccount(ctx context.Context, a *Actor, userID int64) (*User, error) {
	if err := mayManageUsers(a); err != nil {
		return nil, err
	}
	u, err := s.Users.FindUserByID(ctx, userID)
	if err == nil && u.Closed() {
		return nil, errClosed
	}
	return u, err
}

// AccountInput is an admin's form for an account: a staff account takes
// Role, Name, Email and AgencyCode (StaffInput); a resident's, Name and
// Phone (ResidentInput).
type AccountInput struct {
	Role                           Role
	Name, Email, AgencyCode, Phone string
}

// UpdateAccount changes account userID as updateStaff or updateResident
// does, by the kind of account it is.
//
// Errors: ENOTFOUND for no such account; ECONFLICT for a closed one; and
// those of updateStaff and updateResident.
func (s *Service) UpdateAccount(ctx context.Context, a *Actor, userID int64, in AccountInput) (*User, error) {
	u, err := s.managedAccount(ctx, a, userID)
	if err != nil {
		return nil, err
	}
	if u.Role == RoleWarga {
		return s.updateResident(ctx, a, u, ResidentInput{Name: in.Name, Phone: in.Phone})
	}
	return s.updateStaff(ctx, a, u, StaffInput{Role: in.Role, Name: in.Name, Email: in.Email, AgencyCode: in.AgencyCode})
}

// mayManageUsers is nil for an admin and for the operator (a nil actor).
func mayManageUsers(a *Actor) error {
	if a != nil && a.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "Hanya admin yang dapat mengelola akun.")
	}
	return nil
}

// eachResident calls fn with every open, active resident account f
// selects, oldest first, a page at a time, for an admin's bulk work (a
// nil actor is the operator's command line). It stops at fn's first
// error, or when ctx ends, and returns it.
func (s *Service) eachResident(ctx context.Context, a *Actor, f UserFilter, fn func(u *User) error) error {
	lister, ok := s.Users.(UserLister)
	if !ok {
		return Internal(errors.New("esambat: the user store cannot list accounts"))
	}
	if err := mayManageUsers(a); err != nil {
		return err
	}
	const page = 100
	f.Staff, f.Limit = false, page
	for {
		users, err := lister.ListUsers(ctx, f)
		if err != nil {
			return err
		}
		for i := range users {
			u := &users[i]
			f.AfterID = u.ID
			if u.Closed() || u.Disabled {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(u); err != nil {
				return err
			}
		}
		if len(users) < page {
			return nil
		}
	}
}

// ListUsers returns the accounts f selects, for an admin.
func (s *Service) ListUsers(ctx context.Context, a *Actor, f UserFilter) ([]User, error) {
	if err := mayManageUsers(a); err != nil {
		return nil, err
	}
	f.Query = strings.TrimSpace(f.Query)
	if len(f.Query) > 100 {
		return nil, FieldError("q", "Kata pencarian terlalu panjang (paling banyak 100 huruf).")
	} else if !utf8.ValidString(f.Query) || strings.ContainsRune(f.Query, 0) {
		// PostgreSQL refuses such text outright.
		return nil, FieldError("q", "Kata pencarian berisi karakter yang tidak valid.")
	}
	if f.Limit <= 0 || f.Limit > MaxUserList {
		f.Limit = MaxUserList
	}
	return s.Users.ListUsers(ctx, f)
}

// CreateStaff creates a staff account with password pw, which the caller
// hands to the new user once (they change it at /akun).
//
// Errors: EINVALID naming role, name, email, agency or password;
// ECONFLICT when the email is registered.
func (s *Service) CreateStaff(ctx context.Context, a *Actor, in StaffInput, pw string) (*User, error) {
	if err := mayManageUsers(a); err != nil {
		return nil, err
	}
	in, err := s.checkStaff(ctx, in)
	var v Validation
	if err != nil {
		if ErrorCode(err) != EINVALID {
			return nil, err
		}
		v.AddAll(err)
	}
	if err := s.Auth.Hasher.Validate(pw); err != nil {
		v.AddError("password", err)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.Auth.Hasher.Hash(pw)
	if err != nil {
		return nil, Internal(err)
	}
	u := &User{Role: in.Role, Name: in.Name, Email: in.Email, AgencyCode: in.AgencyCode, PasswordHash: hash,
		DomicileVerified: true, Lang: "id"}
	if err := s.saveAccount(ctx, a, u, AccountCreated, true); ErrorCode(err) == ECONFLICT {
		return nil, FieldError("email", "Email ini sudah dipakai akun lain.")
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// checkStaff returns in cleaned (name trimmed, email normalized, no
// agency but for petugas) or EINVALID naming each field at fault.
func (s *Service) checkStaff(ctx context.Context, in StaffInput) (StaffInput, error) {
	var v Validation
	if in.Role != RoleAdmin && in.Role != RolePetugas && in.Role != RolePimpinan {
		v.Add("role", "Pilih peran: admin, petugas atau pimpinan.")
	}
	in.Name = cleanName(&v, in.Name)
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		v.AddError("email", err)
	} else if email == "" {
		v.Add("email", "Email wajib diisi: petugas masuk dengan email.")
	}
	in.Email = email
	in.AgencyCode = strings.TrimSpace(in.AgencyCode)
	switch {
	case in.Role == RolePetugas && in.AgencyCode == "":
		v.Add("agency", "Pilih perangkat daerah petugas ini.")
	case in.Role == RolePetugas:
		if a, err := s.Reference.FindAgency(ctx, in.AgencyCode); ErrorCode(err) == ENOTFOUND {
			v.Add("agency", "Perangkat daerah itu tidak dikenal.")
		} else if err != nil {
			return in, err
		} else if a.Retired {
			v.Add("agency", MsgAgencyRetired)
		}
	default:
		in.AgencyCode = "" // only petugas belong to an agency
	}
	return in, v.Err()
}

// cleanName returns name with its spaces tidied, adding to v what is
// wrong with it: one set of rules for every name, whether a resident
// types it at sign-up (Register) or an admin does (staff, a correction
// at the counter).
func cleanName(v *Validation, name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if n := utf8.RuneCountInString(name); !utf8.ValidString(name) || n < 2 {
		v.Add("name", "Nama wajib diisi (minimal 2 huruf).")
	} else if n > 100 {
		v.Add("name", "Nama terlalu panjang (paling banyak 100 huruf).")
	} else if strings.ContainsAny(name, "<>{}\x00") {
		v.Add("name", "Nama berisi karakter yang tidak diizinkan.")
	}
	return name
}

// updateStaff changes staff account u's name, email, role or agency (an
// officer moves to another agency, a name was misspelt); the history
// records what changed. An admin cannot change their own role, so that
// the city is never left without an admin by mistake. Sessions stay:
// the new role and agency apply from the next page.
//
// Errors: ENOTFOUND for no such staff account; EINVALID naming role,
// name, email or agency; ECONFLICT when the email is another account's.
func (s *Service) updateStaff(ctx context.Context, a *Actor, u *User, in StaffInput) (*User, error) {
	in, err := s.checkStaff(ctx, in)
	if err != nil {
		return nil, err
	}
	if a != nil && a.UserID == u.ID && in.Role != u.Role {
		return nil, FieldError("role", "Anda tidak dapat mengubah peran Anda sendiri. Minta admin lain.")
	}
	var changed []string
	note := func(what, from, to string) {
		if from != to {
			changed = append(changed, what+": "+orDash(from)+" → "+orDash(to))
		}
	}
	note("nama", u.Name, in.Name)
	note("email", u.Email, in.Email)
	note("peran", string(u.Role), string(in.Role))
	note("perangkat daerah", u.AgencyCode, in.AgencyCode)
	if len(changed) == 0 {
		return u, nil
	}
	u.Name, u.Email, u.Role, u.AgencyCode = in.Name, in.Email, in.Role, in.AgencyCode
	if err := s.saveAccountDetail(ctx, a, u, AccountUpdated, strings.Join(changed, "; "), false); ErrorCode(err) == ECONFLICT {
		return nil, FieldError("email", "Email ini sudah dipakai akun lain.")
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// SetPassword gives account userID the password pw and signs every
// browser out of it, returning the account and how many sessions ended:
// how an admin helps a staff member who forgot the password, or a
// resident at the counter who cannot reset it with a code on their phone
// (the number was never confirmed, or is lost). For a resident's account
// an admin gives identityChecked, their word that they have seen the
// resident's KTP in person: without it a caller on the phone could take
// over anyone's account; the history records it. Admins do not set their
// own (that is changed with the current one, at /akun); the operator (a
// nil a) sets anyone's.
//
// Errors: ENOTFOUND for no such account; ECONFLICT for a closed one;
// EINVALID naming identity or password; EFORBIDDEN for the admin's own
// account.
func (s *Service) SetPassword(ctx context.Context, a *Actor, userID int64, pw string, identityChecked bool) (*User, int, error) {
	if a != nil && a.UserID == userID && mayManageUsers(a) == nil {
		return nil, 0, Errorf(EFORBIDDEN, "Ganti kata sandi Anda sendiri di halaman Akun, dengan kata sandi yang sekarang.")
	}
	u, err := s.managedAccount(ctx, a, userID)
	if err != nil {
		return nil, 0, err
	}
	if a == nil || u.Role != RoleWarga {
		return s.setPassword(ctx, a, u, pw, "")
	}
	if !identityChecked {
		return nil, 0, FieldError("identity", "Periksa dulu KTP pemilik akun secara langsung, lalu centang pernyataan ini.")
	}
	return s.setPassword(ctx, a, u, pw, "identitas diperiksa langsung (KTP)")
}

// setPassword stores pw on u with an event (detail: how it was allowed)
// and ends u's browser sessions.
func (s *Service) setPassword(ctx context.Context, a *Actor, u *User, pw, detail string) (*User, int, error) {
	if err := s.Auth.Hasher.Validate(pw); err != nil {
		return nil, 0, FieldError("password", ErrorMessage(err))
	}
	var err error
	if u.PasswordHash, err = s.Auth.Hasher.Hash(pw); err != nil {
		return nil, 0, Internal(err)
	}
	if err := s.saveAccountDetail(ctx, a, u, AccountPasswordSet, detail, false); err != nil {
		return nil, 0, err
	}
	ended, err := s.EndSessions(ctx, u.ID, "")
	if err != nil {
		return nil, 0, err
	}
	return u, ended, nil
}

// ResidentInput is what an admin corrects on a resident's account: the
// name as on the KTP, and a new number for a lost or changed phone. The
// NIK is not among them: it is the account's identity.
type ResidentInput struct {
	Name  string
	Phone string
}

// updateResident changes resident u's name or phone number, at the
// counter. A new number is unconfirmed until the resident types the code
// this sends to it (their reports are flagged meanwhile, as after
// sign-up), and only a confirmed number can reset a forgotten password.
// The history records what changed, with the numbers masked.
//
// Errors: ENOTFOUND for no such resident; EINVALID naming name or phone;
// the phone's EINVALID also when it is another account's.
func (s *Service) updateResident(ctx context.Context, a *Actor, u *User, in ResidentInput) (*User, error) {
	var v Validation
	name := cleanName(&v, in.Name)
	phone, err := NormalizePhone(in.Phone)
	if err != nil {
		v.AddError("phone", err)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.saveResident(ctx, a, u, residentFields{Name: name, Phone: phone, Email: wantedEmail(u), KelurahanCode: u.KelurahanCode})
}

// SetDisabled turns account userID off, or on again. An account that is
// off cannot sign in, and its browser sessions and API tokens end at
// once (they would be refused anyway; ending them keeps it so when the
// account is turned on again). Admins cannot turn off their own account,
// so that the city is never left without one by mistake.
func (s *Service) SetDisabled(ctx context.Context, a *Actor, userID int64, disabled bool) (*User, error) {
	if err := mayManageUsers(a); err != nil {
		return nil, err
	}
	if a != nil && a.UserID == userID && disabled {
		return nil, Errorf(EFORBIDDEN, "Anda tidak dapat menonaktifkan akun Anda sendiri.")
	}
	u, err := s.Users.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled == disabled {
		return u, nil
	}
	if u.Closed() {
		return nil, errClosed
	}
	u.Disabled = disabled
	action := AccountEnabled
	if disabled {
		action = AccountDisabled
	}
	if err := s.saveAccount(ctx, a, u, action, false); err != nil {
		return nil, err
	}
	if !disabled {
		return u, nil
	}
	toks, err := s.Auth.Tokens.ListTokens(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if err := s.Auth.Tokens.RevokeToken(ctx, u.ID, t.ID); err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	return u, nil
}

// VerifyDomicile records that an admin has checked that resident userID
// lives in the city (their NIK was issued elsewhere): their next reports
// no longer carry the "domisili belum terverifikasi" flag.
func (s *Service) VerifyDomicile(ctx context.Context, a *Actor, userID int64) (*User, error) {
	u, err := s.managedAccount(ctx, a, userID)
	if err != nil {
		return nil, err
	}
	if u.Role != RoleWarga {
		return nil, Errorf(ENOTFOUND, "Akun warga tidak ditemukan.")
	}
	if u.DomicileVerified {
		return u, nil
	}
	u.DomicileVerified = true
	if err := s.saveAccount(ctx, a, u, AccountDomicileVerified, false); err != nil {
		return nil, err
	}
	return u, nil
}
