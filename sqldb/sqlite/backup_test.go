package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// TestSnapshotUnderWrites: every write transaction inserts one row into
// each of two tables; a snapshot taken while they run must hold whole
// transactions only (equal counts), at least those committed before it
// began and at most those committed by the time it returned.
func TestSnapshotUnderWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "esambat.db")
	db, err := sqlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Read.ExecContext(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
		// 20,000 rows of 1 KB each beforehand, so that the snapshot takes
		// long enough for writes to land while it runs.
		_, err := tx.ExecContext(ctx, `CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT);
			CREATE TABLE filler (v BLOB);
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000) INSERT INTO filler SELECT randomblob(1024) FROM n`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var committed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
					v := fmt.Sprintf("%d-%d %0200d", w, i, i)
					if _, err := tx.ExecContext(ctx, `INSERT INTO a (v) VALUES (?)`, v); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO b (v) VALUES (?)`, v)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				committed.Add(1)
			}
		}()
	}
	for committed.Load() < 500 {
		runtime.Gosched() // let the writers fill the WAL first
	}
	before := committed.Load()
	dst := filepath.Join(dir, "snapshot.db")
	if err := sqlite.Snapshot(ctx, path, dst); err != nil {
		t.Fatal(err)
	}
	after := committed.Load()
	close(stop)
	wg.Wait()

	snap, err := sql.Open("sqlite", "file:"+dst+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var na, nb int64
	if err := snap.QueryRow(`SELECT (SELECT COUNT(*) FROM a), (SELECT COUNT(*) FROM b)`).Scan(&na, &nb); err != nil {
		t.Fatal(err)
	}
	if na != nb {
		t.Errorf("snapshot holds half a transaction: %d rows in a, %d in b", na, nb)
	}
	// The group writer may hold a few commits in flight; "after" counts
	// only those acknowledged when Snapshot returned.
	if na < before || na > after+64 {
		t.Errorf("snapshot has %d transactions; %d were committed before it and %d after", na, before, after)
	}
	t.Logf("snapshot: %d transactions (committed before: %d, after: %d)", na, before, after)
	if err := sqlite.Snapshot(ctx, path, dst); err == nil {
		t.Error("Snapshot over an existing database succeeded")
	}
	if err := sqlite.Snapshot(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Error("Snapshot of a missing database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("Snapshot created the missing database")
	}
}

func TestCheckDamaged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "esambat.db")
	db, err := sqlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, sqlite.Migrations()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	dst := filepath.Join(dir, "copy.db")
	if err := sqlite.Snapshot(ctx, path, dst); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Check(ctx, dst); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the second page (a b-tree page) but keep the header.
	for i := 4096 + 8; i < 4096+200 && i < len(b); i++ {
		b[i] = 0xff
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Check(ctx, dst); err == nil {
		t.Error("Check passed a damaged database")
	}
}
