package esambat_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/testdb"
)

// TestMoveAgencyReports: Dishub is merged away. Its two open reports
// (one waiting for acceptance, one in progress) move to the agency that
// took over, each as an admin's re-route with its own event and a new
// acceptance clock; its finished report and another agency's report stay
// where they are. An active agency's reports do not move in bulk.
func TestMoveAgencyReports(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 5, 4, 9))
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	officer := esambat.Actor{UserID: 2, Role: esambat.RolePetugas, AgencyCode: "dishub"}
	waiting, working, finished, other := w.submit(t), w.submit(t), w.submit(t), w.submit(t)
	for _, r := range []*esambat.Report{waiting, working, finished} {
		w.act(t, r.Ticket, admin, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dishub"})
	}
	w.act(t, other.Ticket, admin, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinas-pupr"})
	w.act(t, working.Ticket, officer, esambat.ActionInput{Action: esambat.ActionAccept, Plan: "Pasang rambu pekan ini."})
	w.act(t, finished.Ticket, officer, esambat.ActionInput{Action: esambat.ActionAccept, Plan: "Cat ulang marka."})
	w.act(t, finished.Ticket, officer, esambat.ActionInput{Action: esambat.ActionFinish, Text: "Marka sudah dicat ulang."})

	if _, err := w.svc.MoveAgencyReports(ctx, admin, "dishub", "dinas-pupr"); !hasField(err, "from", esambat.MsgMoveOnlyRetired) {
		t.Fatalf("moving an active agency's reports in bulk = %v", err)
	}
	testdb.Retire(t, w.db, []string{"dishub"}, nil)
	ags, _ := w.db.ListAgencies(ctx)
	stranded, err := w.svc.StrandedReports(ctx, ags)
	if err != nil || len(stranded) != 1 || stranded[0].Agency.Code != "dishub" || stranded[0].Open != 2 {
		t.Fatalf("stranded = %+v, %v; want dishub holding 2", stranded, err)
	}
	if _, err := w.svc.MoveAgencyReports(ctx, officer, "dishub", "dinas-pupr"); esambat.ErrorCode(err) != esambat.EFORBIDDEN {
		t.Errorf("an officer moving reports = %v", err)
	}
	for to, want := range map[string]string{"": "Pilih perangkat daerah tujuan.", "dinas-entah": "Perangkat daerah tujuan tidak dikenal.",
		"dishub": esambat.MsgAgencyRetired} {
		if _, err := w.svc.MoveAgencyReports(ctx, admin, "dishub", to); !hasField(err, "agency", want) {
			t.Errorf("moving to %q = %v, want %q", to, err, want)
		}
	}
	if _, err := w.svc.MoveAgencyReports(ctx, admin, "dinas-entah", "dinas-pupr"); !hasField(err, "from", "Perangkat daerah asal tidak dikenal.") {
		t.Errorf("moving from an unknown agency = %v", err)
	}

	w.clock.Set(wibH(2026, 5, 11, 10))
	res, err := w.svc.MoveAgencyReports(ctx, admin, "dishub", "dinas-pupr")
	if err != nil || res.Moved != 2 || res.Left != 0 || len(res.Failed) != 0 {
		t.Fatalf("move = %+v, %v; want 2 moved, none left", res, err)
	}
	pupr, _ := w.db.FindAgency(ctx, "dinas-pupr")
	for _, r := range []*esambat.Report{waiting, working} {
		got, err := w.db.FindReportByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AgencyCode != "dinas-pupr" || got.Status != esambat.StatusDidisposisi || !got.DueAt.Equal(w.svc.Clocks.AcceptDue(w.clock.Now())) {
			t.Errorf("%s after the move: agency %s, status %s, due %v", r.Ticket, got.AgencyCode, got.Status, got.DueAt)
		}
		events, _ := w.db.ListEvents(ctx, r.ID)
		last := events[len(events)-1]
		if last.Action != string(esambat.ActionDispose) || last.ActorID != admin.UserID || !strings.Contains(last.Public, pupr.Name) {
			t.Errorf("%s's last event = %+v, want the admin's re-route to %s", r.Ticket, last, pupr.Name)
		}
	}
	for _, r := range []*esambat.Report{finished, other} {
		if got, _ := w.db.FindReportByID(ctx, r.ID); got.AgencyCode != map[bool]string{true: "dishub", false: "dinas-pupr"}[r == finished] {
			t.Errorf("%s (%s) moved to %s", r.Ticket, got.Status, got.AgencyCode)
		}
	}
	if stranded, err := w.svc.StrandedReports(ctx, ags); err != nil || len(stranded) != 0 {
		t.Errorf("stranded after the move = %+v, %v", stranded, err)
	}
}

// TestMoveAgencyReportsInRounds: one call moves at most its share, oldest
// first, and says how many are left; the next call moves the rest.
func TestMoveAgencyReportsInRounds(t *testing.T) {
	defer esambat.SetMaxMove(2)()
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 5, 4, 9))
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	var reps []*esambat.Report
	for range 5 {
		r := w.submit(t)
		if _, err := w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dishub"}); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	testdb.Retire(t, w.db, []string{"dishub"}, nil)
	for i, want := range []esambat.MoveResult{{Moved: 2, Left: 3}, {Moved: 2, Left: 1}, {Moved: 1, Left: 0}, {Moved: 0, Left: 0}} {
		res, err := w.svc.MoveAgencyReports(ctx, admin, "dishub", "dinas-pupr")
		if err != nil || res.Moved != want.Moved || res.Left != want.Left || len(res.Failed) != 0 {
			t.Fatalf("round %d = %+v, %v; want %+v", i+1, res, err, want)
		}
	}
	if got, _ := w.db.FindReportByID(ctx, reps[0].ID); got.AgencyCode != "dinas-pupr" {
		t.Errorf("the oldest report was not moved first")
	}
}

// hasField reports whether err is EINVALID naming field with msg.
func hasField(err error, field, msg string) bool {
	var e *esambat.Error
	return errors.As(err, &e) && e.Code == esambat.EINVALID && e.Fields[field] == msg
}
