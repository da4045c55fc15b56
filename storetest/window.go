package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// testWindow: a list with a date window is ordered by created_at, then id
// (ReportFilter.ByCreated; by id alone with search words), and its pages,
// in either order, follow each other without a gap or a repeat, whatever
// the filters beside the window (published, category, box, search) and
// whatever ids the reports got.
// The reports' creation times here are shuffled against their ids, some
// equal, as a report could be created with a clock behind another
// instance's; every list is checked against the same list ordered in Go.
func testWindow(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Sari")
	rng := rand.New(rand.NewPCG(6, 12))
	const n = 40
	var all []*esambat.Report
	var at time.Time
	for i, minute := range rng.Perm(n) {
		// Every fifth report shares its time with the one before.
		if i%5 != 1 {
			at = start.Add(time.Duration(minute) * time.Minute)
		}
		c.set(at)
		title := "Lampu jalan mati"
		if i%3 == 0 {
			title = "Saluran air tersumbat"
		}
		r, ev := newReport(u.ID, fmt.Sprintf("%s %d", title, i))
		if i%4 != 0 {
			r.PublishedAt = at
			r.Status, r.AgencyCode = esambat.StatusDidisposisi, "dinas-pupr"
		}
		if i%7 == 0 {
			r.Visibility = esambat.VisibilityRahasia
		}
		if i%2 == 0 {
			r.CategoryCode = "penerangan-jalan"
		}
		if i%3 != 1 {
			r.Location.Lat = -7.6300
		}
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	byID := map[int64]*esambat.Report{}
	for _, r := range all {
		byID[r.ID] = r
	}
	from, to := start.Add(5*time.Minute), start.Add(33*time.Minute)
	box := &esambat.BBox{MinLat: -7.64, MinLng: 112.90, MaxLat: -7.62, MaxLng: 112.92}
	for _, f := range []esambat.ReportFilter{
		{From: from, To: to},
		{From: from},
		{To: to},
		{From: from, To: to, PublishedOnly: true},
		{From: from, PublishedOnly: true},
		{From: from, To: to, PublishedOnly: true, CategoryCode: "penerangan-jalan"},
		{From: from, To: to, PublishedOnly: true, BBox: box},
		{From: from, To: to, PublishedOnly: true, Query: "saluran"},
		// A word of every report: the window's first and last reports
		// match, so a search bounded by the window's IDs (SQLite's
		// SearchIDs) must take both ends.
		{From: from, To: to, PublishedOnly: true, Query: "berlubang"},
		{From: from, To: to, Query: "berlubang"},
		{From: from, To: to, Statuses: []esambat.Status{esambat.StatusDiajukan}},
	} {
		for _, oldest := range []bool{false, true} {
			f.OldestFirst = oldest
			var want []int64
			for _, r := range all {
				if windowMatch(f, r) {
					want = append(want, r.ID)
				}
			}
			slices.SortFunc(want, func(a, b int64) int {
				if f.Before(byID[a], byID[b]) {
					return -1
				}
				return 1
			})
			if len(want) < 4 {
				t.Fatalf("%+v: only %d reports in the window; the test needs more", f, len(want))
			}
			g := f
			g.Limit = 3
			got := PageIDs(t, s, g, n)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%+v: pages gave %v, want %v", f, got, want)
			}
			// The list pages' counts, whole and bounded, of the same
			// reports: a search's bounded count reads the window's IDs
			// too, and must take both ends.
			if got, err := s.CountReports(ctx, f); err != nil || got != len(want) {
				t.Errorf("CountReports(%+v) = %d, %v; want %d", f, got, err, len(want))
			}
			for _, max := range []int{1, len(want) - 1, len(want), len(want) + 5} {
				if got, err := s.CountReportsUpTo(ctx, f, max); err != nil || got != min(max, len(want)) {
					t.Errorf("CountReportsUpTo(%+v, %d) = %d, %v; want %d", f, max, got, err, min(max, len(want)))
				}
			}
		}
	}
	// A cursor naming no report is refused, not read as the end.
	_, err := s.FindReports(ctx, esambat.ReportFilter{From: from, After: "zzzz"})
	wantCode(t, err, esambat.EINVALID)
}

// windowMatch reports whether r belongs in testWindow's list f.
func windowMatch(f esambat.ReportFilter, r *esambat.Report) bool {
	switch {
	case !f.From.IsZero() && r.CreatedAt.Before(f.From), !f.To.IsZero() && !r.CreatedAt.Before(f.To):
		return false
	case f.PublishedOnly && (r.PublishedAt.IsZero() || r.Visibility == esambat.VisibilityRahasia):
		return false
	case f.CategoryCode != "" && r.CategoryCode != f.CategoryCode:
		return false
	case f.BBox != nil && (r.Location.Lat < f.BBox.MinLat || r.Location.Lat > f.BBox.MaxLat ||
		r.Location.Lng < f.BBox.MinLng || r.Location.Lng > f.BBox.MaxLng):
		return false
	case f.Query != "" && !strings.Contains(strings.ToLower(r.Title+" "+r.Description), f.Query):
		return false
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, r.Status):
		return false
	}
	return true
}
