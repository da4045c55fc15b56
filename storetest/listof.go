package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

// testListOf: ListEventsOf and ListPhotosOf (and FindReportsByID) give, for each report asked
// about, what ListEvents and ListPhotos give for it alone, in the same
// order; a report with none, or no such report, has no entry. The IDs
// asked about are more than one query's IN list holds (1,000), so the
// reports' entries come from different chunks, and one report is asked
// about in both.
func testListOf(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Yusuf")
	var reports []*esambat.Report
	for i := range 3 {
		r, ev := newReport(u.ID, fmt.Sprintf("Trotoar rusak %d", i))
		for j := range 2 - i {
			k := fmt.Sprintf("%d%d", i, j)
			r.Photos = append(r.Photos, esambat.Photo{Key: strings.Repeat(k, 32), ThumbKey: strings.Repeat(k, 31) + "tt",
				Width: 1600, Height: 1200, Kind: esambat.PhotoReport})
		}
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		reports = append(reports, r)
	}
	evidence := []esambat.Photo{{Key: strings.Repeat("e", 64), ThumbKey: strings.Repeat("f", 64), Width: 10, Height: 10, Kind: esambat.PhotoEvidence}}
	if err := s.AddPhotos(ctx, reports[0].ID, evidence, &esambat.Event{Action: "photo", ActorRole: esambat.RolePetugas,
		From: reports[0].Status, To: reports[0].Status, Public: "Foto bukti."}); err != nil {
		t.Fatal(err)
	}
	ids := []int64{reports[2].ID, reports[0].ID}
	for id := int64(1); len(ids) < 1500; id++ {
		ids = append(ids, 900000+id)
	}
	ids = append(ids, reports[0].ID, reports[1].ID, reports[0].ID)
	events, err := s.ListEventsOf(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	photos, err := s.ListPhotosOf(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		ev, err := s.ListEvents(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(events[r.ID], ev) {
			t.Errorf("ListEventsOf[%d] = %+v, ListEvents = %+v", r.ID, events[r.ID], ev)
		}
		ph, err := s.ListPhotos(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(photos[r.ID], ph) {
			t.Errorf("ListPhotosOf[%d] = %+v, ListPhotos = %+v", r.ID, photos[r.ID], ph)
		}
	}
	if len(events) != 3 || len(events[reports[0].ID]) != 2 || len(photos) != 2 || len(photos[reports[0].ID]) != 3 {
		t.Errorf("ListEventsOf has %d reports (%d events of the first), ListPhotosOf %d (%d photos of the first); want 3 (2), 2 (3)",
			len(events), len(events[reports[0].ID]), len(photos), len(photos[reports[0].ID]))
	}
	found, err := s.FindReportsByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		one, err := s.FindReportByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(found[r.ID], one) {
			t.Errorf("FindReportsByID[%d] = %+v, FindReportByID = %+v", r.ID, found[r.ID], one)
		}
	}
	if len(found) != 3 {
		t.Errorf("FindReportsByID found %d reports, want 3", len(found))
	}
	if events, err := s.ListEventsOf(ctx, nil); err != nil || len(events) != 0 {
		t.Errorf("ListEventsOf(nil) = %v, %v", events, err)
	}
}
