package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpointer copies SQLite's write-ahead log back into the database
// file on a connection of its own, so that the single writer never does
// it inside a commit.
//
// With SQLite's default, the commit that takes the log past 1,000 pages
// also copies those pages into the database file and fsyncs it while
// every caller of its batch waits: 7 % of the writer's time under intake.
// The writer runs with wal_autocheckpoint=0 instead, and the Checkpointer
// runs a PASSIVE checkpoint every Interval: it never takes the write lock
// and never waits for readers, it copies what no reader still needs, and
// the writer starts the log again from its beginning once all of it has
// been copied (under a steady stream of writes that never happens by
// itself, so a checkpoint that leaves a long log asks the writer to
// restart it; see GroupWriter.restartLog). Durability is unchanged: a
// commit is durable once it is in the fsynced log; the checkpoint only
// moves it.
type Checkpointer struct {
	db       *sql.DB
	writer   *GroupWriter
	wal      string
	interval time.Duration
	logger   *slog.Logger
	paused   atomic.Int32
	runs     atomic.Int64
	truncs   atomic.Int64
	// quiet holds truncations off (UnixNano) after one that a reader
	// kept waiting.
	quiet atomic.Int64
	// truncateAbove is the size past which a log file all copied is
	// cut back to nothing (see Checkpoint).
	truncateAbove atomic.Int64
	stop          chan struct{}
	done          chan struct{}
	once          sync.Once
}

// RestartPages is the length of the write-ahead log, in pages, past
// which a checkpoint asks the writer to start the log again from its
// beginning (GroupWriter.RestartLog): SQLite's own default checkpoint
// threshold, 4 MB of 4 KiB pages.
const RestartPages = 1000

// TruncateAbove is the size past which a checkpoint cuts back a log file
// all copied, unless SetTruncateAbove says otherwise.
const TruncateAbove = 64 << 20

// NewCheckpointer starts checkpointing db (a pool on the same file; one
// connection is enough) every interval. When writer is not nil, a
// checkpoint that leaves the log longer than RestartPages asks writer to
// restart it. wal is the log's file ("" to leave its size alone).
func NewCheckpointer(db *sql.DB, writer *GroupWriter, wal string, interval time.Duration, logger *slog.Logger) *Checkpointer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Checkpointer{db: db, writer: writer, wal: wal, interval: interval, logger: logger, stop: make(chan struct{}), done: make(chan struct{})}
	c.truncateAbove.Store(TruncateAbove)
	go c.loop()
	return c
}

// SetTruncateAbove sets the size past which a log file all copied is
// cut back (TruncateAbove by default).
func (c *Checkpointer) SetTruncateAbove(n int64) { c.truncateAbove.Store(n) }

func (c *Checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if c.paused.Load() > 0 {
				continue
			}
			if err := c.Checkpoint(context.Background()); err != nil {
				c.logger.Warn("sqlite: checkpoint failed; retried at the next interval", "err", err)
			}
		}
	}
}

// Checkpoint runs one PASSIVE checkpoint now.
//
// A log left longer than RestartPages means writes keep coming: it asks
// the writer to restart the log (GroupWriter.RestartLog). A log all
// copied whose file is larger than TruncateAbove (see SetTruncateAbove)
// means the load that grew it has passed: the file is cut back to
// nothing (truncate), since a restarted log keeps its file at the
// largest size it ever reached.
func (c *Checkpointer) Checkpoint(ctx context.Context) error {
	var busy, logPages, copied int
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &copied); err != nil {
		return err
	}
	c.runs.Add(1)
	switch {
	case c.writer != nil && logPages > RestartPages:
		c.writer.RestartLog()
	case c.wal != "" && busy == 0 && copied == logPages && time.Now().UnixNano() >= c.quiet.Load():
		if fi, err := os.Stat(c.wal); err == nil && fi.Size() > c.truncateAbove.Load() {
			return c.truncate(ctx)
		}
	}
	return nil
}

// truncate runs a TRUNCATE checkpoint, which empties the log's file. It
// takes the write lock, so a write that comes meanwhile waits; with
// everything already copied that is a truncation and an fsync. A reader
// in the way (a backup) makes it give up after readerWait, and the
// checkpoints leave the log alone for readerQuiet, rather than stall
// writes at every one while the reader lasts.
func (c *Checkpointer) truncate(ctx context.Context) error {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	busy, keep, err := checkpointWithin(ctx, conn, "TRUNCATE", readerWait)
	if !keep {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	if err == nil && !busy {
		c.truncs.Add(1)
	} else {
		c.quiet.Store(time.Now().Add(readerQuiet).UnixNano())
	}
	return err
}

// readerWait bounds how long a RESTART or TRUNCATE checkpoint
// (checkpointWithin) waits for readers, holding writes back meanwhile:
// the writer's restart and the checkpointer's truncation alike. After one
// that a reader kept waiting (a backup), the log is left alone for
// readerQuiet rather than writes stalled at every checkpoint while the
// reader lasts.
const (
	readerWait  = 100 * time.Millisecond
	readerQuiet = 10 * time.Second
	// readerQuietFirst is the writer's first, shorter quiet after a
	// restart a reader kept waiting (GroupWriter.restartLog).
	readerQuietFirst = time.Second
)

// checkpointWithin runs a checkpoint of mode (RESTART, TRUNCATE) on c
// with c's busy timeout cut to wait, since both modes wait for readers
// and hold others back meanwhile, and puts the timeout back. busy: a
// reader kept it from finishing. keep is false when c's timeout could
// not be put back: a connection left with the short one would fail
// writes that a backup holds up for a moment, so the caller drops it.
func checkpointWithin(ctx context.Context, c *sql.Conn, mode string, wait time.Duration) (busy, keep bool, err error) {
	var timeout int64
	if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
		return false, true, err
	}
	if _, err := c.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.FormatInt(wait.Milliseconds(), 10)); err != nil {
		return false, true, err
	}
	var blocked, logPages, copied int
	err = c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&blocked, &logPages, &copied)
	if _, rerr := c.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.FormatInt(timeout, 10)); rerr != nil {
		return blocked != 0, false, errors.Join(err, rerr)
	}
	return blocked != 0, true, err
}

// Truncations returns how many times the log's file was cut back.
func (c *Checkpointer) Truncations() int64 { return c.truncs.Load() }

// Runs returns how many checkpoints have completed.
func (c *Checkpointer) Runs() int64 { return c.runs.Load() }

// Pause stops the periodic checkpoints until the returned function is
// called: a bulk load checkpoints itself, rarely, so that an index page
// rewritten by many batches is copied once rather than every second.
func (c *Checkpointer) Pause() (resume func()) {
	c.paused.Add(1)
	var once sync.Once
	return func() { once.Do(func() { c.paused.Add(-1) }) }
}

// Close stops the checkpoints; it does not close db. Closing twice is
// harmless.
func (c *Checkpointer) Close() error {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
	})
	return nil
}
