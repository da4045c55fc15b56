package esambat

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
)

// ReportTimes is what the public statistics need of one report: where it
// belongs, and when it first passed each clock's step (zero: not yet).
// Stores read it from the reports and their events (ReportStore.ReportTimes).
type ReportTimes struct {
	CategoryCode, AgencyCode, KelurahanCode string
	Status                                  Status
	Rating                                  int
	Submitted                               time.Time
	// Verified is the first decision on the report after submission:
	// verified and disposed, returned for details, rejected or merged.
	Verified time.Time
	// Disposed is its first disposition to an agency, Accepted the first
	// acceptance with a plan, Finished the first "selesai".
	Disposed, Accepted, Finished time.Time
	// Target is the completion target the agency set when accepting.
	Target time.Time
}

// Stats are the public statistics: how fast the city verifies, the
// agencies accept and finish, and how residents rate the result, in all
// and per agency, kelurahan, category and month of submission.
type Stats struct {
	// At is when they were computed.
	At          time.Time
	Total       StatsGroup
	ByAgency    map[string]*StatsGroup
	ByKelurahan map[string]*StatsGroup
	ByCategory  map[string]*StatsGroup
	// ByMonth is by the month of submission in WIB, "2026-03".
	ByMonth map[string]*StatsGroup
}

// StatsGroup are the figures of one group of reports.
type StatsGroup struct {
	// Received counts the reports submitted.
	Received int
	// Verify, Accept and Finish are the three clocks: from submission to
	// the first decision, from disposition to acceptance, from acceptance
	// to "selesai".
	Verify, Accept, Finish ClockStats
	// Rated counts the reports their residents rated; Satisfaction is the
	// mean rating (1 to 5), 0 when none was.
	Rated        int
	Satisfaction float64
	ratingSum    int
}

// ClockStats are the figures of one clock over a group.
type ClockStats struct {
	// Done counts the steps taken; Median is the median time they took
	// (to within 5 %, see durationHistogram), 0 when none was.
	Done   int
	Median time.Duration
	// WithinTarget is the share of the steps due that were taken by
	// their due time, between 0 and 1: a step still waiting past its due
	// time counts as missed, so a backlog cannot look fast. Due counts
	// those steps; WithinTarget is 0 when there were none.
	Due, Met     int
	WithinTarget float64
	hist         durationHistogram
}

