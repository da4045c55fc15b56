package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
)

// Explainer is a store that shows its plan for a list (sqldb.DB).
type Explainer interface {
	ExplainFindReports(ctx context.Context, f esambat.ReportFilter) (string, error)
}

// testPublicListIndex: after a flood the newest reports are the ones still
// waiting for verification. The public list, any page of it, reads the
// published reports on reports_public instead of walking the table past
// the others: 4,000 published reports, then 1,000 newer ones waiting, the
// statistics updated as after a bulk load.
func testPublicListIndex(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	bs, ok := s.(bulkStore)
	ex, ok2 := s.(Explainer)
	if !ok || !ok2 {
		t.Skip("store has no bulk loader or no plans")
	}
	u := newUser(t, s, "Bayu")
	loader, st, err := bs.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := c.now().Add(-time.Hour)
	var b sqldb.BulkBatch
	for i := range int64(5000) {
		r, _ := newReport(u.ID, fmt.Sprintf("Jalan berlubang %d", i))
		r.ID = st.MaxReportID + 1 + i
		r.Ticket = fmt.Sprintf("ES-26-%06d", st.Tickets[2026]+1+i)
		r.CreatedAt, r.UpdatedAt, r.Version = at, at, 1
		if i < 4000 {
			r.Status, r.PublishedAt = esambat.StatusDidisposisi, at
		}
		b.Reports = append(b.Reports, r)
	}
	if err := loader.Load(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if err := loader.Close(ctx); err != nil {
		t.Fatal(err)
	}
	WantIndex(t, ex, "reports_public",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, After: "3v0"},
		esambat.ReportFilter{PublishedOnly: true, OldestFirst: true})
}

// WantIndex fails t unless the store's plan for each list reads index.
func WantIndex(t *testing.T, ex Explainer, index string, filters ...esambat.ReportFilter) {
	t.Helper()
	for _, f := range filters {
		plan, err := ex.ExplainFindReports(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, index) {
			t.Errorf("%+v: plan does not use %s:\n%s", f, index, plan)
		}
	}
}
