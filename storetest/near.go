package storetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/esambat/esambat"
)

// testNear checks ReportFilter.Near against esambat.Distance: reports
// scattered up to 2.5 km around a point, circles of several sizes, with
// and without other filters, and LIMIT 1 (what the possible-duplicate
// check asks). Points within half a metre of a circle's edge are left out
// of the comparison: the store may measure on the tangent plane.
func testNear(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Wati")
	const lat0, lng0 = -7.6451, 112.9075
	rng := rand.New(rand.NewPCG(6, 42))
	type point struct {
		id       int64
		lat, lng float64
		cat      string
	}
	var pts []point
	for i := range 120 {
		// Uniform in a square of ±2.5 km, plus points on the axes and
		// the diagonals, where a box and a circle differ most.
		dy, dx := (rng.Float64()*2-1)*2500, (rng.Float64()*2-1)*2500
		switch i % 6 {
		case 0:
			dx = 0
		case 1:
			dy = 0
		case 2:
			dx = dy
		}
		lat := lat0 + dy/111195.0
		lng := lng0 + dx/(111195.0*math.Cos(lat0*math.Pi/180))
		cat := "jalan-jembatan"
		if i%5 == 0 {
			cat = "sampah-kebersihan"
		}
		r, ev := newReport(u.ID, fmt.Sprintf("Titik %d", i))
		r.CategoryCode = cat
		r.Location.Lat, r.Location.Lng = lat, lng
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		pts = append(pts, point{r.ID, lat, lng, cat})
	}
	for _, radius := range []float64{200, 1000, 1550, 1600, 2000} {
		for _, cat := range []string{"", "jalan-jembatan"} {
			c := esambat.Circle{Lat: lat0, Lng: lng0, Metres: radius}
			var want []int64
			edge := map[int64]bool{}
			for _, p := range pts {
				d := esambat.Distance(lat0, lng0, p.lat, p.lng)
				if math.Abs(d-radius) < 0.5 {
					edge[p.id] = true
					continue
				}
				if d < radius && (cat == "" || cat == p.cat) {
					want = append(want, p.id)
				}
			}
			page, err := s.FindReports(ctx, esambat.ReportFilter{Near: &c, CategoryCode: cat, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range page.Reports {
				if !edge[r.ID] {
					got = append(got, r.ID)
				}
			}
			sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Near %v m, category %q: got %d reports %v, want %d %v", radius, cat, len(got), got, len(want), want)
			}
			if n, err := s.CountReports(ctx, esambat.ReportFilter{Near: &c, CategoryCode: cat}); err != nil || n != len(page.Reports) {
				t.Errorf("CountReports Near %v m = %d, %v; FindReports found %d", radius, n, err, len(page.Reports))
			}
			one, err := s.FindReports(ctx, esambat.ReportFilter{Near: &c, CategoryCode: cat, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if (len(one.Reports) == 1) != (len(page.Reports) > 0) {
				t.Errorf("Near %v m, limit 1: %d reports, %d in all", radius, len(one.Reports), len(page.Reports))
			}
			if found, err := s.AnyReport(ctx, esambat.ReportFilter{Near: &c, CategoryCode: cat, Statuses: []esambat.Status{esambat.StatusDiajukan}}); err != nil || found != (len(page.Reports) > 0) {
				t.Errorf("AnyReport Near %v m = %v, %v; %d reports match", radius, found, err, len(page.Reports))
			}
		}
	}
	// A circle with nothing in it: a point 10 km away.
	far := esambat.Circle{Lat: lat0 + 0.09, Lng: lng0, Metres: 200}
	if page, err := s.FindReports(ctx, esambat.ReportFilter{Near: &far}); err != nil || len(page.Reports) != 0 {
		t.Errorf("Near an empty place: %d reports, %v", len(page.Reports), err)
	}
	if found, err := s.AnyReport(ctx, esambat.ReportFilter{Near: &far}); err != nil || found {
		t.Errorf("AnyReport near an empty place = %v, %v", found, err)
	}
	// Other statuses do not count.
	c := esambat.Circle{Lat: lat0, Lng: lng0, Metres: 2000}
	if found, err := s.AnyReport(ctx, esambat.ReportFilter{Near: &c, Statuses: []esambat.Status{esambat.StatusSelesai}}); err != nil || found {
		t.Errorf("AnyReport of finished reports = %v, %v; there are none", found, err)
	}
}
