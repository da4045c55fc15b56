package http_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

// TestAdminQueueFilters: the admin's verification queue narrows to reports
// matching words, a category and a kelurahan, within the status chosen,
// oldest first; the filters stay in the form and in the link to the next
// page; a bad filter is named on the page rather than failing it.
func TestAdminQueueFilters(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	in, _ := e.points()
	submit := func(title, category string) string {
		t.Helper()
		r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1], func(m map[string]any) { m["title"], m["category"] = title, category }))
		var c struct{ Ticket string }
		r.json(t, &c)
		if c.Ticket == "" {
			t.Fatalf("submit = %d %s", r.Status, r.Body)
		}
		return c.Ticket
	}
	oldFlood := submit("Banjir setinggi lutut", "drainase-banjir")
	road := submit("Jalan rusak parah", "jalan-jembatan")
	flood := make([]string, 0, 101)
	for i := range 101 {
		flood = append(flood, submit(fmt.Sprintf("Banjir di gang %d", i), "drainase-banjir"))
	}
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	admin := e.browser()
	if p := admin.post("/masuk", url.Values{"login": {"admin@example.org"}, "password": {"kata-sandi-staf"}}); p.Location != "/admin" {
		t.Fatalf("admin login goes to %q", p.Location)
	}
	// Decided reports leave the queue of those waiting.
	if p := admin.post("/admin/verifikasi-massal", url.Values{"csrf": {find(t, csrfRe, admin.get("/admin").Body)}, "ticket": {oldFlood}}); p.Status != 303 {
		t.Fatalf("bulk verify = %d", p.Status)
	}

	p1 := admin.get("/admin?q=banjir")
	if p1.Status != 200 || strings.Contains(p1.Body, road) || strings.Contains(p1.Body, oldFlood) ||
		!strings.Contains(p1.Body, flood[0]) || !strings.Contains(p1.Body, flood[99]) || strings.Contains(p1.Body, flood[100]) {
		t.Fatalf("queue searched for banjir = %d: want the first 100 waiting floods only\n%s", p1.Status, p1.Body)
	}
	if !strings.Contains(p1.Body, `value="banjir"`) {
		t.Error("the search is not kept in the queue's form")
	}
	p2 := admin.get("/admin" + nextPage(t, p1))
	if !strings.Contains(p2.Body, flood[100]) || strings.Contains(p2.Body, road) || strings.Contains(p2.Body, flood[99]) {
		t.Errorf("the queue's second page lost its search or its place:\n%s", p2.Body)
	}
	if p := admin.get("/admin?category=jalan-jembatan"); !strings.Contains(p.Body, road) || strings.Contains(p.Body, flood[0]) {
		t.Errorf("queue of one category:\n%s", p.Body)
	}
	if p := admin.get("/admin?status=didisposisi&q=banjir"); !strings.Contains(p.Body, oldFlood) || strings.Contains(p.Body, flood[0]) {
		t.Errorf("queue of disposed reports searched for banjir:\n%s", p.Body)
	}
	if p := admin.get("/admin?q=banjir&kelurahan=35.75.01.1001"); p.Status != 200 || strings.Contains(p.Body, flood[0]) || !strings.Contains(p.Body, "cocok dengan saringan") {
		t.Errorf("queue filtered to another kelurahan = %d:\n%s", p.Status, p.Body)
	}
	if p := admin.get("/admin?q=banjir&cursor=bukan-penanda"); p.Status != 200 || !strings.Contains(p.Body, "cursor") || !strings.Contains(p.Body, flood[0]) {
		t.Errorf("queue with a forged cursor = %d: want the first page and the error named\n%s", p.Status, p.Body)
	}
}
