package sqldb

import (
	"context"

	"github.com/esambat/esambat"
)

var _ esambat.TemplateStore = (*DB)(nil)

// CreateTemplate stores t and sets its ID.
func (db *DB) CreateTemplate(ctx context.Context, t *esambat.ResponseTemplate) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.Now()
	}
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO response_templates (agency_code, category_code, title, body, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), t.AgencyCode, t.CategoryCode, t.Title, t.Body, db.t(t.CreatedAt)).Scan(&t.ID)
	}))
}

// ListTemplates returns the agency's templates for category and for any
// category, ordered by title.
func (db *DB) ListTemplates(ctx context.Context, agency, category string) ([]esambat.ResponseTemplate, error) {
	q := `SELECT id, agency_code, category_code, title, body, created_at FROM response_templates WHERE agency_code = ?`
	args := []any{agency}
	if category != "" {
		q += ` AND (category_code = ? OR category_code = '')`
		args = append(args, category)
	}
	rows, err := db.Read.QueryContext(ctx, db.q(q+` ORDER BY title, id`), args...)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.ResponseTemplate
	for rows.Next() {
		var t esambat.ResponseTemplate
		if err := rows.Scan(&t.ID, &t.AgencyCode, &t.CategoryCode, &t.Title, &t.Body, scanTime{&t.CreatedAt}); err != nil {
			return nil, db.err(err)
		}
		out = append(out, t)
	}
	return out, db.err(rows.Err())
}

// DeleteTemplate removes one of the agency's templates.
func (db *DB) DeleteTemplate(ctx context.Context, agency string, id int64) error {
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM response_templates WHERE id = ? AND agency_code = ?`), id, agency)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Templat tidak ditemukan.")
		}
		return nil
	}))
}
