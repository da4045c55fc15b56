//go:build unix

package crashtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/esambat/esambat/internal/scrape"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for the final checks
	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"
	_ "modernc.org/sqlite" // "sqlite" driver for the final checks
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds cmd/esambat once per test run, the way it is released
// (CGO_ENABLED=0), and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go command is needed to build the server: %w", err)
			return
		}
		if binDir, err = os.MkdirTemp("", "esambat-crashtest-"); err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(binDir, "esambat")
		cmd := exec.Command(goBin, "build", "-buildvcs=false", "-o", binPath, "./cmd/esambat")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/esambat: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// store is the database under test: where the server's data lives and
// how the test reads it directly at the end.
type store struct {
	name    string // "sqlite" or "postgres"
	dataDir string // data dir: secret key, photos (and the SQLite file)
	dbURL   string // ESAMBAT_DATABASE_URL; "" = SQLite in dataDir
	// s3 holds the photos when set (--photo-store s3://esambat/foto at
	// s3URL): an S3 server in the test process, which the kills do not
	// reach, as a real object store's durability is not the server's.
	s3    *s3mem.Backend
	s3URL string
}

// s3Keys are the object store's key pair in the S3 crash test.
var s3Keys = map[string]string{"AKIACRASH": "rahasia-crash"}

func (s store) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		// The developer's own configuration must not leak into the child.
		if !strings.HasPrefix(kv, "ESAMBAT_") {
			env = append(env, kv)
		}
	}
	if s.dbURL != "" {
		env = append(env, "ESAMBAT_DATABASE_URL="+s.dbURL)
	}
	if s.s3 != nil {
		env = append(env, "ESAMBAT_PHOTO_STORE=s3://esambat/foto", "ESAMBAT_S3_ENDPOINT="+s.s3URL,
			"ESAMBAT_S3_ACCESS_KEY=AKIACRASH", "ESAMBAT_S3_SECRET_KEY="+s3Keys["AKIACRASH"])
	}
	return env
}

// photoStored reports whether the photo with key (one rendition) is
// stored: in the object store, or as the data dir's file.
func (s store) photoStored(key string) error {
	if s.s3 != nil {
		_, err := s.s3.HeadObject(context.Background(), "esambat", "foto/"+key+".jpg")
		return err
	}
	_, err := os.Stat(filepath.Join(s.dataDir, "photos", key[0:2], key[2:4], key+".jpg"))
	return err
}

func (s store) open() (*sql.DB, error) {
	if s.dbURL != "" {
		return sql.Open("pgx", s.dbURL)
	}
	return sql.Open("sqlite", filepath.Join(s.dataDir, "esambat.db"))
}

// proc is one running "esambat serve".
type proc struct {
	cmd    *exec.Cmd
	base   string
	exited chan struct{}
	log    *logWriter
}

var listenRe = regexp.MustCompile(`E-Sambat listening.* addr=http://(\S+)`)

// logWriter appends the child's log to a file and finds the address it
// listens on.
type logWriter struct {
	mu    sync.Mutex
	f     *os.File
	line  []byte
	addrc chan string
	// waiting is closed when the server says it waits for another
	// instance to finish migrating.
	waiting chan struct{}
	waited  bool
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.f.Write(p)
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		if !w.waited && bytes.Contains(w.line[:i], []byte("waiting for another instance to finish migrating")) {
			w.waited = true
			close(w.waiting)
		}
		if m := listenRe.FindSubmatch(w.line[:i]); m != nil {
			select {
			case w.addrc <- string(m[1]):
			default:
			}
		}
		w.line = w.line[i+1:]
	}
	return len(p), nil
}

// start runs the server on a free port and waits until /readyz answers 200.
func start(t *testing.T, bin string, s store, logf *os.File) *proc {
	t.Helper()
	p, err := launch(t, bin, s, logf)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// launch is start for a test that starts several servers at once, from
// goroutines of its own: it returns the error instead of ending the
// test. extra are more flags for serve.
func launch(t *testing.T, bin string, s store, logf *os.File, extra ...string) (*proc, error) {
	p, err := spawn(t, bin, s, logf, extra...)
	if err != nil {
		return nil, err
	}
	return p, p.await(logf)
}

// spawn starts the server and returns at once; await waits for it.
func spawn(t *testing.T, bin string, s store, logf *os.File, extra ...string) (*proc, error) {
	fmt.Fprintf(logf, "\n===== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", s.dataDir,
		"--rate-limit", "1000000,1000000,1000000", "--scheduler-interval", "0", "--routing-retrain", "0"}, extra...)...)
	cmd.Env = s.env()
	w := &logWriter{f: logf, addrc: make(chan string, 1), waiting: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w, w
	// Its own process group, so that SIGKILL reaches everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, exited: make(chan struct{}), log: w}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.kill() // the test stopped early: leave no server behind
		}
	})
	return p, nil
}

