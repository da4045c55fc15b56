package geo

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Point is a WGS84 position in GeoJSON order: longitude first.
type Point struct {
	Lng, Lat float64
}

// Ring is a linear ring. It is closed implicitly: the last point joins the
// first, and a repeated closing position from the source is dropped.
type Ring []Point

// Polygon is an outer ring followed by zero or more holes.
type Polygon []Ring

// Feature is one polygonal area of a FeatureCollection: the kode and nama
// properties and the shape (one Polygon, or several for a MultiPolygon).
type Feature struct {
	Code     string
	Name     string
	Polygons []Polygon
}

type rawCollection struct {
	Type     string       `json:"type"`
	Features []rawFeature `json:"features"`
}

type rawFeature struct {
	Type       string `json:"type"`
	Properties *struct {
		Kode string `json:"kode"`
		Nama string `json:"nama"`
	} `json:"properties"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// ParseGeoJSON parses a GeoJSON FeatureCollection whose features are
// Polygon or MultiPolygon geometries (holes allowed) with string properties
// kode and nama. Every feature must have a distinct non-empty kode, every
// ring at least three distinct positions and every position a longitude in
// [-180, 180] and a latitude in [-90, 90] (which catches files written in
// [lat, lng] order for most places). Any other input is an error; it never
// panics.
func ParseGeoJSON(data []byte) ([]Feature, error) {
	var fc rawCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("geo: geojson: %w", err)
	} else if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("geo: geojson: type is %q, want FeatureCollection", fc.Type)
	}
	out := make([]Feature, 0, len(fc.Features))
	seen := map[string]bool{}
	for i, rf := range fc.Features {
		f, err := parseFeature(rf)
		if err != nil {
			return nil, fmt.Errorf("geo: geojson: feature %d: %w", i, err)
		} else if seen[f.Code] {
			return nil, fmt.Errorf("geo: geojson: feature %d: duplicate kode %q", i, f.Code)
		}
		seen[f.Code] = true
		out = append(out, f)
	}
	return out, nil
}

func parseFeature(rf rawFeature) (Feature, error) {
	if rf.Type != "Feature" {
		return Feature{}, fmt.Errorf("type is %q, want Feature", rf.Type)
	} else if rf.Properties == nil || rf.Properties.Kode == "" {
		return Feature{}, errors.New("missing property kode")
	} else if rf.Properties.Nama == "" {
		return Feature{}, fmt.Errorf("%s: missing property nama", rf.Properties.Kode)
	} else if rf.Geometry == nil {
		return Feature{}, fmt.Errorf("%s: missing geometry", rf.Properties.Kode)
	}
	f := Feature{Code: rf.Properties.Kode, Name: rf.Properties.Nama}
	var err error
	switch g := rf.Geometry; g.Type {
	case "Polygon":
		var coords [][][]float64
		if err = json.Unmarshal(g.Coordinates, &coords); err != nil {
			break
		}
		var p Polygon
		if p, err = parsePolygon(coords); err == nil {
			f.Polygons = []Polygon{p}
		}
	case "MultiPolygon":
		var coords [][][][]float64
		if err = json.Unmarshal(g.Coordinates, &coords); err != nil {
			break
		} else if len(coords) == 0 {
			err = errors.New("MultiPolygon without polygons")
			break
		}
		for i, pc := range coords {
			p, perr := parsePolygon(pc)
			if perr != nil {
				err = fmt.Errorf("polygon %d: %w", i, perr)
				break
			}
			f.Polygons = append(f.Polygons, p)
		}
	default:
		err = fmt.Errorf("unsupported geometry type %q", g.Type)
	}
	if err != nil {
		return Feature{}, fmt.Errorf("%s: %w", f.Code, err)
	}
	return f, nil
}

func parsePolygon(coords [][][]float64) (Polygon, error) {
	if len(coords) == 0 {
		return nil, errors.New("polygon without rings")
	}
	p := make(Polygon, 0, len(coords))
	for i, rc := range coords {
		r, err := parseRing(rc)
		if err != nil {
			return nil, fmt.Errorf("ring %d: %w", i, err)
		}
		p = append(p, r)
	}
	return p, nil
}

func parseRing(coords [][]float64) (Ring, error) {
	r := make(Ring, 0, len(coords))
	for i, c := range coords {
		if len(c) < 2 {
			return nil, fmt.Errorf("position %d has %d numbers, want at least 2", i, len(c))
		}
		pt := Point{Lng: c[0], Lat: c[1]}
		if !(pt.Lng >= -180 && pt.Lng <= 180) || !(pt.Lat >= -90 && pt.Lat <= 90) {
			return nil, fmt.Errorf("position %d [%g, %g] is not [lng, lat] in range", i, pt.Lng, pt.Lat)
		}
		if len(r) > 0 && r[len(r)-1] == pt {
			continue // repeated position: no edge
		}
		r = append(r, pt)
	}
	if len(r) > 1 && r[0] == r[len(r)-1] {
		r = r[:len(r)-1]
	}
	if len(r) < 3 {
		return nil, fmt.Errorf("ring has %d distinct positions, want at least 3", len(r))
	}
	return r, nil
}
