package http_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

// TestResidentUpdatesProfile: a resident changes their own name and
// kelurahan freely, and their number or email only with the current
// password; a new number is unconfirmed until its code comes back. The
// history says the resident made the changes.
func TestResidentUpdatesProfile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok := e.resident(nikKota, "081234567811")
	if r := e.do("POST", "/api/v1/auth/verify-phone", tok, map[string]string{"code": e.lastCode("+6281234567811")}); r.Status != 200 {
		t.Fatalf("verify phone = %d %s", r.Status, r.Body)
	}
	e.resident(nikKota2, "081234567812")
	e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	first, err := e.db.FindUserByLogin(ctx, "+6281234567811")
	if err != nil {
		t.Fatal(err)
	}
	b := e.signIn("081234567811", "kata-sandi-rahasia")
	p := b.get("/akun")
	if !strings.Contains(p.Body, `action="/akun/data"`) || !strings.Contains(p.Body, `value="&#43;6281234567811"`) || !strings.Contains(p.Body, `value="35.75.02.1001" selected`) {
		t.Fatal("the account page has no form with the resident's current values")
	}
	csrf := find(t, csrfRe, p.Body)
	post := func(form url.Values) page {
		t.Helper()
		form.Set("csrf", csrf)
		return b.post("/akun/data", form)
	}
	form := func(name, phone, email, kel, current string) url.Values {
		return url.Values{"name": {name}, "phone": {phone}, "email": {email}, "kelurahan_code": {kel}, "profile_current": {current}}
	}
	user := func() *esambat.User {
		t.Helper()
		u, err := e.db.FindUserByID(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	// The name and the kelurahan, without the password.
	if p := post(form("Siti  Rahayu", "081234567811", "", "35.75.01.1001", "")); p.Status != 303 || p.Location != "/akun" {
		t.Fatalf("name and kelurahan = %d %s", p.Status, p.Location)
	}
	if u := user(); u.Name != "Siti Rahayu" || u.KelurahanCode != "35.75.01.1001" || !u.PhoneConfirmed {
		t.Errorf("after the change: %q %q, phone confirmed %v", u.Name, u.KelurahanCode, u.PhoneConfirmed)
	}
	if p := b.get("/akun"); !strings.Contains(p.Body, "<dt>Kelurahan</dt><dd>Karangketug</dd>") || !strings.Contains(p.Body, "nama: Warga 0001 → Siti Rahayu; kelurahan: Pohjentrek → Karangketug") || !strings.Contains(p.Body, `<td data-label="Oleh">Anda</td>`) {
		t.Error("the history does not show the resident's own change, by them")
	}

	// A new number or email needs the current password.
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"a new number without the password", form("Siti Rahayu", "0813 9999 0011", "", "35.75.01.1001", ""), `id="e-profile_current"`},
		{"a new email with a wrong password", form("Siti Rahayu", "081234567811", "siti@example.org", "35.75.01.1001", "salah-sekali"), `id="e-profile_current"`},
		{"another resident's number", form("Siti Rahayu", "081234567812", "", "35.75.01.1001", "kata-sandi-rahasia"), "sudah dipakai akun lain"},
		{"a kelurahan of the Kabupaten", form("Siti Rahayu", "081234567811", "", "35.14.01.2001", ""), `id="e-kelurahan_code"`},
		{"markup in the name, a bad email", form("<script>x</script>", "081234567811", "bukan email", "35.75.01.1001", ""), `id="e-email"`},
	} {
		p := post(c.form)
		if p.Status != 400 || !strings.Contains(p.Body, c.want) || strings.Contains(p.Body, "kata-sandi-rahasia") || strings.Contains(p.Body, "salah-sekali") {
			t.Errorf("%s = %d, want 400 with %s and no password echoed", c.name, p.Status, c.want)
		}
	}
	if u := user(); u.Phone != "+6281234567811" || u.Email != "" || !u.PhoneConfirmed {
		t.Errorf("a refused change was stored: %q %q confirmed %v", u.Phone, u.Email, u.PhoneConfirmed)
	}

	// With the password: the new number is unconfirmed and gets a code.
	p = post(form("Siti Rahayu", "0813 9999 0011", "Siti@Example.org", "35.75.01.1001", "kata-sandi-rahasia"))
	if p.Status != 303 || p.Location != "/verifikasi-hp" {
		t.Fatalf("a new number = %d %s, want the confirmation page", p.Status, p.Location)
	}
	u := user()
	if u.Phone != "+6281399990011" || u.PhoneConfirmed || u.Email != "" || u.EmailPending != "siti@example.org" {
		t.Errorf("after the new number: %q confirmed %v, %q waiting %q", u.Phone, u.PhoneConfirmed, u.Email, u.EmailPending)
	}
	code := e.lastCode("+6281399990011")
	vp := b.get("/verifikasi-hp")
	if r := b.post("/verifikasi-hp", url.Values{"csrf": {find(t, csrfRe, vp.Body)}, "code": {code}}); r.Status != 303 {
		t.Errorf("confirming the new number = %d", r.Status)
	}
	if u := user(); !u.PhoneConfirmed {
		t.Error("the new number is not confirmed after its code")
	}
	if p := b.get("/akun"); !strings.Contains(p.Body, "nomor HP: &#43;62812****7811 → &#43;62813****0011 (belum terkonfirmasi); email: — → s***@example.org (belum terkonfirmasi)") || strings.Contains(p.Body, "siti@example.org (belum terkonfirmasi)") {
		t.Error("the history does not show the new number and email masked")
	}

	// Staff change their accounts through an admin.
	staff := e.signIn("pupr@example.org", "kata-sandi-staf")
	sp := staff.get("/akun")
	if strings.Contains(sp.Body, `action="/akun/data"`) {
		t.Error("a staff account page offers the resident's form")
	}
	if p := staff.post("/akun/data", url.Values{"csrf": {find(t, csrfRe, sp.Body)}, "name": {"Naik"}}); p.Status != 404 {
		t.Errorf("a staff member posting the resident's form = %d, want 404", p.Status)
	}
	if n, broken, err := esambat.VerifyChains(ctx, e.db); err != nil || broken != nil {
		t.Errorf("the account history's chain after %d events: %v, %v", n, broken, err)
	}
}

