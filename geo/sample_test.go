package geo_test

import (
	"context"
	"math/rand/v2"
	"testing"
)

// TestRandomPoint draws points in every kelurahan and checks that each
// resolves to the kelurahan it was drawn for, that the draws spread over
// the area (not the interior point again and again), and that the same
// seed draws the same points.
func TestRandomPoint(t *testing.T) {
	l := newLocator(t)
	ctx := context.Background()
	for _, kel := range l.Kelurahan() {
		r := rand.New(rand.NewPCG(1, 2))
		seen := map[[2]float64]bool{}
		for range 100 {
			lat, lng, ok := l.RandomPoint(kel.Code, r)
			if !ok {
				t.Fatalf("RandomPoint(%s) not ok", kel.Code)
			}
			j, err := l.Locate(ctx, lat, lng)
			if err != nil || !j.Inside || j.Kelurahan.Code != kel.Code {
				t.Fatalf("RandomPoint(%s) = %v,%v, which Locate puts in %+v (%v)", kel.Code, lat, lng, j.Kelurahan, err)
			}
			seen[[2]float64{lat, lng}] = true
		}
		if len(seen) < 90 {
			t.Errorf("RandomPoint(%s): only %d distinct points of 100", kel.Code, len(seen))
		}
		lat1, lng1, _ := l.RandomPoint(kel.Code, rand.New(rand.NewPCG(7, 7)))
		lat2, lng2, _ := l.RandomPoint(kel.Code, rand.New(rand.NewPCG(7, 7)))
		if lat1 != lat2 || lng1 != lng2 {
			t.Errorf("RandomPoint(%s) is not reproducible with the same seed", kel.Code)
		}
	}
	if _, _, ok := l.RandomPoint("99.99", rand.New(rand.NewPCG(1, 1))); ok {
		t.Error("RandomPoint of an unknown code is ok")
	}
}
