package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

func TestSeedDemoSQLite(t *testing.T) {
	checkSeed(t, env("ESAMBAT_DATA_DIR", t.TempDir()), 2000)
}

// TestSeedDemoDeterministic: the same seed makes the same reports. Their
// times are relative to the moment of seeding, so the newest reports'
// states may differ by a step that fell between the two runs; texts,
// categories, tickets and points do not.
func TestSeedDemoDeterministic(t *testing.T) {
	var sums []string
	for range 2 {
		getenv := env("ESAMBAT_DATA_DIR", t.TempDir())
		if code := run(context.Background(), []string{"seed-demo", "--reports", "300", "--seed", "7"}, nil, io.Discard, io.Discard, getenv); code != 0 {
			t.Fatalf("seed-demo --reports 300 = %d", code)
		}
		sums = append(sums, seededSummary(t, getenv, 300))
	}
	if sums[0] == "" || sums[0] != sums[1] {
		t.Errorf("seed 7 made different reports in two runs:\n%s\n---\n%s", sums[0], sums[1])
	}
}

func TestSeedDemoPostgres(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL seed suite skipped: set ESAMBAT_TEST_POSTGRES_DSN to run it (CI does)")
	}
	checkSeed(t, env("ESAMBAT_DATABASE_URL", freshSchema(t, dsn), "ESAMBAT_DATA_DIR", t.TempDir()), 2000)
}

func TestSeedDemoUsage(t *testing.T) {
	getenv := env("ESAMBAT_DATA_DIR", t.TempDir())
	for _, args := range [][]string{
		{"seed-demo"}, {"seed-demo", "--reports", "0"}, {"seed-demo", "--reports", "x"},
		{"seed-demo", "--reports", "5", "--seed", "-1"},
	} {
		var errb bytes.Buffer
		if code := run(context.Background(), args, nil, io.Discard, &errb, getenv); code == 0 || errb.Len() == 0 {
			t.Errorf("%q = %d, stderr %q; want a failure with a message", args, code, errb.String())
		}
	}
}

