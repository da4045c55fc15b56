package password_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/password"
)

// fast keeps the tests quick; production uses password.Default.
var fast = password.Params{Memory: 64, Time: 1, Threads: 1}

func TestHashCheck(t *testing.T) {
	h, err := password.Hash("rahasia-sekali", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not PHC argon2id", h)
	}
	if err := password.Check(h, "rahasia-sekali"); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := password.Check(h, "rahasia-sekalI"); !errors.Is(err, password.ErrMismatch) {
		t.Errorf("wrong password: %v, want ErrMismatch", err)
	}
	h2, _ := password.Hash("rahasia-sekali", fast)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA", "plain"} {
		if err := password.Check(bad, "x"); err == nil || errors.Is(err, password.ErrMismatch) {
			t.Errorf("Check(%q) = %v, want a malformed-hash error", bad, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for pw, code := range map[string]string{
		"pendek":                 esambat.EINVALID,
		"cukup-panjang":          "",
		strings.Repeat("a", 129): esambat.EINVALID,
		"abc\xffdefgh":           esambat.EINVALID,
	} {
		if got := esambat.ErrorCode(password.Validate(pw)); got != code {
			t.Errorf("Validate(%q) = %q, want %q", pw, got, code)
		}
	}
}

func TestGenerate(t *testing.T) {
	a, b := password.Generate(16), password.Generate(16)
	if len(a) != 16 || a == b || strings.ContainsAny(a, "0O1lI") {
		t.Errorf("Generate = %q, %q", a, b)
	}
	if password.Validate(a) != nil {
		t.Errorf("generated password %q fails Validate", a)
	}
}
