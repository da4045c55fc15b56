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

// testCategoryAgency: an admin changes the agency a category's reports go
// to by default.
func testCategoryAgency(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	c, err := s.FindCategory(ctx, "air-bersih")
	if err != nil || c.AgencyCode == "" || c.AgencyCode == "dinas-pupr" {
		t.Fatalf("air-bersih = %+v, %v", c, err)
	}
	if err := s.SetCategoryAgency(ctx, "air-bersih", "dinas-pupr"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.FindCategory(ctx, "air-bersih"); c.AgencyCode != "dinas-pupr" {
		t.Errorf("agency = %q, want dinas-pupr", c.AgencyCode)
	}
	cats, err := s.ListCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Code == "air-bersih" && c.AgencyCode != "dinas-pupr" {
			t.Errorf("listed agency = %q, want dinas-pupr", c.AgencyCode)
		}
	}
	wantCode(t, s.SetCategoryAgency(ctx, "nope", "dinas-pupr"), esambat.ENOTFOUND)
	wantCode(t, s.SetCategoryAgency(ctx, "air-bersih", "tidak-ada"), esambat.EINVALID)
	if c, _ := s.FindCategory(ctx, "air-bersih"); c.AgencyCode != "dinas-pupr" {
		t.Errorf("a refused change moved the agency to %q", c.AgencyCode)
	}
}
