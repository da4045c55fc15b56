package esambat_test

import (
	"context"
	"encoding/json"
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

// memSnapshots is a SnapshotStore in memory; fail makes PutSnapshot fail.
type memSnapshots struct {
	body map[string][]byte
	at   map[string]time.Time
	fail bool
}

func (m *memSnapshots) PutSnapshot(_ context.Context, name string, at time.Time, body []byte) error {
	if m.fail {
		return esambat.Errorf(esambat.EUNAVAILABLE, "Basis data tidak menjawab.")
	}
	m.body[name], m.at[name] = body, at
	return nil
}

func (m *memSnapshots) Snapshot(_ context.Context, name string) ([]byte, time.Time, error) {
	b, ok := m.body[name]
	if !ok {
		return nil, time.Time{}, esambat.Errorf(esambat.ENOTFOUND, "none")
	}
	return b, m.at[name], nil
}

// countingTimes is timesStore counting its reads.
type countingTimes struct {
	timesStore
	reads *int
}

func (s countingTimes) ReportTimes(ctx context.Context, fn func(esambat.ReportTimes) error) error {
	*s.reads++
	return s.timesStore.ReportTimes(ctx, fn)
}

// TestSharedStats: the statistics are saved once computed and read back
// with every figure; while the saved ones are younger than maxAge they
// are used as they are (another instance computed them), after that
// computed anew; unreadable saved ones are computed over, and a failed
// save still returns the figures, with the error.
func TestSharedStats(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, esambat.WIB)
	sub := now.Add(-50 * time.Hour)
	reads := 0
	store := countingTimes{timesStore{times: []esambat.ReportTimes{
		{Status: esambat.StatusSelesai, AgencyCode: "dinas-pupr", CategoryCode: "jalan-jembatan", KelurahanCode: "35.75.02.1001", Rating: 4,
			Submitted: sub, Verified: sub.Add(2 * time.Hour), Disposed: sub.Add(2 * time.Hour), Accepted: sub.Add(5 * time.Hour),
			Finished: sub.Add(30 * time.Hour), Target: sub.Add(48 * time.Hour)},
		{Status: esambat.StatusDiajukan, CategoryCode: "lainnya", KelurahanCode: "35.75.01.1001", Submitted: sub},
	}}, &reads}
	snaps := &memSnapshots{body: map[string][]byte{}, at: map[string]time.Time{}}
	svc := &esambat.Service{Reports: store, Snapshots: snaps, Clocks: esambat.Clocks{Calendar: embeddedCalendar(t), SLA: esambat.DefaultSLA()},
		Now: func() time.Time { return now }}
	asJSON := func(st *esambat.Stats) string { b, _ := json.Marshal(st); return string(b) }

	if _, err := svc.SavedStats(ctx); esambat.ErrorCode(err) != esambat.ENOTFOUND {
		t.Fatalf("SavedStats before any = %v, want ENOTFOUND", err)
	}
	st, err := svc.SharedStats(ctx, 10*time.Minute)
	if err != nil || reads != 1 || st.Total.Received != 2 {
		t.Fatalf("SharedStats = %+v, %v after %d reads", st, err, reads)
	}
	saved, err := svc.SavedStats(ctx)
	if err != nil || asJSON(saved) != asJSON(st) || !saved.At.Equal(now) {
		t.Fatalf("SavedStats = %s, %v; want %s", asJSON(saved), err, asJSON(st))
	}
	if saved.Total.Finish.Median == 0 || saved.ByAgency["dinas-pupr"].Satisfaction != 4 || saved.ByMonth["2026-03"].Received != 2 {
		t.Errorf("the saved statistics lost figures: %s", asJSON(saved))
	}

	// Nine minutes on, with a new report: the saved ones are used.
	store.times = append(store.times, esambat.ReportTimes{Status: esambat.StatusDiajukan, CategoryCode: "lainnya", Submitted: now})
	svc.Reports = store
	now = now.Add(9 * time.Minute)
	if st, err := svc.SharedStats(ctx, 10*time.Minute); err != nil || reads != 1 || st.Total.Received != 2 {
		t.Errorf("SharedStats within maxAge = %d received, %v after %d reads; want the saved 2 and no read", st.Total.Received, err, reads)
	}
	// Ten minutes after they were computed: computed anew, and saved.
	now = now.Add(time.Minute)
	if st, err := svc.SharedStats(ctx, 10*time.Minute); err != nil || reads != 2 || st.Total.Received != 3 {
		t.Errorf("SharedStats after maxAge = %d received, %v after %d reads; want 3 and a second read", st.Total.Received, err, reads)
	}
	if saved, err := svc.SavedStats(ctx); err != nil || saved.Total.Received != 3 || !saved.At.Equal(now) {
		t.Errorf("saved after the second computation: %+v, %v", saved, err)
	}

	// Saved figures that do not decode are computed over.
	snaps.body["stats/1"] = []byte("{bukan json")
	if _, err := svc.SavedStats(ctx); err == nil || esambat.ErrorCode(err) == esambat.ENOTFOUND {
		t.Errorf("SavedStats of a broken snapshot = %v, want a decoding error", err)
	}
	if st, err := svc.SharedStats(ctx, 10*time.Minute); err != nil || reads != 3 || st.Total.Received != 3 {
		t.Errorf("SharedStats over a broken snapshot = %v after %d reads", err, reads)
	}
	// A failed save returns the figures and says so.
	snaps.fail = true
	now = now.Add(time.Hour)
	if st, err := svc.SharedStats(ctx, 10*time.Minute); err == nil || st == nil || st.Total.Received != 3 {
		t.Errorf("SharedStats failing to save = %v, %v; want the figures and the error", st, err)
	}
	// Without a SnapshotStore: nothing saved, computed every time.
	svc.Snapshots = nil
	if _, err := svc.SavedStats(ctx); esambat.ErrorCode(err) != esambat.ENOTFOUND {
		t.Errorf("SavedStats without a store = %v, want ENOTFOUND", err)
	}
	if st, err := svc.SharedStats(ctx, 10*time.Minute); err != nil || st.Total.Received != 3 || reads != 5 {
		t.Errorf("SharedStats without a store = %v after %d reads", err, reads)
	}
}

