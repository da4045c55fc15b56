package geo

import (
	"cmp"
	"math"
	"slices"
)

// Contains reports whether pt lies inside p by the even-odd rule over all
// its rings, so a point in a hole is outside. Points exactly on an edge may
// fall either way, but consistently: of two polygons sharing that edge,
// exactly one contains the point.
func (p Polygon) Contains(pt Point) bool {
	in := false
	for _, r := range p {
		if r.crossings(pt) {
			in = !in
		}
	}
	return in
}

// Contains reports whether pt lies inside any of f's polygons.
func (f Feature) Contains(pt Point) bool {
	for _, p := range f.Polygons {
		if p.Contains(pt) {
			return true
		}
	}
	return false
}

// crossings reports whether a ray from pt towards +longitude crosses r an
// odd number of times.
func (r Ring) crossings(pt Point) bool {
	odd := false
	j := len(r) - 1
	for i := range r {
		a, b := r[i], r[j]
		if (a.Lat > pt.Lat) != (b.Lat > pt.Lat) && pt.Lng < crossLng(a, b, pt.Lat) {
			odd = !odd
		}
		j = i
	}
	return odd
}

// crossLng is the longitude where edge ab meets latitude lat. Contains and
// the interior-point scan use this one expression so that they agree to the
// last bit.
func crossLng(a, b Point, lat float64) float64 {
	return a.Lng + (lat-a.Lat)*(b.Lng-a.Lng)/(b.Lat-a.Lat)
}

// crossLat is the latitude where edge ab meets longitude lng.
func crossLat(a, b Point, lng float64) float64 {
	return a.Lat + (lng-a.Lng)*(b.Lat-a.Lat)/(b.Lng-a.Lng)
}

// bbox is a bounding box in degrees.
type bbox struct {
	minLng, minLat, maxLng, maxLat float64
}

func emptyBox() bbox {
	return bbox{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

func (b bbox) contains(pt Point) bool {
	return pt.Lng >= b.minLng && pt.Lng <= b.maxLng && pt.Lat >= b.minLat && pt.Lat <= b.maxLat
}

func (b bbox) union(o bbox) bbox {
	return bbox{min(b.minLng, o.minLng), min(b.minLat, o.minLat), max(b.maxLng, o.maxLng), max(b.maxLat, o.maxLat)}
}

func (p Polygon) bounds() bbox {
	b := emptyBox()
	for _, r := range p {
		for _, pt := range r {
			b = b.union(bbox{pt.Lng, pt.Lat, pt.Lng, pt.Lat})
		}
	}
	return b
}

// shape is a feature prepared for fast lookups: a bounding box for the
// whole feature and one per polygon, checked before any ring is walked.
type shape struct {
	box   bbox
	polys []Polygon
	boxes []bbox
}

func newShape(f Feature) shape {
	s := shape{box: emptyBox(), polys: f.Polygons, boxes: make([]bbox, len(f.Polygons))}
	for i, p := range f.Polygons {
		s.boxes[i] = p.bounds()
		s.box = s.box.union(s.boxes[i])
	}
	return s
}

func (s *shape) contains(pt Point) bool {
	if !s.box.contains(pt) {
		return false
	}
	for i, p := range s.polys {
		if s.boxes[i].contains(pt) && p.Contains(pt) {
			return true
		}
	}
	return false
}

// candidate is a point inside a shape with a score: how far, in degrees,
// it is from the boundary along the horizontal and vertical lines through
// it (the smaller of the two).
type candidate struct {
	pt    Point
	score float64
}

// scanLines is how many horizontal lines interiorCandidates tries across
// each polygon's bounding box.
const scanLines = 31

// spansPerLine is how many inside intervals of one scan line are scored.
const spansPerLine = 3

// interiorCandidates returns points inside s, best first. Each is the
// midpoint of an inside interval of a horizontal scan line, so it lies
// inside by construction (the centroid of a concave shape need not); the
// score prefers points far from the boundary both across and up and down,
// which suits a map marker.
func (s *shape) interiorCandidates() []candidate {
	var out []candidate
	var xs []float64
	var spans [][2]float64
	for i, p := range s.polys {
		b := s.boxes[i]
		for k := 1; k <= scanLines; k++ {
			lat := b.minLat + (b.maxLat-b.minLat)*float64(k)/(scanLines+1)
			xs = xs[:0]
			for _, r := range p {
				j := len(r) - 1
				for i := range r {
					a, c := r[i], r[j]
					if (a.Lat > lat) != (c.Lat > lat) {
						xs = append(xs, crossLng(a, c, lat))
					}
					j = i
				}
			}
			slices.Sort(xs)
			// Even-odd: [xs[0], xs[1]], [xs[2], xs[3]], ... are inside.
			// Only the widest few intervals of a line are scored, so the
			// work stays linear in the number of edges per line.
			spans = spans[:0]
			for m := 0; m+1 < len(xs); m += 2 {
				if xs[m+1] > xs[m] {
					spans = append(spans, [2]float64{xs[m], xs[m+1]})
				}
			}
			slices.SortFunc(spans, func(a, b [2]float64) int { return cmp.Compare(b[1]-b[0], a[1]-a[0]) })
			for _, sp := range spans[:min(len(spans), spansPerLine)] {
				pt := Point{Lng: sp[0] + (sp[1]-sp[0])/2, Lat: lat}
				if !p.Contains(pt) {
					continue // rounding at a degenerate vertex
				}
				score := min((sp[1]-sp[0])/2, verticalClearance(p, pt))
				out = append(out, candidate{pt, score})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	return out
}

// verticalClearance is the distance from pt to the nearest edge of p
// straight north or south.
func verticalClearance(p Polygon, pt Point) float64 {
	d := math.Inf(1)
	for _, r := range p {
		j := len(r) - 1
		for i := range r {
			a, b := r[i], r[j]
			if (a.Lng > pt.Lng) != (b.Lng > pt.Lng) {
				d = min(d, math.Abs(crossLat(a, b, pt.Lng)-pt.Lat))
			}
			j = i
		}
	}
	return d
}
