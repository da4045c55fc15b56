package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/esambat/esambat/sqldb/sqlite"
	"github.com/esambat/esambat/storetest"
)

func open(t *testing.T, now func() time.Time) storetest.Store {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "esambat.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = now
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), sqlite.Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

// TestOpenDropsStat4: a database analysed with samples (sqlite_stat4) is
// opened without them and with its row estimates (sqlite_stat1) intact.
func TestOpenDropsStat4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "esambat.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE t (a INTEGER, b TEXT)`,
		`CREATE INDEX t_a ON t (a)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO t SELECT i % 7, 'x' FROM n`,
		`ANALYZE`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var stat4 int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_stat4`).Scan(&stat4); err != nil || stat4 == 0 {
		t.Fatalf("setup: sqlite_stat4 has %d rows (%v); the driver should be built with STAT4", stat4, err)
	}
	raw.Close()

	db, err := sqlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stat1 int
	if err := db.Read.QueryRow(`SELECT (SELECT COUNT(*) FROM sqlite_stat1), (SELECT COUNT(*) FROM sqlite_stat4)`).Scan(&stat1, &stat4); err != nil {
		t.Fatal(err)
	}
	if stat1 == 0 || stat4 != 0 {
		t.Errorf("after Open: sqlite_stat1 %d rows, sqlite_stat4 %d; want some and none", stat1, stat4)
	}
}