// memLeases is a LeaseStore in memory on the clock now; err makes
// AcquireLease fail.
type memLeases struct {
	now    *time.Time
	holder map[string]string
	until  map[string]time.Time
	err    error
}

func (m *memLeases) AcquireLease(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	if h, ok := m.holder[name]; ok && h != holder && m.now.Before(m.until[name]) {
		return false, nil
	}
	m.holder[name], m.until[name] = holder, m.now.Add(ttl)
	return true, nil
}

// TestSharedStatsLease: instances sharing a database compute the
// statistics one at a time. While another holds the lease, an instance
// reads no report: it returns the saved statistics however old, or
// EUNAVAILABLE when none were saved; once the lease has ended it computes
// them itself. A lease that cannot be taken is an error, not a second
// computation.
func TestSharedStatsLease(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, esambat.WIB)
	reads := 0
	store := countingTimes{timesStore{times: []esambat.ReportTimes{
		{Status: esambat.StatusDiajukan, CategoryCode: "lainnya", KelurahanCode: "35.75.01.1001", Submitted: now.Add(-time.Hour)},
	}}, &reads}
	snaps := &memSnapshots{body: map[string][]byte{}, at: map[string]time.Time{}}
	leases := &memLeases{now: &now, holder: map[string]string{}, until: map[string]time.Time{}}
	instance := func(name string) *esambat.Service {
		return &esambat.Service{Reports: store, Snapshots: snaps, Leases: leases, Instance: name,
			Clocks: esambat.Clocks{Calendar: embeddedCalendar(t), SLA: esambat.DefaultSLA()}, Now: func() time.Time { return now }}
	}
	a, b := instance("a"), instance("b")
	const maxAge = 10 * time.Minute

	// A is computing the first statistics: B has nothing to show yet.
	if ok, _ := leases.AcquireLease(ctx, "stats", "a", 2*time.Minute); !ok {
		t.Fatal("the lease could not be taken")
	}
	if st, err := b.SharedStats(ctx, maxAge); esambat.ErrorCode(err) != esambat.EUNAVAILABLE || st != nil || reads != 0 {
		t.Fatalf("SharedStats while another computes the first = %v, %v after %d reads; want EUNAVAILABLE and no read", st, err, reads)
	}
	first, err := a.SharedStats(ctx, maxAge)
	if err != nil || reads != 1 {
		t.Fatalf("SharedStats of the lease's holder = %v after %d reads", err, reads)
	}
	// Eleven minutes on they are old, and A is computing again: B shows
	// the old ones rather than reading every report too.
	now = now.Add(11 * time.Minute)
	leases.AcquireLease(ctx, "stats", "a", 2*time.Minute)
	st, err := b.SharedStats(ctx, maxAge)
	if err != nil || reads != 1 || !st.At.Equal(first.At) {
		t.Fatalf("SharedStats while another computes = %v, %v after %d reads; want the saved ones of %v", st, err, reads, first.At)
	}
	// A stopped; once its lease has ended B computes them.
	now = now.Add(2 * time.Minute)
	if st, err := b.SharedStats(ctx, maxAge); err != nil || reads != 2 || !st.At.Equal(now) {
		t.Fatalf("SharedStats after the lease ended = %v, %v after %d reads; want new ones", st, err, reads)
	}
	if saved, err := a.SavedStats(ctx); err != nil || !saved.At.Equal(now) {
		t.Errorf("B's statistics were not saved for A: %v, %v", saved, err)
	}
	// The lease store failing: an error, and no report read.
	now = now.Add(time.Hour)
	leases.err = esambat.Errorf(esambat.EUNAVAILABLE, "Basis data tidak menjawab.")
	if st, err := a.SharedStats(ctx, maxAge); err == nil || st != nil || reads != 2 {
		t.Errorf("SharedStats without its lease = %v, %v after %d reads; want an error and no read", st, err, reads)
	}
}
