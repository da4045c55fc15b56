package esambat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"
)

// Token kinds.
const (
	TokenSession = "session" // browser session cookie
	TokenBearer  = "bearer"  // personal API token (Authorization: Bearer)
)

// Token is a session or a personal API token. Only the SHA-256 of the
// secret is stored, so a database leak does not hand out sessions.
type Token struct {
	ID        int64
	UserID    int64
	Kind      string
	Name      string // shown on the account page ("HP Android", "Chrome")
	Hash      string
	CreatedAt time.Time
	ExpiresAt time.Time
	Revoked   bool
}

// TokenStore keeps sessions and personal tokens.
type TokenStore interface {
	// CreateToken stores t and sets its ID.
	CreateToken(ctx context.Context, t *Token) error
	// FindToken returns the token with the hash; ENOTFOUND if none.
	FindToken(ctx context.Context, hash string) (*Token, error)
	// ListTokens returns a user's tokens that are not revoked, newest first.
	ListTokens(ctx context.Context, userID int64) ([]Token, error)
	// RevokeToken revokes one of the user's tokens; ENOTFOUND if the user
	// has no such token.
	RevokeToken(ctx context.Context, userID, id int64) error
}

// TokenUserFinder is implemented by token stores that can read a token
// and its account in one query; Authenticate, which runs on every
// authenticated request, then makes one round trip instead of two.
type TokenUserFinder interface {
	// FindTokenUser returns the token with the hash and the account it
	// belongs to; ENOTFOUND if there is no such token (or account).
	FindTokenUser(ctx context.Context, hash string) (*Token, *User, error)
}

// PhoneCodeStore keeps the one-time codes that confirm phone numbers.
type PhoneCodeStore interface {
	// SetPhoneCode replaces the user's pending code.
	SetPhoneCode(ctx context.Context, userID int64, hash string, expires time.Time) error
	// PhoneCode returns the pending code; ENOTFOUND when there is none.
	PhoneCode(ctx context.Context, userID int64) (hash string, expires time.Time, attempts int, err error)
	// AddPhoneCodeAttempt counts a wrong guess.
	AddPhoneCodeAttempt(ctx context.Context, userID int64) error
	// DeletePhoneCode removes the pending code.
	DeletePhoneCode(ctx context.Context, userID int64) error
}

// Hasher hashes and checks passwords (argon2id in package password).
type Hasher interface {
	Hash(password string) (string, error)
	// Check returns nil when password matches hash.
	Check(hash, password string) error
	Validate(password string) error
}

// Sealer protects NIKs at rest: Seal encrypts, Hash is a keyed hash for
// lookups (a plain hash of 16 digits with a known structure would be
// reversed by brute force).
type Sealer interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
	Hash(plain []byte) string
}

// Notifier sends a short message to a phone or email (the one-time code).
// Delivery is best effort here; the outbox of the notification work makes
// it durable.
type Notifier interface {
	Notify(ctx context.Context, to, subject, body string) error
}

// RegisterInput is a resident's sign-up.
type RegisterInput struct {
	NIK           string `json:"nik"`
	Name          string `json:"name"`
	Phone         string `json:"phone"`
	Email         string `json:"email"`
	Password      string `json:"password"`
	KelurahanCode string `json:"kelurahan_code"`
	Lang          string `json:"lang"`
}

// AuthService holds what accounts need beyond the stores.
type AuthService struct {
	Tokens     TokenStore
	PhoneCodes PhoneCodeStore
	Hasher     Hasher
	Sealer     Sealer
	Notifier   Notifier
	// Mailer sends one-time codes by email (a password reset by email)
	// and the links confirming residents' addresses; nil = no email.
	Mailer Notifier
	// BaseURL is the site's public address, for the links in emails.
	BaseURL string
	// Registry asks the civil registry about a NIK at sign-up
	// (registry.go); nil = the offline rules (OfflineRegistry).
	Registry NIKVerifier
	// ResetFloor is the least time a refused password reset takes,
	// whether or not the number is registered; 0 = DefaultResetFloor.
	ResetFloor time.Duration
}

