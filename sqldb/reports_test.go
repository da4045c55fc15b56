package sqldb

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// TestFindQueryPublicIndex: the public list, unfiltered, filtered by
// category, by kelurahan or both, or within a date window alone, names
// the partial index holding its rows; any other list is left to the
// planner.
func TestFindQueryPublicIndex(t *testing.T) {
	db := New(Dialect{Name: "sqlite", HintIndexes: true, MapCell: "cell",
		SearchClause: func(string) (string, []any) { return "1 = 1", nil }}, nil, nil, nil)
	pub := esambat.ReportFilter{PublishedOnly: true, Limit: 20}
	with := func(f func(*esambat.ReportFilter)) esambat.ReportFilter { g := pub; f(&g); return g }
	const kel = "35.75.02.1005"
	for _, c := range []struct {
		name string
		f    esambat.ReportFilter
		want string // the index named; "" none
	}{
		{"public list", pub, "reports_public"},
		{"next page", with(func(f *esambat.ReportFilter) { f.After = "2bi" }), "reports_public"},
		{"oldest first", with(func(f *esambat.ReportFilter) { f.OldestFirst = true }), "reports_public"},
		{"category", with(func(f *esambat.ReportFilter) { f.CategoryCode = "jalan-jembatan" }), "reports_public_category"},
		{"category, next page", with(func(f *esambat.ReportFilter) { f.CategoryCode = "jalan-jembatan"; f.After = "2bi" }), "reports_public_category"},
		{"kelurahan", with(func(f *esambat.ReportFilter) { f.KelurahanCode = kel }), "reports_public_kelurahan"},
		{"kelurahan, oldest first", with(func(f *esambat.ReportFilter) { f.KelurahanCode = kel; f.OldestFirst = true }), "reports_public_kelurahan"},
		{"category and kelurahan", with(func(f *esambat.ReportFilter) { f.CategoryCode = "jalan-jembatan"; f.KelurahanCode = kel }), "reports_public_kelurahan_category"},
		{"category and kelurahan, oldest first", with(func(f *esambat.ReportFilter) {
			f.CategoryCode = "jalan-jembatan"
			f.KelurahanCode = kel
			f.OldestFirst = true
		}), "reports_public_kelurahan_category"},
		{"officer's list", esambat.ReportFilter{Limit: 20}, ""},
		{"officer's list by category", esambat.ReportFilter{Limit: 20, CategoryCode: "jalan-jembatan"}, ""},
		{"status", with(func(f *esambat.ReportFilter) { f.Statuses = []esambat.Status{esambat.StatusDiproses} }), ""},
		{"status and category", with(func(f *esambat.ReportFilter) {
			f.Statuses = []esambat.Status{esambat.StatusDiproses}
			f.CategoryCode = "jalan-jembatan"
		}), ""},
		{"agency", with(func(f *esambat.ReportFilter) { f.AgencyCode = "dinas-pupr" }), ""},
		{"reporter", with(func(f *esambat.ReportFilter) { f.ReporterID = 7 }), ""},
		{"near", with(func(f *esambat.ReportFilter) { f.Near = &esambat.Circle{Lat: -7.64, Lng: 112.9, Metres: 100} }), ""},
		{"large box", with(func(f *esambat.ReportFilter) {
			f.BBox = &esambat.BBox{MinLat: -8, MinLng: 112, MaxLat: -7, MaxLng: 113}
		}), ""},
		{"from", with(func(f *esambat.ReportFilter) { f.From = time.Now() }), "reports_public_created"},
		{"to", with(func(f *esambat.ReportFilter) { f.To = time.Now() }), "reports_public_created"},
		{"window, oldest first", with(func(f *esambat.ReportFilter) {
			f.From, f.To = time.Now().Add(-time.Hour), time.Now()
			f.OldestFirst = true
		}), "reports_public_created"},
		{"window and category", with(func(f *esambat.ReportFilter) { f.From = time.Now(); f.CategoryCode = "jalan-jembatan" }), ""},
		{"window and kelurahan", with(func(f *esambat.ReportFilter) { f.To = time.Now(); f.KelurahanCode = kel }), ""},
		{"window and status", with(func(f *esambat.ReportFilter) {
			f.To = time.Now()
			f.Statuses = []esambat.Status{esambat.StatusDiproses}
		}), ""},
		{"due", with(func(f *esambat.ReportFilter) { f.DueBefore = time.Now() }), ""},
		{"search", with(func(f *esambat.ReportFilter) { f.Query = "jalan" }), ""},
		{"search in a category", with(func(f *esambat.ReportFilter) { f.Query = "jalan"; f.CategoryCode = "jalan-jembatan" }), ""},
	} {
		q, _, _, err := db.findQuery(context.Background(), c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := ""
		if _, after, ok := strings.Cut(q, " INDEXED BY "); ok {
			got, _, _ = strings.Cut(after, " ")
		}
		if got != c.want {
			t.Errorf("%s: names index %q, want %q: %s", c.name, got, c.want, q)
		}
	}
}

// TestSQLStatements: an online migration is sent one statement at a time;
// comment lines between statements are dropped, a statement spanning
// lines is kept whole.
func TestSQLStatements(t *testing.T) {
	body := `-- esambat:online
-- Why; with a semicolon; inside the comment.

DROP INDEX CONCURRENTLY IF EXISTS a;
CREATE INDEX CONCURRENTLY a ON reports (category_code, id)
	WHERE published_at IS NOT NULL;
-- and one without its semicolon at the end
SELECT 1`
	got := sqlStatements(body)
	want := []string{
		"DROP INDEX CONCURRENTLY IF EXISTS a;",
		"CREATE INDEX CONCURRENTLY a ON reports (category_code, id)\n\tWHERE published_at IS NOT NULL;",
		"SELECT 1",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sqlStatements = %q, want %q", got, want)
	}
}
