package storetest

import (
	"context"
	"testing"

	"github.com/esambat/esambat"
)

func testMergeSupports(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	a, b, c := newUser(t, s, "Ayu"), newUser(t, s, "Bima"), newUser(t, s, "Citra")
	orig, ev := newReport(a.ID, "Banjir di Jl. Pahlawan")
	s.CreateReport(ctx, orig, ev, "")
	dup, ev2 := newReport(b.ID, "Banjir lagi di Jl. Pahlawan")
	s.CreateReport(ctx, dup, ev2, "")
	s.AddSupport(ctx, dup.ID, c.ID)  // Citra supported the duplicate
	s.AddSupport(ctx, orig.ID, c.ID) // ... and the original: counts once
	if err := s.MergeSupports(ctx, dup.ID, orig.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := s.FindReportByID(ctx, orig.ID)
	if got.Supports != 2 { // Citra and Bima, the duplicate's reporter
		t.Errorf("original has %d supports, want 2", got.Supports)
	}
	// The original's own reporter never counts as a supporter.
	if err := s.MergeSupports(ctx, dup.ID, orig.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindReportByID(ctx, orig.ID); got.Supports != 2 {
		t.Errorf("after merging with the original's reporter: %d supports", got.Supports)
	}
	if esambat.ErrorCode(s.MergeSupports(ctx, dup.ID, orig.ID, 0)) != "" {
		t.Error("merge without a reporter failed")
	}
}
