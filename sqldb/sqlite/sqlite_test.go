package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/eventually"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/sqldb"
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

// TestLegacyAccountEvents: account events stored before the chain are
// chained by the migration that adds it (storetest.LegacyAccountEvents).
func TestLegacyAccountEvents(t *testing.T) {
	storetest.LegacyAccountEvents(t, openEmpty(t), sqlite.Migrations())
}

// TestLegacyResidentEmails: residents' emails stored before they were
// confirmed wait for their link (storetest.LegacyResidentEmails).
func TestLegacyResidentEmails(t *testing.T) {
	storetest.LegacyResidentEmails(t, openEmpty(t), sqlite.Migrations())
}

// openEmpty opens a new database without migrating it.
func openEmpty(t *testing.T) *sqldb.DB {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "esambat.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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

// TestGroupWriterFinish: the end-of-batch hook runs in the batch's
// transaction; when it fails, its own changes are undone and the callers'
// work still commits.
func TestGroupWriterFinish(t *testing.T) {
	path := "file:" + filepath.Join(t.TempDir(), "w.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	defer raw.Close()
	// The writer holds raw's one connection while it runs.
	read, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	if _, err := raw.Exec(`CREATE TABLE t (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	var fail atomic.Bool
	fail.Store(true)
	w := sqldb.StartGroupWriter(raw, sqldb.WriterConfig{MaxBatch: 8, Finish: func(ctx context.Context, _ *sqldb.GroupWriter, tx sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES ('finish')`); err != nil {
			return err
		}
		if fail.Load() {
			return errors.New("disk on fire")
		}
		return nil
	}})
	defer w.Close()
	insert := func(v string) {
		t.Helper()
		err := w.Write(context.Background(), func(tx sqldb.Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO t VALUES (?)`, v)
			return err
		})
		if err != nil {
			t.Fatalf("Write %s: %v", v, err)
		}
	}
	rows := func() string {
		t.Helper()
		var s string
		if err := read.QueryRow(`SELECT group_concat(v, ',') FROM (SELECT v FROM t ORDER BY rowid)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	fail.Store(true)
	insert("a")
	if got := rows(); got != "a" {
		t.Errorf("after a failing Finish: rows %q, want the caller's \"a\" alone", got)
	}
	fail.Store(false)
	insert("b")
	if got := rows(); got != "a,b,finish" {
		t.Errorf("after a good Finish: rows %q, want \"a,b,finish\"", got)
	}
	// A batch whose every call failed does not run Finish.
	err = w.Write(context.Background(), func(tx sqldb.Tx) error { return errors.New("refused") })
	if err == nil || rows() != "a,b,finish" {
		t.Errorf("failed call: err %v, rows %q", err, rows())
	}
}

// openMigrated opens the database at path, migrated, closed at the
// test's end.
func openMigrated(t *testing.T, path string) *sqldb.DB {
	t.Helper()
	db, err := sqlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), sqlite.Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}

// openSeeded is openMigrated on a new file, with the reference data
// (categories, agencies, wilayah) loaded.
func openSeeded(t *testing.T) *sqldb.DB {
	t.Helper()
	db := openMigrated(t, filepath.Join(t.TempDir(), "esambat.db"))
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Sync(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCheckpointer: the writer never checkpoints inside a commit
// (wal_autocheckpoint=0); the checkpointer does, every interval, and a
// bulk load pauses it until it closes.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t, filepath.Join(t.TempDir(), "esambat.db"))
	var auto int
	err := db.Writer.Write(ctx, func(tx sqldb.Tx) error { return tx.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto) })
	if err != nil || auto != 0 {
		t.Errorf("writer's wal_autocheckpoint = %d, %v; want 0", auto, err)
	}
	cp := db.Checkpointer
	if cp == nil {
		t.Fatal("no checkpointer")
	}
	waitRuns := func(more int64, within time.Duration) bool {
		start := cp.Runs()
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if cp.Runs() >= start+more {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return false
	}
	if !waitRuns(1, 3*sqlite.CheckpointInterval) {
		t.Fatalf("no checkpoint within %v", 3*sqlite.CheckpointInterval)
	}
	loader, _, err := db.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if waitRuns(1, 2*sqlite.CheckpointInterval+200*time.Millisecond) {
		t.Error("a checkpoint ran during a bulk load")
	}
	if err := loader.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if !waitRuns(1, 3*sqlite.CheckpointInterval) {
		t.Error("checkpoints did not resume after the bulk load")
	}
}

// TestMapCellMatchesIndex: the map query finds the reports_map index only
// if it writes the cell exactly as the migration does.
func TestMapCellMatchesIndex(t *testing.T) {
	b, err := fs.ReadFile(sqlite.Migrations(), "0013_reports_map.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), sqlite.Dialect.MapCell) {
		t.Errorf("migration 0013 does not index Dialect.MapCell %q", sqlite.Dialect.MapCell)
	}
}

// TestPublicListHint: SQLite's planner alone walks the table for the
// public list when most reports are published, past the newest ones
// still waiting for verification (migration 0014), and walks the table or
// reports_category for the list of one category (migration 0015);
// Dialect.HintIndexes makes them read the partial indexes. On these
// rows, as on the million seeded reports of BENCHMARKS.md, the plans
// without the hint are scans of the table. (storetest's PublicListIndex,
// on longer bulk-loaded rows, gets the indexes from SQLite's planner even
// without the hint, so it alone would not catch the hint's removal.)
func TestPublicListHint(t *testing.T) {
	ctx := context.Background()
	db := openSeeded(t)
	// 4,000 published reports, then 1,000 newer ones not yet published.
	err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reports
			(ticket, type, category_code, kelurahan_code, title, description, visibility, status, channel, created_at, updated_at, published_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
			SELECT 'T-' || i, 'pengaduan', 'jalan-jembatan', '35.75.02.1001', 'Jalan berlubang', 'Lubang di depan pasar', 'publik', 'diajukan', 'web',
				'2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z', CASE WHEN i <= 4000 THEN '2026-12-01T00:00:00Z' END
			FROM n`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `ANALYZE`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.WantIndex(t, db, "reports_public",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, After: "2bi"},
		esambat.ReportFilter{PublishedOnly: true, OldestFirst: true})
	storetest.WantIndex(t, db, "reports_public_category",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, CategoryCode: "jalan-jembatan"},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, CategoryCode: "jalan-jembatan", After: "2bi"})
	storetest.WantIndex(t, db, "reports_public_kelurahan",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, KelurahanCode: "35.75.02.1001"},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, KelurahanCode: "35.75.02.1001", OldestFirst: true})
	storetest.WantIndex(t, db, "reports_public_kelurahan_category",
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, KelurahanCode: "35.75.02.1001", CategoryCode: "jalan-jembatan"},
		esambat.ReportFilter{PublishedOnly: true, Limit: 20, KelurahanCode: "35.75.02.1001", CategoryCode: "jalan-jembatan", After: "2bi"})
}

// TestAgencyInboxHint: an agency's inbox narrowed by category,
// kelurahan or words reads reports_agency (Dialect.HintIndexes). On these rows, as
// on the seeded million, SQLite's planner alone walks the category's or
// the kelurahan's index past every other agency's reports and every
// decided one: 20 agencies, 20 categories, most reports closed.
func TestAgencyInboxHint(t *testing.T) {
	ctx := context.Background()
	db := openSeeded(t)
	codes := func(q string) []string {
		t.Helper()
		rows, err := db.Read.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			out = append(out, c)
		}
		return out
	}
	categories, agencies := codes(`SELECT code FROM categories ORDER BY code`), codes(`SELECT code FROM agencies ORDER BY code`)
	err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
		for i := range 5000 {
			status, kelurahan := "ditutup", "35.75.04.1001"
			if i%25 == 0 {
				status = "diproses"
			}
			if i%2 == 0 {
				kelurahan = "35.75.02.1001"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO reports
				(ticket, type, category_code, kelurahan_code, agency_code, title, description, visibility, status, channel, created_at, updated_at)
				VALUES (?, 'pengaduan', ?, ?, ?, 'Jalan berlubang', 'Lubang di depan pasar', 'publik', ?, 'web', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')`,
				fmt.Sprintf("T-%d", i), categories[i%20], kelurahan, agencies[i%20], status); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `ANALYZE`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var agency, category string
	if err := db.Read.QueryRow(`SELECT agency_code, category_code FROM reports WHERE status = 'diproses' LIMIT 1`).Scan(&agency, &category); err != nil {
		t.Fatal(err)
	}
	storetest.WantIndex(t, db, "reports_agency",
		esambat.ReportFilter{AgencyCode: agency, Statuses: esambat.AgencyInboxStatuses, CategoryCode: category, OldestFirst: true, Limit: 100},
		esambat.ReportFilter{AgencyCode: agency, Statuses: esambat.AgencyInboxStatuses, KelurahanCode: "35.75.02.1001", OldestFirst: true, Limit: 100},
		esambat.ReportFilter{AgencyCode: agency, Statuses: []esambat.Status{esambat.StatusDiproses}, CategoryCode: category, KelurahanCode: "35.75.04.1001", OldestFirst: true, Limit: 100, After: "1"},
		// Searched, its rows are checked one by one (Dialect.SearchScan)
		// rather than the words' index walked past other agencies'.
		esambat.ReportFilter{AgencyCode: agency, Statuses: esambat.AgencyInboxStatuses, Query: "lubang pasar", OldestFirst: true, Limit: 100})
}

// TestBulkIndexes: a bulk load into an empty database drops the reports'
// indexes and builds them at its end; one interrupted (the process
// killed) gets them back at the next open; a load into a database that
// has reports keeps them throughout.
func TestBulkIndexes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "esambat.db")
	openDB := func() *sqldb.DB {
		t.Helper()
		db, err := sqlite.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, sqlite.Migrations()); err != nil {
			t.Fatal(err)
		}
		return db
	}
	indexes := func(db *sqldb.DB) int {
		t.Helper()
		var n int
		if err := db.Read.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports' AND sql IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	db := openDB()
	all := indexes(db)
	if all < 10 {
		t.Fatalf("setup: %d indexes on reports", all)
	}
	loader, _, err := db.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := indexes(db); n != 0 {
		t.Errorf("during a bulk load into an empty database: %d report indexes, want them dropped", n)
	}
	if err := loader.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := indexes(db); n != all {
		t.Errorf("after the load: %d report indexes, want %d", n, all)
	}

	// Interrupted: the loader never closes.
	if _, _, err := db.Bulk(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openDB()
	if n := indexes(db); n != all {
		t.Errorf("reopened after an interrupted load: %d report indexes, want %d", n, all)
	}
	var left int
	db.Read.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'bulk_indexes'`).Scan(&left)
	if left != 0 {
		t.Error("bulk_indexes left behind")
	}

	// A database with reports keeps its indexes during a load.
	set, _ := refdata.New("")
	if _, err := set.Sync(ctx, db); err != nil {
		t.Fatal(err)
	}
	r := &esambat.Report{Type: esambat.TypePengaduan, CategoryCode: "jalan-jembatan", Title: "Jalan berlubang",
		Description: "Jalan berlubang cukup dalam di depan sekolah.", KelurahanCode: "35.75.02.1001",
		Visibility: esambat.VisibilityPublik, Status: esambat.StatusDiajukan, Channel: esambat.ChannelWeb}
	if _, _, err := db.CreateReport(ctx, r, nil, ""); err != nil {
		t.Fatal(err)
	}
	loader, _, err = db.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := indexes(db); n != all {
		t.Errorf("during a load into a database with reports: %d report indexes, want %d", n, all)
	}
	if err := loader.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// TestDurableWriter: the writer's connection leaves the fsync to the
// writer (synchronous=NORMAL), and the writer does one for the batch
// before it answers.
func TestDurableWriter(t *testing.T) {
	ctx := context.Background()
	db := open(t, time.Now).(*sqldb.DB)
	w := db.Writer.(*sqldb.GroupWriter)
	var mode int
	before := w.Syncs()
	err := w.Write(ctx, func(tx sqldb.Tx) error { return tx.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&mode) })
	if err != nil {
		t.Fatal(err)
	}
	if mode != 1 {
		t.Errorf("writer's synchronous = %d, want 1 (NORMAL, the writer fsyncs)", mode)
	}
	if got := w.Syncs() - before; got != 1 {
		t.Errorf("%d fsyncs of the log for one answered write, want 1", got)
	}
	if err := db.Read.QueryRow(`PRAGMA synchronous`).Scan(&mode); err != nil || mode != 2 {
		t.Errorf("other connections' synchronous = %d, %v; want 2 (FULL)", mode, err)
	}
}

// found returns how many reports a search for q finds.
func found(t *testing.T, db *sqldb.DB, q string) int {
	t.Helper()
	page, err := db.FindReports(t.Context(), esambat.ReportFilter{Query: q})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return len(page.Reports)
}

// TestSearchPending: a report is found by search the moment it is
// committed, while it still waits for the full-text index, and after.
func TestSearchPending(t *testing.T) {
	ctx := context.Background()
	db := open(t, time.Now).(*sqldb.DB)
	set, _ := refdata.New("")
	if _, err := set.Sync(ctx, db); err != nil {
		t.Fatal(err)
	}
	create := func(title string) {
		t.Helper()
		r := &esambat.Report{Type: esambat.TypePengaduan, CategoryCode: "jalan-jembatan", Title: title,
			Description: "Mohon segera ditangani, sudah dua minggu.", KelurahanCode: "35.75.02.1001",
			Visibility: esambat.VisibilityPublik, Status: esambat.StatusDiajukan, Channel: esambat.ChannelWeb}
		if _, _, err := db.CreateReport(ctx, r, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	find := func(q string) int { return found(t, db, q) }
	pending := func() int {
		var n int
		if err := db.Read.QueryRow(`SELECT COUNT(*) FROM fts_pending`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	create("Lampu jalan padam") // the first batch flushes at once
	create("Saluran air tersumbat di gang")
	if pending() == 0 {
		t.Skip("the second report was indexed at once; the pending path is not exercised")
	}
	if n := find("tersumbat"); n != 1 {
		t.Errorf("search while the report waits for the index: %d found, want 1", n)
	}
	if n := find("sumbat gang"); n != 1 {
		t.Errorf("search of two words while the report waits: %d found, want 1", n)
	}
	if n := find("tersumbat padam"); n != 0 {
		t.Errorf("search of words in two different reports: %d found, want 0", n)
	}
	eventually.True(t, "the full-text flush", func() bool { return pending() == 0 })
	if n := find("tersumbat"); n != 1 {
		t.Errorf("search once indexed: %d found, want 1", n)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}

// logRig is a group writer on a table of blobs, with a pool of readers
// and a checkpointer whose checkpoints run when a test says: the setting
// of the tests of the write-ahead log's upkeep.
type logRig struct {
	path      string
	read, cdb *sql.DB
	w         *sqldb.GroupWriter
	cp        *sqldb.Checkpointer
	insert    func(n int) // n writes of a 3,000-byte row each
	// holdReader starts a read transaction on the log as it is now and
	// returns its end.
	holdReader func() (release func())
}

func newLogRig(t *testing.T) *logRig {
	t.Helper()
	ctx := context.Background()
	rig := &logRig{path: filepath.Join(t.TempDir(), "w.db")}
	file := "file:" + rig.path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=wal_autocheckpoint(0)"
	open := func(conns int) *sql.DB {
		t.Helper()
		db, err := sql.Open("sqlite", file)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(conns)
		t.Cleanup(func() { db.Close() })
		return db
	}
	raw := open(1)
	rig.read, rig.cdb = open(2), open(1)
	if _, err := raw.Exec(`CREATE TABLE t (v BLOB)`); err != nil {
		t.Fatal(err)
	}
	rig.w = sqldb.StartGroupWriter(raw, sqldb.WriterConfig{})
	t.Cleanup(func() { rig.w.Close() })
	rig.cp = sqldb.NewCheckpointer(rig.cdb, rig.w, rig.path+"-wal", time.Hour, nil)
	t.Cleanup(func() { rig.cp.Close() })
	rig.insert = func(n int) {
		t.Helper()
		for range n {
			err := rig.w.Write(ctx, func(tx sqldb.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (randomblob(3000))`)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	rig.holdReader = func() func() {
		t.Helper()
		tx, err := rig.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return func() { tx.Rollback() }
	}
	return rig
}

