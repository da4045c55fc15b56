package esambat

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A resident's email address becomes theirs when they open the link
// sent to it. Until then it waits in User.EmailPending and reaches
// nothing: signing in, password resets and notifications (which carry
// what a report says and how the city answered) use User.Email only.
// Without this, anyone could type another person's address at sign-up,
// have their reports' news mailed there, and keep its owner from
// registering with it; a pending address is not unique, so it blocks no
// one. The old address, if any, keeps working until the new one is
// confirmed.
//
// The link carries no state kept on the server: it names the account and
// an expiry, sealed with a keyed hash (AuthService.Sealer) over both and
// the pending address. A link for an address the resident has since
// replaced, or for one already confirmed, no longer matches anything.
// It is opened in any browser, signed in or not: holding the mailbox is
// what it proves.

// EmailLinkTTL is how long a confirmation link works: email may sit
// unread for a day.
const EmailLinkTTL = 48 * time.Hour

// emailLinkPath is the web page that confirms an address.
const emailLinkPath = "/konfirmasi-email?t="

// errEmailLink is the one answer for a link that does not confirm:
// tampered, expired, already used or replaced.
var errEmailLink = FieldError("token", "Tautan konfirmasi ini tidak berlaku lagi: sudah dipakai, sudah lewat 48 jam, atau ada alamat email yang lebih baru. Kirim tautan baru dari halaman Akun.")

// wantedEmail is the address the resident last asked for: the pending one
// while it waits, the confirmed one otherwise.
func wantedEmail(u *User) string {
	if u.EmailPending != "" {
		return u.EmailPending
	}
	return u.Email
}

// emailToken is the token of a link confirming u's pending address,
// valid until expires: "id.expiry.mac".
func (s *Service) emailToken(u *User, expires int64) string {
	return strconv.FormatInt(u.ID, 10) + "." + strconv.FormatInt(expires, 10) + "." + s.emailMAC(u.ID, expires, u.EmailPending)
}

func (s *Service) emailMAC(id, expires int64, email string) string {
	mac := s.Auth.Sealer.Hash([]byte(fmt.Sprintf("email-confirm:%d:%d:%s", id, expires, email)))
	if len(mac) > 32 {
		mac = mac[:32] // 128 bits is plenty for a link that expires
	}
	return mac
}

// SendEmailLink mails a link confirming u's pending address to it,
// through AuthService.Mailer (none: the link is only logged by the
// caller's Mailer, or not sent at all when Mailer is nil).
func (s *Service) SendEmailLink(ctx context.Context, u *User) error {
	if u.EmailPending == "" {
		return FieldError("email", "Tidak ada alamat email yang menunggu konfirmasi.")
	}
	if s.Auth.Mailer == nil {
		return nil
	}
	link := strings.TrimRight(s.Auth.BaseURL, "/") + emailLinkPath + s.emailToken(u, s.now().Add(EmailLinkTTL).Unix())
	body := inLang(u, "Halo "+u.Name+",\n\nAlamat email ini ditambahkan ke akun E-Sambat Anda. Buka tautan berikut dalam 48 jam untuk mengonfirmasinya:\n\n"+
		link+"\n\nSetelah dikonfirmasi, Anda bisa masuk dan memulihkan kata sandi dengan email ini, dan kabar laporan Anda dikirim ke sini.\n"+
		"Abaikan pesan ini bila Anda tidak mendaftar di E-Sambat: alamat ini tidak akan dipakai tanpa konfirmasi.",
		"Hello "+u.Name+",\n\nThis email address was added to your E-Sambat account. Open this link within 48 hours to confirm it:\n\n"+
			link+"\n\nOnce confirmed, you can sign in and recover your password with this email, and news of your reports is sent here.\n"+
			"Ignore this message if you did not sign up for E-Sambat: this address is not used without confirmation.")
	return s.Auth.Mailer.Notify(ctx, u.EmailPending, inLang(u, "Konfirmasi email E-Sambat", "Confirm your E-Sambat email"), body)
}

