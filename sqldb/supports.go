package sqldb

import (
	"context"
)

// MergeSupports moves supports from a duplicate to its original and
// recounts the original, in one transaction.
func (db *DB) MergeSupports(ctx context.Context, from, to, user int64) error {
	now := db.t(db.Now())
	err := db.Writer.Write(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO report_supports (report_id, user_id, created_at)
			SELECT ?, user_id, created_at FROM report_supports WHERE report_id = ?
			ON CONFLICT (report_id, user_id) DO NOTHING`), to, from); err != nil {
			return err
		}
		if user != 0 {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO report_supports (report_id, user_id, created_at)
				SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM reports WHERE id = ? AND reporter_id = ?)
				ON CONFLICT (report_id, user_id) DO NOTHING`), to, user, now, to, user); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE reports SET supports = (SELECT COUNT(*) FROM report_supports WHERE report_id = ?) WHERE id = ?`), to, to)
		return err
	})
	return db.err(err)
}
