package geo_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	"github.com/esambat/esambat/refdata"
)

// defaultLocator is built once: it is immutable, and fuzzing and
// benchmarks call it many times.
var defaultLocator = sync.OnceValues(geo.NewDefaultLocator)

func newLocator(t testing.TB) *geo.Locator {
	t.Helper()
	l, err := defaultLocator()
	if err != nil {
		t.Fatalf("NewDefaultLocator: %v", err)
	}
	return l
}

// refData returns the embedded wilayah table and both polygon layers,
// parsed independently of the Locator so that tests can check its answers.
func refData(t testing.TB) (w *esambat.Wilayah, city, neighbour []geo.Feature) {
	t.Helper()
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	if w, err = set.Wilayah(); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name string
		dst  *[]geo.Feature
	}{{refdata.FileKelurahanGeo, &city}, {refdata.FileNeighbourGeo, &neighbour}} {
		data, err := set.ReadFile(x.name)
		if err != nil {
			t.Fatal(err)
		}
		if *x.dst, err = geo.ParseGeoJSON(data); err != nil {
			t.Fatalf("%s: %v", x.name, err)
		}
	}
	return w, city, neighbour
}

// containing returns the codes of the features that contain the point.
func containing(fs []geo.Feature, lat, lng float64) []string {
	var codes []string
	for _, f := range fs {
		if f.Contains(geo.Point{Lng: lng, Lat: lat}) {
			codes = append(codes, f.Code)
		}
	}
	return codes
}

func locate(t *testing.T, l *geo.Locator, lat, lng float64) esambat.Jurisdiction {
	t.Helper()
	j, err := l.Locate(context.Background(), lat, lng)
	if err != nil {
		t.Fatalf("Locate(%v, %v): %v", lat, lng, err)
	}
	return j
}

func TestLocateEveryKelurahan(t *testing.T) {
	l := newLocator(t)
	w, city, _ := refData(t)
	want := w.Kelurahan(refdata.CityCode)
	if len(want) != 34 {
		t.Fatalf("wilayah has %d kelurahan in %s, want 34", len(want), refdata.CityCode)
	}
	for _, kel := range want {
		t.Run(kel.Code+"_"+kel.Name, func(t *testing.T) {
			lat, lng, ok := l.InteriorPoint(kel.Code)
			if !ok {
				t.Fatalf("InteriorPoint(%s): not ok", kel.Code)
			}
			// Independently of the Locator: the point is in this
			// kelurahan's polygon.
			if !slices.Contains(containing(city, lat, lng), kel.Code) {
				t.Fatalf("InteriorPoint(%s) = (%v, %v) is not inside its polygon", kel.Code, lat, lng)
			}
			j := locate(t, l, lat, lng)
			if !j.Inside || j.Kelurahan == nil || j.Kecamatan == nil {
				t.Fatalf("Locate(%v, %v) = %+v, want inside", lat, lng, j)
			}
			if *j.Kelurahan != kel {
				t.Errorf("Kelurahan = %+v, want %+v", *j.Kelurahan, kel)
			}
			if j.Kelurahan.Level != esambat.LevelKelurahan {
				t.Errorf("Kelurahan.Level = %q", j.Kelurahan.Level)
			}
			kec, _ := w.Lookup(kel.Parent)
			if *j.Kecamatan != kec || kec.Level != esambat.LevelKecamatan {
				t.Errorf("Kecamatan = %+v, want %+v", *j.Kecamatan, kec)
			}
			if j.Outside != nil || j.Referral != nil {
				t.Errorf("inside point has Outside %v, Referral %v", j.Outside, j.Referral)
			}
		})
	}
}

func TestKelurahan(t *testing.T) {
	l := newLocator(t)
	w, _, _ := refData(t)
	got := l.Kelurahan()
	if want := w.Kelurahan(refdata.CityCode); !slices.Equal(got, want) {
		t.Fatalf("Kelurahan() = %v\nwant %v", got, want)
	}
	if !slices.IsSortedFunc(got, func(a, b esambat.Region) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Kelurahan() is not sorted by code")
	}
	got[0].Name = "changed"
	if l.Kelurahan()[0].Name == "changed" {
		t.Error("Kelurahan() returns the Locator's own slice")
	}
}

