package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

var _ esambat.ReportStore = (*DB)(nil)

const reportCols = `id, ticket, type, category_code, title, description, lat, lng, address, kelurahan_code, kecamatan_code,
	visibility, status, channel, COALESCE(reporter_id, 0), on_behalf_name, on_behalf_relationship, on_behalf_phone,
	suggested_agency, COALESCE(agency_code, ''), flags, COALESCE(duplicate_of, 0), supports, rating,
	created_at, updated_at, due_at, published_at, version`

func (db *DB) scanReport(s interface{ Scan(...any) error }) (*esambat.Report, error) {
	var r esambat.Report
	var lat, lng sql.NullFloat64
	var address, kec, flags, obName, obRel, obPhone string
	err := s.Scan(&r.ID, &r.Ticket, &r.Type, &r.CategoryCode, &r.Title, &r.Description, &lat, &lng, &address, &r.KelurahanCode, &kec,
		&r.Visibility, &r.Status, &r.Channel, &r.ReporterID, &obName, &obRel, &obPhone,
		&r.SuggestedAgency, &r.AgencyCode, &flags, &r.DuplicateOf, &r.Supports, &r.Rating,
		scanTime{&r.CreatedAt}, scanTime{&r.UpdatedAt}, scanTime{&r.DueAt}, scanTime{&r.PublishedAt}, &r.Version)
	if err == sql.ErrNoRows {
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Laporan tidak ditemukan.")
	} else if err != nil {
		return nil, db.err(err)
	}
	r.Address = address
	if lat.Valid && lng.Valid {
		r.Location = &esambat.Location{Lat: lat.Float64, Lng: lng.Float64, Kelurahan: r.KelurahanCode, Kecamatan: kec}
	}
	if obName != "" {
		r.OnBehalf = &esambat.OnBehalf{Name: obName, Relationship: obRel, Phone: obPhone}
	}
	if flags != "" {
		r.Flags = strings.Split(flags, ",")
	}
	return &r, nil
}

// reportAddress returns the location columns of a report.
func reportAddress(r *esambat.Report) (lat, lng any, address, kec string) {
	if r.Location != nil {
		return r.Location.Lat, r.Location.Lng, r.Address, r.Location.Kecamatan
	}
	return nil, nil, r.Address, ""
}

// errIdemTaken is returned inside CreateReport's write when the
// submitter's Idempotency-Key is already taken: the write is undone and
// the first report returned instead.
var errIdemTaken = errors.New("sqldb: idempotency key taken")

