package esambat

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person with an account: a resident (warga) or staff (admin,
// petugas, pimpinan). The NIK is personal data (UU 27/2022): the store
// keeps it encrypted (NIKSealed) and looks it up through a keyed hash
// (NIKHash); only the masked form is ever shown.
type User struct {
	ID   int64
	Role Role
	Name string
	// Email is lower-cased; may be empty for residents. A resident's is
	// confirmed (they opened the link sent to it); a staff member's was
	// typed by an admin.
	Email string
	// EmailPending is the address a resident asked for, waiting for
	// its link (Service.ConfirmEmail); it reaches nothing until then.
	EmailPending string
	Phone        string // E.164; may be empty for staff
	// PhoneConfirmed is set once the one-time code was entered.
	PhoneConfirmed bool
	NIKHash        string // keyed hash (HMAC) of the 16 digits; "" for staff
	NIKSealed      []byte // the 16 digits, encrypted
	NIKMasked      string // e.g. "3575**********01"
	KelurahanCode  string // domicile
	// DomicileVerified is true for NIKs issued in the city and for accounts
	// an admin has confirmed.
	DomicileVerified bool
	AgencyCode       string // petugas only
	PasswordHash     string // argon2id, PHC string format
	Lang             string // "id" or "en"
	CreatedAt        time.Time
	Disabled         bool
}

// NormalizeEmail lower-cases and validates an email address; "" stays "".
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") || len(s) > 254 {
		return "", FieldError("email", "Alamat email tidak valid.")
	}
	return s, nil
}

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser stores u and sets ID and CreatedAt. ECONFLICT when the
	// email, phone or NIK is already registered; the message does not say
	// which account holds it.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND when there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// UserNames returns the name of each of ids that is an account, by
	// ID: a list of reports shows its reporters' names with one query.
	UserNames(ctx context.Context, ids []int64) (map[int64]string, error)
	// FindUserByLogin finds a user by email or E.164 phone; ENOTFOUND.
	FindUserByLogin(ctx context.Context, login string) (*User, error)
	// FindUserByNIKHash returns ENOTFOUND when no account has that NIK.
	FindUserByNIKHash(ctx context.Context, hash string) (*User, error)
	// UpdateUser stores changed fields of an existing user; ENOTFOUND.
	UpdateUser(ctx context.Context, u *User) error
	// The admins' accounts page: its lists, and the changes it makes
	// recorded with them (accounts.go).
	UserLister
	AccountLog
}

// MaskEmail hides all but the first letter of an address's local part,
// e.g. "s***@example.org": a resident's history shows that an address
// changed, and which one it was to its owner, without keeping the
// address itself in the append-only account chain. "" stays "".
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		if email == "" {
			return ""
		}
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}
