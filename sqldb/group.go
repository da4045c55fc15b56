package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// GroupWriter is the Writer for a database with a single writer (SQLite).
// One goroutine owns the write connection. Callers queue their work; the
// goroutine takes whatever is queued (up to MaxBatch), runs each call inside
// its own SAVEPOINT of one transaction and commits once. A failing call is
// rolled back to its savepoint and gets its own error; the others commit.
// Every caller is answered only after its batch is on disk.
//
// Under no load a batch holds one call, so latency is one commit; under
// load, N waiting calls share one fsync.
//
// Without Sync, the connection makes each COMMIT durable itself
// (synchronous=FULL): the writer waits for the fsync before it starts the
// next batch. With Sync (the connection at synchronous=NORMAL, whose
// COMMIT writes the log but does not fsync it), the writer hands the
// committed batch to a second goroutine and starts the next one at once;
// that goroutine calls Sync, once for every batch committed meanwhile,
// and only then answers their callers. The fsync of one batch overlaps
// the statements of the next, and nothing is acknowledged before it is
// durable. The price, named here because it is real: a reader may see a
// batch for the moment between its COMMIT and its fsync, and a power cut
// in that moment loses it although someone saw it. No write that
// depended on it can survive without it, since a later fsync covers
// every earlier commit of the log; its own callers were never answered.
// This is early lock release, as in Johnson et al., "Aether: A Scalable
// Approach to Logging" (VLDB 2010).
//
// A failed Sync is not retried: after a failed fsync the kernel may have
// dropped the pages it could not write, and a second fsync can succeed
// without them (PostgreSQL stops for the same reason). The writer then
// refuses every write with ErrWriterFailed until the process restarts
// and the database recovers from what is on disk; Err reports it to
// /readyz.
type GroupWriter struct {
	db *sql.DB
	// conn is db's one connection, held by the writer goroutine for as
	// long as it runs (nil until its first batch, and after a connection
	// is dropped; see begin and rollback).
	conn  *sql.Conn
	queue chan *writeReq
	done  chan struct{}
	// closing guards queue against Close: Write holds it for reading
	// from its check of closed until its request is queued, Close for
	// writing while it sets closed and closes queue. Without it a Write
	// that had seen the writer open could send on the closed queue, a
	// panic (a server shutting down while its notification worker
	// records what it sent).
	closing sync.RWMutex
	closed  bool
	once    sync.Once

	cfg WriterConfig

	// stmts are prepared on conn, across transactions.
	stmts stmtCache

	syncq chan syncItem
	syncd chan struct{}
	// unsynced counts the committed batches waiting for their fsync;
	// synced is poked after every fsync.
	unsynced atomic.Int32
	synced   chan struct{}
	failed   atomic.Pointer[error]

	// Stats, read with Stats and Busy.
	commits atomic.Int64
	calls   atomic.Int64
	busy    atomic.Int64 // nanoseconds spent running batches
	// syncWait is the part of busy spent idle in an open transaction,
	// waiting for an fsync to end or a call to come (see run).
	syncWait atomic.Int64
	syncs    atomic.Int64

	// restart is RestartLog's request, taken between two transactions;
	// restarts counts the log restarts done, quietUntil holds requests
	// off after one that found a reader in the way, for quietFor, which
	// doubles while they keep finding one (restartLog).
	restart    atomic.Bool
	restarts   atomic.Int64
	quietUntil time.Time
	quietFor   time.Duration
}

// syncItem is a committed batch waiting for its fsync.
type syncItem struct {
	batch []*writeReq
	errs  []error
}

type writeReq struct {
	ctx  context.Context
	fn   func(Tx) error
	errc chan error
}

// ErrWriterClosed is returned by Write after Close.
var ErrWriterClosed = errors.New("sqldb: writer closed")

// ErrWriterFailed is returned by Write once a Sync has failed.
var ErrWriterFailed = errors.New("sqldb: the write-ahead log could not be made durable; writes are refused until a restart")

// WriterConfig is what a GroupWriter does besides the callers' work.
type WriterConfig struct {
	// MaxBatch bounds the calls of one transaction; 0 means 64.
	MaxBatch int
	// Sync, when set, makes durable everything committed before it was
	// called, for a connection whose COMMIT does not (see GroupWriter).
	// Nil: every COMMIT is durable when it returns.
	Sync func() error
	// Finish, when set, runs at the end of a batch in which a call
	// succeeded, in the batch's transaction before its COMMIT and in a
	// savepoint of its own: work that is cheaper done once for many calls
	// than once per call (SQLite's full-text indexing). If it fails, its
	// own changes are undone, the error is logged and the batch commits
	// anyway: the callers' work must not be lost to it, and Finish is
	// expected to catch up the next time.
	Finish func(ctx context.Context, w *GroupWriter, tx Tx) error
	// FinishEvery spaces the runs of Finish: at the end of the first
	// batch at least FinishEvery after the last run or, when no batch
	// comes, FinishEvery after the last run in a transaction of its own.
	// Zero runs it at the end of every batch. Finish also runs when the
	// writer starts (for what a crash left) and when it closes.
	FinishEvery time.Duration
	// Logger receives Finish's and Sync's errors; nil discards them.
	Logger *slog.Logger
}

