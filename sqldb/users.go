package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

var _ esambat.UserStore = (*DB)(nil)

const userCols = `id, role, name, COALESCE(email, ''), COALESCE(phone, ''), phone_confirmed, COALESCE(nik_hash, ''), nik_sealed, nik_masked,
	kelurahan_code, domicile_verified, COALESCE(agency_code, ''), password_hash, lang, created_at, disabled, COALESCE(email_pending, '')`

func (db *DB) scanUser(s interface{ Scan(...any) error }) (*esambat.User, error) {
	var u esambat.User
	var confirmed, verified, disabled int
	err := s.Scan(&u.ID, &u.Role, &u.Name, &u.Email, &u.Phone, &confirmed, &u.NIKHash, &u.NIKSealed, &u.NIKMasked,
		&u.KelurahanCode, &verified, &u.AgencyCode, &u.PasswordHash, &u.Lang, scanTime{&u.CreatedAt}, &disabled, &u.EmailPending)
	if err == sql.ErrNoRows {
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Akun tidak ditemukan.")
	} else if err != nil {
		return nil, db.err(err)
	}
	u.PhoneConfirmed, u.DomicileVerified, u.Disabled = confirmed != 0, verified != 0, disabled != 0
	return &u, nil
}

// CreateUser stores u. ECONFLICT when its email, phone or NIK is taken; the
// message does not say by which account.
func (db *DB) CreateUser(ctx context.Context, u *esambat.User) error {
	return db.CreateUserLogged(ctx, u, nil)
}

// CreateUserLogged is CreateUser with ev (nil: none) in the same
// transaction; see esambat.AccountLog.
func (db *DB) CreateUserLogged(ctx context.Context, u *esambat.User, ev *esambat.AccountEvent) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.Now().UTC().Truncate(time.Microsecond)
	}
	if u.Lang == "" {
		u.Lang = "id"
	}
	err := db.Writer.Write(ctx, func(tx Tx) error {
		if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO users (role, name, email, phone, phone_confirmed, nik_hash, nik_sealed, nik_masked,
			kelurahan_code, domicile_verified, agency_code, password_hash, lang, created_at, disabled, email_pending)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.Role, u.Name, nullStr(u.Email), nullStr(u.Phone), boolInt(u.PhoneConfirmed), nullStr(u.NIKHash), u.NIKSealed, u.NIKMasked,
			u.KelurahanCode, boolInt(u.DomicileVerified), nullStr(u.AgencyCode), u.PasswordHash, u.Lang, db.t(u.CreatedAt), boolInt(u.Disabled),
			nullStr(u.EmailPending)).Scan(&u.ID); err != nil {
			return err
		}
		return db.logAccount(ctx, tx, u, ev)
	})
	if esambat.ErrorCode(db.err(err)) == esambat.ECONFLICT {
		return esambat.Errorf(esambat.ECONFLICT, "Email, nomor HP atau NIK ini sudah terdaftar. Silakan masuk, atau hubungi admin bila Anda tidak pernah mendaftar.")
	}
	return db.err(err)
}