// checkSeed seeds n reports with seed 7 and checks the result as a
// whole: every state, counts, intact chains, points in their kelurahan,
// unique tickets and matching counters, consistent clocks and supports,
// working logins and search, and no backlog for the scheduler.
func checkSeed(t *testing.T, getenv func(string) string, n int) {
	t.Helper()
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"seed-demo", "--reports", fmt.Sprint(n), "--seed", "7"}, nil, &out, &errb, getenv); code != 0 {
		t.Fatalf("seed-demo = %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("seeded %d reports", n)) || !strings.Contains(out.String(), `password "demo"`) {
		t.Errorf("seed-demo output:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "100.0%") {
		t.Errorf("no progress on stderr:\n%s", errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"seed-demo", "--reports", "10"}, nil, io.Discard, &errb, getenv); code == 0 || !strings.Contains(errb.String(), "--append") {
		t.Errorf("seeding a database with reports = %d, %q; want a refusal naming --append", code, errb.String())
	}

	a := openTestApp(t, getenv)

	total, err := a.db.CountReports(ctx, esambat.ReportFilter{})
	if err != nil || total != n {
		t.Fatalf("CountReports = %d, %v; want %d", total, err, n)
	}
	for _, s := range esambat.Statuses {
		if k, err := a.db.CountReports(ctx, esambat.ReportFilter{Statuses: []esambat.Status{s}}); err != nil || k == 0 {
			t.Errorf("status %s: %d reports (%v); want some", s, k, err)
		}
	}
	checked, broken, err := esambat.VerifyChains(ctx, a.db)
	if err != nil || broken != nil {
		t.Fatalf("VerifyChains: %v, %v", broken, err)
	}
	var unrecorded int
	if err := a.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE events_head = ''`).Scan(&unrecorded); err != nil || unrecorded != 0 {
		t.Errorf("%d reports without their latest event hash (%v)", unrecorded, err)
	}
	if a.db.Dialect.Name == "sqlite" {
		// The planner keeps its row estimates but not ANALYZE's samples,
		// which would make every parameterised statement re-plan.
		var stat1, stat4 int
		if err := a.db.Read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM sqlite_stat1), (SELECT COUNT(*) FROM sqlite_stat4)`).Scan(&stat1, &stat4); err != nil || stat1 == 0 || stat4 != 0 {
			t.Errorf("after seeding: sqlite_stat1 %d rows, sqlite_stat4 %d rows (%v); want some and none", stat1, stat4, err)
		}
	}
	var events int
	if err := a.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&events); err != nil || events != checked || events < 2*n {
		t.Errorf("events: %d stored, %d checked (%v); want the same, at least 2 per report", events, checked, err)
	}

	tickets := map[string]bool{}
	maxTicket := map[int]int{}
	var withPoint int
	f := esambat.ReportFilter{Limit: 200}
	for {
		page, err := a.db.FindReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Reports {
			if tickets[r.Ticket] {
				t.Errorf("ticket %s twice", r.Ticket)
			}
			tickets[r.Ticket] = true
			var yy, num int
			if _, err := fmt.Sscanf(r.Ticket, "ES-%2d-%6d", &yy, &num); err != nil || r.CreatedAt.In(esambat.WIB).Year()%100 != yy {
				t.Errorf("ticket %s of a report sent %s", r.Ticket, r.CreatedAt)
			}
			maxTicket[2000+yy] = max(maxTicket[2000+yy], num)
			if loc := r.Location; loc != nil {
				withPoint++
				j, err := a.service.Locator.Locate(ctx, loc.Lat, loc.Lng)
				if err != nil || !j.Inside || j.Kelurahan.Code != r.KelurahanCode || j.Kecamatan.Code != loc.Kecamatan {
					t.Errorf("%s: point %v,%v in %s is located in %+v (%v)", r.Ticket, loc.Lat, loc.Lng, r.KelurahanCode, j.Kelurahan, err)
				}
			} else if _, ok := a.service.CityKelurahan(r.KelurahanCode); !ok {
				t.Errorf("%s: kelurahan %q is not the city's", r.Ticket, r.KelurahanCode)
			}
			if r.Status.Open() != !r.DueAt.IsZero() && r.Status != esambat.StatusDikembalikan {
				t.Errorf("%s: status %s with due %v", r.Ticket, r.Status, r.DueAt)
			}
			if !r.PublishedAt.IsZero() && r.Visibility == esambat.VisibilityRahasia {
				t.Errorf("%s: a rahasia report was published", r.Ticket)
			}
			if r.ID%97 == 0 {
				evs, err := a.db.ListEvents(ctx, r.ID)
				if err != nil || len(evs) == 0 {
					t.Fatalf("%s: events %v", r.Ticket, err)
				}
				if evs[0].Action != esambat.ActionSubmit || !evs[0].CreatedAt.Equal(r.CreatedAt) || evs[len(evs)-1].To != r.Status {
					t.Errorf("%s: history from %s at %s to %s does not match the report (%s at %s)", r.Ticket,
						evs[0].Action, evs[0].CreatedAt, evs[len(evs)-1].To, r.Status, r.CreatedAt)
				}
				for i := 1; i < len(evs); i++ {
					if !evs[i].CreatedAt.After(evs[i-1].CreatedAt) || evs[i].From != evs[i-1].To {
						t.Errorf("%s: event %d (%s %s->%s at %s) does not follow event %d (%s at %s)", r.Ticket, i+1,
							evs[i].Action, evs[i].From, evs[i].To, evs[i].CreatedAt, i, evs[i-1].To, evs[i-1].CreatedAt)
					}
				}
			}
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if len(tickets) != n {
		t.Errorf("%d distinct tickets for %d reports", len(tickets), n)
	}
	if withPoint < n/2 {
		t.Errorf("only %d of %d reports have a point", withPoint, n)
	}
	rows, err := a.db.Read.QueryContext(ctx, `SELECT year, n FROM ticket_counters`)
	if err != nil {
		t.Fatal(err)
	}
	counters := map[int]int{}
	for rows.Next() {
		var y, k int
		if err := rows.Scan(&y, &k); err != nil {
			t.Fatal(err)
		}
		counters[y] = k
	}
	rows.Close()
	if fmt.Sprint(counters) != fmt.Sprint(maxTicket) {
		t.Errorf("ticket_counters %v; the highest tickets issued are %v", counters, maxTicket)
	}
	var supports, supportRows int
	if err := a.db.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(supports), 0), (SELECT COUNT(*) FROM report_supports) FROM reports`).Scan(&supports, &supportRows); err != nil || supports != supportRows || supports == 0 {
		t.Errorf("supports: counted %d, stored %d (%v)", supports, supportRows, err)
	}

	for _, login := range []string{"warga1@demo.esambat.test", "admin1@demo.esambat.test", "petugas.dinas-pupr.1@demo.esambat.test"} {
		if _, err := a.service.Login(ctx, login, demoPassword); err != nil {
			t.Errorf("Login(%s): %v", login, err)
		}
	}
	if page, err := a.db.FindReports(ctx, esambat.ReportFilter{Query: "sampah", Limit: 5}); err != nil || len(page.Reports) == 0 {
		t.Errorf("search for seeded text: %d reports, %v", len(page.Reports), err)
	}
	// The seeded history already carries what the scheduler would have
	// done: a first tick has next to nothing left.
	res, err := a.service.Tick(ctx)
	if err != nil || res.Escalated > 5 || res.AutoClosed > 5 {
		t.Errorf("first scheduler tick on seeded data: %+v, %v", res, err)
	}
}

// seededSummary lists the first k reports' tickets, texts, states and
// points, to compare two runs.
func seededSummary(t *testing.T, getenv func(string) string, k int) string {
	t.Helper()
	ctx := context.Background()
	c, _, err := parseConfig("test", nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openDB(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	page, err := db.FindReports(ctx, esambat.ReportFilter{Limit: k, OldestFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range page.Reports {
		loc := ""
		if r.Location != nil {
			loc = fmt.Sprintf("%.6f,%.6f", r.Location.Lat, r.Location.Lng)
		}
		fmt.Fprintf(&b, "%s %s %s %s %s\n", r.Ticket, r.CategoryCode, r.KelurahanCode, r.Title, loc)
	}
	return b.String()
}

// TestSeedDemoAppend: a second load (--append, another seed) reuses the
// demo accounts of the first, continues the ticket numbers, and leaves
// every chain intact; a report submitted between and after the loads
// gets the next free ticket on both databases.
func TestSeedDemoAppend(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { checkAppend(t, env("ESAMBAT_DATA_DIR", t.TempDir())) })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("PostgreSQL seed suite skipped: set ESAMBAT_TEST_POSTGRES_DSN to run it (CI does)")
		}
		checkAppend(t, env("ESAMBAT_DATABASE_URL", freshSchema(t, dsn), "ESAMBAT_DATA_DIR", t.TempDir()))
	})
}

func checkAppend(t *testing.T, getenv func(string) string) {
	ctx := context.Background()
	seed := func(args ...string) {
		t.Helper()
		var errb bytes.Buffer
		if code := run(ctx, append([]string{"seed-demo"}, args...), nil, io.Discard, &errb, getenv); code != 0 {
			t.Fatalf("seed-demo %v = %d: %s", args, code, errb.String())
		}
	}
	// submit stores one report now, as the API would, and returns its ticket.
	submit := func() string {
		t.Helper()
		a := openTestApp(t, getenv)
		u, err := a.db.FindUserByLogin(ctx, "warga1@demo.esambat.test")
		if err != nil {
			t.Fatal(err)
		}
		r := &esambat.Report{Type: esambat.TypePengaduan, CategoryCode: "jalan-jembatan", Title: "Jalan berlubang dekat pasar",
			Description: "Lubang besar di tengah jalan, berbahaya bagi pengendara.", KelurahanCode: "35.75.02.1001", Address: "Jl. Soekarno-Hatta",
			Visibility: esambat.VisibilityPublik, Status: esambat.StatusDiajukan, Channel: esambat.ChannelWeb, ReporterID: u.ID}
		ev := &esambat.Event{Action: esambat.ActionSubmit, ActorID: u.ID, ActorRole: esambat.RoleWarga, To: esambat.StatusDiajukan}
		if _, _, err := a.db.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatalf("CreateReport: %v", err)
		}
		return r.Ticket
	}
	seed("--reports", "300", "--seed", "7")
	first := submit()
	seed("--reports", "200", "--seed", "8", "--append")
	second := submit()

	c, _, _ := parseConfig("test", nil, getenv, io.Discard)
	a, err := openApp(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	if n, err := a.db.CountReports(ctx, esambat.ReportFilter{}); err != nil || n != 502 {
		t.Errorf("%d reports (%v); want 300 + 1 + 200 + 1", n, err)
	}
	var users, demoUsers int
	if err := a.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE email LIKE '%@demo.esambat.test') FROM users`).Scan(&users, &demoUsers); err != nil {
		t.Fatal(err)
	}
	if users != demoUsers {
		t.Errorf("%d accounts, %d of them demo accounts", users, demoUsers)
	}
	var tickets, distinct int
	var maxTicket string
	if err := a.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT ticket), MAX(ticket) FROM reports`).Scan(&tickets, &distinct, &maxTicket); err != nil || tickets != distinct {
		t.Errorf("%d reports, %d distinct tickets (%v)", tickets, distinct, err)
	}
	if second <= first || second != maxTicket {
		t.Errorf("tickets: %s after the first load, %s after the second; the highest is %s", first, second, maxTicket)
	}
	if _, broken, err := esambat.VerifyChains(ctx, a.db); err != nil || broken != nil {
		t.Errorf("VerifyChains: %v, %v", broken, err)
	}
}
