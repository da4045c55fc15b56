package eventually

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestTrue(t *testing.T) {
	var flag atomic.Bool
	// start is read before the timer starts: read after, the flag could
	// flip less than 20 ms later (CI saw 19.87 ms).
	start := time.Now()
	time.AfterFunc(20*time.Millisecond, func() { flag.Store(true) })
	True(t, "the flag", flag.Load)
	if !flag.Load() || time.Since(start) < 20*time.Millisecond {
		t.Errorf("True returned after %v with the flag %v", time.Since(start), flag.Load())
	}
}

// fatalRecorder records Fatalf instead of stopping the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = format
	panic(f)
}

func TestTrueTimesOut(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	func() {
		defer func() {
			if r := recover(); r != rec {
				t.Fatalf("True did not fail the test: %v", r)
			}
		}()
		within(rec, 50*time.Millisecond, "nothing", func() bool { return false })
	}()
	if rec.msg == "" {
		t.Error("no failure recorded")
	}
}
