package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// IDRange is the report IDs from Lo to Hi, both included; the zero value
// is no range (every ID).
type IDRange struct{ Lo, Hi int64 }

// Dialect is what differs between the databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Placeholders is true when queries must use $1, $2... instead of ?.
	Placeholders bool
	// TextTime stores times as fixed-width UTC text (SQLite has no time
	// type); otherwise times are passed as time.Time (timestamptz).
	TextTime bool
	// TranslateError maps a driver error to an *esambat.Error where it has
	// a domain meaning (unique violation -> ECONFLICT), else returns it.
	TranslateError func(error) error
	// SearchClause returns a WHERE fragment and its arguments matching
	// reports whose title or description contain the words of q.
	SearchClause func(q string) (string, []any)
	// SearchIDs, when set, returns a query for the IDs of one page of
	// the list of reports matching the words of q and conds (a WHERE
	// fragment over reports' columns, "" for none, with its args), in id
	// order (desc: newest first), at most limit of them, reading only
	// the words' matches within ids when it is set; false when q calls
	// for SearchClause instead. Without it, or on false, the list's WHERE
	// holds SearchClause.
	SearchIDs func(q, conds string, args []any, desc bool, limit int, ids IDRange) (string, []any, bool)
	// SearchScan, when set, returns the words of q as a condition
	// checked row by row, matching what the words' index matches, for a
	// list that reads few rows: an agency's inbox (inboxList), where
	// walking the index stepped over every other agency's match (SQLite:
	// "jalan" in dinas-pupr's inbox, 290 ms at a million).
	SearchScan func(q string) (string, []any)
	// CustomPlan, when set, goes first in the arguments of a search's
	// queries (a list or a count with words), which then bypass the
	// statement cache: PostgreSQL's pgx.QueryExecModeExec, so that each
	// is planned with its words and bounds. A prepared statement gets
	// PostgreSQL's generic plan from its sixth execution on, blind to
	// how common the words are: "jalan" in a two-month window went from
	// 12-16 ms to 99-138 ms, and in an agency's inbox from 5 to 40 ms.
	// Planning every query instead costs the lists without words 3-5 ms
	// each (reports has many indexes), so only searches get it.
	CustomPlan any
	// SearchFew, when set, is a query for the IDs of the reports
	// matching the words of q: SearchClause's arguments, then a limit
	// (see fewMatches).
	SearchFew string
	// MigrationLock, when set, runs first in every migration transaction
	// so that several instances starting at once migrate one at a time:
	// a query returning true when it took the lock for the transaction,
	// false when another instance holds it. Migrate then ends the
	// transaction and tries again a moment later: an instance waiting
	// inside a transaction would hold a snapshot, and CREATE INDEX
	// CONCURRENTLY in the instance holding the lock waits for every
	// older snapshot to go, so the two would wait for each other.
	MigrationLock string
	// MigrationSessionLock and MigrationSessionUnlock, when set, try to
	// take (true when taken) and release MigrationLock's lock on a
	// connection of their own, for the migrations that run outside a
	// transaction (onlineMarker). Empty: every migration runs in a
	// transaction, marked or not.
	MigrationSessionLock, MigrationSessionUnlock string
	// SkipLocked is true when SELECT ... FOR UPDATE SKIP LOCKED lets
	// concurrent transactions claim disjoint rows (PostgreSQL). SQLite has
	// one writer, so its claims are serial anyway.
	SkipLocked bool
	// TicketSequences is true when ticket numbers come from a sequence
	// per year (PostgreSQL: nextval takes no lock, so concurrent
	// submissions do not wait for each other's commit on a counter row;
	// a submission that fails after taking its number leaves a gap).
	// Otherwise they come from the ticket_counters row, updated in the
	// report's transaction, which SQLite's single writer makes cheap and
	// keeps gapless.
	TicketSequences bool
	// MapCell is the SQL expression of a point's map cell (1/400 degree
	// of latitude by 1/400 of longitude, about 280 m), exactly as the
	// reports_map index is written: FindReports uses it for boxes of
	// published reports. Empty: no such index.
	MapCell string
	// HintIndexes makes a list name the index it must read (listIndex).
	// The public list: reports_public, or reports_public_category,
	// reports_public_kelurahan or reports_public_kelurahan_category when
	// it is filtered by category, kelurahan or both. SQLite's planner,
	// which expects published reports evenly spread over the table,
	// would walk the table or the category's index past the newest
	// reports, the ones still waiting for verification. An agency's
	// inbox filtered by category or kelurahan: reports_agency, where the
	// planner walked the category's index past every other agency's
	// report (142 ms against 2-3 ms for dinas-pupr's drainage reports at
	// a million). False: the planner picks well itself (PostgreSQL).
	HintIndexes bool
	// BoundStatuses bounds a staff list of some statuses narrowed by
	// words, a category or a kelurahan by its statuses' IDs (windowIDs,
	// statusIDs). SQLite walked the words' or the category's index
	// from the oldest report past every decided one (the verification
	// queue searched for "jalan": 178 ms, 18 ms bounded, at a million
	// reports). PostgreSQL plans those lists well by itself (4-27 ms),
	// and the bound turned its plan for a common word worse (5 to 32 ms):
	// false there.
	BoundStatuses bool
	// TimesChunk is how many report IDs one query of ReportTimes covers;
	// 0 = one query over every report. SQLite's single query held its
	// read snapshot for the whole computation (15-30 s at a million
	// reports), and under writes the log's file grew to 1.3 GB meanwhile
	// (scripts/stats-wal.sh); PostgreSQL's single query (7-12 s) is
	// faster than ranges, whose joins it plans one by one (18-22 s), and
	// it only holds vacuum back for that time.
	TimesChunk int64
}

