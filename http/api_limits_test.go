package http_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
)

func TestRateLimits(t *testing.T) {
	e := newEnv(t)
	// A second server on the same store with small limits.
	small := &esambathttp.Server{Service: e.svc, DB: e.db, RateLimits: esambathttp.RateLimits{PerIP: 5, PerUser: 8, PerKey: 12}, Later: func(work func()) { work() }}
	e.srv.Config.Handler = small.Handler()
	tok := e.resident(nikKota, "081234567801")
	key, _, err := e.svc.IssueAPIKey(t.Context(), "Mitra", nil)
	if err != nil {
		t.Fatal(err)
	}
	count := func(token string, headers ...string) (int, response) {
		for i := 0; i < 50; i++ {
			r := e.do("GET", "/api/v1/categories", token, nil, headers...)
			if r.Status == 429 {
				return i, r
			}
		}
		return 50, response{}
	}
	// The anonymous budget was partly spent by register above; the rest runs out.
	n, r := count("")
	if n > 5 || r.errCode() != esambat.ERATELIMIT || r.Header.Get("Retry-After") == "" {
		t.Errorf("anonymous: refused after %d with %s (Retry-After %q)", n, r.Body, r.Header.Get("Retry-After"))
	}
	if secs, _ := strconv.Atoi(r.Header.Get("Retry-After")); secs < 1 || secs > 60 {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// A logged-in user has their own, larger allowance.
	if n, _ := count(tok); n != 8 {
		t.Errorf("user allowance = %d, want 8", n)
	}
	// A partner key too.
	if n, _ := count("", "X-API-Key", key); n != 12 {
		t.Errorf("key allowance = %d, want 12", n)
	}
	// Pages are not rate limited by the API limits.
	if r := e.do("GET", "/", "", nil); r.Status != 200 {
		t.Errorf("home page = %d", r.Status)
	}
}

func TestETagAndCORS(t *testing.T) {
	e := newEnv(t)
	tok := e.resident(nikKota, "081234567801")
	in, _ := e.points()
	r := e.do("POST", "/api/v1/reports", tok, report(in[0], in[1]))
	var c struct{ Ticket string }
	r.json(t, &c)
	first := e.do("GET", "/api/v1/reports/"+c.Ticket, tok, nil)
	etag := first.Header.Get("ETag")
	if first.Status != 200 || etag == "" {
		t.Fatalf("no ETag: %d %v", first.Status, first.Header)
	}
	if r := e.do("GET", "/api/v1/reports/"+c.Ticket, tok, nil, "If-None-Match", etag); r.Status != 304 || len(r.Body) != 0 {
		t.Errorf("If-None-Match = %d %q", r.Status, r.Body)
	}
	// A change gives a new ETag.
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.do("POST", "/api/v1/reports/"+c.Ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	if r := e.do("GET", "/api/v1/reports/"+c.Ticket, tok, nil, "If-None-Match", etag); r.Status != 200 || r.Header.Get("ETag") == etag {
		t.Errorf("after a change = %d, etag %s", r.Status, r.Header.Get("ETag"))
	}
	// The anonymous view has its own ETag (different content).
	if r := e.do("GET", "/api/v1/reports/"+c.Ticket, "", nil, "If-None-Match", etag); r.Status != 200 {
		t.Errorf("anonymous with the reporter's etag = %d", r.Status)
	}

	// CORS: no headers for an unconfigured origin; configured ones get them.
	if r := e.do("GET", "/api/v1/categories", "", nil, "Origin", "https://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS for an unknown origin: %v", r.Header)
	}
	e.server.CORSOrigins = []string{"https://aplikasi.example"}
	e.srv.Config.Handler = e.server.Handler()
	req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/api/v1/reports", nil)
	req.Header.Set("Origin", "https://aplikasi.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://aplikasi.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Errorf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
	// A configured origin may POST with a token from its page.
	r = e.do("POST", "/api/v1/reports", tok, report(in[0], in[1]), "Origin", "https://aplikasi.example", "Sec-Fetch-Site", "cross-site")
	if r.Status != 201 || r.Header.Get("Access-Control-Allow-Origin") != "https://aplikasi.example" {
		t.Errorf("CORS POST = %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/reports", tok, report(in[0], in[1]), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if r.Status != 403 || r.errCode() != esambat.EFORBIDDEN {
		t.Errorf("cross-site POST from an unknown origin = %d %s", r.Status, r.Body)
	}
}

func TestStaffAPI(t *testing.T) {
	e := newEnv(t)
	pet := e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	warga := e.resident(nikKota, "081234567801")
	r := e.do("POST", "/api/v1/templates", pet, map[string]string{"title": "Survei", "body": "Tim akan survei lokasi minggu ini."})
	if r.Status != 201 {
		t.Fatalf("create template = %d %s", r.Status, r.Body)
	}
	var tpl struct{ ID int64 }
	r.json(t, &tpl)
	if r := e.do("GET", "/api/v1/templates", pet, nil); !strings.Contains(string(r.Body), "Survei") {
		t.Errorf("list templates = %s", r.Body)
	}
	if r := e.do("GET", "/api/v1/templates", warga, nil); r.Status != 403 {
		t.Errorf("resident templates = %d", r.Status)
	}
	if r := e.do("DELETE", "/api/v1/templates/"+strconv.FormatInt(tpl.ID, 10), pet, nil); r.Status != 204 {
		t.Errorf("delete template = %d", r.Status)
	}
	if r := e.do("PUT", "/api/v1/categories/air-bersih/auto-threshold", admin, map[string]float64{"threshold": 0.9}); r.Status != 200 {
		t.Errorf("threshold = %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", "/api/v1/categories/air-bersih/auto-threshold", pet, map[string]float64{"threshold": 0.9}); r.Status != 403 {
		t.Errorf("petugas threshold = %d", r.Status)
	}
	if r := e.do("PUT", "/api/v1/categories/air-bersih/auto-threshold", admin, map[string]float64{"threshold": 2}); r.Status != 400 {
		t.Errorf("threshold 2 = %d", r.Status)
	}
	for _, c := range []struct {
		token, agency string
		want          int
	}{
		{pet, "dinas-pupr", 403}, {admin, "tidak-ada", 400}, {admin, "", 400}, {admin, "dinas-pupr", 200},
	} {
		if r := e.do("PUT", "/api/v1/categories/air-bersih/default-agency", c.token, map[string]string{"agency": c.agency}); r.Status != c.want {
			t.Errorf("default agency %q = %d, want %d: %s", c.agency, r.Status, c.want, r.Body)
		}
	}
	if r := e.do("PUT", "/api/v1/categories/tidak-ada/default-agency", admin, map[string]string{"agency": "dinas-pupr"}); r.Status != 404 {
		t.Errorf("default agency of no category = %d, want 404", r.Status)
	}
	if c, _ := e.db.FindCategory(t.Context(), "air-bersih"); c.AgencyCode != "dinas-pupr" {
		t.Errorf("default agency stored = %q", c.AgencyCode)
	}
	if r := e.do("GET", "/api/v1/outbox/dead", admin, nil); r.Status != 200 || strings.TrimSpace(string(r.Body)) != "[]" {
		t.Errorf("dead letters = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/outbox/999/retry", admin, nil); r.Status != 404 {
		t.Errorf("retry unknown = %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/openapi.json", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"openapi": "3.1.0"`) {
		t.Errorf("openapi.json = %d", r.Status)
	}
	if r := e.do("GET", "/api/docs", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), "/api/v1/reports/{ticket}/actions") {
		t.Errorf("api docs = %d", r.Status)
	}
}

func TestMethodNotAllowedShape(t *testing.T) {
	e := newEnv(t)
	r := e.do("DELETE", "/api/v1/reports", "", nil)
	if r.Status != 405 || r.errCode() != esambat.EINVALID || !strings.Contains(r.Header.Get("Allow"), "POST") {
		t.Errorf("DELETE /api/v1/reports = %d %s allow %q", r.Status, r.Body, r.Header.Get("Allow"))
	}
	if r := e.do("GET", "/api/v1/nothing/here", "", nil); r.Status != 404 || r.errCode() != esambat.ENOTFOUND {
		t.Errorf("unknown API path = %d %s", r.Status, r.Body)
	}
}