// await waits until the server spawn started listens and /readyz
// answers 200 (at most a minute each), and sets its base URL.
func (p *proc) await(logf *os.File) error {
	select {
	case addr := <-p.log.addrc:
		p.base = "http://" + addr
	case <-p.exited:
		return fmt.Errorf("server exited at start-up; log in %s", logf.Name())
	case <-time.After(60 * time.Second):
		p.kill()
		return fmt.Errorf("server did not listen within 60 s; log in %s", logf.Name())
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			p.kill()
			return fmt.Errorf("/readyz not 200 within 60 s (%v); log in %s", err, logf.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL to the server's process group and waits for it.
func (p *proc) kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

// stop asks the server to shut down (SIGTERM) and waits.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
		if !p.cmd.ProcessState.Success() {
			t.Errorf("server after SIGTERM: %v", p.cmd.ProcessState)
		}
	case <-time.After(60 * time.Second):
		t.Error("server did not stop within 60 s of SIGTERM")
		p.kill()
	}
}

// target is where the server listens now; "" while it is down.
type target struct {
	mu      sync.Mutex
	base    string
	changed chan struct{}
}

func newTarget() *target { return &target{changed: make(chan struct{})} }

func (tg *target) set(base string) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.base = base
	close(tg.changed)
	tg.changed = make(chan struct{})
}

func (tg *target) get() (string, <-chan struct{}) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.base, tg.changed
}

// client is one resident's app.
type client struct {
	id    int
	token string
	http  *http.Client
}

// stats are counted by every client.
type stats struct {
	interrupted atomic.Int64 // requests that got no answer (server killed)
	retried503  atomic.Int64
	replayed    atomic.Int64 // submissions and photo uploads answered 200: committed by an earlier, unanswered attempt
}

// call sends the request built by mk until an answer arrives. A request
// that died with the server is sent again, unchanged, to the next
// server; a 503 is retried after a pause.
func (c *client) call(ctx context.Context, tg *target, st *stats, mk func(base string) (*http.Request, error)) (int, http.Header, []byte, error) {
	for {
		base, changed := tg.get()
		if base == "" {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return 0, nil, nil, ctx.Err()
			}
		}
		req, err := mk(base)
		if err != nil {
			return 0, nil, nil, err
		}
		resp, err := c.http.Do(req.WithContext(ctx))
		var body []byte
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			if ctx.Err() != nil {
				return 0, nil, nil, ctx.Err()
			}
			st.interrupted.Add(1)
			// Wait for the next server (or retry this one after a pause
			// if the error was something else).
			select {
			case <-changed:
			case <-time.After(500 * time.Millisecond):
			case <-ctx.Done():
				return 0, nil, nil, ctx.Err()
			}
			continue
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			st.retried503.Add(1)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
				return 0, nil, nil, ctx.Err()
			}
			continue
		}
		return resp.StatusCode, resp.Header, body, nil
	}
}

// acked is a report the server acknowledged.
type acked struct {
	key, ticket string
	client      *client
	photos      int // acknowledged photo uploads
	cycle       int
	checked     bool
}

// ledger is what the clients were told.
type ledger struct {
	mu     sync.Mutex
	order  []*acked
	photos map[int]int // cycle -> photos acknowledged in it
}

func (l *ledger) ack(a *acked) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.order = append(l.order, a)
}

func (l *ledger) ackPhoto(a *acked, cycle int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a.photos++
	l.photos[cycle]++
}

// unchecked returns the acknowledged reports not verified yet (all with
// all=true) and marks them checked.
func (l *ledger) unchecked(all bool) []acked {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []acked
	for _, a := range l.order {
		if all || !a.checked {
			a.checked = true
			out = append(out, *a)
		}
	}
	return out
}

func (l *ledger) inCycle(cycle int) (reports, photos int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range l.order {
		if a.cycle == cycle {
			reports++
		}
	}
	return reports, l.photos[cycle]
}

