package postgres_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/sqldb/postgres"
)

// TestReferenceSyncTwoInstances: instances starting together on one
// database sync the reference data at the same moment. Both must start:
// an insert the other made first is skipped, and rows are retired in one
// order (in any order, two transactions locking the same rows could
// deadlock, and PostgreSQL would fail one instance's start).
func TestReferenceSyncTwoInstances(t *testing.T) {
	ctx := context.Background()
	base, schema := newSchema(t)
	var dbs [2]interface {
		SyncReference(context.Context, []esambat.Region, []esambat.Agency, []esambat.Category) (esambat.ReferenceChanges, error)
	}
	for i := range dbs {
		db, err := postgres.Open(ctx, withSearchPath(t, base, schema), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if err := db.Migrate(ctx, postgres.Migrations()); err != nil {
				t.Fatal(err)
			}
		}
		dbs[i] = db
	}
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	regions, err := set.Regions()
	if err != nil {
		t.Fatal(err)
	}
	agencies, cats, err := set.AgenciesAndCategories()
	if err != nil {
		t.Fatal(err)
	}
	// Categories whose default agency stays, and agencies no category
	// uses, so that dropping them leaves the files consistent.
	used := map[string]bool{}
	for _, c := range cats {
		used[c.AgencyCode] = true
	}
	var dropAgencies []string
	for _, a := range agencies {
		if !used[a.Code] && len(dropAgencies) < 4 {
			dropAgencies = append(dropAgencies, a.Code)
		}
	}
	dropCats := []string{cats[1].Code, cats[3].Code, cats[5].Code, cats[7].Code}
	lessAgencies := slices.DeleteFunc(slices.Clone(agencies), func(a esambat.Agency) bool { return slices.Contains(dropAgencies, a.Code) })
	lessCats := slices.DeleteFunc(slices.Clone(cats), func(c esambat.Category) bool { return slices.Contains(dropCats, c.Code) })
	if len(dropAgencies) < 2 {
		t.Fatalf("only %d agencies without a category to drop", len(dropAgencies))
	}

	for round := range 12 {
		ags, cs := agencies, cats // the first round loads everything at once
		if round%2 == 1 {
			ags, cs = lessAgencies, lessCats
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, len(dbs))
		for i, db := range dbs {
			wg.Go(func() {
				<-start
				_, errs[i] = db.SyncReference(ctx, regions, ags, cs)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: instance %d did not start: %v", round, i, err)
			}
		}
	}
}
