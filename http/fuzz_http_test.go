package http_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/internal/testdb"
	"github.com/esambat/esambat/media"
	"github.com/esambat/esambat/notify"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/secret"
)

// Fuzz targets for the HTTP layer: whatever the body or parameters, the
// server answers below 500 and does not panic (the recoverer would turn a
// panic into a 500). They call the handler in-process through httptest,
// on SQLite, with rate limits out of the way so that every input reaches
// the handler. .ci/fuzz.sh runs each briefly; FUZZTIME=10m for longer.

// fuzzServer is the real handler on a fresh database, with a resident who
// holds a bearer token and a browser session.
type fuzzServer struct {
	handler        http.Handler
	bearer         string
	session, csrf  string
	lat, lng       float64
	serverErrorLog *errorLog
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 3, 9, 0, 0, 0, esambat.WIB) }
	db, _, wilayah := testdb.SQLite(tb, now)
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := secret.Load(tb.TempDir(), "")
	if err != nil {
		tb.Fatal(err)
	}
	svc := &esambat.Service{
		Reports: db, Audit: db, Users: db, Reference: db, Templates: db, APIKeys: db, Locator: loc, Wilayah: wilayah, CityCode: refdata.CityCode,
		Clocks: esambat.Clocks{Calendar: esambat.NewCalendar(nil), SLA: esambat.DefaultSLA()}, Now: now,
		Auth: esambat.AuthService{Tokens: db, PhoneCodes: db, Hasher: fastHash, Sealer: keys, Notifier: &notify.Memory{}},
	}
	logs := &errorLog{}
	srv := &esambathttp.Server{Service: svc, DB: db, Outbox: db, Version: "fuzz", Media: media.DirStore{Dir: tb.TempDir()},
		RateLimits: esambathttp.RateLimits{PerIP: 1 << 30, PerUser: 1 << 30, PerKey: 1 << 30}, Later: func(work func()) { work() },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))}
	fs := &fuzzServer{handler: srv.Handler(), serverErrorLog: logs}

	u, err := svc.Register(ctx, esambat.RegisterInput{NIK: nikKota, Name: "Warga Uji", Phone: "081234567801",
		Password: "kata-sandi-rahasia", KelurahanCode: "35.75.02.1001"})
	if err != nil {
		tb.Fatal(err)
	}
	if fs.bearer, _, err = svc.IssueToken(ctx, u, esambat.TokenBearer, "fuzz", 0); err != nil {
		tb.Fatal(err)
	}
	if fs.session, _, err = svc.IssueToken(ctx, u, esambat.TokenSession, "fuzz", 0); err != nil {
		tb.Fatal(err)
	}
	form := fs.serve(httptest.NewRequest("GET", "/lapor", nil), true)
	m := regexp.MustCompile(`name="csrf" value="([^"]*)"`).FindStringSubmatch(form.Body.String())
	if form.Code != 200 || m == nil {
		tb.Fatalf("GET /lapor = %d, no CSRF token", form.Code)
	}
	fs.csrf = m[1]
	lat, lng, ok := loc.InteriorPoint("35.75.02.1001")
	if !ok {
		tb.Fatal("no interior point")
	}
	fs.lat, fs.lng = lat, lng
	r := fs.serve(jsonRequest("POST", "/api/v1/reports", fs.bearer, fmt.Sprintf(
		`{"category":"jalan-jembatan","title":"Jalan berlubang di depan SD","description":"Lubang besar di tengah jalan raya.","location":{"lat":%v,"lng":%v}}`, lat, lng)), false)
	if r.Code != 201 {
		tb.Fatalf("seed report = %d %s", r.Code, r.Body)
	}
	return fs
}

// serve runs req through the handler, with the session cookie when asked.
func (fs *fuzzServer) serve(req *http.Request, session bool) *httptest.ResponseRecorder {
	if session {
		req.AddCookie(&http.Cookie{Name: esambathttp.SessionCookie, Value: fs.session})
	}
	w := httptest.NewRecorder()
	fs.handler.ServeHTTP(w, req)
	return w
}

// check fails on a 5xx or anything the server logged as an error.
func (fs *fuzzServer) check(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("%s = %d\n%.2000s", what, w.Code, w.Body)
	}
	for _, l := range fs.serverErrorLog.take() {
		t.Fatalf("%s: server logged an error: %s", what, l)
	}
}

func jsonRequest(method, path, bearer, body string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return req
}