// Stats computes the public statistics over every report, at the
// service's time: one pass over ReportTimes, constant memory per group.
func (s *Service) Stats(ctx context.Context) (*Stats, error) {
	now := s.now()
	st := &Stats{At: now, ByAgency: map[string]*StatsGroup{}, ByKelurahan: map[string]*StatsGroup{},
		ByCategory: map[string]*StatsGroup{}, ByMonth: map[string]*StatsGroup{}}
	group := func(m map[string]*StatsGroup, key string) *StatsGroup {
		if key == "" {
			return nil
		}
		g := m[key]
		if g == nil {
			g = &StatsGroup{}
			m[key] = g
		}
		return g
	}
	err := s.Reports.ReportTimes(ctx, func(r ReportTimes) error {
		var verify, accept, finish step
		verify = step{start: r.Submitted, end: r.Verified, due: s.Clocks.VerifyDue(r.Submitted),
			waiting: r.Verified.IsZero() && r.Status == StatusDiajukan}
		if !r.Disposed.IsZero() {
			accept = step{start: r.Disposed, end: r.Accepted, due: s.Clocks.AcceptDue(r.Disposed),
				waiting: r.Accepted.IsZero() && r.Status == StatusDidisposisi}
		}
		if !r.Accepted.IsZero() {
			finish = step{start: r.Accepted, end: r.Finished, due: r.Target,
				waiting: r.Finished.IsZero() && r.Status == StatusDiproses}
		}
		for _, g := range []*StatsGroup{&st.Total, group(st.ByAgency, r.AgencyCode), group(st.ByKelurahan, r.KelurahanCode),
			group(st.ByCategory, r.CategoryCode), group(st.ByMonth, r.Submitted.In(WIB).Format("2006-01"))} {
			if g == nil {
				continue
			}
			g.Received++
			g.Verify.add(verify, now)
			g.Accept.add(accept, now)
			g.Finish.add(finish, now)
			if r.Rating >= 1 && r.Rating <= 5 {
				g.Rated++
				g.ratingSum += r.Rating
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, g := range st.groups() {
		g.finish()
	}
	return st, nil
}

// statsSnapshot names the statistics' snapshot (SnapshotStore). Its
// version changes with the fields of Stats, so that a build never shows
// figures saved by another that meant something else by them.
const statsSnapshot = "stats/1"

// SavedStats returns the statistics SharedStats last saved, by this
// instance or another, and however old (Stats.At says); ENOTFOUND when
// none were saved or there is no SnapshotStore.
func (s *Service) SavedStats(ctx context.Context) (*Stats, error) {
	if s.Snapshots == nil {
		return nil, Errorf(ENOTFOUND, "Statistik belum pernah disimpan.")
	}
	body, _, err := s.Snapshots.Snapshot(ctx, statsSnapshot)
	if err != nil {
		return nil, err
	}
	st := new(Stats)
	if err := json.Unmarshal(body, st); err != nil {
		return nil, fmt.Errorf("the saved statistics: %w", err)
	}
	return st, nil
}

// statsLease is the lease (Service.Leases) an instance holds while it
// computes the statistics for every instance; statsLeaseTTL is how long
// it holds it. At a million reports a computation takes 16-34 s; one
// that outlasts the lease may be joined by a second instance's, which
// costs time but no figure. A holder that stops mid-computation (a
// restart) keeps the others on the saved figures until the lease ends.
const (
	statsLease    = "stats"
	statsLeaseTTL = 2 * time.Minute
)

// SharedStats returns statistics computed less than maxAge ago: those
// saved, when another instance computed them since, or else computed
// now (Stats) and saved for the other instances and for after a
// restart. Computed but not saved, it returns them with the error.
//
// With Leases, only the instance holding the lease computes: while
// another holds it, SharedStats returns the saved statistics however old
// (Stats.At says), or EUNAVAILABLE when none were saved yet, rather than
// reading every report a second time.
func (s *Service) SharedStats(ctx context.Context, maxAge time.Duration) (*Stats, error) {
	saved, err := s.SavedStats(ctx)
	if err == nil && s.now().Sub(saved.At) < maxAge {
		return saved, nil
	}
	if s.Leases != nil && s.Snapshots != nil {
		mine, lerr := s.Leases.AcquireLease(ctx, statsLease, s.Instance, statsLeaseTTL)
		switch {
		case lerr != nil:
			return nil, fmt.Errorf("the statistics' lease: %w", lerr)
		case !mine && err == nil:
			return saved, nil
		case !mine:
			return nil, Errorf(EUNAVAILABLE, "Statistik sedang dihitung oleh server lain.")
		}
	}
	st, err := s.Stats(ctx)
	if err != nil || s.Snapshots == nil {
		return st, err
	}
	body, err := json.Marshal(st)
	if err == nil {
		err = s.Snapshots.PutSnapshot(ctx, statsSnapshot, st.At, body)
	}
	if err != nil {
		return st, fmt.Errorf("saving the statistics: %w", err)
	}
	return st, nil
}

// groups returns every group of st, Total first.
func (st *Stats) groups() []*StatsGroup {
	out := []*StatsGroup{&st.Total}
	for _, m := range []map[string]*StatsGroup{st.ByAgency, st.ByKelurahan, st.ByCategory, st.ByMonth} {
		for _, g := range m {
			out = append(out, g)
		}
	}
	return out
}

// Months returns the months of ByMonth, oldest first.
func (st *Stats) Months() []string {
	out := make([]string, 0, len(st.ByMonth))
	for m := range st.ByMonth {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// step is one report's passage through one clock: started at start (zero:
// the clock never ran), taken at end (zero: not yet), due at due (zero: no
// target known), waiting when the report still waits for it.
type step struct {
	start, end, due time.Time
	waiting         bool
}

func (c *ClockStats) add(s step, now time.Time) {
	if s.start.IsZero() {
		return
	}
	if !s.end.IsZero() {
		c.Done++
		c.hist.add(s.end.Sub(s.start))
	}
	switch {
	case s.due.IsZero():
	case !s.end.IsZero():
		// A clock has run out at its due time (Calendar.AddWorkingDays).
		c.Due++
		if s.end.Before(s.due) {
			c.Met++
		}
	case s.waiting && !now.Before(s.due):
		c.Due++
	}
}

func (g *StatsGroup) finish() {
	for _, c := range []*ClockStats{&g.Verify, &g.Accept, &g.Finish} {
		c.Median = c.hist.median()
		if c.Due > 0 {
			c.WithinTarget = float64(c.Met) / float64(c.Due)
		}
	}
	if g.Rated > 0 {
		g.Satisfaction = float64(g.ratingSum) / float64(g.Rated)
	}
}

// durationHistogram counts durations in bins 5 % wide on a log scale,
// from a minute to about four years (longer ones count in the last bin): a median to within 5 % in constant
// memory per group (the exact median would keep every duration of a
// million reports for each group it belongs to).
type durationHistogram struct {
	n    int
	bins [histBins]uint32
}

const (
	histBins   = 300
	histGrowth = 1.05
)

var histLogGrowth = math.Log(histGrowth)

func (h *durationHistogram) add(d time.Duration) {
	i := 0
	if m := d.Minutes(); m > 1 {
		i = min(int(math.Log(m)/histLogGrowth)+1, histBins-1)
	}
	h.bins[i]++
	h.n++
}

// median returns the middle of the bin holding the median: durations of
// a minute or less are 0.
func (h *durationHistogram) median() time.Duration {
	if h.n == 0 {
		return 0
	}
	half, seen := (h.n+1)/2, 0
	for i, c := range h.bins {
		if seen += int(c); seen >= half {
			if i == 0 {
				return 0
			}
			// Bin i holds (growth^(i-1), growth^i] minutes; its geometric
			// middle is off by at most half a bin, 2.5 %.
			m := math.Pow(histGrowth, float64(i)-0.5)
			return time.Duration(m * float64(time.Minute)).Round(time.Second)
		}
	}
	return 0
}
