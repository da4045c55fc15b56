package sqldb

import (
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// TestFindQueryPublicIndex: only the public list without other filters
// names Dialect.PublicIndex; a filtered list is left to the planner,
// which has that filter's own index to use.
func TestFindQueryPublicIndex(t *testing.T) {
	db := New(Dialect{Name: "sqlite", PublicIndex: "INDEXED BY reports_public", MapCell: "cell",
		SearchClause: func(string) (string, []any) { return "1 = 1", nil }}, nil, nil, nil)
	pub := esambat.ReportFilter{PublishedOnly: true, Limit: 20}
	with := func(f func(*esambat.ReportFilter)) esambat.ReportFilter { g := pub; f(&g); return g }
	for _, c := range []struct {
		name string
		f    esambat.ReportFilter
		want bool
	}{
		{"public list", pub, true},
		{"next page", with(func(f *esambat.ReportFilter) { f.After = "2bi" }), true},
		{"oldest first", with(func(f *esambat.ReportFilter) { f.OldestFirst = true }), true},
		{"officer's list", esambat.ReportFilter{Limit: 20}, false},
		{"status", with(func(f *esambat.ReportFilter) { f.Statuses = []esambat.Status{esambat.StatusDiproses} }), false},
		{"category", with(func(f *esambat.ReportFilter) { f.CategoryCode = "jalan-jembatan" }), false},
		{"agency", with(func(f *esambat.ReportFilter) { f.AgencyCode = "dinas-pupr" }), false},
		{"kelurahan", with(func(f *esambat.ReportFilter) { f.KelurahanCode = "35.75.02.1005" }), false},
		{"reporter", with(func(f *esambat.ReportFilter) { f.ReporterID = 7 }), false},
		{"near", with(func(f *esambat.ReportFilter) { f.Near = &esambat.Circle{Lat: -7.64, Lng: 112.9, Metres: 100} }), false},
		{"large box", with(func(f *esambat.ReportFilter) {
			f.BBox = &esambat.BBox{MinLat: -8, MinLng: 112, MaxLat: -7, MaxLng: 113}
		}), false},
		{"from", with(func(f *esambat.ReportFilter) { f.From = time.Now() }), false},
		{"to", with(func(f *esambat.ReportFilter) { f.To = time.Now() }), false},
		{"due", with(func(f *esambat.ReportFilter) { f.DueBefore = time.Now() }), false},
		{"search", with(func(f *esambat.ReportFilter) { f.Query = "jalan" }), false},
	} {
		q, _, _, err := db.findQuery(c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Contains(q, "INDEXED BY"); got != c.want {
			t.Errorf("%s: names the index %v, want %v: %s", c.name, got, c.want, q)
		}
	}
}