// FuzzMultipartReportForm posts random multipart bodies to /lapor as a
// signed-in resident. "{{csrf}}" in the body is replaced by the session's
// form token, so that mutations of valid seeds get past the CSRF check.
func FuzzMultipartReportForm(f *testing.F) {
	fs := newFuzzServer(f)
	seed := func(fields map[string]string, files ...[]byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.SetBoundary("fuzzboundary")
		mw.WriteField("csrf", "{{csrf}}")
		for _, k := range []string{"type", "category", "title", "description", "kelurahan_code", "address", "visibility", "lat", "lng", "idem", "on_behalf", "on_behalf_name"} {
			if v, ok := fields[k]; ok {
				mw.WriteField(k, v)
			}
		}
		for i, data := range files {
			w, _ := mw.CreateFormFile("photos", fmt.Sprintf("foto%d.jpg", i))
			w.Write(data)
		}
		mw.Close()
		f.Add(buf.Bytes(), "fuzzboundary")
	}
	valid := map[string]string{"type": "pengaduan", "category": "jalan-jembatan", "title": "Jalan berlubang di Jl. Veteran",
		"description": "Lubang besar sudah dua minggu, membahayakan pengendara.", "kelurahan_code": "35.75.04.1006",
		"address": "Jl. Veteran depan toko roti", "visibility": "publik", "idem": "a"}
	seed(valid)
	seed(valid, validJPEG)
	seed(valid, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00"))
	seed(valid, []byte(svgPayload))
	seed(map[string]string{"title": xssScript, "description": "\xff\xfe invalid", "lat": "NaN", "lng": "1e309", "on_behalf": "1", "on_behalf_name": "<b>"})
	seed(map[string]string{"lat": "-7.64", "lng": "112.9", "category": "x' OR 1=1 --"})
	f.Add([]byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nJalan"), "fuzzboundary")
	f.Add([]byte("--x--\r\n"), "")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		body = bytes.ReplaceAll(body, []byte("{{csrf}}"), []byte(fs.csrf))
		req := httptest.NewRequest("POST", "/lapor", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		w := fs.serve(req, true)
		fs.check(t, "POST /lapor", w)
	})
}

// FuzzSearchQuery sends random q= strings to the report list API and the
// public list page.
func FuzzSearchQuery(f *testing.F) {
	fs := newFuzzServer(f)
	for _, q := range []string{"jalan", "", " ", "%", "_", `\`, `' OR 1=1 --`, `%' UNION SELECT password_hash FROM users --`,
		`"`, "jalan*", "NEAR(a b)", "a AND b OR c", "\x00", "jal\x00an", "\x7f\x00", "\xff\xfe", "ё日本語", strings.Repeat("x", 201), `") OR ("1"="1`, "ES-26-000001"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		query := url.Values{"q": {q}}.Encode()
		fs.check(t, "GET /api/v1/reports?"+query, fs.serve(httptest.NewRequest("GET", "/api/v1/reports?"+query, nil), false))
		fs.check(t, "GET /laporan?"+query, fs.serve(httptest.NewRequest("GET", "/laporan?"+query, nil), false))
	})
}

// FuzzReportJSON posts random JSON bodies to POST /api/v1/reports as a
// resident.
func FuzzReportJSON(f *testing.F) {
	fs := newFuzzServer(f)
	f.Add(fmt.Sprintf(`{"category":"jalan-jembatan","title":"Jalan berlubang di depan SD","description":"Lubang besar di tengah jalan raya.","location":{"lat":%v,"lng":%v}}`, fs.lat, fs.lng))
	for _, s := range []string{
		`{"category":"jalan-jembatan","title":"Jalan rusak parah","description":"Lubang besar di tengah jalan","kelurahan_code":"35.75.02.1001","address":"Jl. Pohjentrek"}`,
		`{"category":"jalan-jembatan","title":"Jalan rusak parah","description":"Lubang besar","location":{"lat":NaN,"lng":1e309}}`,
		`{"location":{"lat":"NaN","lng":"Infinity"}}`,
		`{"location":{"lat":91,"lng":-181}}`,
		`{"title":"` + xssScript + `","description":"\ud800\udc00\u0000","on_behalf":{"name":"<img>","relationship":"x","phone":"+62 812"}}`,
		`{"type":"aspirasi","visibility":"rahasia","channel":"walkin"}`,
		"{\"title\":\"\xff\xfe\"}",
		`[]`, `null`, `""`, `{}`, `{"a":1}`, `{} {}`, `{"title":` + strings.Repeat("[", 1000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fs.check(t, "POST /api/v1/reports", fs.serve(jsonRequest("POST", "/api/v1/reports", fs.bearer, body), false))
	})
}

// FuzzJurisdictionParams sends random lat and lng strings to the
// jurisdiction API: 200 for a point, 400 for anything that is not one.
func FuzzJurisdictionParams(f *testing.F) {
	fs := newFuzzServer(f)
	f.Add(fmt.Sprint(fs.lat), fmt.Sprint(fs.lng))
	for _, p := range [][2]string{{"-7.6451", "112.9075"}, {"-7.55", "112.78"}, {"NaN", "1"}, {"Inf", "-Inf"}, {"1e309", "0"},
		{"91", "0"}, {"0", "-181"}, {"", ""}, {"0x1p-2", "0"}, {"-0", "+0"}, {"1_000", "2"}, {" 7 ", "\t8"}, {"-90", "180"}, {"4.9e-324", "-1.7976931348623157e308"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, lat, lng string) {
		query := url.Values{"lat": {lat}, "lng": {lng}}.Encode()
		w := fs.serve(httptest.NewRequest("GET", "/api/v1/jurisdiction?"+query, nil), false)
		fs.check(t, "GET /api/v1/jurisdiction?"+query, w)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("GET /api/v1/jurisdiction?%s = %d, want 200 or 400\n%s", query, w.Code, w.Body)
		}
	})
}