// ResendEmailLink sends a new link for resident userID's pending address.
//
// Errors: EINVALID naming email when no address is pending.
func (s *Service) ResendEmailLink(ctx context.Context, userID int64) error {
	u, err := s.Users.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Role != RoleWarga || u.Disabled {
		return Errorf(ENOTFOUND, "Akun warga tidak ditemukan.")
	}
	return s.SendEmailLink(ctx, u)
}

// EmailLinkAccount returns the account and pending address a link's
// token confirms, without confirming it (the page shows what the button
// will do).
//
// Errors: EINVALID naming token for a link that does not confirm
// anything (tampered, expired, used, replaced, or the account closed or
// turned off), one message for all.
func (s *Service) EmailLinkAccount(ctx context.Context, token string) (*User, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 || len(token) > 128 {
		return nil, errEmailLink
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	expires, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return nil, errEmailLink
	}
	u, err := s.Users.FindUserByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, errEmailLink
	} else if err != nil {
		return nil, err
	}
	want := s.emailMAC(id, expires, u.EmailPending)
	if u.EmailPending == "" || u.Disabled || subtle.ConstantTimeCompare([]byte(want), []byte(parts[2])) != 1 ||
		s.now().Unix() >= expires {
		return nil, errEmailLink
	}
	return u, nil
}

// ConfirmEmail makes the pending address of the link's account its
// email, for signing in, resets and notifications, and records it in
// the account's history.
//
// Errors: those of EmailLinkAccount; ECONFLICT when another account has
// confirmed the address in the meantime.
func (s *Service) ConfirmEmail(ctx context.Context, token string) (*User, error) {
	u, err := s.EmailLinkAccount(ctx, token)
	if err != nil {
		return nil, err
	}
	old := u.Email
	u.Email, u.EmailPending = u.EmailPending, ""
	detail := "email: " + orDash(MaskEmail(old)) + " → " + MaskEmail(u.Email) + " (dikonfirmasi lewat tautan)"
	if err := s.saveAccountDetail(ctx, &Actor{UserID: u.ID, Role: u.Role}, u, AccountUpdated, detail, false); ErrorCode(err) == ECONFLICT {
		return nil, Errorf(ECONFLICT, "Alamat email ini sudah dipakai akun lain. Masuk dengan akun itu, atau pakai alamat lain.")
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// EmailLinkTally counts what SendEmailLinks did.
type EmailLinkTally struct{ Sent, Failed int }

// emailLinkGiveUp is how many sends in a row may fail before
// SendEmailLinks stops: one refused address is that address's problem,
// several in a row are the mail server's.
const emailLinkGiveUp = 5

// SendEmailLinks mails a new confirmation link to every resident whose
// address waits for one, calling fn after each: after an upgrade moved
// residents' unconfirmed addresses aside (migrations 0022 SQLite, 0023
// PostgreSQL), nothing is mailed to them until they confirm, and this is
// how an operator invites them all at once. Closed and turned-off
// accounts are left out. An address the mail server refuses is counted
// and passed; several failures in a row stop the run, for the operator
// to run it again once the server works.
func (s *Service) SendEmailLinks(ctx context.Context, a *Actor, fn func(u *User, err error)) (EmailLinkTally, error) {
	var t EmailLinkTally
	if s.Auth.Mailer == nil {
		if err := mayManageUsers(a); err != nil {
			return t, err
		}
		return t, Errorf(ECONFLICT, "E-Sambat ini tidak mengirim email (--smtp-addr).")
	}
	failedInARow := 0
	err := s.eachResident(ctx, a, UserFilter{PendingEmail: true}, func(u *User) error {
		err := s.SendEmailLink(ctx, u)
		if err == nil {
			t.Sent++
			failedInARow = 0
		} else {
			t.Failed++
			failedInARow++
		}
		if fn != nil {
			fn(u, err)
		}
		if failedInARow >= emailLinkGiveUp {
			return &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf("Server email menolak %d pengiriman berturut-turut; jalankan lagi setelah server email normal.", failedInARow), Err: err}
		}
		return nil
	})
	return t, err
}