// NewGroupWriter starts the writer goroutine on db, which must be limited
// to one open connection and make its commits durable itself.
func NewGroupWriter(db *sql.DB, maxBatch int) *GroupWriter {
	return StartGroupWriter(db, WriterConfig{MaxBatch: maxBatch})
}

// StartGroupWriter starts the writer goroutine on db, which must be
// limited to one open connection, as cfg says.
func StartGroupWriter(db *sql.DB, cfg WriterConfig) *GroupWriter {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	w := &GroupWriter{db: db, queue: make(chan *writeReq, 1024), done: make(chan struct{}), cfg: cfg}
	if cfg.Sync != nil {
		// Room for every batch the writer can commit while one fsync
		// runs; a full channel holds the writer back, which is right.
		w.syncq = make(chan syncItem, 64)
		w.syncd = make(chan struct{})
		w.synced = make(chan struct{}, 1)
		go w.syncLoop()
	}
	go w.loop()
	return w
}

// Err returns ErrWriterFailed, with the cause, once a Sync has failed.
func (w *GroupWriter) Err() error {
	if p := w.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Write queues fn and waits until its batch is committed and durable.
func (w *GroupWriter) Write(ctx context.Context, fn func(tx Tx) error) error {
	if err := w.Err(); err != nil {
		return err
	}
	req := &writeReq{ctx: ctx, fn: fn, errc: make(chan error, 1)}
	if err := w.enqueue(req); err != nil {
		return err
	}
	// Once queued, wait for the answer even if ctx ends: the work may
	// already be committed, and the caller must not believe otherwise.
	return <-req.errc
}

// enqueue queues req unless the writer is closed or req's context ends
// first. The loop keeps taking requests until Close has closed the
// queue, so a send here cannot block Close for longer than the queue
// takes to move.
func (w *GroupWriter) enqueue(req *writeReq) error {
	w.closing.RLock()
	defer w.closing.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	select {
	case w.queue <- req:
		return nil
	case <-req.ctx.Done():
		return req.ctx.Err()
	}
}

// Stats returns how many transactions were committed and how many calls
// they carried.
func (w *GroupWriter) Stats() (commits, calls int64) { return w.commits.Load(), w.calls.Load() }

// Syncs returns how many times the writer made its commits durable:
// once per commit without Sync, once per Sync call with it.
func (w *GroupWriter) Syncs() int64 {
	if w.cfg.Sync == nil {
		return w.commits.Load()
	}
	return w.syncs.Load()
}

// Busy returns how long the writer has spent running batches: its
// utilisation, read twice, tells whether the single writer is the
// bottleneck (near 100 %) or waiting for work.
func (w *GroupWriter) Busy() time.Duration { return time.Duration(w.busy.Load()) }

// SyncWait returns the part of Busy the writer spent idle with a batch's
// transaction open, waiting for the fsync of earlier batches to end (or
// for a call to take in meanwhile): busy but not working. Near Busy, the
// fsync paces the writer; near zero, its own work does.
func (w *GroupWriter) SyncWait() time.Duration { return time.Duration(w.syncWait.Load()) }

// Close stops accepting work, finishes what is queued and stops the
// goroutine.
func (w *GroupWriter) Close() error {
	w.once.Do(func() {
		w.closing.Lock()
		w.closed = true
		close(w.queue)
		w.closing.Unlock()
		<-w.done
	})
	return nil
}

func (w *GroupWriter) loop() {
	defer close(w.done)
	if w.cfg.Sync != nil {
		defer func() {
			close(w.syncq)
			<-w.syncd
		}()
	}
	batch := make([]*writeReq, 0, w.cfg.MaxBatch)
	var fin finishClock
	fin.dirty = true // whatever a crash left unfinished
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var req *writeReq
		ok := true
		if wait, due := fin.wait(w); !due {
			req, ok = <-w.queue
		} else if wait <= 0 {
			w.finishAlone(&fin)
			continue
		} else {
			timer.Reset(wait)
			select {
			case req, ok = <-w.queue:
			case <-timer.C:
				w.finishAlone(&fin)
				continue
			}
		}
		if !ok {
			if fin.dirty && w.cfg.Finish != nil {
				w.finishAlone(&fin)
			}
			break
		}
		if w.restart.Swap(false) {
			w.restartLog()
		}
		batch = drain(w.queue, append(batch[:0], req), w.cfg.MaxBatch)
		w.run(batch, &fin)
	}
	w.disconnect()
}

