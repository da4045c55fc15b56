package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/esambat/esambat/sqldb/sqlite"
	"github.com/esambat/esambat/storetest"
)

func open(t *testing.T, now func() time.Time) storetest.Store {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "esambat.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = now
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), sqlite.Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}
