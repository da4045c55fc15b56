package main

import (
	"bytes"
	"os"
	"os/exec"
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
// computes, by about as much as it computed.
func TestCPUTime(t *testing.T) {
	before, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	after, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := after - before; d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("300 ms of busy loop (%d rounds) used %v of CPU by /proc", x, d)
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
