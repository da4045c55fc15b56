package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
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
// waiting for verification, mostly of one category, and they arrived
// after the statistics were last updated. The public list, any page of
// it, and the public list of one category, one kelurahan or both read the
// published reports on the partial indexes of migrations 0014 to 0016
// instead of walking past the others: 4,000 published reports, 1 % of
// them of drainase-banjir in Pohjentrek, bulk-loaded (which updates the
// statistics), then 1,000 submitted, all of drainase-banjir in
// Pohjentrek. Without migration 0015 PostgreSQL's planner, which believes
// that category and that kelurahan rare, walks reports_category and
// reports_kelurahan past the 1,000. The public list of a date window
// reads reports_public_created.
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
	for i := range int64(4000) {
		r, _ := newReport(u.ID, fmt.Sprintf("Jalan berlubang %d", i))
		r.ID = st.MaxReportID + 1 + i
		r.Ticket = fmt.Sprintf("ES-26-%06d", st.Tickets[2026]+1+i)
		r.CreatedAt, r.UpdatedAt, r.Version = at, at, 1
		r.Status, r.PublishedAt = esambat.StatusDidisposisi, at
		r.CategoryCode = publicListCategories[i%int64(len(publicListCategories))]
		r.KelurahanCode = publicListKelurahan[i/7%int64(len(publicListKelurahan))]
		if i%100 == 0 {
			r.CategoryCode, r.KelurahanCode = "drainase-banjir", "35.75.02.1001"
		}
		r.Location.Kelurahan = r.KelurahanCode
		b.Reports = append(b.Reports, r)
	}
	if err := loader.Load(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if err := loader.Close(ctx); err != nil {
		t.Fatal(err)
	}
	flood := make(chan int, 1000)
	for i := range 1000 {
		flood <- i
	}
	close(flood)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range flood {
				r, ev := newReport(u.ID, fmt.Sprintf("Banjir setinggi lutut %d", i))
				r.CategoryCode = "drainase-banjir"
				if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	WantIndex(t, ex, "reports_public",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, After: "3v0"},
		esambat.ReportFilter{PublishedOnly: true, OldestFirst: true})
	// On SQLite the lists name reports_public_category and
	// reports_public_kelurahan (Dialect.HintIndexes); PostgreSQL's
	// planner may read reports_public instead where it believes the
	// category common, which does not walk the backlog either.
	WantIndex(t, ex, "reports_public",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, CategoryCode: "drainase-banjir"},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, CategoryCode: "drainase-banjir", After: "3v0"})
	WantIndex(t, ex, "reports_public",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, KelurahanCode: "35.75.02.1001"},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, KelurahanCode: "35.75.02.1001", After: "3v0"})
	WantIndex(t, ex, "reports_public_kelurahan_category",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, CategoryCode: "drainase-banjir", KelurahanCode: "35.75.02.1001"},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, CategoryCode: "drainase-banjir", KelurahanCode: "35.75.02.1001", After: "3v0"})
	// The public list of a date window reads reports_public_created
	// (migration 0017 on SQLite, 0018 on PostgreSQL), in the window's
	// order (ReportFilter.ByCreated), on every page.
	WantIndex(t, ex, "reports_public_created",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, From: at.Add(-time.Minute)},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, From: at.Add(-time.Minute), To: at.Add(time.Minute), After: "2bi"},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, To: at.Add(time.Minute), OldestFirst: true})
	// The lists themselves: the newest published reports of each, none of
	// those waiting.
	for _, f := range []esambat.ReportFilter{
		{PublishedOnly: true, Limit: 20},
		{PublishedOnly: true, Limit: 20, CategoryCode: "drainase-banjir"},
		{PublishedOnly: true, Limit: 20, KelurahanCode: "35.75.02.1001"},
		{PublishedOnly: true, Limit: 20, CategoryCode: "drainase-banjir", KelurahanCode: "35.75.02.1001"},
	} {
		page, err := s.FindReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Reports) != 20 {
			t.Fatalf("%+v: %d reports, want 20", f, len(page.Reports))
		}
		for _, r := range page.Reports {
			if r.PublishedAt.IsZero() || (f.CategoryCode != "" && r.CategoryCode != f.CategoryCode) ||
				(f.KelurahanCode != "" && r.KelurahanCode != f.KelurahanCode) {
				t.Fatalf("%+v: got report %d (%s, %s, published %v)", f, r.ID, r.CategoryCode, r.KelurahanCode, r.PublishedAt)
			}
		}
	}
}

// The published reports of testPublicListIndex are spread over these, as
// a city's are: no category or kelurahan holds more than a tenth of them.
// One in a hundred is of drainase-banjir in Pohjentrek, the category and
// kelurahan of the flood.
var (
	publicListCategories = []string{"jalan-jembatan", "air-bersih", "sampah-kebersihan", "taman",
		"penerangan-jalan", "lalu-lintas-parkir", "kesehatan-puskesmas", "pendidikan", "bantuan-sosial", "perizinan", "lainnya"}
	publicListKelurahan = []string{"35.75.02.1002", "35.75.02.1003", "35.75.02.1004", "35.75.02.1005",
		"35.75.01.1001", "35.75.01.1002", "35.75.01.1003", "35.75.01.1004", "35.75.01.1005", "35.75.01.1006"}
)

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
