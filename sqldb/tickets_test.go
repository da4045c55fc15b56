package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestTicketSeqExistsSeesOthers: inside a transaction begun before
// another connection created a year's ticket sequence, ticketSeqExists
// sees it, on a connection that has asked before. This is
// createTicketSeq's case: an instance waits for the advisory lock while
// another creates the sequence, then checks. With to_regclass the
// connection's prepared statement answered as it had the first time,
// false, so it tried to create the sequence again and failed with 42P07.
func TestTicketSeqExistsSeesOthers(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL suite skipped: set ESAMBAT_TEST_POSTGRES_DSN=postgres://... to run it (CI does)")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("t_seq_%d", time.Now().UnixNano()%1e9)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	db, err := sql.Open("pgx", dsn+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const year = 2031
	check := func(want bool) {
		t.Helper()
		tx, err := b.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SELECT 1`); err != nil {
			t.Fatal(err)
		}
		if want {
			if _, err := a.ExecContext(ctx, `CREATE SEQUENCE `+ticketSeq(year)); err != nil {
				t.Fatal(err)
			}
		}
		exists, err := ticketSeqExists(ctx, tx, year)
		if err != nil || exists != want {
			t.Errorf("ticketSeqExists = %v, %v; want %v", exists, err, want)
		}
	}
	check(false)
	check(true)
}
