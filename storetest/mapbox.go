package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/esambat/esambat"
)

// testMapBoxes: published reports in a box, newest first or oldest
// first, page by page, as the public map asks for them. Boxes from a
// street to several kilometres (past the size where stores may switch
// plans), against the same filter applied in Go.
func testMapBoxes(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Rini")
	const lat0, lng0 = -7.645, 112.905
	rng := rand.New(rand.NewPCG(3, 14))
	type point struct {
		id       int64
		lat, lng float64
		public   bool
		cat      string
	}
	var pts []point
	for i := range 160 {
		r, ev := newReport(u.ID, fmt.Sprintf("Peta %d", i))
		r.Location.Lat = lat0 + (rng.Float64()*2-1)*0.02
		r.Location.Lng = lng0 + (rng.Float64()*2-1)*0.02
		if i%7 == 0 {
			// On a cell's edge (1/400 degree): must land in one cell.
			r.Location.Lat = float64(int((lat0+90)*400))/400 - 90
		}
		public := i%3 != 0
		switch {
		case i%3 == 0: // not verified
		case i%5 == 0:
			r.Visibility = esambat.VisibilityRahasia
			r.PublishedAt = c.now()
			public = false
		default:
			r.PublishedAt = c.now()
		}
		if i%4 == 0 {
			r.CategoryCode = "sampah-kebersihan"
		}
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		pts = append(pts, point{r.ID, r.Location.Lat, r.Location.Lng, public, r.CategoryCode})
	}
	for k := range 30 {
		h := []float64{0.0009, 0.0045, 0.01, 0.03}[k%4] * (0.5 + rng.Float64())
		la, ln := lat0+(rng.Float64()*2-1)*0.015, lng0+(rng.Float64()*2-1)*0.015
		b := esambat.BBox{MinLat: la - h, MaxLat: la + h, MinLng: ln - h, MaxLng: ln + h}
		cat := ""
		if k%3 == 0 {
			cat = "sampah-kebersihan"
		}
		for _, oldest := range []bool{false, true} {
			var want []int64
			for i := range pts {
				p := pts[len(pts)-1-i] // newest first
				if oldest {
					p = pts[i]
				}
				if p.public && p.lat >= b.MinLat && p.lat <= b.MaxLat && p.lng >= b.MinLng && p.lng <= b.MaxLng && (cat == "" || cat == p.cat) {
					want = append(want, p.id)
				}
			}
			got := PageIDs(t, s, esambat.ReportFilter{BBox: &b, PublishedOnly: true, CategoryCode: cat, Limit: 7, OldestFirst: oldest}, 100)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("box %d (%.4f° high, category %q, oldest first %v): got %v, want %v", k, 2*h, cat, oldest, got, want)
			}
		}
	}
}
