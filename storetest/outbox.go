package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// outboxStore is what the outbox tests need beyond Store: every store
// implements the outbox and accepts a planner.
type outboxStore interface {
	esambat.OutboxStore
	SetPlanner(esambat.NotificationPlanner)
}

// testPlanner messages the reporter by SMS and email (the SMS twice, which
// the store must keep once) and fails for an event whose public text is
// "gagal", after returning messages, to prove they are not kept.
type testPlanner struct {
	mu        sync.Mutex
	reporters []int64 // the reporter passed to each Plan call (0 for nil)
}

func (p *testPlanner) Plan(ctx context.Context, r *esambat.Report, ev *esambat.Event, reporter *esambat.User) ([]esambat.Message, error) {
	p.mu.Lock()
	id := int64(0)
	if reporter != nil {
		id = reporter.ID
	}
	p.reporters = append(p.reporters, id)
	p.mu.Unlock()
	if ev.ID == 0 || ev.ReportID != r.ID || r.Ticket == "" {
		return nil, fmt.Errorf("planner called before the event was stored: event %+v, report %d %q", ev, r.ID, r.Ticket)
	}
	if reporter == nil {
		return nil, nil
	}
	body := r.Ticket + ": " + string(r.Status)
	msgs := []esambat.Message{
		{Channel: esambat.MessageSMS, To: reporter.Phone, Body: body},
		{Channel: esambat.MessageEmail, To: reporter.Email, Subject: r.Ticket, Body: body},
		{Channel: esambat.MessageSMS, To: reporter.Phone, Body: body + " (again)"},
	}
	if ev.Public == "gagal" {
		return msgs, errors.New("planner failed")
	}
	return msgs, nil
}

func (p *testPlanner) lastReporter() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.reporters) == 0 {
		return -1
	}
	return p.reporters[len(p.reporters)-1]
}

func outboxOf(t *testing.T, s Store) outboxStore {
	t.Helper()
	ob, ok := s.(outboxStore)
	if !ok {
		t.Fatalf("%T does not implement esambat.OutboxStore and SetPlanner", s)
	}
	return ob
}

