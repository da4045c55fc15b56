package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/internal/testdb"
	"github.com/esambat/esambat/notify"
	"github.com/esambat/esambat/password"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/secret"
	"github.com/esambat/esambat/sqldb"
)

// env is a running test server on a fresh SQLite database.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	db     *sqldb.DB
	svc    *esambat.Service
	sent   *notify.Memory
	clock  *testClock
	loc    *geo.Locator
	server *esambathttp.Server
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fastHash keeps argon2id cheap in tests.
var fastHash = password.Hasher{Params: password.Params{Memory: 64, Time: 1, Threads: 1}}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 3, 3, 9, 0, 0, 0, esambat.WIB)}
	db, set, wilayah := testdb.SQLite(t, clock.Now)
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		t.Fatal(err)
	}
	holidays, err := set.Holidays()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Load(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	sent := &notify.Memory{}
	svc := &esambat.Service{
		Reports: db, Audit: db, Users: db, Reference: db, Templates: db, APIKeys: db, Snapshots: db, Locator: loc, Wilayah: wilayah, CityCode: refdata.CityCode,
		Clocks: esambat.Clocks{Calendar: esambat.NewCalendar(holidays), SLA: esambat.DefaultSLA()}, Now: clock.Now,
		Auth: esambat.AuthService{Tokens: db, PhoneCodes: db, Hasher: fastHash, Sealer: keys, Notifier: sent, Mailer: sent, ResetFloor: testResetFloor, BaseURL: "https://sambat.example.go.id"},
	}
	server := &esambathttp.Server{Service: svc, DB: db, Outbox: db, Version: "test", Logger: testLogger(t), Later: func(work func()) { work() }}
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, db: db, svc: svc, sent: sent, clock: clock, loc: loc, server: server}
}

// testResetFloor is the least time a refused password reset takes in
// these tests: shorter than the product's, still far above a test
// database's commit.
const testResetFloor = 150 * time.Millisecond

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("bad JSON %q: %v", r.Body, err)
	}
}

// errCode returns the error code of an error body, or "".
func (r response) errCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// do sends a request with an optional bearer token and JSON body.
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

// resident signs a resident up through the API and returns the token.
func (e *env) resident(nik, phone string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/auth/register", "", map[string]string{
		"nik": nik, "name": "Warga " + nik[12:], "phone": phone, "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001",
	})
	if r.Status != 201 {
		e.t.Fatalf("register %s = %d %s", nik, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.json(e.t, &out)
	return out.Token
}

var otpRe = regexp.MustCompile(`\b\d{6}\b`)

// lastCode returns the last one-time code sent to phone.
func (e *env) lastCode(phone string) string {
	e.t.Helper()
	msgs := e.sent.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == phone {
			return otpRe.FindString(msgs[i].Body)
		}
	}
	e.t.Fatalf("no message to %s", phone)
	return ""
}

// staff creates a staff account directly and returns a bearer token.
func (e *env) staff(role esambat.Role, email, agency string) string {
	e.t.Helper()
	ctx := context.Background()
	h, _ := fastHash.Hash("kata-sandi-staf")
	u := &esambat.User{Role: role, Name: "Staf " + email, Email: email, AgencyCode: agency, PasswordHash: h, DomicileVerified: true}
	if err := e.db.CreateUser(ctx, u); err != nil {
		e.t.Fatal(err)
	}
	secret, _, err := e.svc.IssueToken(ctx, u, esambat.TokenBearer, "test", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// testLogger sends the server's warnings and errors to the test log, so a
// failing test shows why.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// submit posts a report as token and returns its ticket; any answer but
// 201 fails the test.
func (e *env) submit(token string, body map[string]any) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/reports", token, body)
	var c struct{ Ticket string }
	r.json(e.t, &c)
	if r.Status != 201 || c.Ticket == "" {
		e.t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	return c.Ticket
}

// verify verifies the report as admin and disposes it to agency, which
// publishes it unless it is rahasia; any answer but 200 fails the test.
func (e *env) verify(admin, ticket, agency string) {
	e.t.Helper()
	if r := e.do("POST", "/api/v1/reports/"+ticket+"/actions", admin, map[string]any{"action": "verify", "agency": agency}); r.Status != 200 {
		e.t.Fatalf("verify %s = %d %s", ticket, r.Status, r.Body)
	}
}
