package http

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// listCountMax is the most reports a list page counts; beyond it the page
// says "more than 10000". A whole count of the published reports read most
// of the table: 0.6 s for the public list page at a million reports.
var listCountMax = 10000

// listCount counts the reports of a list page, up to listCountMax; more
// reports whether there were more. A public list's count is kept for
// listCountTTL (listCounts).
func (s *Server) listCount(ctx context.Context, f esambat.ReportFilter) (n int, more bool) {
	key := ""
	if f.PublishedOnly {
		key = listCountKey(f)
		if c, ok := s.counts.get(key, s.Service.Time()); ok {
			return c.n, c.more
		}
	}
	n, err := s.Service.Reports.CountReportsUpTo(ctx, f, listCountMax+1)
	if err != nil {
		return 0, false
	}
	if n > listCountMax {
		n, more = listCountMax, true
	}
	if key != "" {
		s.counts.put(key, listCounted{n: n, more: more, at: s.Service.Time()})
	}
	return n, more
}

// listCountTTL is how long a public list's count is kept, and
// listCountKeep how many counts are: paging through a search counted the
// same reports again at every page (at a million reports 0.03-0.1 s on
// SQLite, 0.14-0.64 s for two words in a date window on PostgreSQL). A
// count may lag the list by as long, like the home page's counters.
const (
	listCountTTL  = time.Minute
	listCountKeep = 1000
)

// listCounts keeps public lists' counts by their filter (listCountKey).
type listCounts struct {
	mu sync.Mutex
	m  map[string]listCounted
}

type listCounted struct {
	n    int
	more bool
	at   time.Time
}

// listCountKey is the key of f's count: the filter without what does not
// change the count (the page's cursor and size, the order).
func listCountKey(f esambat.ReportFilter) string {
	f.After, f.Limit, f.OldestFirst = "", 0, false
	b, err := json.Marshal(f)
	if err != nil {
		return ""
	}
	return string(b)
}

func (c *listCounts) get(key string, now time.Time) (listCounted, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	if !ok || key == "" || !now.Before(v.at.Add(listCountTTL)) {
		return listCounted{}, false
	}
	return v, true
}

// put keeps v; when listCountKeep counts are kept it first drops those
// that have run out, or else every one.
func (c *listCounts) put(key string, v listCounted) {
	if key == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= listCountKeep {
		old := c.m
		c.m = make(map[string]listCounted)
		for k, o := range old {
			if v.at.Before(o.at.Add(listCountTTL)) && len(c.m) < listCountKeep/2 {
				c.m[k] = o
			}
		}
	}
	c.m[key] = v
}

// cached keeps a value that is costly to compute (counts over every
// published report, the statistics over every report) for the pages that
// show it. It is computed in the background when first asked for (or at
// the server's start: WarmUp) and then at most once per ttl, when a view
// finds it older; a
// failed computation keeps the last value and is tried again after retry,
// not at every view; no view waits longer than wait for the first.
type cached[T any] struct {
	ttl, retry, wait, timeout time.Duration
	what                      string // for the log
	compute                   func(context.Context) (T, error)
	// load, when set, reads a value kept from before (saved by an
	// earlier run or by another instance) and when it was computed. The
	// first computation starts with it: it is served at once, however
	// old, and computed anew only when older than ttl.
	load func(context.Context) (T, time.Time, error)
	// stamp, when set, says when a value compute returned was computed:
	// compute may return one computed earlier, by another instance
	// (the statistics: Service.SharedStats). Unset, it is the time
	// compute returned.
	stamp func(T) time.Time

	mu         sync.Mutex
	v          T
	at         time.Time     // of the last computation; zero before the first
	failed     time.Time     // of the last failed one
	refreshing bool          // one is running
	loaded     bool          // load was called
	first      chan struct{} // closed once the first has ended
}

// get returns the value and when it was computed (see refresh). Before the
// first computation has ended it waits for it up to c.wait; without a
// value (still computing, or it failed) the time is zero.
func (c *cached[T]) get(ctx context.Context, s *Server) (T, time.Time) {
	first := c.refresh(s)
	wait := time.NewTimer(c.wait)
	defer wait.Stop()
	select {
	case <-first:
	case <-wait.C:
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v, c.at
}

// refresh starts computing the value in the background when there is none
// or it is older than c.ttl, unless a computation is running or one failed
// less than c.retry ago. It returns the channel closed once the first
// computation has ended.
func (c *cached[T]) refresh(s *Server) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first == nil {
		c.first = make(chan struct{})
	}
	now := s.Service.Time()
	if !c.refreshing && (c.at.IsZero() || !now.Before(c.at.Add(c.ttl))) &&
		(c.failed.IsZero() || !now.Before(c.failed.Add(c.retry))) {
		c.refreshing = true
		go c.run(s)
	}
	return c.first
}

