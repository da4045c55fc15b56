// Package testdb gives the tests of the packages above the store (the
// service, the web and API server, Open311) a fresh SQLite database with
// the city's reference data, the way `esambat serve` prepares one on its
// first start. Each of those harnesses had its own copy of these steps.
package testdb

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// SQLite opens a new database in a temporary directory with now as its
// clock, migrates it and seeds the embedded reference data; it returns
// the store, the reference data and its regions. The database is closed
// when the test ends.
func SQLite(tb testing.TB, now func() time.Time) (*sqldb.DB, *refdata.Set, *esambat.Wilayah) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "esambat.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Now = now
	if err := db.Migrate(ctx, sqlite.Migrations()); err != nil {
		tb.Fatal(err)
	}
	set, err := refdata.New("")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := set.Sync(ctx, db); err != nil {
		tb.Fatal(err)
	}
	wilayah, err := set.Wilayah()
	if err != nil {
		tb.Fatal(err)
	}
	return db, set, wilayah
}

// Retire syncs db with the embedded reference data less the given
// agencies and categories (by code), as a city's files would read after a
// reorganisation: those are retired.
func Retire(tb testing.TB, db *sqldb.DB, agencies, categories []string) {
	tb.Helper()
	set, err := refdata.New("")
	if err != nil {
		tb.Fatal(err)
	}
	ags, cats, err := set.AgenciesAndCategories()
	if err != nil {
		tb.Fatal(err)
	}
	ags = slices.DeleteFunc(ags, func(a esambat.Agency) bool { return slices.Contains(agencies, a.Code) })
	cats = slices.DeleteFunc(cats, func(c esambat.Category) bool { return slices.Contains(categories, c.Code) })
	if _, err := db.SyncReference(context.Background(), nil, ags, cats); err != nil {
		tb.Fatal(err)
	}
}
