// Package postgres opens E-Sambat on PostgreSQL through pgx, for
// deployments with several stateless instances. Writes are ordinary
// transactions (PostgreSQL has concurrent writers); the shared SQL lives in
// sqldb.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the PostgreSQL migrations.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// Dialect is the PostgreSQL dialect.
var Dialect = sqldb.Dialect{
	Name:           "postgres",
	Placeholders:   true,
	TranslateError: translateError,
	// Indonesian stemming (snowball "indonesian"): "lubang" finds
	// "berlubang" and "lubangnya".
	SearchClause: func(q string) (string, []any) {
		return "search @@ plainto_tsquery('indonesian', ?)", []any{q}
	},
	SearchFew: "SELECT id FROM reports WHERE search @@ plainto_tsquery('indonesian', ?) LIMIT ?",
	// One instance migrates at a time; the others wait, then find the
	// migration recorded.
	MigrationLock: "SELECT pg_try_advisory_xact_lock(3575001)",
	// The same lock, held by a session, for migrations run outside a
	// transaction (CREATE INDEX CONCURRENTLY).
	MigrationSessionLock:   "SELECT pg_try_advisory_lock(3575001)",
	MigrationSessionUnlock: "SELECT pg_advisory_unlock(3575001)",
	// Outbox workers on several instances claim disjoint messages.
	SkipLocked: true,
	// Submissions on every instance take ticket numbers without waiting.
	TicketSequences: true,
	MapCell:         `(floor((lat + 90) * 400)::bigint * 1000000 + floor((lng + 180) * 400)::bigint)`,
	// Searches are planned with their words every time.
	CustomPlan: pgx.QueryExecModeExec,
}

// maxConns bounds an instance's connections to PostgreSQL.
const maxConns = 20

// Open connects to the database at dsn (postgres://...) and checks that it
// answers.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*sqldb.DB, error) {
	pool, err := newPool(dsn)
	if err != nil {
		return nil, err
	}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return sqldb.New(Dialect, pool, sqldb.TxWriter{DB: pool}, logger, pool.Close), nil
}

// OpenReplica opens a pool on a read replica of db's database at dsn
// (postgres://...) and makes it db's replica (sqldb.DB.SetReplica),
// closed with db. A DSN that cannot be parsed is an error; a replica
// that does not answer yet is only logged, no reason to refuse to
// start: its reads go to the primary until it answers.
func OpenReplica(ctx context.Context, db *sqldb.DB, dsn string) error {
	pool, err := newPool(dsn)
	if err != nil {
		return err
	}
	db.SetReplica(pool)
	db.OnClose(pool.Close)
	if err := pool.PingContext(ctx); err != nil {
		db.Logger.Warn("the read replica does not answer: public reads go to the primary until it does", "err", err)
	}
	return nil
}

// newPool returns a pool on dsn with this package's settings; a DSN that
// cannot be parsed is an error at once (sql.Open would only fail at the
// first connection).
func newPool(dsn string) (*sql.DB, error) {
	dsn = withConnectTimeout(dsn)
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// As many idle connections as open ones: with fewer, every burst of
	// more requests than idle connections ends with connections closed
	// (database/sql closes those it cannot keep idle) and the next burst
	// opens them again, each a new PostgreSQL backend that forks, fills
	// its catalog caches and prepares its statements again. Under 32
	// clients with 10 of 20 kept, 257 backends were started in one
	// 25-second run, and token lookups cost the server 0.52 ms of CPU
	// each instead of 0.14 (BENCHMARKS.md). Connections idle for a few
	// minutes are closed, so a quiet instance holds none.
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return pool, nil
}

func translateError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return &esambat.Error{Code: esambat.ECONFLICT, Message: "Data ini sudah ada.", Err: err}
		case "23503": // foreign_key_violation
			return &esambat.Error{Code: esambat.EINVALID, Message: "Data rujukan tidak dikenal.", Err: err}
		case "22021": // character_not_in_repertoire: invalid UTF-8 in a parameter (SQLite takes it as is)
			return &esambat.Error{Code: esambat.EINVALID, Message: "Teks berisi karakter yang tidak valid.", Err: err}
		case "40001", "40P01": // serialization failure, deadlock
			return &esambat.Error{Code: esambat.ECONFLICT, Message: "Laporan ini baru saja diubah orang lain. Coba lagi.", Err: err}
		case "57P01", "57P02", "57P03", "53300": // shutdown, cannot connect now, too many connections
			return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Basis data sedang tidak dapat dipakai. Coba lagi sebentar lagi.", Err: err}
		}
		return err
	}
	// The connection died: refused, reset, or closed in the middle of a
	// query or its COMMIT (pgx then returns io.ErrUnexpectedEOF, and the
	// outcome of a COMMIT is unknown: the client retries with its
	// Idempotency-Key).
	var ne net.Error
	if errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, driver.ErrBadConn) {
		return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Basis data sedang tidak dapat dipakai. Coba lagi sebentar lagi.", Err: err}
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Basis data sedang tidak dapat dipakai. Coba lagi sebentar lagi.", Err: err}
	}
	return err
}

// withConnectTimeout adds connect_timeout=5 unless the DSN sets one: an
// unreachable server must fail fast (503) instead of holding requests.
func withConnectTimeout(dsn string) string {
	if strings.Contains(dsn, "connect_timeout") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if strings.Contains(dsn, "?") {
			return dsn + "&connect_timeout=5"
		}
		return dsn + "?connect_timeout=5"
	}
	return dsn + " connect_timeout=5"
}
