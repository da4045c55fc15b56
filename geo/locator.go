package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

// ReferralConfig says where residents are sent when their location is
// outside the city: Name and URL for points in the neighbouring region (in
// Kota Pasuruan's case the Kabupaten), FallbackName and FallbackURL for
// anywhere else (the national channel SP4N-LAPOR!).
type ReferralConfig struct {
	Name, URL                 string
	FallbackName, FallbackURL string
}

// DefaultReferral is Kota Pasuruan's referral: the Kabupaten Pasuruan
// government, reached through SP4N-LAPOR! (the channel it uses for public
// complaints), and SP4N-LAPOR! itself as the national fallback.
func DefaultReferral() ReferralConfig {
	return ReferralConfig{
		Name:         "Pemerintah Kabupaten Pasuruan",
		URL:          "https://www.lapor.go.id",
		FallbackName: "SP4N-LAPOR!",
		FallbackURL:  "https://www.lapor.go.id",
	}
}

// Locator is the esambat.Locator over the city's kelurahan polygons and
// the neighbouring region's kecamatan polygons. It is immutable after
// NewLocator and safe for concurrent use.
type Locator struct {
	cityBox   bbox
	city      []area // sorted by code; checked first
	neighbour []area
	byCode    map[string]*area
	fallback  esambat.Referral
}

var _ esambat.Locator = (*Locator)(nil)

// area is one polygon feature with everything Locate answers about it
// worked out in advance.
type area struct {
	shape
	region   esambat.Region
	parent   esambat.Region   // city kelurahan: their kecamatan
	referral esambat.Referral // neighbour areas
	interior Point
}