func TestInteriorPointUnknown(t *testing.T) {
	l := newLocator(t)
	for _, code := range []string{"", "35.75", "35.75.02", "35.75.09.1001", "Pohjentrek"} {
		if lat, lng, ok := l.InteriorPoint(code); ok {
			t.Errorf("InteriorPoint(%q) = %v, %v, true; want not ok", code, lat, lng)
		}
	}
}

func TestLocateKabupaten(t *testing.T) {
	l := newLocator(t)
	w, city, _ := refData(t)
	for _, code := range []string{"35.14.14", "35.14.11", "35.14.17"} {
		kec, _ := w.Lookup(code)
		t.Run(kec.Name, func(t *testing.T) {
			lat, lng, ok := l.InteriorPoint(code)
			if !ok {
				t.Fatalf("InteriorPoint(%s): not ok", code)
			}
			if in := containing(city, lat, lng); len(in) > 0 {
				t.Fatalf("interior point (%v, %v) of %s lies in city kelurahan %v", lat, lng, kec.Name, in)
			}
			j := locate(t, l, lat, lng)
			if j.Inside || j.Kelurahan != nil || j.Kecamatan != nil {
				t.Fatalf("Locate(%v, %v) = %+v, want outside", lat, lng, j)
			}
			if j.Outside == nil || *j.Outside != kec {
				t.Fatalf("Outside = %v, want %+v", j.Outside, kec)
			}
			ref := geo.DefaultReferral()
			if j.Referral == nil || j.Referral.Name != ref.Name || j.Referral.URL != ref.URL {
				t.Fatalf("Referral = %+v, want %s %s", j.Referral, ref.Name, ref.URL)
			}
			for _, s := range []string{"Kecamatan " + kec.Name, "Kabupaten Pasuruan", "di luar wilayah Kota Pasuruan", ref.URL} {
				if !strings.Contains(j.Referral.Message, s) {
					t.Errorf("Referral.Message %q does not mention %q", j.Referral.Message, s)
				}
			}
		})
	}
}

func TestLocateBangilMessage(t *testing.T) {
	l := newLocator(t)
	lat, lng, _ := l.InteriorPoint("35.14.14")
	j := locate(t, l, lat, lng)
	want := "Lokasi ini berada di Kecamatan Bangil, Kabupaten Pasuruan, di luar wilayah Kota Pasuruan. " +
		"E-Sambat hanya melayani Kota Pasuruan. Sampaikan laporan Anda ke Pemerintah Kabupaten Pasuruan melalui https://www.lapor.go.id."
	if j.Referral == nil || j.Referral.Message != want {
		t.Errorf("Referral = %+v\nwant message %q", j.Referral, want)
	}
}

// TestPohjentrekByCoordinates: the same name on both sides of the border is
// told apart by where the point is.
func TestPohjentrekByCoordinates(t *testing.T) {
	l := newLocator(t)
	kotaLat, kotaLng, ok1 := l.InteriorPoint("35.75.02.1001")
	kabLat, kabLng, ok2 := l.InteriorPoint("35.14.17")
	if !ok1 || !ok2 {
		t.Fatal("InteriorPoint: not ok")
	}
	kota := locate(t, l, kotaLat, kotaLng)
	kab := locate(t, l, kabLat, kabLng)
	if !kota.Inside || kota.Kelurahan.Code != "35.75.02.1001" || kota.Kelurahan.Name != "Pohjentrek" || kota.Kecamatan.Code != "35.75.02" {
		t.Errorf("Kota Pohjentrek point: %+v %+v %+v", kota, kota.Kelurahan, kota.Kecamatan)
	}
	if kab.Inside || kab.Outside == nil || kab.Outside.Code != "35.14.17" || kab.Outside.Name != "Pohjentrek" {
		t.Errorf("Kabupaten Pohjentrek point: %+v %+v", kab, kab.Outside)
	} else if !strings.Contains(kab.Referral.Message, "Kecamatan Pohjentrek, Kabupaten Pasuruan") {
		t.Errorf("Referral.Message = %q", kab.Referral.Message)
	}
}

