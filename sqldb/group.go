package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// GroupWriter is the Writer for a database with a single writer (SQLite).
// One goroutine owns the write connection. Callers queue their work; the
// goroutine takes whatever is queued (up to MaxBatch), runs each call inside
// its own SAVEPOINT of one transaction and commits once. A failing call is
// rolled back to its savepoint and gets its own error; the others commit.
// Every caller is answered only after the COMMIT returned, so with
// synchronous=FULL nothing is acknowledged before it is on disk.
//
// Under no load a batch holds one call, so latency is one commit; under
// load, N waiting calls share one fsync.
type GroupWriter struct {
	db       *sql.DB
	queue    chan *writeReq
	maxBatch int
	done     chan struct{}
	closed   atomic.Bool
	once     sync.Once

	// Finish, when set, runs at the end of every batch in which a call
	// succeeded, in the batch's transaction before its COMMIT and in a
	// savepoint of its own: work that is cheaper done once per batch than
	// once per call (SQLite's full-text indexing). If it fails, its own
	// changes are undone, the error is logged and the batch commits
	// anyway: the callers' work must not be lost to it, and Finish is
	// expected to catch up at the next batch. Set it before the first
	// Write.
	Finish func(ctx context.Context, tx *sql.Tx) error
	// Logger receives Finish's errors; nil discards them.
	Logger *slog.Logger

	stmts writerStmts

	// Stats, read with Stats and Busy.
	commits atomic.Int64
	calls   atomic.Int64
	busy    atomic.Int64 // nanoseconds spent running batches
}

type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	errc chan error
}

// ErrWriterClosed is returned by Write after Close.
var ErrWriterClosed = errors.New("sqldb: writer closed")

// NewGroupWriter starts the writer goroutine on db, which must be limited
// to one open connection.
func NewGroupWriter(db *sql.DB, maxBatch int) *GroupWriter {
	if maxBatch <= 0 {
		maxBatch = 64
	}
	w := &GroupWriter{db: db, queue: make(chan *writeReq, 1024), maxBatch: maxBatch, done: make(chan struct{})}
	go w.loop()
	return w
}

// Write queues fn and waits for the commit of its batch.
func (w *GroupWriter) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if w.closed.Load() {
		return ErrWriterClosed
	}
	req := &writeReq{ctx: ctx, fn: fn, errc: make(chan error, 1)}
	select {
	case w.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return ErrWriterClosed
	}
	// Once queued, wait for the answer even if ctx ends: the work may
	// already be committed, and the caller must not believe otherwise.
	return <-req.errc
}

// Stats returns how many transactions were committed and how many calls
// they carried.
func (w *GroupWriter) Stats() (commits, calls int64) { return w.commits.Load(), w.calls.Load() }

// Busy returns how long the writer has spent running batches: its
// utilisation, read twice, tells whether the single writer is the
// bottleneck (near 100 %) or waiting for work.
func (w *GroupWriter) Busy() time.Duration { return time.Duration(w.busy.Load()) }

// Close stops accepting work, finishes what is queued and stops the
// goroutine.
func (w *GroupWriter) Close() error {
	w.once.Do(func() {
		w.closed.Store(true)
		close(w.queue)
		<-w.done
	})
	return nil
}

func (w *GroupWriter) loop() {
	defer close(w.done)
	batch := make([]*writeReq, 0, w.maxBatch)
	for req := range w.queue {
		batch = append(batch[:0], req)
	collect:
		for len(batch) < w.maxBatch {
			select {
			case r, ok := <-w.queue:
				if !ok {
					break collect
				}
				batch = append(batch, r)
			default:
				break collect
			}
		}
		w.run(batch)
		w.stmts.prepareWanted(w.db)
	}
	w.stmts.close()
}

// run executes one batch in one transaction.
func (w *GroupWriter) run(batch []*writeReq) {
	start := time.Now()
	defer func() { w.busy.Add(int64(time.Since(start))) }()
	errs := make([]error, len(batch))
	// The transaction's context must not be a caller's: one caller giving
	// up must not abort the others' commit.
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.errc <- err
		}
		return
	}
	ran := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if _, err := w.Exec(ctx, tx, "SAVEPOINT w"); err != nil {
			errs[i] = err
			continue
		}
		if err := runProtected(r.fn, tx); err != nil {
			errs[i] = err
			if _, rerr := w.Exec(ctx, tx, "ROLLBACK TO w"); rerr != nil {
				// The transaction is unusable: fail the whole batch.
				_ = tx.Rollback()
				for j, r := range batch {
					if errs[j] == nil || j >= i {
						errs[j] = fmt.Errorf("sqldb: batch aborted: %w", rerr)
					}
					r.errc <- errs[j]
				}
				return
			}
		} else {
			ran++
		}
		if _, err := w.Exec(ctx, tx, "RELEASE w"); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if ran > 0 && w.Finish != nil {
		w.finish(ctx, tx)
	}
	if err := tx.Commit(); err != nil {
		for i := range batch {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	} else {
		w.commits.Add(1)
		w.calls.Add(int64(ran))
	}
	for i, r := range batch {
		r.errc <- errs[i]
	}
}

