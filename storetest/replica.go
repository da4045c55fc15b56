package storetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// Replica checks the reads of a store with a read replica (sqldb.DB's
// Replica), for a driver's tests. open gives two fresh stores: primary,
// made to read replica's database as its replica by attach, and replica.
// They are two databases here, holding different reports, so that what
// a read returns shows where it went: the public reads (lists and
// counts of published reports, the statistics' report times) must come
// from the replica, every other read from the primary. After down, which
// makes the replica unreachable, the public reads come from the primary,
// without an error.
func Replica(t *testing.T, open Opener, attach func(primary, replica Store), down func(primary Store)) {
	ctx := context.Background()
	primary, _ := seeded(t, open)
	replica, _ := seeded(t, open)
	users := map[Store]int64{primary: newUser(t, primary, "Rina").ID, replica: newUser(t, replica, "Rina").ID}
	mk := func(s Store, title string, published bool) *esambat.Report {
		t.Helper()
		r, ev := newReport(users[s], title)
		if published {
			r.PublishedAt = start
			r.Status, r.AgencyCode = esambat.StatusDidisposisi, "dinas-pupr"
		}
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := mk(primary, "Laporan utama pertama", true)
	second := mk(primary, "Laporan utama kedua", true)
	mk(primary, "Laporan utama belum terbit", false)
	mk(replica, "Laporan salinan", true)
	attach(primary, replica)

	titles := func(f esambat.ReportFilter) []string {
		t.Helper()
		p, err := primary.FindReports(ctx, f)
		if err != nil {
			t.Fatalf("FindReports(%+v): %v", f, err)
		}
		var out []string
		for _, r := range p.Reports {
			out = append(out, r.Title)
		}
		return out
	}
	count := func(f esambat.ReportFilter, max int) int {
		t.Helper()
		n, err := primary.CountReportsUpTo(ctx, f, max)
		if err != nil {
			t.Fatalf("CountReportsUpTo(%+v): %v", f, err)
		}
		return n
	}
	times := func() int {
		t.Helper()
		n := 0
		if err := primary.ReportTimes(ctx, func(esambat.ReportTimes) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	public := esambat.ReportFilter{PublishedOnly: true}
	window := esambat.ReportFilter{PublishedOnly: true, From: start.Add(-time.Hour), To: start.Add(time.Hour), Query: "laporan"}
	if got := titles(public); len(got) != 1 || got[0] != "Laporan salinan" {
		t.Errorf("the public list = %q, want the replica's", got)
	}
	if got := titles(window); len(got) != 1 || got[0] != "Laporan salinan" {
		t.Errorf("the public list with a window and words = %q, want the replica's", got)
	}
	if n := count(public, 100); n != 1 {
		t.Errorf("the public count = %d, want the replica's 1", n)
	}
	if n := count(window, 100); n != 1 {
		t.Errorf("the public count with a window and words = %d, want the replica's 1", n)
	}
	if n := times(); n != 1 {
		t.Errorf("ReportTimes gave %d reports, want the replica's 1", n)
	}
	// A cursor from a page the primary served, naming a report the
	// replica has not got yet: the page comes from the primary, not a
	// refusal, and the replica is not set aside for it.
	behind := esambat.ReportFilter{PublishedOnly: true, From: start.Add(-time.Hour), To: start.Add(time.Hour),
		After: strconv.FormatInt(second.ID, 36)}
	if got := titles(behind); len(got) != 1 || got[0] != first.Title {
		t.Errorf("the public list with a window after a report the replica lacks = %q, want the primary's %q", got, first.Title)
	}
	if got := titles(public); len(got) != 1 || got[0] != "Laporan salinan" {
		t.Errorf("after a cursor the replica lacked, the public list = %q, want the replica's", got)
	}
	// The rest reads the primary.
	if got := titles(esambat.ReportFilter{}); len(got) != 3 {
		t.Errorf("the staff list = %q, want the primary's 3", got)
	}
	if n, err := primary.CountReports(ctx, esambat.ReportFilter{}); err != nil || n != 3 {
		t.Errorf("the staff count = %d, %v; want the primary's 3", n, err)
	}
	if r, err := primary.FindReportByTicket(ctx, first.Ticket); err != nil || r.Title != first.Title {
		t.Errorf("FindReportByTicket(%s) = %+v, %v; want the primary's %q", first.Ticket, r, err, first.Title)
	}

	down(primary)
	for i := 0; i < 2; i++ { // the second after the replica was set aside
		if got := titles(public); len(got) != 2 {
			t.Errorf("with the replica down, the public list = %q, want the primary's 2", got)
		}
	}
	if n := count(window, 100); n != 2 {
		t.Errorf("with the replica down, the public count with a window = %d, want the primary's 2", n)
	}
	if n := times(); n != 3 {
		t.Errorf("with the replica down, ReportTimes gave %d reports, want the primary's 3", n)
	}
}