// Writer runs fn in a write transaction and returns after its durable
// commit. fn must not commit or roll back tx itself. A Writer may run
// several callers' fn in one transaction (see package doc); fn's changes
// are undone alone when fn returns an error.
type Writer interface {
	Write(ctx context.Context, fn func(tx Tx) error) error
	Close() error
}

// Tx is what a Writer's fn writes through: a *sql.Tx (TxWriter), or the
// single write connection inside its open transaction (GroupWriter,
// which runs BEGIN and COMMIT on a *sql.Conn itself; see there why).
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// DB is an open database: a pool for reads and a Writer for writes.
type DB struct {
	Dialect Dialect
	Read    *sql.DB
	Writer  Writer
	// Now is the clock; tests replace it.
	Now    func() time.Time
	Logger *slog.Logger
	// Planner, when set, turns every stored event into outbox messages
	// in the event's own transaction (see esambat.NotificationPlanner).
	Planner esambat.NotificationPlanner

	// ReportTimesChunk is how many report IDs one query of ReportTimes
	// covers; 0 = Dialect.TimesChunk. Tests make it small.
	ReportTimesChunk int64

	// Checkpointer, when set (SQLite), moves the write-ahead log into the
	// database file outside the writer; bulk loads pause it.
	Checkpointer *Checkpointer

	// replica, when set (SetReplica), is a read-only copy of the
	// database (a PostgreSQL streaming replica) for the public reads,
	// which may lag behind the writes by a moment (see replica.go); nil =
	// Read takes every read.
	replica replicaState

	categories categoryCache
	rebound    sync.Map // query -> rebound query
	stmtCache  stmtCache
	closers    []func() error
}

// New returns a DB. closers run in order on Close after the Writer.
func New(d Dialect, read *sql.DB, w Writer, logger *slog.Logger, closers ...func() error) *DB {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &DB{Dialect: d, Read: read, Writer: w, Now: time.Now, Logger: logger, closers: closers}
}

// OnClose adds fn to what Close runs after the Writer (a pool opened
// later, such as a replica's).
func (db *DB) OnClose(fn func() error) { db.closers = append(db.closers, fn) }

