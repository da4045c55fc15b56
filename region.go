package esambat

import (
	"context"
	"strings"
)

// Region levels of the Kemendagri administrative code (kode wilayah).
const (
	LevelProvinsi  = "provinsi"
	LevelKabKota   = "kabkota"
	LevelKecamatan = "kecamatan"
	LevelKelurahan = "kelurahan" // 4th level, code 1xxx
	LevelDesa      = "desa"      // 4th level, code 2xxx
)

// Region is one entry of the Kemendagri wilayah table, e.g.
// {Code: "35.75.02.1001", Name: "Pohjentrek", Level: "kelurahan",
// Parent: "35.75.02"}. Codes are dotted as Kemendagri writes them.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level,omitempty"`
	Parent string `json:"parent,omitempty"`
}

// Wilayah is an in-memory index of regions. It answers which codes exist and
// which kab/kota it holds complete tables for: NIK validation can only say a
// kecamatan code is unknown inside a kab/kota whose table it holds.
type Wilayah struct {
	byCode   map[string]Region
	children map[string][]Region
}

// NewWilayah indexes regions. Later entries with the same code replace
// earlier ones, so a configured table can override the embedded one.
func NewWilayah(regions []Region) *Wilayah {
	w := &Wilayah{byCode: map[string]Region{}, children: map[string][]Region{}}
	for _, r := range regions {
		w.byCode[r.Code] = r
	}
	for _, r := range w.byCode {
		if r.Parent != "" {
			w.children[r.Parent] = append(w.children[r.Parent], r)
		}
	}
	for _, c := range w.children {
		sortRegions(c)
	}
	return w
}

// Lookup returns the region with the dotted code.
func (w *Wilayah) Lookup(code string) (Region, bool) {
	r, ok := w.byCode[code]
	return r, ok
}

// Children returns the regions directly below code, sorted by code.
func (w *Wilayah) Children(code string) []Region {
	return w.children[code]
}

// Covers reports whether the table holds the kecamatan of kab/kota code
// (e.g. "35.75"), so that an unknown kecamatan code under it is an error.
func (w *Wilayah) Covers(kabkota string) bool {
	for _, c := range w.children[kabkota] {
		if c.Level == LevelKecamatan {
			return true
		}
	}
	return false
}

// Kelurahan returns every 4th-level region (kelurahan and desa) under the
// kab/kota code, sorted by code.
func (w *Wilayah) Kelurahan(kabkota string) []Region {
	var out []Region
	for _, kec := range w.children[kabkota] {
		out = append(out, w.children[kec.Code]...)
	}
	sortRegions(out)
	return out
}

func sortRegions(rs []Region) {
	// Insertion sort: tables are small and this keeps the root package free
	// of a sort import for one call site.
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && strings.Compare(rs[j-1].Code, rs[j].Code) > 0; j-- {
			rs[j-1], rs[j] = rs[j], rs[j-1]
		}
	}
}

// Referral tells a resident whose location is outside the city where to
// report instead.
type Referral struct {
	Name    string `json:"name"`
	URL     string `json:"url"`
	Message string `json:"message"`
}

// Jurisdiction is the answer to "whose is this point?". Inside is true when
// the point lies in one of the city's kelurahan; then Kelurahan and
// Kecamatan are set. Otherwise Referral is set, and Outside names the
// neighbouring region (a Kabupaten Pasuruan kecamatan) when the point falls
// in one.
type Jurisdiction struct {
	Inside    bool      `json:"inside"`
	Kelurahan *Region   `json:"kelurahan"`
	Kecamatan *Region   `json:"kecamatan"`
	Outside   *Region   `json:"outside,omitempty"`
	Referral  *Referral `json:"referral"`
}

// Locator decides jurisdiction from coordinates, never from typed place
// names: names repeat across the border (Pohjentrek is a kelurahan of the
// city and a kecamatan of the Kabupaten).
type Locator interface {
	// Locate returns the jurisdiction of the WGS84 point. It returns
	// EINVALID naming "lat" or "lng" for NaN, infinite or out-of-range values.
	Locate(ctx context.Context, lat, lng float64) (Jurisdiction, error)
}