// finish runs Finish in a savepoint of its own; see GroupWriter.Finish.
func (w *GroupWriter) finish(ctx context.Context, tx *sql.Tx) {
	if _, err := w.Exec(ctx, tx, "SAVEPOINT finish"); err != nil {
		w.logFinish(err)
		return
	}
	if err := runProtected(func(tx *sql.Tx) error { return w.Finish(ctx, tx) }, tx); err != nil {
		w.logFinish(err)
		if _, err := w.Exec(ctx, tx, "ROLLBACK TO finish"); err != nil {
			w.logFinish(err)
		}
	}
	if _, err := w.Exec(ctx, tx, "RELEASE finish"); err != nil {
		w.logFinish(err)
	}
}

func (w *GroupWriter) logFinish(err error) {
	if w.Logger != nil {
		w.Logger.Error("sqldb: end-of-batch work failed; retried at the next batch", "err", err)
	}
}

// maxWriterStmts bounds the statements kept prepared on the write
// connection. The writes are a few dozen fixed strings; one beyond the
// bound is prepared once per batch instead.
const maxWriterStmts = 256

// writerStmts keeps the writer's statements prepared across batches.
// SQLite parses and plans a statement on every prepare, and database/sql
// prepares again for every call that does not go through a *sql.Stmt; a
// statement prepared inside a transaction (Tx.PrepareContext) dies with
// it. So a statement seen in a batch is prepared once more on the write
// connection itself after the batch, when that connection is free (it is
// the pool's only one, held by the transaction during the batch), and
// every later batch reuses it through Tx.StmtContext, which does not
// prepare again on the same connection.
type writerStmts struct {
	mu   sync.Mutex
	kept map[string]*sql.Stmt // prepared on the write pool
	want map[string]bool      // seen in a batch, to prepare after it
	tx   *sql.Tx              // the batch whose statements cur holds
	cur  map[string]*sql.Stmt
}

// stmt returns query prepared for tx, or nil when preparing failed (the
// caller then runs it directly, which reports the error).
func (s *writerStmts) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tx != tx {
		s.tx = tx
		if s.cur == nil {
			s.cur = map[string]*sql.Stmt{}
		}
		clear(s.cur)
	}
	if st, ok := s.cur[query]; ok {
		return st
	}
	var st *sql.Stmt
	if k, ok := s.kept[query]; ok {
		st = tx.StmtContext(ctx, k)
	} else {
		p, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return nil
		}
		st = p
		if len(s.kept)+len(s.want) < maxWriterStmts {
			if s.want == nil {
				s.want = map[string]bool{}
			}
			s.want[query] = true
		}
	}
	s.cur[query] = st
	return st
}

// prepareWanted prepares on db the statements the last batch prepared
// for itself alone. It runs between batches, when the write connection
// is free.
func (s *writerStmts) prepareWanted(db *sql.DB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tx = nil
	clear(s.cur)
	for q := range s.want {
		st, err := db.PrepareContext(context.Background(), q)
		if err != nil {
			continue // prepared per batch, which reports the error
		}
		if s.kept == nil {
			s.kept = map[string]*sql.Stmt{}
		}
		s.kept[q] = st
	}
	clear(s.want)
}

func (s *writerStmts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.kept {
		st.Close()
	}
	s.kept = nil
}

// Exec runs query in tx, a transaction of the current batch, through
// the writer's prepared statements. The context only carries values:
// once the writer runs a call, the call's statements run to their end
// whatever happens to the caller (the driver would otherwise watch every
// statement's context with a goroutine of its own, and an interrupt
// lands on the connection, not on one statement).
func (w *GroupWriter) Exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if st := w.stmts.stmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// QueryRow is Exec for a query of one row.
func (w *GroupWriter) QueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if st := w.stmts.stmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// Query is Exec for a query of rows.
func (w *GroupWriter) Query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if st := w.stmts.stmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}