// Close stops the writer and closes the pools.
func (db *DB) Close() error {
	var errs []error
	if db.Writer != nil {
		errs = append(errs, db.Writer.Close())
	}
	errs = append(errs, db.closeStmts())
	for _, c := range db.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers and takes writes; /readyz
// uses it.
func (db *DB) Ping(ctx context.Context) error {
	if f, ok := db.Writer.(interface{ Err() error }); ok {
		if err := f.Err(); err != nil {
			return err
		}
	}
	return db.Read.PingContext(ctx)
}

// q rewrites a query written with ? placeholders for the dialect.
func (db *DB) q(query string) string {
	if !db.Dialect.Placeholders {
		return query
	}
	if v, ok := db.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	db.rebound.Store(query, b.String())
	return b.String()
}

// timeLayout is fixed-width so that text comparison orders times.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// t converts a time to the dialect's column value; the zero time is NULL.
func (db *DB) t(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	v = v.UTC().Truncate(time.Microsecond)
	if db.Dialect.TextTime {
		return v.Format(timeLayout)
	}
	return v
}

// scanTime scans a time column stored as text (SQLite) or timestamptz.
type scanTime struct{ t *time.Time }

func (s scanTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("sqldb: cannot scan %T into time", v)
	}
	return nil
}

func (s scanTime) parse(x string) error {
	t, err := time.Parse(time.RFC3339Nano, x)
	if err != nil {
		return fmt.Errorf("sqldb: bad time %q: %w", x, err)
	}
	*s.t = t.UTC()
	return nil
}

// nullStr stores "" as NULL, so UNIQUE columns allow many empty values.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(i int64) any {
	if i == 0 {
		return nil
	}
	return i
}

// err translates a driver error for the domain.
func (db *DB) err(err error) error {
	if err == nil {
		return nil
	}
	var e *esambat.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return esambat.Errorf(esambat.ENOTFOUND, "Data tidak ditemukan.")
	}
	if errors.Is(err, ErrWriterFailed) || errors.Is(err, ErrWriterClosed) {
		return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Basis data sedang tidak dapat menyimpan. Coba lagi sebentar lagi.", Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Basis data terlalu lama menjawab. Coba lagi sebentar lagi.", Err: err}
	}
	if db.Dialect.TranslateError != nil {
		return db.Dialect.TranslateError(err)
	}
	return err
}

// Migrate applies the .sql files of fsys (sorted by name) that are not yet
// recorded in schema_migrations, each in its own transaction, or outside
// one where it is marked so (onlineMarker). Migrations are append-only: a
// file once released is never edited.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS) error {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if db.Dialect.MigrationSessionLock != "" && strings.HasPrefix(string(body), onlineMarker) {
			if err := db.migrateOnline(ctx, name, string(body)); err != nil {
				return fmt.Errorf("migrate %s: %w", name, err)
			}
			continue
		}
		err = db.whileMigrationBusy(ctx, name, func() error {
			return db.Writer.Write(ctx, func(tx Tx) error {
				return db.migrateInTx(ctx, tx, name, string(body))
			})
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// errMigrationBusy: another instance holds the migration lock.
var errMigrationBusy = errors.New("sqldb: another instance is migrating")

// migrationRetry is how long Migrate waits before it tries again for the
// migration lock that another instance holds.
const migrationRetry = 100 * time.Millisecond

// whileMigrationBusy calls try until it returns anything but
// errMigrationBusy, waiting migrationRetry between calls, outside any
// transaction.
func (db *DB) whileMigrationBusy(ctx context.Context, name string, try func() error) error {
	logged := false
	for {
		err := try()
		if !errors.Is(err, errMigrationBusy) {
			return err
		}
		if !logged {
			db.Logger.Info("waiting for another instance to finish migrating", "migration", name)
			logged = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(migrationRetry):
		}
	}
}

// migrateInTx applies the migration name in tx unless it is recorded.
func (db *DB) migrateInTx(ctx context.Context, tx Tx, name, body string) error {
	if db.Dialect.MigrationLock != "" {
		var took bool
		if err := tx.QueryRowContext(ctx, db.Dialect.MigrationLock).Scan(&took); err != nil {
			return err
		} else if !took {
			return errMigrationBusy
		}
	}
	if applied, err := db.migrationApplied(ctx, tx, name); err != nil || applied {
		return err
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if step := goSteps[strings.TrimLeft(name, "0123456789_")]; step != nil {
		if err := step(db, ctx, tx); err != nil {
			return err
		}
	}
	return db.recordMigration(ctx, tx, name)
}

// goSteps are the parts of migrations that SQL alone cannot do, by the
// migration's name without its number (which differs between the
// dialects); each runs right after its migration, in its transaction.
var goSteps = map[string]func(db *DB, ctx context.Context, tx Tx) error{
	// SQLite has no SHA-256 to hash the events stored before the chain.
	"account_events_chain.sql": (*DB).chainAccountEvents,
}

// migrationRecords is what migrationApplied and recordMigration need of
// a transaction (migrateInTx) or a connection (migrateOnline).
type migrationRecords interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// migrationApplied reports whether the migration name is recorded in
// schema_migrations, creating that table on the first start.
func (db *DB) migrationApplied(ctx context.Context, x migrationRecords, name string) (bool, error) {
	if _, err := x.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return false, err
	}
	var n int
	err := x.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), name).Scan(&n)
	return n > 0, err
}

