package esambat

import (
	"context"
	"time"
)

// SnapshotStore keeps the latest result of a computation too costly to
// repeat at every start: in the database, so that a restarted server
// shows it at once and the instances sharing one database use each
// other's (the public statistics: Service.SharedStats).
type SnapshotStore interface {
	// PutSnapshot replaces the snapshot name with body, computed at at.
	PutSnapshot(ctx context.Context, name string, at time.Time, body []byte) error
	// Snapshot returns the snapshot name and when it was computed;
	// ENOTFOUND when none was put.
	Snapshot(ctx context.Context, name string) (body []byte, at time.Time, err error)
}