// photoJPEG returns a small JPEG, different for every seed.
func photoJPEG(seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	r, g, b := uint8(seed), uint8(seed>>8), uint8(seed>>16)
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{r + uint8(x*3), g + uint8(y*5), b ^ uint8(x*y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func multipartPhoto(jpg []byte) (string, []byte) {
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

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

func register(t *testing.T, base string, n int) []*client {
	t.Helper()
	var out []*client
	for i := range n {
		body := fmt.Sprintf(`{"nik":"357501120390%04d","name":"Warga Uji %d","phone":"0812345%05d","password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`, i+1, i+1, 10000+i)
		resp, err := http.Post(base+"/api/v1/auth/register", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ Token string }
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 || json.Unmarshal(b, &r) != nil || r.Token == "" {
			t.Fatalf("register %d = %d %s", i, resp.StatusCode, b)
		}
		out = append(out, &client{id: i, token: r.Token, http: &http.Client{Timeout: 30 * time.Second}})
	}
	return out
}

// run is one client: submit a report, attach a photo, again, until stop.
func (c *client) run(ctx context.Context, tg *target, st *stats, led *ledger, cycle *atomic.Int64, stop *atomic.Bool) error {
	for seq := 0; !stop.Load(); seq++ {
		key := fmt.Sprintf("c%02d-%05d", c.id, seq)
		body := fmt.Sprintf(`{"category":"pendidikan","title":"Uji crash %s","description":"Laporan uji ketahanan: server dimatikan paksa di tengah kiriman."}`, key)
		status, hdr, b, err := c.call(ctx, tg, st, func(base string) (*http.Request, error) {
			req, err := http.NewRequest("POST", base+"/api/v1/reports", strings.NewReader(body))
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+c.token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", key)
			}
			return req, err
		})
		if err != nil {
			return err
		}
		var rep struct{ Ticket string }
		if (status != 201 && status != 200) || json.Unmarshal(b, &rep) != nil || rep.Ticket == "" {
			return fmt.Errorf("submit %s = %d %s", key, status, b)
		}
		if status == 200 {
			if hdr.Get("Idempotent-Replayed") != "true" {
				return fmt.Errorf("submit %s = 200 without Idempotent-Replayed", key)
			}
			st.replayed.Add(1)
		}
		a := &acked{key: key, ticket: rep.Ticket, client: c, cycle: int(cycle.Load())}
		led.ack(a)

		ct, pb := multipartPhoto(photoJPEG(c.id<<16 | seq))
		status, _, b, err = c.call(ctx, tg, st, func(base string) (*http.Request, error) {
			req, err := http.NewRequest("POST", base+"/api/v1/reports/"+rep.Ticket+"/photos", bytes.NewReader(pb))
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+c.token)
				req.Header.Set("Content-Type", ct)
			}
			return req, err
		})
		if err != nil {
			return err
		}
		// 200: a retry whose first attempt had attached the photo
		// before the kill; nothing was attached twice.
		if status != 201 && status != 200 {
			return fmt.Errorf("photo for %s (%s) = %d %s", rep.Ticket, key, status, b)
		}
		if status == 200 {
			st.replayed.Add(1)
		}
		led.ackPhoto(a, int(cycle.Load()))
	}
	return nil
}

// reportView is what GET /api/v1/reports/{ticket} shows the reporter.
type reportView struct {
	Ticket string
	Title  string
	Photos []string
	Events []struct{ Action string }
}

// check verifies acknowledged reports on the running server: each exists
// for its reporter with its title, at least its acknowledged photos
// (each file served) and its submit event. It returns the problems.
func check(base string, reports []acked) (lost []string) {
	hc := &http.Client{Timeout: 30 * time.Second}
	get := func(path, token string) (int, []byte, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	for _, a := range reports {
		code, b, err := get("/api/v1/reports/"+a.ticket, a.client.token)
		var v reportView
		if err != nil || code != 200 || json.Unmarshal(b, &v) != nil {
			lost = append(lost, fmt.Sprintf("%s (%s): GET = %d %v %.200s", a.ticket, a.key, code, err, b))
			continue
		}
		if v.Ticket != a.ticket || v.Title != "Uji crash "+a.key {
			lost = append(lost, fmt.Sprintf("%s (%s): found %s %q", a.ticket, a.key, v.Ticket, v.Title))
			continue
		}
		if len(v.Photos) < a.photos {
			lost = append(lost, fmt.Sprintf("%s (%s): %d photos, %d acknowledged", a.ticket, a.key, len(v.Photos), a.photos))
		}
		submitted := false
		for _, e := range v.Events {
			submitted = submitted || e.Action == "submit"
		}
		if !submitted {
			lost = append(lost, fmt.Sprintf("%s (%s): no submit event", a.ticket, a.key))
		}
		for _, p := range v.Photos {
			u, err := url.Parse(p)
			if err != nil {
				lost = append(lost, fmt.Sprintf("%s: bad photo URL %q", a.ticket, p))
				continue
			}
			if code, b, err := get(u.Path, a.client.token); err != nil || code != 200 || len(b) == 0 {
				lost = append(lost, fmt.Sprintf("%s (%s): photo %s = %d %v", a.ticket, a.key, u.Path, code, err))
			}
		}
	}
	return lost
}

func TestCrashSQLite(t *testing.T) {
	crash(t, store{name: "sqlite", dataDir: t.TempDir()})
}

func TestCrashPostgres(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL crash suite skipped: set ESAMBAT_TEST_POSTGRES_DSN=postgres://... to run it (CI does)")
	}
	crash(t, store{name: "postgres", dataDir: t.TempDir(), dbURL: freshSchema(t, dsn)})
}

// TestCrashPostgresS3: the scale-out configuration, PostgreSQL with the
// photos in an S3-compatible object store: every acknowledged photo is
// in the store after the kills.
func TestCrashPostgresS3(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL crash suite skipped: set ESAMBAT_TEST_POSTGRES_DSN=postgres://... to run it (CI does)")
	}
	backend := s3mem.New()
	if err := backend.CreateBucket(context.Background(), "esambat"); err != nil {
		t.Fatal(err)
	}
	fake := httptest.NewServer(gofakes3.New(backend, gofakes3.WithV4Auth(s3Keys), gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(fake.Close)
	crash(t, store{name: "postgres+s3", dataDir: t.TempDir(), dbURL: freshSchema(t, dsn), s3: backend, s3URL: fake.URL})
}

// freshSchema creates an empty schema and returns a DSN using it.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	name := fmt.Sprintf("crash_%d_%d", time.Now().UnixNano()%1e9, os.Getpid())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", dsn); err == nil {
			a.Exec("DROP SCHEMA " + name + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func crash(t *testing.T, s store) {
	cycles := envInt(t, "ESAMBAT_CRASH_CYCLES", 3)
	nClients := envInt(t, "ESAMBAT_CRASH_CLIENTS", 8)
	if nClients > 20 {
		t.Fatalf("ESAMBAT_CRASH_CLIENTS=%d: at most 20 (sign-ups per address per hour)", nClients)
	}
	bin := binary(t)
	logf, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	dumpLog := func() {
		if b, err := os.ReadFile(logf.Name()); err == nil {
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("server log (tail):\n%s", b)
		}
	}

	p := start(t, bin, s, logf)
	clients := register(t, p.base, nClients)
	tg := newTarget()
	tg.set(p.base)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		st    stats
		led   = &ledger{photos: map[int]int{}}
		cycle atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
		errMu sync.Mutex
		errs  []error
	)
	cycle.Store(1)
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.run(ctx, tg, &st, led, &cycle, &stop); err != nil && !errors.Is(err, context.Canceled) {
				errMu.Lock()
				errs = append(errs, fmt.Errorf("client %d: %w", c.id, err))
				errMu.Unlock()
				cancel()
			}
		}()
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3575))
	var totalLost, walRestarts int
	for i := 1; i <= cycles && ctx.Err() == nil; i++ {
		// Up to 2.5 s: past SQLite's checkpoint interval (1 s), so that
		// kills also land during and after checkpoints and restarts of
		// the write-ahead log, not only in its first second.
		wait := 100*time.Millisecond + time.Duration(rng.Int64N(int64(2400*time.Millisecond)))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		// SQLite: how often the server now killed had restarted its
		// write-ahead log (a kill after a restart is one to survive);
		// PostgreSQL has no such log of ours, and no such gauge.
		if n, err := scrape.Gauge(p.base, "esambat_sqlite_wal_restarts"); err == nil {
			walRestarts += int(n)
		}
		p.kill()
		tg.set("")
		cycle.Store(int64(i + 1))
		began := time.Now()
		p = start(t, bin, s, logf)
		restart := time.Since(began)
		// Check before the clients come back: nothing new is acknowledged
		// while the test reads.
		reports := led.unchecked(false)
		lost := check(p.base, reports)
		tg.set(p.base)
		nr, np := led.inCycle(i)
		totalLost += len(lost)
		t.Logf("cycle %d/%d (%s): SIGKILL after %v; acknowledged %d reports, %d photos; after restart (%v) verified %d, lost %d",
			i, cycles, s.name, wait.Round(time.Millisecond), nr, np, restart.Round(time.Millisecond), len(reports)-len(lost), len(lost))
		for _, l := range lost {
			t.Errorf("lost after cycle %d: %s", i, l)
		}
	}
	// Let every client finish what it started against the last server.
	stop.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cancel()
		<-done
		t.Error("clients did not finish within 2 minutes of the last restart")
	}
	for _, err := range errs {
		t.Error(err)
	}

	all := led.unchecked(true)
	lost := check(p.base, all)
	for _, l := range lost {
		t.Errorf("lost at the end: %s", l)
	}
	totalLost += len(lost)
	p.stop(t)

	photos := 0
	for _, a := range all {
		photos += a.photos
	}
	dups, orphans, tmp := checkDB(t, s, all)
	audit := exec.Command(bin, "audit", "verify", "--data", s.dataDir)
	audit.Env = s.env()
	out, err := audit.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "every chain intact") {
		t.Errorf("esambat audit verify: %v\n%s", err, out)
	}
	t.Logf("CRASH-SUMMARY db=%s cycles=%d clients=%d acknowledged=%d photos=%d lost=%d duplicates=%d interrupted=%d replayed=%d retried503=%d orphan_files=%d tmp_files=%d wal_restarts=%d audit=%q",
		s.name, cycles, nClients, len(all), photos, totalLost, dups, st.interrupted.Load(), st.replayed.Load(), st.retried503.Load(), orphans, tmp, walRestarts,
		strings.TrimSpace(string(out)))
	if t.Failed() {
		dumpLog()
	}
}

