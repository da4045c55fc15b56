package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the read statements kept prepared. The hot queries
// are a few dozen fixed strings (and FindReports' few filter shapes); a
// query beyond the bound simply runs unprepared.
const maxCachedStmts = 256

// stmtCache keeps the read pool's hot queries prepared. database/sql
// prepares a query again on every call that does not use a *sql.Stmt, and
// with SQLite parsing and planning cost more than running a lookup by
// primary key: on a page of 20 reports with their photos and reporters
// (41 queries) the parser took half of the time. A *sql.Stmt is safe for
// concurrent use and is prepared once per connection of the pool.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// stmt returns the prepared statement for query (already rebound for the
// dialect), or nil when the cache is full or preparing failed (the caller
// then runs the query directly, which reports any error itself).
func (db *DB) stmt(ctx context.Context, query string) *sql.Stmt {
	c := &db.stmtCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil
	}
	// Not bound to ctx: the statement outlives this request.
	st, err := db.Read.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st
}

// readQuery runs a read query on the read pool through a cached prepared
// statement.
func (db *DB) readQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.Read.QueryContext(ctx, query, args...)
}

// readQueryRow is readQuery for one row.
func (db *DB) readQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.Read.QueryRowContext(ctx, query, args...)
}

// closeStmts releases the prepared statements; Close calls it before the
// pools close.
func (db *DB) closeStmts() error {
	c := &db.stmtCache
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
	return nil
}

// txStmts caches the statements of SQLite's current write transaction.
// SQLite has one write transaction at a time (the GroupWriter's), which
// carries a whole batch of calls; preparing each statement once per batch
// instead of once per call took a fifth off the writer's time at intake,
// where the writer is the bottleneck. The statements are the
// transaction's own (Tx.PrepareContext): database/sql closes them when it
// ends, and the next transaction starts a fresh cache.
type txStmts struct {
	mu    sync.Mutex
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

// txQuerier runs a write transaction's statements through the cache.
type txQuerier struct {
	db *DB
	tx *sql.Tx
}

// inTx returns the querier of tx. PostgreSQL runs concurrent transactions
// and parses on the server, so it gets none of the caching.
func (db *DB) inTx(tx *sql.Tx) txQuerier { return txQuerier{db, tx} }

func (q txQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.db.Dialect.Name != "sqlite" {
		return nil
	}
	c := &q.db.txStmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tx != q.tx {
		c.tx, c.stmts = q.tx, map[string]*sql.Stmt{}
	}
	if st, ok := c.stmts[query]; ok {
		return st
	}
	st, err := q.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil // the direct call below reports the error
	}
	c.stmts[query] = st
	return st
}

// QueryRowContext is tx.QueryRowContext through the cache.
func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// ExecContext is tx.ExecContext through the cache.
func (q txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

// readQuerier is the read pool as a queryer, through the cache.
type readQuerier struct{ db *DB }

// QueryRowContext is readQueryRow.
func (q readQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.db.readQueryRow(ctx, query, args...)
}