// CreateReport stores r and its first event; see esambat.ReportStore.
//
// It is the hottest write, so it does as little as it can in the write:
// the report's ID is known before its row is written (SQLite: the
// single writer's next rowid; PostgreSQL: the identity sequence, fetched
// with the ticket number), so the first event's hash goes in with the
// row; a retried Idempotency-Key is caught by the key's primary key
// rather than looked up before every submission; the reporter's account
// comes from the caller when it has it (Report.Reporter).
func (db *DB) CreateReport(ctx context.Context, r *esambat.Report, ev *esambat.Event, idemKey string) (*esambat.Report, bool, error) {
	submitter := "u:" + strconv.FormatInt(r.ReporterID, 10)
	if r.ReporterID == 0 && ev != nil {
		submitter = string(ev.ActorRole) + ":" + strconv.FormatInt(ev.ActorID, 10)
	}
	reporter := r.Reporter
	r.Reporter = nil
	now := db.Now().UTC().Truncate(time.Microsecond)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
	r.UpdatedAt, r.Version = r.CreatedAt, 1
	year := r.CreatedAt.In(esambat.WIB).Year()
	var err error
	if db.Dialect.TicketSequences {
		var n, id, evID int64
		n, id, evID, err = db.nextTicket(ctx, year, submitter, idemKey)
		if err == nil {
			head := newReport(r, ev, id, n, year)
			if ev != nil {
				ev.ID = evID
			}
			err = db.createReportStatement(ctx, r, ev, head, submitter, idemKey, reporter, now)
		}
	} else {
		err = db.Writer.Write(ctx, func(tx Tx) error {
			q := db.inTx(tx)
			var n, id int64
			if err := q.QueryRowContext(ctx, db.q(`INSERT INTO ticket_counters (year, n) VALUES (?, 1)
			ON CONFLICT (year) DO UPDATE SET n = ticket_counters.n + 1 RETURNING n`), year).Scan(&n); err != nil {
				return err
			}
			// The single writer: nobody else can take this ID first.
			if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM reports`).Scan(&id); err != nil {
				return err
			}
			head := newReport(r, ev, id, n, year)
			if _, err := q.ExecContext(ctx, db.q(reportInsert), reportArgs(db, r, head)...); err != nil {
				return err
			}
			if idemKey != "" {
				res, err := q.ExecContext(ctx, db.q(idemInsert+` ON CONFLICT (submitter, key) DO NOTHING`), submitter, idemKey, r.ID, db.t(now))
				if err != nil {
					return err
				}
				if k, err := res.RowsAffected(); err != nil {
					return err
				} else if k == 0 {
					return errIdemTaken
				}
			}
			if ev != nil {
				if err := db.storeEvent(ctx, tx, ev); err != nil {
					return err
				}
				if err := db.enqueueWith(ctx, tx, r, ev, reporter); err != nil {
					return err
				}
			}
			return db.insertPhotos(ctx, tx, r.ID, r.Photos, r.CreatedAt)
		})
	}
	if errors.Is(err, errIdemTaken) {
		// A retry: the first report with this key stands. (On PostgreSQL
		// a retry racing the first waits for it on the key's index.)
		existing, ferr := db.findIdempotent(ctx, readQuerier{db}, submitter, idemKey)
		if ferr != nil {
			return nil, false, ferr
		}
		return existing, false, nil
	}
	if err != nil {
		return nil, false, db.err(err)
	}
	return r, true, nil
}

// newReport gives r its ID and ticket (number n of year) and ev, the
// first event, its place at the head of the report's chain; it returns
// the chain's head hash ("" without an event).
func newReport(r *esambat.Report, ev *esambat.Event, id, n int64, year int) string {
	r.ID = id
	r.Ticket = fmt.Sprintf("ES-%02d-%06d", year%100, n)
	if ev == nil {
		return ""
	}
	ev.ReportID, ev.Seq, ev.PrevHash = r.ID, 1, ""
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = r.CreatedAt
	}
	ev.CreatedAt = ev.CreatedAt.UTC().Truncate(time.Microsecond)
	ev.Hash = ev.ComputeHash()
	return ev.Hash
}

const (
	reportInsert = `INSERT INTO reports (id, ticket, type, category_code, title, description, lat, lng, address,
	kelurahan_code, kecamatan_code, visibility, status, channel, reporter_id, on_behalf_name, on_behalf_relationship,
	on_behalf_phone, suggested_agency, agency_code, flags, duplicate_of, supports, rating, created_at, updated_at, due_at,
	published_at, version, events_head)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	idemInsert  = `INSERT INTO report_idempotency (submitter, key, report_id, created_at) VALUES (?, ?, ?, ?)`
	eventCols   = `report_id, seq, action, actor_id, actor_role, from_status, to_status, public_text, internal_note, data, created_at, prev_hash, hash`
	eventInsert = `INSERT INTO events (` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// eventInsertID is eventInsert with the ID first.
	eventInsertID = `INSERT INTO events (id, ` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	photoInsert   = `INSERT INTO report_photos (report_id, key, thumb_key, width, height, kind, created_at) VALUES `
)

// reportArgs are the arguments of reportInsert.
func reportArgs(db *DB, r *esambat.Report, head string) []any {
	lat, lng, address, kec := reportAddress(r)
	var ob esambat.OnBehalf
	if r.OnBehalf != nil {
		ob = *r.OnBehalf
	}
	return []any{r.ID, r.Ticket, r.Type, r.CategoryCode, r.Title, r.Description, lat, lng, address,
		r.KelurahanCode, kec, r.Visibility, r.Status, r.Channel, nullInt(r.ReporterID), ob.Name, ob.Relationship,
		ob.Phone, r.SuggestedAgency, nullStr(r.AgencyCode), strings.Join(r.Flags, ","), nullInt(r.DuplicateOf), r.Supports, r.Rating,
		db.t(r.CreatedAt), db.t(r.UpdatedAt), db.t(r.DueAt), db.t(r.PublishedAt), r.Version, head}
}

// eventArgs are the arguments of eventInsert.
func eventArgs(db *DB, ev *esambat.Event) ([]any, error) {
	data := []byte("{}")
	if ev.Data != nil {
		var err error
		if data, err = json.Marshal(ev.Data); err != nil {
			return nil, err
		}
	}
	return []any{ev.ReportID, ev.Seq, ev.Action, ev.ActorID, ev.ActorRole, ev.From, ev.To, ev.Public, ev.Internal, string(data),
		db.t(ev.CreatedAt), ev.PrevHash, ev.Hash}, nil
}

// photoValues returns the VALUES rows of photoInsert for photos and their
// arguments; a photo without a date is dated at.
func photoValues(db *DB, reportID int64, photos []esambat.Photo, at time.Time) (string, []any) {
	args := make([]any, 0, 7*len(photos))
	for i := range photos {
		p := &photos[i]
		if p.CreatedAt.IsZero() {
			p.CreatedAt = at
		}
		args = append(args, reportID, p.Key, p.ThumbKey, p.Width, p.Height, p.Kind, db.t(p.CreatedAt))
	}
	return strings.Repeat(", (?, ?, ?, ?, ?, ?, ?)", len(photos))[2:], args
}

// createReportStatement stores a new report on PostgreSQL in one
// statement, which commits on its own: the report, its Idempotency-Key,
// photos, first event and the event's messages, each a data-modifying
// WITH query. One round trip instead of a transaction's seven; it is all
// or nothing like the transaction was, and foreign keys are checked at
// the statement's end, when every row is in. A key already taken fails
// the statement on the key's primary key (errIdemTaken); a retry racing
// the first attempt waits for it there.
func (db *DB) createReportStatement(ctx context.Context, r *esambat.Report, ev *esambat.Event, head, submitter, idemKey string, reporter *esambat.User, now time.Time) error {
	var rows [][]any
	if ev != nil {
		var err error
		if rows, err = db.outboxRows(ctx, readQuerier{db}, r, ev, reporter); err != nil {
			return err
		}
	}
	var b strings.Builder
	args := reportArgs(db, r, head)
	b.WriteString("WITH r AS (" + reportInsert + ")")
	if idemKey != "" {
		b.WriteString(", k AS (" + idemInsert + ")")
		args = append(args, submitter, idemKey, r.ID, db.t(now))
	}
	if len(r.Photos) > 0 {
		values, pargs := photoValues(db, r.ID, r.Photos, r.CreatedAt)
		b.WriteString(", p AS (" + photoInsert + values + ")")
		args = append(args, pargs...)
	}
	if ev == nil {
		b.WriteString(" SELECT 0")
	} else {
		eargs, err := eventArgs(db, ev)
		if err != nil {
			return err
		}
		b.WriteString(", e AS (" + eventInsertID + " RETURNING id)")
		args = append(args, ev.ID)
		args = append(args, eargs...)
		if len(rows) > 0 {
			values, oargs := outboxValues(ev.ID, rows)
			b.WriteString(", o AS (" + outboxInsert + values + outboxConflict + ")")
			args = append(args, oargs...)
		}
		b.WriteString(" SELECT id FROM e")
	}
	var got int64
	err := db.Read.QueryRowContext(ctx, db.q(b.String()), args...).Scan(&got)
	if isUniqueOn(err, "report_idempotency") {
		return errIdemTaken
	}
	return err
}

// isUniqueOn reports a unique violation (SQLSTATE 23505) of one of
// table's constraints, whose names PostgreSQL derives from the table's.
func isUniqueOn(err error, table string) bool {
	c, _ := sqlState(err)
	return c == "23505" && strings.Contains(err.Error(), `"`+table+"_")
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) findIdempotent(ctx context.Context, q queryer, submitter, key string) (*esambat.Report, error) {
	return db.scanReport(q.QueryRowContext(ctx, db.q(`SELECT `+reportCols+` FROM reports WHERE id =
		(SELECT report_id FROM report_idempotency WHERE submitter = ? AND key = ?)`), submitter, key))
}

// insertEvent appends ev to its report's chain: it takes the previous
// event's hash and the next sequence number, computes ev.Hash, stores the
// event and records it as the report's events_head.
func (db *DB) insertEvent(ctx context.Context, tx Tx, ev *esambat.Event) error {
	var prevSeq int
	var prevHash string
	err := db.inTx(tx).QueryRowContext(ctx, db.q(`SELECT seq, hash FROM events WHERE report_id = ? ORDER BY seq DESC LIMIT 1`), ev.ReportID).Scan(&prevSeq, &prevHash)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	ev.Seq, ev.PrevHash = prevSeq+1, prevHash
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = db.Now()
	}
	ev.CreatedAt = ev.CreatedAt.UTC().Truncate(time.Microsecond)
	ev.Hash = ev.ComputeHash()
	if err := db.storeEvent(ctx, tx, ev); err != nil {
		return err
	}
	_, err = db.inTx(tx).ExecContext(ctx, db.q(`UPDATE reports SET events_head = ? WHERE id = ?`), ev.Hash, ev.ReportID)
	return err
}

// storeEvent inserts ev, whose Seq, PrevHash and Hash are set, and sets
// ev.ID.
func (db *DB) storeEvent(ctx context.Context, tx Tx, ev *esambat.Event) error {
	args, err := eventArgs(db, ev)
	if err != nil {
		return err
	}
	return db.inTx(tx).QueryRowContext(ctx, db.q(eventInsert+` RETURNING id`), args...).Scan(&ev.ID)
}

// FindReportByID returns ENOTFOUND when there is no such report.
func (db *DB) FindReportByID(ctx context.Context, id int64) (*esambat.Report, error) {
	return db.scanReport(db.readQueryRow(ctx, db.q(`SELECT `+reportCols+` FROM reports WHERE id = ?`), id))
}

// FindReportsByID returns the reports of ids that exist; see
// esambat.ReportStore.
func (db *DB) FindReportsByID(ctx context.Context, ids []int64) (map[int64]*esambat.Report, error) {
	out := map[int64]*esambat.Report{}
	err := inChunks(ids, func(in string, args []any) error {
		rows, err := db.Read.QueryContext(ctx, db.q(`SELECT `+reportCols+` FROM reports WHERE id IN (`+in+`)`), args...)
		if err != nil {
			return db.err(err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := db.scanReport(rows)
			if err != nil {
				return err
			}
			out[r.ID] = r
		}
		return db.err(rows.Err())
	})
	return out, err
}

// FindReportByTicket returns ENOTFOUND when there is no such ticket.
func (db *DB) FindReportByTicket(ctx context.Context, ticket string) (*esambat.Report, error) {
	return db.scanReport(db.readQueryRow(ctx, db.q(`SELECT `+reportCols+` FROM reports WHERE ticket = ?`), strings.ToUpper(strings.TrimSpace(ticket))))
}

// UpdateReport stores r if its Version still matches; see esambat.ReportStore.
func (db *DB) UpdateReport(ctx context.Context, r *esambat.Report, ev *esambat.Event) error {
	now := db.Now().UTC().Truncate(time.Microsecond)
	err := db.Writer.Write(ctx, func(tx Tx) error {
		lat, lng, address, kec := reportAddress(r)
		var ob esambat.OnBehalf
		if r.OnBehalf != nil {
			ob = *r.OnBehalf
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE reports SET type = ?, category_code = ?, title = ?, description = ?, lat = ?, lng = ?,
			address = ?, kelurahan_code = ?, kecamatan_code = ?, visibility = ?, status = ?, on_behalf_name = ?, on_behalf_relationship = ?,
			on_behalf_phone = ?, agency_code = ?, flags = ?, duplicate_of = ?, supports = ?, rating = ?, updated_at = ?, due_at = ?,
			published_at = ?, version = version + 1
			WHERE id = ? AND version = ?`),
			r.Type, r.CategoryCode, r.Title, r.Description, lat, lng,
			address, r.KelurahanCode, kec, r.Visibility, r.Status, ob.Name, ob.Relationship,
			ob.Phone, nullStr(r.AgencyCode), strings.Join(r.Flags, ","), nullInt(r.DuplicateOf), r.Supports, r.Rating, db.t(now), db.t(r.DueAt),
			db.t(r.PublishedAt), r.ID, r.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM reports WHERE id = ?`), r.ID).Scan(&exists); err != nil {
				return err
			} else if exists == 0 {
				return esambat.Errorf(esambat.ENOTFOUND, "Laporan tidak ditemukan.")
			}
			return esambat.Errorf(esambat.ECONFLICT, "Laporan ini baru saja diubah orang lain. Muat ulang lalu coba lagi.")
		}
		if ev != nil {
			ev.ReportID = r.ID
			if ev.CreatedAt.IsZero() {
				ev.CreatedAt = now
			}
			if err := db.insertEvent(ctx, tx, ev); err != nil {
				return err
			}
			return db.enqueue(ctx, tx, r, ev)
		}
		return nil
	})
	if err != nil {
		return db.err(err)
	}
	r.Version++
	r.UpdatedAt = now
	return nil
}

// eventSelect reads events for scanEvents.
const eventSelect = `SELECT id, report_id, seq, action, actor_id, actor_role, from_status, to_status,
		public_text, internal_note, data, created_at, prev_hash, hash FROM events`

// ListEvents returns the events of a report, oldest first.
func (db *DB) ListEvents(ctx context.Context, reportID int64) ([]esambat.Event, error) {
	var out []esambat.Event
	err := db.scanEvents(ctx, db.q(eventSelect+` WHERE report_id = ? ORDER BY seq`), []any{reportID}, func(e esambat.Event) {
		out = append(out, e)
	})
	return out, err
}

// ListEventsOf returns the events of each of reportIDs; see
// esambat.ReportStore.
func (db *DB) ListEventsOf(ctx context.Context, reportIDs []int64) (map[int64][]esambat.Event, error) {
	out := map[int64][]esambat.Event{}
	err := inChunks(reportIDs, func(in string, args []any) error {
		return db.scanEvents(ctx, db.q(eventSelect+` WHERE report_id IN (`+in+`) ORDER BY report_id, seq`), args, func(e esambat.Event) {
			out[e.ReportID] = append(out[e.ReportID], e)
		})
	})
	return out, err
}

// ListUpdates returns a page of the events after submission; see
// esambat.ReportStore. The condition action <> 'submit' is the partial
// index events_updates's own, so the page reads that index in order and
// intake (whose one event is the submission) never writes it.
func (db *DB) ListUpdates(ctx context.Context, w esambat.UpdateWindow) ([]esambat.Event, error) {
	limit := w.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxPageLimit)
	where := `action <> 'submit' AND created_at >= ? AND created_at < ?`
	args := []any{db.t(w.From), db.t(w.To)}
	if !w.AfterAt.IsZero() {
		where += ` AND (created_at > ? OR (created_at = ? AND id > ?))`
		args = append(args, db.t(w.AfterAt), db.t(w.AfterAt), w.AfterID)
	}
	var out []esambat.Event
	err := db.scanEvents(ctx, db.q(eventSelect+` WHERE `+where+` ORDER BY created_at, id LIMIT `+strconv.Itoa(limit)), args, func(e esambat.Event) {
		out = append(out, e)
	})
	return out, err
}

