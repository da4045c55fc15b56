package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// testSnapshots: a snapshot reads back byte for byte with the time it was
// computed at (to the microsecond), a second put replaces it, names are
// apart, and a name never put is ENOTFOUND.
func testSnapshots(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	ss, ok := s.(esambat.SnapshotStore)
	if !ok {
		t.Fatal("store does not implement SnapshotStore")
	}
	_, _, err := ss.Snapshot(ctx, "stats/1")
	wantCode(t, err, esambat.ENOTFOUND)

	at := start.Add(1234567 * time.Microsecond)
	first := []byte("{\"a\":1}\x00\xff\xfe bukan UTF-8")
	if err := ss.PutSnapshot(ctx, "stats/1", at, first); err != nil {
		t.Fatal(err)
	}
	if err := ss.PutSnapshot(ctx, "lain", at.Add(time.Hour), []byte("lain")); err != nil {
		t.Fatal(err)
	}
	body, got, err := ss.Snapshot(ctx, "stats/1")
	if err != nil || !bytes.Equal(body, first) || !got.Equal(at) {
		t.Fatalf("Snapshot = %q, %v, %v; want %q, %v", body, got, err, first, at)
	}
	second := bytes.Repeat([]byte("x"), 300<<10)
	if err := ss.PutSnapshot(ctx, "stats/1", at.Add(10*time.Minute), second); err != nil {
		t.Fatal(err)
	}
	body, got, err = ss.Snapshot(ctx, "stats/1")
	if err != nil || !bytes.Equal(body, second) || !got.Equal(at.Add(10*time.Minute)) {
		t.Fatalf("Snapshot after a second put = %d bytes, %v, %v; want %d bytes at %v", len(body), got, err, len(second), at.Add(10*time.Minute))
	}
	if body, _, err := ss.Snapshot(ctx, "lain"); err != nil || string(body) != "lain" {
		t.Fatalf("the other snapshot = %q, %v", body, err)
	}
}
