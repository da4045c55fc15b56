package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/eventually"

	_ "modernc.org/sqlite"
)

// TestWriterStmts: a statement is prepared on the write connection once
// and the same prepared statement serves later batches; one that does
// not prepare reports its error and is not kept; a call's statements run
// to their end even when its caller gives up meanwhile.
func TestWriterStmts(t *testing.T) {
	raw, read := openPools(t)
	w := NewGroupWriter(raw, 8)
	defer w.Close()
	const insert = `INSERT INTO t VALUES (?)`
	kept := func() []string {
		w.stmts.mu.Lock()
		defer w.stmts.mu.Unlock()
		var qs []string
		for q := range w.stmts.stmts {
			qs = append(qs, q)
		}
		return qs
	}
	var first *sql.Stmt
	for i := range 3 {
		err := w.Write(context.Background(), func(tx Tx) error {
			_, err := w.Exec(context.Background(), tx, insert, i)
			st := w.stmts.stmts[insert]
			if st == nil {
				t.Errorf("batch %d: the insert is not kept prepared", i)
			} else if first == nil {
				first = st
			} else if st != first {
				t.Errorf("batch %d: the insert was prepared again", i)
			}
			return err
		})
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}

	err := w.Write(context.Background(), func(tx Tx) error {
		_, err := w.Exec(context.Background(), tx, `INSERT INTO nosuch VALUES (1)`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("statement on a missing table: err %v, want the driver's error naming it", err)
	}
	for _, q := range kept() {
		if strings.Contains(q, "nosuch") {
			t.Errorf("a statement that did not prepare was kept: %q", q)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	err = w.Write(ctx, func(tx Tx) error {
		cancel()
		_, err := w.Exec(ctx, tx, insert, 99)
		return err
	})
	if err != nil {
		t.Errorf("a call whose caller gave up while it ran: %v, want its statements to finish", err)
	}
	var n int
	if err := read.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d rows, want 4", n)
	}
}

// openPools opens a SQLite file twice: a one-connection pool for a
// writer and a pool to read beside it.
// TestGroupWriterCommitFails: when COMMIT fails, the batch's callers get
// the error and the transaction does not stay open to fail every later
// batch. SQLite keeps a transaction open after a COMMIT refused for a
// deferred foreign key.
func TestGroupWriterCommitFails(t *testing.T) {
	raw, read := openPools(t)
	if _, err := raw.Exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
		CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	// Every connection of the pool enforces foreign keys.
	raw.SetMaxIdleConns(1)
	if _, err := raw.Exec(`PRAGMA foreign_keys = ON`); err != nil {
		t.Fatal(err)
	}
	w := NewGroupWriter(raw, 8)
	defer w.Close()
	err := w.Write(context.Background(), func(tx Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO child VALUES (42)`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("commit of a dangling reference: err %v, want the foreign key error", err)
	}
	for i := range 3 {
		err := w.Write(context.Background(), func(tx Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO t VALUES (?)`, i)
			return err
		})
		if err != nil {
			t.Fatalf("write %d after the failed commit: %v", i, err)
		}
	}
	var children, rows int
	if err := read.QueryRow(`SELECT (SELECT COUNT(*) FROM child), (SELECT COUNT(*) FROM t)`).Scan(&children, &rows); err != nil {
		t.Fatal(err)
	}
	if children != 0 || rows != 3 {
		t.Errorf("after the failed commit: %d child rows, %d rows; want 0 and 3", children, rows)
	}
}

func openPools(t *testing.T) (write, read *sql.DB) {
	t.Helper()
	path := "file:" + filepath.Join(t.TempDir(), "w.db") + "?_pragma=journal_mode(WAL)"
	write, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	write.SetMaxOpenConns(1)
	t.Cleanup(func() { write.Close() })
	if _, err := write.Exec(`CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	read, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { read.Close() })
	return write, read
}

// TestGroupWriterSync: with Sync, a caller is answered only after a Sync
// that began after its batch committed; while a Sync runs, the writer
// runs the calls that arrive in one open transaction and commits them
// when it ends; a failed Sync fails its batch and every later write, and
// shows in Err, Ping and the domain error.
func TestGroupWriterSync(t *testing.T) {
	raw, read := openPools(t)
	syncing := make(chan struct{})
	release := make(chan error)
	w := StartGroupWriter(raw, WriterConfig{MaxBatch: 8, Sync: func() error {
		syncing <- struct{}{}
		return <-release
	}})
	defer w.Close()
	ctx := context.Background()
	// insert writes v; ran is closed once the call has run.
	insert := func(v int) (errc chan error, ran chan struct{}) {
		errc, ran = make(chan error, 1), make(chan struct{})
		go func() {
			errc <- w.Write(ctx, func(tx Tx) error {
				defer close(ran)
				_, err := tx.ExecContext(context.Background(), `INSERT INTO t VALUES (?)`, v)
				return err
			})
		}()
		return errc, ran
	}
	rows := func() int {
		var n int
		if err := read.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	a, _ := insert(1)
	<-syncing
	if n := rows(); n != 1 {
		t.Fatalf("%d rows once the first batch's Sync began, want it committed", n)
	}
	b, ranB := insert(2)
	c, ranC := insert(3)
	<-ranB
	<-ranC
	select {
	case err := <-a:
		t.Fatalf("answered (%v) before its Sync returned", err)
	case <-time.After(20 * time.Millisecond):
	}
	if n := rows(); n != 1 {
		t.Errorf("%d rows while the first Sync runs, want the calls that came meanwhile uncommitted", n)
	}
	release <- nil
	if err := <-a; err != nil {
		t.Fatalf("first write: %v", err)
	}
	if got := w.Syncs(); got != 1 {
		t.Errorf("Syncs = %d, want 1", got)
	}

	<-syncing // the second batch's
	if commits, calls := w.Stats(); commits != 2 || calls != 3 {
		t.Errorf("%d commits carried %d calls, want the two calls that came during the first Sync in one commit", commits, calls)
	}
	// That batch sat open at least 20 ms waiting for the first Sync. (Busy
	// counts the batch once run returns, which may be just after its Sync
	// began.)
	eventually.True(t, "Busy to count the second batch", func() bool { return w.Busy() >= w.SyncWait() })
	if wait := w.SyncWait(); wait < 20*time.Millisecond || wait > w.Busy() {
		t.Errorf("SyncWait = %v (Busy %v), want at least the 20 ms the second batch waited, within Busy", wait, w.Busy())
	}
	release <- errors.New("input/output error")
	for _, errc := range []chan error{b, c} {
		if err := <-errc; !errors.Is(err, ErrWriterFailed) || !strings.Contains(err.Error(), "input/output error") {
			t.Fatalf("write whose Sync failed: %v, want ErrWriterFailed with the cause", err)
		}
	}
	if w.Err() == nil {
		t.Error("Err is nil after a failed Sync")
	}
	d, _ := insert(4)
	if err := <-d; !errors.Is(err, ErrWriterFailed) {
		t.Errorf("write after a failed Sync: %v, want ErrWriterFailed", err)
	}
	if n := rows(); n != 3 {
		t.Errorf("%d rows, want the write after the failure refused before it ran", n)
	}
	db := New(Dialect{Name: "sqlite"}, read, w, nil)
	if err := db.Ping(ctx); !errors.Is(err, ErrWriterFailed) {
		t.Errorf("Ping after a failed Sync: %v, want ErrWriterFailed", err)
	}
	var e *esambat.Error
	e5, _ := insert(5)
	if err := db.err(<-e5); !errors.As(err, &e) || e.Code != esambat.EUNAVAILABLE {
		t.Errorf("domain error after a failed Sync: %v, want %s", err, esambat.EUNAVAILABLE)
	}
}

// TestGroupWriterFinishEvery: Finish runs when the writer starts, then at
// most once per FinishEvery at the end of a batch, on its own when no
// batch comes, and once more on Close if a call succeeded since.
func TestGroupWriterFinishEvery(t *testing.T) {
	raw, _ := openPools(t)
	var runs atomic.Int32
	finish := func(ctx context.Context, w *GroupWriter, tx Tx) error {
		runs.Add(1)
		return nil
	}
	write := func(w *GroupWriter) {
		t.Helper()
		err := w.Write(context.Background(), func(tx Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO t VALUES (1)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	w := StartGroupWriter(raw, WriterConfig{Finish: finish, FinishEvery: time.Hour})
	eventually.True(t, "Finish at start", func() bool { return runs.Load() == 1 })
	for range 20 {
		write(w)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("Finish ran %d times within its interval, want once (at start)", n)
	}
	w.Close()
	if n := runs.Load(); n != 2 {
		t.Errorf("Finish ran %d times after Close, want once more", n)
	}

	runs.Store(0)
	w = StartGroupWriter(raw, WriterConfig{Finish: finish, FinishEvery: 10 * time.Millisecond})
	defer w.Close()
	eventually.True(t, "Finish at start", func() bool { return runs.Load() == 1 })
	write(w)
	eventually.True(t, "Finish on its own after the interval", func() bool { return runs.Load() == 2 })
	time.Sleep(50 * time.Millisecond)
	if n := runs.Load(); n != 2 {
		t.Errorf("Finish ran %d times with nothing written since, want 2", n)
	}
}

// TestGroupWriterAbort: when a call leaves its batch's transaction
// unusable (its savepoint cannot be rolled back to), every call of the
// batch is answered with the abort, those queued behind it included.
func TestGroupWriterAbort(t *testing.T) {
	raw, _ := openPools(t)
	w := NewGroupWriter(raw, 8)
	defer w.Close()
	ctx := context.Background()
	hold, started := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- w.Write(ctx, func(tx Tx) error { close(started); <-hold; return nil })
	}()
	<-started
	bad, good := make(chan error, 1), make(chan error, 1)
	go func() {
		bad <- w.Write(ctx, func(tx Tx) error {
			if _, err := tx.ExecContext(context.Background(), `RELEASE w`); err != nil {
				return err
			}
			return errors.New("refused after releasing its savepoint")
		})
	}()
	eventually.True(t, "the bad call to queue", func() bool { return len(w.queue) == 1 })
	go func() {
		good <- w.Write(ctx, func(tx Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO t VALUES (1)`)
			return err
		})
	}()
	eventually.True(t, "the good call to queue", func() bool { return len(w.queue) == 2 })
	close(hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]chan error{"bad": bad, "good": good} {
		select {
		case err := <-c:
			if err == nil || !strings.Contains(err.Error(), "batch aborted") {
				t.Errorf("%s call: %v, want the batch aborted", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s call never answered", name)
		}
	}
}

// TestGroupWriterCloseWhileWriting: Close may run while other goroutines
// write (a server shutting down while its notification worker records
// what it sent). Every Write must then either commit or return
// ErrWriterClosed: never panic on the closed queue, never wait forever.
func TestGroupWriterCloseWhileWriting(t *testing.T) {
	raw, read := openPools(t)
	for round := range 50 {
		w := StartGroupWriter(raw, WriterConfig{})
		var committed, refused atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					err := w.Write(context.Background(), func(tx Tx) error {
						_, err := tx.ExecContext(context.Background(), `INSERT INTO t VALUES (?)`, round)
						return err
					})
					switch {
					case err == nil:
						committed.Add(1)
					case errors.Is(err, ErrWriterClosed):
						refused.Add(1)
						return
					default:
						t.Errorf("Write during Close: %v", err)
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(round%5) * 100 * time.Microsecond)
		w.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: writers still waiting 10 s after Close", round)
		}
		var n int64
		if err := read.QueryRow(`SELECT count(*) FROM t WHERE v = ?`, round).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != committed.Load() || refused.Load() != 8 {
			t.Fatalf("round %d: %d rows for %d committed writes, %d writers refused (want 8)", round, n, committed.Load(), refused.Load())
		}
	}
}
