package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/esambat/esambat"
)

// PutSnapshot replaces a snapshot; see esambat.SnapshotStore.
func (db *DB) PutSnapshot(ctx context.Context, name string, at time.Time, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	err := db.Writer.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO snapshots (name, computed_at, body) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET computed_at = excluded.computed_at, body = excluded.body`), name, db.t(at), body)
		return err
	})
	return db.err(err)
}

// Snapshot reads a snapshot; see esambat.SnapshotStore.
func (db *DB) Snapshot(ctx context.Context, name string) ([]byte, time.Time, error) {
	var body []byte
	var at time.Time
	err := db.Read.QueryRowContext(ctx, db.q(`SELECT body, computed_at FROM snapshots WHERE name = ?`), name).Scan(&body, scanTime{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, esambat.Errorf(esambat.ENOTFOUND, "Snapshot %q belum ada.", name)
	}
	if err != nil {
		return nil, time.Time{}, db.err(err)
	}
	return body, at, nil
}