// logAccount stores ev (nil: none) about account u in tx, as the next
// link of the account events' chain. Taking the head with an UPDATE
// locks it on PostgreSQL until tx ends, so that concurrent changes, from
// any instance, chain one after another.
func (db *DB) logAccount(ctx context.Context, tx Tx, u *esambat.User, ev *esambat.AccountEvent) error {
	if ev == nil {
		return nil
	}
	ev.UserID = u.ID
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = db.Now()
	}
	ev.CreatedAt = ev.CreatedAt.UTC().Truncate(time.Microsecond)
	if err := tx.QueryRowContext(ctx, `UPDATE account_events_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&ev.Seq, &ev.PrevHash); err != nil {
		return err
	}
	ev.Hash = ev.ComputeHash()
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO account_events (user_id, actor_id, action, detail, created_at, seq, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		ev.UserID, nullInt(ev.ActorID), ev.Action, ev.Detail, db.t(ev.CreatedAt), ev.Seq, ev.PrevHash, ev.Hash).Scan(&ev.ID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.q(`UPDATE account_events_head SET hash = ? WHERE id = 1`), ev.Hash)
	return err
}

// chainAccountEvents links the account events stored before they were
// chained (seq 0), oldest first, after the head; it runs with the
// migration that adds the chain, in its transaction (goSteps).
func (db *DB) chainAccountEvents(ctx context.Context, tx Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, user_id, COALESCE(actor_id, 0), action, detail, created_at FROM account_events WHERE seq = 0 ORDER BY id`)
	if err != nil {
		return err
	}
	var legacy []esambat.AccountEvent
	for rows.Next() {
		var ev esambat.AccountEvent
		if err := rows.Scan(&ev.ID, &ev.UserID, &ev.ActorID, &ev.Action, &ev.Detail, scanTime{&ev.CreatedAt}); err != nil {
			rows.Close()
			return err
		}
		legacy = append(legacy, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(legacy) == 0 {
		return err
	}
	var seq int64
	var hash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM account_events_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return err
	}
	for _, ev := range legacy {
		seq++
		ev.Seq, ev.PrevHash = seq, hash
		hash = ev.ComputeHash()
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE account_events SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?`), ev.Seq, ev.PrevHash, hash, ev.ID); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, db.q(`UPDATE account_events_head SET seq = ?, hash = ? WHERE id = 1`), seq, hash)
	return err
}

// WalkAccountEvents calls fn for every account event ordered by its place
// in the chain; see esambat.AuditStore.
func (db *DB) WalkAccountEvents(ctx context.Context, fn func(esambat.AccountEvent) error) error {
	rows, err := db.Read.QueryContext(ctx, `SELECT id, user_id, COALESCE(actor_id, 0), action, detail, created_at, seq, prev_hash, hash
		FROM account_events ORDER BY seq, id`)
	if err != nil {
		return db.err(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev esambat.AccountEvent
		if err := rows.Scan(&ev.ID, &ev.UserID, &ev.ActorID, &ev.Action, &ev.Detail, scanTime{&ev.CreatedAt}, &ev.Seq, &ev.PrevHash, &ev.Hash); err != nil {
			return db.err(err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return db.err(rows.Err())
}

// AccountEventsHead returns the recorded latest account event; see
// esambat.AuditStore. A missing head row reads as an empty chain, and
// VerifyChains then names the events that remain.
func (db *DB) AccountEventsHead(ctx context.Context) (seq int64, hash string, err error) {
	err = db.Read.QueryRowContext(ctx, `SELECT seq, hash FROM account_events_head WHERE id = 1`).Scan(&seq, &hash)
	if err == sql.ErrNoRows {
		return 0, "", nil
	}
	return seq, hash, db.err(err)
}

// EraseUser erases account u's identity with ev; see esambat.AccountLog.
func (db *DB) EraseUser(ctx context.Context, u *esambat.User, ev *esambat.AccountEvent) error {
	phone, email, pending := u.Phone, u.Email, u.EmailPending
	err := db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE users SET name = ?, email = NULL, email_pending = NULL, phone = NULL, phone_confirmed = 0,
			nik_hash = NULL, nik_sealed = NULL, nik_masked = '', password_hash = ?, disabled = 1 WHERE id = ?`), esambat.ClosedName, esambat.ClosedPasswordHash, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Akun tidak ditemukan.")
		}
		for _, q := range []string{`DELETE FROM tokens WHERE user_id = ?`, `DELETE FROM phone_codes WHERE user_id = ?`} {
			if _, err := tx.ExecContext(ctx, db.q(q), u.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM outbox WHERE status = 'pending' AND recipient IN (?, ?, ?)`), phone, email, pending); err != nil {
			return err
		}
		return db.logAccount(ctx, tx, u, ev)
	})
	if err != nil {
		return db.err(err)
	}
	u.Name, u.Email, u.EmailPending, u.Phone, u.PhoneConfirmed = esambat.ClosedName, "", "", "", false
	u.NIKHash, u.NIKSealed, u.NIKMasked, u.PasswordHash, u.Disabled = "", nil, "", esambat.ClosedPasswordHash, true
	return nil
}

// FindUserByID returns ENOTFOUND when there is no such user.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*esambat.User, error) {
	return db.scanUser(db.readQueryRow(ctx, db.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
}

// UserNames returns the names of the accounts among ids; see
// esambat.UserStore.
func (db *DB) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := inChunks(ids, func(in string, args []any) error {
		rows, err := db.Read.QueryContext(ctx, db.q(`SELECT id, name FROM users WHERE id IN (`+in+`)`), args...)
		if err != nil {
			return db.err(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return db.err(err)
			}
			out[id] = name
		}
		return db.err(rows.Err())
	})
	return out, err
}

// FindUserByLogin finds a user by email or E.164 phone.
func (db *DB) FindUserByLogin(ctx context.Context, login string) (*esambat.User, error) {
	if login == "" {
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Akun tidak ditemukan.")
	}
	return db.scanUser(db.Read.QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE email = ? OR phone = ?`), login, login))
}

