package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// testStatusBound: a staff list of some statuses narrowed by words, a
// category or a kelurahan (bounded by its statuses' IDs on SQLite, see
// sqldb.statusBounded), and an agency's inbox searched (its rows checked
// one by one on SQLite, sqldb.inboxList), hold exactly the reports a
// filter over every report holds, in both orders and over every page. The reports in the
// status asked for are first and last of the matching ones and between
// others, so that a bound off by one at either end, or missing a status,
// loses one.
func testStatusBound(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Dewi")
	type made struct {
		id        int64
		status    esambat.Status
		category  string
		kelurahan string
		text      string // title and description
		agency    string
		created   time.Time
	}
	var all []made
	statuses := []esambat.Status{esambat.StatusDiajukan, esambat.StatusDitutup, esambat.StatusDidisposisi, esambat.StatusDitutup,
		esambat.StatusDiajukan, esambat.StatusDiproses, esambat.StatusSelesai}
	for i := range 25 {
		r, ev := newReport(u.ID, fmt.Sprintf("Jalan berlubang nomor %d", i))
		if i%3 == 1 {
			r.Title = fmt.Sprintf("Banjir setinggi lutut nomor %d", i)
			r.CategoryCode = "drainase-banjir"
		}
		if i%4 == 2 {
			r.KelurahanCode, r.Location.Kelurahan, r.Location.Kecamatan = "35.75.01.1001", "35.75.01.1001", "35.75.01"
		}
		r.Status = statuses[i%len(statuses)]
		if i == 0 || i == 24 || i == 22 {
			r.Status = esambat.StatusDiajukan
		}
		if r.Status != esambat.StatusDiajukan {
			r.AgencyCode = "dinas-pupr"
			if i%5 == 0 {
				r.AgencyCode = "dishub"
			}
		}
		r.CreatedAt = start.Add(time.Duration(i) * time.Hour)
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		all = append(all, made{r.ID, r.Status, r.CategoryCode, r.KelurahanCode, r.Title + " " + r.Description, r.AgencyCode, r.CreatedAt})
	}
	for _, f := range []esambat.ReportFilter{
		{Statuses: []esambat.Status{esambat.StatusDiajukan}, CategoryCode: "jalan-jembatan", OldestFirst: true, Limit: 2},
		{Statuses: []esambat.Status{esambat.StatusDiajukan}, CategoryCode: "jalan-jembatan", Limit: 3},
		{Statuses: []esambat.Status{esambat.StatusDiajukan}, Query: "jalan", OldestFirst: true, Limit: 2},
		{Statuses: []esambat.Status{esambat.StatusDiajukan}, Query: "banjir", Limit: 2},
		{Statuses: []esambat.Status{esambat.StatusDiajukan, esambat.StatusDidisposisi}, KelurahanCode: "35.75.02.1001", OldestFirst: true, Limit: 4},
		{Statuses: []esambat.Status{esambat.StatusDidisposisi}, Query: "jalan", Limit: 1},
		{Statuses: []esambat.Status{esambat.StatusDiajukan}, CategoryCode: "jalan-jembatan", From: start.Add(5 * time.Hour), To: start.Add(23 * time.Hour), OldestFirst: true, Limit: 2},
		{Statuses: []esambat.Status{esambat.StatusSelesai}, CategoryCode: "jalan-jembatan", Limit: 5},
		// An agency's inbox, searched (sqldb.inboxList: its rows checked
		// one by one on SQLite).
		{AgencyCode: "dinas-pupr", Statuses: esambat.AgencyInboxStatuses, Query: "banjir", OldestFirst: true, Limit: 2},
		{AgencyCode: "dinas-pupr", Statuses: esambat.AgencyInboxStatuses, Query: "jalan", Limit: 3},
		{AgencyCode: "dinas-pupr", Statuses: esambat.AgencyInboxStatuses, Query: "lutut nomor", OldestFirst: true, Limit: 1},
		{AgencyCode: "dinas-pupr", Statuses: esambat.AgencyInboxStatuses, Query: "di", OldestFirst: true, Limit: 4},
		{AgencyCode: "dishub", Statuses: []esambat.Status{esambat.StatusDiproses, esambat.StatusSelesai}, Query: "berlubang", KelurahanCode: "35.75.02.1001", Limit: 2},
		{AgencyCode: "dinas-pupr", Statuses: esambat.AgencyInboxStatuses, CategoryCode: "drainase-banjir", OldestFirst: true, Limit: 2},
	} {
		var want []int64
		for _, m := range all {
			if slices.Contains(f.Statuses, m.status) && (f.CategoryCode == "" || m.category == f.CategoryCode) &&
				(f.AgencyCode == "" || m.agency == f.AgencyCode) && containsWords(m.text, f.Query) &&
				(f.KelurahanCode == "" || m.kelurahan == f.KelurahanCode) &&
				(f.From.IsZero() || !m.created.Before(f.From)) && (f.To.IsZero() || m.created.Before(f.To)) {
				want = append(want, m.id)
			}
		}
		if len(want) < 2 {
			t.Errorf("%+v: %d reports to find; the test needs two or more", f, len(want))
		}
		if !f.OldestFirst {
			slices.Reverse(want)
		}
		if got := PageIDs(t, s, f, 30); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%+v:\n got %v\nwant %v", f, got, want)
		}
	}
}

// containsWords reports whether text holds every word of q, in any case.
func containsWords(text, q string) bool {
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(strings.ToLower(text), w) {
			return false
		}
	}
	return true
}
