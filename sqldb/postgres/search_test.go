package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
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
