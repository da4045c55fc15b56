package open311_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/internal/testdb"
	"github.com/esambat/esambat/open311"
	"github.com/esambat/esambat/password"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/secret"
)

// FuzzOpen311Params sends random paths, query strings and form bodies to
// the GeoReport v2 handler: service and request lists with their filters
// (service_code, status, start_date, end_date, service_request_id), single
// requests, and POST requests with every creation parameter. Whatever
// comes in, the answer is below 500, logs no internal error (which the
// specification would turn into a 400 "General Service error", hiding it
// from a status check), and is well-formed JSON or XML as the path asks.
// "{{key}}" in a body is a valid partner api_key.
func FuzzOpen311Params(f *testing.F) {
	h, key, ticket, logs := newFuzzHandler(f)
	for _, s := range [][3]string{
		{"GET", "discovery.json", ""},
		{"GET", "services.xml", ""},
		{"GET", "services/jalan-jembatan.json", ""},
		{"GET", "services/%FF.xml", ""},
		{"GET", "requests.json", "service_code=jalan-jembatan&status=open,closed&start_date=2026-03-01T00:00:00%2B07:00&end_date=2026-03-03T10:00:00Z"},
		{"GET", "requests.xml", "service_request_id=" + ticket + ",ES-26-999999,%27%20OR%201=1--"},
		{"GET", "requests.json", "start_date=2026-13-45T99:99:99Z&end_date=0000-01-01T00:00:00Z&status=maybe"},
		{"GET", "requests.json", "start_date=2020-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"},
		{"GET", "requests.json", "lat=NaN&long=Infinity&radius=1e309&page=-1&page_size=99999999999999999999"},
		{"GET", "servicerequestupdates.xml", "start_date=2026-03-01T00:00:00%2B07:00&end_date=2026-03-03T10:00:00Z&jurisdiction_id=x&api_key=y"},
		{"GET", "servicerequestupdates.json", "start_date=9999-12-31T23:59:59Z&end_date=%00"},
		{"GET", "requests/" + ticket + ".json", ""},
		{"GET", "requests/..%2F..%2Fetc%2Fpasswd.json", ""},
		{"GET", "tokens/abc.xml", ""},
		{"POST", "requests.json", "api_key={{key}}&service_code=jalan-jembatan&lat=-7.64&long=112.9&description=Lubang+besar+di+tengah+jalan+raya"},
		{"POST", "requests.xml", "api_key={{key}}&service_code=jalan-jembatan&address_string=Jl.+Veteran&address_id=35.75.04.1006&description=%3Cscript%3Ealert(1)%3C%2Fscript%3E+lubang+besar&first_name=%3Cb%3E&last_name=x&phone=0812&email=a%40b&media_url=javascript:alert(1)&attribute[x]=1"},
		{"POST", "requests.json", "api_key={{key}}&service_code=jalan-jembatan&lat=NaN&long=1e309&description=%FF%FE"},
		{"POST", "requests.json", "api_key={{key}}&service_code=jalan-jembatan&lat=91&long=-181&device_id=" + strings.Repeat("x", 300)},
		{"POST", "requests.json", "api_key=esk_palsu&service_code=jalan-jembatan"},
		{"POST", "requests.json", "service_code=%27%20OR%201=1--"},
		{"POST", "requests.xml", "api_key={{key}}&service_code=" + strings.Repeat("%FF", 50)},
		{"DELETE", "requests.json", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, path, params string) {
		if method != "POST" {
			method = "GET"
		}
		params = strings.ReplaceAll(params, "{{key}}", key)
		target := open311.Prefix + path
		var req *http.Request
		var err error
		if method == "GET" {
			req, err = http.NewRequest("GET", "http://example.org"+target+"?"+params, nil)
		} else {
			req, err = http.NewRequest("POST", "http://example.org"+target, strings.NewReader(params))
			if req != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		}
		if err != nil {
			return // not a URL any client could send
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		what := method + " " + req.URL.String()
		if w.Code >= 500 {
			t.Fatalf("%s = %d\n%.2000s", what, w.Code, w.Body)
		}
		if l := logs.take(); len(l) > 0 {
			t.Fatalf("%s = %d: internal error logged: %s", what, w.Code, strings.Join(l, "\n"))
		}
		body := w.Body.Bytes()
		if len(body) == 0 {
			return
		}
		switch {
		case strings.HasSuffix(req.URL.Path, ".json") && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json"):
			if !json.Valid(body) {
				t.Fatalf("%s = %d: invalid JSON: %.500s", what, w.Code, body)
			}
		case strings.Contains(w.Header().Get("Content-Type"), "xml"):
			dec := xml.NewDecoder(bytes.NewReader(body))
			for {
				_, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s = %d: malformed XML (%v): %.500s", what, w.Code, err, body)
				}
			}
		}
	})
}

// errorLog keeps what the handler logs at level Error.
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, strings.TrimSpace(string(p)))
	l.mu.Unlock()
	return len(p), nil
}

func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// newFuzzHandler is the Open311 handler on a fresh SQLite database with a
// partner key and one report (newEnv needs a *testing.T; a fuzz
// target sets up once for all its inputs).
func newFuzzHandler(tb testing.TB) (h *open311.Handler, key, ticket string, logs *errorLog) {
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
		Reports: db, Audit: db, Users: db, Reference: db, Templates: db, APIKeys: db, Locator: loc,
		Wilayah: wilayah, CityCode: refdata.CityCode,
		Clocks: esambat.Clocks{Calendar: esambat.NewCalendar(nil), SLA: esambat.DefaultSLA()}, Now: now,
		Auth: esambat.AuthService{Tokens: db, PhoneCodes: db, Hasher: password.Hasher{Params: password.Params{Memory: 64, Time: 1, Threads: 1}}, Sealer: keys},
	}
	logs = &errorLog{}
	h = &open311.Handler{Service: svc, BaseURL: "http://example.org", StatusLabels: esambathttp.StatusLabels,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))}
	key, _, err = svc.IssueAPIKey(ctx, "Mitra Uji", nil)
	if err != nil {
		tb.Fatal(err)
	}
	actor, _, err := svc.AuthenticateAPIKey(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	lat, lng, _ := loc.InteriorPoint("35.75.02.1001")
	rep, _, err := svc.SubmitReport(ctx, *actor, esambat.ReportInput{CategoryCode: "jalan-jembatan", Title: "Jalan berlubang",
		Description: "Lubang besar di tengah jalan raya.", Lat: &lat, Lng: &lng, Channel: esambat.ChannelOpen311}, "")
	if err != nil {
		tb.Fatal(fmt.Errorf("seed report: %w", err))
	}
	return h, key, rep.Ticket, logs
}
