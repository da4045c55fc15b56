package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"github.com/esambat/esambat"
)

var _ esambat.APIKeyStore = (*DB)(nil)

// CreateAPIKey stores k and sets its ID.
func (db *DB) CreateAPIKey(ctx context.Context, k *esambat.APIKey) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = db.Now()
	}
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO api_keys (name, prefix, hash, scopes, created_at, revoked) VALUES (?, ?, ?, ?, ?, 0) RETURNING id`),
			k.Name, k.Prefix, k.Hash, strings.Join(k.Scopes, " "), db.t(k.CreatedAt)).Scan(&k.ID)
	}))
}

func scanAPIKey(s interface{ Scan(...any) error }) (*esambat.APIKey, error) {
	var k esambat.APIKey
	var scopes string
	var revoked int
	err := s.Scan(&k.ID, &k.Name, &k.Prefix, &k.Hash, &scopes, scanTime{&k.CreatedAt}, &revoked)
	k.Scopes, k.Revoked = strings.Fields(scopes), revoked != 0
	return &k, err
}

// FindAPIKey returns the key with the hash; ENOTFOUND if none.
func (db *DB) FindAPIKey(ctx context.Context, hash string) (*esambat.APIKey, error) {
	k, err := scanAPIKey(db.Read.QueryRowContext(ctx, db.q(`SELECT id, name, prefix, hash, scopes, created_at, revoked FROM api_keys WHERE hash = ?`), hash))
	if err == sql.ErrNoRows {
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Kunci API tidak ditemukan.")
	}
	return k, db.err(err)
}

// ListAPIKeys returns every key, newest first.
func (db *DB) ListAPIKeys(ctx context.Context) ([]esambat.APIKey, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT id, name, prefix, hash, scopes, created_at, revoked FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, *k)
	}
	return out, db.err(rows.Err())
}

// RevokeAPIKey revokes a key.
func (db *DB) RevokeAPIKey(ctx context.Context, id int64) error {
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0`), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Kunci API %d tidak ditemukan atau sudah dicabut.", id)
		}
		return nil
	}))
}