func TestLocateNowhere(t *testing.T) {
	l := newLocator(t)
	_, city, neighbour := refData(t)
	for _, tt := range []struct {
		name     string
		lat, lng float64
	}{
		{"Selat Madura", -7.60, 112.92},
		{"Jakarta", -6.2, 106.8},
		{"null island", 0, 0},
		{"corner", -90, 180},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if in := containing(append(slices.Clip(city), neighbour...), tt.lat, tt.lng); len(in) > 0 {
				t.Fatalf("test point is in %v", in)
			}
			j := locate(t, l, tt.lat, tt.lng)
			if j.Inside || j.Kelurahan != nil || j.Kecamatan != nil || j.Outside != nil {
				t.Fatalf("Locate = %+v, want outside everything", j)
			}
			ref := geo.DefaultReferral()
			if j.Referral == nil || j.Referral.Name != ref.FallbackName || j.Referral.URL != ref.FallbackURL {
				t.Fatalf("Referral = %+v, want the fallback", j.Referral)
			}
			for _, s := range []string{"di luar wilayah Kota Pasuruan", "SP4N-LAPOR!", ref.FallbackURL} {
				if !strings.Contains(j.Referral.Message, s) {
					t.Errorf("Referral.Message %q does not mention %q", j.Referral.Message, s)
				}
			}
			if strings.Contains(j.Referral.Message, "Kabupaten") {
				t.Errorf("fallback message names the Kabupaten: %q", j.Referral.Message)
			}
		})
	}
}

func TestLocateInvalid(t *testing.T) {
	l := newLocator(t)
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name     string
		lat, lng float64
		fields   []string
	}{
		{"lat NaN", nan, 112.9, []string{"lat"}},
		{"lat +Inf", inf, 112.9, []string{"lat"}},
		{"lat -Inf", -inf, 112.9, []string{"lat"}},
		{"lat above 90", 90.000001, 112.9, []string{"lat"}},
		{"lat below -90", -91, 112.9, []string{"lat"}},
		{"lng NaN", -7.6, nan, []string{"lng"}},
		{"lng +Inf", -7.6, inf, []string{"lng"}},
		{"lng -Inf", -7.6, -inf, []string{"lng"}},
		{"lng above 180", -7.6, 180.5, []string{"lng"}},
		{"lng below -180", -7.6, -181, []string{"lng"}},
		{"swapped", 112.9, -7.6, []string{"lat"}},
		{"both", nan, inf, []string{"lat", "lng"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j, err := l.Locate(context.Background(), tt.lat, tt.lng)
			if code := esambat.ErrorCode(err); code != esambat.EINVALID {
				t.Fatalf("Locate(%v, %v) = %+v, %v; want EINVALID", tt.lat, tt.lng, j, err)
			}
			checkFields(t, err, tt.fields)
			if msg := esambat.ErrorMessage(err); !strings.HasPrefix(msg, "Garis") {
				t.Errorf("message %q is not the Indonesian field message", msg)
			}
		})
	}
}

func checkFields(t testing.TB, err error, want []string) {
	t.Helper()
	var e *esambat.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not an *esambat.Error", err)
	}
	var got []string
	for f, msg := range e.Fields {
		got = append(got, f)
		if msg == "" {
			t.Errorf("field %s has no message", f)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Fields = %v, want keys %v", e.Fields, want)
	}
}

func TestLocateRangeLimitsAreValid(t *testing.T) {
	l := newLocator(t)
	for _, p := range [][2]float64{{90, 180}, {-90, -180}, {0, 0}, {-90, 0}, {0, -180}} {
		if _, err := l.Locate(context.Background(), p[0], p[1]); err != nil {
			t.Errorf("Locate(%v, %v): %v", p[0], p[1], err)
		}
	}
}

