package http_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
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

// TestAdminAsksRegistry: an admin asks the civil registry about a
// resident whose domicile waits: a record in the city confirms it, named
// in the history; a record elsewhere, an unknown NIK or a registry that
// does not answer leave it waiting with what happened in words; without
// a registry there is no button, and the API says why.
func TestAdminAsksRegistry(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	var answer esambat.RegistryAnswer
	var fail error
	var asked []string
	e.svc.Auth.Registry = registryFunc(func(nik esambat.NIK, name string) (esambat.RegistryAnswer, error) {
		asked = append(asked, nik.Digits()+" "+name)
		return answer, fail
	})
	fail = errors.New("dukcapil: 503 Service Unavailable") // down at sign-up
	e.resident(nikLuar, "081234567871")
	u, err := e.db.FindUserByLogin(context.Background(), "+6281234567871")
	if err != nil || u.DomicileVerified {
		t.Fatalf("signed up while the registry was down: %+v, %v", u, err)
	}
	acct := "/admin/pengguna/" + strconv.FormatInt(u.ID, 10)
	b := e.signIn("admin@example.org", "kata-sandi-staf")
	p := b.get(acct)
	if !strings.Contains(p.Body, `action="`+acct+`/dukcapil"`) {
		t.Fatal("the resident's page offers no question to the registry")
	}
	ask := func() page {
		t.Helper()
		return b.post(acct+"/dukcapil", url.Values{"csrf": {find(t, csrfRe, p.Body)}})
	}
	fail = nil
	for _, c := range []struct {
		ans    esambat.RegistryAnswer
		fail   error
		status int
		want   string
	}{
		{esambat.RegistryAnswer{Found: true, NameMatches: true, KabKota: "35.14"}, nil, 409, "berdomisili di luar Kota Pasuruan (kode wilayah 35.14)"},
		{esambat.RegistryAnswer{}, nil, 409, "tidak mengenal NIK akun ini"},
		{esambat.RegistryAnswer{Found: true}, nil, 409, "dengan nama lain"},
		{esambat.RegistryAnswer{}, errors.New("timeout"), 503, "Data kependudukan tidak menjawab"},
	} {
		answer, fail = c.ans, c.fail
		r := ask()
		if r.Status != c.status || !strings.Contains(r.Body, c.want) {
			t.Errorf("registry %+v / %v = %d, want %d with %q", c.ans, c.fail, r.Status, c.status, c.want)
		}
		if !strings.Contains(r.Body, `value="Warga `+nikLuar[12:]+`"`) {
			t.Error("after the registry's answer, the account's form lost the name")
		}
	}
	if u, _ := e.db.FindUserByID(context.Background(), u.ID); u.DomicileVerified {
		t.Fatal("the domicile was confirmed without a record in the city")
	}
	answer, fail = esambat.RegistryAnswer{Found: true, NameMatches: true, KabKota: "35.75"}, nil
	if r := ask(); r.Status != 303 {
		t.Fatalf("a record in the city = %d", r.Status)
	}
	if u, _ := e.db.FindUserByID(context.Background(), u.ID); !u.DomicileVerified {
		t.Error("a record in the city did not confirm the domicile")
	}
	if p := b.get(acct); !strings.Contains(p.Body, "menurut data kependudukan (Dispendukcapil)") || strings.Contains(p.Body, "/dukcapil") {
		t.Error("the history does not name the registry, or the button stayed")
	}
	if len(asked) == 0 || asked[len(asked)-1] != nikLuar+" Warga "+nikLuar[12:] {
		t.Errorf("the registry was asked %q: want the stored NIK and the account's name", asked)
	}
	// The API; without a registry, it says so.
	path := "/api/v1/users/" + strconv.FormatInt(u.ID, 10) + "/domicile-check"
	if r := e.do("POST", path, admin, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"domicile_verified":true`) {
		t.Errorf("the API on a confirmed account = %d %s", r.Status, r.Body)
	}
	e.svc.Auth.Registry = nil
	if r := e.do("POST", "/api/v1/users/"+strconv.FormatInt(u.ID+99, 10)+"/domicile-check", admin, nil); r.Status != 404 {
		t.Errorf("no such account = %d", r.Status)
	}
	e.resident("3171014506850010", "081234567873")
	o, _ := e.db.FindUserByLogin(context.Background(), "+6281234567873")
	if r := e.do("POST", "/api/v1/users/"+strconv.FormatInt(o.ID, 10)+"/domicile-check", admin, nil); r.Status != 409 || !strings.Contains(string(r.Body), "tidak terhubung ke data kependudukan") {
		t.Errorf("without a registry = %d %s", r.Status, r.Body)
	}
	if p := b.get("/admin/pengguna/" + strconv.FormatInt(o.ID, 10)); strings.Contains(p.Body, "/dukcapil") {
		t.Error("the page offers the registry when there is none")
	}
}
