package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

// BulkBatch is one transaction's worth of rows for a BulkLoader: accounts,
// reports with their whole event chains, and supports. Everything carries
// its final values, IDs included, because an event's hash covers its
// report's ID and its actor's ID (see esambat.Event.ComputeHash):
//
//   - Users and Reports have ID set, above every ID already stored (the
//     primary key refuses a collision, so a concurrent writer makes the load
//     fail rather than mislink a chain). Reports have Ticket, CreatedAt,
//     UpdatedAt and Version set.
//   - Events hold every report's complete chain, in order: ReportID, Seq
//     1, 2, 3..., PrevHash the previous event's Hash ("" for the first) and
//     Hash = ComputeHash(), exactly what insertEvent stores one by one
//     (and the report's events_head is its last Hash, as there). Load
//     checks the links and refuses events of reports not in the batch.
//   - Supports name reports of this batch or earlier ones; each report's
//     Supports count must already include them.
//
// Photos and outbox messages are not loaded: bulk data is history, and its
// notifications are long past.
type BulkBatch struct {
	Users    []*esambat.User
	Reports  []*esambat.Report
	Events   []*esambat.Event
	Supports []BulkSupport
}

// BulkSupport is one resident's "dukung" of a report.
type BulkSupport struct {
	ReportID, UserID int64
	CreatedAt        time.Time
}

// BulkState is what a bulk load starts from.
type BulkState struct {
	Reports     int64 // reports stored
	MaxReportID int64
	MaxUserID   int64
	// Tickets maps a WIB year to the last ticket number issued in it.
	Tickets map[int]int64
}

// BulkLoader writes large amounts of generated data (esambat seed-demo)
// through the DB's Writer, one big transaction per batch, with multi-row
// INSERTs instead of one statement per row. Batches commit durably like
// every other write; what makes them fast is amortising the commit and the
// statement overhead over thousands of rows.
//
// It must be the only writer of reports while it runs: it assigns IDs and
// ticket numbers itself.
type BulkLoader struct {
	db *DB
	// restore holds the SQLite writer's pragmas to set back on Close.
	restore []string
	// resume restarts the periodic checkpoints that the load paused.
	resume func()
	// ftsTrigger is the definition of SQLite's full-text trigger, which
	// Load drops for each batch; Close rebuilds the index. Empty when the
	// schema has none (PostgreSQL indexes a generated column instead).
	ftsTrigger string
}

// bulkPragmas tune SQLite's writer connection for a bulk load; none touches
// durability (journal_mode and synchronous stay as they are: every batch
// is fsynced in the WAL when it commits).
//   - cache_size: 256 MiB keeps the hot pages of the randomly ordered
//     indexes (points, reporters, due dates) in memory at a million reports.
//   - temp_store: the statement and savepoint journals of big multi-row
//     INSERTs stay in memory instead of a temporary file.
//   - wal_autocheckpoint: checkpoint every ~100 MB of WAL rather than every
//     4 MB, so an index page rewritten by many batches is copied into the
//     database file once per checkpoint rather than once per batch.
var bulkPragmas = []struct{ name, value string }{
	{"cache_size", "-262144"},
	{"temp_store", "2"},
	{"wal_autocheckpoint", "25600"},
}

// Bulk starts a bulk load and returns the loader and the state it starts
// from.
func (db *DB) Bulk(ctx context.Context) (*BulkLoader, BulkState, error) {
	st := BulkState{Tickets: map[int]int64{}}
	err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(id), 0) FROM reports`).Scan(&st.Reports, &st.MaxReportID)
	if err != nil {
		return nil, st, db.err(err)
	}
	if err := db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM users`).Scan(&st.MaxUserID); err != nil {
		return nil, st, db.err(err)
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT year, n FROM ticket_counters`)
	if err != nil {
		return nil, st, db.err(err)
	}
	defer rows.Close()
	for rows.Next() {
		var y int
		var n int64
		if err := rows.Scan(&y, &n); err != nil {
			return nil, st, db.err(err)
		}
		st.Tickets[y] = n
	}
	if err := rows.Err(); err != nil {
		return nil, st, db.err(err)
	}
	if db.Dialect.TicketSequences {
		seqs, err := db.lastTickets(ctx)
		if err != nil {
			return nil, st, db.err(err)
		}
		for y, n := range seqs {
			st.Tickets[y] = max(st.Tickets[y], n)
		}
	}
	l := &BulkLoader{db: db}
	if db.Checkpointer != nil {
		l.resume = db.Checkpointer.Pause()
	}
	if db.Dialect.Name == "sqlite" {
		err := db.Writer.Write(ctx, func(tx Tx) error {
			err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'reports_fts_insert'`).Scan(&l.ftsTrigger)
			if err != nil && err != sql.ErrNoRows {
				return err
			}
			if st.Reports == 0 {
				if err := dropReportIndexes(ctx, tx); err != nil {
					return err
				}
			}
			for _, p := range bulkPragmas {
				var old string
				if err := tx.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&old); err != nil {
					return err
				}
				l.restore = append(l.restore, `PRAGMA `+p.name+` = `+old)
				if _, err := tx.ExecContext(ctx, `PRAGMA `+p.name+` = `+p.value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, st, db.err(err)
		}
	}
	return l, st, nil
}

