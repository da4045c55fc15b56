package http_test

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
)

// TestOpenDataExport: the CSV and GeoJSON exports hold every published
// report matching the filters and nothing else (not the unverified, not
// the rahasia), oldest first, across pages, without the reporter's name
// or number; text a spreadsheet would run as a formula is defused; bad
// filters and paging parameters get EINVALID, and one export too many a
// 429 with Retry-After.
func TestOpenDataExport(t *testing.T) {
	defer esambathttp.SetExportPage(2)()
	e := newEnv(t)
	in, _ := e.points()
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@kominfo.test", "")
	submit := func(verify bool, mods ...func(map[string]any)) string {
		t.Helper()
		r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1], mods...))
		if r.Status != 201 {
			t.Fatalf("submit = %d %s", r.Status, r.Body)
		}
		var out struct{ Ticket string }
		r.json(t, &out)
		if verify {
			if r := e.do("POST", "/api/v1/reports/"+out.Ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"}); r.Status != 200 {
				t.Fatalf("verify = %d %s", r.Status, r.Body)
			}
		}
		e.clock.Advance(time.Minute)
		return out.Ticket
	}
	formula := submit(true, func(m map[string]any) {
		m["title"] = `=HYPERLINK("http://contoh.test","klik")`
		m["description"] = "Lubang besar, \"dalam\"; sudah dua motor jatuh.\nMohon segera."
	})
	anon := submit(true, func(m map[string]any) { m["visibility"] = "anonim" })
	submit(true, func(m map[string]any) { m["visibility"] = "rahasia" })
	submit(false)
	school := submit(true, func(m map[string]any) {
		m["category"], m["title"], m["kelurahan_code"] = "pendidikan", "Atap kelas bocor", "35.75.04.1006"
		delete(m, "location")
	})
	road := submit(true)
	want := []string{formula, anon, school, road}

	get := func(path string, headers ...string) response {
		t.Helper()
		r := e.do("GET", path, "", nil, headers...)
		if r.Status != 200 {
			t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
		}
		return r
	}
	readCSV := func(r response) [][]string {
		t.Helper()
		body, ok := bytes.CutPrefix(r.Body, []byte("\ufeff"))
		if !ok {
			t.Errorf("CSV without a byte order mark: %q", r.Body[:min(len(r.Body), 20)])
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, body)
		}
		return rows
	}
	col := func(header []string, name string) int {
		t.Helper()
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %s in %v", name, header)
		}
		return i
	}

	r := get("/open-data/reports.csv")
	if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "text/csv") ||
		!strings.HasPrefix(cd, `attachment; filename="esambat-laporan-`) {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	for _, private := range []string{"Warga", "0812", "81234567801", nikKota, "reporter", "on_behalf"} {
		if bytes.Contains(r.Body, []byte(private)) {
			t.Errorf("the CSV holds %q:\n%s", private, r.Body)
		}
	}
	rows := readCSV(r)
	header, rows := rows[0], rows[1:]
	ticket, title, desc := col(header, "ticket"), col(header, "title"), col(header, "description")
	lat, lng, kec := col(header, "lat"), col(header, "lng"), col(header, "kecamatan_code")
	var got []string
	for _, row := range rows {
		got = append(got, row[ticket])
	}
	if !slices.Equal(got, want) {
		t.Fatalf("CSV tickets = %v, want %v", got, want)
	}
	if rows[0][title] != `'=HYPERLINK("http://contoh.test","klik")` || rows[0][desc] != "Lubang besar, \"dalam\"; sudah dua motor jatuh.\nMohon segera." {
		t.Errorf("title %q, description %q", rows[0][title], rows[0][desc])
	}
	if la, err1 := strconv.ParseFloat(rows[1][lat], 64); err1 != nil || la != in[0] || rows[1][lng] == "" || rows[1][kec] != "35.75.02" {
		t.Errorf("point of %s = %q, %q in %q; want %v, %v in 35.75.02", anon, rows[1][lat], rows[1][lng], rows[1][kec], in[0], in[1])
	}
	if rows[2][lat] != "" || rows[2][kec] != "35.75.04" {
		t.Errorf("report without a point: lat %q, kecamatan %q", rows[2][lat], rows[2][kec])
	}

	// Compressed, it is the same file.
	zr := get("/open-data/reports.csv", "Accept-Encoding", "gzip")
	if zr.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("Content-Encoding = %q", zr.Header.Get("Content-Encoding"))
	} else if gz, err := gzip.NewReader(bytes.NewReader(zr.Body)); err != nil {
		t.Error(err)
	} else if plain, err := io.ReadAll(gz); err != nil || !bytes.Equal(plain, r.Body) {
		t.Errorf("gunzipped CSV differs (%v)", err)
	}

	var fc struct {
		Type     string
		Features []struct {
			Type     string
			ID       string
			Geometry *struct {
				Type        string
				Coordinates []float64
			}
			Properties map[string]any
		}
	}
	g := get("/open-data/reports.geojson")
	if ct := g.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("GeoJSON Content-Type %q", ct)
	}
	if err := json.Unmarshal(g.Body, &fc); err != nil {
		t.Fatalf("GeoJSON: %v\n%s", err, g.Body)
	}
	got = got[:0]
	for _, f := range fc.Features {
		got = append(got, f.ID)
		if f.Type != "Feature" || f.Properties["ticket"] != f.ID || f.Properties["reporter"] != nil || f.Properties["lat"] != nil {
			t.Errorf("feature %s = %+v", f.ID, f)
		}
	}
	if fc.Type != "FeatureCollection" || !slices.Equal(got, want) {
		t.Fatalf("GeoJSON %s with %v, want FeatureCollection with %v", fc.Type, got, want)
	}
	// The GeoJSON keeps the text as it is: it is not a spreadsheet.
	if p := fc.Features[0].Properties; p["title"] != `=HYPERLINK("http://contoh.test","klik")` ||
		p["description"] != "Lubang besar, \"dalam\"; sudah dua motor jatuh.\nMohon segera." || p["due_at"] == nil {
		t.Errorf("first feature's properties = %v", p)
	}
	if p := fc.Features[0].Geometry; p == nil || p.Type != "Point" || len(p.Coordinates) != 2 || p.Coordinates[0] != in[1] || p.Coordinates[1] != in[0] {
		t.Errorf("geometry = %+v, want a Point at [%v, %v] (longitude first)", p, in[1], in[0])
	}
	if fc.Features[2].Geometry != nil || fc.Features[2].Properties["supports"] != float64(0) || fc.Features[2].Properties["rating"] != nil {
		t.Errorf("report without a point: %+v", fc.Features[2])
	}

	// The public list's filters apply.
	if rows := readCSV(get("/open-data/reports.csv?category=pendidikan")); len(rows) != 2 || rows[1][ticket] != school {
		t.Errorf("category=pendidikan gave %v", rows)
	}
	if rows := readCSV(get("/open-data/reports.csv?from=2027-01-01")); len(rows) != 1 {
		t.Errorf("a window with no reports gave %v", rows)
	}
	if err := json.Unmarshal(get("/open-data/reports.geojson?status=ditutup").Body, &fc); err != nil || len(fc.Features) != 0 {
		t.Errorf("no closed reports: %v, %v", fc, err)
	}
	for _, bad := range []string{"/open-data/reports.csv?from=kemarin", "/open-data/reports.geojson?limit=5", "/open-data/reports.csv?cursor=2bi"} {
		if r := e.do("GET", bad, "", nil); r.Status != 400 || r.errCode() != esambat.EINVALID {
			t.Errorf("GET %s = %d %s", bad, r.Status, r.Body)
		}
	}
	// The list page offers its own list for download.
	page := get("/laporan?category=pendidikan&lang=en")
	for _, link := range []string{`href="/open-data/reports.csv?category=pendidikan"`, `href="/open-data/reports.geojson?category=pendidikan"`, "Download open data"} {
		if !bytes.Contains(page.Body, []byte(link)) {
			t.Errorf("the list page has no %s", link)
		}
	}
	release := e.server.HoldExports()
	r = e.do("GET", "/open-data/reports.csv", "", nil)
	release()
	if r.Status != http.StatusTooManyRequests || r.errCode() != esambat.ERATELIMIT || r.Header.Get("Retry-After") == "" {
		t.Errorf("an export too many = %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	get("/open-data/reports.csv")
}