// claimAll claims every message due at now and returns them.
func claimAll(t *testing.T, ob outboxStore, now time.Time) []esambat.Message {
	t.Helper()
	msgs, err := ob.ClaimMessages(context.Background(), "test", 10000, now)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func testOutbox(t *testing.T, open Opener) {
	t.Run("Transactional", func(t *testing.T) { testOutboxTransactional(t, open) })
	t.Run("ClaimMarkDeadRetry", func(t *testing.T) { testOutboxLifecycle(t, open) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testOutboxConcurrentClaims(t, open) })
}

func testOutboxTransactional(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	ob := outboxOf(t, s)
	p := &testPlanner{}
	ob.SetPlanner(p)
	u := newUser(t, s, "Wati")

	r, ev := newReport(u.ID, "Saluran air tersumbat")
	if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	if p.lastReporter() != u.ID {
		t.Errorf("planner got reporter %d, want %d", p.lastReporter(), u.ID)
	}
	msgs, err := ob.ListMessages(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages after CreateReport, want 2 (SMS and email; the repeated SMS kept once): %+v", len(msgs), msgs)
	}
	for _, m := range msgs {
		if m.ID == 0 || m.EventID != ev.ID || m.ReportID != r.ID || m.Status != esambat.MessagePending || m.Attempts != 0 ||
			!m.NextAt.Equal(start) || !m.CreatedAt.Equal(start) || m.Body != r.Ticket+": diajukan" {
			t.Errorf("stored message = %+v", m)
		}
	}
	if msgs[0].Channel != esambat.MessageSMS || msgs[0].To != u.Phone || msgs[1].Channel != esambat.MessageEmail ||
		msgs[1].To != u.Email || msgs[1].Subject != r.Ticket {
		t.Errorf("messages = %+v", msgs)
	}

	// A report without a reporter account: the planner gets nil.
	anon, anonEv := newReport(0, "Lampu taman mati")
	anonEv.ActorRole, anonEv.ActorID = esambat.RoleAdmin, 1
	if _, _, err := s.CreateReport(ctx, anon, anonEv, ""); err != nil {
		t.Fatal(err)
	}
	if p.lastReporter() != 0 {
		t.Errorf("planner got reporter %d for a report without one, want nil", p.lastReporter())
	}

	// The planner fails after returning messages: no report, no event,
	// no message.
	before, _ := s.CountReports(ctx, esambat.ReportFilter{})
	bad, badEv := newReport(u.ID, "Gagal direncanakan")
	badEv.Public = "gagal"
	if _, _, err := s.CreateReport(ctx, bad, badEv, ""); err == nil {
		t.Fatal("CreateReport succeeded although the planner failed")
	}
	// A failing insert (unknown category) writes no message either.
	bad2, bad2Ev := newReport(u.ID, "Kategori salah")
	bad2.CategoryCode = "tidak-ada"
	_, _, err = s.CreateReport(ctx, bad2, bad2Ev, "")
	wantCode(t, err, esambat.EINVALID)
	if after, _ := s.CountReports(ctx, esambat.ReportFilter{}); after != before {
		t.Errorf("%d reports after failed creates, want %d", after, before)
	}

	// UpdateReport: messages with the event; a refused update writes none.
	a, _ := s.FindReportByID(ctx, r.ID)
	stale, _ := s.FindReportByID(ctx, r.ID)
	c.set(start.Add(time.Hour))
	a.Status, a.AgencyCode = esambat.StatusDidisposisi, "dinas-pupr"
	verify := &esambat.Event{Action: string(esambat.ActionVerify), ActorID: 7, ActorRole: esambat.RoleAdmin,
		From: esambat.StatusDiajukan, To: esambat.StatusDidisposisi, Public: "Diteruskan ke Dinas PUPR."}
	if err := s.UpdateReport(ctx, a, verify); err != nil {
		t.Fatal(err)
	}
	stale.Status = esambat.StatusDitolak
	err = s.UpdateReport(ctx, stale, &esambat.Event{Action: string(esambat.ActionReject), ActorRole: esambat.RoleAdmin,
		From: esambat.StatusDiajukan, To: esambat.StatusDitolak, Public: "Ditolak."})
	wantCode(t, err, esambat.ECONFLICT)
	a2, _ := s.FindReportByID(ctx, r.ID)
	a2.Status = esambat.StatusDiproses
	err = s.UpdateReport(ctx, a2, &esambat.Event{Action: string(esambat.ActionAccept), ActorRole: esambat.RolePetugas,
		From: esambat.StatusDidisposisi, To: esambat.StatusDiproses, Public: "gagal"})
	if err == nil {
		t.Fatal("UpdateReport succeeded although the planner failed")
	}
	if got, _ := s.FindReportByID(ctx, r.ID); got.Status != esambat.StatusDidisposisi || got.Version != 2 {
		t.Errorf("after a failed plan the report is %s version %d, want didisposisi version 2", got.Status, got.Version)
	}
	if events, _ := s.ListEvents(ctx, r.ID); len(events) != 2 {
		t.Errorf("%d events, want 2 (the failed updates must add none)", len(events))
	}

	// AddPhotos: the photo event is planned with the stored report.
	photo := &esambat.Event{Action: "photo", ActorID: 7, ActorRole: esambat.RolePetugas, From: esambat.StatusDidisposisi,
		To: esambat.StatusDidisposisi, Public: "Foto bukti."}
	if err := s.AddPhotos(ctx, r.ID, []esambat.Photo{{Key: "k1", ThumbKey: "t1", Width: 10, Height: 10, Kind: esambat.PhotoEvidence}}, photo); err != nil {
		t.Fatal(err)
	}

	msgs, _ = ob.ListMessages(ctx, r.ID)
	perEvent := map[int64]int{}
	for _, m := range msgs {
		perEvent[m.EventID]++
	}
	if len(msgs) != 6 || perEvent[ev.ID] != 2 || perEvent[verify.ID] != 2 || perEvent[photo.ID] != 2 {
		t.Errorf("messages per event = %v (%d in all), want 2 for each of submit %d, verify %d, photo %d",
			perEvent, len(msgs), ev.ID, verify.ID, photo.ID)
	}
	if all := claimAll(t, ob, c.now()); len(all) != 6 {
		t.Errorf("%d messages in the outbox, want 6: failed writes must leave none", len(all))
	}
}

func testOutboxLifecycle(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	ob := outboxOf(t, s)
	ob.SetPlanner(&testPlanner{})
	u := newUser(t, s, "Bambang")
	for i := 0; i < 2; i++ {
		r, ev := newReport(u.ID, fmt.Sprintf("Trotoar rusak %d", i))
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	now := c.now()
	ids := func(msgs []esambat.Message) []int64 {
		var out []int64
		for _, m := range msgs {
			out = append(out, m.ID)
		}
		return out
	}

	// Nothing is due before its time.
	if got, _ := ob.ClaimMessages(ctx, "w1", 10, now.Add(-time.Second)); len(got) != 0 {
		t.Errorf("claimed %d messages before they were due", len(got))
	}
	first, err := ob.ClaimMessages(ctx, "w1", 3, now)
	if err != nil || len(first) != 3 {
		t.Fatalf("ClaimMessages(3) = %d, %v", len(first), err)
	}
	if !(first[0].ID < first[1].ID && first[1].ID < first[2].ID) {
		t.Errorf("claims not oldest first: %v", ids(first))
	}
	rest, _ := ob.ClaimMessages(ctx, "w2", 10, now)
	if len(rest) != 1 || rest[0].ID <= first[2].ID {
		t.Fatalf("second claim = %v, want only the fourth message", ids(rest))
	}
	if again, _ := ob.ClaimMessages(ctx, "w3", 10, now.Add(time.Minute)); len(again) != 0 {
		t.Errorf("claimed messages held by another worker: %v", ids(again))
	}
	// A worker that died: its messages come back after the lease.
	expired, _ := ob.ClaimMessages(ctx, "w3", 10, now.Add(esambat.OutboxLease+time.Second))
	if len(expired) != 4 {
		t.Fatalf("after the lease, claimed %v, want all 4 again", ids(expired))
	}
	sent, failed, dead, last := expired[0], expired[1], expired[2], expired[3]

	if n, err := ob.MarkSentAll(ctx, []int64{sent.ID}); err != nil || n != 1 {
		t.Fatalf("MarkSentAll(sent) = %d, %v; want 1", n, err)
	}
	if n, err := ob.MarkSentAll(ctx, []int64{sent.ID}); err != nil || n != 0 {
		t.Errorf("MarkSentAll of a message already sent = %d, %v; want 0", n, err)
	}
	wantCode(t, ob.MarkFailed(ctx, sent.ID, "x", now, false), esambat.ENOTFOUND)

	retryAt := now.Add(10 * time.Minute)
	if err := ob.MarkFailed(ctx, failed.ID, "smtp: 451 try later", retryAt, false); err != nil {
		t.Fatal(err)
	}
	if err := ob.MarkFailed(ctx, dead.ID, "gateway: 400 invalid number", now, true); err != nil {
		t.Fatal(err)
	}
	// A batch marks only its pending messages: not the one already sent
	// nor the dead one.
	if n, err := ob.MarkSentAll(ctx, []int64{sent.ID, last.ID, dead.ID}); err != nil || n != 1 {
		t.Fatalf("MarkSentAll(sent, last, dead) = %d, %v; want 1", n, err)
	}
	// The failed one is released (no lease) but waits for its next attempt.
	if got, _ := ob.ClaimMessages(ctx, "w1", 10, retryAt.Add(-time.Second)); len(got) != 0 {
		t.Errorf("claimed %v before the retry time", ids(got))
	}
	got, _ := ob.ClaimMessages(ctx, "w1", 10, retryAt)
	if len(got) != 1 || got[0].ID != failed.ID || got[0].Attempts != 1 || !got[0].NextAt.Equal(retryAt) {
		t.Fatalf("claim at retry time = %+v, want message %d with 1 attempt", got, failed.ID)
	}
	if err := ob.MarkFailed(ctx, failed.ID, "smtp: 451 try later", retryAt.Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}

	deadList, err := ob.ListDead(ctx, 10)
	if err != nil || len(deadList) != 1 || deadList[0].ID != dead.ID || deadList[0].Status != esambat.MessageDead ||
		deadList[0].LastError != "gateway: 400 invalid number" || deadList[0].Attempts != 1 {
		t.Fatalf("ListDead = %+v, %v", deadList, err)
	}
	if n, _ := ob.MarkSentAll(ctx, []int64{dead.ID}); n != 0 {
		t.Errorf("MarkSentAll marked a dead message")
	}
	if err := ob.RetryDead(ctx, dead.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, ob.RetryDead(ctx, dead.ID), esambat.ENOTFOUND)
	wantCode(t, ob.RetryDead(ctx, failed.ID), esambat.ENOTFOUND) // pending, not dead
	wantCode(t, ob.RetryDead(ctx, 987654), esambat.ENOTFOUND)
	if l, _ := ob.ListDead(ctx, 10); len(l) != 0 {
		t.Errorf("ListDead after retry = %+v", l)
	}
	got, _ = ob.ClaimMessages(ctx, "w1", 10, c.now())
	if len(got) != 1 || got[0].ID != dead.ID || got[0].Attempts != 0 || got[0].Status != esambat.MessagePending ||
		got[0].LastError == "" {
		t.Fatalf("claim after RetryDead = %+v, want message %d pending with attempts reset and its last error kept", got, dead.ID)
	}

	all, _ := ob.ListMessages(ctx, sent.ReportID)
	all2, _ := ob.ListMessages(ctx, last.ReportID)
	for _, m := range append(all, all2...) {
		if (m.ID == sent.ID || m.ID == last.ID) && m.Status != esambat.MessageSent {
			t.Errorf("sent message %d has status %q", m.ID, m.Status)
		}
	}
}

func testOutboxConcurrentClaims(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	ob := outboxOf(t, s)
	ob.SetPlanner(&testPlanner{})
	u := newUser(t, s, "Hadi")
	const reports = 40
	var wg sync.WaitGroup
	for i := 0; i < reports; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, ev := newReport(u.ID, fmt.Sprintf("Genangan air %d", i))
			if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	const workers = 4
	claimed := make([][]int64, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				msgs, err := ob.ClaimMessages(ctx, fmt.Sprintf("w%d", w), 3, c.now())
				if err != nil {
					t.Error(err)
					return
				}
				if len(msgs) == 0 {
					return
				}
				for _, m := range msgs {
					claimed[w] = append(claimed[w], m.ID)
				}
			}
		}(w)
	}
	wg.Wait()
	seen := map[int64]int{}
	for w, list := range claimed {
		for _, id := range list {
			if prev, ok := seen[id]; ok {
				t.Errorf("message %d claimed by workers %d and %d", id, prev, w)
			}
			seen[id] = w
		}
	}
	if len(seen) != 2*reports {
		t.Errorf("%d distinct messages claimed, want %d", len(seen), 2*reports)
	}
}