// scanEvents runs query, an eventSelect, and passes each event to add.
func (db *DB) scanEvents(ctx context.Context, query string, args []any, add func(esambat.Event)) error {
	rows, err := db.Read.QueryContext(ctx, query, args...)
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
				return fmt.Errorf("event %d: bad data: %w", e.ID, err)
			}
		}
		add(e)
	}
	return db.err(rows.Err())
}

// inChunk is the most IDs inChunks puts in one IN list: a page of
// FindReports, and far below SQLite's limit of 32,766 parameters.
const inChunk = maxPageLimit

// inChunks calls fn with an IN list of placeholders and its arguments for
// each inChunk of ids, each ID once (in two chunks, its rows would be
// read twice).
func inChunks(ids []int64, fn func(in string, args []any) error) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	for chunk := range slices.Chunk(slices.Compact(ids), inChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if err := fn(strings.Repeat(", ?", len(chunk))[2:], args); err != nil {
			return err
		}
	}
	return nil
}

// where builds the WHERE clause of a filter, with its search words
// (SearchClause) unless not words.
func (db *DB) where(f esambat.ReportFilter, words bool) (string, []any, error) {
	var conds []string
	var args []any
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ph[i] = "?"
			args = append(args, string(s))
		}
		conds = append(conds, "status IN ("+strings.Join(ph, ", ")+")")
	}
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if f.CategoryCode != "" {
		add("category_code = ?", f.CategoryCode)
	}
	if f.AgencyCode != "" {
		add("agency_code = ?", f.AgencyCode)
	}
	if f.KelurahanCode != "" {
		add("kelurahan_code = ?", f.KelurahanCode)
	}
	if f.ReporterID != 0 {
		add("reporter_id = ?", f.ReporterID)
	}
	if f.PublishedOnly {
		conds = append(conds, "published_at IS NOT NULL AND visibility <> 'rahasia'")
	}
	if b := f.BBox; b != nil {
		conds = append(conds, "lat >= ? AND lat <= ? AND lng >= ? AND lng <= ?")
		args = append(args, b.MinLat, b.MaxLat, b.MinLng, b.MaxLng)
	}
	if c := f.Near; c != nil {
		// The box lets an index on (..., lat, lng) narrow the rows; the
		// distance, checked on the index's columns, drops the corners
		// before a row is read.
		b := c.Box()
		ky, kx := c.Scale()
		conds = append(conds, "lat >= ? AND lat <= ? AND lng >= ? AND lng <= ? AND "+
			"((lat - ?) * ?) * ((lat - ?) * ?) + ((lng - ?) * ?) * ((lng - ?) * ?) <= ?")
		args = append(args, b.MinLat, b.MaxLat, b.MinLng, b.MaxLng,
			c.Lat, ky, c.Lat, ky, c.Lng, kx, c.Lng, kx, c.Metres*c.Metres)
	}
	if !f.From.IsZero() {
		add("created_at >= ?", db.t(f.From))
	}
	if !f.To.IsZero() {
		add("created_at < ?", db.t(f.To))
	}
	if !f.DueBefore.IsZero() {
		add("due_at <= ?", db.t(f.DueBefore))
	} else if f.ByDue() {
		conds = append(conds, "due_at IS NOT NULL") // the dialects sort NULLs apart
	}
	if q := strings.TrimSpace(f.Query); q != "" && words {
		cond, qargs := db.Dialect.SearchClause(q)
		conds = append(conds, cond)
		args = append(args, qargs...)
	}
	if f.After != "" {
		id, err := parseCursor(f.After)
		if err != nil {
			return "", nil, err
		}
		switch {
		case f.ByDue():
			add("(due_at, id) > (SELECT due_at, id FROM reports WHERE id = ?)", id)
		case f.ByCreated():
			// The page goes on after the cursor's report in the list's
			// order, by (created_at, id).
			cmp := "<"
			if f.OldestFirst {
				cmp = ">"
			}
			add("(created_at, id) "+cmp+" (SELECT created_at, id FROM reports WHERE id = ?)", id)
		case f.OldestFirst:
			add("id > ?", id)
		default:
			add("id < ?", id)
		}
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// parseCursor reads a page cursor: the id of the last report of the
// previous page, in base 36.
func parseCursor(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 36, 64)
	if err != nil || id <= 0 {
		return 0, badCursor()
	}
	return id, nil
}