// NewLocator builds a Locator from the city's kelurahan GeoJSON, the
// neighbouring region's kecamatan GeoJSON (may be empty: no neighbour
// layer) and the wilayah table. It checks the data against each other: every
// city polygon must be a kelurahan or desa of the table under one kab/kota,
// every kelurahan of that kab/kota must have a polygon, and every polygon
// must have an interior. Names and levels come from the table; neighbour
// polygons the table does not know keep their GeoJSON nama. Every field of
// ref is required.
func NewLocator(city, neighbour []byte, w *esambat.Wilayah, ref ReferralConfig) (*Locator, error) {
	if w == nil {
		return nil, errors.New("geo: no wilayah table")
	} else if ref.Name == "" || ref.URL == "" || ref.FallbackName == "" || ref.FallbackURL == "" {
		return nil, errors.New("geo: referral name, URL, fallback name and fallback URL are all required")
	}
	cityFeatures, err := ParseGeoJSON(city)
	if err != nil {
		return nil, fmt.Errorf("geo: city: %w", err)
	} else if len(cityFeatures) == 0 {
		return nil, errors.New("geo: city: no kelurahan polygons")
	}
	var neighbourFeatures []Feature
	if len(neighbour) > 0 {
		if neighbourFeatures, err = ParseGeoJSON(neighbour); err != nil {
			return nil, fmt.Errorf("geo: neighbour: %w", err)
		}
	}

	l := &Locator{cityBox: emptyBox(), byCode: map[string]*area{}}
	var cityRegion esambat.Region
	for _, f := range cityFeatures {
		kel, ok := w.Lookup(f.Code)
		if !ok || (kel.Level != esambat.LevelKelurahan && kel.Level != esambat.LevelDesa) {
			return nil, fmt.Errorf("geo: city polygon %s (%s) is not a kelurahan or desa in the wilayah table", f.Code, f.Name)
		}
		kec, ok := w.Lookup(kel.Parent)
		if !ok || kec.Level != esambat.LevelKecamatan {
			return nil, fmt.Errorf("geo: kelurahan %s: no kecamatan %q in the wilayah table", f.Code, kel.Parent)
		}
		kab, ok := w.Lookup(kec.Parent)
		if !ok {
			return nil, fmt.Errorf("geo: kecamatan %s: no kab/kota %q in the wilayah table", kec.Code, kec.Parent)
		} else if cityRegion.Code != "" && kab.Code != cityRegion.Code {
			return nil, fmt.Errorf("geo: city polygons span %s and %s", cityRegion.Code, kab.Code)
		}
		cityRegion = kab
		l.city = append(l.city, area{shape: newShape(f), region: kel, parent: kec})
	}
	for _, kel := range w.Kelurahan(cityRegion.Code) {
		if !hasCode(cityFeatures, kel.Code) {
			return nil, fmt.Errorf("geo: kelurahan %s (%s) has no polygon", kel.Code, kel.Name)
		}
	}
	sortAreas(l.city)
	for i := range l.city {
		l.cityBox = l.cityBox.union(l.city[i].box)
	}

	cityName := cityRegion.Name
	for _, f := range neighbourFeatures {
		if hasCode(cityFeatures, f.Code) {
			return nil, fmt.Errorf("geo: %s is both a city and a neighbour polygon", f.Code)
		}
		r, ok := w.Lookup(f.Code)
		if !ok {
			r = esambat.Region{Code: f.Code, Name: f.Name, Level: levelOf(f.Code), Parent: parentOf(f.Code)}
		}
		place := qualified(r)
		if p, ok := w.Lookup(r.Parent); ok {
			place += ", " + qualified(p)
		}
		msg := fmt.Sprintf("Lokasi ini berada di %s, di luar wilayah %s. E-Sambat hanya melayani %s. Sampaikan laporan Anda ke %s melalui %s.",
			place, cityName, cityName, ref.Name, ref.URL)
		l.neighbour = append(l.neighbour, area{shape: newShape(f), region: r,
			referral: esambat.Referral{Name: ref.Name, URL: ref.URL, Message: msg}})
	}
	sortAreas(l.neighbour)
	l.fallback = esambat.Referral{Name: ref.FallbackName, URL: ref.FallbackURL,
		Message: fmt.Sprintf("Lokasi ini berada di luar wilayah %s. E-Sambat hanya melayani %s. Sampaikan laporan Anda melalui %s di %s.",
			cityName, cityName, ref.FallbackName, ref.FallbackURL)}

	for _, layer := range [][]area{l.city, l.neighbour} {
		for i := range layer {
			a := &layer[i]
			l.byCode[a.region.Code] = a
		}
	}
	// Interior points come last: a point only counts if Locate sends it
	// back to its own area, which needs every layer in place.
	for _, layer := range [][]area{l.city, l.neighbour} {
		for i := range layer {
			a := &layer[i]
			found := false
			for _, c := range a.interiorCandidates() {
				if l.find(c.pt) == a {
					a.interior, found = c.pt, true
					break
				}
			}
			if !found && a.parent.Code != "" {
				return nil, fmt.Errorf("geo: kelurahan %s (%s): no point of its polygon resolves to it", a.region.Code, a.region.Name)
			}
			if !found {
				a.interior = Point{Lng: math.NaN(), Lat: math.NaN()}
			}
		}
	}
	return l, nil
}

// NewDefaultLocator returns the Locator for Kota Pasuruan from the embedded
// reference data, with DefaultReferral.
func NewDefaultLocator() (*Locator, error) {
	set, err := refdata.New("")
	if err != nil {
		return nil, err
	}
	city, err := set.ReadFile(refdata.FileKelurahanGeo)
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	neighbour, err := set.ReadFile(refdata.FileNeighbourGeo)
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	w, err := set.Wilayah()
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	return NewLocator(city, neighbour, w, DefaultReferral())
}