// RestartLog asks the writer to start SQLite's write-ahead log again from
// its beginning, between two of its transactions (see restartLog). The
// Checkpointer asks when the log has grown long.
func (w *GroupWriter) RestartLog() { w.restart.Store(true) }

// Restarts returns how many times the writer restarted the log.
func (w *GroupWriter) Restarts() int64 { return w.restarts.Load() }

// restartLog runs a RESTART checkpoint on the write connection, outside
// any transaction, so that the next commit writes the log from its
// beginning.
//
// SQLite starts its log again only when a write begins after every frame
// has been copied into the database file and no reader still reads one.
// Under a steady stream of writes that moment never comes by itself: the
// writer begins its next batch as soon as it commits, while the
// Checkpointer copies frames on another connection, and by the time it
// has copied them there are newer ones. The log then grows for as long
// as the load lasts (2 GB in 19 s of intake at 2,800 reports/s), and every
// commit appends to the end of the file, where the file system allocates
// and zeroes pages (a sixth of the server's CPU in that run went to
// zeroing in ext4's write path). The writer's RESTART checkpoint has
// little left to copy after the Checkpointer's PASSIVE one; it waits for
// the readers of older frames (milliseconds), copies the rest, and the
// next batch overwrites the log's first pages, which are still in the
// page cache.
//
// The wait is bounded (readerWait): a long reader (a backup) makes the
// checkpoint give up, and the writer then ignores requests for a while
// rather than stall every second: one second after a first failure,
// twice as long after each next one, up to readerQuiet. With a fixed ten
// seconds, each failure (the statistics' reads at a million reports, under
// writes) let the log grow by about 35 MB a second: its file reached
// 1.3 GB in 30 s (scripts/stats-wal.sh, BENCHMARKS.md). Durability is not
// touched: the checkpoint fsyncs the log before it copies and the
// database file after, and a commit is acknowledged only once its frames
// are fsynced, whichever offset of the log they sit at.
func (w *GroupWriter) restartLog() {
	if time.Now().Before(w.quietUntil) || w.Err() != nil {
		return
	}
	start := time.Now()
	defer func() { w.busy.Add(int64(time.Since(start))) }()
	ctx := context.Background()
	if err := w.connect(ctx); err != nil {
		w.cfg.Logger.Warn("sqldb: restarting the write-ahead log", "err", err)
		return
	}
	busy, keep, err := checkpointWithin(ctx, w.conn, "RESTART", readerWait)
	if !keep {
		w.cfg.Logger.Error("sqldb: could not restore the write connection's busy timeout; it is replaced", "err", err)
		w.disconnect()
	}
	if err != nil {
		w.cfg.Logger.Warn("sqldb: restarting the write-ahead log", "err", err)
	}
	if err != nil || busy {
		w.quietFor = min(max(2*w.quietFor, readerQuietFirst), readerQuiet)
		w.quietUntil = time.Now().Add(w.quietFor)
		return
	}
	w.quietFor = 0
	w.restarts.Add(1)
}

// drain appends to buf what ch holds now, without waiting, until buf
// has max items.
func drain[T any](ch <-chan T, buf []T, max int) []T {
	for len(buf) < max {
		select {
		case v, ok := <-ch:
			if !ok {
				return buf
			}
			buf = append(buf, v)
		default:
			return buf
		}
	}
	return buf
}

// finishClock schedules Finish (see WriterConfig.FinishEvery).
type finishClock struct {
	last  time.Time // when Finish last ran
	dirty bool      // a call succeeded since
}

// wait returns how long until Finish is due, and whether it will be at
// all: only after a call succeeded since it last ran.
func (f *finishClock) wait(w *GroupWriter) (time.Duration, bool) {
	if w.cfg.Finish == nil || !f.dirty {
		return 0, false
	}
	return time.Until(f.last.Add(w.cfg.FinishEvery)), true
}

// now reports whether a batch that ran a call should end with Finish.
func (f *finishClock) now(w *GroupWriter) bool {
	f.dirty = true
	if w.cfg.Finish == nil || time.Since(f.last) < w.cfg.FinishEvery {
		return false
	}
	f.last, f.dirty = time.Now(), false
	return true
}

