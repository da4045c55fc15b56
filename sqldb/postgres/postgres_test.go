package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/postgres"
	"github.com/esambat/esambat/storetest"
)

// dsn returns the test server's DSN or skips. CI always sets it and fails
// when this suite was skipped (see .ci/run).
func dsn(t *testing.T) string {
	t.Helper()
	d := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if d == "" {
		t.Skip("PostgreSQL suite skipped: set ESAMBAT_TEST_POSTGRES_DSN=postgres://... to run it (CI does)")
	}
	return d
}

var schemaSeq atomic.Int64

// open gives each test its own schema in the test database, so tests start
// empty and may run in parallel.
func open(t *testing.T, now func() time.Time) storetest.Store {
	t.Helper()
	db := openDB(t)
	db.Now = now
	return db
}

// openDB opens a migrated store in a schema of its own, closed when the
// test ends.
func openDB(t *testing.T) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	base, schema := newSchema(t)
	db, err := postgres.Open(ctx, withSearchPath(t, base, schema), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, postgres.Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestLegacyAccountEvents: account events stored before the chain are
// chained by the migration that adds it (storetest.LegacyAccountEvents).
func TestLegacyAccountEvents(t *testing.T) {
	storetest.LegacyAccountEvents(t, openEmpty(t), postgres.Migrations())
}

// TestLegacyResidentEmails: residents' emails stored before they were
// confirmed wait for their link (storetest.LegacyResidentEmails).
func TestLegacyResidentEmails(t *testing.T) {
	storetest.LegacyResidentEmails(t, openEmpty(t), postgres.Migrations())
}

// openEmpty opens a new, empty schema without migrating it.
func openEmpty(t *testing.T) *sqldb.DB {
	base, schema := newSchema(t)
	db, err := postgres.Open(context.Background(), withSearchPath(t, base, schema), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newSchema creates an empty schema of its own for one test, dropped
// when the test ends, and returns the server's DSN and the schema.
func newSchema(t *testing.T) (base, schema string) {
	t.Helper()
	base = dsn(t)
	schema = fmt.Sprintf("t_%d_%d", time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	return base, schema
}

// seed loads the reference data (categories, agencies, wilayah) into db.
func seed(t *testing.T, db *sqldb.DB) {
	t.Helper()
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Sync(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

func TestConformance(t *testing.T) {
	dsn(t)
	storetest.Run(t, open)
}

// TestMapCellMatchesIndex: the map query finds the reports_map index only
// if it writes the cell exactly as the migration does.
func TestMapCellMatchesIndex(t *testing.T) {
	b, err := fs.ReadFile(postgres.Migrations(), "0013_reports_map.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), postgres.Dialect.MapCell) {
		t.Errorf("migration 0013 does not index Dialect.MapCell %q", postgres.Dialect.MapCell)
	}
}

// TestSearchCustomPlan: a search's list and count are not prepared
// statements (Dialect.CustomPlan), so PostgreSQL plans each with its
// words instead of switching to a generic plan from the sixth execution
// on ("jalan" in a window: 12-16 ms, generic 99-138 ms at a million).
// Lists without words still are.
func TestSearchCustomPlan(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	seed(t, db)
	db.Read.SetMaxOpenConns(1) // one session, whose prepared statements the test can see
	now := time.Now()
	search := esambat.ReportFilter{Query: "jalan berlubang", PublishedOnly: true, From: now.Add(-time.Hour), To: now, Limit: 20}
	for range 7 {
		if _, err := db.FindReports(ctx, search); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CountReportsUpTo(ctx, search, 100); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindReports(ctx, esambat.ReportFilter{PublishedOnly: true, CategoryCode: "jalan-jembatan", Limit: 20}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(like string) int {
		t.Helper()
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE $1`, like).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The few matching IDs read first (Dialect.SearchFew) stay a
	// prepared statement: its plan does not depend on the words.
	if n := count("%plainto_tsquery%") - count("SELECT id FROM reports WHERE search @@ plainto_tsquery%"); n != 0 {
		t.Errorf("%d prepared statements of a search's list or count, want none", n)
	}
	if n := count("%category_code = $1%"); n == 0 {
		t.Error("the list of a category is not a prepared statement: the test does not see the session's statements")
	}
}