// ftsHashSize is the memory FTS5 may fill with pending terms before it
// writes a segment while the index is rebuilt: 64 MiB instead of the
// default 1 MiB makes few, large segments and so little merging. It only
// matters to big transactions; Close sets the default back.
const ftsHashSize = 64 << 20

// Close ends the load. On SQLite it rebuilds the full-text index over all
// reports in one pass (see Load), sets the writer connection back as it
// was, and on both databases it refreshes the query planner's statistics
// (ANALYZE) so that list queries pick the right index at once.
func (l *BulkLoader) Close(ctx context.Context) error {
	db := l.db
	if l.resume != nil {
		defer l.resume()
	}
	if db.Dialect.Name == "sqlite" {
		return db.err(db.Writer.Write(ctx, func(tx Tx) error {
			if err := RestoreBulkIndexes(ctx, tx); err != nil {
				return err
			}
			if l.ftsTrigger != "" {
				for _, q := range []string{
					`INSERT INTO reports_fts (reports_fts, rank) VALUES ('hashsize', ` + strconv.Itoa(ftsHashSize) + `)`,
					`INSERT INTO reports_fts (reports_fts) VALUES ('rebuild')`,
					`INSERT INTO reports_fts (reports_fts, rank) VALUES ('hashsize', 1048576)`,
					// The rebuild indexed every report, those the triggers
					// noted for the writer's end-of-batch indexing too.
					`DELETE FROM fts_pending`,
				} {
					if _, err := tx.ExecContext(ctx, q); err != nil {
						return err
					}
				}
			}
			// ANALYZE, not PRAGMA optimize: optimize skips tables it thinks
			// unchanged since the connection opened, which a fresh
			// connection may believe of every table. The reports are read
			// whole: a sample (analysis_limit) reads the first rows of each
			// index, which hold one category or kelurahan, and made them
			// look 25 times more selective than they are. The events (five
			// times as many rows, looked up by report only) are sampled.
			for _, q := range []string{`ANALYZE reports`, `ANALYZE users`, `ANALYZE report_supports`,
				`PRAGMA analysis_limit = 1000`, `ANALYZE events`, `PRAGMA analysis_limit = 0`} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if err := DropStat4(ctx, tx); err != nil {
				return err
			}
			for _, p := range l.restore {
				if _, err := tx.ExecContext(ctx, p); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	for _, t := range []string{"users", "reports", "events", "report_supports"} {
		if _, err := db.Read.ExecContext(ctx, `ANALYZE `+t); err != nil {
			return db.err(err)
		}
	}
	return nil
}

// dropReportIndexes drops the reports' own indexes, and the events' one
// in time order (events_updates), for a bulk load into an empty database, keeping their definitions in bulk_indexes, in the
// load's first transaction. A million rows inserted into eleven indexes
// with keys in no order (reporter, category, kelurahan, point, map cell)
// cost most of the load; building each index once from the loaded rows is
// a sort. The unique constraints (ticket) stay: they are the load's
// checks. Close, or the next open after an interrupted load, builds them
// again (RestoreBulkIndexes).
func dropReportIndexes(ctx context.Context, tx Tx) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bulk_indexes (name TEXT PRIMARY KEY, sql TEXT NOT NULL)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO bulk_indexes (name, sql)
		SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('reports', 'events') AND sql IS NOT NULL`); err != nil {
		return err
	}
	names, err := queryStrings(ctx, tx, `SELECT name FROM bulk_indexes`)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(n, `"`, `""`)+`"`); err != nil {
			return err
		}
	}
	return nil
}

// RestoreBulkIndexes builds the indexes a bulk load dropped (see
// dropReportIndexes) and forgets them; it does nothing when there are
// none. The SQLite store calls it at open, so a load interrupted by a
// crash or a kill leaves no database without its indexes.
func RestoreBulkIndexes(ctx context.Context, x interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) error {
	defs, err := queryStrings(ctx, x, `SELECT sql FROM bulk_indexes ORDER BY name`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil
		}
		return err
	}
	for _, d := range defs {
		if _, err := x.ExecContext(ctx, strings.Replace(d, "CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)); err != nil {
			return err
		}
	}
	_, err = x.ExecContext(ctx, `DROP TABLE bulk_indexes`)
	return err
}

// check refuses a batch whose chains are not whole and linked.
func (b *BulkBatch) check() error {
	in := make(map[int64]bool, len(b.Reports))
	for _, r := range b.Reports {
		if r.ID <= 0 || r.Ticket == "" || r.CreatedAt.IsZero() {
			return fmt.Errorf("sqldb: bulk: report %d without ID, ticket or creation time", r.ID)
		}
		in[r.ID] = true
	}
	var prev *esambat.Event
	for _, e := range b.Events {
		if !in[e.ReportID] {
			return fmt.Errorf("sqldb: bulk: event of report %d, which is not in the batch", e.ReportID)
		}
		if prev != nil && prev.ReportID == e.ReportID {
			if e.Seq != prev.Seq+1 || e.PrevHash != prev.Hash {
				return fmt.Errorf("sqldb: bulk: report %d: event %d does not follow event %d", e.ReportID, e.Seq, prev.Seq)
			}
		} else if e.Seq != 1 || e.PrevHash != "" {
			return fmt.Errorf("sqldb: bulk: report %d: chain starts at event %d", e.ReportID, e.Seq)
		}
		if e.Hash == "" {
			return fmt.Errorf("sqldb: bulk: report %d: event %d has no hash", e.ReportID, e.Seq)
		}
		prev = e
	}
	return nil
}

// Load writes one batch in one durable transaction. On any error nothing
// of the batch is stored.
func (l *BulkLoader) Load(ctx context.Context, b *BulkBatch) error {
	if err := b.check(); err != nil {
		return err
	}
	db := l.db
	err := db.Writer.Write(ctx, func(tx Tx) error {
		users := db.newMultiInsert(tx, `INSERT INTO users (id, role, name, email, phone, phone_confirmed, nik_hash, nik_sealed,
			nik_masked, kelurahan_code, domicile_verified, agency_code, password_hash, lang, created_at, disabled) VALUES `, 16, 1000)
		for _, u := range b.Users {
			if u.Lang == "" {
				u.Lang = "id"
			}
			err := users.add(ctx, u.ID, u.Role, u.Name, nullStr(u.Email), nullStr(u.Phone), boolInt(u.PhoneConfirmed), nullStr(u.NIKHash),
				u.NIKSealed, u.NIKMasked, u.KelurahanCode, boolInt(u.DomicileVerified), nullStr(u.AgencyCode), u.PasswordHash, u.Lang,
				db.t(u.CreatedAt), boolInt(u.Disabled))
			if err != nil {
				return err
			}
		}
		if err := users.flush(ctx); err != nil {
			return err
		}

		// SQLite's full-text index is filled by a trigger per row. In a
		// bulk load that is the most expensive part: every multi-row
		// INSERT makes FTS5 write its pending terms as a new small
		// segment, and merging those again and again took a third of the
		// load. So the trigger is dropped while the batch is inserted and
		// created again from its stored definition before the batch
		// commits (a failure rolls both back, so the trigger always
		// exists outside a batch), and Close rebuilds the index once over
		// every report. Until Close, search does not find the loaded
		// reports; an interrupted load leaves them unindexed until a
		// rebuild (INSERT INTO reports_fts (reports_fts) VALUES
		// ('rebuild')).
		if l.ftsTrigger != "" && len(b.Reports) > 0 {
			if _, err := tx.ExecContext(ctx, `DROP TRIGGER reports_fts_insert`); err != nil {
				return err
			}
		}
		reports := db.newMultiInsert(tx, `INSERT INTO reports (id, ticket, type, category_code, title, description, lat, lng, address,
			kelurahan_code, kecamatan_code, visibility, status, channel, reporter_id, on_behalf_name, on_behalf_relationship,
			on_behalf_phone, suggested_agency, agency_code, flags, duplicate_of, supports, rating, created_at, updated_at, due_at,
			published_at, version, events_head) VALUES `, 30, 1000)
		// events_head records each chain's last hash, as insertEvent does.
		heads := make(map[int64]string, len(b.Reports))
		for _, e := range b.Events {
			heads[e.ReportID] = e.Hash
		}
		tickets := map[int]int64{}
		for _, r := range b.Reports {
			lat, lng, address, kec := reportAddress(r)
			var ob esambat.OnBehalf
			if r.OnBehalf != nil {
				ob = *r.OnBehalf
			}
			err := reports.add(ctx, r.ID, r.Ticket, r.Type, r.CategoryCode, r.Title, r.Description, lat, lng, address,
				r.KelurahanCode, kec, r.Visibility, r.Status, r.Channel, nullInt(r.ReporterID), ob.Name, ob.Relationship,
				ob.Phone, r.SuggestedAgency, nullStr(r.AgencyCode), strings.Join(r.Flags, ","), nullInt(r.DuplicateOf), r.Supports, r.Rating,
				db.t(r.CreatedAt), db.t(r.UpdatedAt), db.t(r.DueAt), db.t(r.PublishedAt), r.Version, heads[r.ID])
			if err != nil {
				return err
			}
			year, n, err := ticketNumber(r.Ticket)
			if err != nil {
				return err
			}
			if n > tickets[year] {
				tickets[year] = n
			}
		}
		if err := reports.flush(ctx); err != nil {
			return err
		}
		if l.ftsTrigger != "" && len(b.Reports) > 0 {
			if _, err := tx.ExecContext(ctx, l.ftsTrigger); err != nil {
				return err
			}
		}

		events := db.newMultiInsert(tx, `INSERT INTO events (report_id, seq, action, actor_id, actor_role, from_status, to_status,
			public_text, internal_note, data, created_at, prev_hash, hash) VALUES `, 13, 2000)
		for _, e := range b.Events {
			data := "{}"
			if len(e.Data) > 0 {
				d, err := json.Marshal(e.Data)
				if err != nil {
					return err
				}
				data = string(d)
			}
			err := events.add(ctx, e.ReportID, e.Seq, e.Action, e.ActorID, e.ActorRole, e.From, e.To, e.Public, e.Internal, data,
				db.t(e.CreatedAt), e.PrevHash, e.Hash)
			if err != nil {
				return err
			}
		}
		if err := events.flush(ctx); err != nil {
			return err
		}

		supports := db.newMultiInsert(tx, `INSERT INTO report_supports (report_id, user_id, created_at) VALUES `, 3, 5000)
		for _, s := range b.Supports {
			if err := supports.add(ctx, s.ReportID, s.UserID, db.t(s.CreatedAt)); err != nil {
				return err
			}
		}
		if err := supports.flush(ctx); err != nil {
			return err
		}

		for year, n := range tickets {
			// Tickets are issued in order, so a counter only grows.
			upd := `MAX(ticket_counters.n, excluded.n)`
			if db.Dialect.Name == "postgres" {
				upd = `GREATEST(ticket_counters.n, excluded.n)`
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_counters (year, n) VALUES (?, ?)
				ON CONFLICT (year) DO UPDATE SET n = `+upd), year, n); err != nil {
				return err
			}
			if db.Dialect.TicketSequences {
				// A year's sequence, once made, issues the numbers: move it
				// past the loaded ones. (One made later starts from the
				// counter above.)
				exists, err := ticketSeqExists(ctx, tx, year)
				if err != nil {
					return err
				}
				if exists {
					if _, err := tx.ExecContext(ctx, `SELECT setval($1, GREATEST($2, (SELECT last_value FROM `+ticketSeq(year)+`)))`, ticketSeq(year), n); err != nil {
						return err
					}
				}
			}
		}
		if db.Dialect.Name == "postgres" {
			// Explicit IDs do not move the identity sequences: move them past
			// the loaded rows so that the next ordinary insert does not
			// collide.
			for _, t := range []string{"users", "reports"} {
				if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), GREATEST((SELECT MAX(id) FROM `+t+`), 1))`); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return db.err(err)
}

// ticketNumber splits "ES-26-000123" into the WIB year 2026 and 123.
func ticketNumber(ticket string) (int, int64, error) {
	parts := strings.Split(ticket, "-")
	if len(parts) != 3 || len(parts[1]) != 2 {
		return 0, 0, fmt.Errorf("sqldb: bulk: bad ticket %q", ticket)
	}
	yy, err1 := strconv.Atoi(parts[1])
	n, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("sqldb: bulk: bad ticket %q", ticket)
	}
	return 2000 + yy, n, nil
}

// multiInsert collects rows and writes them rowsPer at a time with one
// prepared multi-row INSERT, and the remainder with one more statement.
type multiInsert struct {
	db      *DB
	tx      Tx
	head    string
	cols    int
	rowsPer int
	full    *sql.Stmt
	args    []any
	n       int
}

func (db *DB) newMultiInsert(tx Tx, head string, cols, rowsPer int) *multiInsert {
	if db.Dialect.Name == "sqlite" {
		// OR FAIL: a constraint error stops the statement without undoing
		// its earlier rows, so SQLite keeps no statement journal for each
		// multi-row INSERT. Nothing is lost: any error fails the whole
		// batch, which the writer rolls back to its savepoint.
		head = strings.Replace(head, "INSERT INTO", "INSERT OR FAIL INTO", 1)
	}
	return &multiInsert{db: db, tx: tx, head: head, cols: cols, rowsPer: rowsPer, args: make([]any, 0, cols*rowsPer)}
}

// values returns "(?, ?), (?, ?)" for rows rows, numbered for PostgreSQL.
func (m *multiInsert) values(rows int) string {
	var b strings.Builder
	b.WriteString(m.head)
	p := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range m.cols {
			if c > 0 {
				b.WriteString(", ")
			}
			p++
			if m.db.Dialect.Placeholders {
				b.WriteString("$" + strconv.Itoa(p))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

func (m *multiInsert) add(ctx context.Context, vals ...any) error {
	if len(vals) != m.cols {
		return fmt.Errorf("sqldb: bulk: %d values for %d columns", len(vals), m.cols)
	}
	m.args = append(m.args, vals...)
	m.n++
	if m.n < m.rowsPer {
		return nil
	}
	if m.full == nil {
		st, err := m.tx.PrepareContext(ctx, m.values(m.rowsPer))
		if err != nil {
			return err
		}
		m.full = st
	}
	_, err := m.full.ExecContext(ctx, m.args...)
	m.args, m.n = m.args[:0], 0
	return err
}

// flush writes the remaining rows and releases the prepared statement.
func (m *multiInsert) flush(ctx context.Context) error {
	defer func() {
		if m.full != nil {
			m.full.Close()
			m.full = nil
		}
	}()
	if m.n == 0 {
		return nil
	}
	_, err := m.tx.ExecContext(ctx, m.values(m.n), m.args...)
	m.args, m.n = m.args[:0], 0
	return err
}

// DropStat4 deletes the samples that SQLite's ANALYZE keeps in
// sqlite_stat4 (the driver is built with SQLITE_ENABLE_STAT4), keeping the
// row estimates of sqlite_stat1, and makes the connection reload them.
//
// Why: with samples present, every prepared statement that compares an
// indexed column with a bound parameter is planned again each time it runs
// with new values, which cost 12 % of the server's CPU under intake and
// made the prepared-statement cache useless for those queries. The
// estimates of sqlite_stat1 are what the list queries need to pick their
// index; the samples add nothing for them. Nothing happens when the table
// does not exist (no ANALYZE yet) or is empty.
func DropStat4(ctx context.Context, x interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	var n int
	if err := x.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	if err := x.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_stat4`).Scan(&n); err != nil || n == 0 {
		return err
	}
	if _, err := x.ExecContext(ctx, `DELETE FROM sqlite_stat4`); err != nil {
		return err
	}
	// ANALYZE sqlite_schema reloads the statistics from the tables without
	// analysing anything again.
	_, err := x.ExecContext(ctx, `ANALYZE sqlite_schema`)
	return err
}
