package http_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

var (
	shownRe   = regexp.MustCompile(`id="shown-password">([^<]+)<`)
	historyRe = regexp.MustCompile(`<td data-label="Akun">([^<]*)</td><td data-label="Perubahan">([^<]*)</td><td data-label="Oleh">([^<]*)</td>`)
)

// listPart is the accounts page before its history of changes.
func listPart(body string) string {
	if i := strings.Index(body, `id="account-history"`); i >= 0 {
		return body[:i]
	}
	return body
}

// signIn is a browser signed in with login and pw.
func (e *env) signIn(login, pw string) *browser {
	e.t.Helper()
	b := e.browser()
	if p := b.post("/masuk", url.Values{"login": {login}, "password": {pw}}); p.Status != 303 {
		e.t.Fatalf("sign-in as %s = %d", login, p.Status)
	}
	return b
}

// TestAdminManagesAccounts walks the admins' accounts page: who may see
// it, a staff account made with a password shown once, a forgotten staff
// password replaced, an account turned off and on, and a resident's
// domicile confirmed.
func TestAdminManagesAccounts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.staff(esambat.RolePetugas, "lama@example.org", "dinas-pupr")
	luar := e.resident(nikLuar, "081234567871")
	e.resident(nikKota, "081234567872")
	signIn := e.signIn
	admin := signIn("admin@example.org", "kata-sandi-staf")
	csrf := find(t, csrfRe, admin.get("/admin/pengguna").Body)
	userID := func(login string) int64 {
		t.Helper()
		u, err := e.db.FindUserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	post := func(path string, form url.Values) page {
		t.Helper()
		form.Set("csrf", csrf)
		return admin.post(path, form)
	}

	// Officers and residents do not learn the page exists.
	if p := signIn("lama@example.org", "kata-sandi-staf").get("/admin/pengguna"); p.Status != 404 {
		t.Errorf("an officer's /admin/pengguna = %d, want 404", p.Status)
	}
	if p := signIn("081234567871", "kata-sandi-rahasia").get("/admin/pengguna"); p.Status != 404 {
		t.Errorf("a resident's /admin/pengguna = %d, want 404", p.Status)
	}
	if p := e.browser().get("/admin/pengguna"); p.Status != 303 || !strings.HasPrefix(p.Location, "/masuk") {
		t.Errorf("a visitor's /admin/pengguna = %d %s, want the sign-in page", p.Status, p.Location)
	}
	list := admin.get("/admin/pengguna")
	if list.Status != 200 || !strings.Contains(list.Body, "lama@example.org") || strings.Contains(list.Body, "Warga "+nikLuar[12:]) {
		t.Fatalf("staff list = %d: want the officer and no resident\n%s", list.Status, list.Body)
	}
	if !strings.Contains(admin.get("/admin").Body, `href="/admin/pengguna"`) {
		t.Error("the admin queue does not link to the accounts page")
	}

	// A staff account: every mistake named at once, the form kept.
	p := post("/admin/pengguna", url.Values{"role": {"petugas"}, "name": {"Rina Wulandari"}, "email": {"bukan-email"}})
	if p.Status != 400 || !strings.Contains(p.Body, `id="e-email"`) || !strings.Contains(p.Body, `id="e-agency"`) || !strings.Contains(p.Body, `value="Rina Wulandari"`) {
		t.Errorf("bad staff form = %d: want 400 naming email and agency with the name kept", p.Status)
	}
	p = post("/admin/pengguna", url.Values{"role": {"petugas"}, "name": {"Rina"}, "email": {"LAMA@example.org"}, "agency": {"dinkes"}})
	if p.Status != 400 || !strings.Contains(p.Body, "sudah dipakai akun lain") {
		t.Errorf("staff with a taken email = %d, want 400 saying the email is taken", p.Status)
	}
	if p := post("/admin/pengguna", url.Values{"role": {"warga"}, "name": {"X"}, "email": {"x@example.org"}}); p.Status != 400 || !strings.Contains(p.Body, `id="e-role"`) {
		t.Errorf("a resident made on the staff form = %d, want 400 naming the role", p.Status)
	}
	if p := admin.post("/admin/pengguna", url.Values{"role": {"admin"}, "name": {"Tanpa CSRF"}, "email": {"csrf@example.org"}}); p.Status != 403 {
		t.Errorf("staff form without CSRF = %d, want 403", p.Status)
	}
	if _, err := e.db.FindUserByLogin(ctx, "csrf@example.org"); esambat.ErrorCode(err) != esambat.ENOTFOUND {
		t.Error("the form without CSRF created an account")
	}
	p = post("/admin/pengguna", url.Values{"role": {"petugas"}, "name": {"Rina Wulandari"}, "email": {"Rina@Dinkes.example.org"}, "agency": {"dinkes"}})
	if p.Status != 303 || p.Location != "/admin/pengguna" || strings.Contains(p.Body, `id="shown-password"`) {
		t.Fatalf("create staff = %d %s, want a redirect to the list, without the password", p.Status, p.Location)
	}
	// Another admin's browser, or another account's page, does not get it.
	if p := signIn("admin@example.org", "kata-sandi-staf").get("/admin/pengguna"); strings.Contains(p.Body, `id="shown-password"`) {
		t.Error("another browser shows the password")
	}
	p = admin.get(p.Location)
	pw := find(t, shownRe, p.Body)
	if p.Status != 200 || len(pw) != 16 || !strings.Contains(p.Body, "rina@dinkes.example.org") {
		t.Fatalf("the list after creating staff = %d, password %q", p.Status, pw)
	}
	if strings.Contains(admin.get("/admin/pengguna").Body, pw) {
		t.Error("the password is shown again on the next view (a reload)")
	}
	rina := e.browser()
	if p := rina.post("/masuk", url.Values{"login": {"rina@dinkes.example.org"}, "password": {pw}}); p.Status != 303 || p.Location != "/petugas" {
		t.Fatalf("the new officer's sign-in = %d %s", p.Status, p.Location)
	}
	rinaID := userID("rina@dinkes.example.org")
	if u, _ := e.db.FindUserByID(ctx, rinaID); u.Role != esambat.RolePetugas || u.AgencyCode != "dinkes" {
		t.Errorf("new account = %+v", u)
	}

	// An officer moves to another agency: the form shows the account, a
	// bad change is named, a good one is recorded with what changed.
	rinaPath := "/admin/pengguna/" + strconv.FormatInt(rinaID, 10)
	if p := admin.get(rinaPath); p.Status != 200 || !strings.Contains(p.Body, `value="Rina Wulandari"`) || !strings.Contains(p.Body, `<option value="dinkes" selected>`) {
		t.Fatalf("edit form = %d, want the account's values", p.Status)
	}
	if p := post(rinaPath, url.Values{"role": {"petugas"}, "name": {"Rina Wulandari"}, "email": {"lama@example.org"}, "agency": {"dinkes"}}); p.Status != 400 || !strings.Contains(p.Body, "sudah dipakai akun lain") {
		t.Errorf("edit to a taken email = %d, want 400", p.Status)
	}
	if p := post(rinaPath, url.Values{"role": {"petugas"}, "name": {"Rina Wulandari"}, "email": {"rina@dinkes.example.org"}, "agency": {"dinas-pupr"}}); p.Status != 303 || p.Location != rinaPath {
		t.Fatalf("edit = %d %s", p.Status, p.Location)
	}
	if u, _ := e.db.FindUserByID(ctx, rinaID); u.AgencyCode != "dinas-pupr" {
		t.Errorf("agency after the edit = %q", u.AgencyCode)
	}
	if p := admin.get(rinaPath); !strings.Contains(p.Body, "diubah: perangkat daerah: dinkes → dinas-pupr") {
		t.Error("the account's history does not say what changed")
	}
	if p := post("/admin/pengguna/"+strconv.FormatInt(userID("admin@example.org"), 10), url.Values{"role": {"pimpinan"}, "name": {"Saya"}, "email": {"admin@example.org"}}); p.Status != 400 || !strings.Contains(p.Body, "peran Anda sendiri") {
		t.Errorf("an admin changing their own role = %d, want 400", p.Status)
	}

	// A forgotten staff password: a new one, shown once; the old one and
	// the browsers signed in with it are done.
	p = post("/admin/pengguna/"+strconv.FormatInt(rinaID, 10)+"/sandi", url.Values{})
	if p.Status != 303 {
		t.Fatalf("new password = %d", p.Status)
	}
	pw2 := find(t, shownRe, admin.get(p.Location).Body)
	if pw2 == pw {
		t.Fatalf("new password %q is the old one", pw2)
	}
	if p := rina.get("/petugas"); p.Status != 303 {
		t.Errorf("the officer's browser is still signed in after the new password: %d", p.Status)
	}
	if p := e.browser().post("/masuk", url.Values{"login": {"rina@dinkes.example.org"}, "password": {pw}}); p.Status == 303 {
		t.Error("the old password still signs in")
	}
	// The officer sees on her account page who made her password.
	if p := signIn("rina@dinkes.example.org", pw2).get("/akun"); !strings.Contains(p.Body, "kata sandi baru dibuat") || !strings.Contains(p.Body, "Staf admin@example.org") {
		t.Error("the officer's account page does not show who made her password")
	}
	if p := signIn("lama@example.org", "kata-sandi-staf").get("/akun"); strings.Contains(p.Body, "Rina Wulandari") {
		t.Error("another officer's account page shows Rina's history")
	}
	adminID := userID("admin@example.org")
	for _, action := range []string{"sandi", "nonaktifkan"} {
		if p := post("/admin/pengguna/"+strconv.FormatInt(adminID, 10)+"/"+action, url.Values{}); p.Status != 403 {
			t.Errorf("%s on the admin's own account = %d, want 403", action, p.Status)
		}
	}
	if p := post("/admin/pengguna/"+strconv.FormatInt(userID("+6281234567871"), 10)+"/sandi", url.Values{}); p.Status != 400 || !strings.Contains(p.Body, `id="e-identity"`) {
		t.Errorf("a new password for a resident without the identity check = %d, want 400 naming it", p.Status)
	}
	if p := post("/admin/pengguna/999999/nonaktifkan", url.Values{}); p.Status != 404 {
		t.Errorf("turning off no account = %d, want 404", p.Status)
	}

	// Turned off: no sign-in, no session, no API token; on again: the
	// password works, the tokens stay revoked.
	rina = signIn("rina@dinkes.example.org", pw2)
	token := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "rina@dinkes.example.org", "password": pw2})
	var tok struct{ Token string }
	token.json(t, &tok)
	off := post("/admin/pengguna/"+strconv.FormatInt(rinaID, 10)+"/nonaktifkan", url.Values{})
	if off.Status != 303 || off.Location != "/admin/pengguna" {
		t.Fatalf("turn off = %d %s", off.Status, off.Location)
	}
	if p := admin.get("/admin/pengguna?q=rina"); !strings.Contains(p.Body, "badge-ditolak") || !strings.Contains(p.Body, "/aktifkan") || strings.Contains(p.Body, "lama@example.org") {
		t.Error("the search for the officer does not show her alone, turned off")
	}
	if p := rina.get("/petugas"); p.Status != 303 {
		t.Errorf("a turned-off officer's browser still works: %d", p.Status)
	}
	if r := e.do("GET", "/api/v1/me", tok.Token, nil); r.Status != 401 {
		t.Errorf("a turned-off officer's API token = %d, want 401", r.Status)
	}
	if p := e.browser().post("/masuk", url.Values{"login": {"rina@dinkes.example.org"}, "password": {pw2}}); p.Status == 303 {
		t.Error("a turned-off account signs in")
	}
	if p := post("/admin/pengguna/"+strconv.FormatInt(rinaID, 10)+"/aktifkan", url.Values{}); p.Status != 303 {
		t.Fatalf("turn on = %d", p.Status)
	}
	signIn("rina@dinkes.example.org", pw2)
	if r := e.do("GET", "/api/v1/me", tok.Token, nil); r.Status != 401 {
		t.Errorf("the token of before is back after turning on: %d", r.Status)
	}

	// Residents, and the domicile an admin confirms.
	if p := admin.get("/admin/pengguna?tab=warga"); !strings.Contains(p.Body, "Warga "+nikLuar[12:]) || !strings.Contains(p.Body, "Warga "+nikKota[12:]) || strings.Contains(p.Body, "lama@example.org") {
		t.Error("the residents' tab does not list both residents, without staff")
	}
	pending := admin.get("/admin/pengguna?tab=domisili")
	if !strings.Contains(pending.Body, "Warga "+nikLuar[12:]) || strings.Contains(pending.Body, "Warga "+nikKota[12:]) || strings.Contains(pending.Body, nikLuar) {
		t.Error("the domicile tab must list the resident with a NIK from elsewhere only, the NIK masked")
	}
	luarID := userID("+6281234567871")
	in, _ := e.points()
	flags := func() []string {
		t.Helper()
		r, err := e.db.FindReportByTicket(ctx, e.submit(luar, report(in[0], in[1])))
		if err != nil {
			t.Fatal(err)
		}
		return r.Flags
	}
	if !slices.Contains(flags(), esambat.FlagDomicileUnverified) {
		t.Fatal("a report before the confirmation is not flagged")
	}
	p = post("/admin/pengguna/"+strconv.FormatInt(luarID, 10)+"/domisili", url.Values{"tab": {"domisili"}})
	if p.Status != 303 || p.Location != "/admin/pengguna?tab=domisili" {
		t.Fatalf("confirm domicile = %d %s", p.Status, p.Location)
	}
	if p := admin.get("/admin/pengguna?tab=domisili"); strings.Contains(listPart(p.Body), "Warga "+nikLuar[12:]) || !strings.Contains(p.Body, "Tidak ada warga yang menunggu") {
		t.Error("the confirmed resident is still waiting")
	}
	// Every change is in the history, newest first, with who made it.
	history := historyRe.FindAllStringSubmatch(admin.get("/admin/pengguna").Body, -1)
	var got []string
	for _, h := range history {
		got = append(got, h[1]+" | "+h[2]+" | "+h[3])
	}
	by := "Staf admin@example.org"
	want := []string{
		"Warga " + nikLuar[12:] + " | domisili dikonfirmasi | " + by,
		"Rina Wulandari | diaktifkan kembali | " + by,
		"Rina Wulandari | dinonaktifkan | " + by,
		"Rina Wulandari | kata sandi baru dibuat | " + by,
		"Rina Wulandari | diubah: perangkat daerah: dinkes → dinas-pupr | " + by,
		"Rina Wulandari | akun dibuat | " + by,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("account history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if slices.Contains(flags(), esambat.FlagDomicileUnverified) {
		t.Error("a report after the confirmation is still flagged")
	}
	if p := signIn("081234567871", "kata-sandi-rahasia").get("/akun"); !strings.Contains(p.Body, "domisili dikonfirmasi") || !strings.Contains(p.Body, "Admin E-Sambat") || strings.Contains(p.Body, "Staf admin@example.org") {
		t.Error("the resident's account page must say the domicile was confirmed by an admin, without naming the admin")
	}
	if p := admin.get("/admin/pengguna?q=" + strings.Repeat("x", 101)); p.Status != 400 || !strings.Contains(p.Body, `id="e-q"`) {
		t.Errorf("a search too long = %d, want 400 naming it", p.Status)
	}
	if p := admin.get("/admin/pengguna?lang=en"); !strings.Contains(p.Body, "Manage accounts") {
		t.Error("the page is not in English")
	}
}

