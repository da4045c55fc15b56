package postgres_test

import (
	"context"
	"testing"

	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/postgres"
	"github.com/esambat/esambat/storetest"
)

// TestReplica: public reads go to the replica opened by OpenReplica and
// back to the primary when it cannot be reached (storetest.Replica);
// the replica here is another schema of the test server, holding other
// reports. A replica that does not answer at the start does not stop
// OpenReplica; a DSN that cannot be parsed does.
func TestReplica(t *testing.T) {
	dsn(t)
	ctx := context.Background()
	storetest.Replica(t, open, func(primary, replica storetest.Store) {
		// The replica's schema, read through a pool of its own.
		var schema string
		if err := replica.(*sqldb.DB).Read.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if err := postgres.OpenReplica(ctx, primary.(*sqldb.DB), withSearchPath(t, dsn(t), schema)); err != nil {
			t.Fatal(err)
		}
	}, func(primary storetest.Store) {
		// Nothing listens on port 1.
		if err := postgres.OpenReplica(ctx, primary.(*sqldb.DB), "postgres://postgres@127.0.0.1:1/test?sslmode=disable"); err != nil {
			t.Fatal(err)
		}
	})
	if err := postgres.OpenReplica(ctx, openDB(t), "postgres://postgres:pa%zz@127.0.0.1:5432/test"); err == nil {
		t.Error("OpenReplica took a DSN it cannot parse")
	}
}
