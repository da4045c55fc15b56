package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/storetest"
)

// TestSearchFewMatches: a search whose words few reports hold reads those
// reports and orders them, instead of walking every published report
// newest first for a page of matches that are not there (the planner
// guesses 0.1 % of the reports for a word it has no statistics for); a
// common word keeps the walk, which finds its page at once.
func TestSearchFewMatches(t *testing.T) {
	ctx := context.Background()
	db := open(t, time.Now).(*sqldb.DB)
	seed(t, db)
	if _, err := db.Read.ExecContext(ctx, `INSERT INTO reports (ticket, type, category_code, title, description, visibility, status, channel, created_at, updated_at, published_at)
		SELECT 'T-' || i, 'pengaduan', 'jalan-jembatan',
			CASE WHEN i % 500 = 0 THEN 'Pohon tumbang ' || i ELSE 'Jalan berlubang ' || i END,
			'Mohon segera ditangani.', 'publik', 'didisposisi', 'web', now(), now(), CASE WHEN i <> 3000 THEN now() END
		FROM generate_series(1, 3000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Read.ExecContext(ctx, `ANALYZE reports`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q        string
		want     int
		fewFirst bool
	}{
		{"pohon", 5, true}, // six hold it, one not published
		{"xyzzy", 0, true},
		{"jalan", 20, false},
	} {
		f := esambat.ReportFilter{Query: c.q, PublishedOnly: true, Limit: 20}
		page, err := db.FindReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Reports) != c.want {
			t.Errorf("search %q: %d reports, want %d", c.q, len(page.Reports), c.want)
		}
		for i, r := range page.Reports {
			if r.PublishedAt.IsZero() || (i > 0 && r.ID >= page.Reports[i-1].ID) {
				t.Errorf("search %q: report %d out of order or not published", c.q, r.ID)
			}
		}
		plan, err := db.ExplainFindReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(plan, "ANY"); got != c.fewFirst {
			t.Errorf("search %q: reads its matches first %v, want %v:\n%s", c.q, got, c.fewFirst, plan)
		}
	}
}

// TestSearchWindowBounds: a search for a common word within a date window
// walks the list's index only over the window's IDs (windowIDs), and
// still finds every match of the window, both ends included: report i
// was created i minutes after midnight, every fifth is not published.
func TestSearchWindowBounds(t *testing.T) {
	ctx := context.Background()
	db := open(t, time.Now).(*sqldb.DB)
	seed(t, db)
	if _, err := db.Read.ExecContext(ctx, `INSERT INTO reports (ticket, type, category_code, title, description, visibility, status, channel, created_at, updated_at, published_at)
		SELECT 'T-' || i, 'pengaduan', 'jalan-jembatan', 'Jalan berlubang ' || i, 'Mohon segera ditangani.', 'publik', 'didisposisi', 'web',
			timestamptz '2026-12-01 00:00:00+00' + i * interval '1 minute', now(), CASE WHEN i % 5 <> 0 THEN now() END
		FROM generate_series(1, 3000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Read.ExecContext(ctx, `ANALYZE reports`); err != nil {
		t.Fatal(err)
	}
	var first int64
	if err := db.Read.QueryRowContext(ctx, `SELECT MIN(id) FROM reports`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	minute := func(i int) time.Time { return time.Date(2026, 12, 1, 0, i, 0, 0, time.UTC) }
	for _, c := range []struct {
		from, to int // minutes; -1: open
	}{{101, 251}, {-1, 11}, {2900, -1}, {1500, 1501}} {
		f := esambat.ReportFilter{Query: "jalan", PublishedOnly: true, Limit: 20}
		if c.from >= 0 {
			f.From = minute(c.from)
		}
		if c.to >= 0 {
			f.To = minute(c.to)
		}
		var want []int64
		for i := 3000; i >= 1; i-- {
			if i%5 != 0 && (c.from < 0 || i >= c.from) && (c.to < 0 || i < c.to) {
				want = append(want, first+int64(i)-1)
			}
		}
		got := storetest.PageIDs(t, db, f, 200)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("window %v: got %d reports %v…, want %d %v…", c, len(got), got[:min(len(got), 5)], len(want), want[:min(len(want), 5)])
		}
		if plan, err := db.ExplainFindReports(ctx, f); err != nil || !strings.Contains(plan, "id >=") {
			t.Errorf("window %v: the plan does not bound the walk by id (%v):\n%s", c, err, plan)
		}
	}
}
