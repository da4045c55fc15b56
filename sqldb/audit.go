package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/esambat/esambat"
)

var (
	_ esambat.AuditStore = (*DB)(nil)
	_ esambat.LeaseStore = (*DB)(nil)
)

// AddEvent appends an event to a report's chain without changing the
// report (a staff view of a rahasia report, an escalation).
func (db *DB) AddEvent(ctx context.Context, ev *esambat.Event) error {
	err := db.Writer.Write(ctx, func(tx Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM reports WHERE id = ?`), ev.ReportID).Scan(&n); err != nil {
			return err
		} else if n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Laporan tidak ditemukan.")
		}
		return db.insertEvent(ctx, tx, ev)
	})
	return db.err(err)
}

// WalkEvents calls fn for every event, ordered by report and sequence,
// streaming so that millions of events need little memory.
func (db *DB) WalkEvents(ctx context.Context, fn func(esambat.Event) error) error {
	rows, err := db.Read.QueryContext(ctx, `SELECT id, report_id, seq, action, actor_id, actor_role, from_status, to_status,
		public_text, internal_note, data, created_at, prev_hash, hash FROM events ORDER BY report_id, seq`)
	if err != nil {
		return db.err(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e esambat.Event
		var data string
		if err := rows.Scan(&e.ID, &e.ReportID, &e.Seq, &e.Action, &e.ActorID, &e.ActorRole, &e.From, &e.To,
			&e.Public, &e.Internal, &data, scanTime{&e.CreatedAt}, &e.PrevHash, &e.Hash); err != nil {
			return db.err(err)
		}
		if data != "" && data != "{}" && data != "null" {
			if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
				// A damaged data column is a broken link, not a crash:
				// keep the raw text so the hash check reports it.
				e.Data = map[string]string{"_unreadable": data}
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return db.err(rows.Err())
}

// AcquireLease takes or renews the named lease for holder until now+ttl;
// it returns false when another holder has it and it has not expired.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := db.Now()
	got := false
	err := db.Writer.Write(ctx, func(tx Tx) error {
		var h string
		err := tx.QueryRowContext(ctx, db.q(`INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
			WHERE leases.until < ? OR leases.holder = excluded.holder
			RETURNING holder`), name, holder, db.t(now.Add(ttl)), db.t(now)).Scan(&h)
		if err == sql.ErrNoRows {
			return nil
		} else if err != nil {
			return err
		}
		got = h == holder
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, db.err(err))
	}
	return got, nil
}

// WalkHeads calls fn with every report's id and the hash of its latest
// event as recorded on the report (” when not recorded).
func (db *DB) WalkHeads(ctx context.Context, fn func(reportID int64, head string) error) error {
	rows, err := db.Read.QueryContext(ctx, `SELECT id, events_head FROM reports ORDER BY id`)
	if err != nil {
		return db.err(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var head string
		if err := rows.Scan(&id, &head); err != nil {
			return db.err(err)
		}
		if err := fn(id, head); err != nil {
			return err
		}
	}
	return db.err(rows.Err())
}

// IntegrityCheck checks the database's own structures: on SQLite the file
// (PRAGMA quick_check) and the full-text index against the reports it
// indexes (FTS5 integrity-check); PostgreSQL keeps its indexes itself.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.Dialect.Name != "sqlite" {
		return nil
	}
	var res string
	if err := db.Read.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return db.err(err)
	} else if res != "ok" {
		return fmt.Errorf("sqlite quick_check: %s", res)
	}
	// FTS5 runs its commands as INSERTs, so the check goes through the
	// writer. It compares the index with the reports, so the reports
	// still waiting for the index are added first.
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		if gw, ok := db.Writer.(*GroupWriter); ok {
			if err := gw.FinishIn(ctx, tx); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO reports_fts (reports_fts, rank) VALUES ('integrity-check', 1)`)
		return err
	}))
}
