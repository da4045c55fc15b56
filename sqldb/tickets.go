package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ticketSeq names the sequence of a WIB year's ticket numbers
// (Dialect.TicketSequences).
func ticketSeq(year int) string { return fmt.Sprintf("ticket_seq_%d", year) }

// ticketSeqLock serialises the creation of a year's sequence between
// instances (an advisory lock key of its own; 3575001 is the migrations').
const ticketSeqLock = 3575002

// nextTicket takes the next ticket number of year from its sequence,
// creating the sequence at the year's first report, and the new report's
// ID and its first event's from their identity sequences, in one round
// trip (the event's hash covers the report's ID and the planned messages
// carry the event's). It runs outside the report's statement: nextval is
// never rolled back anyway, and a missing sequence must not abort that
// statement.
//
// With an Idempotency-Key it takes nothing and returns errIdemTaken when
// submitter has already used the key: a client retrying a submission
// that went through (its answer lost on the way) would otherwise use up
// a ticket number, and residents read a gap in the numbers as a report
// made to vanish. The check is in the same statement (the numbers are
// not drawn when it fails), so it costs no round trip. Two attempts with
// one key at the same moment can still both draw numbers; the report
// statement's key then refuses the second, and its number stays unused.
func (db *DB) nextTicket(ctx context.Context, year int, submitter, idemKey string) (ticket, id, eventID int64, err error) {
	q := `SELECT nextval('` + ticketSeq(year) + `'), nextval(pg_get_serial_sequence('reports', 'id')),
		nextval(pg_get_serial_sequence('events', 'id'))`
	var args []any
	if idemKey != "" {
		q += ` WHERE NOT EXISTS (SELECT 1 FROM report_idempotency WHERE submitter = $1 AND key = $2)`
		args = []any{submitter, idemKey}
	}
	draw := func() error {
		err := db.Read.QueryRowContext(ctx, q, args...).Scan(&ticket, &id, &eventID)
		if err == sql.ErrNoRows {
			return errIdemTaken
		}
		return err
	}
	err = draw()
	if err == nil || !isUndefinedTable(err) {
		return ticket, id, eventID, err
	}
	if err := db.createTicketSeq(ctx, year); err != nil {
		return 0, 0, 0, err
	}
	return ticket, id, eventID, draw()
}

// isUndefinedTable reports PostgreSQL's 42P01, what nextval of a missing
// sequence fails with.
func isUndefinedTable(err error) bool {
	if c, ok := sqlState(err); ok {
		return c == "42P01"
	}
	return err != nil && strings.Contains(err.Error(), "42P01")
}

// sqlState returns the SQLSTATE code of a PostgreSQL error.
func sqlState(err error) (string, bool) {
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState(), true
	}
	return "", false
}

// createTicketSeq creates year's sequence, starting after the year's
// number in ticket_counters: the counter that issued numbers before
// sequences (and that bulk loads still record). Instances starting the
// same year at once take turns under an advisory lock, and only the first
// one creates and sets it, so no number is issued twice.
func (db *DB) createTicketSeq(ctx context.Context, year int) error {
	tx, err := db.Read.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, ticketSeqLock)); err != nil {
		return err
	}
	exists, err := ticketSeqExists(ctx, tx, year)
	if err != nil {
		return err
	}
	if exists {
		return tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, `CREATE SEQUENCE `+ticketSeq(year)+` AS bigint MINVALUE 1`); err != nil {
		return err
	}
	var last int64
	err = tx.QueryRowContext(ctx, `SELECT n FROM ticket_counters WHERE year = $1`, year).Scan(&last)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	if last > 0 {
		if _, err := tx.ExecContext(ctx, `SELECT setval($1, $2)`, ticketSeq(year), last); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ticketSeqExists reports whether year's ticket sequence exists in the
// current schema, reading pg_class with the statement's snapshot.
// `SELECT to_regclass($1) IS NOT NULL`, asked again on a connection
// (the driver prepares it once), kept answering false after another
// connection had created the sequence: a connection that waited for the
// lock while another created it tried to create it too and failed with
// 42P07, a failed report (seen once in the conformance suite's 16
// concurrent first reports of a year; TestTicketSeqExistsSeesOthers).
func ticketSeqExists(ctx context.Context, tx Tx, year int) (bool, error) {
	var exists bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class
		WHERE relname = $1 AND relnamespace = current_schema()::regnamespace)`, ticketSeq(year)).Scan(&exists)
	return exists, err
}

// lastTickets returns, per year, the last ticket number issued by a
// sequence (is_called false means none yet).
func (db *DB) lastTickets(ctx context.Context) (map[int]int64, error) {
	out := map[int]int64{}
	rows, err := db.Read.QueryContext(ctx, `SELECT sequencename, COALESCE(last_value, 0) FROM pg_sequences
		WHERE schemaname = current_schema() AND sequencename LIKE 'ticket\_seq\_%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		var year int
		if _, err := fmt.Sscanf(name, "ticket_seq_%d", &year); err == nil {
			out[year] = n
		}
	}
	return out, rows.Err()
}