func TestLocateResultsAreCopies(t *testing.T) {
	l := newLocator(t)
	lat, lng, _ := l.InteriorPoint("35.75.04.1006")
	j := locate(t, l, lat, lng)
	j.Kelurahan.Name, j.Kecamatan.Name = "x", "y"
	if j2 := locate(t, l, lat, lng); j2.Kelurahan.Name != "Mayangan" || j2.Kecamatan.Name != "Panggungrejo" {
		t.Errorf("mutating a result changed the Locator: %+v %+v", j2.Kelurahan, j2.Kecamatan)
	}
	j = locate(t, l, -6.2, 106.8)
	j.Referral.Message = "x"
	if j2 := locate(t, l, -6.2, 106.8); j2.Referral.Message == "x" {
		t.Error("mutating a referral changed the Locator")
	}
}

// A small synthetic world: Kota Contoh (35.99) has kecamatan 35.99.01 with
// two kelurahan, a 1x1 degree square with a hole and a MultiPolygon of two
// squares; Kabupaten Contoh (35.98) has one kecamatan around them.
const (
	testCity = `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"kode":"35.99.01.1001","nama":"Alpha"},"geometry":{"type":"Polygon","coordinates":[
	  [[10,0],[11,0],[11,1],[10,1],[10,0]],
	  [[10.4,0.4],[10.6,0.4],[10.6,0.6],[10.4,0.6],[10.4,0.4]]]}},
	 {"type":"Feature","properties":{"kode":"35.99.01.1002","nama":"Beta"},"geometry":{"type":"MultiPolygon","coordinates":[
	  [[[11,0],[12,0],[12,1],[11,1],[11,0]]],
	  [[[13,0],[14,0],[14,1],[13,1],[13,0]]]]}}]}`
	testNeighbour = `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"kode":"35.98.01","nama":"Alpha"},"geometry":{"type":"Polygon","coordinates":[
	  [[9,-1],[15,-1],[15,2],[9,2],[9,-1]]]}}]}`
)

func testWilayah() *esambat.Wilayah { return esambat.NewWilayah(testRegions()) }

func testRegions() []esambat.Region {
	return []esambat.Region{
		{Code: "35", Name: "Jawa Timur", Level: esambat.LevelProvinsi},
		{Code: "35.99", Name: "Kota Contoh", Level: esambat.LevelKabKota, Parent: "35"},
		{Code: "35.99.01", Name: "Tengah", Level: esambat.LevelKecamatan, Parent: "35.99"},
		{Code: "35.99.01.1001", Name: "Alpha", Level: esambat.LevelKelurahan, Parent: "35.99.01"},
		{Code: "35.99.01.1002", Name: "Beta", Level: esambat.LevelKelurahan, Parent: "35.99.01"},
		{Code: "35.98", Name: "Kabupaten Contoh", Level: esambat.LevelKabKota, Parent: "35"},
		{Code: "35.98.01", Name: "Alpha", Level: esambat.LevelKecamatan, Parent: "35.98"},
	}
}

func testReferral() geo.ReferralConfig {
	return geo.ReferralConfig{Name: "Pemerintah Kabupaten Contoh", URL: "https://contoh.example/aduan",
		FallbackName: "Kanal Nasional", FallbackURL: "https://nasional.example"}
}