// TestWriterRestartsLog: under a steady stream of writes SQLite's
// write-ahead log never starts again from its beginning by itself, since
// some reader always holds an older frame while the checkpointer copies.
// A checkpoint that leaves the log long asks the writer to restart it, and
// the writer's next commit writes at the log's beginning; a reader that
// stays in the way makes the writer give up after a moment, not stall.
func TestWriterRestartsLog(t *testing.T) {
	ctx := context.Background()
	rig := newLogRig(t)
	w, cdb, cp, insert := rig.w, rig.cdb, rig.cp, rig.insert
	// logPages is the log's length in frames; the PASSIVE checkpoint
	// that tells it copies what it can, which changes nothing here.
	logPages := func() int {
		t.Helper()
		var busy, pages, copied int
		if err := cdb.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &pages, &copied); err != nil {
			t.Fatal(err)
		}
		return pages
	}
	holdReader := rig.holdReader

	insert(5)
	release := holdReader()
	insert(sqldb.RestartPages / 2) // two pages a row: the log passes RestartPages
	if err := cp.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// Measured with the reader still there: a checkpoint without it
	// would copy everything, and SQLite would restart the log itself.
	long := logPages()
	release()
	if long <= sqldb.RestartPages {
		t.Fatalf("setup: the log has %d pages, want more than %d", long, sqldb.RestartPages)
	}
	insert(1)
	if got := logPages(); got >= long || got > 10 {
		t.Errorf("after the restart the log has %d pages (before: %d); want the last commit's few", got, long)
	}
	if got := w.Restarts(); got != 1 {
		t.Errorf("Restarts = %d, want 1", got)
	}

	// A reader that stays: the writer waits a moment, gives up, and the
	// write goes on; its connection keeps its own busy timeout.
	release = holdReader()
	defer release()
	insert(sqldb.RestartPages / 2)
	if err := cp.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	insert(1)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a write behind a blocked restart took %v", d)
	}
	if got := w.Restarts(); got != 1 {
		t.Errorf("Restarts = %d after a reader blocked the restart, want still 1", got)
	}
	var timeout int
	err := w.Write(ctx, func(tx sqldb.Tx) error { return tx.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout) })
	if err != nil || timeout != 5000 {
		t.Errorf("writer's busy_timeout after the restart = %d, %v; want 5000", timeout, err)
	}

	// The reader gone, the writer tries again after its first, short
	// quiet (a second), not ten: the log must not grow that long after
	// one reader that happened to be in the way.
	release()
	time.Sleep(1200 * time.Millisecond)
	if err := cp.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	insert(1)
	if got := w.Restarts(); got != 2 {
		t.Errorf("Restarts = %d 1.2 s after the reader left, want 2", got)
	}
}