// checkDB reads the stopped server's database: exactly one report per
// idempotency key (the key is in the title), no report nobody was told
// about, a submit event per report, one photo event per photo and every
// photo's files in the store. It returns the number of duplicates and
// of files in the photo store that no photo row points at.
func checkDB(t *testing.T, s store, all []acked) (dups, orphans, tmp int) {
	t.Helper()
	db, err := s.open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]string{} // title -> ticket
	for _, a := range all {
		want["Uji crash "+a.key] = a.ticket
	}
	rows, err := db.Query(`SELECT r.ticket, r.title,
		(SELECT COUNT(*) FROM events e WHERE e.report_id = r.id AND e.action = 'submit'),
		(SELECT COUNT(*) FROM events e WHERE e.report_id = r.id AND e.action = 'photo'),
		(SELECT COUNT(*) FROM report_photos p WHERE p.report_id = r.id),
		(SELECT COUNT(DISTINCT p.key) FROM report_photos p WHERE p.report_id = r.id),
		(SELECT COUNT(*) FROM report_idempotency i WHERE i.report_id = r.id)
		FROM reports r`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]int{}
	n := 0
	for rows.Next() {
		var ticket, title string
		var submits, photoEvents, photos, distinct, keys int
		if err := rows.Scan(&ticket, &title, &submits, &photoEvents, &photos, &distinct, &keys); err != nil {
			t.Fatal(err)
		}
		n++
		seen[title]++
		if seen[title] == 2 {
			dups++
			t.Errorf("duplicate report for %q: %s and %s", title, want[title], ticket)
		}
		if w, ok := want[title]; !ok {
			t.Errorf("report %s %q was stored but never acknowledged", ticket, title)
		} else if w != ticket && seen[title] == 1 {
			t.Errorf("report %q is %s, the client was told %s", title, ticket, w)
		}
		if submits != 1 || photoEvents != photos || keys != 1 {
			t.Errorf("report %s: %d submit events, %d photo events for %d photos, %d idempotency keys", ticket, submits, photoEvents, photos, keys)
		}
		if distinct != photos {
			dups++
			t.Errorf("report %s: %d photos, %d different: a retried upload was attached twice", ticket, photos, distinct)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Errorf("%d reports in the database, %d acknowledged", n, len(all))
	}
	prows, err := db.Query(`SELECT key, thumb_key FROM report_photos`)
	if err != nil {
		t.Fatal(err)
	}
	defer prows.Close()
	referenced := map[string]bool{}
	for prows.Next() {
		var k1, k2 string
		if err := prows.Scan(&k1, &k2); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{k1, k2} {
			referenced[k+".jpg"] = true
			if err := s.photoStored(k); err != nil {
				t.Errorf("photo missing for a stored photo: %v", err)
			}
		}
	}
	if err := prows.Err(); err != nil {
		t.Fatal(err)
	}
	// Files no report points at: photos stored before a report or photo
	// row that never committed (harmless, content-addressed) and
	// temporary files of writes the kill interrupted.
	filepath.WalkDir(filepath.Join(s.dataDir, "photos"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			tmp++
		} else if !referenced[d.Name()] {
			orphans++
		}
		return nil
	})
	return dups, orphans, tmp
}
