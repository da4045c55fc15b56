package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/esambat/esambat"
)

var (
	_ esambat.TokenStore     = (*DB)(nil)
	_ esambat.PhoneCodeStore = (*DB)(nil)
)

// CreateToken stores t and sets its ID.
func (db *DB) CreateToken(ctx context.Context, t *esambat.Token) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.Now()
	}
	t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Microsecond)
	err := db.Writer.Write(ctx, func(tx Tx) error {
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO tokens (user_id, kind, name, hash, created_at, expires_at, revoked)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			t.UserID, t.Kind, t.Name, t.Hash, db.t(t.CreatedAt), db.t(t.ExpiresAt), boolInt(t.Revoked)).Scan(&t.ID)
	})
	return db.err(err)
}

const tokenCols = `id, user_id, kind, name, hash, created_at, expires_at, revoked`

func scanToken(s interface{ Scan(...any) error }) (*esambat.Token, error) {
	var t esambat.Token
	var revoked int
	err := s.Scan(&t.ID, &t.UserID, &t.Kind, &t.Name, &t.Hash, scanTime{&t.CreatedAt}, scanTime{&t.ExpiresAt}, &revoked)
	t.Revoked = revoked != 0
	return &t, err
}

// FindToken returns the token with hash; ENOTFOUND if none.
func (db *DB) FindToken(ctx context.Context, hash string) (*esambat.Token, error) {
	t, err := scanToken(db.readQueryRow(ctx, db.q(`SELECT `+tokenCols+` FROM tokens WHERE hash = ?`), hash))
	if err == sql.ErrNoRows {
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Token tidak ditemukan.")
	}
	return t, db.err(err)
}

// FindTokenUser returns the token with hash and its account in one query;
// see esambat.TokenUserFinder.
func (db *DB) FindTokenUser(ctx context.Context, hash string) (*esambat.Token, *esambat.User, error) {
	var t esambat.Token
	var revoked, confirmed, verified, disabled int
	var u esambat.User
	err := db.readQueryRow(ctx, db.q(`SELECT t.id, t.user_id, t.kind, t.name, t.hash, t.created_at, t.expires_at, t.revoked,
		u.id, u.role, u.name, COALESCE(u.email, ''), COALESCE(u.phone, ''), u.phone_confirmed, COALESCE(u.nik_hash, ''), u.nik_sealed,
		u.nik_masked, u.kelurahan_code, u.domicile_verified, COALESCE(u.agency_code, ''), u.password_hash, u.lang, u.created_at, u.disabled, COALESCE(u.email_pending, '')
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`), hash).Scan(
		&t.ID, &t.UserID, &t.Kind, &t.Name, &t.Hash, scanTime{&t.CreatedAt}, scanTime{&t.ExpiresAt}, &revoked,
		&u.ID, &u.Role, &u.Name, &u.Email, &u.Phone, &confirmed, &u.NIKHash, &u.NIKSealed,
		&u.NIKMasked, &u.KelurahanCode, &verified, &u.AgencyCode, &u.PasswordHash, &u.Lang, scanTime{&u.CreatedAt}, &disabled, &u.EmailPending)
	if err == sql.ErrNoRows {
		return nil, nil, esambat.Errorf(esambat.ENOTFOUND, "Token tidak ditemukan.")
	} else if err != nil {
		return nil, nil, db.err(err)
	}
	t.Revoked = revoked != 0
	u.PhoneConfirmed, u.DomicileVerified, u.Disabled = confirmed != 0, verified != 0, disabled != 0
	return &t, &u, nil
}

// ListTokens returns a user's tokens that are not revoked, newest first.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]esambat.Token, error) {
	rows, err := db.Read.QueryContext(ctx, db.q(`SELECT `+tokenCols+` FROM tokens WHERE user_id = ? AND revoked = 0 ORDER BY id DESC`), userID)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, *t)
	}
	return out, db.err(rows.Err())
}

// RevokeToken revokes one of the user's tokens.
func (db *DB) RevokeToken(ctx context.Context, userID, id int64) error {
	err := db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE tokens SET revoked = 1 WHERE id = ? AND user_id = ? AND revoked = 0`), id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Token tidak ditemukan.")
		}
		return nil
	})
	return db.err(err)
}

// SetPhoneCode replaces the user's pending code.
func (db *DB) SetPhoneCode(ctx context.Context, userID int64, hash string, expires time.Time) error {
	err := db.Writer.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO phone_codes (user_id, hash, expires_at, attempts) VALUES (?, ?, ?, 0)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at, attempts = 0`),
			userID, hash, db.t(expires))
		return err
	})
	return db.err(err)
}

// PhoneCode returns the pending code; ENOTFOUND when there is none.
func (db *DB) PhoneCode(ctx context.Context, userID int64) (string, time.Time, int, error) {
	var hash string
	var expires time.Time
	var attempts int
	err := db.Read.QueryRowContext(ctx, db.q(`SELECT hash, expires_at, attempts FROM phone_codes WHERE user_id = ?`), userID).
		Scan(&hash, scanTime{&expires}, &attempts)
	if err == sql.ErrNoRows {
		return "", time.Time{}, 0, esambat.Errorf(esambat.ENOTFOUND, "Tidak ada kode.")
	}
	return hash, expires, attempts, db.err(err)
}

// AddPhoneCodeAttempt counts a wrong guess.
func (db *DB) AddPhoneCodeAttempt(ctx context.Context, userID int64) error {
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`UPDATE phone_codes SET attempts = attempts + 1 WHERE user_id = ?`), userID)
		return err
	}))
}

// DeletePhoneCode removes the pending code.
func (db *DB) DeletePhoneCode(ctx context.Context, userID int64) error {
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM phone_codes WHERE user_id = ?`), userID)
		return err
	}))
}