func TestSyntheticLocator(t *testing.T) {
	l, err := geo.NewLocator([]byte(testCity), []byte(testNeighbour), testWilayah(), testReferral())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		lat, lng float64
		code     string // kelurahan, or the neighbour area when inside is false
		inside   bool
	}{
		{"Alpha", 0.2, 10.2, "35.99.01.1001", true},
		{"hole in Alpha", 0.5, 10.5, "35.98.01", false},
		{"Beta first part", 0.5, 11.5, "35.99.01.1002", true},
		{"Beta second part", 0.5, 13.5, "35.99.01.1002", true},
		{"between Beta's parts", 0.5, 12.5, "35.98.01", false},
		{"shared edge goes to one side", 0.5, 11, "35.99.01.1002", true},
		{"nowhere", 5, 5, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := locate(t, l, tt.lat, tt.lng)
			switch {
			case j.Inside != tt.inside:
				t.Fatalf("Inside = %v, want %v (%+v)", j.Inside, tt.inside, j)
			case tt.inside && j.Kelurahan.Code != tt.code:
				t.Errorf("Kelurahan = %+v, want %s", j.Kelurahan, tt.code)
			case tt.inside && j.Kecamatan.Name != "Tengah":
				t.Errorf("Kecamatan = %+v", j.Kecamatan)
			case !tt.inside && tt.code == "" && (j.Outside != nil || j.Referral.Name != "Kanal Nasional"):
				t.Errorf("got %+v %+v, want the fallback", j.Outside, j.Referral)
			case !tt.inside && tt.code != "" && (j.Outside == nil || j.Outside.Code != tt.code):
				t.Errorf("Outside = %+v, want %s", j.Outside, tt.code)
			}
		})
	}
	lat, lng, _ := l.InteriorPoint("35.98.01")
	j := locate(t, l, lat, lng)
	want := "Lokasi ini berada di Kecamatan Alpha, Kabupaten Contoh, di luar wilayah Kota Contoh. " +
		"E-Sambat hanya melayani Kota Contoh. Sampaikan laporan Anda ke Pemerintah Kabupaten Contoh melalui https://contoh.example/aduan."
	if j.Referral == nil || j.Referral.Message != want {
		t.Errorf("neighbour referral %+v\nwant message %q", j.Referral, want)
	}
	j = locate(t, l, 50, 50)
	want = "Lokasi ini berada di luar wilayah Kota Contoh. E-Sambat hanya melayani Kota Contoh. " +
		"Sampaikan laporan Anda melalui Kanal Nasional di https://nasional.example."
	if j.Referral == nil || j.Referral.Message != want {
		t.Errorf("fallback referral %+v\nwant message %q", j.Referral, want)
	}
	// The interior point of Alpha avoids its hole.
	lat, lng, _ = l.InteriorPoint("35.99.01.1001")
	if j := locate(t, l, lat, lng); !j.Inside || j.Kelurahan.Code != "35.99.01.1001" {
		t.Errorf("InteriorPoint(Alpha) = (%v, %v) locates to %+v", lat, lng, j)
	}
}

func TestNewLocatorErrors(t *testing.T) {
	city, neighbour, w, ref := []byte(testCity), []byte(testNeighbour), testWilayah(), testReferral()
	onlyAlpha := strings.Replace(testCity, `"35.99.01.1002"`, `"35.99.01.1003"`, 1)
	for _, tt := range []struct {
		name      string
		city, nb  []byte
		w         *esambat.Wilayah
		edit      func(*geo.ReferralConfig)
		errSubstr string
	}{
		{"nil wilayah", city, neighbour, nil, nil, "wilayah"},
		{"no referral name", city, neighbour, w, func(r *geo.ReferralConfig) { r.Name = "" }, "referral"},
		{"no referral URL", city, neighbour, w, func(r *geo.ReferralConfig) { r.URL = "" }, "referral"},
		{"no fallback name", city, neighbour, w, func(r *geo.ReferralConfig) { r.FallbackName = "" }, "referral"},
		{"no fallback URL", city, neighbour, w, func(r *geo.ReferralConfig) { r.FallbackURL = "" }, "referral"},
		{"bad city", []byte("{"), neighbour, w, nil, "city"},
		{"empty city", []byte(`{"type":"FeatureCollection","features":[]}`), neighbour, w, nil, "no kelurahan"},
		{"bad neighbour", city, []byte(`{"type":"Feature"}`), w, nil, "neighbour"},
		{"polygon not in wilayah", []byte(onlyAlpha), neighbour, w, nil, "35.99.01.1003"},
		{"duplicate kode", []byte(strings.Replace(onlyAlpha, `"35.99.01.1003"`, `"35.99.01.1001"`, 1)), neighbour, w, nil, "duplicate"},
		{"kecamatan as city polygon", []byte(strings.Replace(testCity, `"35.99.01.1002"`, `"35.98.01"`, 1)), nil, w, nil, "not a kelurahan"},
		{"code on both layers", city, []byte(strings.Replace(testNeighbour, `"35.98.01"`, `"35.99.01.1001"`, 1)), w, nil, "both"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ref
			if tt.edit != nil {
				tt.edit(&r)
			}
			l, err := geo.NewLocator(tt.city, tt.nb, tt.w, r)
			if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
				t.Fatalf("NewLocator = %v, %v; want error mentioning %q", l, err, tt.errSubstr)
			}
		})
	}

	// A kelurahan of the table without a polygon.
	w2 := esambat.NewWilayah(append(testRegions(), esambat.Region{Code: "35.99.01.1009", Name: "Gamma", Level: esambat.LevelKelurahan, Parent: "35.99.01"}))
	if _, err := geo.NewLocator(city, neighbour, w2, ref); err == nil || !strings.Contains(err.Error(), "Gamma") {
		t.Errorf("kelurahan without polygon: %v", err)
	}
	// No neighbour layer is allowed: everything outside gets the fallback.
	l, err := geo.NewLocator(city, nil, w, ref)
	if err != nil {
		t.Fatalf("no neighbour layer: %v", err)
	}
	if j, _ := l.Locate(context.Background(), 0.5, 12.5); j.Inside || j.Outside != nil || j.Referral.Name != ref.FallbackName {
		t.Errorf("no neighbour layer: %+v", j)
	}
}

