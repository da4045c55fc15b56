package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/demo"
	"github.com/esambat/esambat/geo"
	"github.com/esambat/esambat/refdata"
)

// latencies summarises request durations.
type latencies struct {
	n, errors int
	elapsed   time.Duration
	p50, p99  time.Duration
	max       time.Duration
	firstErr  string
}

func (l latencies) rate() float64 { return float64(l.n) / l.elapsed.Seconds() }

func summarise(ds []time.Duration, errs int, firstErr string, elapsed time.Duration) latencies {
	slices.Sort(ds)
	l := latencies{n: len(ds), errors: errs, elapsed: elapsed, firstErr: firstErr}
	if len(ds) > 0 {
		l.p50 = ds[len(ds)*50/100]
		l.p99 = ds[min(len(ds)-1, len(ds)*99/100)]
		l.max = ds[len(ds)-1]
	}
	return l
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: conns * 2,
			DisableCompression: true, IdleConnTimeout: time.Minute,
		},
	}
}

// login returns bearer tokens for the demo residents warga1..wargaN
// (seed-demo's accounts, password "demo").
func login(client *http.Client, base string, n int) ([]string, error) {
	var tokens []string
	for i := 1; i <= n; i++ {
		body, _ := json.Marshal(map[string]string{"login": fmt.Sprintf("warga%d@demo.esambat.test", i), "password": "demo", "name": "bench"})
		resp, err := client.Post(base+"/api/v1/auth/token", "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		var out struct {
			Token string `json:"token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || out.Token == "" {
			return nil, fmt.Errorf("login warga%d: %s %v", i, resp.Status, err)
		}
		tokens = append(tokens, out.Token)
	}
	return tokens, nil
}

// reportBodies prepares realistic submissions: the embedded report texts
// with a point drawn in a random kelurahan for place-bound categories and
// half of the others.
func reportBodies(n int) ([][]byte, error) {
	texts, err := demo.Texts()
	if err != nil {
		return nil, err
	}
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		return nil, err
	}
	cats, err := shippedCategories()
	if err != nil {
		return nil, err
	}
	needsPoint := map[string]bool{}
	for _, c := range cats {
		needsPoint[c.Code] = c.RequiresLocation
	}
	kel := loc.Kelurahan()
	r := mrand.New(mrand.NewPCG(42, 42))
	var out [][]byte
	for range n {
		t := texts[r.IntN(len(texts))]
		k := kel[r.IntN(len(kel))]
		body := map[string]any{"category": t.Category, "title": t.Title, "description": t.Description,
			"visibility": []string{"publik", "publik", "publik", "anonim", "rahasia"}[r.IntN(5)], "kelurahan_code": k.Code,
			"address": fmt.Sprintf("Jl. Veteran No. %d", 1+r.IntN(100))}
		if needsPoint[t.Category] || r.IntN(2) == 0 {
			lat, lng, _ := loc.RandomPoint(k.Code, r)
			body["location"] = map[string]float64{"lat": lat, "lng": lng}
		}
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// refusedBodies are bodies with a category that does not exist: the
// server authenticates the request, decodes and validates it, and answers
// 400 before it reads or writes a report. Posting them measures the HTTP
// layer alone (see floorRun).
func refusedBodies(bodies [][]byte) [][]byte {
	out := make([][]byte, len(bodies))
	for i, b := range bodies {
		out[i] = bytes.Replace(b, []byte(`"category":"`), []byte(`"category":"bukan-kategori-`), 1)
	}
	return out
}

// shippedCategories are the embedded reference data's categories, which
// the servers under test are seeded with.
func shippedCategories() ([]esambat.Category, error) {
	set, err := refdata.New("")
	if err != nil {
		return nil, err
	}
	return set.Categories()
}

func idemKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// intake posts reports with conc clients for d (after a warm-up of
// warm), each request with its own Idempotency-Key, and measures the
// answers with status want (201 Created for real submissions).
func intake(base string, tokens []string, bodies [][]byte, want, conc int, warm, d time.Duration) latencies {
	client := newClient(conc)
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	firstErr := ""
	start := time.Now()
	measureFrom := start.Add(warm)
	end := measureFrom.Add(d)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			myErrs := 0
			myFirst := ""
			for i := w; ; i += conc {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				req, _ := http.NewRequest("POST", base+"/api/v1/reports", bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tokens[w%len(tokens)])
				req.Header.Set("Idempotency-Key", idemKey())
				resp, err := client.Do(req)
				el := time.Since(t0)
				ok := false
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == want
					if !ok && myFirst == "" {
						myFirst = fmt.Sprintf("%s %s", resp.Status, strings.TrimSpace(string(b)))
					}
				} else if myFirst == "" {
					myFirst = err.Error()
				}
				if t0.Before(measureFrom) {
					continue
				}
				if ok {
					mine = append(mine, el)
				} else {
					myErrs++
				}
			}
			mu.Lock()
			all = append(all, mine...)
			errs += myErrs
			if firstErr == "" {
				firstErr = myFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarise(all, errs, firstErr, time.Since(measureFrom))
}

// searchWords are the words of the search requests (listQueries).
var searchWords = []string{"jalan", "banjir", "sampah", "lampu", "rusak", "parkir", "bocor"}

// query is one kind of read request; next makes the i-th URL.
type query struct {
	name string
	next func(i int, r *mrand.Rand) string
}

// listQueries are the public requests measured on the big database: the
// API's list (first page, filtered pages, paging by cursor, search), the
// map's bounding-box query, the home and list pages, and Open311's list.
func listQueries(base string, cursors []string) ([]query, error) {
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		return nil, err
	}
	set, err := refdata.New("")
	if err != nil {
		return nil, err
	}
	cats, err := set.Categories()
	if err != nil {
		return nil, err
	}
	kel := loc.Kelurahan()
	u := base + "/api/v1/reports?"
	// bbox makes map requests around random points of the city, d degrees
	// each way.
	bbox := func(d float64) func(int, *mrand.Rand) string {
		return func(_ int, r *mrand.Rand) string {
			k := kel[r.IntN(len(kel))]
			lat, lng, _ := loc.RandomPoint(k.Code, r)
			return u + fmt.Sprintf("limit=200&bbox=%.5f,%.5f,%.5f,%.5f", lng-d, lat-d, lng+d, lat+d)
		}
	}
	return []query{
		{"list, first page (limit=20)", func(int, *mrand.Rand) string { return u + "limit=20" }},
		{"list, category filter", func(_ int, r *mrand.Rand) string {
			return u + "limit=20&category=" + url.QueryEscape(cats[r.IntN(len(cats))].Code)
		}},
		{"list, kelurahan filter", func(_ int, r *mrand.Rand) string {
			return u + "limit=20&kelurahan=" + url.QueryEscape(kel[r.IntN(len(kel))].Code)
		}},
		{"list, category+kelurahan filter", func(_ int, r *mrand.Rand) string {
			return u + "limit=20&category=" + url.QueryEscape(cats[r.IntN(len(cats))].Code) + "&kelurahan=" + url.QueryEscape(kel[r.IntN(len(kel))].Code)
		}},
		{"list, status+category filter", func(_ int, r *mrand.Rand) string {
			return u + "limit=20&status=diproses&category=" + url.QueryEscape(cats[r.IntN(len(cats))].Code)
		}},
		{"list, paging by cursor (pages 2-50)", func(_ int, r *mrand.Rand) string {
			return u + "limit=20&cursor=" + url.QueryEscape(cursors[r.IntN(len(cursors))])
		}},
		{"list, 30-day window within the last year", func(_ int, r *mrand.Rand) string {
			from, to := window(r, 30)
			return u + "limit=20&from=" + from + "&to=" + to
		}},
		// Words of the demo's complaints, from the most common ("jalan",
		// in about a third of them) to rarer ones.
		{"search, one word (q=jalan, sampah...)", func(_ int, r *mrand.Rand) string {
			return u + "limit=20&q=" + searchWords[r.IntN(len(searchWords))]
		}},
		{"map, bbox 1 km x 1 km (limit=200)", bbox(0.0045)},   // about 500 m each way
		{"map, bbox 200 m x 200 m (limit=200)", bbox(0.0009)}, // a street
		// The pages residents open most, as HTML: the home page with its
		// counters, and the list page with its count.
		{"page, home (/)", func(int, *mrand.Rand) string { return base + "/" }},
		{"page, reports (/laporan)", func(int, *mrand.Rand) string { return base + "/laporan" }},
		{"page, reports of a category in a kelurahan", func(_ int, r *mrand.Rand) string {
			return base + "/laporan?category=" + url.QueryEscape(cats[r.IntN(len(cats))].Code) + "&kelurahan=" + url.QueryEscape(kel[r.IntN(len(kel))].Code)
		}},
		// What Open311 clients poll: the default volume (the newest 1,000
		// of the last 90 days), and the last hour.
		{"open311, requests.json, default", func(int, *mrand.Rand) string { return base + "/open311/v2/requests.json" }},
		{"open311, requests.json, last hour", func(int, *mrand.Rand) string {
			return base + "/open311/v2/requests.json?start_date=" + url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		}},
		{"open311, requests.json, 30-day window", func(_ int, r *mrand.Rand) string {
			from, to := window(r, 30)
			return base + "/open311/v2/requests.json?start_date=" + from + "&end_date=" + to
		}},
		// What a FixMyStreet client polls for the reports it sent: the
		// updates of the last hour, and of a whole day (1,000 of them).
		{"open311, servicerequestupdates.json, last hour", func(int, *mrand.Rand) string {
			return base + "/open311/v2/servicerequestupdates.json?start_date=" + url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		}},
		{"open311, servicerequestupdates.json, 1-day window", func(_ int, r *mrand.Rand) string {
			from, to := window(r, 1)
			return base + "/open311/v2/servicerequestupdates.json?start_date=" + from + "&end_date=" + to
		}},
	}, nil
}

// window returns the bounds of a window of days days that ends at a
// random time of the last year, as query values.
func window(r *mrand.Rand, days int) (from, to string) {
	end := time.Now().Add(-time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
	start := end.AddDate(0, 0, -days)
	return url.QueryEscape(start.UTC().Format(time.RFC3339)), url.QueryEscape(end.UTC().Format(time.RFC3339))
}

// cursorsFor follows next_cursor from the first page for up to pages
// pages and returns the cursors seen (pages 2, 3, ...).
func cursorsFor(client *http.Client, base string, pages int) ([]string, error) {
	var out []string
	next := ""
	for range pages {
		u := base + "/api/v1/reports?limit=20"
		if next != "" {
			u += "&cursor=" + url.QueryEscape(next)
		}
		resp, err := client.Get(u)
		if err != nil {
			return nil, err
		}
		var page struct {
			Next *string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if page.Next == nil {
			break
		}
		next = *page.Next
		out = append(out, next)
	}
	if len(out) == 0 {
		return nil, errors.New("no second page")
	}
	return out, nil
}

// runQuery sends q's requests from conc clients for d after a warm-up
// and measures them.
func runQuery(ctx context.Context, base string, q query, conc int, warm, d time.Duration) latencies {
	client := newClient(conc)
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	firstErr := ""
	start := time.Now()
	measureFrom := start.Add(warm)
	end := measureFrom.Add(d)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(uint64(w), 7))
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					return
				}
				resp, err := client.Get(q.next(i, r))
				ok := false
				msg := ""
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = err == nil && resp.StatusCode == http.StatusOK
					msg = resp.Status
				} else {
					msg = err.Error()
				}
				el := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				mu.Lock()
				if ok {
					all = append(all, el)
				} else {
					errs++
					if firstErr == "" {
						firstErr = msg
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return summarise(all, errs, firstErr, time.Since(measureFrom))
}