// finishAlone runs Finish in a transaction of its own, when no batch
// came to carry it. Nobody waits for it, so it is not fsynced here: the
// next batch's fsync or the next checkpoint makes it durable, and until
// then what it would lose is only work Finish does again.
func (w *GroupWriter) finishAlone(f *finishClock) {
	start := time.Now()
	f.last, f.dirty = start, false
	defer func() { w.busy.Add(int64(time.Since(start))) }()
	if w.Err() != nil {
		return
	}
	ctx := context.Background()
	tx, err := w.begin(ctx)
	if err != nil {
		w.logFinish(err)
		return
	}
	w.finish(ctx, tx)
	if err := w.commit(ctx); err != nil {
		w.logFinish(err)
		return
	}
	w.commits.Add(1)
}

// begin opens a transaction on the write connection, connecting first
// when the writer holds none.
//
// The writer runs BEGIN and COMMIT itself on a *sql.Conn rather than
// through a *sql.Tx: database/sql starts a goroutine for every Tx and for
// every Rows read inside one (to watch their contexts), and wakes it at
// the end. On the one goroutine every write waits for, those wake-ups,
// three or four per report, cost more than the statements (the writer
// was runnable but not running half of the time under intake load).
// Statements on a Conn with a context that is never cancelled start no
// goroutine, and stay prepared across transactions (stmts).
func (w *GroupWriter) begin(ctx context.Context) (Tx, error) {
	if err := w.connect(ctx); err != nil {
		return nil, err
	}
	if _, err := w.Exec(ctx, w.conn, "BEGIN IMMEDIATE"); err != nil {
		w.rollback(ctx)
		return nil, err
	}
	return w.conn, nil
}

// connect takes the write connection when the writer holds none.
func (w *GroupWriter) connect(ctx context.Context) error {
	if w.conn != nil {
		return nil
	}
	c, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	w.conn = c
	return nil
}

// commit commits the open transaction; when COMMIT fails the transaction
// is rolled back, so that none stays open for the next batch.
func (w *GroupWriter) commit(ctx context.Context) error {
	_, err := w.Exec(ctx, w.conn, "COMMIT")
	if err != nil {
		w.rollback(ctx)
	}
	return err
}

// rollback rolls back the open transaction, if any. When that fails the
// connection's state is unknown: it is dropped, and the next batch
// starts on a new one.
func (w *GroupWriter) rollback(ctx context.Context) {
	_, err := w.conn.ExecContext(ctx, "ROLLBACK")
	if err == nil || strings.Contains(err.Error(), "no transaction is active") {
		return
	}
	w.cfg.Logger.Error("sqldb: rollback failed; the write connection is replaced", "err", err)
	w.disconnect()
}

// disconnect closes the write connection for good (database/sql would
// otherwise keep it for reuse).
func (w *GroupWriter) disconnect() {
	if w.conn == nil {
		return
	}
	w.stmts.close()
	_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = w.conn.Close()
	w.conn = nil
}

