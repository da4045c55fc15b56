package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

// testReferenceSync: every start brings the store in line with the
// reference files. Unchanged files change nothing; a renamed agency, a
// new agency and category, and a category's new English name arrive;
// what admins set in the app (a category's default agency and threshold)
// stays; what the files no longer hold is kept and named.
func testReferenceSync(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	if ch, err := set.Sync(ctx, s); err != nil || len(ch.Added)+len(ch.Updated)+len(ch.Kept) != 0 {
		t.Fatalf("second start with the same files = %+v, %v; want no change", ch, err)
	}
	if err := s.SetCategoryAgency(ctx, "jalan-jembatan", "dishub"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAutoThreshold(ctx, "jalan-jembatan", 0.9); err != nil {
		t.Fatal(err)
	}

	agencies, cats, err := set.AgenciesAndCategories()
	if err != nil {
		t.Fatal(err)
	}
	dropped := agencies[len(agencies)-1].Code
	agencies = agencies[:len(agencies)-1]
	for i := range agencies {
		if agencies[i].Code == "dinas-pupr" {
			agencies[i].Name = "Dinas Pekerjaan Umum, Penataan Ruang dan Perumahan"
		}
	}
	agencies = append(agencies, esambat.Agency{Code: "dinas-baru", Name: "Dinas Baru", ShortName: "Disbaru"})
	for i := range cats {
		if cats[i].Code == "jalan-jembatan" {
			cats[i].NameEN = "Roads and bridges"
			cats[i].AgencyCode = "dinas-baru" // the admin's choice wins
		}
	}
	cats = append(cats, esambat.Category{Code: "baru", Name: "Urusan baru", NameEN: "New matters", Group: "Lainnya",
		AgencyCode: "dinas-baru", SLAClass: esambat.SLAClassB, ServiceCode: "901", Keywords: []string{"baru"}})
	ch, err := s.SyncReference(ctx, nil, agencies, cats)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ch.Added)
	slices.Sort(ch.Updated)
	if !slices.Equal(ch.Added, []string{"agency dinas-baru", "category baru"}) ||
		!slices.Equal(ch.Updated, []string{"agency dinas-pupr", "category jalan-jembatan"}) ||
		!slices.Equal(ch.Kept, []string{"agency " + dropped}) {
		t.Errorf("sync with changed files = %+v", ch)
	}
	if a, err := s.FindAgency(ctx, "dinas-pupr"); err != nil || a.Name != "Dinas Pekerjaan Umum, Penataan Ruang dan Perumahan" || a.ShortName != "Dinas PUPR" {
		t.Errorf("renamed agency = %+v, %v", a, err)
	}
	if a, err := s.FindAgency(ctx, dropped); err != nil || !a.Retired {
		t.Errorf("an agency the files dropped = %+v, %v; want it kept, retired", a, err)
	}
	wantCode(t, s.SetCategoryAgency(ctx, "taman", dropped), esambat.EINVALID)
	if a, _ := s.FindAgency(ctx, "dinas-pupr"); a.Retired {
		t.Error("an agency still in the files is retired")
	}
	if c, err := s.FindCategory(ctx, "jalan-jembatan"); err != nil || c.NameEN != "Roads and bridges" || c.AgencyCode != "dishub" || c.AutoThreshold != 0.9 {
		t.Errorf("category after sync = %+v, %v; want the new English name, the admin's agency and threshold", c, err)
	}
	if c, err := s.FindCategory(ctx, "baru"); err != nil || c.AgencyCode != "dinas-baru" || c.ServiceCode != "901" {
		t.Errorf("new category = %+v, %v", c, err)
	}
	if ch, err := s.SyncReference(ctx, nil, agencies, cats); err != nil || len(ch.Added)+len(ch.Updated) != 0 {
		t.Errorf("the same files again = %+v, %v; want nothing added or updated", ch, err)
	}
	// The files name it again (the reorganisation was undone): active.
	all, _ := set.Agencies()
	ch, err = s.SyncReference(ctx, nil, append(all, esambat.Agency{Code: "dinas-baru", Name: "Dinas Baru", ShortName: "Disbaru"}), cats)
	if err != nil || !slices.Contains(ch.Updated, "agency "+dropped) || len(ch.Kept) != 0 {
		t.Errorf("sync with the dropped agency back = %+v, %v", ch, err)
	}
	if a, err := s.FindAgency(ctx, dropped); err != nil || a.Retired {
		t.Errorf("the agency back in the files = %+v, %v; want it active", a, err)
	}
	// A category the files drop is retired, and back when named again.
	if ch, err := s.SyncReference(ctx, nil, all, cats[1:]); err != nil || !slices.Contains(ch.Kept, "category "+cats[0].Code) {
		t.Errorf("sync without category %s = %+v, %v", cats[0].Code, ch, err)
	}
	if c, err := s.FindCategory(ctx, cats[0].Code); err != nil || !c.Retired {
		t.Errorf("the dropped category = %+v, %v; want it kept, retired", c, err)
	}
}
