package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
)

// bulkStore is a store with a bulk loader (esambat seed-demo).
type bulkStore interface {
	Bulk(ctx context.Context) (*sqldb.BulkLoader, sqldb.BulkState, error)
}

// testBulkTickets: a bulk load starts from the tickets already issued,
// however the store issues them, and the next ordinary submission
// continues after the loaded ones instead of colliding with them.
func testBulkTickets(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	bs, ok := s.(bulkStore)
	if !ok {
		t.Skip("store has no bulk loader")
	}
	u := newUser(t, s, "Bayu")
	r1, ev1 := newReport(u.ID, "Sebelum pemuatan")
	if _, _, err := s.CreateReport(ctx, r1, ev1, ""); err != nil || r1.Ticket != "ES-26-000001" {
		t.Fatalf("first report: %q, %v", r1.Ticket, err)
	}
	loader, st, err := bs.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Tickets[2026] != 1 || st.MaxReportID != r1.ID || st.Reports != 1 {
		t.Fatalf("bulk state %+v; want ticket 1 of 2026 and report %d", st, r1.ID)
	}
	var b sqldb.BulkBatch
	at := c.now().Add(-time.Hour)
	for i := range 3 {
		r, _ := newReport(u.ID, fmt.Sprintf("Dimuat %d", i))
		r.ID = st.MaxReportID + 1 + int64(i)
		r.Ticket = fmt.Sprintf("ES-26-%06d", st.Tickets[2026]+1+int64(i))
		r.CreatedAt, r.UpdatedAt, r.Version = at, at, 1
		ev := &esambat.Event{ReportID: r.ID, Seq: 1, Action: esambat.ActionSubmit, ActorID: u.ID, ActorRole: esambat.RoleWarga,
			To: esambat.StatusDiajukan, CreatedAt: at}
		ev.Hash = ev.ComputeHash()
		b.Reports = append(b.Reports, r)
		b.Events = append(b.Events, ev)
	}
	if err := loader.Load(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if err := loader.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r2, ev2 := newReport(u.ID, "Sesudah pemuatan")
	if _, _, err := s.CreateReport(ctx, r2, ev2, ""); err != nil || r2.Ticket != "ES-26-000005" {
		t.Errorf("report after the load: ticket %q, %v; want ES-26-000005", r2.Ticket, err)
	}
	if p, err := s.FindReports(ctx, esambat.ReportFilter{Query: "Dimuat"}); err != nil || len(p.Reports) != 3 {
		t.Errorf("search finds %d loaded reports, %v; want 3", len(p.Reports), err)
	}
	if _, st, err = bs.Bulk(ctx); err != nil || st.Tickets[2026] != 5 {
		t.Errorf("second bulk state %+v, %v; want ticket 5 of 2026", st, err)
	}
}
