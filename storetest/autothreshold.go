package storetest

import (
	"context"
	"math"
	"testing"

	"github.com/esambat/esambat"
)

func testAutoThreshold(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	if c, _ := s.FindCategory(ctx, "air-bersih"); c.AutoThreshold != 0 {
		t.Errorf("default threshold = %v, want 0 (off)", c.AutoThreshold)
	}
	if err := s.SetAutoThreshold(ctx, "air-bersih", 0.85); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.FindCategory(ctx, "air-bersih"); c.AutoThreshold != 0.85 {
		t.Errorf("threshold = %v, want 0.85", c.AutoThreshold)
	}
	wantCode(t, s.SetAutoThreshold(ctx, "nope", 0.5), esambat.ENOTFOUND)
	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		wantCode(t, s.SetAutoThreshold(ctx, "air-bersih", bad), esambat.EINVALID)
	}
}