// TestAdminHelpsResident: a resident who lost their phone comes to the
// counter. The admin corrects the name and the number (the new number is
// unconfirmed, and gets a code), and, having seen the KTP, makes a new
// password, shown once: the resident's browsers are signed out, the new
// password signs in, and the history records all of it with the numbers
// masked. Officers cannot reach any of it.
func TestAdminHelpsResident(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	e.resident(nikKota, "081234567891")
	e.resident(nikKota2, "081234567892")
	u, err := e.db.FindUserByLogin(ctx, "+6281234567891")
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/pengguna/" + strconv.FormatInt(u.ID, 10)
	signIn := e.signIn
	resident := signIn("081234567891", "kata-sandi-rahasia")
	officer := signIn("pupr@example.org", "kata-sandi-staf")
	if p := officer.get(path); p.Status != 404 {
		t.Errorf("an officer opens a resident's account page: %d", p.Status)
	}
	admin := signIn("admin@example.org", "kata-sandi-staf")
	p := admin.get(path)
	if p.Status != 200 || !strings.Contains(p.Body, u.NIKMasked) || strings.Contains(p.Body, nikKota) || !strings.Contains(p.Body, `value="&#43;6281234567891"`) {
		t.Fatalf("the resident's page = %d: want the masked NIK and the number in the form", p.Status)
	}
	if !strings.Contains(admin.get("/admin/pengguna?tab=warga").Body, `href="`+path+`"`) {
		t.Error("the residents' list does not link to the resident's page")
	}
	csrf := find(t, csrfRe, p.Body)
	post := func(path string, form url.Values) page {
		t.Helper()
		form.Set("csrf", csrf)
		return admin.post(path, form)
	}
	if p := post(path, url.Values{"name": {"Siti <b>"}, "phone": {"0812"}}); p.Status != 400 || !strings.Contains(p.Body, `id="e-name"`) || !strings.Contains(p.Body, `id="e-phone"`) || !strings.Contains(p.Body, `value="0812"`) {
		t.Errorf("a bad name and number = %d: want 400 naming both, the form kept", p.Status)
	}
	if p := post(path, url.Values{"name": {"Siti Aminah"}, "phone": {"0812-3456-7892"}}); p.Status != 400 || !strings.Contains(p.Body, "sudah dipakai akun lain") {
		t.Errorf("another resident's number = %d, want 400", p.Status)
	}
	if p := post(path, url.Values{"name": {"  Siti   Aminah "}, "phone": {"0813 1111 2222"}}); p.Status != 303 || p.Location != path {
		t.Fatalf("save = %d %s", p.Status, p.Location)
	}
	got, _ := e.db.FindUserByID(ctx, u.ID)
	if got.Name != "Siti Aminah" || got.Phone != "+6281311112222" || got.PhoneConfirmed {
		t.Errorf("after the save: %q %q confirmed %v; want the new name, the new number unconfirmed", got.Name, got.Phone, got.PhoneConfirmed)
	}
	if e.lastCode("+6281311112222") == "" {
		t.Error("no confirmation code was sent to the new number")
	}
	page := admin.get(path)
	if !strings.Contains(page.Body, "belum terkonfirmasi") || !strings.Contains(page.Body, "nama: Warga 0001 → Siti Aminah; nomor HP: &#43;62812****7891 → &#43;62813****2222 (belum terkonfirmasi)") {
		t.Error("the page does not show the change, with the numbers masked")
	}
	if strings.Contains(page.Body, "6281234567891") {
		t.Error("the history shows the old number unmasked")
	}

	// A new password: only with the identity check.
	if p := post(path+"/sandi", url.Values{}); p.Status != 400 || !strings.Contains(p.Body, `id="e-identity"`) || !strings.Contains(p.Body, `href="#f-identity"`) ||
		!strings.Contains(p.Body, `id="f-identity"`) || strings.Contains(p.Body, `id="shown-password"`) {
		t.Errorf("a new password without the identity check = %d, want 400 naming it", p.Status)
	}
	p = post(path+"/sandi", url.Values{"identity": {"1"}})
	if p.Status != 303 || p.Location != path {
		t.Fatalf("new password = %d %s, want the resident's page", p.Status, p.Location)
	}
	p = admin.get(path)
	pw := find(t, shownRe, p.Body)
	if len(pw) != 16 {
		t.Fatalf("the resident's page after the new password: %q", pw)
	}
	if again := admin.get(path); strings.Contains(again.Body, `id="shown-password"`) {
		t.Error("a reload shows the password again")
	}
	if p := resident.get("/akun"); p.Status != 303 {
		t.Errorf("the resident's browser is still signed in after the new password: %d", p.Status)
	}
	if p := e.browser().post("/masuk", url.Values{"login": {"081311112222"}, "password": {"kata-sandi-rahasia"}}); p.Status == 303 {
		t.Error("the old password still signs in")
	}
	if p := signIn("081311112222", pw).get("/akun"); !strings.Contains(p.Body, "kata sandi baru dibuat") || !strings.Contains(p.Body, "Admin E-Sambat") {
		t.Error("the resident's account page does not show that an admin made the password")
	}
	if p := admin.get(path); strings.Contains(p.Body, pw) || !strings.Contains(p.Body, "kata sandi baru dibuat: identitas diperiksa langsung (KTP)") {
		t.Error("the page shows the password again, or the history lacks the identity check")
	}
	if n, broken, err := esambat.VerifyChains(ctx, e.db); err != nil || broken != nil {
		t.Errorf("the account history's chain after %d events: %v, %v", n, broken, err)
	}
}

