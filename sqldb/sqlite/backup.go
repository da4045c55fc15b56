package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Snapshot writes a transactionally consistent copy of the database file
// at path to dst, while a server may keep writing to it.
//
// It runs VACUUM INTO on a connection of its own, opened with the same
// pragmas as the server's (WAL, synchronous, busy_timeout); not
// query_only, which refuses VACUUM INTO although it only reads. The
// statement reads the database inside one read transaction, and WAL lets
// that transaction see one committed state while the writer keeps
// committing beside it: the copy holds every transaction committed before
// the snapshot began and none after, never half of one. The copy is
// compacted (no free pages), in rollback-journal mode and with no -wal
// file to go with it; Open turns it back to WAL.
//
// While it runs, checkpoints cannot move the WAL past its snapshot, so the
// WAL grows until the next checkpoint after it.
//
// dst must not exist (or be an empty file). VACUUM INTO does not fsync its
// output, so Snapshot does, and then checks the copy with quick_check.
func Snapshot(ctx context.Context, path, dst string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlite: no database to back up: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, roleWrite))
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("sqlite: VACUUM INTO %s: %w", dst, err)
	}
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("sqlite: sync %s: %w", dst, err)
	}
	return Check(ctx, dst)
}

// Check runs PRAGMA quick_check on the database file at path and returns
// an error describing the first problems when it is damaged.
func Check(ctx context.Context, path string) error {
	// Only query_only: the other pragmas would change the file (its
	// journal mode) while checking it.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		return fmt.Errorf("sqlite: check %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("sqlite: check %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: check %s: %w", path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("sqlite: %s is damaged: %s", path, strings.Join(problems, "; "))
	}
	return nil
}
