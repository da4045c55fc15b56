package geo

import "math/rand/v2"

// maxSampleTries bounds the rejection sampling of RandomPoint. The thinnest
// kelurahan fill about a tenth of their bounding box, so 200 tries fail
// with a probability below 1e-9.
const maxSampleTries = 200

// RandomPoint returns a point drawn uniformly from the area with the code
// (a city kelurahan or a neighbour area) for which Locate answers that very
// area: a point of a polygon that another layer or a lower code claims
// first is drawn again. It samples the area's bounding box and keeps the
// first point that resolves to the area; when that takes too long (a
// sliver), it falls back to InteriorPoint. ok is false when InteriorPoint's
// would be. Demo data (esambat seed-demo) and tests use it; r makes the
// choice reproducible.
func (l *Locator) RandomPoint(code string, r *rand.Rand) (lat, lng float64, ok bool) {
	a := l.byCode[code]
	if a == nil {
		return 0, 0, false
	}
	b := a.box
	for range maxSampleTries {
		pt := Point{
			Lng: b.minLng + r.Float64()*(b.maxLng-b.minLng),
			Lat: b.minLat + r.Float64()*(b.maxLat-b.minLat),
		}
		if a.contains(pt) && l.find(pt) == a {
			return pt.Lat, pt.Lng, true
		}
	}
	return l.InteriorPoint(code)
}
