package http_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
)

// statsJSON is what the test reads of GET /api/v1/stats.
type statsJSON struct {
	GeneratedAt time.Time `json:"generated_at"`
	Total       statsGroup
	ByAgency    []statsGroup `json:"by_agency"`
	ByKelurahan []statsGroup `json:"by_kelurahan"`
	ByCategory  []statsGroup `json:"by_category"`
	ByMonth     []statsGroup `json:"by_month"`
}

type statsGroup struct {
	Code, Name, Month      string
	Received, Rated        int
	Satisfaction           *float64
	Verify, Accept, Finish struct {
		Done         int
		MedianHours  *float64 `json:"median_hours"`
		Due          int
		WithinTarget *float64 `json:"within_target"`
	}
}

// TestPublicStats: the statistics API and page show, from the reports
// themselves, how many came in, how fast each clock's step was taken and
// how the residents rated the result, in all and per agency, kelurahan,
// category and month; they are computed again ten minutes later, not at
// every view.
func TestPublicStats(t *testing.T) {
	e := newEnv(t)
	in, _ := e.points()
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@kominfo.test", "")
	pupr := e.staff(esambat.RolePetugas, "petugas@pupr.test", "dinas-pupr")
	act := func(ticket, token string, body map[string]any) {
		t.Helper()
		if r := e.do("POST", "/api/v1/reports/"+ticket+"/actions", token, body); r.Status != 200 {
			t.Fatalf("%v on %s = %d %s", body["action"], ticket, r.Status, r.Body)
		}
	}
	submit := func() string {
		t.Helper()
		r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1]))
		var c struct{ Ticket string }
		r.json(t, &c)
		if c.Ticket == "" {
			t.Fatalf("submit = %d %s", r.Status, r.Body)
		}
		return c.Ticket
	}
	// Tuesday 3 March 2026, 09:00: one report the whole way, verified after
	// 2 hours, accepted after 4 more, finished after 24, rated 4.
	done := submit()
	e.clock.Advance(2 * time.Hour)
	act(done, admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	e.clock.Advance(4 * time.Hour)
	act(done, pupr, map[string]any{"action": "accept", "plan": "Tambal sulam", "target_date": "2026-03-06"})
	e.clock.Advance(24 * time.Hour)
	act(done, pupr, map[string]any{"action": "finish", "text": "Sudah ditambal."})
	act(done, warga, map[string]any{"action": "confirm", "rating": 4})
	// One waiting for verification.
	submit()

	get := e.statsAPI
	s := get()
	tot := s.Total
	if tot.Received != 2 || tot.Verify.Done != 1 || tot.Accept.Done != 1 || tot.Finish.Done != 1 || tot.Rated != 1 ||
		tot.Satisfaction == nil || *tot.Satisfaction != 4 {
		t.Fatalf("total = %+v", tot)
	}
	near := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || *got < want*0.975 || *got > want*1.025 {
			t.Errorf("%s median = %v hours, want %v", name, got, want)
		}
	}
	near("verify", tot.Verify.MedianHours, 2)
	near("accept", tot.Accept.MedianHours, 4)
	near("finish", tot.Finish.MedianHours, 24)
	if w := tot.Verify.WithinTarget; tot.Verify.Due != 1 || w == nil || *w != 1 {
		t.Errorf("verify: due %d, within target %v; want 1, 1 (the waiting one is not due yet)", tot.Verify.Due, w)
	}
	if len(s.ByAgency) != 1 || s.ByAgency[0].Code != "dinas-pupr" || !strings.Contains(s.ByAgency[0].Name, "Pekerjaan Umum") || s.ByAgency[0].Received != 1 {
		t.Errorf("by agency = %+v", s.ByAgency)
	}
	if len(s.ByKelurahan) != 1 || s.ByKelurahan[0].Name != "Pohjentrek" || s.ByKelurahan[0].Received != 2 {
		t.Errorf("by kelurahan = %+v", s.ByKelurahan)
	}
	if len(s.ByCategory) != 1 || s.ByCategory[0].Code != "jalan-jembatan" || len(s.ByMonth) != 1 || s.ByMonth[0].Month != "2026-03" {
		t.Errorf("by category %+v, by month %+v", s.ByCategory, s.ByMonth)
	}

	// The page shows the same figures, in both languages.
	page := e.browser().get("/statistik")
	for _, want := range []string{"Statistik layanan", "2,0 jam", "100\u00a0%", "4,0 / 5", "Dinas Pekerjaan Umum", "Pohjentrek", "Maret 2026", "Jalan &amp; Jembatan"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the statistics page has no %q", want)
		}
	}
	if en := e.browser().get("/statistik?lang=en"); !strings.Contains(en.Body, "2.0 hours") || !strings.Contains(en.Body, "March 2026") ||
		!strings.Contains(en.Body, "Roads &amp; bridges") || strings.Contains(en.Body, "Jalan &amp; Jembatan") {
		t.Errorf("the English statistics page:\n%s", en.Body)
	}

	// Computed again ten minutes later, in the background.
	submit()
	if s := get(); s.Total.Received != 2 {
		t.Errorf("right after a new report the statistics say %d received, want the 2 computed before", s.Total.Received)
	}
	e.clock.Advance(10 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for get().Total.Received != 3 {
		if time.Now().After(deadline) {
			t.Fatal("the statistics were not computed again after ten minutes")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failingTimes fails to read the reports' times.
type failingTimes struct{ esambat.ReportStore }

func (failingTimes) ReportTimes(context.Context, func(esambat.ReportTimes) error) error {
	return esambat.Errorf(esambat.EUNAVAILABLE, "Basis data tidak menjawab.")
}

// TestPublicStatsUnavailable: while the statistics cannot be computed the
// API answers 503 with Retry-After and the page says they are coming.
func TestPublicStatsUnavailable(t *testing.T) {
	// Before that, an empty database: every list is an empty array, as
	// the OpenAPI document says, and every median null.
	empty := newEnv(t).do("GET", "/api/v1/stats", "", nil)
	for _, want := range []string{`"by_agency":[]`, `"by_kelurahan":[]`, `"by_category":[]`, `"by_month":[]`, `"median_hours":null`, `"satisfaction":null`} {
		if !strings.Contains(string(empty.Body), want) {
			t.Errorf("stats of an empty database lack %s: %s", want, empty.Body)
		}
	}

	e := newEnv(t)
	e.svc.Reports = failingTimes{e.svc.Reports}
	r := e.do("GET", "/api/v1/stats", "", nil)
	if r.Status != 503 || r.errCode() != esambat.EUNAVAILABLE || r.Header.Get("Retry-After") == "" {
		t.Errorf("stats without a database = %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if p := e.browser().get("/statistik"); p.Status != 200 || !strings.Contains(p.Body, "Statistik sedang dihitung") {
		t.Errorf("statistics page without a database = %d:\n%s", p.Status, p.Body)
	}
}

// gatedTimes reads the reports' times once release is closed.
type gatedTimes struct {
	esambat.ReportStore
	release chan struct{}
}

func (g gatedTimes) ReportTimes(ctx context.Context, fn func(esambat.ReportTimes) error) error {
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.ReportStore.ReportTimes(ctx, fn)
}

// statsAPI returns GET /api/v1/stats from e's server, decoded; any status
// but 200 fails the test.
func (e *env) statsAPI() statsJSON {
	e.t.Helper()
	r := e.do("GET", "/api/v1/stats", "", nil)
	if r.Status != 200 {
		e.t.Fatalf("stats = %d %s", r.Status, r.Body)
	}
	var s statsJSON
	r.json(e.t, &s)
	return s
}

// instance returns e with a server of its own, as another instance (or
// the same one restarted) on the same database, with svc as its service.
func (e *env) instance(svc *esambat.Service) *env {
	e.t.Helper()
	o := *e
	o.svc = svc
	o.server = &esambathttp.Server{Service: svc, DB: e.db, Outbox: e.db, Version: "test", Logger: testLogger(e.t), Later: func(work func()) { work() }}
	o.srv = httptest.NewServer(o.server.Handler())
	e.t.Cleanup(o.srv.Close)
	return &o
}

// TestPublicStatsSaved: the statistics computed by one server are saved
// in the database. Another server (or the same one restarted) shows them
// at once, without computing them, while they are younger than ten
// minutes; older, it still shows them at once, even when it cannot
// compute newer ones, and replaces them when it can.
func TestPublicStatsSaved(t *testing.T) {
	e := newEnv(t)
	in, _ := e.points()
	warga := e.resident(nikKota, "081234567801")
	if r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1])); r.Status != 201 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	first := e.statsAPI()
	if first.Total.Received != 1 {
		t.Fatalf("first statistics: %d received, want 1", first.Total.Received)
	}
	if r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1])); r.Status != 201 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	cannot := *e.svc
	cannot.Reports = failingTimes{e.svc.Reports}

	// Five minutes later another instance, which could not compute them:
	// the saved ones, at once.
	e.clock.Advance(5 * time.Minute)
	if s := e.instance(&cannot).statsAPI(); !s.GeneratedAt.Equal(first.GeneratedAt) || s.Total.Received != 1 {
		t.Errorf("another instance shows statistics of %v with %d received; want the saved ones of %v", s.GeneratedAt, s.Total.Received, first.GeneratedAt)
	}
	// Eleven minutes after they were computed, a restarted server that
	// cannot compute: still the saved ones, on the page too.
	e.clock.Advance(6 * time.Minute)
	stale := e.instance(&cannot)
	if s := stale.statsAPI(); !s.GeneratedAt.Equal(first.GeneratedAt) {
		t.Errorf("a restart with old saved statistics shows those of %v, want %v", s.GeneratedAt, first.GeneratedAt)
	}
	if p := stale.browser().get("/statistik"); p.Status != 200 || strings.Contains(p.Body, "Statistik sedang dihitung") || !strings.Contains(p.Body, "Pohjentrek") {
		t.Errorf("the statistics page of a restart with old saved statistics = %d:\n%s", p.Status, p.Body)
	}
	// One that can: the saved ones at once, then new ones, saved in
	// turn. Its computation waits for the test, so that the first view
	// cannot race it.
	release := make(chan struct{})
	can := *e.svc
	can.Reports = gatedTimes{e.svc.Reports, release}
	again := e.instance(&can)
	if s := again.statsAPI(); !s.GeneratedAt.Equal(first.GeneratedAt) {
		t.Errorf("a restart shows statistics of %v first, want the saved ones of %v", s.GeneratedAt, first.GeneratedAt)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for again.statsAPI().Total.Received != 2 {
		if time.Now().After(deadline) {
			t.Fatal("old saved statistics were not computed anew")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := e.instance(&cannot).statsAPI(); s.Total.Received != 2 || s.GeneratedAt.Equal(first.GeneratedAt) {
		t.Errorf("after the new computation another instance shows %d received of %v; want the new 2", s.Total.Received, s.GeneratedAt)
	}
}

// countingLeases counts the leases asked for.
type countingLeases struct {
	esambat.LeaseStore
	n *atomic.Int64
}

func (c countingLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	c.n.Add(1)
	return c.LeaseStore.AcquireLease(ctx, name, holder, ttl)
}

// untilStats asks e's server for the statistics until fn accepts them,
// for at most two seconds (they are computed in the background), every
// 50 ms (the server's rate limit allows 120 a minute).
func (e *env) untilStats(fn func(statsJSON) bool) (statsJSON, bool) {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := e.statsAPI()
		if fn(s) || time.Now().After(deadline) {
			return s, fn(s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPublicStatsShared: an instance holds figures for ten minutes from
// when they were computed, by whichever instance, not from when it got
// them; while another instance holds the statistics' lease it shows the
// saved figures, however old, asks again a minute later rather than at
// every view, and computes them itself once the lease has ended.
func TestPublicStatsShared(t *testing.T) {
	e := newEnv(t)
	in, _ := e.points()
	warga := e.resident(nikKota, "081234567801")
	submit := func() {
		t.Helper()
		if r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1])); r.Status != 201 {
			t.Fatalf("submit = %d %s", r.Status, r.Body)
		}
	}
	submit()
	t0 := e.statsAPI().GeneratedAt
	e.clock.Advance(time.Minute)
	b := e.instance(e.svc)
	if s := b.statsAPI(); !s.GeneratedAt.Equal(t0) {
		t.Fatalf("another instance shows statistics of %v, want the saved ones of %v", s.GeneratedAt, t0)
	}
	// Twelve minutes in, the first instance computes new ones; three
	// minutes later the other finds its own old and takes those.
	submit()
	e.clock.Advance(11 * time.Minute)
	t12, ok := e.untilStats(func(s statsJSON) bool { return s.Total.Received == 2 })
	if !ok {
		t.Fatal("the first instance did not compute its statistics anew")
	}
	e.clock.Advance(3 * time.Minute)
	if _, ok := b.untilStats(func(s statsJSON) bool { return s.GeneratedAt.Equal(t12.GeneratedAt) }); !ok {
		t.Fatal("the other instance did not take the first one's new statistics")
	}
	// Eleven minutes after those were computed (eight after it took
	// them) it computes new ones.
	submit()
	e.clock.Advance(8 * time.Minute)
	if s, ok := b.untilStats(func(s statsJSON) bool { return s.Total.Received == 3 }); !ok {
		t.Errorf("eleven minutes after they were computed another instance still shows %d received of %v; want new ones", s.Total.Received, s.GeneratedAt)
	}

	// Another instance computing under the lease.
	ctx := context.Background()
	e.clock.Advance(20 * time.Minute)
	if ok, err := e.db.AcquireLease(ctx, "stats", "elsewhere", 2*time.Minute); !ok || err != nil {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	var asked atomic.Int64
	svc := *e.svc
	svc.Leases, svc.Instance = countingLeases{e.db, &asked}, "c"
	c := e.instance(&svc)
	old := c.statsAPI()
	for range 5 {
		// Each view after the last one's look has ended.
		time.Sleep(20 * time.Millisecond)
		if s := c.statsAPI(); !s.GeneratedAt.Equal(old.GeneratedAt) || s.Total.Received != 3 {
			t.Fatalf("while another instance computes: statistics of %v with %d received, want the saved ones of %v", s.GeneratedAt, s.Total.Received, old.GeneratedAt)
		}
	}
	time.Sleep(20 * time.Millisecond)
	if asked.Load() != 1 {
		t.Errorf("over six views the lease was asked for %d times, want once", asked.Load())
	}
	e.clock.Advance(time.Minute)
	c.statsAPI()
	if _, ok := c.untilStats(func(statsJSON) bool { return asked.Load() == 2 }); !ok {
		t.Errorf("a minute later the lease was asked for %d times, want twice", asked.Load())
	}
	submit()
	e.clock.Advance(time.Minute + time.Second)
	if s, ok := c.untilStats(func(s statsJSON) bool { return s.Total.Received == 4 }); !ok {
		t.Errorf("after the other's lease ended: %d received of %v, want new statistics", s.Total.Received, s.GeneratedAt)
	}
}
