package http

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Metrics is a small Prometheus text-format registry: counters and a
// request-duration histogram. A dozen series do not justify the Prometheus
// client library and its dependency tree.
type Metrics struct {
	mu       sync.Mutex
	counters map[string]float64 // full series name with labels -> value
	help     map[string]string  // metric name -> help
	buckets  []float64
	hist     map[string]*histogram // method -> histogram
	start    time.Time
	// Gauges are read at scrape time.
	gauges map[string]func() float64
}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{
		counters: map[string]float64{}, help: map[string]string{}, hist: map[string]*histogram{},
		buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		start:   time.Now(), gauges: map[string]func() float64{},
	}
}

// Add adds v to the counter name{labels}; labels are "k=v" pairs.
func (m *Metrics) Add(name, help string, v float64, labels ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.help[name] = help
	m.counters[series(name, labels)] += v
}

// Gauge registers a function read at every scrape.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.help[name] = help
	m.gauges[name] = f
}

func series(name string, labels []string) string {
	if len(labels) == 0 {
		return name
	}
	parts := make([]string, 0, len(labels))
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		parts = append(parts, k+"="+strconv.Quote(v))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// ObserveRequest counts a request and its duration.
func (m *Metrics) ObserveRequest(method string, status int, d time.Duration) {
	m.Add("esambat_http_requests_total", "HTTP requests by method and status code.", 1, "method="+method, "code="+strconv.Itoa(status))
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.hist[method]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(m.buckets))}
		m.hist[method] = h
	}
	sec := d.Seconds()
	for i, b := range m.buckets {
		if sec <= b {
			h.counts[i]++
		}
	}
	h.sum += sec
	h.n++
}

// WriteTo writes every metric in the Prometheus text format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.mu.Lock()
	names := map[string][]string{}
	for s := range m.counters {
		n, _, _ := strings.Cut(s, "{")
		names[n] = append(names[n], s)
	}
	keys := make([]string, 0, len(names))
	for n := range names {
		keys = append(keys, n)
	}
	sort.Strings(keys)
	for _, n := range keys {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n", n, m.help[n], n)
		sort.Strings(names[n])
		for _, s := range names[n] {
			fmt.Fprintf(&b, "%s %g\n", s, m.counters[s])
		}
	}
	gk := make([]string, 0, len(m.gauges))
	for n := range m.gauges {
		gk = append(gk, n)
	}
	sort.Strings(gk)
	for _, n := range gk {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", n, m.help[n], n, n, m.gauges[n]())
	}
	const hn = "esambat_http_request_duration_seconds"
	fmt.Fprintf(&b, "# HELP %s HTTP request duration.\n# TYPE %s histogram\n", hn, hn)
	methods := make([]string, 0, len(m.hist))
	for k := range m.hist {
		methods = append(methods, k)
	}
	sort.Strings(methods)
	for _, meth := range methods {
		h := m.hist[meth]
		for i, bound := range m.buckets {
			fmt.Fprintf(&b, "%s_bucket{method=%q,le=\"%g\"} %d\n", hn, meth, bound, h.counts[i])
		}
		fmt.Fprintf(&b, "%s_bucket{method=%q,le=\"+Inf\"} %d\n%s_sum{method=%q} %g\n%s_count{method=%q} %d\n", hn, meth, h.n, hn, meth, h.sum, hn, meth, h.n)
	}
	m.mu.Unlock()
	fmt.Fprintf(&b, "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(&b, "# HELP go_memstats_heap_alloc_bytes Heap bytes in use.\n# TYPE go_memstats_heap_alloc_bytes gauge\ngo_memstats_heap_alloc_bytes %d\n", ms.HeapAlloc)
	if rss, ok := residentBytes(); ok {
		fmt.Fprintf(&b, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", rss)
	}
	fmt.Fprintf(&b, "# HELP process_uptime_seconds Seconds since start.\n# TYPE process_uptime_seconds gauge\nprocess_uptime_seconds %g\n", time.Since(m.start).Seconds())
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// residentBytes reads the resident set size from /proc (Linux only).
func residentBytes() (int64, bool) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = s.Metrics.WriteTo(w)
}
