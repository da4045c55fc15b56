package http_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
)

// countingStore counts the store's counts: whole ones (CountReports) and
// capped ones (CountReportsUpTo).
type countingStore struct {
	esambat.ReportStore
	whole, capped atomic.Int32
}

func (c *countingStore) CountReports(ctx context.Context, f esambat.ReportFilter) (int, error) {
	c.whole.Add(1)
	return c.ReportStore.CountReports(ctx, f)
}

func (c *countingStore) CountReportsUpTo(ctx context.Context, f esambat.ReportFilter, max int) (int, error) {
	c.capped.Add(1)
	return c.ReportStore.CountReportsUpTo(ctx, f, max)
}

var publishedStat = regexp.MustCompile(`<span class="stat-value">(\d+)</span><span class="stat-label">laporan dipublikasikan`)

// TestPublicCounts: the home page counts the published reports at most
// once a minute, and list pages count no further than their cap (at a
// million reports the whole counts took 1.4 s per home page view and
// 0.6 s per list page).
func TestPublicCounts(t *testing.T) {
	e := newEnv(t)
	cs := &countingStore{ReportStore: e.svc.Reports}
	e.svc.Reports = cs
	defer esambathttp.SetListCountMax(2)()
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	publish := func(category string) {
		t.Helper()
		r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1], func(m map[string]any) { m["category"] = category }))
		var c struct{ Ticket string }
		r.json(t, &c)
		if v := e.do("POST", "/api/v1/reports/"+c.Ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"}); v.Status != 200 {
			t.Fatalf("verify = %d %s", v.Status, v.Body)
		}
	}
	publish("jalan-jembatan")
	publish("jalan-jembatan")
	publish("drainase-banjir")

	// Started at the server's start, the count needs no view.
	e.server.WarmUp()
	deadline := time.Now().Add(5 * time.Second)
	for cs.whole.Load() != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("WarmUp counted %d times, want 3", cs.whole.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}

	anon := e.browser()
	published := func() string {
		t.Helper()
		p := anon.get("/")
		if p.Status != 200 {
			t.Fatalf("home = %d", p.Status)
		}
		m := publishedStat.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("home page without its published counter:\n%s", p.Body)
		}
		return m[1]
	}
	if n := published(); n != "3" {
		t.Errorf("home page says %s published, want 3", n)
	}
	published()
	published()
	if n := cs.whole.Load(); n != 3 {
		t.Errorf("three home page views after WarmUp counted %d times, want 3 (one count of each counter)", n)
	}

	// A minute later a view counts again, in the background: it shows the
	// last counters, and the next views the new ones.
	publish("drainase-banjir")
	e.clock.Advance(time.Minute)
	if n := published(); n != "3" && n != "4" {
		t.Errorf("home page says %s published, want 3 or 4", n)
	}
	deadline = time.Now().Add(5 * time.Second)
	for published() != "4" {
		if time.Now().After(deadline) {
			t.Fatal("the home page counters were not counted again after a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := cs.whole.Load(); n != 6 {
		t.Errorf("counted %d times after a minute, want 6", n)
	}

	// Lists count up to their cap (2 here, 10,000 in production).
	if p := anon.get("/laporan"); !strings.Contains(p.Body, "lebih dari 2 laporan") {
		t.Errorf("list of 4 reports with a cap of 2 does not say so:\n%s", p.Body)
	}
	if p := e.browser().get("/laporan?lang=en"); !strings.Contains(p.Body, "more than 2 reports") {
		t.Errorf("English list of 4 reports with a cap of 2 does not say so")
	}
	if p := anon.get("/laporan?category=drainase-banjir"); !strings.Contains(p.Body, ">2 laporan<") || strings.Contains(p.Body, "lebih dari") {
		t.Errorf("list of 2 reports does not say 2:\n%s", p.Body)
	}
	if n := cs.whole.Load(); n != 6 {
		t.Errorf("list pages counted every report (%d whole counts, want 6)", n)
	}
	if cs.capped.Load() == 0 {
		t.Error("list pages did not count at all")
	}
}

// failingCounts fails every whole count.
type failingCounts struct {
	esambat.ReportStore
	calls atomic.Int32
}

func (f *failingCounts) CountReports(context.Context, esambat.ReportFilter) (int, error) {
	f.calls.Add(1)
	return 0, esambat.Errorf(esambat.EUNAVAILABLE, "Basis data tidak menjawab.")
}

// TestHomeCountsFailing: with the database failing the home page still
// answers, and its counters are tried again after 10 s, not at every view.
func TestHomeCountsFailing(t *testing.T) {
	e := newEnv(t)
	fc := &failingCounts{ReportStore: e.svc.Reports}
	e.svc.Reports = fc
	anon := e.browser()
	for range 3 {
		if p := anon.get("/"); p.Status != 200 || strings.Contains(p.Body, "stat-value") {
			t.Fatalf("home = %d, with counters although counting failed:\n%s", p.Status, p.Body)
		}
	}
	if n := fc.calls.Load(); n != 1 {
		t.Errorf("three views with the counts failing tried %d counts, want 1", n)
	}
	e.clock.Advance(10 * time.Second)
	anon.get("/")
	deadline := time.Now().Add(5 * time.Second)
	for fc.calls.Load() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no count tried 10 s after a failure (%d tries)", fc.calls.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHomeCountsSaved: the home page counters are saved once counted, so
// that a restarted server (or another instance) shows them from its first
// view, even before it could count them itself.
func TestHomeCountsSaved(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	e.verify(admin, e.submit(warga, report(in[0], in[1])), "dinas-pupr")
	home := func(e *env) string {
		t.Helper()
		p := e.browser().get("/")
		if m := publishedStat.FindStringSubmatch(p.Body); p.Status == 200 && m != nil {
			return m[1]
		}
		return "none"
	}
	deadline := time.Now().Add(5 * time.Second)
	for home(e) != "1" {
		if time.Now().After(deadline) {
			t.Fatalf("the home page does not count the published report")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A restart whose counts fail at first: the saved counters.
	svc := *e.svc
	fc := &failingCounts{ReportStore: e.svc.Reports}
	svc.Reports = fc
	e.clock.Advance(5 * time.Minute)
	restarted := e.instance(&svc)
	if n := home(restarted); n != "1" {
		t.Errorf("a restarted server whose counts fail shows %s published, want the saved 1", n)
	}
	for deadline := time.Now().Add(5 * time.Second); fc.calls.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the restarted server did not try to count counters saved 5 minutes before")
		}
	}
}

var listTotal = regexp.MustCompile(`>(\d+) laporan<`)

// TestListCountKept: a public list's count is kept for a minute, so that
// paging through it (or viewing it again) does not count the same reports
// again; other filters and lists that are not public count at once, and a
// minute later the public list counts again.
func TestListCountKept(t *testing.T) {
	e := newEnv(t)
	cs := &countingStore{ReportStore: e.svc.Reports}
	e.svc.Reports = cs
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	publish := func() { t.Helper(); e.verify(admin, e.submit(warga, report(in[0], in[1])), "dinas-pupr") }
	publish()
	publish()
	anon := e.browser()
	total := func(path string) string {
		t.Helper()
		p := anon.get(path)
		m := listTotal.FindStringSubmatch(p.Body)
		if p.Status != 200 || m == nil {
			t.Fatalf("%s = %d without its count:\n%s", path, p.Status, p.Body)
		}
		return m[1]
	}
	if n := total("/laporan?q=jalan&limit=1"); n != "2" {
		t.Errorf("the list says %s reports, want 2", n)
	}
	second := nextPage(t, anon.get("/laporan?q=jalan&limit=1"))
	if n := total("/laporan" + second); n != "2" {
		t.Errorf("the second page says %s reports, want 2", n)
	}
	if n := cs.capped.Load(); n != 1 {
		t.Errorf("three views of the pages of one list counted %d times, want once", n)
	}
	publish()
	if n := total("/laporan?q=jalan&category=jalan-jembatan"); n != "3" {
		t.Errorf("another filter says %s reports, want 3", n)
	}
	if n := cs.capped.Load(); n != 2 {
		t.Errorf("another filter counted %d times in all, want 2", n)
	}
	mine := e.browser()
	if p := mine.post("/masuk", url.Values{"login": {"081234567801"}, "password": {"kata-sandi-rahasia"}}); p.Status != 303 {
		t.Fatalf("sign-in = %d", p.Status)
	}
	for range 2 {
		if p := mine.get("/laporan-saya"); p.Status != 200 {
			t.Fatalf("my reports = %d", p.Status)
		}
	}
	if n := cs.capped.Load(); n != 4 {
		t.Errorf("two views of a resident's own list counted %d times in all, want 4 (not kept)", n)
	}
	e.clock.Advance(time.Minute)
	if n := total("/laporan?q=jalan&limit=1"); n != "3" {
		t.Errorf("a minute later the list says %s reports, want 3", n)
	}
}
