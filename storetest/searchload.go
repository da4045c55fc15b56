package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/esambat/esambat"
)

// IntegrityChecker is implemented by stores that can check their own
// indexes (SQLite: PRAGMA quick_check and the full-text index's
// integrity-check). The suite calls it after the tests that write the most.
type IntegrityChecker interface {
	IntegrityCheck(ctx context.Context) error
}

// searchToken returns a word unique to i that no stemmer shortens: "kode"
// and three consonants.
func searchToken(prefix string, i int) string {
	const cons = "bcdfgjpqrstvwxz"
	return fmt.Sprintf("%s%c%c%c", prefix, cons[i/(15*15)%15], cons[i/15%15], cons[i%15])
}

// testSearchConcurrent: reports submitted at once (SQLite commits them in
// shared transactions) are each found by search as soon as CreateReport
// returns; a changed title is found by its new words and no longer by
// the old ones; a status change leaves the text searchable.
func testSearchConcurrent(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Sari")
	const n = 40
	reports := make([]*esambat.Report, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, ev := newReport(u.ID, "Laporan "+searchToken("kodex", i))
			if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
				errs <- err
				return
			}
			// Found at once: the acknowledgement means searchable.
			p, err := s.FindReports(ctx, esambat.ReportFilter{Query: searchToken("kodex", i)})
			if err != nil {
				errs <- err
				return
			}
			if len(p.Reports) != 1 || p.Reports[0].ID != r.ID {
				errs <- fmt.Errorf("report %d not found by its word right after CreateReport: %d results", i, len(p.Reports))
			}
			reports[i] = r
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	found := func(q string) []int64 {
		t.Helper()
		p, err := s.FindReports(ctx, esambat.ReportFilter{Query: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var ids []int64
		for _, r := range p.Reports {
			ids = append(ids, r.ID)
		}
		return ids
	}
	for i := range 10 {
		r := reports[i]
		if i%2 == 0 {
			r.Title = "Laporan " + searchToken("kodey", i)
		} else {
			r.Status = esambat.StatusDikembalikan
		}
		if err := s.UpdateReport(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range reports {
		old, renamed := found(searchToken("kodex", i)), found(searchToken("kodey", i))
		want := fmt.Sprint([]int64{r.ID})
		switch {
		case i < 10 && i%2 == 0:
			if len(old) != 0 || fmt.Sprint(renamed) != want {
				t.Errorf("report %d renamed: old word finds %v, new word finds %v; want none and %s", i, old, renamed, want)
			}
		default:
			if fmt.Sprint(old) != want || len(renamed) != 0 {
				t.Errorf("report %d: its word finds %v, the other %v; want %s and none", i, old, renamed, want)
			}
		}
	}
	if c, ok := s.(IntegrityChecker); ok {
		if err := c.IntegrityCheck(ctx); err != nil {
			t.Errorf("IntegrityCheck: %v", err)
		}
	}
}