// badCursor is the error of a cursor that names no report.
func badCursor() error {
	return esambat.FieldError("cursor", "Penanda halaman (cursor) tidak valid.")
}

// orderBy is the ORDER BY clause of f's list (ReportFilter.ByCreated).
func orderBy(f esambat.ReportFilter) string {
	if f.ByDue() {
		return " ORDER BY due_at ASC, id ASC"
	}
	dir := " DESC"
	if f.OldestFirst {
		dir = " ASC"
	}
	if f.ByCreated() {
		return " ORDER BY created_at" + dir + ", id" + dir
	}
	return " ORDER BY id" + dir
}

// cursorWindow narrows the date window of f, a list ordered by
// created_at, to the part after its cursor's report, so that the
// database starts its walk of the window's index there instead of
// stepping over the pages before (where's cursor condition alone is
// exact, but an index range is taken from the window's bounds).
func (db *DB) cursorWindow(ctx context.Context, f esambat.ReportFilter) (esambat.ReportFilter, error) {
	id, err := parseCursor(f.After)
	if err != nil {
		return f, err
	}
	var at time.Time
	err = db.readQueryRow(ctx, db.q(`SELECT created_at FROM reports WHERE id = ?`), id).Scan(scanTime{&at})
	if errors.Is(err, sql.ErrNoRows) && ctx.Value(replicaKey{}) != nil && db.replicaPool() != nil {
		// A cursor from a page the primary served (while the replica
		// was set aside) may name a report the replica has not got yet.
		return f, errReplicaBehind
	}
	if errors.Is(err, sql.ErrNoRows) {
		return f, badCursor()
	}
	if err != nil {
		return f, db.err(err)
	}
	if f.OldestFirst {
		if at.After(f.From) {
			f.From = at
		}
	} else if end := at.Add(time.Microsecond); f.To.IsZero() || end.Before(f.To) {
		f.To = end
	}
	return f, nil
}

// FindReports returns a page of reports, newest first unless OldestFirst.
// Paging is by id (ids grow with submission), or by created_at and id
// for a list with a date window (ReportFilter.ByCreated); either way the
// cursor is the last id seen, encoded in base 36.
func (db *DB) FindReports(ctx context.Context, f esambat.ReportFilter) (esambat.ReportPage, error) {
	if !f.PublishedOnly {
		return db.findReports(ctx, f)
	}
	// A public list may lag behind the writes by a moment.
	return onReplica(ctx, db, func(ctx context.Context) (esambat.ReportPage, bool, error) {
		p, err := db.findReports(ctx, f)
		return p, false, err
	})
}