// TestAccountsAPI: the accounts page's calls for apps, with its rules.
func TestAccountsAPI(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	pet := e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	e.resident(nikLuar, "081234567881")
	if r := e.do("GET", "/api/v1/users", pet, nil); r.Status != 403 {
		t.Errorf("a petugas lists accounts: %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/users?kind=semua", admin, nil); r.Status != 400 {
		t.Errorf("unknown kind = %d, want 400", r.Status)
	}
	r := e.do("POST", "/api/v1/users", admin, map[string]string{"role": "petugas", "name": "Sari", "email": "sari@dinkes.example.org"})
	if r.Status != 400 || !strings.Contains(string(r.Body), `"agency"`) {
		t.Errorf("petugas without an agency = %d %s", r.Status, r.Body)
	}
	var made struct {
		ID       int64
		Role     string
		Agency   string
		Password string
	}
	r = e.do("POST", "/api/v1/users", admin, map[string]string{"role": "petugas", "name": "Sari", "email": "sari@dinkes.example.org", "agency": "dinkes"})
	r.json(t, &made)
	if r.Status != 201 || made.ID == 0 || made.Agency != "dinkes" || len(made.Password) != 16 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	if tok := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "sari@dinkes.example.org", "password": made.Password}); tok.Status != 200 {
		t.Errorf("the new account's password does not sign in: %d", tok.Status)
	}
	var list []struct{ Email, Password string }
	e.do("GET", "/api/v1/users?q=dinkes", admin, nil).json(t, &list)
	if len(list) != 1 || list[0].Email != "sari@dinkes.example.org" || list[0].Password != "" {
		t.Errorf("the list for dinkes = %+v: want Sari alone, without a password", list)
	}
	id := strconv.FormatInt(made.ID, 10)
	if r := e.do("PUT", "/api/v1/users/"+id, admin, map[string]string{"role": "petugas", "name": "Sari", "email": "sari@dinkes.example.org", "agency": "dinas-pupr"}); r.Status != 200 || !strings.Contains(string(r.Body), `"agency":"dinas-pupr"`) {
		t.Errorf("update = %d %s", r.Status, r.Body)
	}
	var again struct{ Password string }
	r = e.do("POST", "/api/v1/users/"+id+"/password", admin, nil)
	r.json(t, &again)
	if r.Status != 200 || len(again.Password) != 16 || again.Password == made.Password {
		t.Errorf("new password = %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		path string
		want int
	}{
		{"/api/v1/users/" + id + "/disable", 200}, {"/api/v1/users/" + id + "/enable", 200},
		{"/api/v1/users/" + id + "/hapus", 404}, {"/api/v1/users/abc/disable", 404}, {"/api/v1/users/999999/disable", 404},
		{"/api/v1/users/" + id + "/domicile", 404}, // not a resident
	} {
		if r := e.do("POST", c.path, admin, nil); r.Status != c.want {
			t.Errorf("POST %s = %d, want %d: %s", c.path, r.Status, c.want, r.Body)
		}
	}
	var pending []struct{ ID int64 }
	e.do("GET", "/api/v1/users?kind=domisili", admin, nil).json(t, &pending)
	if len(pending) != 1 {
		t.Fatalf("residents waiting = %+v", pending)
	}
	if r := e.do("POST", "/api/v1/users/"+strconv.FormatInt(pending[0].ID, 10)+"/domicile", admin, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"domicile_verified":true`) {
		t.Errorf("confirm domicile = %d %s", r.Status, r.Body)
	}
	var hist []struct {
		UserID  int64 `json:"user_id"`
		ActorID int64 `json:"actor_id"`
		Action  string
		Detail  string
	}
	e.do("GET", "/api/v1/account-events?user="+id, admin, nil).json(t, &hist)
	var got []string
	for _, h := range hist {
		got = append(got, h.Action+" "+h.Detail)
	}
	if want := "diaktifkan ,dinonaktifkan ,sandi_baru ,diubah perangkat daerah: dinkes → dinas-pupr,dibuat "; strings.Join(got, ",") != want {
		t.Errorf("history = %q, want %q", strings.Join(got, ","), want)
	}
	if r := e.do("GET", "/api/v1/account-events?user=x", admin, nil); r.Status != 400 {
		t.Errorf("history of user=x = %d, want 400", r.Status)
	}
	// A resident at the counter: a corrected name and number, then a new
	// password once the admin vouches for having seen the KTP.
	res := "/api/v1/users/" + strconv.FormatInt(pending[0].ID, 10)
	if r := e.do("PUT", res, admin, map[string]string{"name": "Dewi Lestari", "phone": "bukan nomor"}); r.Status != 400 || !strings.Contains(string(r.Body), `"phone"`) {
		t.Errorf("a resident with a bad number = %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", res, admin, map[string]string{"name": "Dewi Lestari", "phone": "0813-2222-3333"}); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"phone":"+6281322223333"`) || !strings.Contains(string(r.Body), `"phone_confirmed":false`) {
		t.Errorf("a resident's new number = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", res+"/password", admin, nil); r.Status != 400 || !strings.Contains(string(r.Body), `"identity"`) || strings.Contains(string(r.Body), `"password"`) {
		t.Errorf("a resident's password without identity_checked = %d %s", r.Status, r.Body)
	}
	var resPW struct{ Password string }
	r = e.do("POST", res+"/password", admin, map[string]bool{"identity_checked": true})
	r.json(t, &resPW)
	if r.Status != 200 || len(resPW.Password) != 16 {
		t.Fatalf("a resident's password = %d %s", r.Status, r.Body)
	}
	if tok := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081322223333", "password": resPW.Password}); tok.Status != 200 {
		t.Errorf("the resident's new password does not sign in: %d", tok.Status)
	}
	if r := e.do("PUT", res, pet, map[string]string{"name": "Dewi", "phone": "081322223333"}); r.Status != 403 {
		t.Errorf("a petugas changes a resident = %d, want 403", r.Status)
	}
}

