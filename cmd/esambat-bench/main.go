// Command esambat-bench measures E-Sambat on the machine it runs on and
// prints every figure of BENCHMARKS.md in one run (scripts/bench.sh builds
// it and runs "esambat-bench all"):
//
//   - intake over HTTP: reports/s and p50/p99 latency of POST /api/v1/reports
//     at a fixed concurrency, on SQLite and on PostgreSQL, against the raw
//     single-row commit ceiling of the same storage in the same run;
//   - public list and map (bbox) query latency on a database of a million
//     reports (made by esambat seed-demo), the time from starting the
//     server to the first 200 from /readyz on it, and RSS idle and under
//     load;
//   - the photo pipeline (media.Process) against ImageMagick's convert
//     doing the same work, time and peak memory per 12-megapixel JPEG.
//
// Servers run as child processes on loopback ports; every loop is bounded
// in time. The driver is one process on the same machine, so it competes
// with the server for the CPU: figures are for both on one box.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/esambat/esambat/internal/scrape"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: esambat-bench all [flags] | ab --a BIN --b BIN [flags] | post --base URL [flags] | photo-child IN OUTDIR N")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "all":
		err = cmdAll(os.Args[2:])
	case "ab":
		err = cmdAB(os.Args[2:])
	case "post":
		err = cmdPost(os.Args[2:])
	case "photo-child":
		err = photoChild(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "esambat-bench:", err)
		os.Exit(1)
	}
}

// row is one line of the final table.
type row struct{ figure, value, target, verdict string }

type bench struct {
	esambat, self, work string
	conc                int
	warm, dur, qdur     time.Duration
	rows                []row
	out                 io.Writer
	// floor: after each intake, measure the HTTP layer alone (floorRun).
	floor bool
}

func (b *bench) printf(format string, args ...any) { fmt.Fprintf(b.out, format, args...) }

func (b *bench) add(figure, value, target, verdict string) {
	b.rows = append(b.rows, row{figure, value, target, verdict})
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func cmdAll(args []string) error {
	fs := flag.NewFlagSet("all", flag.ContinueOnError)
	bin := fs.String("esambat", "./bin/esambat", "the esambat binary")
	work := fs.String("work", "/tmp/esambat-bench", "scratch directory (on the disk to measure)")
	db1m := fs.String("db1m", "/tmp/seed1m", "data directory of a SQLite database with 1,000,000 seeded reports (empty = skip)")
	pg := fs.String("postgres", "", "PostgreSQL DSN for the PostgreSQL intake and ceiling (empty = skip)")
	db1mPG := fs.String("db1m-postgres", "", "PostgreSQL DSN (with its search_path) of a database with 1,000,000 seeded reports, for the same queries (empty = skip)")
	conc := fs.Int("concurrency", 32, "intake clients")
	dur := fs.Duration("duration", 20*time.Second, "intake measurement time")
	qdur := fs.Duration("query-duration", 8*time.Second, "measurement time per query kind")
	qconc := fs.Int("query-concurrency", 1, "clients per query kind")
	convert := fs.String("convert", "/usr/bin/convert", "ImageMagick's convert")
	photoRuns := fs.Int("photo-runs", 5, "processes per photo variant")
	only := fs.String("only", "", "comma-separated parts to run: intake,query,photo (default all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*work, 0o755); err != nil {
		return err
	}
	b := &bench{esambat: abs, self: self, work: *work, conc: *conc, warm: 3 * time.Second, dur: *dur, qdur: *qdur, out: os.Stdout, floor: true}
	want := func(part string) bool { return *only == "" || strings.Contains(","+*only+",", ","+part+",") }

	b.printf("== machine\n%s\n", machine(*work))
	if want("intake") {
		if err := b.intakeSQLite(); err != nil {
			return fmt.Errorf("intake (SQLite): %w", err)
		}
		if *pg != "" {
			if err := b.intakePostgres(*pg); err != nil {
				return fmt.Errorf("intake (PostgreSQL): %w", err)
			}
		} else {
			b.printf("\n== intake, PostgreSQL: skipped (no --postgres DSN)\n")
		}
	}
	if want("query") {
		if *db1m != "" {
			if err := b.queries(*db1m, *qconc); err != nil {
				return fmt.Errorf("queries: %w", err)
			}
		} else {
			b.printf("\n== 1,000,000 reports, SQLite: skipped (no --db1m directory)\n")
		}
		if *db1mPG != "" {
			if err := b.queriesPostgres(*db1mPG, *qconc); err != nil {
				return fmt.Errorf("queries (PostgreSQL): %w", err)
			}
		} else {
			b.printf("\n== 1,000,000 reports, PostgreSQL: skipped (no --db1m-postgres DSN)\n")
		}
	}
	if want("photo") {
		if err := b.photo(*convert, *photoRuns); err != nil {
			return fmt.Errorf("photo: %w", err)
		}
	}
	b.printf("\n== summary (load average at the end: %s)\n", loadavg())
	tw := tabwriter.NewWriter(b.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\ttarget\t")
	for _, r := range b.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.figure, r.value, r.target, r.verdict)
	}
	return tw.Flush()
}

