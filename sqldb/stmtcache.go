package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statements a stmtCache keeps prepared. The
// hot queries and writes are a few dozen fixed strings (and FindReports'
// few filter shapes); a query beyond the bound simply runs unprepared.
const maxCachedStmts = 256

// stmtCache keeps hot queries prepared: the read pool's (DB.stmt) and
// the write connection's (GroupWriter). database/sql prepares a query
// again on every call that does not use a *sql.Stmt, and with SQLite
// parsing and planning cost more than running a lookup by primary key:
// on a page of 20 reports with their photos and reporters (41 queries)
// the parser took half of the time. A *sql.Stmt is safe for concurrent
// use; one of a pool is prepared once per connection of the pool.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// get returns query prepared by p and kept for later calls, or nil when
// the cache is full or preparing failed (the caller then runs the query
// directly, which reports any error itself).
func (c *stmtCache) get(ctx context.Context, p interface {
	PrepareContext(context.Context, string) (*sql.Stmt, error)
}, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil
	}
	st, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st
}

// close releases the prepared statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

// stmt returns the read pool's prepared statement for query (already
// rebound for the dialect), or nil (see stmtCache.get).
func (db *DB) stmt(ctx context.Context, query string) *sql.Stmt {
	pool, cache := db.readPool(ctx)
	// Not bound to ctx: the statement outlives this request.
	return cache.get(context.WithoutCancel(ctx), pool, query)
}

// readQuery runs a read query on the read pool (or the replica: see
// readPool) through a cached prepared statement.
func (db *DB) readQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	pool, _ := db.readPool(ctx)
	return pool.QueryContext(ctx, query, args...)
}

// readQueryRow is readQuery for one row.
func (db *DB) readQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	pool, _ := db.readPool(ctx)
	return pool.QueryRowContext(ctx, query, args...)
}

// closeStmts releases the prepared statements; Close calls it before the
// pools close.
func (db *DB) closeStmts() error {
	db.stmtCache.close()
	db.replica.stmts.close()
	return nil
}

// txQuerier runs a write transaction's statements: on SQLite through
// the GroupWriter's prepared statements (GroupWriter.Exec), which took a
// fifth off the writer's time at intake, where the single writer is the
// bottleneck; PostgreSQL runs concurrent transactions and parses on the
// server, so it gets the transaction itself.
type txQuerier struct {
	w  *GroupWriter
	tx Tx
}

// inTx returns the querier of tx.
func (db *DB) inTx(tx Tx) txQuerier {
	w, _ := db.Writer.(*GroupWriter)
	return txQuerier{w, tx}
}

// QueryRowContext is tx.QueryRowContext through the writer's statements.
func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if q.w != nil {
		return q.w.QueryRow(ctx, q.tx, query, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// ExecContext is tx.ExecContext through the writer's statements.
func (q txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if q.w != nil {
		return q.w.Exec(ctx, q.tx, query, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

// QueryContext is tx.QueryContext through the writer's statements.
func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.w != nil {
		return q.w.Query(ctx, q.tx, query, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

// readQuerier is the read pool as a queryer, through the cache.
type readQuerier struct{ db *DB }

// QueryRowContext is readQueryRow.
func (q readQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.db.readQueryRow(ctx, query, args...)
}
