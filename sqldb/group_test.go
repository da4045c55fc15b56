package sqldb

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestWriterStmts: a statement a batch prepares for itself is prepared
// on the write connection after the batch and reused by later batches;
// one that does not prepare reports its error and is not kept; a call's
// statements run to their end even when its caller gives up meanwhile.
func TestWriterStmts(t *testing.T) {
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	w := NewGroupWriter(raw, 8)
	defer w.Close()
	const insert = `INSERT INTO t VALUES (?)`
	kept := func() []string {
		w.stmts.mu.Lock()
		defer w.stmts.mu.Unlock()
		var qs []string
		for q := range w.stmts.kept {
			qs = append(qs, q)
		}
		return qs
	}
	for i := range 3 {
		err := w.Write(context.Background(), func(tx *sql.Tx) error {
			_, err := w.Exec(context.Background(), tx, insert, i)
			return err
		})
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		// The writer prepares after answering; the next Write queues
		// behind that.
	}
	if err := w.Write(context.Background(), func(*sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	got := kept()
	var hasInsert bool
	for _, q := range got {
		hasInsert = hasInsert || q == insert
	}
	if !hasInsert {
		t.Errorf("kept statements %q, want the insert among them", got)
	}

	err = w.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := w.Exec(context.Background(), tx, `INSERT INTO nosuch VALUES (1)`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("statement on a missing table: err %v, want the driver's error naming it", err)
	}
	for _, q := range kept() {
		if strings.Contains(q, "nosuch") {
			t.Errorf("a statement that did not prepare was kept: %q", q)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	err = w.Write(ctx, func(tx *sql.Tx) error {
		cancel()
		_, err := w.Exec(ctx, tx, insert, 99)
		return err
	})
	if err != nil {
		t.Errorf("a call whose caller gave up while it ran: %v, want its statements to finish", err)
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d rows, want 4", n)
	}
}
