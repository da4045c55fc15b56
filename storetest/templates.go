package storetest

import (
	"context"
	"testing"

	"github.com/esambat/esambat"
)

func testTemplates(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	ts, ok := s.(esambat.TemplateStore)
	if !ok {
		t.Fatal("store does not implement TemplateStore")
	}
	for _, tpl := range []esambat.ResponseTemplate{
		{AgencyCode: "dinas-pupr", CategoryCode: "jalan-jembatan", Title: "Tambal rutin", Body: "Akan ditambal minggu ini."},
		{AgencyCode: "dinas-pupr", Title: "Survei", Body: "Tim akan survei lokasi."},
		{AgencyCode: "dishub", Title: "Lampu", Body: "Lampu akan diganti."},
	} {
		tpl := tpl
		if err := ts.CreateTemplate(ctx, &tpl); err != nil || tpl.ID == 0 {
			t.Fatalf("CreateTemplate: %v", err)
		}
	}
	got, err := ts.ListTemplates(ctx, "dinas-pupr", "jalan-jembatan")
	if err != nil || len(got) != 2 || got[0].Title != "Survei" {
		t.Fatalf("for jalan-jembatan: %+v, %v", got, err)
	}
	if got, _ := ts.ListTemplates(ctx, "dinas-pupr", "drainase-banjir"); len(got) != 1 {
		t.Errorf("for drainase: %+v (only the any-category one)", got)
	}
	dishub, _ := ts.ListTemplates(ctx, "dishub", "")
	wantCode(t, ts.DeleteTemplate(ctx, "dinas-pupr", dishub[0].ID), esambat.ENOTFOUND) // not theirs
	if err := ts.DeleteTemplate(ctx, "dishub", dishub[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := ts.ListTemplates(ctx, "dishub", ""); len(got) != 0 {
		t.Errorf("after delete: %+v", got)
	}
	bad := esambat.ResponseTemplate{AgencyCode: "tidak-ada", Title: "x", Body: "y"}
	wantCode(t, ts.CreateTemplate(ctx, &bad), esambat.EINVALID)
}
