package esambat_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	"github.com/esambat/esambat/internal/testdb"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/sqldb"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// world is a service on a fresh SQLite store with the real reference data
// and holiday calendar, and a clock the test moves.
type world struct {
	db    *sqldb.DB
	svc   *esambat.Service
	clock *fakeClock
}

func newWorld(t *testing.T, start time.Time) *world {
	t.Helper()
	clock := &fakeClock{t: start}
	db, set, wilayah := testdb.SQLite(t, clock.Now)
	holidays, err := set.Holidays()
	if err != nil {
		t.Fatal(err)
	}
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		t.Fatal(err)
	}
	svc := &esambat.Service{Reports: db, Audit: db, Users: db, Reference: db, Locator: loc, Wilayah: wilayah,
		CityCode: refdata.CityCode, Clocks: esambat.Clocks{Calendar: esambat.NewCalendar(holidays), SLA: esambat.DefaultSLA()}, Now: clock.Now}
	return &world{db: db, svc: svc, clock: clock}
}

func (w *world) submit(t *testing.T) *esambat.Report {
	t.Helper()
	r, _, err := w.svc.SubmitReport(context.Background(), esambat.Actor{UserID: 1, Role: esambat.RoleAdmin},
		esambat.ReportInput{CategoryCode: "jalan-jembatan", Title: "Jalan berlubang", Description: "Lubang besar di tengah jalan raya.",
			KelurahanCode: "35.75.02.1001", Address: "Jl. Hayam Wuruk", Channel: esambat.ChannelWalkIn}, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// act takes one step on ticket as who, failing the test if it is refused.
func (w *world) act(t *testing.T, ticket string, who esambat.Actor, in esambat.ActionInput) {
	t.Helper()
	if _, err := w.svc.Act(context.Background(), who, ticket, in); err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
}

func wibH(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, esambat.WIB)
}

// TestSchedulerAcrossIdulFitri walks a report through the clocks around
// Idul Fitri 2026 (cuti bersama 20, 23, 24 March; Nyepi 18-19 March;
// weekend 21-22 March).
func TestSchedulerAcrossIdulFitri(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 3, 17, 10)) // Tuesday
	r := w.submit(t)
	// Verification: 3 working days after Tue 17 March = 25, 26, 27 March.
	if got := r.DueAt.In(esambat.WIB); !got.Equal(wibH(2026, 3, 28, 0)) {
		t.Fatalf("verification due %v, want end of Fri 27 March", got)
	}
	for _, step := range []struct {
		at        time.Time
		escalated int
	}{
		{wibH(2026, 3, 24, 23), 0}, // holidays do not count
		{wibH(2026, 3, 27, 23), 0}, // last day still in time
		{wibH(2026, 3, 28, 0), 1},  // overdue at midnight WIB
		{wibH(2026, 3, 30, 9), 0},  // escalated once per due date, not every tick
	} {
		w.clock.Set(step.at)
		res, err := w.svc.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Escalated != step.escalated {
			t.Errorf("tick at %v: escalated %d, want %d", step.at, res.Escalated, step.escalated)
		}
	}
	// Verify and dispose on Monday 30 March: acceptance due after 5 working days.
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	r, err := w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinas-pupr"})
	if err != nil {
		t.Fatal(err)
	}
	// 31 Mar, 1, 2 Apr, (3 Apr Good Friday), 6, 7 Apr -> end of Tue 7 April.
	if got := r.DueAt.In(esambat.WIB); !got.Equal(wibH(2026, 4, 8, 0)) {
		t.Errorf("acceptance due %v, want end of Tue 7 April (Good Friday skipped)", got)
	}
	petugas := esambat.Actor{UserID: 2, Role: esambat.RolePetugas, AgencyCode: "dinas-pupr"}
	w.clock.Set(wibH(2026, 4, 1, 9))
	if _, err := w.svc.Act(ctx, petugas, r.Ticket, esambat.ActionInput{Action: esambat.ActionAccept, Plan: "Tambal"}); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(wibH(2026, 4, 2, 15))
	r, err = w.svc.Act(ctx, petugas, r.Ticket, esambat.ActionInput{Action: esambat.ActionFinish, Text: "Sudah ditambal."})
	if err != nil {
		t.Fatal(err)
	}
	// Auto-close 10 working days after Thu 2 April: 6-10, 13-17 April (3 Apr is a holiday).
	if got := r.DueAt.In(esambat.WIB); !got.Equal(wibH(2026, 4, 18, 0)) {
		t.Errorf("auto-close at %v, want end of Fri 17 April", got)
	}
	w.clock.Set(wibH(2026, 4, 17, 20))
	if res, _ := w.svc.Tick(ctx); res.AutoClosed != 0 {
		t.Error("auto-closed a day early")
	}
	w.clock.Set(wibH(2026, 4, 18, 8))
	if res, err := w.svc.Tick(ctx); err != nil || res.AutoClosed != 1 {
		t.Fatalf("auto-close tick = %+v, %v", res, err)
	}
	got, _ := w.db.FindReportByTicket(ctx, r.Ticket)
	events, _ := w.db.ListEvents(ctx, got.ID)
	last := events[len(events)-1]
	if got.Status != esambat.StatusDitutup || last.Action != string(esambat.ActionAutoClose) || last.ActorRole != esambat.RoleSystem {
		t.Errorf("after auto-close: %s, last event %+v", got.Status, last)
	}
	if n, broken, err := esambat.VerifyChains(ctx, w.db); err != nil || broken != nil || n != len(events) {
		t.Errorf("chain after the walk: %d events, %v, %v", n, broken, err)
	}
}

