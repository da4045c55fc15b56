package postgres_test

import (
	"context"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/storetest"
)

// TestAgencyInboxIndex: an agency's inbox reads its open reports on
// reports_agency_open (migration 0017), whose predicate must match
// esambat.AgencyInboxStatuses. The table holds 60,000 closed reports and
// then 600 open ones of the agency, the newest, as a city's table does.
// At this size the planner without the index reads reports_agency and
// sorts; at a million reports it walked the primary key from the oldest
// report past every closed one instead (1.27 s per page, BENCHMARKS.md),
// which a test cannot afford to reproduce.
func TestAgencyInboxIndex(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	seed(t, db)
	if _, err := db.Read.ExecContext(ctx, `INSERT INTO reports
		(ticket, type, category_code, kelurahan_code, title, description, visibility, status, channel, agency_code, created_at, updated_at)
		SELECT 'T-' || i, 'pengaduan', 'jalan-jembatan', '35.75.02.1001', 'Jalan berlubang', 'Lubang di depan pasar', 'publik',
			CASE WHEN i > 60000 THEN (ARRAY['didisposisi', 'diproses', 'selesai'])[i % 3 + 1] ELSE 'ditutup' END, 'web',
			CASE WHEN i > 60000 THEN 'dinas-pupr' ELSE (ARRAY['dinas-pupr', 'dinkes', 'dlhkp'])[i % 3 + 1] END, now(), now()
		FROM generate_series(1, 60600) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Read.ExecContext(ctx, `ANALYZE reports`); err != nil {
		t.Fatal(err)
	}
	storetest.WantIndex(t, db, "reports_agency_open",
		esambat.ReportFilter{AgencyCode: "dinas-pupr", Statuses: esambat.AgencyInboxStatuses, OldestFirst: true, Limit: 100},
		esambat.ReportFilter{AgencyCode: "dinas-pupr", Statuses: esambat.AgencyInboxStatuses, OldestFirst: true, Limit: 100, After: "1aaa"})
}
