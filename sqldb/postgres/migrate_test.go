package postgres_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/postgres"
)

// appSchema is newSchema with a DSN whose connections use the schema and
// name themselves after it (application_name), so that the test can find
// them in pg_stat_activity.
func appSchema(t *testing.T) (conn, schema string) {
	t.Helper()
	base, schema := newSchema(t)
	u, err := url.Parse(withSearchPath(t, base, schema))
	if err != nil || u.Scheme == "" {
		t.Skip("this test needs a postgres:// DSN")
	}
	q := u.Query()
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// migrationsBefore is the PostgreSQL migrations named before name.
func migrationsBefore(t *testing.T, name string) fs.FS {
	t.Helper()
	all := postgres.Migrations()
	names, err := fs.Glob(all, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, n := range names {
		if n < name {
			b, err := fs.ReadFile(all, n)
			if err != nil {
				t.Fatal(err)
			}
			out[n] = &fstest.MapFile{Data: b}
		}
	}
	return out
}

const insertReport = `INSERT INTO reports (ticket, type, category_code, title, description, visibility, status, channel, created_at, updated_at)
	VALUES ($1, 'pengaduan', 'drainase-banjir', 'Banjir setinggi lutut', 'Air masuk ke rumah warga sejak subuh.', 'publik', 'diajukan', 'web', now(), now())`

// TestOnlineMigrationKeepsWriting: migration 0015 builds its indexes
// CONCURRENTLY, outside a transaction. Its build waits for a transaction
// that was writing reports when it started, and meanwhile new reports
// go in at once. A plain CREATE INDEX would wait for that transaction
// too, and every new report would wait behind it.
func TestOnlineMigrationKeepsWriting(t *testing.T) {
	ctx := context.Background()
	d, schema := appSchema(t)
	db, err := postgres.Open(ctx, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, migrationsBefore(t, "0015")); err != nil {
		t.Fatal(err)
	}
	// The reference rows insertReport needs, in the schema of 0014
	// (SyncReference reads columns added later).
	if _, err := db.Read.ExecContext(ctx, `INSERT INTO agencies (code, name) VALUES ('dinas-pupr', 'Dinas PUPR');
		INSERT INTO categories (code, name, grp, agency_code, sla_class, service_code) VALUES ('drainase-banjir', 'Drainase', 'Infrastruktur', 'dinas-pupr', 'B', '102')`); err != nil {
		t.Fatal(err)
	}
	older, err := db.Read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer older.Rollback()
	if _, err := older.ExecContext(ctx, insertReport, "ES-26-000001"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- db.Migrate(ctx, postgres.Migrations()) }()

	// The build is waiting for the older transaction.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1
			AND query LIKE 'CREATE INDEX CONCURRENTLY reports_public_category%' AND wait_event_type = 'Lock'`, schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("migration ended (%v) without waiting, in CREATE INDEX CONCURRENTLY, for a transaction older than it", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no CREATE INDEX CONCURRENTLY waiting for the older transaction after 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = db.Read.ExecContext(wctx, insertReport, "ES-26-000002")
	cancel()
	if err != nil {
		t.Fatalf("a report written while the index was built: %v", err)
	}
	if err := older.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var valid int
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname IN ('reports_public_category', 'reports_public_kelurahan') AND i.indisvalid`, schema).Scan(&valid); err != nil {
		t.Fatal(err)
	}
	if valid != 2 {
		t.Errorf("%d of the 2 indexes of migration 0015 valid", valid)
	}
	var recorded int
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name LIKE '0015%'`).Scan(&recorded); err != nil || recorded != 1 {
		t.Errorf("migration 0015 recorded %d times (%v), want once", recorded, err)
	}
}

// TestMigrateTogether: instances starting at once on an empty database
// migrate one at a time and all start. One waits for the migration lock
// outside any transaction: waiting inside one, it would hold a snapshot
// that the other's CREATE INDEX CONCURRENTLY waits for, while it waits
// for that other's lock.
func TestMigrateTogether(t *testing.T) {
	ctx := context.Background()
	d, _ := appSchema(t)
	const instances = 3
	dbs := make([]*sqldb.DB, instances)
	for i := range dbs {
		db, err := postgres.Open(ctx, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	mctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.Migrate(mctx, postgres.Migrations()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(postgres.Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var n, distinct int
	if err := dbs[0].Read.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT name) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(names) || distinct != len(names) {
		t.Errorf("schema_migrations holds %d rows, %d names, want %d", n, distinct, len(names))
	}
}
