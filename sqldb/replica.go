package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esambat/esambat"
)

// A read replica (DB.SetReplica) takes the reads that may lag behind the
// writes by a moment, the public ones: lists and maps of published
// reports, their counts, the open-data pages, the statistics. Every
// other read stays on Read, the primary, so that whoever has just
// written reads what they wrote: a resident's report page right after
// submitting, a staff queue right after a decision, a session right
// after signing in.
//
// Such a read runs through a context marked by onReplica, and the read
// helpers (readPool, stmt, readQuery, readQueryRow) send a marked
// context's queries to the replica. When the replica cannot be reached
// the read runs again on the primary, and the replica is left alone for
// replicaBackoff: a replica down costs the primary its reads, never the
// residents an error page.

// replicaBackoff is how long reads stay on the primary after the
// replica failed to answer.
const replicaBackoff = 30 * time.Second

type replicaKey struct{}

// replicaState is the replica's pool, its statements and its health.
type replicaState struct {
	mu    sync.RWMutex
	pool  *sql.DB
	stmts stmtCache
	// downUntil is when the replica is tried again after a failure
	// (Unix nanoseconds; 0 = up).
	downUntil atomic.Int64
	// fallbacks counts the reads run again on the primary.
	fallbacks atomic.Int64
}

// SetReplica makes pool the replica (nil: none), forgetting the
// statements prepared on the one before and any failure it had. It is
// for setting the store up, before it serves: a read running meanwhile
// could find its prepared statement closed.
func (db *DB) SetReplica(pool *sql.DB) {
	r := &db.replica
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts.close()
	r.pool = pool
	r.downUntil.Store(0)
}

// replicaPool returns the replica's pool, nil without one.
func (db *DB) replicaPool() *sql.DB {
	db.replica.mu.RLock()
	defer db.replica.mu.RUnlock()
	return db.replica.pool
}

// ReplicaFallbacks returns how many reads ran again on the primary
// because the replica did not answer, for /metrics.
func (db *DB) ReplicaFallbacks() int64 { return db.replica.fallbacks.Load() }

// readPool returns the pool and statement cache for ctx's reads: the
// replica's for a context marked by onReplica, else the primary's.
func (db *DB) readPool(ctx context.Context) (*sql.DB, *stmtCache) {
	if ctx.Value(replicaKey{}) != nil {
		if p := db.replicaPool(); p != nil {
			return p, &db.replica.stmts
		}
	}
	return db.Read, &db.stmtCache
}

// errReplicaBehind is the error of a read on the replica that needs a
// row the replica does not have yet but the primary may (a page cursor
// naming a report just written): onReplica runs it again on the
// primary, without setting the replica aside.
var errReplicaBehind = errors.New("sqldb: the read replica is behind the primary")

// onReplica runs read with a context whose reads go to the replica, when
// there is one and it has not failed in the last replicaBackoff; if the
// replica cannot be reached, it runs read again on the primary (once is
// enough: a read that delivered part of its rows before failing must
// not run twice, so read says with partial that it did). A read that
// finds the replica behind (errReplicaBehind) runs again on the primary
// too.
func onReplica[T any](ctx context.Context, db *DB, read func(ctx context.Context) (v T, partial bool, err error)) (T, error) {
	if db.replicaPool() != nil && time.Now().UnixNano() >= db.replica.downUntil.Load() {
		v, partial, err := read(context.WithValue(ctx, replicaKey{}, true))
		if errors.Is(err, errReplicaBehind) && !partial {
			v, _, err := read(ctx)
			return v, err
		}
		if err == nil || partial || ctx.Err() != nil || esambat.ErrorCode(err) != esambat.EUNAVAILABLE {
			return v, err
		}
		db.replica.downUntil.Store(time.Now().Add(replicaBackoff).UnixNano())
		db.replica.fallbacks.Add(1)
		db.Logger.Warn("read replica unavailable: reading the primary", "for", replicaBackoff, "err", err)
	}
	v, _, err := read(ctx)
	return v, err
}