// FindUserByNIKHash returns ENOTFOUND when no account has that NIK.
func (db *DB) FindUserByNIKHash(ctx context.Context, hash string) (*esambat.User, error) {
	if hash == "" {
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Akun tidak ditemukan.")
	}
	return db.scanUser(db.Read.QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE nik_hash = ?`), hash))
}

// UpdateUser stores the mutable fields of u.
func (db *DB) UpdateUser(ctx context.Context, u *esambat.User) error {
	return db.UpdateUserLogged(ctx, u, nil)
}

// UpdateUserLogged is UpdateUser with ev (nil: none) in the same
// transaction; see esambat.AccountLog.
func (db *DB) UpdateUserLogged(ctx context.Context, u *esambat.User, ev *esambat.AccountEvent) error {
	err := db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE users SET role = ?, name = ?, email = ?, phone = ?, phone_confirmed = ?,
			kelurahan_code = ?, domicile_verified = ?, agency_code = ?, password_hash = ?, lang = ?, disabled = ?, email_pending = ? WHERE id = ?`),
			u.Role, u.Name, nullStr(u.Email), nullStr(u.Phone), boolInt(u.PhoneConfirmed),
			u.KelurahanCode, boolInt(u.DomicileVerified), nullStr(u.AgencyCode), u.PasswordHash, u.Lang, boolInt(u.Disabled), nullStr(u.EmailPending), u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Akun tidak ditemukan.")
		}
		return db.logAccount(ctx, tx, u, ev)
	})
	if esambat.ErrorCode(db.err(err)) == esambat.ECONFLICT {
		return esambat.Errorf(esambat.ECONFLICT, "Email atau nomor HP ini sudah dipakai akun lain.")
	}
	return db.err(err)
}

// ListAccountEvents returns the latest account events; see
// esambat.AccountLog.
func (db *DB) ListAccountEvents(ctx context.Context, userID int64, limit int) ([]esambat.AccountEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	where, args := ``, []any{}
	if userID != 0 {
		where, args = ` WHERE user_id = ?`, append(args, userID)
	}
	rows, err := db.Read.QueryContext(ctx, db.q(`SELECT id, user_id, COALESCE(actor_id, 0), action, detail, created_at FROM account_events`+where+
		` ORDER BY id DESC LIMIT `+strconv.Itoa(limit)), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.AccountEvent
	for rows.Next() {
		var ev esambat.AccountEvent
		if err := rows.Scan(&ev.ID, &ev.UserID, &ev.ActorID, &ev.Action, &ev.Detail, scanTime{&ev.CreatedAt}); err != nil {
			return nil, db.err(err)
		}
		out = append(out, ev)
	}
	return out, db.err(rows.Err())
}

// staffOnly selects staff accounts; the partial index users_staff
// (migrations 0020 SQLite, 0021 PostgreSQL) is defined on this very
// expression, which is how the planners know it serves the query.
const staffOnly = `role IN ('admin', 'petugas', 'pimpinan')`

// ListUsers returns the accounts f selects; see esambat.UserLister. The
// admins' page is rare and the staff few: the residents' list scans the
// users table, which a city's residents keep in the tens of thousands.
func (db *DB) ListUsers(ctx context.Context, f esambat.UserFilter) ([]esambat.User, error) {
	var where []string
	var args []any
	if f.Staff {
		where = append(where, staffOnly)
	} else {
		where = append(where, `role = 'warga'`)
		if f.PendingDomicile {
			where = append(where, `domicile_verified = 0`)
		}
		if f.PendingEmail {
			where = append(where, `email_pending IS NOT NULL`)
		}
		if f.AfterID > 0 {
			where, args = append(where, `id > ?`), append(args, f.AfterID)
		}
	}
	// A number finds its account through the phone's index, an address
	// through the emails (confirmed or waiting for their link); other
	// words are looked for in names and emails, row by row (SQLite's LIKE ignores ASCII case by itself; PostgreSQL
	// asks for ILIKE).
	like := ` LIKE ? ESCAPE '\'`
	if db.Dialect.Name == "postgres" {
		like = ` ILIKE ? ESCAPE '\'`
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		pattern := "%" + likeEscaper.Replace(q) + "%"
		if phone, err := esambat.NormalizePhone(q); err == nil {
			where, args = append(where, `phone = ?`), append(args, phone)
		} else if strings.Contains(q, "@") {
			where, args = append(where, `(email`+like+` OR email_pending`+like+`)`), append(args, pattern, pattern)
		} else {
			where, args = append(where, `(name`+like+` OR email`+like+`)`), append(args, pattern, pattern)
		}
	}
	order := ` ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'pimpinan' THEN 1 ELSE 2 END, COALESCE(agency_code, ''), LOWER(name), id`
	if !f.Staff {
		order = ` ORDER BY id`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = esambat.MaxUserList
	}
	rows, err := db.Read.QueryContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE `+strings.Join(where, ` AND `)+order+
		` LIMIT `+strconv.Itoa(limit)), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.User
	for rows.Next() {
		u, err := db.scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, db.err(rows.Err())
}

// likeEscaper escapes LIKE's wildcards (with ESCAPE '\') so that a typed
// "%" or "_" matches itself.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
