package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esambat/esambat/media"
)

// TestPhoneJPEG: the benchmark photo is what it claims, a 12 MP portrait
// stored sideways, which media.Process turns upright.
func TestPhoneJPEG(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes a 12 MP JPEG")
	}
	data, err := phoneJPEG()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2<<20 {
		t.Errorf("%d bytes; a 12 MP phone photo is several MB", len(data))
	}
	p, err := media.Process(bytes.NewReader(data), media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 3000 || p.Height != 4000 || p.Web.Width != 1200 || p.Web.Height != 1600 {
		t.Errorf("upright %dx%d, web %dx%d; want 3000x4000 and 1200x1600", p.Width, p.Height, p.Web.Width, p.Web.Height)
	}
}

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := summarise(ds, 2, "x", 10*time.Second)
	if l.n != 100 || l.p50 != 51*time.Millisecond || l.p99 != 100*time.Millisecond || l.max != 100*time.Millisecond || l.rate() != 10 {
		t.Errorf("summarise = %+v", l)
	}
}

// TestCPUTime: the CPU time read from /proc grows while this process
// computes, by as much as the kernel's own account (getrusage) says it
// computed. The loop runs until it has used 300 ms of CPU, not of the
// clock: on a busy machine (CI beside other work) 300 ms of the clock can
// hold a fifth of that.
func TestCPUTime(t *testing.T) {
	rusage := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ru0 := rusage()
	deadline := time.Now().Add(60 * time.Second)
	x := 0
	for rusage()-ru0 < 300*time.Millisecond && time.Now().Before(deadline) {
		x++
	}
	after, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	used := rusage() - ru0
	// /proc counts in clock ticks (10 ms); the other goroutines of the
	// test binary add a little to both.
	if d := after - before; d < used-50*time.Millisecond || d > used+50*time.Millisecond || used < 300*time.Millisecond {
		t.Errorf("busy loop (%d rounds) used %v of CPU by getrusage, %v by /proc", x, used, d)
	}
	// A child's time, once it has exited and been waited for, is its
	// parent's children time (how exited PostgreSQL backends are counted).
	_, kids0, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(os.Args[0], "-test.run=^TestHelperBusy$").Run(); err != nil {
		t.Fatal(err)
	}
	if _, kids1, _ := procCPU(os.Getpid()); kids1-kids0 < 100*time.Millisecond {
		t.Errorf("a child busy for 300 ms added %v of children CPU time", kids1-kids0)
	}
}

// TestHelperBusy is the busy child of TestCPUTime; alone, it just spins.
func TestHelperBusy(t *testing.T) {
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
	}
}

// TestABStats: the mean, sample standard deviation and the paired
// difference of the A/B summary, and its verdict either side of two
// standard errors.
func TestABStats(t *testing.T) {
	m, sd := meanSD([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if m != 5 || math.Abs(sd-2.138) > 0.001 {
		t.Errorf("meanSD = %v, %v; want 5, 2.138", m, sd)
	}
	if m, sd := meanSD([]float64{3}); m != 3 || sd != 0 {
		t.Errorf("meanSD of one = %v, %v", m, sd)
	}
	// The rounds drift (100 to 140) more than B differs from A (+10 and
	// +12 in turn): the pairs see through the drift.
	a := []float64{100, 110, 120, 130, 140}
	d, se := diff(a, []float64{110, 122, 130, 142, 150})
	if math.Abs(d-10.8) > 1e-9 || math.Abs(se-0.490) > 0.001 {
		t.Errorf("diff = %v ± %v; want 10.8 ± 0.490", d, se)
	}
	if got := abLine("reports/s", a, []float64{110, 122, 130, 142, 150}); !strings.Contains(got, "beyond noise") || !strings.Contains(got, "(9.0 %)") {
		t.Errorf("a clear gain: %s", got)
	}
	if got := abLine("reports/s", a, []float64{105, 105, 125, 125, 140}); !strings.Contains(got, "within noise") {
		t.Errorf("no gain: %s", got)
	}
}

// The HTTP floor's requests must be the intake's requests with only the
// category changed, to one the server does not know: otherwise the floor
// would measure some other path than intake's up to its first write.
func TestRefusedBodies(t *testing.T) {
	bodies, err := reportBodies(50)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := shippedCategories()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, c := range cats {
		known[c.Code] = true
	}
	for i, b := range refusedBodies(bodies) {
		var got, want map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if err := json.Unmarshal(bodies[i], &want); err != nil {
			t.Fatal(err)
		}
		cat, _ := got["category"].(string)
		if known[cat] || !known[want["category"].(string)] {
			t.Errorf("body %d: category %q (was %q), want an unknown one made from a known one", i, cat, want["category"])
		}
		delete(got, "category")
		delete(want, "category")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("body %d: refusedBodies changed more than the category:\n%v\n%v", i, got, want)
		}
	}
}

// TestForgetSnapshots: the saved statistics and the kept routing model
// are deleted before the query run, so that their first computation is
// measured; other snapshots stay (a prefix is not a pattern: "stats_x"
// is not under "stats/"), and a database from before the snapshots table
// is left alone.
func TestForgetSnapshots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "esambat.db")
	if n, err := forgetSnapshots(path, "stats/"); n != 0 || err != nil {
		t.Fatalf("forgetSnapshots without the table = %d, %v", n, err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE snapshots (name TEXT PRIMARY KEY, body BLOB);
		INSERT INTO snapshots VALUES ('stats/1', 'x'), ('home/1', 'y'), ('routing/1/0a1b', 'z'), ('stats_x', 'w')`); err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"stats/", "routing/"} {
		if n, err := forgetSnapshots(path, prefix); n != 1 || err != nil {
			t.Fatalf("forgetSnapshots %s = %d, %v; want 1", prefix, n, err)
		}
	}
	var left string
	if err := db.QueryRow(`SELECT group_concat(name ORDER BY name) FROM snapshots`).Scan(&left); err != nil || left != "home/1,stats_x" {
		t.Errorf("snapshots left: %q, %v; want home/1,stats_x", left, err)
	}
}
