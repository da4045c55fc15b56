package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

var _ esambat.OutboxStore = (*DB)(nil)

const messageCols = `id, event_id, report_id, channel, recipient, subject, body, attempts, next_at, created_at, status, last_error`

func scanMessage(s interface{ Scan(...any) error }) (esambat.Message, error) {
	var m esambat.Message
	err := s.Scan(&m.ID, &m.EventID, &m.ReportID, &m.Channel, &m.To, &m.Subject, &m.Body, &m.Attempts,
		scanTime{&m.NextAt}, scanTime{&m.CreatedAt}, &m.Status, &m.LastError)
	return m, err
}

// SetPlanner sets db.Planner; for code that holds the store behind an
// interface (the conformance suite). Call it before the store is used.
func (db *DB) SetPlanner(p esambat.NotificationPlanner) { db.Planner = p }

// enqueue asks the Planner which messages ev calls for and stores them in
// tx, the event's own transaction. Duplicates (same event, channel and
// recipient) are stored once.
func (db *DB) enqueue(ctx context.Context, tx Tx, r *esambat.Report, ev *esambat.Event) error {
	return db.enqueueWith(ctx, tx, r, ev, nil)
}

// enqueueWith is enqueue with the reporter's account already read; nil
// reads it in tx (when the report has a reporter).
func (db *DB) enqueueWith(ctx context.Context, tx Tx, r *esambat.Report, ev *esambat.Event, reporter *esambat.User) error {
	// Read through tx, not db.Read: on PostgreSQL the transaction already
	// holds a connection of the shared pool, and waiting for a second one
	// could deadlock a busy pool.
	rows, err := db.outboxRows(ctx, db.inTx(tx), r, ev, reporter)
	if err != nil || len(rows) == 0 {
		return err
	}
	values, args := outboxValues(ev.ID, rows)
	_, err = db.inTx(tx).ExecContext(ctx, db.q(outboxInsert+values+outboxConflict), args...)
	return err
}

// outboxValues returns the VALUES rows of outboxInsert for the messages
// of event eventID (outboxRows) and their arguments.
func outboxValues(eventID int64, rows [][]any) (string, []any) {
	args := make([]any, 0, 9*len(rows))
	for _, row := range rows {
		args = append(args, eventID)
		args = append(args, row...)
	}
	return strings.Repeat(", (?, "+outboxRow+")", len(rows))[2:], args
}

const (
	outboxInsert   = `INSERT INTO outbox (event_id, report_id, channel, recipient, subject, body, status, next_at, created_at) VALUES `
	outboxConflict = ` ON CONFLICT (event_id, channel, recipient) DO NOTHING`
)

// outboxRow is the placeholders of a message's columns after event_id.
const outboxRow = `?, ?, ?, ?, ?, ?, ?, ?`

