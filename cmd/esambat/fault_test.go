package main

// Fault tests: what residents see when the network, the database or the
// photo storage misbehave.
//
//   - TestFaultProxy*: a TCP proxy between clients and the server drops,
//     cuts and delays connections, including after the server has
//     answered (the report committed, the answer lost). Clients retry
//     with the same Idempotency-Key until they get an answer: every
//     submission ends with exactly one report.
//   - TestFaultDatabaseDownPostgres: a proxy between the server and
//     PostgreSQL is cut for a few seconds. The API answers 503
//     EUNAVAILABLE with Retry-After (never 500), /readyz says 503, and
//     the server recovers by itself when the database is back.
//     SQLite has no such test: the database is a file inside the
//     process, there is no connection to lose. Making the data dir
//     unwritable is not the same fault and cannot be done as root
//     (which CI is): root ignores permissions.
//   - TestFaultPhotoStorage: with photo storage failing (a directory
//     that cannot be created; a full disk halfway through a photo) the
//     report form answers 503 with a clear message, keeps what the
//     resident typed and stores no report; the photo API answers 503
//     EUNAVAILABLE and the report keeps no photo. Once storage is back,
//     the same form (same idempotency key) makes exactly one report.

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/media"
	"github.com/esambat/esambat/sqldb/postgres"
)

// faultKind is what the proxy does to one connection.
type faultKind int

const (
	faultPass       faultKind = iota
	faultDelay                // forwarded after 50-300 ms
	faultDropBefore           // closed before anything reaches the server
	faultCut                  // part of the request reaches the server, then the connection dies
	faultDropAfter            // the request reaches the server, which answers; the answer is lost
	faultKinds
)

var faultNames = [faultKinds]string{"passed", "delayed", "dropped before the request", "cut mid-request", "dropped after the answer"}

// faultProxy is a TCP proxy that can misbehave per connection (choose)
// and be cut off entirely (Cut, Restore).
type faultProxy struct {
	upstream string
	addr     string
	choose   func() faultKind
	counts   [faultKinds]atomic.Int64

	mu    sync.Mutex
	ln    net.Listener // nil while cut
	conns map[net.Conn]bool
}

