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
// category or a kelurahan (bounded by its statuses' IDs, see
// sqldb.statusBounded) holds exactly the reports a filter over every
// report holds, in both orders and over every page. The reports in the
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
		created   time.Time
	}
	var all []made
	statuses := []esambat.Status{esambat.StatusDiajukan, esambat.StatusDitutup, esambat.StatusDidisposisi, esambat.StatusDitutup, esambat.StatusDiajukan}
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
		r.CreatedAt = start.Add(time.Duration(i) * time.Hour)
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		all = append(all, made{r.ID, r.Status, r.CategoryCode, r.KelurahanCode, r.Title + " " + r.Description, r.CreatedAt})
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
	} {
		var want []int64
		for _, m := range all {
			if slices.Contains(f.Statuses, m.status) && (f.CategoryCode == "" || m.category == f.CategoryCode) &&
				(f.KelurahanCode == "" || m.kelurahan == f.KelurahanCode) &&
				(f.Query == "" || strings.Contains(strings.ToLower(m.text), f.Query)) &&
				(f.From.IsZero() || !m.created.Before(f.From)) && (f.To.IsZero() || m.created.Before(f.To)) {
				want = append(want, m.id)
			}
		}
		if !f.OldestFirst {
			slices.Reverse(want)
		}
		if got := PageIDs(t, s, f, 30); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%+v:\n got %v\nwant %v", f, got, want)
		}
	}
}
