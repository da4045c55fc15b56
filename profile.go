package esambat

import (
	"context"
	"strings"
)

// A resident keeps their own account up to date at /akun: the name, the
// kelurahan they live in, an email address, and a new phone number when
// they change numbers (a resident should not need the counter for that).
// The email and the number are how the account is signed into and
// recovered, so changing either asks for the current password, as a
// change of password does; a new number is unconfirmed until the code
// sent to it comes back, and a new address waits for its link
// (email.go). The account's history records every change, made by the
// resident (UpdateProfile) or by an admin at the counter (UpdateAccount),
// in the same words.

// ProfileInput is a resident's own account as they want it (every
// field: the form shows the current values).
type ProfileInput struct {
	Name          string
	Email         string // "" = none; a new one waits for its link
	Phone         string
	KelurahanCode string
	// Current is the current password: needed when Email or Phone
	// changes.
	Current string
}

// UpdateProfile stores resident userID's own changes to their account.
//
// Errors: EINVALID naming name, email, phone, kelurahan_code, or current
// (missing or wrong when the email or the number changes); ENOTFOUND for
// an account that is not a resident's.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, in ProfileInput) (*User, error) {
	u, err := s.Users.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Role != RoleWarga {
		return nil, Errorf(ENOTFOUND, "Akun warga tidak ditemukan.")
	}
	var v Validation
	f := residentFields{Name: cleanName(&v, in.Name)}
	if f.Phone, err = NormalizePhone(in.Phone); err != nil {
		v.AddError("phone", err)
	}
	if f.Email, err = NormalizeEmail(in.Email); err != nil {
		v.AddError("email", err)
	}
	f.KelurahanCode = strings.TrimSpace(in.KelurahanCode)
	if _, ok := s.CityKelurahan(f.KelurahanCode); !ok {
		v.Add("kelurahan_code", "Pilih kelurahan tempat tinggal Anda di Kota Pasuruan.")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if f.Phone != u.Phone || f.Email != wantedEmail(u) {
		if in.Current == "" || len(in.Current) > 1024 || s.Auth.Hasher.Check(u.PasswordHash, in.Current) != nil {
			return nil, FieldError("current", "Masukkan kata sandi Anda yang sekarang untuk mengganti nomor HP atau email.")
		}
	}
	return s.saveResident(ctx, &Actor{UserID: u.ID, Role: u.Role}, u, f)
}

// residentFields are the parts of a resident's account that change;
// Email is the address wanted (see wantedEmail).
type residentFields struct {
	Name, Phone, Email, KelurahanCode string
}

// saveResident stores f on resident u with an event naming each change
// (the numbers masked) and the actor (nil: the operator); a new number
// is unconfirmed and gets a code. EINVALID naming phone or email when
// the new one is another account's.
func (s *Service) saveResident(ctx context.Context, a *Actor, u *User, f residentFields) (*User, error) {
	var changed []string
	if f.Name != u.Name {
		changed = append(changed, "nama: "+u.Name+" → "+f.Name)
	}
	newPhone := f.Phone != u.Phone
	if newPhone {
		old := "—"
		if u.Phone != "" {
			old = MaskPhone(u.Phone)
		}
		changed = append(changed, "nomor HP: "+old+" → "+MaskPhone(f.Phone)+" (belum terkonfirmasi)")
	}
	// A new address waits for its link; none, or going back to the
	// confirmed one, drops the one waiting.
	newEmail := f.Email != wantedEmail(u)
	sendLink := newEmail && f.Email != "" && f.Email != u.Email
	if newEmail {
		note := ""
		if sendLink {
			note = " (belum terkonfirmasi)"
		}
		changed = append(changed, "email: "+orDash(MaskEmail(wantedEmail(u)))+" → "+orDash(MaskEmail(f.Email))+note)
	}
	if f.KelurahanCode != u.KelurahanCode {
		changed = append(changed, "kelurahan: "+s.kelurahanName(u.KelurahanCode)+" → "+s.kelurahanName(f.KelurahanCode))
	}
	if len(changed) == 0 {
		return u, nil
	}
	u.Name, u.KelurahanCode = f.Name, f.KelurahanCode
	switch {
	case sendLink:
		u.EmailPending = f.Email
	case newEmail:
		u.Email, u.EmailPending = f.Email, ""
	}
	if newPhone {
		u.Phone, u.PhoneConfirmed = f.Phone, false
	}
	if err := s.saveAccountDetail(ctx, a, u, AccountUpdated, strings.Join(changed, "; "), false); ErrorCode(err) == ECONFLICT && newPhone {
		// Only a new number can be another account's: a new address
		// waits, and is checked when its link is opened.
		return nil, FieldError("phone", "Nomor HP ini sudah dipakai akun lain.")
	} else if err != nil {
		return nil, err
	}
	// The change stands if a message fails: the resident asks for a new
	// code at /verifikasi-hp, or a new link at /akun.
	if newPhone {
		_ = s.SendPhoneCode(ctx, u)
	}
	if sendLink {
		_ = s.SendEmailLink(ctx, u)
	}
	return u, nil
}

// kelurahanName is the name of the city's kelurahan code, or the code.
func (s *Service) kelurahanName(code string) string {
	if k, ok := s.CityKelurahan(code); ok {
		return k.Name
	}
	return orDash(code)
}

// ClosedName is the name a closed account keeps: its reports still need
// a reporter, and the city's record of them stays.
const ClosedName = "Warga (akun ditutup)"

// ClosedPasswordHash is the password hash of a closed account: no
// password matches it.
const ClosedPasswordHash = "!"

// Closed reports whether the resident closed this account
// (CloseAccount): nothing may open it again.
func (u User) Closed() bool { return u.PasswordHash == ClosedPasswordHash }

// errClosed refuses a change to a closed account.
var errClosed = Errorf(ECONFLICT, "Akun ini sudah ditutup oleh pemiliknya dan tidak dapat diubah lagi.")

// CloseAccount closes resident userID's account at their request (UU
// 27/2022 lets them ask for their personal data to be erased): the name
// becomes ClosedName, the NIK, phone number and email are erased (the
// resident may register again with them), and every device is signed
// out. Their reports stay, as the city's record of a public service,
// shown under ClosedName; the account's history keeps what it recorded,
// since its chain cannot lose a link. current is the password; confirmed
// the resident's explicit yes.
//
// Errors: EINVALID naming current (missing or wrong) or confirm;
// ENOTFOUND for an account that is not a resident's.
func (s *Service) CloseAccount(ctx context.Context, userID int64, current string, confirmed bool) error {
	u, err := s.Users.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Role != RoleWarga || u.Closed() {
		return Errorf(ENOTFOUND, "Akun warga tidak ditemukan.")
	}
	var v Validation
	if current == "" || len(current) > 1024 || s.Auth.Hasher.Check(u.PasswordHash, current) != nil {
		v.Add("current", "Masukkan kata sandi Anda yang sekarang untuk menutup akun.")
	}
	if !confirmed {
		v.Add("confirm", "Centang pernyataan bahwa Anda ingin menutup akun ini.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	ev := &AccountEvent{UserID: u.ID, ActorID: u.ID, Action: AccountClosed, CreatedAt: s.now().UTC()}
	return s.Users.EraseUser(ctx, u, ev)
}
