package geo

import (
	"strings"
	"testing"

	"github.com/esambat/esambat/refdata"
)

func TestParseGeoJSON(t *testing.T) {
	fs, err := ParseGeoJSON([]byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"kode":"A","nama":"Alpha","extra":1},"geometry":{"type":"Polygon","coordinates":[
	  [[0,0],[4,0],[4,4],[0,4],[0,0]],
	  [[1,1],[2,1],[2,2],[1,2],[1,1]]]}},
	 {"type":"Feature","properties":{"kode":"B","nama":"Beta"},"geometry":{"type":"MultiPolygon","coordinates":[
	  [[[10,0],[11,0],[11,1,250],[10,1]]],
	  [[[20,0],[21,0],[21,1],[20,1],[20,0]]]]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].Code != "A" || fs[0].Name != "Alpha" || fs[1].Code != "B" || fs[1].Name != "Beta" {
		t.Fatalf("features = %+v", fs)
	}
	if len(fs[0].Polygons) != 1 || len(fs[0].Polygons[0]) != 2 || len(fs[0].Polygons[0][0]) != 4 {
		t.Errorf("A: want one polygon with a hole and the closing position dropped: %+v", fs[0].Polygons)
	}
	// An unclosed ring is closed implicitly; a third number (altitude) is ignored.
	if len(fs[1].Polygons) != 2 || len(fs[1].Polygons[0][0]) != 4 || fs[1].Polygons[0][0][2] != (Point{Lng: 11, Lat: 1}) {
		t.Errorf("B: %+v", fs[1].Polygons)
	}
	for _, tt := range []struct {
		f    int
		pt   Point
		want bool
	}{
		{0, Point{Lng: 0.5, Lat: 0.5}, true},
		{0, Point{Lng: 1.5, Lat: 1.5}, false}, // in the hole
		{0, Point{Lng: 3, Lat: 1.5}, true},
		{0, Point{Lng: 5, Lat: 1.5}, false},
		{1, Point{Lng: 10.5, Lat: 0.5}, true},
		{1, Point{Lng: 20.5, Lat: 0.5}, true},
		{1, Point{Lng: 15, Lat: 0.5}, false},
	} {
		if got := fs[tt.f].Contains(tt.pt); got != tt.want {
			t.Errorf("%s.Contains(%v) = %v, want %v", fs[tt.f].Code, tt.pt, got, tt.want)
		}
	}
}

func TestParseGeoJSONErrors(t *testing.T) {
	square := `[[[0,0],[1,0],[1,1],[0,1],[0,0]]]`
	feature := func(props, geom string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}]}`
	}
	for _, tt := range []struct {
		name, in, errSubstr string
	}{
		{"not JSON", `{`, "unexpected end"},
		{"empty", ``, "unexpected end"},
		{"not a collection", `{"type":"Feature"}`, "FeatureCollection"},
		{"feature type", `{"type":"FeatureCollection","features":[{"type":"Point"}]}`, "want Feature"},
		{"no properties", feature(`null`, `{"type":"Polygon","coordinates":`+square+`}`), "kode"},
		{"no kode", feature(`{"nama":"X"}`, `{"type":"Polygon","coordinates":`+square+`}`), "kode"},
		{"numeric kode", feature(`{"kode":1,"nama":"X"}`, `{"type":"Polygon","coordinates":`+square+`}`), "kode"},
		{"no nama", feature(`{"kode":"A"}`, `{"type":"Polygon","coordinates":`+square+`}`), "nama"},
		{"no geometry", feature(`{"kode":"A","nama":"X"}`, `null`), "geometry"},
		{"point geometry", feature(`{"kode":"A","nama":"X"}`, `{"type":"Point","coordinates":[0,0]}`), "unsupported"},
		{"no rings", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":[]}`), "without rings"},
		{"null coordinates", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":null}`), "without rings"},
		{"no polygons", feature(`{"kode":"A","nama":"X"}`, `{"type":"MultiPolygon","coordinates":[]}`), "without polygons"},
		{"multipolygon nesting", feature(`{"kode":"A","nama":"X"}`, `{"type":"MultiPolygon","coordinates":`+square+`}`), "cannot unmarshal"},
		{"short ring", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`), "distinct"},
		{"short position", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}`), "numbers"},
		{"string position", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":[[["0","0"]]]}`), "cannot unmarshal"},
		{"lat out of range", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,91],[0,0]]]}`), "range"},
		{"[lat,lng] order", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":[[[-7.6,112.9],[-7.6,113],[-7.7,113],[-7.6,112.9]]]}`), "range"},
		{"huge number", feature(`{"kode":"A","nama":"X"}`, `{"type":"Polygon","coordinates":[[[1e400,0]]]}`), "cannot unmarshal"},
		{"duplicate kode", `{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"kode":"A","nama":"X"},"geometry":{"type":"Polygon","coordinates":` + square + `}},
			{"type":"Feature","properties":{"kode":"A","nama":"Y"},"geometry":{"type":"Polygon","coordinates":` + square + `}}]}`, "duplicate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := ParseGeoJSON([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
				t.Fatalf("ParseGeoJSON = %+v, %v; want error mentioning %q", fs, err, tt.errSubstr)
			}
		})
	}
}

func TestParseEmbedded(t *testing.T) {
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		n    int
	}{{refdata.FileKelurahanGeo, 34}, {refdata.FileNeighbourGeo, 24}} {
		data, err := set.ReadFile(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := ParseGeoJSON(data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		} else if len(fs) != tt.n {
			t.Errorf("%s: %d features, want %d", tt.name, len(fs), tt.n)
		}
	}
}

func FuzzParseGeoJSON(f *testing.F) {
	set, err := refdata.New("")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{refdata.FileKelurahanGeo, refdata.FileNeighbourGeo} {
		data, err := set.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"type":"FeatureCollection"}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"A","nama":"X"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"A","nama":"X"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1]]],[[[2,2],[3,3],[2,3]]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"A","nama":"X"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,0],[0,0],[0,0]]]}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := ParseGeoJSON(data)
		if err != nil {
			return
		}
		for _, ft := range fs {
			if ft.Code == "" || ft.Name == "" || len(ft.Polygons) == 0 {
				t.Fatalf("accepted incomplete feature %+v", ft)
			}
			for _, p := range ft.Polygons {
				if len(p) == 0 {
					t.Fatalf("%s: polygon without rings", ft.Code)
				}
				for _, r := range p {
					if len(r) < 3 {
						t.Fatalf("%s: ring with %d positions", ft.Code, len(r))
					}
					for _, pt := range r {
						if !(pt.Lng >= -180 && pt.Lng <= 180 && pt.Lat >= -90 && pt.Lat <= 90) {
							t.Fatalf("%s: accepted position %v", ft.Code, pt)
						}
					}
				}
			}
			// Whatever was accepted can be prepared and queried.
			s := newShape(ft)
			s.contains(Point{})
			for _, c := range s.interiorCandidates() {
				if !s.contains(c.pt) {
					t.Fatalf("%s: interior candidate %v is not inside", ft.Code, c.pt)
				}
			}
		}
	})
}
