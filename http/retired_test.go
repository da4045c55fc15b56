package http_test

import (
	"net/url"
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