// Register creates a resident account. A holder who lives in the city,
// by the civil registry's record or, without one, by a NIK first issued
// in the city, is a resident at once; any other gives an account whose
// domicile is unverified (an admin confirms it later). It then sends a
// one-time code to the phone, and a link to the email address, which
// waits for it (User.EmailPending).
//
// Errors: EINVALID with every field problem, or naming nik when the
// civil registry does not know the NIK or the name (registry.go);
// ECONFLICT when the NIK or phone is registered (without saying by whom).
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
	var v Validation
	nik, err := ParseNIK(in.NIK, s.Wilayah, s.now().In(WIB))
	if err != nil {
		v.AddError("nik", err)
	}
	name := cleanName(&v, in.Name)
	phone, err := NormalizePhone(in.Phone)
	if err != nil {
		v.AddError("phone", err)
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		v.AddError("email", err)
	}
	if err := s.Auth.Hasher.Validate(in.Password); err != nil {
		v.AddError("password", err)
	}
	if _, ok := s.CityKelurahan(in.KelurahanCode); !ok {
		v.Add("kelurahan_code", "Pilih kelurahan tempat tinggal Anda di Kota Pasuruan.")
	}
	lang := in.Lang
	if lang != "en" {
		lang = "id"
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	inCity, err := s.checkRegistry(ctx, nik, name)
	if err != nil {
		return nil, err
	}
	hash, err := s.Auth.Hasher.Hash(in.Password)
	if err != nil {
		return nil, Internal(err)
	}
	sealed, err := s.Auth.Sealer.Seal([]byte(nik.Digits()))
	if err != nil {
		return nil, Internal(err)
	}
	u := &User{
		Role: RoleWarga, Name: name, EmailPending: email, Phone: phone,
		NIKHash: s.Auth.Sealer.Hash([]byte(nik.Digits())), NIKSealed: sealed, NIKMasked: nik.Masked(),
		KelurahanCode: in.KelurahanCode, DomicileVerified: inCity,
		PasswordHash: hash, Lang: lang, CreatedAt: s.now(),
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	// The account exists whatever happens to the messages: the
	// resident asks for a new code, or a new link, later.
	_ = s.SendPhoneCode(ctx, u)
	if u.EmailPending != "" {
		_ = s.SendEmailLink(ctx, u)
	}
	return u, nil
}

// PhoneCodeTTL is how long a one-time code is valid.
const PhoneCodeTTL = 15 * time.Minute

// maxCodeAttempts is how many wrong codes end a code.
const maxCodeAttempts = 5

// SendPhoneCode creates a new six-digit code for u's phone and sends it.
func (s *Service) SendPhoneCode(ctx context.Context, u *User) error {
	if u.Phone == "" {
		return FieldError("phone", "Akun ini tidak punya nomor HP.")
	}
	return s.sendCode(ctx, u, codeConfirm, inLang(u, "Kode konfirmasi E-Sambat Anda: %s. Berlaku 15 menit. Jangan berikan kode ini kepada siapa pun.",
		"Your E-Sambat confirmation code: %s. Valid for 15 minutes. Do not give this code to anyone."))
}

// A one-time code is hashed with its purpose, so that a code sent to
// confirm a phone cannot set a password, nor the other way round.
const (
	codeConfirm = "otp:"
	codeReset   = "reset:"
)

// sendCode creates a new six-digit code for purpose, replacing any code
// pending for u, and sends it to u's phone in message (one %s).
func (s *Service) sendCode(ctx context.Context, u *User, purpose, message string) error {
	return s.sendCodeBy(ctx, u, purpose, s.Auth.Notifier, u.Phone, "Kode E-Sambat", message)
}

// sendCodeBy is sendCode through n to the address to, with subject.
func (s *Service) sendCodeBy(ctx context.Context, u *User, purpose string, n Notifier, to, subject, message string) error {
	num, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return Internal(err)
	}
	code := fmt.Sprintf("%06d", num.Int64())
	if err := s.Auth.PhoneCodes.SetPhoneCode(ctx, u.ID, s.Auth.Sealer.Hash([]byte(purpose+code)), s.now().Add(PhoneCodeTTL)); err != nil {
		return err
	}
	if n == nil {
		return nil
	}
	return n.Notify(ctx, to, subject, fmt.Sprintf(message, code))
}

// checkCode checks code against the code pending for userID for purpose.
// Wrong codes are counted; after five the code is void and a new one must
// be requested. The code stays pending: the caller deletes it once what
// it allowed is done.
func (s *Service) checkCode(ctx context.Context, userID int64, purpose, code string) error {
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return FieldError("code", "Kode terdiri dari 6 angka.")
	}
	hash, expires, attempts, err := s.Auth.PhoneCodes.PhoneCode(ctx, userID)
	if ErrorCode(err) == ENOTFOUND {
		return FieldError("code", "Tidak ada kode yang menunggu. Minta kode baru.")
	} else if err != nil {
		return err
	}
	if !s.now().Before(expires) || attempts >= maxCodeAttempts {
		return FieldError("code", "Kode sudah kedaluwarsa. Minta kode baru.")
	}
	want := s.Auth.Sealer.Hash([]byte(purpose + code))
	if subtle.ConstantTimeCompare([]byte(want), []byte(hash)) != 1 {
		if err := s.Auth.PhoneCodes.AddPhoneCodeAttempt(ctx, userID); err != nil {
			return err
		}
		return FieldError("code", "Kode salah.")
	}
	return nil
}

