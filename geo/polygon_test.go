package geo

import (
	"math"
	"testing"
)

func square(x0, y0, x1, y1 float64) Ring {
	return Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func TestPolygonContains(t *testing.T) {
	// A "U": the bottom bar and two arms; the notch between the arms is
	// outside, and that is where the bounding-box centre and the centroid
	// fall.
	u := Polygon{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}}}
	withHole := Polygon{square(0, 0, 4, 4), square(1, 1, 3, 3), square(1.5, 1.5, 2.5, 2.5)} // hole with an island
	for _, tt := range []struct {
		name string
		p    Polygon
		pt   Point
		want bool
	}{
		{"U bar", u, Point{1.5, 0.5}, true},
		{"U left arm", u, Point{0.5, 2.5}, true},
		{"U right arm", u, Point{2.5, 2.5}, true},
		{"U notch", u, Point{1.5, 2}, false},
		{"U outside", u, Point{4, 1.5}, false},
		{"U ray along top", u, Point{-1, 3}, false},
		{"U ray through a vertex", u, Point{-1, 1}, false},
		{"U at vertex latitude", u, Point{0.5, 1}, true},
		{"ring", withHole, Point{0.5, 2}, true},
		{"hole", withHole, Point{1.2, 2}, false},
		{"island in hole", withHole, Point{2, 2}, true},
		{"far", withHole, Point{100, 2}, false},
		{"NaN", withHole, Point{math.NaN(), 2}, false},
	} {
		if got := tt.p.Contains(tt.pt); got != tt.want {
			t.Errorf("%s: Contains(%v) = %v, want %v", tt.name, tt.pt, got, tt.want)
		}
	}
}

// Points on an edge shared by two polygons belong to exactly one.
func TestSharedEdge(t *testing.T) {
	left, right := Polygon{square(0, 0, 1, 1)}, Polygon{square(1, 0, 2, 1)}
	for _, y := range []float64{0.25, 0.5, 0.75} {
		pt := Point{1, y}
		if l, r := left.Contains(pt), right.Contains(pt); l == r {
			t.Errorf("%v: left %v, right %v; want exactly one", pt, l, r)
		}
	}
}

func TestInteriorCandidates(t *testing.T) {
	u := Feature{Code: "U", Name: "U", Polygons: []Polygon{{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}}}}}
	s := newShape(u)
	cs := s.interiorCandidates()
	if len(cs) == 0 {
		t.Fatal("no candidates")
	}
	for i, c := range cs {
		if !s.contains(c.pt) {
			t.Errorf("candidate %d %v is outside", i, c.pt)
		}
		if i > 0 && c.score > cs[i-1].score {
			t.Errorf("candidates not sorted by score at %d", i)
		}
	}
	// The best point is well inside: at least a third of an arm's width
	// from any edge across, and not in the notch.
	if best := cs[0]; best.score < 0.3 {
		t.Errorf("best candidate %v has score %v", best.pt, best.score)
	}

	// A thin sliver still gets a point inside it.
	thin := newShape(Feature{Polygons: []Polygon{{{{0, 0}, {10, 0.001}, {0, 0.002}}}}})
	if cs := thin.interiorCandidates(); len(cs) == 0 || !thin.contains(cs[0].pt) {
		t.Errorf("thin triangle: %v", cs)
	}

	// A ring with no area has none.
	flat := newShape(Feature{Polygons: []Polygon{{{{0, 0}, {1, 0}, {2, 0}}}}})
	if cs := flat.interiorCandidates(); len(cs) != 0 {
		t.Errorf("flat ring has candidates %v", cs)
	}
}