// run executes one batch in one transaction.
//
// With Sync, while the fsync of earlier batches runs, the callers of
// this one would wait for the next fsync anyway: run keeps the
// transaction open and takes into it the calls that arrive meanwhile
// (up to MaxBatch), and commits when that fsync ends. Fewer, larger
// commits write fewer log pages for the same calls (every commit
// rewrites the pages its calls share: the tables' last pages, the
// counters), and the writer works instead of waiting.
func (w *GroupWriter) run(batch []*writeReq, fin *finishClock) {
	start := time.Now()
	defer func() { w.busy.Add(int64(time.Since(start))) }()
	if err := w.Err(); err != nil {
		for _, r := range batch {
			r.errc <- err
		}
		return
	}
	// The transaction's context must not be a caller's: one caller giving
	// up must not abort the others' commit.
	ctx := context.Background()
	tx, err := w.begin(ctx)
	if err != nil {
		for _, r := range batch {
			r.errc <- err
		}
		return
	}
	errs := make([]error, 0, w.cfg.MaxBatch)
	ran := 0
	// call runs batch[i] in its savepoint and reports whether the
	// transaction is still usable.
	call := func(i int) bool {
		r := batch[i]
		if err := r.ctx.Err(); err != nil {
			errs = append(errs, err)
			return true
		}
		if _, err := w.Exec(ctx, tx, "SAVEPOINT w"); err != nil {
			errs = append(errs, err)
			return true
		}
		err := runProtected(r.fn, tx)
		if err != nil {
			if _, rerr := w.Exec(ctx, tx, "ROLLBACK TO w"); rerr != nil {
				// The transaction is unusable: fail the whole batch.
				// Every call of the batch is answered, those not
				// run yet included.
				w.rollback(ctx)
				aborted := fmt.Errorf("sqldb: batch aborted: %w", rerr)
				for j, r := range batch {
					if j >= i || errs[j] == nil {
						r.errc <- aborted
					} else {
						r.errc <- errs[j]
					}
				}
				return false
			}
		} else {
			ran++
		}
		if _, rerr := w.Exec(ctx, tx, "RELEASE w"); rerr != nil && err == nil {
			err = rerr
		}
		errs = append(errs, err)
		return true
	}
	for i := range batch {
		if !call(i) {
			return
		}
	}
	for w.cfg.Sync != nil && len(batch) < w.cfg.MaxBatch && w.unsynced.Load() > 0 {
		waiting := time.Now()
		select {
		case r, ok := <-w.queue:
			w.syncWait.Add(int64(time.Since(waiting)))
			if !ok {
				break
			}
			batch = append(batch, r)
			if !call(len(batch) - 1) {
				return
			}
			continue
		case <-w.synced:
			w.syncWait.Add(int64(time.Since(waiting)))
			continue
		}
		break
	}
	if ran > 0 && fin.now(w) {
		w.finish(ctx, tx)
	}
	if err := w.commit(ctx); err != nil {
		for i := range batch {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	} else {
		w.commits.Add(1)
		w.calls.Add(int64(ran))
		if w.cfg.Sync != nil && ran > 0 {
			// The callers are answered after the fsync; the batch
			// slice is the loop's, so the item takes a copy.
			w.unsynced.Add(1)
			w.syncq <- syncItem{batch: slices.Clone(batch), errs: errs}
			return
		}
	}
	for i, r := range batch {
		r.errc <- errs[i]
	}
}

// syncLoop makes committed batches durable: one Sync for all the batches
// committed since the last one began, then their callers' answers.
func (w *GroupWriter) syncLoop() {
	defer close(w.syncd)
	var items []syncItem
	for it := range w.syncq {
		items = drain(w.syncq, append(items[:0], it), cap(w.syncq)+1)
		err := w.Err()
		if err == nil {
			if serr := w.cfg.Sync(); serr != nil {
				err = fmt.Errorf("%w: %w", ErrWriterFailed, serr)
				w.failed.CompareAndSwap(nil, &err)
				w.cfg.Logger.Error("sqldb: fsync of the write-ahead log failed; writes are refused until the server restarts", "err", serr)
			} else {
				w.syncs.Add(1)
			}
		}
		for _, it := range items {
			for i, r := range it.batch {
				if it.errs[i] == nil {
					it.errs[i] = err
				}
				r.errc <- it.errs[i]
			}
		}
		w.unsynced.Add(-int32(len(items)))
		select {
		case w.synced <- struct{}{}:
		default:
		}
	}
}

// FinishIn runs Finish now in tx, a transaction of the writer's current
// batch (from within a call), for a caller that needs its work done: an
// integrity check of the full-text index.
func (w *GroupWriter) FinishIn(ctx context.Context, tx Tx) error {
	if w.cfg.Finish == nil {
		return nil
	}
	return w.cfg.Finish(ctx, w, tx)
}

// finish runs Finish in a savepoint of its own; see WriterConfig.Finish.
func (w *GroupWriter) finish(ctx context.Context, tx Tx) {
	if _, err := w.Exec(ctx, tx, "SAVEPOINT finish"); err != nil {
		w.logFinish(err)
		return
	}
	if err := runProtected(func(tx Tx) error { return w.cfg.Finish(ctx, w, tx) }, tx); err != nil {
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
	w.cfg.Logger.Error("sqldb: end-of-batch work failed; retried at its next run", "err", err)
}

// Exec runs query in tx, the transaction of the current batch, through
// the writer's prepared statements. The context only carries values:
// once the writer runs a call, the call's statements run to their end
// whatever happens to the caller (the driver would otherwise watch every
// statement's context with a goroutine of its own, and an interrupt
// lands on the connection, not on one statement).
func (w *GroupWriter) Exec(ctx context.Context, tx Tx, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if st := w.stmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// QueryRow is Exec for a query of one row.
func (w *GroupWriter) QueryRow(ctx context.Context, tx Tx, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if st := w.stmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// Query is Exec for a query of rows.
func (w *GroupWriter) Query(ctx context.Context, tx Tx, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if st := w.stmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// stmt returns query prepared on the write connection when tx is it.
func (w *GroupWriter) stmt(ctx context.Context, tx Tx, query string) *sql.Stmt {
	if w.conn == nil || tx != Tx(w.conn) {
		return nil
	}
	return w.stmts.get(ctx, w.conn, query)
}
