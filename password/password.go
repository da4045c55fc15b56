// Package password hashes and checks account passwords with argon2id (the
// OWASP recommendation), stored in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so that parameters can be
// raised later without breaking existing hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/esambat/esambat"
	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default is OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): about
// 20–40 ms on a small server, which login throttling keeps affordable.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// MinLength and MaxLength bound passwords in characters. The maximum
// keeps hashing cheap against huge inputs.
const (
	MinLength = 8
	MaxLength = 128
)

// Validate checks a new password and returns EINVALID naming "password".
func Validate(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return esambat.FieldError("password", "Kata sandi berisi karakter yang tidak valid.")
	case n < MinLength:
		return esambat.FieldError("password", fmt.Sprintf("Kata sandi minimal %d karakter.", MinLength))
	case n > MaxLength:
		return esambat.FieldError("password", fmt.Sprintf("Kata sandi maksimal %d karakter.", MaxLength))
	}
	return nil
}

// Hash returns the PHC-format argon2id hash of pw with a random salt.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// ErrMismatch is returned by Check when the password is wrong.
var ErrMismatch = errors.New("password: mismatch")

// Check compares pw with a PHC hash in constant time. It returns
// ErrMismatch for a wrong password and another error for a malformed hash.
func Check(hash, pw string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("password: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return errors.New("password: unsupported argon2 version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return errors.New("password: bad parameters")
	}
	if p.Memory > 1<<22 || p.Time > 100 || p.Threads == 0 {
		return errors.New("password: parameters out of range")
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return errors.New("password: bad salt")
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return errors.New("password: bad hash")
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// Generate returns a random password of n characters from an alphabet
// without look-alikes (no 0/O, 1/l/I), for accounts created on the
// command line.
func Generate(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	r := make([]byte, n)
	if _, err := rand.Read(r); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(r[i])%len(alphabet)]
	}
	return string(b)
}

// Hasher adapts this package to esambat.Hasher.
type Hasher struct{ Params Params }

// Hash implements esambat.Hasher.
func (h Hasher) Hash(pw string) (string, error) { return Hash(pw, h.Params) }

// Check implements esambat.Hasher.
func (h Hasher) Check(hash, pw string) error { return Check(hash, pw) }

// Validate implements esambat.Hasher.
func (h Hasher) Validate(pw string) error { return Validate(pw) }
