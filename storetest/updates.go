package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// testUpdates: ListUpdates is the feed of what happened to reports after
// they were submitted: every event but the submission, created in the
// window, ordered by time and then id (the ids here run against the
// times, some times shared, as events from several instances could), and
// its pages follow each other without a gap or a repeat.
func testUpdates(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Rina")
	var reps []*esambat.Report
	for i := range 4 {
		r, ev := newReport(u.ID, fmt.Sprintf("Lampu jalan mati %d", i))
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	rng := rand.New(rand.NewPCG(3, 9))
	var want []esambat.Event
	from, to := start.Add(5*time.Minute), start.Add(25*time.Minute)
	var at time.Time
	for i, minute := range rng.Perm(30) {
		if i%4 != 1 { // every fourth shares the time of the one before
			at = start.Add(time.Duration(minute) * time.Minute)
		}
		ev := &esambat.Event{ReportID: reps[i%len(reps)].ID, Action: "note", ActorID: 7, ActorRole: esambat.RoleAdmin,
			From: esambat.StatusDiajukan, To: esambat.StatusDiajukan, Internal: fmt.Sprintf("catatan %d", i), CreatedAt: at}
		if err := s.AddEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if !at.Before(from) && at.Before(to) {
			want = append(want, *ev)
		}
	}
	// A report submitted inside the window: its submission is no update,
	// its verification is.
	c.set(start.Add(10 * time.Minute))
	r, ev := newReport(u.ID, "Saluran tersumbat")
	if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	r.Status, r.AgencyCode = esambat.StatusDidisposisi, "dinas-pupr"
	verify := &esambat.Event{Action: string(esambat.ActionVerify), ActorID: 7, ActorRole: esambat.RoleAdmin,
		From: esambat.StatusDiajukan, To: esambat.StatusDidisposisi, Public: "Diteruskan.", CreatedAt: start.Add(11 * time.Minute)}
	if err := s.UpdateReport(ctx, r, verify); err != nil {
		t.Fatal(err)
	}
	want = append(want, *verify)
	slices.SortFunc(want, func(a, b esambat.Event) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	key := func(evs []esambat.Event) []string {
		var out []string
		for _, e := range evs {
			out = append(out, fmt.Sprintf("%d/%s/%s", e.ID, e.Action, e.CreatedAt.UTC().Format(time.RFC3339)))
		}
		return out
	}
	all, err := s.ListUpdates(ctx, esambat.UpdateWindow{From: from, To: to, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(key(all), key(want)) {
		t.Fatalf("ListUpdates =\n%v\nwant\n%v", key(all), key(want))
	}
	if all[0].ReportID == 0 || all[len(all)-1].Hash == "" {
		t.Errorf("events come back without their report or hash: %+v", all[0])
	}
	var paged []esambat.Event
	w := esambat.UpdateWindow{From: from, To: to, Limit: 3}
	for range 100 {
		page, err := s.ListUpdates(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < w.Limit {
			break
		}
		w.AfterAt, w.AfterID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
	}
	if !slices.Equal(key(paged), key(want)) {
		t.Errorf("paged by 3 =\n%v\nwant\n%v", key(paged), key(want))
	}
	if none, err := s.ListUpdates(ctx, esambat.UpdateWindow{From: start.Add(-time.Hour), To: start}); err != nil || len(none) != 0 {
		t.Errorf("an empty window = %d events, %v", len(none), err)
	}
}