// run computes the value once (after loading the one kept, the first
// time).
func (c *cached[T]) run(s *Server) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if c.loadKept(ctx, s) {
		return
	}
	v, err := c.compute(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	if err != nil {
		s.Logger.Warn(c.what+": computing failed; trying again later", "retry", c.retry, "err", err)
		c.failed = s.Service.Time()
	} else {
		now := s.Service.Time()
		c.v, c.at, c.failed = v, now, time.Time{}
		if c.stamp != nil {
			c.at = c.stamp(v)
		}
		if !now.Before(c.at.Add(c.ttl)) {
			// Already older than ttl (another instance is computing
			// newer ones): looked for again after retry, not at
			// every view.
			c.failed = now
		}
	}
	c.ended()
}

// loadKept serves the value kept from before, on the first run of a
// cached value with load; true when it is recent enough that nothing
// needs computing.
func (c *cached[T]) loadKept(ctx context.Context, s *Server) bool {
	c.mu.Lock()
	first := c.load != nil && !c.loaded
	c.loaded = true
	c.mu.Unlock()
	if !first {
		return false
	}
	v, at, err := c.load(ctx)
	if err != nil {
		if esambat.ErrorCode(err) != esambat.ENOTFOUND {
			s.Logger.Warn(c.what+": reading the saved value failed; computing it", "err", err)
		}
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.v, c.at = v, at
	c.ended()
	if s.Service.Time().Before(at.Add(c.ttl)) {
		c.refreshing = false
		return true
	}
	return false
}

// ended tells the views waiting for the first value that there is one
// (or that it failed); c.mu is held.
func (c *cached[T]) ended() {
	select {
	case <-c.first:
	default:
		close(c.first)
	}
}

// newHomeCounts returns the home page's three counters, cached: counting
// every published report reads most of the table (1.4 s for the three at
// a million reports on SQLite), and the home page is the most visited
// page. They are counted again at most once a minute, a failed count is
// tried again after 10 s, and a view waits at most 250 ms for the first.
// Each count is saved in the database (homeSnapshot), so that the first
// views after a restart show the last saved counters, not none, while
// they are counted anew.
func (s *Server) newHomeCounts() *cached[homeData] {
	return &cached[homeData]{ttl: time.Minute, retry: 10 * time.Second, wait: 250 * time.Millisecond,
		timeout: time.Minute, what: "home page counters", compute: s.countHome, load: s.savedHome}
}

// homeSnapshot names the home page counters' snapshot.
const homeSnapshot = "home/1"

// homeSaved is the home page counters as saved.
type homeSaved struct {
	Published, InProgress, Done int
}

// savedHome reads the counters countHome last saved, by this instance or
// another.
func (s *Server) savedHome(ctx context.Context) (homeData, time.Time, error) {
	if s.Service.Snapshots == nil {
		return homeData{}, time.Time{}, esambat.Errorf(esambat.ENOTFOUND, "Tidak ada penyimpanan.")
	}
	body, at, err := s.Service.Snapshots.Snapshot(ctx, homeSnapshot)
	if err != nil {
		return homeData{}, time.Time{}, err
	}
	var h homeSaved
	if err := json.Unmarshal(body, &h); err != nil {
		return homeData{}, time.Time{}, fmt.Errorf("the saved home page counters: %w", err)
	}
	return homeData{Published: h.Published, InProgress: h.InProgress, Done: h.Done}, at, nil
}

// homeCounters returns the counters; without counts (still counting, or
// the count failed) Counted is false and the page shows none rather than
// zeros.
func (s *Server) homeCounters(ctx context.Context) homeData {
	d, at := s.home.get(ctx, s)
	d.Counted = !at.IsZero()
	return d
}

// WarmUp starts counting the home page's counters in the background, so
// that the first views after a start need not wait for them. Call it
// after Handler, which sets them up. The statistics are not computed
// here but at their first request: at a million reports they take 15-25 s
// of CPU and a few MiB more memory, which a start should not spend before
// anyone asks for them (the bench's idle RSS rose from 47.8 to 59.6 MiB
// with them at start, against a target of 60).
func (s *Server) WarmUp() { s.home.refresh(s) }

// countHome counts the home page's counters.
func (s *Server) countHome(ctx context.Context) (homeData, error) {
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
	if err == nil && s.Service.Snapshots != nil {
		body, _ := json.Marshal(homeSaved{Published: d.Published, InProgress: d.InProgress, Done: d.Done})
		if serr := s.Service.Snapshots.PutSnapshot(ctx, homeSnapshot, s.Service.Time(), body); serr != nil {
			s.Logger.Warn("home page counters: counted but not saved", "err", serr)
		}
	}
	return d, err
}
