package esambat_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// timesStore is a ReportStore that has only ReportTimes.
type timesStore struct {
	esambat.ReportStore
	times []esambat.ReportTimes
}

func (s timesStore) ReportTimes(_ context.Context, fn func(esambat.ReportTimes) error) error {
	for _, r := range s.times {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// TestStats: the statistics count every report in its groups, take the
// median of each clock's steps, count a step taken by its due time as
// met, one taken late or still waiting past it as missed, and average the
// ratings. Monday 2 March 2026 is a working day with the next four (no
// holidays that week), so the verification clock (3 working days) of a
// report sent that Monday runs out at the end of Thursday.
func TestStats(t *testing.T) {
	mon := time.Date(2026, 3, 2, 9, 0, 0, 0, esambat.WIB)
	h := func(n float64) time.Time { return mon.Add(time.Duration(n * float64(time.Hour))) }
	pupr := func(r esambat.ReportTimes) esambat.ReportTimes {
		r.AgencyCode, r.CategoryCode, r.KelurahanCode = "dinas-pupr", "jalan-jembatan", "35.75.02.1001"
		return r
	}
	store := timesStore{times: []esambat.ReportTimes{
		// Verified in 2 hours, accepted in 10, finished in 30 of its 48.
		pupr(esambat.ReportTimes{Status: esambat.StatusDitutup, Rating: 5, Submitted: h(0), Verified: h(2),
			Disposed: h(2), Accepted: h(12), Finished: h(42), Target: h(60)}),
		// Verified in 4 hours, accepted in 20, finished late (after 100 of 50).
		pupr(esambat.ReportTimes{Status: esambat.StatusSelesai, Rating: 2, Submitted: h(0), Verified: h(4),
			Disposed: h(4), Accepted: h(24), Finished: h(124), Target: h(74)}),
		// Verified in 100 hours, on Friday: late. Accepted in an hour,
		// and at work on it, the target a month off.
		pupr(esambat.ReportTimes{Status: esambat.StatusDiproses, Submitted: h(0), Verified: h(100), Disposed: h(100),
			Accepted: h(101), Target: h(800)}),
		// Rejected in 1 hour, in another category and kelurahan, no agency.
		{Status: esambat.StatusDitolak, CategoryCode: "lainnya", KelurahanCode: "35.75.01.1001", Submitted: h(0), Verified: h(1)},
		// Waiting since Monday, a week later: past its due time.
		{Status: esambat.StatusDiajukan, CategoryCode: "lainnya", KelurahanCode: "35.75.01.1001", Submitted: h(0)},
		// Sent in April, waiting, not yet due.
		{Status: esambat.StatusDiajukan, CategoryCode: "lainnya", KelurahanCode: "35.75.01.1001", Submitted: h(24 * 30)},
	}}
	svc := &esambat.Service{Reports: store, Clocks: esambat.Clocks{Calendar: embeddedCalendar(t), SLA: esambat.DefaultSLA()},
		Now: func() time.Time { return h(24*30 + 1) }}
	st, err := svc.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want time.Duration) {
		t.Helper()
		if math.Abs(float64(got-want)) > 0.025*float64(want) {
			t.Errorf("%s median = %v, want %v (to within 2.5 %%)", name, got, want)
		}
	}
	tot := st.Total
	if tot.Received != 6 || tot.Verify.Done != 4 || tot.Verify.Due != 5 || tot.Verify.Met != 3 {
		t.Errorf("verify: received %d, done %d, due %d, met %d; want 6, 4, 5, 3", tot.Received, tot.Verify.Done, tot.Verify.Due, tot.Verify.Met)
	}
	// Verification times 1, 2, 4, 100 hours: the median of four is the
	// second, as the histogram counts (n+1)/2.
	near("verify", tot.Verify.Median, 2*time.Hour)
	if tot.Verify.WithinTarget != 0.6 {
		t.Errorf("verify within target = %v, want 0.6", tot.Verify.WithinTarget)
	}
	if tot.Accept.Done != 3 || tot.Accept.Due != 3 || tot.Accept.Met != 3 {
		t.Errorf("accept = %+v; want 3 done, 3 due, 3 met", tot.Accept)
	}
	near("accept", tot.Accept.Median, 10*time.Hour)
	if tot.Finish.Done != 2 || tot.Finish.Due != 2 || tot.Finish.Met != 1 || tot.Finish.WithinTarget != 0.5 {
		t.Errorf("finish = %+v; want 2 done, 2 due (the one in progress is not due yet), 1 met", tot.Finish)
	}
	near("finish", tot.Finish.Median, 30*time.Hour)
	if tot.Rated != 2 || tot.Satisfaction != 3.5 {
		t.Errorf("rated %d, satisfaction %v; want 2, 3.5", tot.Rated, tot.Satisfaction)
	}
	if g := st.ByAgency["dinas-pupr"]; g == nil || g.Received != 3 || len(st.ByAgency) != 1 {
		t.Errorf("by agency = %v", st.ByAgency)
	}
	if g := st.ByCategory["lainnya"]; g == nil || g.Received != 3 || g.Verify.Done != 1 || g.Verify.Due != 2 || g.Accept.Done != 0 {
		t.Errorf("lainnya = %+v", g)
	}
	if g := st.ByKelurahan["35.75.02.1001"]; g == nil || g.Received != 3 {
		t.Errorf("by kelurahan = %v", st.ByKelurahan)
	}
	if m := st.Months(); len(m) != 2 || m[0] != "2026-03" || m[1] != "2026-04" || st.ByMonth["2026-03"].Received != 5 {
		t.Errorf("months = %v", m)
	}
	if !st.At.Equal(h(24*30 + 1)) {
		t.Errorf("At = %v", st.At)
	}
}