// recordMigration records the migration name as applied.
func (db *DB) recordMigration(ctx context.Context, x migrationRecords, name string) error {
	_, err := x.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), name, db.Now().UTC().Format(time.RFC3339))
	return err
}

// onlineMarker, as a migration's first line, runs it outside a
// transaction where the dialect can (MigrationSessionLock): PostgreSQL's
// CREATE INDEX CONCURRENTLY builds an index while reports keep being
// written, where a plain CREATE INDEX holds every write to the table for
// as long as the build takes (seconds to minutes at millions of rows, on
// every instance at once), and it cannot run inside a transaction.
//
// Such a migration must be safe to run again from its start: a crash
// between its statements, or after them and before it is recorded,
// leaves it to run again at the next start. A build interrupted by a
// crash leaves an invalid index behind, which IF NOT EXISTS would keep,
// so each index is dropped (DROP INDEX CONCURRENTLY IF EXISTS) before it
// is built.
const onlineMarker = "-- esambat:online"

// migrateOnline runs the migration name (an onlineMarker one) outside a
// transaction, one statement at a time, holding the migration lock on a
// connection of its own.
func (db *DB) migrateOnline(ctx context.Context, name, body string) error {
	conn, err := db.Read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = db.whileMigrationBusy(ctx, name, func() error {
		var took bool
		if err := conn.QueryRowContext(ctx, db.Dialect.MigrationSessionLock).Scan(&took); err != nil {
			return err
		} else if !took {
			return errMigrationBusy
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Released on every path; a connection lost meanwhile releases it too.
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), db.Dialect.MigrationSessionUnlock) }()
	if applied, err := db.migrationApplied(ctx, conn, name); err != nil || applied {
		return err
	}
	for _, stmt := range sqlStatements(body) {
		// A CREATE INDEX CONCURRENTLY waits for every transaction older
		// than it, a running pg_dump's included: say what the start
		// waits for.
		first, _, _ := strings.Cut(stmt, "\n")
		db.Logger.Info("migrating without holding writes; waits for older transactions to end", "migration", name, "statement", first)
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return db.recordMigration(ctx, conn, name)
}

// sqlStatements splits a migration into its statements, each ending with
// a semicolon at the end of a line; lines of comments between them are
// dropped. (Sent together, PostgreSQL would run them as one implicit
// transaction.) It does not parse SQL: a migration run this way keeps
// each statement's semicolon at the end of its last line and nowhere
// else at the end of a line.
func sqlStatements(body string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(body) {
		t := strings.TrimSpace(line)
		if cur.Len() == 0 && (t == "" || strings.HasPrefix(t, "--")) {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, t)
	}
	return out
}

// TxWriter is the Writer for databases with concurrent writers
// (PostgreSQL): one transaction per call.
type TxWriter struct{ DB *sql.DB }

// Write runs fn in its own transaction.
func (w TxWriter) Write(ctx context.Context, fn func(tx Tx) error) error {
	tx, err := w.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := runProtected(fn, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Close does nothing: the pool is closed by the DB.
func (TxWriter) Close() error { return nil }

// runProtected calls fn, turning a panic into an error so that one bad
// request cannot take down a shared transaction or the writer goroutine.
func runProtected(fn func(Tx) error, tx Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sqldb: panic in transaction: %v", r)
		}
	}()
	return fn(tx)
}

// queryStrings returns the one text column of query's rows.
func queryStrings(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