// VerifyPhone confirms u's phone with code. Wrong codes are counted; after
// five the code is void and a new one must be requested.
func (s *Service) VerifyPhone(ctx context.Context, userID int64, code string) error {
	if err := s.checkCode(ctx, userID, codeConfirm, code); err != nil {
		return err
	}
	u, err := s.Users.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	u.PhoneConfirmed = true
	if err := s.Users.UpdateUser(ctx, u); err != nil {
		return err
	}
	return s.Auth.PhoneCodes.DeletePhoneCode(ctx, userID)
}

// Login checks credentials. login is an email address or a phone number in
// any common Indonesian form. The error is the same for an unknown account
// and a wrong password, so it does not reveal who is registered.
func (s *Service) Login(ctx context.Context, login, password string) (*User, error) {
	bad := Errorf(EUNAUTHORIZED, "Email/nomor HP atau kata sandi salah.")
	login = strings.TrimSpace(login)
	if login == "" || password == "" || len(password) > 1024 {
		return nil, bad
	}
	if strings.Contains(login, "@") {
		login = strings.ToLower(login)
	} else if p, err := NormalizePhone(login); err == nil {
		login = p
	}
	u, err := s.Users.FindUserByLogin(ctx, login)
	if ErrorCode(err) == ENOTFOUND {
		// Spend the same time as a real check so timing does not tell.
		_ = s.Auth.Hasher.Check(dummyHash, password)
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	if err := s.Auth.Hasher.Check(u.PasswordHash, password); err != nil {
		return nil, bad
	}
	if u.Disabled {
		return nil, Errorf(EUNAUTHORIZED, "Akun ini dinonaktifkan. Hubungi admin.")
	}
	return u, nil
}

// dummyHash is checked against when the account does not exist.
var dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0000000000000000000000000000000000000000000"

// IssueToken creates a session or bearer token for u and returns the
// secret, which is never stored.
func (s *Service) IssueToken(ctx context.Context, u *User, kind, name string, ttl time.Duration) (string, *Token, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, Internal(err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	if kind == TokenBearer {
		secret = "esb_" + secret
	}
	now := s.now()
	if utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return "", nil, FieldError("name", "Nama token maksimal 100 karakter.")
	}
	t := &Token{UserID: u.ID, Kind: kind, Name: strings.TrimSpace(name), Hash: TokenHash(secret), CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	if err := s.Auth.Tokens.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// TokenHash is the stored form of a token secret.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the actor and user behind a token secret.
// EUNAUTHORIZED for unknown, revoked or expired tokens and disabled users.
func (s *Service) Authenticate(ctx context.Context, secret, kind string) (*Actor, *User, error) {
	bad := Errorf(EUNAUTHORIZED, "Sesi tidak valid atau sudah berakhir. Silakan masuk lagi.")
	if secret == "" || len(secret) > 200 {
		return nil, nil, bad
	}
	var t *Token
	var u *User
	var err error
	if f, ok := s.Auth.Tokens.(TokenUserFinder); ok {
		t, u, err = f.FindTokenUser(ctx, TokenHash(secret))
	} else {
		t, err = s.Auth.Tokens.FindToken(ctx, TokenHash(secret))
	}
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, bad
	} else if err != nil {
		// The database failing is not a bad session: answering
		// EUNAUTHORIZED would log the resident out (the cookie is cleared).
		return nil, nil, err
	}
	if t.Revoked || t.Kind != kind || (!t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt)) {
		return nil, nil, bad
	}
	if u == nil {
		u, err = s.Users.FindUserByID(ctx, t.UserID)
		if ErrorCode(err) == ENOTFOUND {
			return nil, nil, bad
		} else if err != nil {
			return nil, nil, err
		}
	}
	if u.Disabled {
		return nil, nil, bad
	}
	return &Actor{UserID: u.ID, Role: u.Role, AgencyCode: u.AgencyCode, user: u}, u, nil
}

// inLang is the message in the account's language: id, or en for an
// account that chose English (User.Lang). The one-time messages are
// written here rather than through the pages' translations: they go out
// by SMS and email, away from any page.
func inLang(u *User, id, en string) string {
	if u.Lang == "en" {
		return en
	}
	return id
}
