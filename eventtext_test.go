package esambat_test

import (
	"context"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

// TestEventTextInEnglish walks reports through the service the way staff
// do when they leave the public text empty, and reads every event as a
// resident who chose English would: the sentences E-Sambat wrote come out
// in English, with the agency's name, the ticket and the officer's plan
// as they are; Indonesian readers get the stored text unchanged.
func TestEventTextInEnglish(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wibH(2026, 5, 4, 9))
	w.svc.Clocks.SLA.AutoClose = 7
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	petugas := esambat.Actor{UserID: 2, Role: esambat.RolePetugas, AgencyCode: "dinas-pupr"}
	done := w.submit(t)
	w.act(t, done.Ticket, admin, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinas-pupr"})
	w.act(t, done.Ticket, petugas, esambat.ActionInput{Action: esambat.ActionHandback, Reason: "Urusan provinsi"})
	w.act(t, done.Ticket, admin, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinas-pupr"})
	w.act(t, done.Ticket, admin, esambat.ActionInput{Action: esambat.ActionDispose, Agency: "dishub"})
	w.act(t, done.Ticket, admin, esambat.ActionInput{Action: esambat.ActionDispose, Agency: "dinas-pupr"})
	w.act(t, done.Ticket, petugas, esambat.ActionInput{Action: esambat.ActionAccept, Plan: "Tambal sulam pekan ini."})
	w.act(t, done.Ticket, petugas, esambat.ActionInput{Action: esambat.ActionFinish, Text: "Sudah ditambal."})
	w.clock.Set(wibH(2026, 6, 30, 9))
	if res, err := w.svc.Tick(ctx); err != nil || res.AutoClosed != 1 {
		t.Fatalf("tick = %+v, %v", res, err)
	}
	rejected := w.submit(t)
	w.act(t, rejected.Ticket, admin, esambat.ActionInput{Action: esambat.ActionReject, Reason: "luar_wilayah"})
	merged := w.submit(t)
	open := w.submit(t)
	w.act(t, merged.Ticket, admin, esambat.ActionInput{Action: esambat.ActionDuplicate, Of: open.Ticket})

	var en, id []string
	for _, r := range []*esambat.Report{done, rejected, merged} {
		events, err := w.db.ListEvents(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range events {
			en = append(en, esambat.EventText("en", &events[i]))
			id = append(id, esambat.EventText("id", &events[i]))
			if got := esambat.EventText("id", &events[i]); got != events[i].Public {
				t.Errorf("Indonesian text changed: %q -> %q", events[i].Public, got)
			}
		}
	}
	pupr, _ := w.db.FindAgency(ctx, "dinas-pupr")
	dishub, _ := w.db.FindAgency(ctx, "dishub")
	want := []string{
		"Report received, waiting for verification.",
		"Report verified and forwarded to " + pupr.Name + ".",
		"The agency says this report is not within its duties; it went back to the administrators to be forwarded.",
		"Report re-routed to " + dishub.Name + ".",
		"Accepted by the agency. Plan: Tambal sulam pekan ini.",
		"Sudah ditambal.", // the officer's own words
		"Report closed automatically: the reporter did not reply within 7 working days.",
		"Report rejected: location outside Kota Pasuruan.",
		"Report merged into " + open.Ticket + "; follow it there.",
	}
	all := strings.Join(en, "\n")
	for _, s := range want {
		if !strings.Contains(all, s) {
			t.Errorf("English texts lack %q:\n%s", s, all)
		}
	}
	if !strings.Contains(strings.Join(id, "\n"), "dalam 7 hari kerja") {
		t.Errorf("the auto-close text does not follow the configured days:\n%s", strings.Join(id, "\n"))
	}
}

// TestEventTextLeavesPeoplesWords: only what E-Sambat wrote is translated.
// A staff member's sentence that starts like one of the system's stays as
// written, rather than coming out half English.
func TestEventTextLeavesPeoplesWords(t *testing.T) {
	for _, ev := range []esambat.Event{
		{Action: "verify", Public: "Laporan diverifikasi dan diteruskan ke Dinas PUPR untuk segera ditambal."},
		{Action: "reject", Public: "Laporan ditolak: sudah ditangani warga sendiri.", Data: map[string]string{"reason": "urusan_pribadi"}},
		{Action: "answer", Public: "Terima kasih, petugas akan datang besok."},
		{Action: "answer", Public: ""},
	} {
		if got := esambat.EventText("en", &ev); got != ev.Public {
			t.Errorf("EventText(en, %q) = %q, want it unchanged", ev.Public, got)
		}
	}
	if got := esambat.EventText("en", nil); got != "" {
		t.Errorf("EventText(nil) = %q", got)
	}
	// A fixed sentence is the system's whoever stored it (events from
	// before the marker existed, demo data).
	ev := esambat.Event{Public: esambat.TextReceived}
	if got := esambat.EventText("en", &ev); got != "Report received, waiting for verification." {
		t.Errorf("fixed sentence = %q", got)
	}
}
