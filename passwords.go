package esambat

import (
	"context"
	"strings"
	"time"
)

// A resident who forgot the password proves they hold the account's
// phone, as at sign-up: a one-time code sent there lets them choose a new
// password. Only a confirmed phone qualifies (an unconfirmed one was never
// shown to be the resident's), and the answers never say whether a number
// is registered. A code sent to the account's email proves the same: a
// staff member's was typed by an admin, a resident's confirmed by its
// link (a pending one does not qualify); without an email channel (AuthService.Mailer) an admin gives them a new password
// (SetPassword), or the operator (esambat user password). Signed in,
// anyone changes it with the current one (ChangePassword).

// resetMessage is the text of a reset code, by phone or email, in u's
// language.
func resetMessage(u *User) string {
	return inLang(u, "Kode untuk mengganti kata sandi E-Sambat Anda: %s. Berlaku 15 menit. Abaikan pesan ini bila Anda tidak memintanya, dan jangan berikan kode ini kepada siapa pun.",
		"Your code to change your E-Sambat password: %s. Valid for 15 minutes. Ignore this message if you did not ask for it, and do not give this code to anyone.")
}

// SendResetCode sends a code for choosing a new password to the phone
// or email login names: the confirmed phone or the email of an active
// account. It returns nil as well when there is
// no such account, so that the form cannot be used to find out who is
// registered; EINVALID when login is neither a phone number nor an email
// address.
func (s *Service) SendResetCode(ctx context.Context, login string) error {
	u, err := s.resetAccount(ctx, login)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if strings.Contains(login, "@") {
		return s.sendCodeBy(ctx, u, codeReset, s.Auth.Mailer, u.Email, inLang(u, "Kode ganti kata sandi E-Sambat", "E-Sambat password code"), resetMessage(u))
	}
	return s.sendCode(ctx, u, codeReset, resetMessage(u))
}

// ResetPassword sets password on the account login reaches (a phone or a
// staff email) when code is the code SendResetCode sent there, and signs every browser out
// of the account (whoever knew the old password loses the session it
// gave). It returns the account, to sign the resident in.
//
// Errors: EINVALID naming password (too weak) or code: not six digits,
// or else one message for wrong, expired, none pending and no such
// account, so that the answers do not tell who is registered.
func (s *Service) ResetPassword(ctx context.Context, login, code, password string) (*User, error) {
	if err := s.Auth.Hasher.Validate(password); err != nil {
		return nil, FieldError("password", ErrorMessage(err))
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return nil, FieldError("code", "Kode terdiri dari 6 angka.")
	}
	// A wrong code for a real account costs a read and a write (the
	// attempt is counted); an unknown number, one read. Every refusal
	// answers at the same moment after the request began, so that the
	// time taken does not tell who is registered either.
	floor := time.NewTimer(s.Auth.resetFloor())
	defer floor.Stop()
	badCode := func() (*User, error) {
		select {
		case <-floor.C:
		case <-ctx.Done():
		}
		return nil, FieldError("code", "Kode salah atau sudah tidak berlaku. Minta kode baru bila perlu.")
	}
	u, err := s.resetAccount(ctx, login)
	if ErrorCode(err) == ENOTFOUND {
		return badCode()
	} else if err != nil {
		return nil, err
	}
	if err := s.checkCode(ctx, u.ID, codeReset, code); ErrorCode(err) == EINVALID {
		return badCode()
	} else if err != nil {
		return nil, err
	}
	hash, err := s.Auth.Hasher.Hash(password)
	if err != nil {
		return nil, Internal(err)
	}
	u.PasswordHash = hash
	if err := s.Users.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.Auth.PhoneCodes.DeletePhoneCode(ctx, u.ID); err != nil {
		return nil, err
	}
	if _, err := s.EndSessions(ctx, u.ID, ""); err != nil {
		return nil, err
	}
	return u, nil
}

// DefaultResetFloor is how long a refused password reset takes at least
// (AuthService.ResetFloor): well above a commit's time on a loaded disk,
// short enough for a resident who mistyped the code.
const DefaultResetFloor = 400 * time.Millisecond

func (a *AuthService) resetFloor() time.Duration {
	if a.ResetFloor > 0 {
		return a.ResetFloor
	}
	return DefaultResetFloor
}

// ResetLogin is the phone number or email address login names for a
// password reset, in the form accounts store it; EINVALID naming login
// when it is neither.
func ResetLogin(login string) (string, error) {
	login = strings.TrimSpace(login)
	if strings.Contains(login, "@") {
		if email, err := NormalizeEmail(login); err == nil && email != "" {
			return email, nil
		}
	} else if phone, err := NormalizePhone(login); err == nil {
		return phone, nil
	}
	return "", FieldError("login", "Masukkan nomor HP yang terdaftar, misalnya 0812 3456 7890, atau alamat email akun Anda.")
}

// resetAccount returns the account a reset to login may reach: the
// active account whose confirmed phone or email it is (an email when
// codes can be emailed); ENOTFOUND otherwise.
func (s *Service) resetAccount(ctx context.Context, login string) (*User, error) {
	l, err := ResetLogin(login)
	if err != nil {
		return nil, err
	}
	u, err := s.Users.FindUserByLogin(ctx, l)
	if err != nil {
		return nil, err
	}
	byPhone := u.Phone == l && u.PhoneConfirmed
	byEmail := u.Email == l && s.Auth.Mailer != nil
	if u.Disabled || !(byPhone || byEmail) {
		return nil, Errorf(ENOTFOUND, "Akun tidak ditemukan.")
	}
	return u, nil
}

// ChangePassword sets a new password for a signed-in user who knows the
// current one, and ends the user's other browser sessions (keep, the
// session making the change, stays; "" ends them all). API tokens stay:
// each is revoked on its own.
//
// Errors: EINVALID naming current (wrong) or password (too weak, or the
// same as the current one).
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, password, keep string) error {
	u, err := s.Users.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	if current == "" || len(current) > 1024 || s.Auth.Hasher.Check(u.PasswordHash, current) != nil {
		return FieldError("current", "Kata sandi sekarang salah.")
	}
	if err := s.Auth.Hasher.Validate(password); err != nil {
		return FieldError("password", ErrorMessage(err))
	}
	if password == current {
		return FieldError("password", "Kata sandi baru harus berbeda dari yang sekarang.")
	}
	hash, err := s.Auth.Hasher.Hash(password)
	if err != nil {
		return Internal(err)
	}
	u.PasswordHash = hash
	if err := s.Users.UpdateUser(ctx, u); err != nil {
		return err
	}
	_, err = s.EndSessions(ctx, u.ID, keep)
	return err
}

// EndSessions revokes userID's browser sessions except the one whose
// hash is keep ("" for none) and returns how many ended. API tokens stay.
func (s *Service) EndSessions(ctx context.Context, userID int64, keep string) (int, error) {
	toks, err := s.Auth.Tokens.ListTokens(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range toks {
		if t.Kind != TokenSession || (keep != "" && t.Hash == keep) {
			continue
		}
		if err := s.Auth.Tokens.RevokeToken(ctx, userID, t.ID); err != nil && ErrorCode(err) != ENOTFOUND {
			return n, err
		}
		n++
	}
	return n, nil
}