// TestProfileAPI: PUT /api/v1/me, the same rules for apps.
func TestProfileAPI(t *testing.T) {
	e := newEnv(t)
	tok := e.resident(nikKota, "081234567821")
	body := func(email, current string) map[string]string {
		return map[string]string{"name": "Warga 0001", "phone": "081234567821", "email": email, "kelurahan_code": "35.75.02.1001", "current": current}
	}
	if r := e.do("PUT", "/api/v1/me", tok, body("budi@example.org", "")); r.Status != 400 || r.errCode() != esambat.EINVALID || !strings.Contains(string(r.Body), `"current"`) {
		t.Errorf("a new email without the password = %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", "/api/v1/me", tok, body("budi@example.org", "kata-sandi-rahasia")); r.Status != 200 || !strings.Contains(string(r.Body), `"email_pending":"budi@example.org"`) ||
		strings.Contains(string(r.Body), `"email":`) {
		t.Errorf("a new email = %d %s, want it waiting for its link", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); !strings.Contains(string(r.Body), `"email_pending":"budi@example.org"`) {
		t.Errorf("GET /api/v1/me after the change: %s", r.Body)
	}
	if r := e.do("PUT", "/api/v1/me", "", body("", "")); r.Status != 401 {
		t.Errorf("without a token = %d", r.Status)
	}
	if r := e.do("PUT", "/api/v1/me", tok, map[string]any{"name": 5}); r.Status != 400 {
		t.Errorf("a number as the name = %d", r.Status)
	}
}

// TestMyDataExport: a resident downloads a copy of what the city keeps
// about them: their account (the NIK masked), every report they sent
// with its history (a rahasia one too), the changes to the account with
// staff unnamed, and the devices; nothing of another resident's, and no
// password or token hash. Staff and strangers get none.
func TestMyDataExport(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	tok := e.resident(nikLuar, "081234567831")
	other := e.resident(nikKota2, "081234567832")
	in, _ := e.points()
	open := e.submit(tok, report(in[0], in[1]))
	secret := e.submit(tok, report(in[0], in[1], func(m map[string]any) { m["visibility"] = "rahasia"; m["title"] = "Pungutan liar di loket" }))
	theirs := e.submit(other, report(in[0], in[1], func(m map[string]any) { m["title"] = "Laporan warga lain" }))
	e.verify(admin, open, "dinas-pupr")
	u, err := e.db.FindUserByLogin(context.Background(), "+6281234567831")
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", "/api/v1/users/"+strconv.FormatInt(u.ID, 10)+"/domicile", admin, nil); r.Status != 200 {
		t.Fatalf("confirm domicile = %d", r.Status)
	}

	b := e.signIn("081234567831", "kata-sandi-rahasia")
	if p := b.get("/akun"); !strings.Contains(p.Body, `href="/akun/unduh"`) {
		t.Error("the account page does not offer the download")
	}
	p := b.get("/akun/unduh")
	if p.Status != 200 || !strings.HasPrefix(p.Header.Get("Content-Disposition"), `attachment; filename="e-sambat-data-saya-`) || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download = %d, %q, %q", p.Status, p.Header.Get("Content-Disposition"), p.Header.Get("Cache-Control"))
	}
	var d struct {
		Account struct {
			Name      string `json:"name"`
			NIK       string `json:"nik_masked"`
			Kelurahan struct{ Code string }
		}
		Reports []struct {
			Ticket     string
			Title      string
			Visibility string
			Events     []struct{ Action string }
		}
		History []struct{ Action, By string } `json:"account_history"`
		Devices []struct{ Kind string }
	}
	if err := json.Unmarshal([]byte(p.Body), &d); err != nil {
		t.Fatalf("the download is not JSON: %v", err)
	}
	if d.Account.NIK != u.NIKMasked || d.Account.Kelurahan.Code != "35.75.02.1001" {
		t.Errorf("account = %+v", d.Account)
	}
	tickets := map[string]int{}
	for _, r := range d.Reports {
		tickets[r.Ticket] = len(r.Events)
	}
	if len(d.Reports) != 2 || tickets[open] < 2 || tickets[secret] < 1 {
		t.Errorf("reports = %v: want %s with its verification and the rahasia %s, each with events", tickets, open, secret)
	}
	if len(d.History) != 1 || d.History[0].Action != esambat.AccountDomicileVerified || d.History[0].By != "admin" {
		t.Errorf("history = %+v, want the domicile confirmed by an unnamed admin", d.History)
	}
	if len(d.Devices) < 2 {
		t.Errorf("devices = %+v, want the registration's token and this browser", d.Devices)
	}
	for _, leak := range []string{nikLuar, theirs, "Laporan warga lain", "$argon2", "Staf admin@example.org", "password_hash", `"hash"`} {
		if strings.Contains(p.Body, leak) {
			t.Errorf("the download holds %q", leak)
		}
	}
	if r := e.do("GET", "/api/v1/me/export", tok, nil); r.Status != 200 || !strings.Contains(string(r.Body), secret) {
		t.Errorf("the API's export = %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/me/export", admin, nil); r.Status != 404 {
		t.Errorf("an admin's export = %d, want 404", r.Status)
	}
	if r := e.do("GET", "/api/v1/me/export", "", nil); r.Status != 401 {
		t.Errorf("a stranger's export = %d, want 401", r.Status)
	}
	if p := e.browser().get("/akun/unduh"); p.Status != 303 {
		t.Errorf("the download without signing in = %d, want the sign-in page", p.Status)
	}
}

// TestResidentClosesAccount: with the password and an explicit yes, a
// resident closes their account: signed out everywhere, unable to sign
// in, their report still public under the closed name, their identity
// free to register again; admins cannot reopen it.
func TestResidentClosesAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	tok := e.resident(nikKota, "081234567841")
	in, _ := e.points()
	ticket := e.submit(tok, report(in[0], in[1]))
	e.verify(admin, ticket, "dinas-pupr")
	u, err := e.db.FindUserByLogin(ctx, "+6281234567841")
	if err != nil {
		t.Fatal(err)
	}
	b := e.signIn("081234567841", "kata-sandi-rahasia")
	p := b.get("/akun")
	if !strings.Contains(p.Body, `action="/akun/tutup"`) {
		t.Fatal("the account page does not offer closing the account")
	}
	csrf := find(t, csrfRe, p.Body)
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"without the yes", url.Values{"close_current": {"kata-sandi-rahasia"}}, `id="e-confirm"`},
		{"with a wrong password", url.Values{"close_current": {"salah-sekali"}, "confirm": {"1"}}, `id="e-close_current"`},
	} {
		c.form.Set("csrf", csrf)
		if p := b.post("/akun/tutup", c.form); p.Status != 400 || !strings.Contains(p.Body, c.want) || !strings.Contains(p.Body, `href="#f-`+strings.TrimSuffix(strings.TrimPrefix(c.want, `id="e-`), `"`)+`"`) {
			t.Errorf("closing %s = %d, want 400 with %s", c.name, p.Status, c.want)
		}
	}
	if got, _ := e.db.FindUserByID(ctx, u.ID); got.Closed() {
		t.Fatal("a refused closing closed the account")
	}
	p = b.post("/akun/tutup", url.Values{"csrf": {csrf}, "close_current": {"kata-sandi-rahasia"}, "confirm": {"1"}})
	if p.Status != 303 || p.Location != "/" {
		t.Fatalf("closing = %d %s", p.Status, p.Location)
	}
	if p := b.get("/akun"); p.Status != 303 {
		t.Errorf("the browser is still signed in after closing: %d", p.Status)
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.Status != 401 {
		t.Errorf("the API token still works after closing: %d", r.Status)
	}
	if p := e.browser().post("/masuk", url.Values{"login": {"081234567841"}, "password": {"kata-sandi-rahasia"}}); p.Status == 303 {
		t.Error("the closed account signs in")
	}
	if p := e.browser().get("/laporan/" + ticket); p.Status != 200 || !strings.Contains(p.Body, esambat.ClosedName) || strings.Contains(p.Body, "Warga 0001") {
		t.Errorf("the public report = %d: want it kept, under %q", p.Status, esambat.ClosedName)
	}
	// Admins cannot bring it back.
	id := strconv.FormatInt(u.ID, 10)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/users/" + id + "/enable", nil},
		{"POST", "/api/v1/users/" + id + "/password", map[string]bool{"identity_checked": true}},
		{"PUT", "/api/v1/users/" + id, map[string]string{"name": "Hidup Lagi", "phone": "081234567841"}},
	} {
		if r := e.do(c.method, c.path, admin, c.body); r.Status != 409 || r.errCode() != esambat.ECONFLICT {
			t.Errorf("%s %s on a closed account = %d %s, want 409", c.method, c.path, r.Status, r.Body)
		}
	}
	adminWeb := e.signIn("admin@example.org", "kata-sandi-staf")
	if p := adminWeb.get("/admin/pengguna?tab=warga"); !strings.Contains(p.Body, "ditutup pemiliknya") || strings.Contains(p.Body, `href="/admin/pengguna/`+id+`"`) {
		t.Error("the residents' list does not mark the closed account, or offers to change it")
	}
	if p := adminWeb.get("/admin/pengguna/" + id); p.Status != 200 || strings.Contains(p.Body, `action="/admin/pengguna/`+id+`/sandi"`) || !strings.Contains(p.Body, "akun ditutup oleh pemiliknya") {
		t.Error("the closed account's page offers changes, or its history lacks the closing")
	}
	// The same person registers again.
	if r := e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nikKota, "name": "Warga Baru", "phone": "081234567841",
		"password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}); r.Status != 201 {
		t.Errorf("registering again = %d %s", r.Status, r.Body)
	}
	// The API's way, and who may use it.
	tok2 := e.resident(nikKota2, "081234567842")
	if r := e.do("DELETE", "/api/v1/me", tok2, map[string]any{"current": "kata-sandi-rahasia"}); r.Status != 400 || !strings.Contains(string(r.Body), `"confirm"`) {
		t.Errorf("DELETE /api/v1/me without confirm = %d %s", r.Status, r.Body)
	}
	if r := e.do("DELETE", "/api/v1/me", admin, map[string]any{"current": "kata-sandi-staf", "confirm": true}); r.Status != 404 {
		t.Errorf("an admin closing their own account = %d, want 404", r.Status)
	}
	if r := e.do("DELETE", "/api/v1/me", tok2, map[string]any{"current": "kata-sandi-rahasia", "confirm": true}); r.Status != 200 {
		t.Errorf("DELETE /api/v1/me = %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", tok2, nil); r.Status != 401 {
		t.Errorf("the token after DELETE /api/v1/me = %d", r.Status)
	}
	if n, broken, err := esambat.VerifyChains(ctx, e.db); err != nil || broken != nil {
		t.Errorf("chains after closing (%d events): %v, %v", n, broken, err)
	}
}