// findReports is FindReports on the pool ctx reads (readPool).
func (db *DB) findReports(ctx context.Context, f esambat.ReportFilter) (esambat.ReportPage, error) {
	q, args, cached, err := db.findQuery(ctx, f)
	if err != nil {
		return esambat.ReportPage{}, err
	}
	if a, custom := db.planArgs(f, args); custom {
		args, cached = a, false
	}
	var rows *sql.Rows
	if cached {
		rows, err = db.readQuery(ctx, q, args...)
	} else {
		pool, _ := db.readPool(ctx)
		rows, err = pool.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return esambat.ReportPage{}, db.err(err)
	}
	defer rows.Close()
	var page esambat.ReportPage
	for rows.Next() {
		r, err := db.scanReport(rows)
		if err != nil {
			return esambat.ReportPage{}, err
		}
		page.Reports = append(page.Reports, r)
	}
	if err := rows.Err(); err != nil {
		return esambat.ReportPage{}, db.err(err)
	}
	if limit := pageLimit(f); len(page.Reports) > limit {
		page.Reports = page.Reports[:limit]
		page.Next = strconv.FormatInt(page.Reports[limit-1].ID, 36)
	}
	return page, nil
}

// ExplainFindReports returns the database's plan for FindReports(f), one
// step a line: for the tests that check a list uses its index, and for a
// developer asking why a list is slow.
func (db *DB) ExplainFindReports(ctx context.Context, f esambat.ReportFilter) (string, error) {
	q, args, _, err := db.findQuery(ctx, f)
	if err != nil {
		return "", err
	}
	explain := "EXPLAIN "
	if db.Dialect.Name == "sqlite" {
		explain = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.Read.QueryContext(ctx, explain+q, args...)
	if err != nil {
		return "", db.err(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		cells := make([]any, len(cols))
		var line string
		for i := range cells {
			cells[i] = new(any)
		}
		cells[len(cells)-1] = &line
		if err := rows.Scan(cells...); err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// maxPageLimit is the largest page FindReports returns: Open311's
// 1,000 requests in one query. The API and the pages allow 200.
const maxPageLimit = 1000

// pageLimit is f's page size as FindReports applies it.
func pageLimit(f esambat.ReportFilter) int {
	switch {
	case f.Limit <= 0:
		return 50
	case f.Limit > maxPageLimit:
		return maxPageLimit
	}
	return f.Limit
}

// findQuery returns FindReports' query for f and whether it goes through
// the statement cache (the map's query varies with its box, so not). A
// search may first ask the database how many reports match its words
// (fewMatches).
func (db *DB) findQuery(ctx context.Context, f esambat.ReportFilter) (q string, args []any, cached bool, err error) {
	if f.ByCreated() && f.After != "" {
		if f, err = db.cursorWindow(ctx, f); err != nil {
			return "", nil, false, err
		}
	}
	where, args, err := db.where(f, true)
	if err != nil {
		return "", nil, false, err
	}
	lim := strconv.Itoa(pageLimit(f) + 1)
	order := orderBy(f)
	if cells := mapCells(f); db.Dialect.MapCell != "" && cells != nil {
		// The map: each cell of the box from its newest report on the
		// reports_map index, at most limit+1 from each, then the newest
		// limit+1 of those.
		conds := strings.TrimPrefix(where, " WHERE ")
		parts := make([]string, len(cells))
		all := make([]any, 0, len(cells)*(len(args)+1))
		for i, c := range cells {
			parts[i] = `SELECT id FROM (SELECT id FROM reports WHERE ` + db.Dialect.MapCell + ` = ? AND lat IS NOT NULL AND ` + conds +
				order + ` LIMIT ` + lim + `) AS c` + strconv.Itoa(i)
			all = append(all, c)
			all = append(all, args...)
		}
		return db.q(`SELECT ` + reportCols + ` FROM reports WHERE id IN (SELECT id FROM (` +
			strings.Join(parts, ` UNION ALL `) + `) AS cells` + order + ` LIMIT ` + lim + `)` + order), all, false, nil
	}
	if q := strings.TrimSpace(f.Query); q != "" && db.Dialect.SearchScan != nil && db.Dialect.HintIndexes && inboxList(f) {
		// An agency's inbox searched: its few rows, each checked.
		conds, args, err := db.where(f, false)
		if err != nil {
			return "", nil, false, err
		}
		cond, cargs := db.Dialect.SearchScan(q)
		if conds == "" {
			conds = " WHERE " + cond
		} else {
			conds += " AND " + cond
		}
		return db.q(`SELECT ` + reportCols + ` FROM reports INDEXED BY reports_agency` + conds + order + ` LIMIT ` + lim), append(args, cargs...), true, nil
	}
	var ids IDRange
	if strings.TrimSpace(f.Query) != "" || db.statusBounded(f) {
		if ids, err = db.windowIDs(ctx, f); err != nil {
			return "", nil, false, err
		}
	}
	if sq, sargs, ok, err := db.searchPage(ctx, f, order, pageLimit(f)+1, ids); err != nil || ok {
		return sq, sargs, ok, err
	}
	if ids != (IDRange{}) {
		// The window's IDs let the walk of the list's index start and
		// stop there (windowIDs).
		where += " AND id BETWEEN ? AND ?"
		args = append(args, ids.Lo, ids.Hi)
	}
	from := " FROM reports"
	if ix := listIndex(f); db.Dialect.HintIndexes && ix != "" {
		from += " INDEXED BY " + ix
	}
	return db.q(`SELECT ` + reportCols + from + where + order + ` LIMIT ` + lim), args, true, nil
}

// searchPage returns the query of a list with search words where the
// dialect has a better one than SearchClause in the WHERE: SearchIDs
// (SQLite), or the few matching reports read first (SearchFew,
// PostgreSQL). False: the list's WHERE holds SearchClause. Such a query
// goes through the statement cache.
func (db *DB) searchPage(ctx context.Context, f esambat.ReportFilter, order string, limit int, window IDRange) (string, []any, bool, error) {
	q := strings.TrimSpace(f.Query)
	if q == "" || (db.Dialect.SearchIDs == nil && db.Dialect.SearchFew == "") {
		return "", nil, false, nil
	}
	conds, args, err := db.where(f, false)
	if err != nil {
		return "", nil, false, err
	}
	if db.Dialect.SearchIDs != nil {
		sub, sargs, ok := db.Dialect.SearchIDs(q, strings.TrimPrefix(conds, " WHERE "), args, !f.OldestFirst, limit, window)
		if ok {
			return db.q(`SELECT ` + reportCols + ` FROM reports WHERE id IN (` + sub + `)` + order), sargs, true, nil
		}
	}
	if db.Dialect.SearchFew == "" {
		return "", nil, false, nil
	}
	ids, few, err := db.fewMatches(ctx, q)
	if err != nil || !few {
		return "", nil, false, err
	}
	if conds == "" {
		conds = " WHERE id = ANY(?)"
	} else {
		conds += " AND id = ANY(?)"
	}
	return db.q(`SELECT ` + reportCols + ` FROM reports` + conds + order + ` LIMIT ` + strconv.Itoa(limit)), append(args, ids), true, nil
}

// windowIDs returns the range of IDs of the reports in f's date window
// (of its published reports, for a public list), or no range for a list
// without a window. A search, ordered by id, walked every newer match
// before it reached an older window: 0.5-0.9 s on SQLite and 0.34 s on
// PostgreSQL for "jalan" in January and February at a million reports.
// Bounded by the window's IDs, it starts and stops there (2 ms, and
// 16 ms to find the bounds). Exact: every report of the window has an ID
// in the range, and the window's own condition stays.
//
// MIN(id + 0) rather than MIN(id): PostgreSQL answers MIN(id) by walking
// the id index from its end until a report of the window comes (0.77 s
// for a window early in the year); over an expression it reads the
// window's own index.
//
// A public search without a window, where the dialect walks its index
// newest first (SearchIDs), is bounded by the newest published report
// instead: a flood of reports waiting for verification sits at the top
// of the IDs, and the walk stepped over each of them that matched (17,479
// matching "jalan" made the search's p99 35 ms instead of 4.4).
//
// A staff list of some statuses with words, a category or a kelurahan is
// bounded by its statuses' IDs too, where Dialect.BoundStatuses says so
// (statusIDs).
func (db *DB) windowIDs(ctx context.Context, f esambat.ReportFilter) (IDRange, error) {
	ids, err := db.dateIDs(ctx, f)
	if err != nil || !db.statusBounded(f) {
		return ids, err
	}
	st, err := db.statusIDs(ctx, f.Statuses)
	if err != nil {
		return IDRange{}, err
	}
	if ids == (IDRange{}) {
		return st, nil
	}
	return IDRange{Lo: max(ids.Lo, st.Lo), Hi: min(ids.Hi, st.Hi)}, nil
}

// statusBounded reports whether windowIDs bounds f's list by its
// statuses' IDs (Dialect.BoundStatuses): a staff list of some statuses
// narrowed by words, a category or a kelurahan. The admin's queue of
// reports waiting for verification is a few thousand of a million, the
// newest; searched or filtered by category, SQLite's walk of the words'
// or the category's index from the oldest report stepped over every
// decided one (0.16-0.18 s for "jalan" or jalan-jembatan at a million).
func (db *DB) statusBounded(f esambat.ReportFilter) bool {
	return db.Dialect.BoundStatuses && !f.PublishedOnly && len(f.Statuses) > 0 &&
		(strings.TrimSpace(f.Query) != "" || f.CategoryCode != "" || f.KelurahanCode != "")
}

// statusIDs returns the range from the lowest to the highest ID of the
// reports in statuses, each end one step of the status index
// (reports_status: status, id) per status. Exact: no report in those
// statuses lies outside it (a report entering one meanwhile is the
// next view's).
func (db *DB) statusIDs(ctx context.Context, statuses []esambat.Status) (IDRange, error) {
	r := IDRange{Lo: 1, Hi: 0} // no report: no ID
	for _, st := range statuses {
		var lo, hi sql.NullInt64
		if err := db.readQueryRow(ctx, db.q(`SELECT MIN(id) FROM reports WHERE status = ?`), st).Scan(&lo); err != nil {
			return IDRange{}, db.err(err)
		}
		if !lo.Valid {
			continue
		}
		if err := db.readQueryRow(ctx, db.q(`SELECT MAX(id) FROM reports WHERE status = ?`), st).Scan(&hi); err != nil {
			return IDRange{}, db.err(err)
		}
		if r.Hi < r.Lo {
			r = IDRange{Lo: lo.Int64, Hi: hi.Int64}
			continue
		}
		r = IDRange{Lo: min(r.Lo, lo.Int64), Hi: max(r.Hi, hi.Int64)}
	}
	return r, nil
}

// dateIDs is windowIDs without the statuses' bound.
func (db *DB) dateIDs(ctx context.Context, f esambat.ReportFilter) (IDRange, error) {
	if f.From.IsZero() && f.To.IsZero() {
		if !f.PublishedOnly || db.Dialect.SearchIDs == nil {
			return IDRange{}, nil
		}
		return db.publishedIDs(ctx)
	}
	where, args, err := db.where(esambat.ReportFilter{From: f.From, To: f.To, PublishedOnly: f.PublishedOnly}, false)
	if err != nil {
		return IDRange{}, err
	}
	var lo, hi sql.NullInt64
	if err := db.readQueryRow(ctx, db.q(`SELECT MIN(id + 0), MAX(id + 0) FROM reports`+where), args...).Scan(&lo, &hi); err != nil {
		return IDRange{}, db.err(err)
	}
	if !lo.Valid {
		return IDRange{Lo: 1, Hi: 0}, nil // an empty window: no ID
	}
	return IDRange{Lo: lo.Int64, Hi: hi.Int64}, nil
}

// publishedIDs returns the range of IDs up to the newest published
// report's (windowIDs), read from the end of reports_public.
func (db *DB) publishedIDs(ctx context.Context) (IDRange, error) {
	where, args, err := db.where(esambat.ReportFilter{PublishedOnly: true}, false)
	if err != nil {
		return IDRange{}, err
	}
	from := " FROM reports"
	if db.Dialect.HintIndexes {
		from += " INDEXED BY reports_public"
	}
	var hi sql.NullInt64
	if err := db.readQueryRow(ctx, db.q(`SELECT MAX(id)`+from+where), args...).Scan(&hi); err != nil {
		return IDRange{}, db.err(err)
	}
	if !hi.Valid {
		return IDRange{Lo: 1, Hi: 0}, nil // nothing published
	}
	return IDRange{Lo: 1, Hi: hi.Int64}, nil
}

// fewSearchMatches is the most reports matching a search's words for
// which a list reads them all and orders them (fewMatches).
const fewSearchMatches = 200

// fewMatches returns the IDs of the reports matching the words of q when
// there are at most fewSearchMatches of them (Dialect.SearchFew), and
// whether there are. PostgreSQL's planner, which cannot know how many
// reports hold a word it has no statistics for, guesses 0.1 % and walks
// the list's index newest first, testing each report, to find a page of
// them: for a word in no report, every published report (1.1 s at a
// million). Reading the few matches first and ordering them costs
// milliseconds; a common word still finds its page near the newest
// reports on the walk.
func (db *DB) fewMatches(ctx context.Context, q string) ([]int64, bool, error) {
	_, args := db.Dialect.SearchClause(q)
	rows, err := db.readQuery(ctx, db.q(db.Dialect.SearchFew), append(args, fewSearchMatches+1)...)
	if err != nil {
		return nil, false, db.err(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, false, db.err(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, false, db.err(err)
	}
	return ids, len(ids) <= fewSearchMatches, nil
}

// inboxList reports whether f is an agency's inbox, or part of one: the
// agency's reports in some of esambat.AgencyInboxStatuses, a few thousand
// at most (reports leave it when closed), whatever else narrows it.
func inboxList(f esambat.ReportFilter) bool {
	if f.PublishedOnly || f.AgencyCode == "" || len(f.Statuses) == 0 || f.ReporterID != 0 || f.BBox != nil || f.Near != nil {
		return false
	}
	for _, st := range f.Statuses {
		if !slices.Contains(esambat.AgencyInboxStatuses, st) {
			return false
		}
	}
	return true
}

// listIndex returns the index f's list must read where SQLite's planner
// would pick a worse one (Dialect.HintIndexes). For a public list, the
// partial index of published reports (SQLite's migrations 0014 to 0017)
// that holds exactly the rows of f's list, in its order: reports_public
// for the public list, reports_public_category, reports_public_kelurahan
// or reports_public_kelurahan_category for the public list of one
// category, one kelurahan or both, reports_public_created for the public
// list of a date window. For an agency's list of some statuses narrowed
// by category or kelurahan (an inbox), reports_agency: the agency's
// reports in those statuses are a few thousand, where the category's or
// the kelurahan's index holds every agency's. "" for any other list. Any
// page, either order.
func listIndex(f esambat.ReportFilter) string {
	if !f.PublishedOnly && f.AgencyCode != "" && len(f.Statuses) != 0 && (f.CategoryCode != "" || f.KelurahanCode != "") &&
		f.ReporterID == 0 && f.BBox == nil && f.Near == nil && strings.TrimSpace(f.Query) == "" {
		// An agency's inbox, narrowed (Dialect.HintIndexes).
		return "reports_agency"
	}
	if !f.PublishedOnly || len(f.Statuses) != 0 || f.AgencyCode != "" || f.ReporterID != 0 ||
		f.BBox != nil || f.Near != nil || !f.DueBefore.IsZero() || strings.TrimSpace(f.Query) != "" {
		return ""
	}
	switch {
	case f.ByCreated() && f.CategoryCode == "" && f.KelurahanCode == "":
		return "reports_public_created"
	case f.ByCreated():
		return ""
	case f.CategoryCode == "" && f.KelurahanCode == "":
		return "reports_public"
	case f.KelurahanCode == "":
		return "reports_public_category"
	case f.CategoryCode == "":
		return "reports_public_kelurahan"
	}
	return "reports_public_kelurahan_category"
}

// maxMapCells is the most cells a box may cover for the map index to be
// used (8 × 8 cells, about 2.2 km square); a larger box is most of the
// city, where the newest reports overall are found fast without it.
const maxMapCells = 64

// mapCells returns the reports_map cells that f's box covers, or nil when
// the index does not apply: no box, not only published reports, a list
// ordered by time (ReportFilter.ByCreated), or too many cells. The arithmetic is the index expression's (Dialect.MapCell)
// in the same IEEE doubles, so a point's cell here is its cell there.
func mapCells(f esambat.ReportFilter) []int64 {
	b := f.BBox
	if b == nil || !f.PublishedOnly || f.ByCreated() {
		return nil
	}
	cell := func(deg, offset float64) int64 { return int64((deg + offset) * 400) }
	lat0, lat1 := cell(b.MinLat, 90), cell(b.MaxLat, 90)
	lng0, lng1 := cell(b.MinLng, 180), cell(b.MaxLng, 180)
	if lat1 < lat0 || lng1 < lng0 || (lat1-lat0+1)*(lng1-lng0+1) > maxMapCells {
		return nil
	}
	var out []int64
	for la := lat0; la <= lat1; la++ {
		for ln := lng0; ln <= lng1; ln++ {
			out = append(out, la*1000000+ln)
		}
	}
	return out
}

// CountReports counts reports matching f.
func (db *DB) CountReports(ctx context.Context, f esambat.ReportFilter) (int, error) {
	return db.countReports(ctx, f, 0)
}

// CountReportsUpTo counts reports matching f, stopping at max: the
// database reads at most max rows or index entries, where a whole count
// of the published reports reads most of the table.
func (db *DB) CountReportsUpTo(ctx context.Context, f esambat.ReportFilter, max int) (int, error) {
	if max < 1 {
		return 0, esambat.Errorf(esambat.EINVALID, "Batas hitungan harus positif.")
	}
	return db.countReports(ctx, f, max)
}

// countReports counts reports matching f, all of them when max is 0; a
// count of published reports may read the replica.
func (db *DB) countReports(ctx context.Context, f esambat.ReportFilter, max int) (int, error) {
	if !f.PublishedOnly {
		return db.countOn(ctx, f, max)
	}
	return onReplica(ctx, db, func(ctx context.Context) (int, bool, error) {
		n, err := db.countOn(ctx, f, max)
		return n, false, err
	})
}

// countOn is countReports on the pool ctx reads (readPool).
func (db *DB) countOn(ctx context.Context, f esambat.ReportFilter, max int) (int, error) {
	f.After = ""
	var ids IDRange
	if strings.TrimSpace(f.Query) != "" && max > 0 {
		// A bounded count of a search is counted the way its list's
		// page is read (searchPage), in the window's IDs (windowIDs):
		// "jalan" in a two-month window took 0.6-1.0 s through the
		// generic search clause at a million reports.
		var err error
		if ids, err = db.windowIDs(ctx, f); err != nil {
			return 0, err
		}
		conds, args, err := db.where(f, false)
		if err != nil {
			return 0, err
		}
		if db.Dialect.SearchIDs != nil {
			sub, sargs, ok := db.Dialect.SearchIDs(f.Query, strings.TrimPrefix(conds, " WHERE "), args, true, max, ids)
			if ok {
				return db.count(ctx, `SELECT COUNT(*) FROM (`+sub+`) AS x`, sargs)
			}
		}
	}
	where, args, err := db.where(f, true)
	if err != nil {
		return 0, err
	}
	if ids != (IDRange{}) {
		where += " AND id BETWEEN ? AND ?"
		args = append(args, ids.Lo, ids.Hi)
	}
	q := `SELECT COUNT(*) FROM reports` + where
	if max > 0 {
		q = `SELECT COUNT(*) FROM (SELECT 1 FROM reports` + where + ` LIMIT ?) AS x`
		args = append(args, max)
	}
	args, _ = db.planArgs(f, args)
	return db.count(ctx, q, args)
}

// planArgs returns args with Dialect.CustomPlan first, and true, for a
// search's query when the dialect has one; else args as they are.
func (db *DB) planArgs(f esambat.ReportFilter, args []any) ([]any, bool) {
	if db.Dialect.CustomPlan == nil || strings.TrimSpace(f.Query) == "" {
		return args, false
	}
	return append([]any{db.Dialect.CustomPlan}, args...), true
}

// count runs a query of one count on the pool ctx reads (readPool).
func (db *DB) count(ctx context.Context, q string, args []any) (int, error) {
	var n int
	pool, _ := db.readPool(ctx)
	err := pool.QueryRowContext(ctx, db.q(q), args...).Scan(&n)
	return n, db.err(err)
}

// AnyReport reports whether a report matches f; see esambat.ReportStore.
func (db *DB) AnyReport(ctx context.Context, f esambat.ReportFilter) (bool, error) {
	f.After = ""
	where, args, err := db.where(f, true)
	if err != nil {
		return false, err
	}
	var one int
	err = db.readQueryRow(ctx, db.q(`SELECT 1 FROM reports`+where+` LIMIT 1`), args...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, db.err(err)
}

// AddSupport records a support once per user and bumps the count in the
// same transaction. It does not touch Version: supports must not make a
// staff member's concurrent action fail.
func (db *DB) AddSupport(ctx context.Context, reportID, userID int64) (bool, error) {
	added := false
	err := db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO report_supports (report_id, user_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (report_id, user_id) DO NOTHING`), reportID, userID, db.t(db.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		added = true
		_, err = tx.ExecContext(ctx, db.q(`UPDATE reports SET supports = supports + 1 WHERE id = ?`), reportID)
		return err
	})
	return added, db.err(err)
}

func (db *DB) insertPhotos(ctx context.Context, tx Tx, reportID int64, photos []esambat.Photo, at time.Time) error {
	if len(photos) == 0 {
		return nil
	}
	values, args := photoValues(db, reportID, photos, at)
	_, err := db.inTx(tx).ExecContext(ctx, db.q(photoInsert+values), args...)
	return err
}

// ListPhotos returns a report's photos in the order they were added.
func (db *DB) ListPhotos(ctx context.Context, reportID int64) ([]esambat.Photo, error) {
	rows, err := db.readQuery(ctx, db.q(`SELECT report_id, key, thumb_key, width, height, kind, created_at FROM report_photos
		WHERE report_id = ? ORDER BY id`), reportID)
	if err != nil {
		return nil, db.err(err)
	}
	var out []esambat.Photo
	err = scanPhotos(rows, func(_ int64, p esambat.Photo) { out = append(out, p) })
	return out, db.err(err)
}

// ListPhotosOf returns the photos of each of reportIDs; see
// esambat.ReportStore.
func (db *DB) ListPhotosOf(ctx context.Context, reportIDs []int64) (map[int64][]esambat.Photo, error) {
	out := map[int64][]esambat.Photo{}
	err := inChunks(reportIDs, func(in string, args []any) error {
		rows, err := db.Read.QueryContext(ctx, db.q(`SELECT report_id, key, thumb_key, width, height, kind, created_at FROM report_photos
			WHERE report_id IN (`+in+`) ORDER BY report_id, id`), args...)
		if err != nil {
			return db.err(err)
		}
		return db.err(scanPhotos(rows, func(id int64, p esambat.Photo) { out[id] = append(out[id], p) }))
	})
	return out, err
}

// scanPhotos passes each photo of rows, with its report's ID, to add, and
// closes rows.
func scanPhotos(rows *sql.Rows, add func(int64, esambat.Photo)) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p esambat.Photo
		if err := rows.Scan(&id, &p.Key, &p.ThumbKey, &p.Width, &p.Height, &p.Kind, scanTime{&p.CreatedAt}); err != nil {
			return err
		}
		add(id, p)
	}
	return rows.Err()
}

// AddPhotos attaches photos to a report with an event in one transaction;
// see esambat.ReportStore.
func (db *DB) AddPhotos(ctx context.Context, reportID int64, photos []esambat.Photo, ev *esambat.Event) error {
	now := db.Now().UTC().Truncate(time.Microsecond)
	err := db.Writer.Write(ctx, func(tx Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM reports WHERE id = ?`), reportID).Scan(&n); err != nil {
			return err
		} else if n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Laporan tidak ditemukan.")
		}
		have, err := queryStrings(ctx, db.inTx(tx), db.q(`SELECT key FROM report_photos WHERE report_id = ?`), reportID)
		if err != nil {
			return err
		}
		fresh := esambat.NewPhotos(have, photos)
		if len(fresh) == 0 {
			return nil // a retry: all of them are attached already
		}
		if err := db.insertPhotos(ctx, tx, reportID, fresh, now); err != nil {
			return err
		}
		if ev != nil {
			ev.ReportID = reportID
			if ev.CreatedAt.IsZero() {
				ev.CreatedAt = now
			}
			if err := db.insertEvent(ctx, tx, ev); err != nil {
				return err
			}
			return db.enqueueReport(ctx, tx, reportID, ev)
		}
		return nil
	})
	return db.err(err)
}

// OverdueCounts counts the overdue reports by agency and status; see
// esambat.OverdueCounter. The statuses' index (status, id) finds the open
// reports; a city has thousands at most.
func (db *DB) OverdueCounts(ctx context.Context, now time.Time) ([]esambat.OverdueCount, error) {
	in := make([]string, len(esambat.CityStatuses))
	args := make([]any, 0, len(in)+1)
	for i, st := range esambat.CityStatuses {
		in[i] = "?"
		args = append(args, string(st))
	}
	args = append(args, db.t(now))
	rows, err := db.Read.QueryContext(ctx, db.q(`SELECT COALESCE(agency_code, ''), status, COUNT(*), MIN(due_at) FROM reports
		WHERE status IN (`+strings.Join(in, ", ")+`) AND due_at <= ? GROUP BY COALESCE(agency_code, ''), status
		ORDER BY COALESCE(agency_code, ''), status`), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.OverdueCount
	for rows.Next() {
		var c esambat.OverdueCount
		if err := rows.Scan(&c.AgencyCode, &c.Status, &c.N, scanTime{&c.OldestDue}); err != nil {
			return nil, db.err(err)
		}
		out = append(out, c)
	}
	return out, db.err(rows.Err())
}
