package http_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

// registryFunc is a civil registry made of a function.
type registryFunc func(nik esambat.NIK, name string) (esambat.RegistryAnswer, error)

func (f registryFunc) VerifyNIK(_ context.Context, nik esambat.NIK, name string) (esambat.RegistryAnswer, error) {
	return f(nik, name)
}

// TestSignUpAsksTheRegistry: with a civil registry, its record decides
// sign-up: an unknown NIK and a name that does not match are refused
// with one message, and the domicile on record, not the NIK's digits,
// decides whether the account is a resident's at once; a registry that
// cannot answer leaves the decision to the digits.
func TestSignUpAsksTheRegistry(t *testing.T) {
	e := newEnv(t)
	record := map[string]esambat.RegistryAnswer{
		nikLuar:  {Found: true, NameMatches: true, KabKota: "35.75"}, // issued in Jakarta, lives in the city now
		nikKota:  {Found: true, NameMatches: true, KabKota: "35.14"}, // issued in the city, moved to the Kabupaten
		nikKota2: {Found: true, NameMatches: false},
	}
	var asked []string
	down := false
	e.svc.Auth.Registry = registryFunc(func(nik esambat.NIK, name string) (esambat.RegistryAnswer, error) {
		asked = append(asked, name)
		if down {
			return esambat.RegistryAnswer{}, errors.New("dukcapil: 503 Service Unavailable")
		}
		return record[nik.Digits()], nil
	})
	register := func(nik, phone string) response {
		t.Helper()
		return e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nik, "name": "Dewi Lestari", "phone": phone,
			"password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"})
	}
	verified := func(r response) bool {
		t.Helper()
		var u struct {
			DomicileVerified bool `json:"domicile_verified"`
		}
		r.json(t, &u)
		return u.DomicileVerified
	}

	unknown := register("3575014107000005", "081234567861") // a well-formed NIK the registry does not know
	mismatched := register(nikKota2, "081234567862")
	for name, r := range map[string]response{"an unknown NIK": unknown, "a name that does not match": mismatched} {
		if r.Status != 400 || r.errCode() != esambat.EINVALID || !strings.Contains(string(r.Body), "tidak cocok dengan data kependudukan") {
			t.Errorf("%s = %d %s", name, r.Status, r.Body)
		}
	}
	if string(unknown.Body) != string(mismatched.Body) {
		t.Errorf("the two refusals differ, telling which NIKs exist:\n%s\n%s", unknown.Body, mismatched.Body)
	}
	if r := register(nikLuar, "081234567863"); r.Status != 201 || !verified(r) {
		t.Errorf("a Jakarta NIK living in the city = %d %s, want a resident at once", r.Status, r.Body)
	}
	if r := register(nikKota, "081234567864"); r.Status != 201 || verified(r) {
		t.Errorf("a city NIK living outside = %d %s, want the domicile unverified", r.Status, r.Body)
	}
	// Down: the digits decide, as without a registry.
	down = true
	if r := register("3575024506920011", "081234567865"); r.Status != 201 || !verified(r) {
		t.Errorf("a city NIK with the registry down = %d %s", r.Status, r.Body)
	}
	if r := register("3171014506850010", "081234567866"); r.Status != 201 || verified(r) {
		t.Errorf("a Jakarta NIK with the registry down = %d %s", r.Status, r.Body)
	}
	// A form with other mistakes is not sent to the registry.
	n := len(asked)
	if r := e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nikLuar, "name": "Dewi", "phone": "bukan nomor",
		"password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}); r.Status != 400 || len(asked) != n {
		t.Errorf("a form with a bad phone = %d, asked the registry %d times", r.Status, len(asked)-n)
	}
}
