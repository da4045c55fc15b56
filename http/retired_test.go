package http_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/testdb"
)

// TestRetiredReferenceData: after a reorganisation the reference files
// drop an agency (Dishub merged away) and a category (taman). Old reports
// keep their names, but nothing new goes to them: the forms and APIs no
// longer offer them, and a report filed under the category or forwarded
// to the agency is refused with the reason, in the API and on the page.
func TestRetiredReferenceData(t *testing.T) {
	e := newEnv(t)
	testdb.Retire(t, e.db, []string{"dishub"}, []string{"taman"})

	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	warga := e.resident(nikKota, "081234567801")
	in, _ := e.points()
	r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1], func(m map[string]any) { m["category"] = "taman" }))
	if r.Status != 400 || !strings.Contains(string(r.Body), esambat.MsgCategoryRetired) {
		t.Errorf("a report filed under the retired category = %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/categories", "", nil); r.Status != 200 || strings.Contains(string(r.Body), `"taman"`) || !strings.Contains(string(r.Body), `"jalan-jembatan"`) {
		t.Errorf("categories = %d, offer the retired one: %v", r.Status, strings.Contains(string(r.Body), `"taman"`))
	}
	if r := e.do("GET", "/api/v1/agencies", "", nil); r.Status != 200 || strings.Contains(string(r.Body), `"dishub"`) || !strings.Contains(string(r.Body), `"dinas-pupr"`) {
		t.Errorf("agencies = %d, offer the retired one: %v", r.Status, strings.Contains(string(r.Body), `"dishub"`))
	}
	ticket := e.submit(warga, report(in[0], in[1]))
	r = e.do("POST", "/api/v1/reports/"+ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dishub"})
	if r.Status != 400 || !strings.Contains(string(r.Body), esambat.MsgAgencyRetired) {
		t.Errorf("verify to the retired agency = %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/reports/"+ticket+"/actions", admin, map[string]any{"action": "recategorize", "category": "taman"})
	if r.Status != 400 || !strings.Contains(string(r.Body), esambat.MsgCategoryRetired) {
		t.Errorf("recategorize to the retired category = %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", "/api/v1/categories/lalu-lintas-parkir/default-agency", admin, map[string]any{"agency": "dishub"}); r.Status != 400 {
		t.Errorf("default agency set to the retired one = %d %s", r.Status, r.Body)
	}

	// The pages offer neither; the category whose default agency is gone
	// still shows it (marked), so that saving the row changes nothing
	// unseen.
	b := e.signIn("admin@example.org", "kata-sandi-staf")
	if p := b.get("/kelola/" + ticket); p.Status != 200 || strings.Contains(p.Body, `value="dishub"`) || strings.Contains(p.Body, `value="taman"`) {
		t.Errorf("the admin's report page offers the retired agency or category (%d)", p.Status)
	}
	if p := b.get("/admin/lapor"); strings.Contains(p.Body, `value="taman"`) {
		t.Error("the walk-in form offers the retired category")
	}
	if p := b.get("/admin/kategori"); !strings.Contains(p.Body, `value="dishub" selected>Dinas Perhubungan (tidak aktif)`) || strings.Contains(p.Body, `id="a-taman"`) ||
		!strings.Contains(p.Body, `id="r-lalu-lintas-parkir"`) || strings.Contains(p.Body, `id="r-jalan-jembatan"`) {
		t.Errorf("the categories page: the retired default agency unmarked, or the retired category listed:\n%s", p.Body)
	}
	// A report whose suggested agency is retired: nothing is chosen for
	// the admin (the form used to fall on the first agency of the list).
	parking := e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["category"] = "lalu-lintas-parkir" }))
	p := b.get("/kelola/" + parking)
	sel, _, _ := strings.Cut(p.Body[strings.Index(p.Body, `<select id="f-agency"`):], "</select>")
	if !strings.Contains(sel, `<option value="">`) || strings.Contains(sel, " selected") || strings.Contains(sel, `value="dishub"`) {
		t.Errorf("the verify form of a report suggested to the retired agency:\n%s", sel)
	}
	pg := b.get("/kelola/" + ticket)
	csrf := find(t, csrfRe, pg.Body)
	if p := b.post("/kelola/"+ticket, url.Values{"csrf": {csrf}, "action": {"verify"}, "agency": {"dishub"}}); !strings.Contains(p.Body, esambat.MsgAgencyRetired) {
		t.Errorf("verify to the retired agency on the page = %d, without the reason:\n%s", p.Status, p.Body)
	}
	resident := e.signIn("081234567801", "kata-sandi-rahasia")
	if p := resident.get("/lapor"); p.Status != 200 || strings.Contains(p.Body, `value="taman"`) || !strings.Contains(p.Body, `value="jalan-jembatan"`) {
		t.Errorf("the report form offers the retired category (%d)", p.Status)
	}
}