// outboxRows asks the Planner which messages ev calls for and returns
// each one's arguments for the columns of outboxInsert after event_id
// (outboxRow). A reporter of nil is read through q when the report has
// one.
func (db *DB) outboxRows(ctx context.Context, q queryer, r *esambat.Report, ev *esambat.Event, reporter *esambat.User) ([][]any, error) {
	if db.Planner == nil || ev == nil {
		return nil, nil
	}
	if r.ReporterID != 0 && reporter == nil {
		u, err := db.scanUser(q.QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE id = ?`), r.ReporterID))
		if err == nil {
			reporter = u
		} else if esambat.ErrorCode(err) != esambat.ENOTFOUND {
			return nil, err
		}
	}
	msgs, err := db.Planner.Plan(ctx, r, ev, reporter)
	if err != nil || len(msgs) == 0 {
		return nil, err
	}
	now := db.Now()
	rows := make([][]any, 0, len(msgs))
	for _, m := range msgs {
		if !slices.Contains(esambat.MessageChannels, m.Channel) || m.To == "" {
			return nil, fmt.Errorf("sqldb: planner returned a message with channel %q and recipient %q", m.Channel, m.To)
		}
		next := m.NextAt
		if next.IsZero() {
			next = now
		}
		rows = append(rows, []any{r.ID, m.Channel, m.To, m.Subject, m.Body, esambat.MessagePending, db.t(next), db.t(now)})
	}
	return rows, nil
}

// enqueueReport is enqueue for writes that hold only the report's ID: it
// loads the report in tx first.
func (db *DB) enqueueReport(ctx context.Context, tx Tx, reportID int64, ev *esambat.Event) error {
	if db.Planner == nil || ev == nil {
		return nil
	}
	r, err := db.scanReport(tx.QueryRowContext(ctx, db.q(`SELECT `+reportCols+` FROM reports WHERE id = ?`), reportID))
	if err != nil {
		return err
	}
	return db.enqueue(ctx, tx, r, ev)
}

// ClaimMessages claims up to n due messages for worker; see
// esambat.OutboxStore. On PostgreSQL concurrent claims skip each other's
// rows (FOR UPDATE SKIP LOCKED) instead of waiting for them; the selection
// is materialized so that it runs exactly once. SQLite's single writer
// makes claims serial, so a plain UPDATE ... RETURNING is enough.
func (db *DB) ClaimMessages(ctx context.Context, worker string, n int, now time.Time) ([]esambat.Message, error) {
	if n <= 0 {
		return nil, nil
	}
	until := now.Add(esambat.OutboxLease)
	const due = `status = 'pending' AND next_at <= ? AND (locked_until IS NULL OR locked_until < ?)`
	var query string
	var args []any
	if db.Dialect.SkipLocked {
		query = `WITH c AS MATERIALIZED (SELECT id AS claim_id FROM outbox WHERE ` + due + ` ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
			UPDATE outbox SET locked_by = ?, locked_until = ? FROM c WHERE outbox.id = c.claim_id RETURNING ` + messageCols
		args = []any{db.t(now), db.t(now), n, worker, db.t(until)}
	} else {
		query = `UPDATE outbox SET locked_by = ?, locked_until = ?
			WHERE id IN (SELECT id FROM outbox WHERE ` + due + ` ORDER BY id LIMIT ?) RETURNING ` + messageCols
		args = []any{worker, db.t(until), db.t(now), db.t(now), n}
	}
	var out []esambat.Message
	err := db.Writer.Write(ctx, func(tx Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, db.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, db.err(err)
	}
	// RETURNING does not promise an order.
	slices.SortFunc(out, func(a, b esambat.Message) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// MarkSentAll records the delivery of the pending ones of ids; see
// esambat.OutboxStore.
func (db *DB) MarkSentAll(ctx context.Context, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := []any{esambat.MessageSent, db.t(db.Now()), esambat.MessagePending}
	for _, id := range ids {
		args = append(args, id)
	}
	var n int64
	err := db.Writer.Write(ctx, func(tx Tx) error {
		res, err := db.inTx(tx).ExecContext(ctx, db.q(`UPDATE outbox SET status = ?, sent_at = ?, locked_by = '', locked_until = NULL
			WHERE status = ? AND id IN (`+strings.Repeat(", ?", len(ids))[2:]+`)`), args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), db.err(err)
}

// MarkFailed counts a failed attempt and schedules the next one at next, or
// marks the message dead; ENOTFOUND when it is not pending.
func (db *DB) MarkFailed(ctx context.Context, id int64, errText string, next time.Time, dead bool) error {
	status := esambat.MessagePending
	if dead {
		status = esambat.MessageDead
	}
	if len(errText) > 2000 {
		// Cut on a rune boundary: PostgreSQL refuses invalid UTF-8.
		errText = strings.ToValidUTF8(errText[:2000], "")
	}
	return db.updatePending(ctx, `UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, next_at = ?,
		locked_by = '', locked_until = NULL WHERE id = ? AND status = ?`, status, errText, db.t(next), id, esambat.MessagePending)
}

// RetryDead makes a dead message pending and due now; ENOTFOUND when there
// is no such dead message.
func (db *DB) RetryDead(ctx context.Context, id int64) error {
	return db.updatePending(ctx, `UPDATE outbox SET status = ?, attempts = 0, next_at = ?, locked_by = '', locked_until = NULL
		WHERE id = ? AND status = ?`, esambat.MessagePending, db.t(db.Now()), id, esambat.MessageDead)
}

// updatePending runs an UPDATE of one message and returns ENOTFOUND when
// it changed nothing.
func (db *DB) updatePending(ctx context.Context, query string, args ...any) error {
	err := db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(query), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Pesan tidak ditemukan atau sudah diproses.")
		}
		return nil
	})
	return db.err(err)
}

// ListDead returns up to limit dead messages, newest first (limit defaults
// to 50 and is capped at 500).
func (db *DB) ListDead(ctx context.Context, limit int) ([]esambat.Message, error) {
	if limit <= 0 {
		limit = 50
	} else if limit > 500 {
		limit = 500
	}
	return db.listMessages(ctx, `SELECT `+messageCols+` FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?`, esambat.MessageDead, limit)
}

// ListMessages returns a report's messages, oldest first.
func (db *DB) ListMessages(ctx context.Context, reportID int64) ([]esambat.Message, error) {
	return db.listMessages(ctx, `SELECT `+messageCols+` FROM outbox WHERE report_id = ? ORDER BY id`, reportID)
}

func (db *DB) listMessages(ctx context.Context, query string, args ...any) ([]esambat.Message, error) {
	rows, err := db.Read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, m)
	}
	return out, db.err(rows.Err())
}