// seedSmall fills a fresh data dir (or PostgreSQL schema) with a few
// thousand demo reports, whose residents the intake logs in as.
func (b *bench) seedSmall(args ...string) error {
	cmd := exec.Command(b.esambat, append([]string{"seed-demo", "--reports", "2000", "--seed", "1", "--log-level", "warn"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("seed-demo: %v\n%s", err, out)
	}
	return nil
}

// intakeResult is what one intake run measured.
type intakeResult struct {
	latencies
	peak      int64   // the server's largest RSS
	serverCPU float64 // ms of the server's CPU per report
	writerMs  float64 // ms the SQLite writer was busy per write; 0 without one
	totalCPU  float64 // ms of CPU per report, server, database server and driver together
	floor     float64 // the same for a request refused before storage (floorRun); 0 when not measured
}

func (b *bench) runIntake(srv *server) (intakeResult, error) {
	bodies, err := reportBodies(2000)
	if err != nil {
		return intakeResult{}, err
	}
	tokens, err := login(newClient(2), srv.base, b.conc)
	if err != nil {
		return intakeResult{}, err
	}
	c0, _ := scrape.Gauge(srv.base, "esambat_sqlite_commits")
	n0, _ := scrape.Gauge(srv.base, "esambat_sqlite_commit_calls")
	s0, _ := scrape.Gauge(srv.base, "esambat_sqlite_wal_syncs")
	busy0, _ := scrape.Gauge(srv.base, "esambat_sqlite_writer_busy_seconds")
	wait0, _ := scrape.Gauge(srv.base, "esambat_sqlite_writer_fsync_wait_seconds")
	r0, _ := scrape.Gauge(srv.base, "esambat_sqlite_wal_restarts")
	t0 := time.Now()
	rs := sampleRSS(srv.pid(), 100*time.Millisecond)
	var ws *maxSampler
	if srv.wal != "" {
		ws = sampleFileSize(srv.wal, 100*time.Millisecond)
	}
	cpu0 := make(chan cpus, 1)
	go func() { time.Sleep(b.warm); cpu0 <- readCPU(srv) }()
	l := intake(srv.base, tokens, bodies, http.StatusCreated, b.conc, b.warm, b.dur)
	cpuEnd, cpuStart := readCPU(srv), <-cpu0
	res := intakeResult{latencies: l, peak: rs.end()}
	var walMax int64
	if ws != nil {
		walMax = ws.end()
	}
	b.printf("POST /api/v1/reports, %d clients, %s after %s warm-up: %d created, %d failed%s\n",
		b.conc, b.dur, b.warm, l.n, l.errors, errNote(l))
	b.printf("  %.0f reports/s, latency p50 %s, p99 %s, max %s\n", l.rate(), ms(l.p50), ms(l.p99), ms(l.max))
	if c1, err := scrape.Gauge(srv.base, "esambat_sqlite_commits"); err == nil && c1 > c0 {
		n1, _ := scrape.Gauge(srv.base, "esambat_sqlite_commit_calls")
		s1, _ := scrape.Gauge(srv.base, "esambat_sqlite_wal_syncs")
		b.printf("  group commit: %.0f transactions carried %.0f writes, %.0f fsyncs (%.1f writes per fsync)\n",
			c1-c0, n1-n0, s1-s0, (n1-n0)/max(1, s1-s0))
		// The single writer's utilisation: near 100 % it is the
		// bottleneck; well below, requests wait elsewhere.
		if busy1, err := scrape.Gauge(srv.base, "esambat_sqlite_writer_busy_seconds"); err == nil {
			wait1, _ := scrape.Gauge(srv.base, "esambat_sqlite_writer_fsync_wait_seconds")
			run := time.Since(t0).Seconds()
			res.writerMs = 1000 * (busy1 - busy0) / (n1 - n0)
			b.printf("  writer busy %.0f %% of the run (%.0f %% idle in an open batch, waiting for an fsync), %.3f ms per write\n",
				100*(busy1-busy0)/run, 100*(wait1-wait0)/run, res.writerMs)
		}
		// The write-ahead log restarted from its beginning (overwriting
		// cached pages) rather than growing for the whole run.
		if r1, err := scrape.Gauge(srv.base, "esambat_sqlite_wal_restarts"); err == nil && ws != nil {
			b.printf("  write-ahead log restarted %.0f times; its file at most %s\n", r1-r0, mib(walMax))
		}
	}
	if l.n > 0 {
		used := cpuEnd.sub(cpuStart)
		res.serverCPU = used.perRequest(used.server, l.n)
		res.totalCPU = used.perRequest(used.total(), l.n)
		b.printf("  CPU per report: %s\n", used.String(l.n))
	}
	if w := cpuEnd.wal.sub(cpuStart.wal); w.syncs > 0 && l.n > 0 {
		// PostgreSQL's own group commit: concurrent commits wait for
		// one WAL flush.
		b.printf("  WAL: %.0f flushes carried %d reports (%.1f per flush), %.1f KiB and %.2f full-page images per report\n",
			w.syncs, l.n, float64(l.n)/w.syncs, w.bytes/1024/float64(l.n), w.fpi/float64(l.n))
	}
	b.printf("  server RSS under intake load: peak %s\n", mib(res.peak))
	if b.floor {
		res.floor = b.floorRun(srv, tokens, bodies)
	}
	return res, nil
}

// cpus is the CPU time used so far by the server, the database server
// (PostgreSQL's backends; zero for SQLite, which runs inside the server)
// and this driver, with PostgreSQL's WAL counters. The difference of two
// readings, per request, is steadier than requests/s on a shared machine.
type cpus struct {
	server, db, driver time.Duration
	wal                walStats
}

func readCPU(srv *server) cpus {
	s, _ := cpuTime(srv.pid())
	d, _ := cpuTime(os.Getpid())
	c := cpus{server: s, db: commandCPU("postgres"), driver: d}
	if srv.pgDSN != "" {
		c.wal, _ = readWAL(srv.pgDSN)
	}
	return c
}

func (c cpus) sub(o cpus) cpus {
	return cpus{server: c.server - o.server, db: c.db - o.db, driver: c.driver - o.driver, wal: c.wal.sub(o.wal)}
}

func (c cpus) total() time.Duration { return c.server + c.db + c.driver }

// perRequest is d in ms per request over n requests.
func (cpus) perRequest(d time.Duration, n int) float64 {
	return float64(d) / float64(time.Millisecond) / float64(n)
}

// String shows the CPU used per request over n requests.
func (c cpus) String(n int) string {
	return fmt.Sprintf("server %.3f ms, database server %.3f ms, load driver %.3f ms (%.3f ms in all)",
		c.perRequest(c.server, n), c.perRequest(c.db, n), c.perRequest(c.driver, n), c.perRequest(c.total(), n))
}

// floorRun posts the same requests, from the same clients, with a
// category that does not exist: the server authenticates, decodes and
// validates each one and refuses it (400) before any report is read or
// written. What that costs is the HTTP layer's part of every report,
// storage aside; it returns the CPU in ms per request that the server,
// the database server and the driver used together.
func (b *bench) floorRun(srv *server, tokens []string, bodies [][]byte) float64 {
	const warm, d = 2 * time.Second, 8 * time.Second
	cpu0 := make(chan cpus, 1)
	go func() { time.Sleep(warm); cpu0 <- readCPU(srv) }()
	l := intake(srv.base, tokens, refusedBodies(bodies), http.StatusBadRequest, b.conc, warm, d)
	used := readCPU(srv).sub(<-cpu0)
	b.printf("  HTTP floor: the same requests with an unknown category, refused (400) after authentication, decoding and validation, before storage: %d in %s%s\n",
		l.n, d, errNote(l))
	if l.n == 0 {
		return 0
	}
	b.printf("    %.0f requests/s, p50 %s, p99 %s; CPU per request: %s\n", l.rate(), ms(l.p50), ms(l.p99), used.String(l.n))
	return used.perRequest(used.total(), l.n)
}

// budget prints what the ceiling leaves for each report of the machine's
// CPU and what intake and its HTTP floor used of it: when the floor alone
// is near the budget, no storage design reaches the ceiling on this
// machine with this driver.
func (b *bench) budget(name string, res intakeResult, ceil float64) {
	if ceil <= 0 || res.totalCPU == 0 {
		return
	}
	budget := float64(runtime.NumCPU()) * 1000 / ceil
	b.printf("CPU budget at the ceiling: %d cores / %.0f per s = %.3f ms per report; intake used %.3f ms, the HTTP floor %.3f ms (%.0f %% of the budget)\n",
		runtime.NumCPU(), ceil, budget, res.totalCPU, res.floor, 100*res.floor/budget)
	b.add(name+" CPU per report: intake / HTTP floor / budget at ceiling",
		fmt.Sprintf("%.3f / %.3f / %.3f ms", res.totalCPU, res.floor, budget), "", "")
}

func errNote(l latencies) string {
	if l.errors == 0 {
		return ""
	}
	return " (first failure: " + l.firstErr + ")"
}

// intakeRun seeds a fresh SQLite data directory dir, starts the server on
// it and measures intake.
func (b *bench) intakeRun(dir string) (intakeResult, error) {
	os.RemoveAll(dir)
	if err := b.seedSmall("--data", dir); err != nil {
		return intakeResult{}, err
	}
	srv, err := startServer(b.esambat, dir+".log", time.Minute, "--data", dir)
	if err != nil {
		return intakeResult{}, err
	}
	srv.wal = filepath.Join(dir, "esambat.db-wal")
	res, err := b.runIntake(srv)
	srv.stop()
	return res, err
}

func (b *bench) intakeSQLite() error {
	dir := filepath.Join(b.work, "intake-sqlite")
	b.printf("\n== intake, SQLite (%s)\n", dir)
	res, err := b.intakeRun(dir)
	if err != nil {
		return err
	}
	l, peak := res.latencies, res.peak
	ceil, err := sqliteCeiling(filepath.Join(dir, "ceiling.db"), 10*time.Second)
	if err != nil {
		return err
	}
	ratio := l.rate() / ceil
	b.printf("raw ceiling, same disk and pragmas (WAL, synchronous=FULL), one INSERT+COMMIT per loop, 10 s: %.0f commits/s\n", ceil)
	b.printf("intake / ceiling = %.2f\n", ratio)
	b.add("intake SQLite (32 clients)", fmt.Sprintf("%.0f reports/s, p50 %s, p99 %s", l.rate(), ms(l.p50), ms(l.p99)), "", "")
	b.add("SQLite raw single-row ceiling", fmt.Sprintf("%.0f commits/s", ceil), "", "")
	b.add("SQLite intake / ceiling", fmt.Sprintf("%.2f", ratio), ">= 1", verdict(ratio >= 1 && l.errors == 0))
	b.budget("SQLite", res, ceil)
	b.add("RSS under intake load (SQLite)", mib(peak), "", "")
	return nil
}

func (b *bench) intakePostgres(dsn string) error {
	schema := fmt.Sprintf("bench_%d", time.Now().Unix())
	if err := pgExec(dsn, "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	defer pgExec(dsn, "DROP SCHEMA "+schema+" CASCADE")
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	sdsn := u.String()
	dir := filepath.Join(b.work, "intake-postgres")
	os.RemoveAll(dir)
	b.printf("\n== intake, PostgreSQL (schema %s)\n", schema)
	if err := b.seedSmall("--data", dir, "--database-url", sdsn); err != nil {
		return err
	}
	srv, err := startServer(b.esambat, filepath.Join(b.work, "intake-postgres.log"), time.Minute, "--data", dir, "--database-url", sdsn)
	if err != nil {
		return err
	}
	srv.pgDSN = dsn
	res, err := b.runIntake(srv)
	l := res.latencies
	srv.stop()
	if err != nil {
		return err
	}
	ceil, settings, err := postgresCeiling(dsn, schema, 10*time.Second)
	if err != nil {
		return err
	}
	ratio := l.rate() / ceil
	b.printf("raw ceiling, same server (%s), one autocommit INSERT per loop, one connection, 10 s: %.0f commits/s\n", settings, ceil)
	b.printf("intake / ceiling = %.2f\n", ratio)
	b.add("intake PostgreSQL (32 clients)", fmt.Sprintf("%.0f reports/s, p50 %s, p99 %s", l.rate(), ms(l.p50), ms(l.p99)), "", "")
	b.add("PostgreSQL raw single-row ceiling", fmt.Sprintf("%.0f commits/s", ceil), "", "")
	b.add("PostgreSQL intake / ceiling", fmt.Sprintf("%.2f", ratio), ">= 1", verdict(ratio >= 1 && l.errors == 0))
	b.budget("PostgreSQL", res, ceil)
	return nil
}

func (b *bench) queries(db1m string, conc int) error {
	b.printf("\n== 1,000,000 reports (SQLite, %s)\n", db1m)
	if _, err := os.Stat(filepath.Join(db1m, "esambat.db")); err != nil {
		return fmt.Errorf("no seeded database at %s (scripts/bench.sh seeds one): %w", db1m, err)
	}
	// The statistics' first computation is a figure: saved ones (from an
	// earlier run on this database) would be served at once instead.
	if n, err := forgetSnapshots(filepath.Join(db1m, "esambat.db"), "stats/"); err != nil {
		return fmt.Errorf("removing the saved statistics: %w", err)
	} else if n > 0 {
		b.printf("saved statistics removed from the database, so that their first computation is measured\n")
	}
	// So is the routing model's first training (RSS idle after it, the
	// highest RSS since start); a restart that loads the kept model is
	// measured at the end.
	if n, err := forgetSnapshots(filepath.Join(db1m, "esambat.db"), "routing/"); err != nil {
		return fmt.Errorf("removing the kept routing model: %w", err)
	} else if n > 0 {
		b.printf("kept routing model removed from the database, so that the start trains one\n")
	}
	os.Remove(filepath.Join(db1m, "routing-model.json"))
	// The queries run with the database in the page cache, as on a server
	// that has been up for a while: read the file once first.
	t0 := time.Now()
	if n, err := readFile(filepath.Join(db1m, "esambat.db")); err == nil {
		b.printf("database file read into the page cache: %d MB in %s\n", n>>20, time.Since(t0).Round(100*time.Millisecond))
	}
	// Warm starts (as after a restart): three, median.
	var readies []time.Duration
	var srv *server
	for i := range 3 {
		s, err := startServer(b.esambat, filepath.Join(b.work, "query.log"), 2*time.Minute, "--data", db1m)
		if err != nil {
			return err
		}
		readies = append(readies, s.ready)
		if i < 2 {
			s.stop()
		} else {
			srv = s
		}
	}
	slicesSortDur(readies)
	ready := readies[1]
	b.printf("start to first /readyz 200, warm: %s (three starts: %s, %s, %s)\n", ms(ready), ms(readies[0]), ms(readies[1]), ms(readies[2]))
	b.add("ready, warm (1M reports, start -> /readyz 200)", ms(ready), "<= 1 s", verdict(ready <= time.Second))

	// Idle: after start the server trains its routing model on up to
	// 20,000 reports and runs its first scheduler tick. Wait until the RSS
	// has not moved by more than 1% for 5 s (at least 10 s, at most 90 s).
	idle, settled := settle(srv.pid(), 10*time.Second, 90*time.Second)
	b.printf("RSS idle (settled %s after ready): %s\n", settled.Round(time.Second), mib(idle))
	b.add("RSS idle (1M reports)", mib(idle), "<= 60 MiB", verdict(idle <= 60<<20))

	rs := sampleRSS(srv.pid(), 100*time.Millisecond)
	if err := b.listKinds(srv, conc, ""); err != nil {
		return err
	}
	peak := rs.end()
	_, hwm, _ := memory(srv.pid())
	b.printf("RSS under query load: peak %s (VmHWM since start %s)\n", mib(peak), mib(hwm))
	b.add("RSS under query load (1M reports)", mib(peak), "", "")
	if err := b.transparency(srv); err != nil {
		return err
	}
	srv.stop()

	// A restart: it loads the model the last server trained and kept
	// instead of training one.
	rs2, err := startServer(b.esambat, filepath.Join(b.work, "query.log"), 2*time.Minute, "--data", db1m)
	if err != nil {
		return err
	}
	idle2, settled2 := settle(rs2.pid(), 10*time.Second, 90*time.Second)
	_, hwm2, _ := memory(rs2.pid())
	rs2.stop()
	b.printf("a restart (the routing model kept, not trained): ready %s, RSS idle %s (settled %s after ready), VmHWM since start %s\n",
		ms(rs2.ready), mib(idle2), settled2.Round(time.Second), mib(hwm2))
	b.add("RSS idle / highest since start, a restart (1M reports)", mib(idle2)+" / "+mib(hwm2), "<= 60 MiB idle", verdict(idle2 <= 60<<20))

	// Cold start last, when the page cache can be dropped (root on
	// Linux): nothing of the file is in memory, as after a reboot.
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err == nil {
		s, err := startServer(b.esambat, filepath.Join(b.work, "query.log"), 2*time.Minute, "--data", db1m)
		if err != nil {
			return err
		}
		s.stop()
		b.printf("start to first /readyz 200, cold (page cache dropped): %s\n", ms(s.ready))
		b.add("ready, cold page cache (1M reports)", ms(s.ready), "<= 1 s", verdict(s.ready <= time.Second))
	} else {
		b.printf("cold start not measured: cannot drop the page cache (%v)\n", err)
	}
	return nil
}

// listKinds runs every kind of public list, page and search
// (listQueries) against srv for b.qdur each and adds their p99 to the
// summary, each figure's name followed by suffix.
func (b *bench) listKinds(srv *server, conc int, suffix string) error {
	cursors, err := cursorsFor(newClient(1), srv.base, 50)
	if err != nil {
		return err
	}
	qs, err := listQueries(srv.base, cursors)
	if err != nil {
		return err
	}
	b.printf("GET /api/v1/reports and pages as the public sees them, %d client(s), %s per kind after 1 s warm-up:\n", conc, b.qdur)
	for _, q := range qs {
		l := runQuery(context.Background(), srv.base, q, conc, time.Second, b.qdur)
		b.printf("  %-44s %6d requests, %7.0f/s, p50 %s, p99 %s, max %s%s\n", q.name, l.n, l.rate(), ms(l.p50), ms(l.p99), ms(l.max), errNote(l))
		if strings.HasPrefix(q.name, "list") {
			b.add("p99 "+q.name+suffix, ms(l.p99)+fmt.Sprintf(" (p50 %s)", ms(l.p50)), "<= 10 ms", verdict(l.p99 <= 10*time.Millisecond && l.errors == 0))
		} else {
			b.add("p99 "+q.name+suffix, ms(l.p99)+fmt.Sprintf(" (p50 %s)", ms(l.p50)), "", "")
		}
	}
	return nil
}

// queriesPostgres runs the public lists' kinds (listKinds) against a
// server on a PostgreSQL database of a million seeded reports (esambat
// seed-demo --database-url DSN): thousands of requests of each kind, so
// that PostgreSQL's generic plans, which it switches a prepared statement
// to after five executions, are measured too.
func (b *bench) queriesPostgres(dsn string, conc int) error {
	b.printf("\n== 1,000,000 reports (PostgreSQL)\n")
	dir := filepath.Join(b.work, "query-postgres")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	srv, err := startServer(b.esambat, filepath.Join(b.work, "query-postgres.log"), 2*time.Minute, "--database-url", dsn, "--data", dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	b.printf("start to first /readyz 200: %s\n", ms(srv.ready))
	// As on SQLite (queries), measure a server that has finished
	// starting: after /readyz it trains its routing model on up to
	// 20,000 reports, here read from PostgreSQL, and a query measured
	// meanwhile waits for the processor (see BENCHMARKS.md, sixteenth
	// and seventeenth sessions).
	_, settled := settle(srv.pid(), 10*time.Second, 90*time.Second)
	b.printf("settled %s after ready\n", settled.Round(time.Second))
	return b.listKinds(srv, conc, " (PostgreSQL)")
}

// readFile reads a file to the end and returns its size.
func readFile(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(io.Discard, f)
}

func (b *bench) photo(convert string, runs int) error {
	b.printf("\n== photo pipeline, 12-megapixel JPEG (4000x3000, EXIF orientation 6 + GPS)\n")
	res, err := benchPhoto(b.self, convert, filepath.Join(b.work, "photo"), runs)
	if err != nil {
		return err
	}
	b.printf("input %d KB; ImageMagick %s (%s)\n", res.inBytes>>10, res.imVersion, res.imThreading)
	b.printf("media.Process inside one process (median of 5): %.0f ms\n", res.inProcessMs)
	b.printf("per image, one process each, median of %d (wall / CPU / peak RSS):\n", runs)
	b.printf("  esambat media.Process (read, orient, strip, web 1600 + thumb 320, write): %s / %s / %s\n", ms(res.ours.wall), ms(res.ours.cpu), mib(res.ours.maxRSS))
	b.printf("  convert -auto-orient -strip -resize 1600x1600> -quality 82 -write web -resize 320x320> thumb: %s / %s / %s\n", ms(res.imOne.wall), ms(res.imOne.cpu), mib(res.imOne.maxRSS))
	b.printf("  convert twice (web, then thumb from the original): %s / %s / %s\n", ms(res.imTwo.wall), ms(res.imTwo.cpu), mib(res.imTwo.maxRSS))
	b.printf("  outputs: ours %s; ImageMagick %s\n", res.oursSizes, res.imSizes)
	ratio := float64(res.imOne.wall) / float64(res.ours.wall)
	b.printf("ImageMagick (one process) / ours, wall time: %.2f (above 1: ours is faster)\n", ratio)
	b.add("photo 12 MP: media.Process", fmt.Sprintf("%s, peak RSS %s", ms(res.ours.wall), mib(res.ours.maxRSS)), "", "")
	b.add("photo 12 MP: ImageMagick convert", fmt.Sprintf("%s, peak RSS %s", ms(res.imOne.wall), mib(res.imOne.maxRSS)), "", "")
	b.add("photo: ImageMagick time / ours", fmt.Sprintf("%.2f", ratio), ">= 1", verdict(ratio >= 1))
	return nil
}

func slicesSortDur(ds []time.Duration) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// machine describes where the figures come from.
func machine(dir string) string {
	var b strings.Builder
	model := "?"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "?"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		if _, v, ok := strings.Cut(strings.SplitN(string(data), "\n", 2)[0], ":"); ok {
			mem = strings.TrimSpace(v)
		}
	}
	fmt.Fprintf(&b, "date: %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "cpu: %d x %s (GOMAXPROCS %d), memory %s\n", runtime.NumCPU(), model, runtime.GOMAXPROCS(0), mem)
	if out, err := exec.Command("df", "-hT", dir).Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		fmt.Fprintf(&b, "disk: %s\n", strings.Join(strings.Fields(lines[len(lines)-1]), " "))
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		fmt.Fprintf(&b, "kernel: %s", out)
	}
	fmt.Fprintf(&b, "go: %s; load average at start: %s", runtime.Version(), loadavg())
	return b.String()
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func pgExec(dsn, q string) error {
	db, err := openPG(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(q)
	return err
}

var errNoDSN = errors.New("no PostgreSQL DSN")

// walStats are PostgreSQL's WAL counters (pg_stat_wal, PostgreSQL 14+).
type walStats struct{ syncs, bytes, fpi float64 }

func (a walStats) sub(b walStats) walStats {
	return walStats{a.syncs - b.syncs, a.bytes - b.bytes, a.fpi - b.fpi}
}

func readWAL(dsn string) (walStats, error) {
	db, err := openPG(dsn)
	if err != nil {
		return walStats{}, err
	}
	defer db.Close()
	var w walStats
	err = db.QueryRow(`SELECT wal_sync, wal_bytes, wal_fpi FROM pg_stat_wal`).Scan(&w.syncs, &w.bytes, &w.fpi)
	return w, err
}

// transparency measures what reads every report on a public request: the
// statistics' first computation (from the first GET /api/v1/stats to its
// first 200) and the full open-data CSV export, with the server's peak
// RSS during each.
func (b *bench) transparency(srv *server) error {
	client := &http.Client{Timeout: 10 * time.Minute}
	rs := sampleRSS(srv.pid(), 100*time.Millisecond)
	start := time.Now()
	for {
		resp, err := client.Get(srv.base + "/api/v1/stats")
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if resp.StatusCode != http.StatusServiceUnavailable || time.Since(start) > 5*time.Minute {
			return fmt.Errorf("stats: %s after %s", resp.Status, time.Since(start).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
	took, peak := time.Since(start), rs.end()
	b.printf("statistics (GET /api/v1/stats), first computation: %.1f s, server RSS peak %s\n", took.Seconds(), mib(peak))
	b.add("statistics, first computation (1M reports)", fmt.Sprintf("%.1f s", took.Seconds()), "", "")

	rs = sampleRSS(srv.pid(), 100*time.Millisecond)
	start = time.Now()
	resp, err := client.Get(srv.base + "/open-data/reports.csv")
	if err != nil {
		return fmt.Errorf("open data: %w", err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("open data: %s, %d bytes, %v", resp.Status, n, err)
	}
	took, peak = time.Since(start), rs.end()
	b.printf("open data (GET /open-data/reports.csv), whole file: %.1f s, %.0f MB, server RSS peak %s\n", took.Seconds(), float64(n)/1e6, mib(peak))
	b.add("open data CSV, whole file (1M reports)", fmt.Sprintf("%.1f s, %.0f MB, RSS peak %s", took.Seconds(), float64(n)/1e6, mib(peak)), "", "")
	return nil
}
