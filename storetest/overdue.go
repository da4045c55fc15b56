package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// testOverdueCounts: the overdue page's counts take the reports whose
// step is the city's and whose due date has passed, by agency and status,
// with the earliest due date; not the ones still in time, nor those
// waiting for the reporter.
func testOverdueCounts(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Wulan")
	now := c.now()
	add := func(title string, st esambat.Status, agency string, due time.Time) {
		t.Helper()
		r, ev := newReport(u.ID, title)
		r.Status, r.AgencyCode, r.DueAt = st, agency, due
		ev.To = st
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	add("Verifikasi terlambat", esambat.StatusDiajukan, "", now.Add(-time.Hour))
	add("Verifikasi terlambat lagi", esambat.StatusDiajukan, "", now.Add(-3*time.Hour))
	add("Verifikasi masih sempat", esambat.StatusDiajukan, "", now.Add(time.Hour))
	add("Diteruskan terlambat", esambat.StatusDidisposisi, "dinas-pupr", now.Add(-2*time.Hour))
	add("Dikerjakan terlambat", esambat.StatusDiproses, "dinas-pupr", now.Add(-48*time.Hour))
	add("Dikerjakan dinas lain", esambat.StatusDiproses, "dinkes", now)
	add("Menunggu pelapor", esambat.StatusSelesai, "dinas-pupr", now.Add(-time.Hour))
	add("Tanpa batas", esambat.StatusDiproses, "dinkes", time.Time{})
	got, err := s.OverdueCounts(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []esambat.OverdueCount{
		{AgencyCode: "", Status: esambat.StatusDiajukan, N: 2, OldestDue: now.Add(-3 * time.Hour)},
		{AgencyCode: "dinas-pupr", Status: esambat.StatusDidisposisi, N: 1, OldestDue: now.Add(-2 * time.Hour)},
		{AgencyCode: "dinas-pupr", Status: esambat.StatusDiproses, N: 1, OldestDue: now.Add(-48 * time.Hour)},
		{AgencyCode: "dinkes", Status: esambat.StatusDiproses, N: 1, OldestDue: now},
	}
	if len(got) != len(want) {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].AgencyCode != want[i].AgencyCode || got[i].Status != want[i].Status || got[i].N != want[i].N || !got[i].OldestDue.Equal(want[i].OldestDue) {
			t.Errorf("count %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// testMostOverdueFirst: the overdue page's list goes by due date, the
// report whose clock ran out longest ago first (ties by ID), page after
// page, whatever order the reports were sent in.
func testMostOverdueFirst(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Wulan")
	now := c.now()
	var want []string
	for i, late := range []time.Duration{2, 30, 5, 30, 1, 72, 0} {
		r, ev := newReport(u.ID, fmt.Sprintf("Laporan %d", i))
		r.Status, r.AgencyCode, r.DueAt = esambat.StatusDiproses, "dinas-pupr", now.Add(-late*time.Hour)
		ev.To = r.Status
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	// 72 h late, then the two 30 h late in the order sent, then 5, 2, 1, 0.
	want = []string{"Laporan 5", "Laporan 1", "Laporan 3", "Laporan 2", "Laporan 0", "Laporan 4", "Laporan 6"}
	var got []string
	f := esambat.ReportFilter{Statuses: esambat.CityStatuses, DueBefore: now, MostOverdueFirst: true, OldestFirst: true, Limit: 3}
	for page := 0; page < 5; page++ {
		p, err := s.FindReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Reports {
			got = append(got, r.Title)
		}
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("most overdue first = %v, want %v", got, want)
	}
}
