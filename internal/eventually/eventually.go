// Package eventually waits in tests for a condition that background work
// (a writer goroutine, a checkpointer) makes true soon but not at once.
// It is shared by the tests of sqldb and of its drivers, which cannot
// import each other's test files.
package eventually

import (
	"testing"
	"time"
)

// Timeout is how long True waits before it fails the test.
const Timeout = 5 * time.Second

// True polls cond every millisecond until it holds, and fails the test
// when it still does not after Timeout; what says what was awaited.
func True(t testing.TB, what string, cond func() bool) {
	t.Helper()
	within(t, Timeout, what, cond)
}

func within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