// TestShownPasswordCookie: the cookie that carries a generated password
// to its page shows nothing when forged, or when another admin's browser
// holds it.
func TestShownPasswordCookie(t *testing.T) {
	e := newEnv(t)
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.staff(esambat.RoleAdmin, "admin2@example.org", "")
	admin := e.signIn("admin@example.org", "kata-sandi-staf")
	csrf := find(t, csrfRe, admin.get("/admin/pengguna").Body)
	p := admin.post("/admin/pengguna", url.Values{"csrf": {csrf}, "role": {"pimpinan"}, "name": {"Hadi"}, "email": {"hadi@example.org"}})
	if p.Status != 303 {
		t.Fatalf("create = %d", p.Status)
	}
	u, _ := url.Parse(e.srv.URL + "/admin/pengguna")
	sealed := ""
	for _, c := range admin.client.Jar.Cookies(u) {
		if c.Name == "esambat_shown" {
			sealed = c.Value
		}
	}
	if sealed == "" || strings.Contains(sealed, "hadi") {
		t.Fatalf("the cookie %q: want it set, and sealed", sealed)
	}
	other := e.signIn("admin2@example.org", "kata-sandi-staf")
	for name, value := range map[string]string{"another admin's": sealed, "forged": "AAAA" + sealed[4:], "garbage": "x"} {
		other.client.Jar.SetCookies(u, []*http.Cookie{{Name: "esambat_shown", Value: value, Path: "/admin/pengguna"}})
		if p := other.get("/admin/pengguna"); p.Status != 200 || strings.Contains(p.Body, `id="shown-password"`) {
			t.Errorf("%s cookie = %d, shows a password", name, p.Status)
		}
	}
	if p := admin.get("/admin/pengguna"); !strings.Contains(p.Body, `id="shown-password"`) {
		t.Error("the admin who made it does not see it")
	}
}