func FuzzLocate(f *testing.F) {
	l := newLocator(f)
	nan, inf := math.NaN(), math.Inf(1)
	for _, p := range [][2]float64{
		{-7.645, 112.905}, {-7.60, 112.92}, {-6.2, 106.8}, {-7.62, 112.78},
		{nan, 0}, {0, nan}, {inf, 0}, {0, -inf}, {90, 180}, {-90, -180}, {91, 0}, {0, 181},
		{math.MaxFloat64, -math.MaxFloat64}, {math.SmallestNonzeroFloat64, 0},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, lat, lng float64) {
		j, err := l.Locate(context.Background(), lat, lng)
		var want []string
		if !(lat >= -90 && lat <= 90) {
			want = append(want, "lat")
		}
		if !(lng >= -180 && lng <= 180) {
			want = append(want, "lng")
		}
		if len(want) > 0 {
			if esambat.ErrorCode(err) != esambat.EINVALID {
				t.Fatalf("Locate(%v, %v) = %+v, %v; want EINVALID", lat, lng, j, err)
			}
			checkFields(t, err, want)
			return
		}
		if err != nil {
			t.Fatalf("Locate(%v, %v): %v", lat, lng, err)
		}
		if j.Inside {
			if j.Kelurahan == nil || j.Kecamatan == nil || j.Referral != nil || j.Outside != nil ||
				j.Kelurahan.Parent != j.Kecamatan.Code || !strings.HasPrefix(j.Kelurahan.Code, refdata.CityCode+".") {
				t.Fatalf("Locate(%v, %v) = %+v: inconsistent inside answer", lat, lng, j)
			}
		} else if j.Kelurahan != nil || j.Kecamatan != nil || j.Referral == nil || j.Referral.Message == "" {
			t.Fatalf("Locate(%v, %v) = %+v: inconsistent outside answer", lat, lng, j)
		}
	})
}

func BenchmarkLocate(b *testing.B) {
	l := newLocator(b)
	inLat, inLng, _ := l.InteriorPoint("35.75.01.1007") // Krapyakrejo, 106 vertices
	kabLat, kabLng, _ := l.InteriorPoint("35.14.17")
	for _, bb := range []struct {
		name     string
		lat, lng float64
	}{
		{"kelurahan", inLat, inLng},
		{"kabupaten", kabLat, kabLng},
		{"sea", -7.60, 112.92},
		{"far", -6.2, 106.8},
	} {
		b.Run(bb.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Locate(ctx, bb.lat, bb.lng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
