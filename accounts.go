package esambat

import (
	"context"
	"strings"
)

// Admins manage the accounts of the people who work the reports (DESIGN:
// "manage reference data and users"): they create staff accounts, set a
// new password for a staff member who forgot one, turn an account off
// when someone leaves or abuses it, and confirm the domicile of residents
// whose NIK was issued outside the city. Before these, each needed the
// operator at the server's command line.
//
// Every method takes the acting admin; nil stands for the operator at the
// command line, who may do the same.

// UserFilter selects accounts for the admins' list (UserStore.ListUsers).
type UserFilter struct {
	// Staff selects admins, petugas and pimpinan; otherwise residents.
	Staff bool
	// PendingDomicile narrows residents to those whose domicile no admin
	// has confirmed yet (NIK issued outside the city).
	PendingDomicile bool
	// Query narrows to accounts whose name or email contains it (case
	// does not matter) or whose phone is it.
	Query string
	// Limit caps the list (default and most: 200).
	Limit int
}

// UserLister is implemented by user stores that list accounts for the
// admins' page.
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

// mayManageUsers is nil for an admin and for the operator (a nil actor).
func mayManageUsers(a *Actor) error {
	if a != nil && a.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "Hanya admin yang dapat mengelola akun.")
	}
	return nil
}

// ListUsers returns the accounts f selects, for an admin.
func (s *Service) ListUsers(ctx context.Context, a *Actor, f UserFilter) ([]User, error) {
	if err := mayManageUsers(a); err != nil {
		return nil, err
	}
	l, ok := s.Users.(UserLister)
	if !ok {
		return nil, Errorf(EINTERNAL, "store cannot list accounts")
	}
	f.Query = strings.TrimSpace(f.Query)
	if len(f.Query) > 100 {
		return nil, FieldError("q", "Kata pencarian terlalu panjang (paling banyak 100 huruf).")
	}
	if f.Limit <= 0 || f.Limit > MaxUserList {
		f.Limit = MaxUserList
	}
	return l.ListUsers(ctx, f)
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
	var v Validation
	if in.Role != RoleAdmin && in.Role != RolePetugas && in.Role != RolePimpinan {
		v.Add("role", "Pilih peran: admin, petugas atau pimpinan.")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		v.Add("name", "Nama wajib diisi.")
	} else if len(in.Name) > 100 {
		v.Add("name", "Nama terlalu panjang (paling banyak 100 huruf).")
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		v.AddError("email", err)
	} else if email == "" {
		v.Add("email", "Email wajib diisi: petugas masuk dengan email.")
	}
	in.AgencyCode = strings.TrimSpace(in.AgencyCode)
	switch {
	case in.Role == RolePetugas && in.AgencyCode == "":
		v.Add("agency", "Pilih perangkat daerah petugas ini.")
	case in.Role == RolePetugas:
		if _, err := s.Reference.FindAgency(ctx, in.AgencyCode); ErrorCode(err) == ENOTFOUND {
			v.Add("agency", "Perangkat daerah itu tidak dikenal.")
		} else if err != nil {
			return nil, err
		}
	default:
		in.AgencyCode = "" // only petugas belong to an agency
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
	u := &User{Role: in.Role, Name: in.Name, Email: email, AgencyCode: in.AgencyCode, PasswordHash: hash,
		DomicileVerified: true, Lang: "id"}
	if err := s.Users.CreateUser(ctx, u); ErrorCode(err) == ECONFLICT {
		return nil, FieldError("email", "Email ini sudah dipakai akun lain.")
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// SetStaffPassword gives staff account userID the password pw and signs
// every browser out of it: how an admin helps a staff member who forgot
// the password (residents reset theirs with a code sent to their phone).
// An admin's own password is changed with the current one, at /akun.
//
// Errors: ENOTFOUND for no such staff account; EINVALID naming password;
// EFORBIDDEN for the admin's own account.
func (s *Service) SetStaffPassword(ctx context.Context, a *Actor, userID int64, pw string) (*User, error) {
	if err := mayManageUsers(a); err != nil {
		return nil, err
	}
	if a != nil && a.UserID == userID {
		return nil, Errorf(EFORBIDDEN, "Ganti kata sandi Anda sendiri di halaman Akun, dengan kata sandi yang sekarang.")
	}
	u, err := s.Users.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !u.Role.Staff() {
		return nil, Errorf(ENOTFOUND, "Akun petugas tidak ditemukan.")
	}
	if err := s.Auth.Hasher.Validate(pw); err != nil {
		return nil, FieldError("password", ErrorMessage(err))
	}
	if u.PasswordHash, err = s.Auth.Hasher.Hash(pw); err != nil {
		return nil, Internal(err)
	}
	if err := s.Users.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if _, err := s.EndSessions(ctx, u.ID, ""); err != nil {
		return nil, err
	}
	return u, nil
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
	u.Disabled = disabled
	if err := s.Users.UpdateUser(ctx, u); err != nil {
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
	if err := mayManageUsers(a); err != nil {
		return nil, err
	}
	u, err := s.Users.FindUserByID(ctx, userID)
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
	if err := s.Users.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}