// Locate returns the jurisdiction of the WGS84 point (lat, lng). The city's
// kelurahan are checked first, because the neighbour's coarse polygons may
// overlap them; a point in a neighbour kecamatan gets Outside and the
// configured referral naming that kecamatan; any other point gets the
// national fallback referral. It returns EINVALID with Fields naming "lat"
// and/or "lng" for NaN, infinite or out-of-range values. ctx is not used:
// the answer is computed in memory.
func (l *Locator) Locate(ctx context.Context, lat, lng float64) (esambat.Jurisdiction, error) {
	var v esambat.Validation
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		v.Add("lat", "Garis lintang harus berupa angka antara -90 dan 90.")
	}
	if math.IsNaN(lng) || lng < -180 || lng > 180 {
		v.Add("lng", "Garis bujur harus berupa angka antara -180 dan 180.")
	}
	if err := v.Err(); err != nil {
		return esambat.Jurisdiction{}, err
	}
	a := l.find(Point{Lng: lng, Lat: lat})
	switch {
	case a == nil:
		ref := l.fallback
		return esambat.Jurisdiction{Referral: &ref}, nil
	case a.parent.Code != "":
		kel, kec := a.region, a.parent
		return esambat.Jurisdiction{Inside: true, Kelurahan: &kel, Kecamatan: &kec}, nil
	default:
		out, ref := a.region, a.referral
		return esambat.Jurisdiction{Outside: &out, Referral: &ref}, nil
	}
}

// find returns the area containing pt: a city kelurahan if any, else a
// neighbour area, else nil. Ties (shared edges, overlaps in the source
// data) go to the lowest code.
func (l *Locator) find(pt Point) *area {
	if l.cityBox.contains(pt) {
		for i := range l.city {
			if l.city[i].contains(pt) {
				return &l.city[i]
			}
		}
	}
	for i := range l.neighbour {
		if l.neighbour[i].contains(pt) {
			return &l.neighbour[i]
		}
	}
	return nil
}

// Kelurahan returns the city's kelurahan (those with a polygon, which
// NewLocator checks is all of them), sorted by code. The slice is the
// caller's.
func (l *Locator) Kelurahan() []esambat.Region {
	out := make([]esambat.Region, len(l.city))
	for i, a := range l.city {
		out[i] = a.region
	}
	return out
}

// InteriorPoint returns a point inside the polygon with the code, chosen
// well away from its edges, for which Locate answers that very area: the
// kelurahan (and its kecamatan) for a city code, the neighbour area for a
// neighbour code. ok is false for an unknown code, or for a neighbour area
// wholly covered by the city. Demo data and map markers use it.
func (l *Locator) InteriorPoint(code string) (lat, lng float64, ok bool) {
	a := l.byCode[code]
	if a == nil || math.IsNaN(a.interior.Lat) {
		return 0, 0, false
	}
	return a.interior.Lat, a.interior.Lng, true
}

func hasCode(fs []Feature, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

func sortAreas(as []area) {
	slices.SortFunc(as, func(a, b area) int { return strings.Compare(a.region.Code, b.region.Code) })
}

// levelOf guesses the level of a dotted Kemendagri code from its depth, for
// neighbour polygons the wilayah table does not hold.
func levelOf(code string) string {
	switch parts := strings.Split(code, "."); len(parts) {
	case 1:
		return esambat.LevelProvinsi
	case 2:
		return esambat.LevelKabKota
	case 3:
		return esambat.LevelKecamatan
	default:
		if strings.HasPrefix(parts[3], "2") {
			return esambat.LevelDesa
		}
		return esambat.LevelKelurahan
	}
}

func parentOf(code string) string {
	if i := strings.LastIndexByte(code, '.'); i > 0 {
		return code[:i]
	}
	return ""
}

// qualified names a region as people say it: "Kecamatan Bangil",
// "Desa Sebani"; kab/kota names already carry their kind ("Kabupaten
// Pasuruan").
func qualified(r esambat.Region) string {
	switch r.Level {
	case esambat.LevelKecamatan:
		return "Kecamatan " + r.Name
	case esambat.LevelKelurahan:
		return "Kelurahan " + r.Name
	case esambat.LevelDesa:
		return "Desa " + r.Name
	}
	return r.Name
}