// TestSearchPendingFolds: a report still waiting for the full-text index
// is found by the words that find it once indexed, accents and case
// aside, as the index compares (tokenize 'trigram remove_diacritics 1').
func TestSearchPendingFolds(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "esambat.db")
	db := openMigrated(t, path)
	set, _ := refdata.New("")
	if _, err := set.Sync(ctx, db); err != nil {
		t.Fatal(err)
	}
	u := &esambat.User{Role: esambat.RoleWarga, Name: "Siti", Phone: "+6281234500001", PasswordHash: "x", KelurahanCode: "35.75.02.1001"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	r := &esambat.Report{
		Type: esambat.TypePengaduan, CategoryCode: "jalan-jembatan", Title: "Trotoar rusak di depan Kafé Ëndah",
		Description: "Paving lepas, pejalan kaki tersandung.", KelurahanCode: "35.75.02.1001",
		Visibility: esambat.VisibilityPublik, Status: esambat.StatusDiajukan, Channel: esambat.ChannelWeb, ReporterID: u.ID,
	}
	ev := &esambat.Event{Action: esambat.ActionSubmit, ActorID: u.ID, ActorRole: esambat.RoleWarga, To: esambat.StatusDiajukan}
	if _, _, err := db.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	search := func(q string) bool { return found(t, db, q) == 1 }
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	eventually.True(t, "the report to be indexed", func() bool {
		var pending int
		return raw.QueryRow(`SELECT COUNT(*) FROM fts_pending`).Scan(&pending) == nil && pending == 0
	})
	queries := []string{"kafe", "KAFÉ", "endah", "ëndah trotoar", "tersandung"}
	for _, q := range queries {
		if !search(q) {
			t.Errorf("indexed: search %q finds nothing", q)
		}
	}
	// Take the report out of the index and mark it pending again, on a
	// connection of the test's own (the writer has nothing left to do,
	// so it will not index it again meanwhile).
	for _, q := range []string{
		`INSERT INTO reports_fts (reports_fts, rowid, title, description) SELECT 'delete', id, title, description FROM reports WHERE id = ?`,
		`INSERT INTO fts_pending (id) VALUES (?)`,
	} {
		if _, err := raw.Exec(q, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	var indexed int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH '"kafe"'`).Scan(&indexed); err != nil || indexed != 0 {
		t.Fatalf("setup: the index still holds the report (%d, %v)", indexed, err)
	}
	for _, q := range queries {
		if !search(q) {
			t.Errorf("pending: search %q finds nothing", q)
		}
	}
	if search("kafir") {
		t.Error(`pending: search "kafir" finds the report`)
	}
}

// TestCheckpointerTruncates: once a load has passed and the log is all
// copied, a log file grown past the threshold is cut back to nothing; a
// reader in the way makes the checkpointer give up for a while instead
// of holding writes back at every checkpoint.
func TestCheckpointerTruncates(t *testing.T) {
	ctx := context.Background()
	rig := newLogRig(t)
	path, read, cp, insert := rig.path, rig.read, rig.cp, rig.insert
	cp.SetTruncateAbove(1 << 20)
	walSize := func() int64 {
		t.Helper()
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	rows := func() (n int) {
		t.Helper()
		if err := read.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	insert(300) // about 600 pages: 2.4 MB of log, under RestartPages
	if size := walSize(); size <= 1<<20 {
		t.Fatalf("setup: log file %d bytes, want more than 1 MiB", size)
	}
	if err := cp.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if size := walSize(); size != 0 || cp.Truncations() != 1 {
		t.Errorf("after a quiet checkpoint: log file %d bytes, %d truncations; want 0 and 1", size, cp.Truncations())
	}
	if n := rows(); n != 300 {
		t.Errorf("%d rows after the truncation, want 300", n)
	}

	// A reader on the log: the truncation waits a moment, gives up, and
	// leaves the log alone at the next checkpoints.
	insert(300)
	release := rig.holdReader()
	start := time.Now()
	if err := cp.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a checkpoint behind a reader took %v", d)
	}
	release()
	if err := cp.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if size := walSize(); size == 0 || cp.Truncations() != 1 {
		t.Errorf("after a reader kept it waiting: log file %d bytes, %d truncations; want the log kept, 1", size, cp.Truncations())
	}
	insert(1)
	if n := rows(); n != 601 {
		t.Errorf("%d rows, want 601", n)
	}
}

// TestOpenTruncatesLog: Open gives the checkpointer the log's file, so a
// quiet checkpoint cuts it back.
func TestOpenTruncatesLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "esambat.db")
	db := openMigrated(t, path)
	fi, err := os.Stat(path + "-wal")
	if err != nil || fi.Size() == 0 {
		t.Fatalf("setup: log file %v, %v; want the migrations in it", fi, err)
	}
	db.Checkpointer.SetTruncateAbove(0)
	eventually.True(t, "the log file to be cut back", func() bool {
		if err := db.Checkpointer.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path + "-wal")
		return err == nil && fi.Size() == 0
	})
}

// TestSearchIDs: a list with search words reads the trigram index newest
// (or oldest) first and stops when its page is full (Dialect.SearchIDs),
// and returns the very pages that matching every report first
// (SearchClause) returns: reports indexed and reports still waiting for
// the index, other filters, short words, both orders, every page.
func TestSearchIDs(t *testing.T) {
	ctx := context.Background()
	db := openSeeded(t)
	insert := func(from, to int) {
		t.Helper()
		err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO reports
				(ticket, type, category_code, title, description, visibility, status, channel, created_at, updated_at, published_at)
				WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				SELECT 'T-' || i, 'pengaduan', CASE WHEN i % 3 = 0 THEN 'drainase-banjir' ELSE 'jalan-jembatan' END,
					CASE i % 4 WHEN 0 THEN 'Lampu jalan padam' WHEN 1 THEN 'Jalan berlubang di gang' WHEN 2 THEN 'Banjir di jalan raya' ELSE 'Sampah menumpuk' END,
					'Mohon segera ditangani.', 'publik', 'diajukan', 'web',
					strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-12-01', '+' || i || ' minutes'), '2026-12-01T00:00:00Z',
					CASE WHEN i % 5 <> 0 THEN '2026-12-01T00:00:00Z' END
				FROM n`, from, to)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	insert(1, 300) // the first batch is indexed at its end
	insert(301, 400)
	var pending int
	if err := db.Read.QueryRow(`SELECT COUNT(*) FROM fts_pending`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending == 0 {
		t.Log("every report was indexed at once; only the index's side is compared")
	}
	pages := func(f esambat.ReportFilter) []int64 { t.Helper(); return storetest.PageIDs(t, db, f, 100) }
	streaming := db.Dialect.SearchIDs
	minute := func(i int) time.Time { return time.Date(2026, 12, 1, 0, i, 0, 0, time.UTC) }
	for _, f := range []esambat.ReportFilter{
		{Query: "jalan", Limit: 20},
		{Query: "jalan", Limit: 7, PublishedOnly: true},
		{Query: "jalan", Limit: 9, OldestFirst: true},
		{Query: "lampu jalan", Limit: 11},
		{Query: "jalan di", Limit: 13},
		{Query: "banjir", Limit: 5, CategoryCode: "drainase-banjir", PublishedOnly: true},
		{Query: "tidak-ada", Limit: 20},
		// Report i was created i minutes after midnight: a window bounds
		// the index's walk by the window's IDs (windowIDs), which must
		// take both ends of the window.
		{Query: "jalan", Limit: 7, PublishedOnly: true, From: minute(100), To: minute(250)},
		{Query: "jalan", Limit: 9, OldestFirst: true, From: minute(51), To: minute(350)},
		{Query: "lampu", Limit: 5, From: minute(380)},
		{Query: "jalan", Limit: 20, To: minute(10)},
		{Query: "jalan", Limit: 20, From: minute(1000)},
	} {
		db.Dialect.SearchIDs = streaming
		got := pages(f)
		plan, err := db.ExplainFindReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "MERGE (UNION ALL)") {
			t.Errorf("%+v: plan does not merge the index's matches with the waiting reports in order:\n%s", f, plan)
		}
		db.Dialect.SearchIDs = nil
		want := pages(f)
		db.Dialect.SearchIDs = streaming
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%+v:\n got %v\nwant %v", f, got, want)
		}
		// The list page's bounded count reads the index the same way.
		for _, max := range []int{1, len(want) - 1, len(want), len(want) + 1} {
			if n, err := db.CountReportsUpTo(ctx, f, max); max > 0 && (err != nil || n != min(max, len(want))) {
				t.Errorf("CountReportsUpTo(%+v, %d) = %d, %v; want %d", f, max, n, err, min(max, len(want)))
			}
		}
		if f.Query == "jalan" && f.From.IsZero() && f.To.IsZero() && len(want) < 100 {
			t.Errorf("%+v: %d reports, the test needs more", f, len(want))
		}
	}

	// A public search without a window walks the index from the newest
	// published report down (windowIDs), past reports waiting for
	// verification; a staff search walks them all.
	var got sqldb.IDRange
	db.Dialect.SearchIDs = func(q, conds string, args []any, desc bool, limit int, ids sqldb.IDRange) (string, []any, bool) {
		got = ids
		return streaming(q, conds, args, desc, limit, ids)
	}
	defer func() { db.Dialect.SearchIDs = streaming }()
	var newest int64
	if err := db.Read.QueryRow(`SELECT MAX(id) FROM reports WHERE published_at IS NOT NULL AND visibility <> 'rahasia'`).Scan(&newest); err != nil {
		t.Fatal(err)
	}
	for _, f := range []esambat.ReportFilter{{Query: "jalan", PublishedOnly: true, Limit: 5}, {Query: "jalan", Limit: 5}} {
		got = sqldb.IDRange{Lo: -1}
		if _, err := db.FindReports(ctx, f); err != nil {
			t.Fatal(err)
		}
		want := sqldb.IDRange{}
		if f.PublishedOnly {
			want = sqldb.IDRange{Lo: 1, Hi: newest}
		}
		if got != want {
			t.Errorf("%+v: the index was walked within %+v, want %+v", f, got, want)
		}
	}
	// A staff search of some statuses walks only their IDs (statusIDs).
	if err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE reports SET status = 'ditutup' WHERE id < 50 OR id > 350`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var lo, hi int64
	if err := db.Read.QueryRow(`SELECT MIN(id), MAX(id) FROM reports WHERE status = 'diajukan'`).Scan(&lo, &hi); err != nil {
		t.Fatal(err)
	}
	f := esambat.ReportFilter{Query: "jalan", Statuses: []esambat.Status{esambat.StatusDiajukan}, Limit: 5, OldestFirst: true}
	got = sqldb.IDRange{Lo: -1}
	if _, err := db.FindReports(ctx, f); err != nil {
		t.Fatal(err)
	}
	if want := (sqldb.IDRange{Lo: lo, Hi: hi}); got != want || lo != 50 {
		t.Errorf("%+v: the index was walked within %+v, want %+v", f, got, want)
	}
}
