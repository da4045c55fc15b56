package sqldb

import (
	"context"
	"database/sql"
	"log/slog"
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
// restart it; see GroupWriter.restartLog). Durability is unchanged: a commit is durable once it is in
// the fsynced log; the checkpoint only moves it.
type Checkpointer struct {
	db       *sql.DB
	writer   *GroupWriter
	interval time.Duration
	logger   *slog.Logger
	paused   atomic.Int32
	runs     atomic.Int64
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// RestartPages is the length of the write-ahead log, in pages, past
// which a checkpoint asks the writer to start the log again from its
// beginning (GroupWriter.RestartLog): SQLite's own default checkpoint
// threshold, 4 MB of 4 KiB pages.
const RestartPages = 1000

// NewCheckpointer starts checkpointing db (a pool on the same file; one
// connection is enough) every interval. When writer is not nil, a
// checkpoint that leaves the log longer than RestartPages asks writer to
// restart it.
func NewCheckpointer(db *sql.DB, writer *GroupWriter, interval time.Duration, logger *slog.Logger) *Checkpointer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Checkpointer{db: db, writer: writer, interval: interval, logger: logger, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

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
func (c *Checkpointer) Checkpoint(ctx context.Context) error {
	var busy, logPages, copied int
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &copied); err != nil {
		return err
	}
	c.runs.Add(1)
	if c.writer != nil && logPages > RestartPages {
		c.writer.RestartLog()
	}
	return nil
}

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
