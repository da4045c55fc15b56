package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// ReportTimes runs testReportTimes alone, for a driver that checks it
// with settings of its own (sqldb's ReportTimesChunk).
func ReportTimes(t *testing.T, open Opener) { testReportTimes(t, open) }

// testReportTimes: ReportTimes gives each report once, with the first time
// it passed each clock's step, the target of its first acceptance, its
// place, agency, status and rating; a step not taken is zero.
func testReportTimes(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Zaenal")
	at := func(h int) time.Time { return start.Add(time.Duration(h) * time.Hour) }
	step := func(r *esambat.Report, h int, action esambat.Action, to esambat.Status, data map[string]string) {
		t.Helper()
		ev := &esambat.Event{Action: string(action), ActorRole: esambat.RoleAdmin, From: r.Status, To: to, CreatedAt: at(h), Data: data}
		r.Status = to
		if to == esambat.StatusDidisposisi {
			r.AgencyCode = "dinas-pupr"
		}
		if action == esambat.ActionConfirm {
			r.Rating = 4
		}
		if err := s.UpdateReport(ctx, r, ev); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(title string) *esambat.Report {
		t.Helper()
		c.set(at(0))
		r, ev := newReport(u.ID, title)
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	target1, target2 := at(200).UTC().Format(time.RFC3339), at(400).UTC().Format(time.RFC3339)
	// The whole way, with a hand-back and a second acceptance between the
	// first "selesai" and the close.
	full := mk("Jalan berlubang")
	step(full, 5, esambat.ActionVerify, esambat.StatusDidisposisi, nil)
	step(full, 30, esambat.ActionAccept, esambat.StatusDiproses, map[string]string{"plan": "Ditambal", "target": target1})
	step(full, 90, esambat.ActionFinish, esambat.StatusSelesai, nil)
	step(full, 95, esambat.ActionDispute, esambat.StatusDiproses, nil)
	step(full, 99, esambat.ActionAccept, esambat.StatusDiproses, map[string]string{"plan": "Lagi", "target": target2})
	step(full, 120, esambat.ActionFinish, esambat.StatusSelesai, nil)
	step(full, 130, esambat.ActionConfirm, esambat.StatusDitutup, nil)
	rejected := mk("Bukan wewenang")
	step(rejected, 2, esambat.ActionReject, esambat.StatusDitolak, map[string]string{"reason": "luar wilayah"})
	waiting := mk("Belum diperiksa")

	got := map[string]esambat.ReportTimes{}
	err := s.ReportTimes(ctx, func(r esambat.ReportTimes) error {
		key := fmt.Sprint(r.Submitted.Unix(), r.Status)
		if _, dup := got[key]; dup {
			t.Errorf("report %+v twice", r)
		}
		got[key] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("ReportTimes gave %d reports, want 3: %+v", len(got), got)
	}
	same := func(name string, a, b time.Time) {
		t.Helper()
		if !a.Equal(b) {
			t.Errorf("%s = %v, want %v", name, a, b)
		}
	}
	f := got[fmt.Sprint(at(0).Unix(), esambat.StatusDitutup)]
	same("submitted", f.Submitted, at(0))
	same("verified", f.Verified, at(5))
	same("disposed", f.Disposed, at(5))
	same("accepted", f.Accepted, at(30))
	same("finished", f.Finished, at(90))
	same("target", f.Target, at(200))
	if f.AgencyCode != "dinas-pupr" || f.CategoryCode != "jalan-jembatan" || f.KelurahanCode != "35.75.02.1001" || f.Rating != 4 {
		t.Errorf("full = %+v", f)
	}
	r := got[fmt.Sprint(at(0).Unix(), esambat.StatusDitolak)]
	same("rejected: verified", r.Verified, at(2))
	if !r.Disposed.IsZero() || !r.Accepted.IsZero() || !r.Finished.IsZero() || !r.Target.IsZero() || r.AgencyCode != "" {
		t.Errorf("rejected = %+v", r)
	}
	w := got[fmt.Sprint(at(0).Unix(), esambat.StatusDiajukan)]
	if !w.Verified.IsZero() || !w.Disposed.IsZero() || w.Status != waiting.Status {
		t.Errorf("waiting = %+v", w)
	}
	stop := fmt.Errorf("stop")
	if err := s.ReportTimes(ctx, func(esambat.ReportTimes) error { return stop }); err != stop {
		t.Errorf("an error from fn gave %v", err)
	}
}