func newFaultProxy(t *testing.T, upstream string, choose func() faultKind) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{upstream: upstream, addr: ln.Addr().String(), choose: choose, conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

func (p *faultProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

// Cut closes the listener and every connection: the upstream is
// unreachable until Restore.
func (p *faultProxy) Cut() {
	p.mu.Lock()
	ln, conns := p.ln, p.conns
	p.ln, p.conns = nil, map[net.Conn]bool{}
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for c := range conns {
		c.Close()
	}
}

// Restore listens again on the same address.
func (p *faultProxy) Restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// track registers c so that Cut closes it; it closes c and returns false
// when the proxy is cut.
func (p *faultProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *faultProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *faultProxy) handle(c net.Conn) {
	if !p.track(c) {
		return
	}
	defer p.untrack(c)
	kind := faultPass
	if p.choose != nil {
		kind = p.choose()
	}
	p.counts[kind].Add(1)
	switch kind {
	case faultDropBefore:
		return
	case faultDelay:
		time.Sleep(50*time.Millisecond + rand.N(250*time.Millisecond))
	}
	u, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	if !p.track(u) {
		return
	}
	defer p.untrack(u)
	switch kind {
	case faultCut:
		// Forward the first bytes of the request only.
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		u.Write(buf[:n*2/3])
		time.Sleep(20 * time.Millisecond)
		return
	case faultDropAfter:
		// Forward the whole request, wait for the first byte of the
		// answer (the handler has finished: the report is committed),
		// then hang up without passing it on.
		go io.Copy(u, c)
		u.Read(make([]byte, 1))
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(u, c)
	go pipe(c, u)
	<-done
	<-done
}

func (p *faultProxy) summary() string {
	var parts []string
	for k := range faultKinds {
		parts = append(parts, fmt.Sprintf("%s %d", faultNames[k], p.counts[k].Load()))
	}
	return strings.Join(parts, ", ")
}

// faultEnv is the configuration of the servers in these tests: no
// scheduler or retraining in the background, no rate limits in the way.
func faultEnv(kv ...string) func(string) string {
	return env(append([]string{"ESAMBAT_RATE_LIMIT", "1000000,1000000,1000000", "ESAMBAT_SCHEDULER_INTERVAL", "0",
		"ESAMBAT_ROUTING_RETRAIN", "0", "ESAMBAT_LOG_LEVEL", "error"}, kv...)...)
}

// faultRegister signs up resident i and returns a bearer token.
func faultRegister(t *testing.T, base string, i int) string {
	t.Helper()
	body := fmt.Sprintf(`{"nik":"357501120390%04d","name":"Warga Uji %d","phone":"0812346%05d","password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`, i+1, i+1, 10000+i)
	resp, err := http.Post(base+"/api/v1/auth/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct{ Token string }
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 || json.Unmarshal(b, &r) != nil || r.Token == "" {
		t.Fatalf("register %d = %d %s", i, resp.StatusCode, b)
	}
	return r.Token
}

// faultResponse is one answer, read in full.
type faultResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r faultResponse) errCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(r.body, &e)
	return e.Error.Code
}

func faultDo(hc *http.Client, method, url, token, contentType string, body []byte, headers ...string) (faultResponse, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return faultResponse{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		return faultResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return faultResponse{resp.StatusCode, resp.Header, b}, err
}

func reportJSONBody(title string) []byte {
	return []byte(fmt.Sprintf(`{"category":"pendidikan","title":%q,"description":"Laporan uji gangguan jaringan dan penyimpanan."}`, title))
}

// countRows runs a COUNT query on the server's database.
func countRows(t *testing.T, driver, dsn, query string) int {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFaultProxySQLite(t *testing.T) {
	dir := t.TempDir()
	base, _ := boot(t, faultEnv("ESAMBAT_DATA_DIR", dir))
	faultProxyRun(t, base, "sqlite", filepath.Join(dir, "esambat.db"))
}

func TestFaultProxyPostgres(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL fault suite skipped: set ESAMBAT_TEST_POSTGRES_DSN to run it (CI does)")
	}
	dsn = freshSchema(t, dsn)
	base, _ := boot(t, faultEnv("ESAMBAT_DATABASE_URL", dsn, "ESAMBAT_DATA_DIR", t.TempDir()))
	faultProxyRun(t, base, "pgx", dsn)
}

// faultProxyRun submits 200 reports through a misbehaving proxy, each
// retried with its Idempotency-Key until answered, then counts.
func faultProxyRun(t *testing.T, base, driver, dsn string) {
	const clients, perClient = 8, 25
	proxy := newFaultProxy(t, strings.TrimPrefix(base, "http://"), func() faultKind {
		switch r := rand.IntN(100); {
		case r < 40:
			return faultPass
		case r < 60:
			return faultDelay
		case r < 70:
			return faultDropBefore
		case r < 80:
			return faultCut
		default:
			return faultDropAfter
		}
	})
	via := "http://" + proxy.addr
	var (
		attempts, failures, replays atomic.Int64
		mu                          sync.Mutex
		tickets                     = map[string]string{} // key -> ticket
		tokens                      = map[string]string{} // key -> reporter's token
		wg                          sync.WaitGroup
	)
	for c := range clients {
		token := faultRegister(t, base, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A new connection per request, so that each meets its own fate.
			hc := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for i := range perClient {
				key := fmt.Sprintf("k%02d-%03d", c, i)
				for try := 1; ; try++ {
					if try > 100 {
						t.Errorf("%s: no answer after 100 attempts", key)
						return
					}
					attempts.Add(1)
					r, err := faultDo(hc, "POST", via+"/api/v1/reports", token, "application/json", reportJSONBody("Uji gangguan "+key), "Idempotency-Key", key)
					if err != nil {
						failures.Add(1)
						continue
					}
					var rep struct{ Ticket string }
					json.Unmarshal(r.body, &rep)
					if (r.status != 201 && r.status != 200) || rep.Ticket == "" {
						t.Errorf("%s: %d %s", key, r.status, r.body)
						return
					}
					if r.status == 200 {
						replays.Add(1)
					}
					mu.Lock()
					tickets[key], tokens[key] = rep.Ticket, token
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Every key's ticket is its report, read past the proxy.
	lost := 0
	distinct := map[string]bool{}
	for key, ticket := range tickets {
		distinct[ticket] = true
		r, err := faultDo(http.DefaultClient, "GET", base+"/api/v1/reports/"+ticket, tokens[key], "", nil)
		var v struct{ Title string }
		if err != nil || r.status != 200 || json.Unmarshal(r.body, &v) != nil || v.Title != "Uji gangguan "+key {
			lost++
			t.Errorf("%s -> %s: %v %d %s", key, ticket, err, r.status, r.body)
		}
	}
	reports := countRows(t, driver, dsn, `SELECT COUNT(*) FROM reports`)
	titles := countRows(t, driver, dsn, `SELECT COUNT(DISTINCT title) FROM reports`)
	dups := reports - titles
	if len(tickets) != clients*perClient || len(distinct) != len(tickets) || reports != len(tickets) || dups != 0 || lost != 0 {
		t.Errorf("%d keys answered with %d distinct tickets; %d reports in the database (%d distinct titles): %d duplicates, %d lost",
			len(tickets), len(distinct), reports, titles, dups, lost)
	}
	if proxy.counts[faultDropAfter].Load() == 0 || replays.Load() == 0 {
		t.Errorf("the nasty case never happened: %s; %d replays", proxy.summary(), replays.Load())
	}
	t.Logf("FAULT-PROXY %s: %d submissions, %d attempts, %d without an answer, %d answered by replay (200); reports %d, duplicates %d, lost %d; proxy: %s",
		driver, len(tickets), attempts.Load(), failures.Load(), replays.Load(), reports, dups, lost, proxy.summary())
}

// TestFaultDatabaseDownPostgres cuts the server off PostgreSQL for a
// few seconds, then lets it back.
func TestFaultDatabaseDownPostgres(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL fault suite skipped: set ESAMBAT_TEST_POSTGRES_DSN to run it (CI does)")
	}
	dsn = freshSchema(t, dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream = net.JoinHostPort(u.Hostname(), "5432")
	}
	proxy := newFaultProxy(t, upstream, nil)
	u.Host = proxy.addr
	base, stop := boot(t, faultEnv("ESAMBAT_DATABASE_URL", u.String(), "ESAMBAT_DATA_DIR", t.TempDir()))
	hc := &http.Client{Timeout: 20 * time.Second}
	token := faultRegister(t, base, 0)
	submit := func(key string) faultResponse {
		t.Helper()
		r, err := faultDo(hc, "POST", base+"/api/v1/reports", token, "application/json", reportJSONBody("Uji basis data "+key), "Idempotency-Key", key)
		if err != nil {
			t.Fatalf("POST /api/v1/reports: %v", err)
		}
		return r
	}
	readyz := func() faultResponse {
		t.Helper()
		r, err := faultDo(hc, "GET", base+"/readyz", "", "", nil)
		if err != nil {
			t.Fatalf("/readyz: %v", err)
		}
		return r
	}
	first := submit("sebelum")
	if first.status != 201 {
		t.Fatalf("before the outage: %d %s", first.status, first.body)
	}
	var rep struct{ Ticket string }
	json.Unmarshal(first.body, &rep)

	// Residents keep submitting through the outage, so that some
	// transactions are cut in the middle (or between COMMIT and its
	// answer). Each retries its key until answered.
	load := faultLoad(t, base, hc, 4)

	time.Sleep(200 * time.Millisecond)
	proxy.Cut()
	cut := time.Now()
	for readyz().status != 503 {
		if time.Since(cut) > 10*time.Second {
			t.Fatal("/readyz still 200 10 s after the database was cut off")
		}
		time.Sleep(20 * time.Millisecond)
	}
	notReady := time.Since(cut)
	// For the whole outage every answer is a 503 with Retry-After.
	statuses := map[string]int{}
	var slowest time.Duration
	for n := 0; time.Since(cut) < 3*time.Second || n < 5; n++ {
		checks := []struct {
			what string
			do   func() faultResponse
			code string
		}{
			{"GET /readyz", readyz, ""},
			{"POST /api/v1/reports", func() faultResponse { return submit("selama") }, esambat.EUNAVAILABLE},
			{"GET /api/v1/reports/{ticket}", func() faultResponse {
				r, err := faultDo(hc, "GET", base+"/api/v1/reports/"+rep.Ticket, token, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}, esambat.EUNAVAILABLE},
			{"GET /laporan (page)", func() faultResponse {
				r, err := faultDo(hc, "GET", base+"/laporan", "", "", nil)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}, ""},
		}
		for _, c := range checks {
			began := time.Now()
			r := c.do()
			slowest = max(slowest, time.Since(began))
			statuses[fmt.Sprintf("%s %d", c.what, r.status)]++
			if r.status != 503 || r.header.Get("Retry-After") == "" || (c.code != "" && r.errCode() != c.code) {
				t.Errorf("database down: %s = %d (Retry-After %q) %s; want 503 %s with Retry-After", c.what, r.status, r.header.Get("Retry-After"), r.body, c.code)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	outage := time.Since(cut)

	proxy.Restore(t)
	back := time.Now()
	for readyz().status != 200 {
		if time.Since(back) > 30*time.Second {
			t.Fatal("/readyz not 200 30 s after the database came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ready := time.Since(back)
	var r faultResponse
	late := 0 // 503s after /readyz said 200: connections of the pool found dead
	for r = submit("selama"); r.status == 503 && time.Since(back) < 30*time.Second; r = submit("selama") {
		late++
		time.Sleep(50 * time.Millisecond)
	}
	accepted := time.Since(back)
	if r.status != 201 {
		t.Errorf("after recovery: POST = %d %s, want 201 (the refused submissions made nothing)", r.status, r.body)
	}
	if again := submit("selama"); again.status != 200 || !bytes.Equal(again.body, r.body) {
		t.Errorf("retry after recovery = %d %s, want 200 with the same report", again.status, again.body)
	}
	keys, loadStatuses := load()
	reports := countRows(t, "pgx", dsn, `SELECT COUNT(*) FROM reports WHERE title LIKE 'Uji beban %'`)
	titles := countRows(t, "pgx", dsn, `SELECT COUNT(DISTINCT title) FROM reports WHERE title LIKE 'Uji beban %'`)
	if reports != keys || titles != keys {
		t.Errorf("load through the outage: %d keys answered, %d reports, %d distinct: want one report per key", keys, reports, titles)
	}
	t.Logf("FAULT-DBDOWN load: %d submissions through the outage, answers %v; %d reports, %d duplicates", keys, loadStatuses, reports, reports-titles)
	t.Logf("FAULT-DBDOWN: /readyz 503 %v after the cut; outage %v, every answer 503 with Retry-After (slowest %v): %v; after restore /readyz 200 in %v, first report accepted in %v (after %d more 503s), no restart",
		notReady.Round(time.Millisecond), outage.Round(time.Millisecond), slowest.Round(time.Millisecond), statuses, ready.Round(time.Millisecond), accepted.Round(time.Millisecond), late)
	if err := stop(); err != nil {
		t.Error(err)
	}
}

// faultLoad starts n residents submitting reports, each retrying its
// Idempotency-Key until a 201 or 200. Anything but 201, 200 and 503 is
// an error. The returned function stops them and returns how many keys
// were answered and the statuses seen.
func faultLoad(t *testing.T, base string, hc *http.Client, n int) func() (int, map[int]int) {
	t.Helper()
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		keys     int
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	for c := range n {
		token := faultRegister(t, base, 10+c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				key := fmt.Sprintf("beban-%d-%d", c, i)
				for {
					r, err := faultDo(hc, "POST", base+"/api/v1/reports", token, "application/json", reportJSONBody("Uji beban "+key), "Idempotency-Key", key)
					if err != nil {
						t.Errorf("%s: %v", key, err)
						return
					}
					mu.Lock()
					statuses[r.status]++
					mu.Unlock()
					if r.status == 201 || r.status == 200 {
						break
					}
					if r.status != 503 || r.header.Get("Retry-After") == "" {
						t.Errorf("%s: %d (Retry-After %q) %s", key, r.status, r.header.Get("Retry-After"), r.body)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				mu.Lock()
				keys++
				mu.Unlock()
			}
		}()
	}
	return func() (int, map[int]int) {
		stop.Store(true)
		wg.Wait()
		return keys, statuses
	}
}

// switchStore is a media.Store that can be replaced while the server
// runs.
type switchStore struct{ s atomic.Pointer[media.Store] }

func (w *switchStore) set(s media.Store) { w.s.Store(&s) }
func (w *switchStore) Put(ctx context.Context, key string, data []byte) error {
	return (*w.s.Load()).Put(ctx, key, data)
}
func (w *switchStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return (*w.s.Load()).Open(ctx, key)
}
func (w *switchStore) Exists(ctx context.Context, key string) (bool, error) {
	return (*w.s.Load()).Exists(ctx, key)
}

// fullDisk is a store whose disk fills up after `room` Puts: they then
// fail the way media.Store says, EUNAVAILABLE, here wrapping ENOSPC.
type fullDisk struct {
	media.DirStore
	room atomic.Int64
}

func (d *fullDisk) Put(ctx context.Context, key string, data []byte) error {
	if d.room.Add(-1) < 0 {
		return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Penyimpanan foto sedang bermasalah. Coba lagi nanti.",
			Err: &fs.PathError{Op: "write", Path: filepath.Join(d.Dir, key), Err: syscall.ENOSPC}}
	}
	return d.DirStore.Put(ctx, key, data)
}

// TestFaultPhotoStorage: photo storage failing never leaves a report
// without its photos, nor a 500.
func TestFaultPhotoStorage(t *testing.T) {
	dir := t.TempDir()
	c, _, err := parseConfig("serve", nil, faultEnv("ESAMBAT_DATA_DIR", dir), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := openApp(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	store := &switchStore{}
	srv := &esambathttp.Server{Service: a.service, DB: a.db, Media: store, BaseURL: c.BaseURL,
		RateLimits: esambathttp.RateLimits{PerIP: c.RateIP, PerUser: c.RateUser, PerKey: c.RateKey}}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	token := faultRegister(t, ts.URL, 0)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	notADir := filepath.Join(dir, "bukan-folder")
	if err := os.WriteFile(notADir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := media.DirStore{Dir: filepath.Join(dir, "photos")}
	count := func(q string) int {
		var n int
		if err := a.db.Read.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	jpg := photoForFault(t)
	form := func(idem, title string) (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"type": "pengaduan", "category": "pendidikan", "title": title,
			"description": "Ada pungutan seragam yang tidak jelas dasarnya.", "kelurahan_code": "35.75.02.1001",
			"visibility": "publik", "idem": idem} {
			mw.WriteField(k, v)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="photos"; filename="foto.jpg"`)
		h.Set("Content-Type", "image/jpeg")
		pw, _ := mw.CreatePart(h)
		pw.Write(jpg)
		mw.Close()
		return mw.FormDataContentType(), buf.Bytes()
	}
	photoPart := func() (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="photo"; filename="foto.jpg"`)
		h.Set("Content-Type", "image/jpeg")
		pw, _ := mw.CreatePart(h)
		pw.Write(jpg)
		mw.Close()
		return mw.FormDataContentType(), buf.Bytes()
	}

	for i, tc := range []struct {
		name  string
		store func() media.Store
	}{
		{"directory cannot be created", func() media.Store { return media.DirStore{Dir: filepath.Join(notADir, "photos")} }},
		{"disk full", func() media.Store { d := &fullDisk{DirStore: good}; return d }},
		{"disk full between the two renditions", func() media.Store { d := &fullDisk{DirStore: good}; d.room.Store(1); return d }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store.set(tc.store())
			reports, photos := count(`SELECT COUNT(*) FROM reports`), count(`SELECT COUNT(*) FROM report_photos`)
			photoEvents := count(`SELECT COUNT(*) FROM events WHERE action = 'photo'`)

			// The report form: a clear 503, what was typed kept, no report.
			idem := fmt.Sprintf("form-%d", i)
			title := fmt.Sprintf("Pungutan seragam %d", i)
			ct, body := form(idem, title)
			r, err := faultDo(noRedirect, "POST", ts.URL+"/lapor", token, ct, body)
			if err != nil {
				t.Fatal(err)
			}
			if r.status != 503 || !strings.Contains(string(r.body), "Penyimpanan foto sedang bermasalah") || !strings.Contains(string(r.body), title) {
				t.Errorf("POST /lapor = %d, want 503 with the storage message and the typed title; body:\n%.2000s", r.status, r.body)
			}
			if n := count(`SELECT COUNT(*) FROM reports`); n != reports {
				t.Errorf("reports %d -> %d: a report was stored although its photo was not", reports, n)
			}

			// The API: the report is made, its photo refused with 503.
			cr, err := faultDo(http.DefaultClient, "POST", ts.URL+"/api/v1/reports", token, "application/json", reportJSONBody(fmt.Sprintf("Laporan API %d", i)))
			if err != nil || cr.status != 201 {
				t.Fatalf("POST /api/v1/reports = %d %s %v", cr.status, cr.body, err)
			}
			var rep struct{ Ticket string }
			json.Unmarshal(cr.body, &rep)
			pct, pbody := photoPart()
			pr, err := faultDo(http.DefaultClient, "POST", ts.URL+"/api/v1/reports/"+rep.Ticket+"/photos", token, pct, pbody)
			if err != nil {
				t.Fatal(err)
			}
			if pr.status != 503 || pr.errCode() != esambat.EUNAVAILABLE || pr.header.Get("Retry-After") == "" || !strings.Contains(string(pr.body), "Penyimpanan foto sedang bermasalah") {
				t.Errorf("POST photos = %d (Retry-After %q) %s, want 503 EUNAVAILABLE with Retry-After", pr.status, pr.header.Get("Retry-After"), pr.body)
			}
			gr, _ := faultDo(http.DefaultClient, "GET", ts.URL+"/api/v1/reports/"+rep.Ticket, token, "", nil)
			var v struct{ Photos []string }
			if json.Unmarshal(gr.body, &v) != nil || len(v.Photos) != 0 {
				t.Errorf("report after the failed upload: %d %s, want no photo", gr.status, gr.body)
			}
			if n := count(`SELECT COUNT(*) FROM report_photos`); n != photos {
				t.Errorf("photo rows %d -> %d after failed uploads", photos, n)
			}
			if n := count(`SELECT COUNT(*) FROM events WHERE action = 'photo'`); n != photoEvents {
				t.Errorf("photo events %d -> %d after failed uploads", photoEvents, n)
			}

			// Storage back: the same form makes one report, once.
			store.set(good)
			var tickets []string
			for range 2 {
				ct, body := form(idem, title)
				r, err := faultDo(noRedirect, "POST", ts.URL+"/lapor", token, ct, body)
				if err != nil || r.status != 303 {
					t.Fatalf("POST /lapor with storage back = %d %v %.500s", r.status, err, r.body)
				}
				tickets = append(tickets, r.header.Get("Location"))
			}
			if tickets[0] != tickets[1] {
				t.Errorf("the resubmitted form made a second report: %v", tickets)
			}
			if n := count(`SELECT COUNT(*) FROM reports`); n != reports+2 {
				t.Errorf("reports %d -> %d, want +2 (one form, one API)", reports, n)
			}
			pct, pbody = photoPart()
			if pr, _ := faultDo(http.DefaultClient, "POST", ts.URL+"/api/v1/reports/"+rep.Ticket+"/photos", token, pct, pbody); pr.status != 201 {
				t.Errorf("photo with storage back = %d %s", pr.status, pr.body)
			}
			t.Logf("%s: form and API answered 503 (storage message, Retry-After on the API), no report, photo or event stored; after recovery the same form made one report", tc.name)
		})
	}
}

// usersDown is a UserStore whose lookups fail like a database that went
// away, while down is set.
type usersDown struct {
	esambat.UserStore
	down atomic.Bool
}

func (u *usersDown) FindUserByID(ctx context.Context, id int64) (*esambat.User, error) {
	if u.down.Load() {
		return nil, &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Basis data sedang tidak dapat dipakai. Coba lagi sebentar lagi."}
	}
	return u.UserStore.FindUserByID(ctx, id)
}

// TestFaultDatabaseErrorIsNotBadSession: a database failure while a
// token or session is checked is a 503, not a 401; a 401 would make apps
// drop their token and the site clear the resident's session cookie.
func TestFaultDatabaseErrorIsNotBadSession(t *testing.T) {
	c, _, err := parseConfig("serve", nil, faultEnv("ESAMBAT_DATA_DIR", t.TempDir()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := openApp(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	users := &usersDown{UserStore: a.service.Users}
	a.service.Users = users
	// Hide the store's one-query token lookup (TokenUserFinder), so that
	// authentication reads the account through the failing UserStore.
	a.service.Auth.Tokens = struct{ esambat.TokenStore }{a.service.Auth.Tokens}
	srv := &esambathttp.Server{Service: a.service, DB: a.db, BaseURL: c.BaseURL,
		RateLimits: esambathttp.RateLimits{PerIP: c.RateIP, PerUser: c.RateUser, PerKey: c.RateKey}}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	token := faultRegister(t, ts.URL, 0)
	u, err := a.db.FindUserByLogin(ctx, "+6281234610000")
	if err != nil {
		t.Fatal(err)
	}
	session, _, err := a.service.IssueToken(ctx, u, esambat.TokenSession, "uji", esambathttp.SessionTTL)
	if err != nil {
		t.Fatal(err)
	}
	users.down.Store(true)
	r, err := faultDo(http.DefaultClient, "GET", ts.URL+"/api/v1/me", token, "", nil)
	if err != nil || r.status != 503 || r.errCode() != esambat.EUNAVAILABLE || r.header.Get("Retry-After") == "" {
		t.Errorf("GET /api/v1/me with the database failing = %d %v %s, want 503 EUNAVAILABLE", r.status, err, r.body)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/laporan-saya", nil)
	req.AddCookie(&http.Cookie{Name: esambathttp.SessionCookie, Value: session})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || len(resp.Cookies()) != 0 {
		t.Errorf("GET /laporan-saya with the database failing = %d, cookies %v; want 503 and the session kept", resp.StatusCode, resp.Cookies())
	}
	users.down.Store(false)
	if r, _ := faultDo(http.DefaultClient, "GET", ts.URL+"/api/v1/me", token, "", nil); r.status != 200 {
		t.Errorf("GET /api/v1/me after recovery = %d %s", r.status, r.body)
	}
}

// TestFaultPostgresErrorTranslation: a connection that dies in the
// middle of a query (pgx returns io.ErrUnexpectedEOF) or that the pool
// gave up on is EUNAVAILABLE (503, retry), not an internal error.
func TestFaultPostgresErrorTranslation(t *testing.T) {
	for _, err := range []error{io.ErrUnexpectedEOF, fmt.Errorf("commit: %w", io.ErrUnexpectedEOF), io.EOF, driver.ErrBadConn, sql.ErrConnDone} {
		if code := esambat.ErrorCode(postgres.Dialect.TranslateError(err)); code != esambat.EUNAVAILABLE {
			t.Errorf("TranslateError(%v) = %s, want EUNAVAILABLE", err, code)
		}
	}
}

// photoForFault is a small JPEG.
func photoForFault(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
