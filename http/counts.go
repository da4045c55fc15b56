package http

import (
	"context"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// listCountMax is the most reports a list page counts; beyond it the page
// says "more than 10000". A whole count of the published reports read most
// of the table: 0.6 s for the public list page at a million reports.
var listCountMax = 10000

// listCount counts the reports of a list page, up to listCountMax; more
// reports whether there were more.
func (s *Server) listCount(ctx context.Context, f esambat.ReportFilter) (n int, more bool) {
	n, err := s.Service.Reports.CountReportsUpTo(ctx, f, listCountMax+1)
	if err != nil {
		return 0, false
	}
	if n > listCountMax {
		return listCountMax, true
	}
	return n, false
}

// homeCountsTTL is how long the home page's counters are shown before
// they are counted again; homeCountsRetry how long after a failed count
// the next is tried (a database that is down is not asked at every view).
const (
	homeCountsTTL   = time.Minute
	homeCountsRetry = 10 * time.Second
	// homeCountsWait is the longest a view waits for the first count;
	// after it the page goes without its counters.
	homeCountsWait = 250 * time.Millisecond
)

// homeCounts keeps the home page's three counters. Counting every published
// report reads most of the table (1.4 s for the three counters at a million
// reports on SQLite), and the home page is the most visited page: the
// counters are counted at start (WarmUp) and then at most once a minute,
// in the background, and no view waits for long.
type homeCounts struct {
	mu         sync.Mutex
	counts     homeData
	at         time.Time     // of the last count; zero before the first
	failed     time.Time     // of the last failed count
	refreshing bool          // a count is running
	first      chan struct{} // closed once the first count has ended
}

// homeCounters returns the counters (see refresh). Before the first count
// has ended it waits for it up to homeCountsWait; without counts (still
// counting, or the count failed) Counted is false and the page shows none
// rather than zeros.
func (s *Server) homeCounters(ctx context.Context) homeData {
	first := s.refresh()
	wait := time.NewTimer(homeCountsWait)
	defer wait.Stop()
	select {
	case <-first:
	case <-wait.C:
	case <-ctx.Done():
	}
	h := &s.home
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.counts
	d.Counted = !h.at.IsZero()
	return d
}

// WarmUp starts counting the home page's counters in the background, so
// that the first view after a start need not wait for them.
func (s *Server) WarmUp() { s.refresh() }

// refresh starts counting the counters in the background when there are
// none or they are older than homeCountsTTL, unless a count is running or
// one failed less than homeCountsRetry ago. It returns the channel closed
// once the first count has ended.
func (s *Server) refresh() <-chan struct{} {
	h := &s.home
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.first == nil {
		h.first = make(chan struct{})
	}
	now := s.Service.Time()
	if !h.refreshing && (h.at.IsZero() || !now.Before(h.at.Add(homeCountsTTL))) &&
		(h.failed.IsZero() || !now.Before(h.failed.Add(homeCountsRetry))) {
		h.refreshing = true
		go s.countHome()
	}
	return h.first
}

// countHome counts the home page's counters. A failed count keeps the
// previous counters; a page view after homeCountsRetry tries again.
func (s *Server) countHome() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	published := esambat.ReportFilter{PublishedOnly: true}
	inProgress := esambat.ReportFilter{PublishedOnly: true, Statuses: []esambat.Status{esambat.StatusDidisposisi, esambat.StatusDiproses}}
	done := esambat.ReportFilter{PublishedOnly: true, Statuses: []esambat.Status{esambat.StatusSelesai, esambat.StatusDitutup}}
	var d homeData
	var err error
	if d.Published, err = s.Service.Reports.CountReports(ctx, published); err == nil {
		if d.InProgress, err = s.Service.Reports.CountReports(ctx, inProgress); err == nil {
			d.Done, err = s.Service.Reports.CountReports(ctx, done)
		}
	}
	h := &s.home
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refreshing = false
	if err != nil {
		s.Logger.Warn("home page counters: counting failed; trying again in 10 s", "err", err)
		h.failed = s.Service.Time()
	} else {
		h.counts, h.at, h.failed = d, s.Service.Time(), time.Time{}
	}
	select {
	case <-h.first:
	default:
		close(h.first)
	}
}