func TestLeaseOneHolder(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 5, 4, 9))
	ok, err := w.db.AcquireLease(ctx, "scheduler", "a", time.Minute)
	if err != nil || !ok {
		t.Fatalf("a: %v %v", ok, err)
	}
	if ok, _ := w.db.AcquireLease(ctx, "scheduler", "b", time.Minute); ok {
		t.Error("b took a live lease")
	}
	if ok, _ := w.db.AcquireLease(ctx, "scheduler", "a", time.Minute); !ok {
		t.Error("a could not renew its own lease")
	}
	w.clock.Set(wibH(2026, 5, 4, 9).Add(2 * time.Minute))
	if ok, _ := w.db.AcquireLease(ctx, "scheduler", "b", time.Minute); !ok {
		t.Error("b could not take an expired lease")
	}
	if ok, _ := w.db.AcquireLease(ctx, "scheduler", "a", time.Minute); ok {
		t.Error("a took b's lease back")
	}
}

// TestAuditDetectsAccountTampering: the account events' chain catches an
// edited event (who made a password), one deleted from the middle, one
// deleted from the end, and one inserted outside the chain.
func TestAuditDetectsAccountTampering(t *testing.T) {
	ctx := context.Background()
	// history makes a world whose account history has five events: an
	// admin created, then an officer created, given a new password,
	// turned off and on again by that admin.
	history := func() *world {
		w := newWorld(t, wibH(2026, 5, 4, 9))
		admin := &esambat.User{Role: esambat.RoleAdmin, Name: "Wati", Email: "wati@kominfo.example.org", PasswordHash: "x"}
		if err := w.db.CreateUserLogged(ctx, admin, &esambat.AccountEvent{Action: esambat.AccountCreated}); err != nil {
			t.Fatal(err)
		}
		officer := &esambat.User{Role: esambat.RolePetugas, Name: "Agus", Email: "agus@pupr.example.org", AgencyCode: "dinas-pupr", PasswordHash: "x"}
		if err := w.db.CreateUserLogged(ctx, officer, &esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountCreated}); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{esambat.AccountPasswordSet, esambat.AccountDisabled, esambat.AccountEnabled} {
			if err := w.db.UpdateUserLogged(ctx, officer, &esambat.AccountEvent{ActorID: admin.ID, Action: action}); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	w := history()
	n, broken, err := esambat.VerifyChains(ctx, w.db)
	if err != nil || broken != nil || n != 5 {
		t.Fatalf("clean chain: %d, %v, %v", n, broken, err)
	}
	if _, err := w.db.Read.ExecContext(ctx, `DELETE FROM account_events`); err == nil {
		t.Fatal("DELETE on account_events allowed through the read pool")
	}
	err = w.db.Writer.Write(ctx, func(tx sqlTx) error {
		_, err := tx.ExecContext(ctx, `UPDATE account_events SET actor_id = NULL WHERE seq = 3`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("an update to a chained account event: %v", err)
	}
	cases := []struct {
		name  string
		stmts []string
		seq   int
		want  string
	}{
		{"who made the password, erased", []string{`UPDATE account_events SET actor_id = NULL WHERE seq = 3`}, 3, "this event was changed"},
		{"an event deleted from the middle", []string{`DELETE FROM account_events WHERE seq = 2`}, 3, "missing or inserted"},
		{"the last event deleted", []string{`DELETE FROM account_events WHERE seq = 5`}, 5, "deleted from its end"},
		{"the last event deleted and the head's count lowered", []string{`DELETE FROM account_events WHERE seq = 5`, `UPDATE account_events_head SET seq = 4`}, 4, "record of its head was changed"},
		{"an event inserted outside the chain", []string{`INSERT INTO account_events (user_id, action, created_at) VALUES (2, 'sandi_baru', '2026-05-04T02:00:00.000000Z')`}, 0, "outside the chain"},
	}
	for _, c := range cases {
		w := history()
		err := w.db.Writer.Write(ctx, func(tx sqlTx) error {
			for _, s := range append([]string{`DROP TRIGGER account_events_no_update`, `DROP TRIGGER account_events_no_delete`}, c.stmts...) {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, broken, err := esambat.VerifyChains(ctx, w.db)
		if err != nil || broken == nil || !broken.Accounts || broken.Seq != c.seq || !strings.Contains(broken.Reason, c.want) {
			t.Errorf("%s: caught %v (%v), want account event %d: %q", c.name, broken, err, c.seq, c.want)
		} else {
			t.Logf("%s: caught: %s", c.name, broken)
		}
	}
}

// TestAuditDetectsTampering edits and deletes event rows behind the
// application's back and checks that VerifyChains names the broken link.
func TestAuditDetectsTampering(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 5, 4, 9))
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	var tickets []string
	for i := 0; i < 3; i++ {
		r := w.submit(t)
		w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinas-pupr"})
		w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionNote, Note: "cek lapangan"})
		tickets = append(tickets, r.Ticket)
	}
	n, broken, err := esambat.VerifyChains(ctx, w.db)
	if err != nil || broken != nil || n != 9 {
		t.Fatalf("clean chains: %d, %v, %v", n, broken, err)
	}
	// The application's own path refuses to rewrite history.
	if _, err := w.db.Read.ExecContext(ctx, `UPDATE events SET public_text = 'x'`); err == nil {
		t.Fatal("UPDATE on events allowed through the read pool")
	}
	target, _ := w.db.FindReportByTicket(ctx, tickets[1])
	tamper := func(stmts ...string) {
		t.Helper()
		err := w.db.Writer.Write(ctx, func(tx sqlTx) error {
			for _, s := range stmts {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Someone with database access drops the guard and edits a note.
	tamper(`DROP TRIGGER events_no_update`, `DROP TRIGGER events_no_delete`)
	tamper(`UPDATE events SET internal_note = 'tidak ada catatan' WHERE report_id = ` + itoa(target.ID) + ` AND seq = 3`)
	_, broken, _ = esambat.VerifyChains(ctx, w.db)
	if broken == nil || broken.ReportID != target.ID || broken.Seq != 3 {
		t.Fatalf("edited note not caught: %v", broken)
	}
	t.Logf("caught: %s", broken)
	// Deleting an event in the middle breaks the sequence.
	tamper(`UPDATE events SET internal_note = 'cek lapangan' WHERE report_id = `+itoa(target.ID)+` AND seq = 3`,
		`DELETE FROM events WHERE report_id = `+itoa(target.ID)+` AND seq = 2`)
	_, broken, _ = esambat.VerifyChains(ctx, w.db)
	if broken == nil || broken.ReportID != target.ID || broken.Seq != 3 {
		t.Fatalf("deleted event not caught: %v", broken)
	}
	t.Logf("caught: %s", broken)
	// Deleting the last event of a chain (here a rejection) leaves a
	// valid-looking chain; the head recorded on the report catches it.
	w2 := newWorld(t, wibH(2026, 5, 4, 9))
	r := w2.submit(t)
	w2.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionReject, Reason: "urusan_pribadi"})
	err = w2.db.Writer.Write(ctx, func(tx sqlTx) error {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER events_no_delete`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM events WHERE seq = 2`) // the rejection, the last event
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, broken, _ = esambat.VerifyChains(ctx, w2.db)
	if broken == nil || broken.ReportID != r.ID || !strings.Contains(broken.Reason, "deleted from the end") {
		t.Fatalf("truncated chain not caught: %v", broken)
	}
	t.Logf("caught: %s", broken)
}

// fixedRouter always suggests one category with one confidence.
type fixedRouter struct {
	cat  string
	conf float64
}

func (f fixedRouter) Suggest(title, desc string, k int) []esambat.RouteSuggestion {
	return []esambat.RouteSuggestion{{Category: f.cat, Confidence: f.conf}}
}

// TestAutoDisposition: above the category's threshold a new report goes to
// the default agency at once, unpublished, as a system event an admin can
// undo; below it, or with the feature off, it waits in the queue.
func TestAutoDisposition(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 5, 4, 9))
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	w.svc.Router = fixedRouter{"jalan-jembatan", 0.93}
	if r := w.submit(t); r.Status != esambat.StatusDiajukan {
		t.Fatalf("threshold off: status %s", r.Status)
	}
	w.db.SetAutoThreshold(ctx, "jalan-jembatan", 0.9)
	r := w.submit(t)
	if r.Status != esambat.StatusDidisposisi || r.AgencyCode != "dinas-pupr" || r.Published() {
		t.Fatalf("auto: status %s agency %q published %v", r.Status, r.AgencyCode, r.Published())
	}
	events, _ := w.db.ListEvents(ctx, r.ID)
	if last := events[len(events)-1]; last.ActorRole != esambat.RoleSystem || last.Data["auto"] != "1" || last.Data["confidence"] != "0.930" {
		t.Errorf("auto event = %+v", last)
	}
	// Undo sends it back to the queue.
	r, err := w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionUndo})
	if err != nil || r.Status != esambat.StatusDiajukan || r.AgencyCode != "" {
		t.Fatalf("undo = %+v, %v", r, err)
	}
	// An admin's own disposition cannot be "undone" that way.
	r, _ = w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinas-pupr"})
	if _, err := w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionUndo}); esambat.ErrorCode(err) != esambat.ECONFLICT {
		t.Errorf("undo of a manual disposition = %v", err)
	}
	// Below the threshold: stays in the queue.
	w.svc.Router = fixedRouter{"jalan-jembatan", 0.6}
	if r := w.submit(t); r.Status != esambat.StatusDiajukan {
		t.Errorf("below threshold: %s", r.Status)
	}
	// The model suggesting another category never disposes.
	w.svc.Router = fixedRouter{"drainase-banjir", 0.99}
	if r := w.submit(t); r.Status != esambat.StatusDiajukan {
		t.Errorf("other category: %s", r.Status)
	}
	// Publish after review.
	w.svc.Router = fixedRouter{"jalan-jembatan", 0.95}
	r = w.submit(t)
	r, err = w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionPublish})
	if err != nil || !r.Published() {
		t.Errorf("publish = %v, %v", r.Published(), err)
	}
	if _, err := w.svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionPublish}); esambat.ErrorCode(err) != esambat.ECONFLICT {
		t.Errorf("publish twice = %v", err)
	}
}

// TestEscalationWalksPastEscalatedReports: already-escalated reports come
// first in every query; the tick must still reach the newer overdue ones.
func TestEscalationWalksPastEscalatedReports(t *testing.T) {
	defer esambat.SetTickBatch(2)()
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 5, 4, 9))
	for i := 0; i < 3; i++ {
		w.submit(t)
	}
	w.clock.Set(wibH(2026, 5, 20, 9))
	if res, err := w.svc.Tick(ctx); err != nil || res.Escalated != 3 {
		t.Fatalf("first tick = %+v, %v", res, err)
	}
	for i := 0; i < 3; i++ {
		w.submit(t) // new reports, overdue later
	}
	w.clock.Set(wibH(2026, 6, 10, 9))
	if res, err := w.svc.Tick(ctx); err != nil || res.Escalated != 3 {
		t.Errorf("second tick = %+v, %v; want the 3 newer reports escalated past the 3 already escalated", res, err)
	}
}
