// Package testdb gives the tests of the packages above the store (the
// service, the web and API server, Open311) a fresh SQLite database with
// the city's reference data, the way `esambat serve` prepares one on its
// first start. Each of those harnesses had its own copy of these steps.
package testdb

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// RefDirWithout returns a --refdata directory whose agencies file is the
// embedded one without the agency named name ("Dinas Perhubungan"): a
// start with it retires that agency, as a reorganisation would.
func RefDirWithout(tb testing.TB, name string) string {
	tb.Helper()
	set, err := refdata.New("")
	if err != nil {
		tb.Fatal(err)
	}
	agencies, err := set.ReadFile(refdata.FileAgencies)
	if err != nil {
		tb.Fatal(err)
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(agencies), "\n") {
		if !strings.HasPrefix(line, name+",") {
			kept = append(kept, line)
		}
	}
	if len(kept) == len(strings.SplitAfter(string(agencies), "\n")) {
		tb.Fatalf("the agencies file has no %q", name)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, refdata.FileAgencies), []byte(strings.Join(kept, "")), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}
