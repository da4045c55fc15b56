package esambat

import (
	"context"
	"strings"
)

// A resident who forgot the password proves they hold the account's
// phone, as at sign-up: a one-time code sent there lets them choose a new
// password. Only a confirmed phone qualifies (an unconfirmed one was never
// shown to be the resident's), and the answers never say whether a number
// is registered. Staff sign in with an email address and have their
// password set by an admin instead.

// SendResetCode sends a code for choosing a new password to the phone
// login names, when it is the confirmed phone of an active account. It
// returns nil as well when there is no such account, so that the form
// cannot be used to find out who is registered; EINVALID when login is
// not a phone number.
func (s *Service) SendResetCode(ctx context.Context, login string) error {
	u, err := s.resetAccount(ctx, login)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return s.sendCode(ctx, u, codeReset, "Kode untuk mengganti kata sandi E-Sambat Anda: %s. Berlaku 15 menit. Abaikan pesan ini bila Anda tidak memintanya, dan jangan berikan kode ini kepada siapa pun.")
}

// ResetPassword sets password on the account of the phone login when
// code is the code SendResetCode sent there, and signs every browser out
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
	badCode := FieldError("code", "Kode salah atau sudah tidak berlaku. Minta kode baru bila perlu.")
	u, err := s.resetAccount(ctx, login)
	if ErrorCode(err) == ENOTFOUND {
		return nil, badCode
	} else if err != nil {
		return nil, err
	}
	if err := s.checkCode(ctx, u.ID, codeReset, code); ErrorCode(err) == EINVALID {
		return nil, badCode
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
	toks, err := s.Auth.Tokens.ListTokens(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if t.Kind != TokenSession {
			continue
		}
		if err := s.Auth.Tokens.RevokeToken(ctx, u.ID, t.ID); err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	return u, nil
}

// resetAccount returns the active account whose confirmed phone is login;
// ENOTFOUND when there is none.
func (s *Service) resetAccount(ctx context.Context, login string) (*User, error) {
	phone, err := NormalizePhone(strings.TrimSpace(login))
	if err != nil {
		return nil, FieldError("login", "Masukkan nomor HP yang terdaftar, misalnya 0812 3456 7890.")
	}
	u, err := s.Users.FindUserByLogin(ctx, phone)
	if err != nil {
		return nil, err
	}
	if u.Phone != phone || !u.PhoneConfirmed || u.Disabled {
		return nil, Errorf(ENOTFOUND, "Akun tidak ditemukan.")
	}
	return u, nil
}