// TestMoveStrandedReports: after Dishub is merged away, the admins' queue
// says it still holds open reports, and one form moves them all to the
// agency that took over; the notice then goes (Dinas PUPR, active, holds
// them then). Pimpinan see the notice,
// not the form; an active agency's reports do not move in bulk.
func TestMoveStrandedReports(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.staff(esambat.RolePimpinan, "pimpinan@example.org", "")
	e.staff(esambat.RolePetugas, "petugas@dishub.example.org", "dishub")
	warga := e.resident(nikKota, "081234567801")
	in, _ := e.points()
	var tickets []string
	for range 2 {
		ticket := e.submit(warga, report(in[0], in[1]))
		if r := e.do("POST", "/api/v1/reports/"+ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dishub"}); r.Status != 200 {
			t.Fatalf("verify = %d %s", r.Status, r.Body)
		}
		tickets = append(tickets, ticket)
	}
	testdb.Retire(t, e.db, []string{"dishub"}, nil)
	e.server.ForgetReference()
	b := e.signIn("admin@example.org", "kata-sandi-staf")
	const notice = "Dinas Perhubungan sudah tidak aktif"
	p := b.get("/admin")
	if !strings.Contains(p.Body, notice) || !strings.Contains(p.Body, "memegang 2 laporan") || !strings.Contains(p.Body, `action="/admin/perangkat-daerah/dishub/pindahkan"`) {
		t.Fatalf("the queue does not name the stranded reports:\n%s", p.Body)
	}
	if q := e.signIn("pimpinan@example.org", "kata-sandi-staf").get("/admin"); !strings.Contains(q.Body, notice) || strings.Contains(q.Body, "/pindahkan") {
		t.Errorf("pimpinan: notice %v, form %v", strings.Contains(q.Body, notice), strings.Contains(q.Body, "/pindahkan"))
	}
	if q := b.get("/admin?status=didisposisi&agency=dishub"); !strings.Contains(q.Body, "— Dinas Perhubungan</h1>") || !strings.Contains(q.Body, tickets[0]) || !strings.Contains(q.Body, tickets[1]) {
		t.Errorf("the queue filtered to Dishub lacks its title or its reports:\n%s", q.Body)
	}
	csrf := find(t, csrfRe, p.Body)
	move := func(from, to string) string {
		t.Helper()
		if r := b.post("/admin/perangkat-daerah/"+from+"/pindahkan", url.Values{"csrf": {csrf}, "agency": {to}}); r.Status != 303 {
			t.Fatalf("move %s to %q = %d", from, to, r.Status)
		}
		return b.get("/admin").Body
	}
	if body := move("dishub", ""); !strings.Contains(body, "Pilih perangkat daerah tujuan.") || !strings.Contains(body, "memegang 2 laporan") {
		t.Errorf("a move without a destination does not say so")
	}
	if body := move("dinas-pupr", "dinkes"); !strings.Contains(body, esambat.MsgMoveOnlyRetired) {
		t.Errorf("a bulk move from an active agency does not say why not")
	}
	body := move("dishub", "dinas-pupr")
	if !strings.Contains(body, "2 laporan dipindahkan ke Dinas Pekerjaan Umum") || strings.Contains(body, notice) {
		t.Errorf("after the move: no confirmation, or the notice stays:\n%s", body)
	}
	for _, ticket := range tickets {
		r := e.do("GET", "/api/v1/reports/"+ticket, admin, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"code":"dinas-pupr"`) {
			t.Errorf("%s after the move = %d %s", ticket, r.Status, r.Body)
		}
	}

	// The officer: their inbox says the agency is gone; the accounts
	// list marks them, and moving them to the new agency brings them the
	// moved reports.
	officer := e.signIn("petugas@dishub.example.org", "kata-sandi-staf")
	const gone = "Perangkat daerah Anda sudah tidak aktif"
	if p := officer.get("/petugas"); !strings.Contains(p.Body, gone) {
		t.Errorf("the retired agency's officer is not told:\n%s", p.Body)
	}
	list := b.get("/admin/pengguna").Body
	row := list[strings.Index(list, "Staf petugas@dishub.example.org"):]
	row, _, _ = strings.Cut(row, "</tr>")
	if !strings.Contains(row, `Dinas Perhubungan <span class="badge badge-ditolak">tidak aktif</span>`) {
		t.Errorf("the accounts list does not mark the retired agency:\n%s", row)
	}
	edit := find(t, regexp.MustCompile(`href="(/admin/pengguna/\d+)"><?[^>]*>?Ubah<span class="sr-only"> Staf petugas@dishub`), list)
	form := b.get(edit).Body
	if !strings.Contains(form, `value="dishub" selected>Dinas Perhubungan (tidak aktif)</option>`) {
		t.Errorf("the account form does not mark the retired agency")
	}
	if p := b.post(edit, url.Values{"csrf": {find(t, csrfRe, form)}, "role": {"petugas"}, "name": {"Staf petugas@dishub.example.org"},
		"email": {"petugas@dishub.example.org"}, "agency": {"dinas-pupr"}}); p.Status != 303 {
		t.Fatalf("moving the officer = %d:\n%s", p.Status, p.Body)
	}
	if p := officer.get("/petugas"); strings.Contains(p.Body, gone) || !strings.Contains(p.Body, tickets[0]) {
		t.Errorf("the moved officer's inbox: still told the agency is gone, or without the moved reports:\n%s", p.Body)
	}
}
