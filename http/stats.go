package http

import (
	"context"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

// newStats returns the public statistics, cached: they read every report
// with its events (6.6 s of the database's time at a million reports on
// SQLite), so they are computed when first asked for and then at most
// every ten minutes, in the background; a failed computation is tried
// again after a minute. They are saved in the database
// (Service.SharedStats): after a restart the page shows the last saved
// figures at once, however old, while newer ones are computed, and an
// instance uses those another instance computed less than ten minutes
// before rather than computing its own. Figures are as old as when they
// were computed, by whichever instance: they are looked for anew ten
// minutes after that, not after this instance got them.
func (s *Server) newStats() *cached[*esambat.Stats] {
	const ttl = 10 * time.Minute
	return &cached[*esambat.Stats]{ttl: ttl, retry: time.Minute, wait: 250 * time.Millisecond,
		timeout: 5 * time.Minute, what: "statistics",
		compute: func(ctx context.Context) (*esambat.Stats, error) {
			st, err := s.Service.SharedStats(ctx, ttl)
			if st != nil && err != nil {
				s.Logger.Warn("statistics: computed but not saved", "err", err)
				return st, nil
			}
			return st, err
		},
		stamp: func(st *esambat.Stats) time.Time { return st.At },
		load: func(ctx context.Context) (*esambat.Stats, time.Time, error) {
			st, err := s.Service.SavedStats(ctx)
			if err != nil {
				return nil, time.Time{}, err
			}
			return st, st.At, nil
		},
	}
}

// statsJSON is GET /api/v1/stats and what the statistics page shows.
type statsJSON struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Clocks are the working days each clock allows.
	Clocks struct {
		Verify int `json:"verify_working_days"`
		Accept int `json:"accept_working_days"`
	} `json:"clocks"`
	Total       statsGroupJSON   `json:"total"`
	ByAgency    []statsGroupJSON `json:"by_agency"`
	ByKelurahan []statsGroupJSON `json:"by_kelurahan"`
	ByCategory  []statsGroupJSON `json:"by_category"`
	ByMonth     []statsGroupJSON `json:"by_month"`
}

type statsGroupJSON struct {
	Code         string         `json:"code,omitempty"`
	Name         string         `json:"name,omitempty"`
	Month        string         `json:"month,omitempty"`
	Received     int            `json:"received"`
	Verify       clockStatsJSON `json:"verify"`
	Accept       clockStatsJSON `json:"accept"`
	Finish       clockStatsJSON `json:"finish"`
	Rated        int            `json:"rated"`
	Satisfaction *float64       `json:"satisfaction"`
}

type clockStatsJSON struct {
	Done         int      `json:"done"`
	MedianHours  *float64 `json:"median_hours"`
	Due          int      `json:"due"`
	WithinTarget *float64 `json:"within_target"`
}

// statsData returns the statistics as shown, or EUNAVAILABLE while the
// first computation runs (or failed).
// statsData gathers the statistics, with categories named in lang (the
// API's are Indonesian).
func (s *Server) statsData(ctx context.Context, lang string) (*statsJSON, error) {
	st, at := s.stats.get(ctx, s)
	if at.IsZero() || st == nil {
		return nil, esambat.Errorf(esambat.EUNAVAILABLE, "Statistik sedang dihitung; coba lagi sebentar lagi.")
	}
	ref, err := s.ref(ctx)
	if err != nil {
		return nil, err
	}
	out := &statsJSON{GeneratedAt: st.At, Total: groupJSON(&st.Total)}
	out.Clocks.Verify, out.Clocks.Accept = s.Service.Clocks.SLA.Verify, s.Service.Clocks.SLA.Accept
	named := func(m map[string]*esambat.StatsGroup, name func(string) string) []statsGroupJSON {
		list := make([]statsGroupJSON, 0, len(m))
		for code, g := range m {
			j := groupJSON(g)
			j.Code, j.Name = code, name(code)
			list = append(list, j)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		return list
	}
	out.ByAgency = named(st.ByAgency, func(c string) string { return orCode(ref.agByCode[c].Name, c) })
	out.ByCategory = named(st.ByCategory, func(c string) string { return orCode(categoryName(lang, ref.catByCode[c]), c) })
	out.ByKelurahan = named(st.ByKelurahan, func(c string) string { return s.region(c).Name })
	out.ByMonth = make([]statsGroupJSON, 0, len(st.ByMonth)) // [] rather than null when there are none
	for _, m := range st.Months() {
		j := groupJSON(st.ByMonth[m])
		j.Month = m
		out.ByMonth = append(out.ByMonth, j)
	}
	return out, nil
}

func orCode(name, code string) string {
	if name == "" {
		return code
	}
	return name
}

func groupJSON(g *esambat.StatsGroup) statsGroupJSON {
	j := statsGroupJSON{Received: g.Received, Rated: g.Rated,
		Verify: clockJSON(g.Verify), Accept: clockJSON(g.Accept), Finish: clockJSON(g.Finish)}
	if g.Rated > 0 {
		j.Satisfaction = round(g.Satisfaction, 2)
	}
	return j
}

func clockJSON(c esambat.ClockStats) clockStatsJSON {
	j := clockStatsJSON{Done: c.Done, Due: c.Due}
	if c.Done > 0 {
		j.MedianHours = round(c.Median.Hours(), 1)
	}
	if c.Due > 0 {
		j.WithinTarget = round(c.WithinTarget, 3)
	}
	return j
}

func round(x float64, digits int) *float64 {
	p := math.Pow(10, float64(digits))
	r := math.Round(x*p) / p
	return &r
}

// handleStatsAPI answers GET /api/v1/stats.
func (s *Server) handleStatsAPI(w http.ResponseWriter, r *http.Request) {
	d, err := s.statsData(r.Context(), LangID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, d)
}

// handleStatsPage shows the statistics at /statistik.
func (s *Server) handleStatsPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Statistik layanan")
	d, err := s.statsData(r.Context(), p.Lang)
	if err != nil && esambat.ErrorCode(err) != esambat.EUNAVAILABLE {
		s.pageError(w, r, err)
		return
	}
	if d != nil {
		p.Data = d // without, while the first computation runs, the page says so
	}
	s.render(w, r, http.StatusOK, "stats", p)
}

// decimal shows x with one decimal in the page's language: "2,5" or "2.5".
func (p *page) decimal(x float64) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	if p.Lang != LangEN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Duration shows a median time in hours as hours under two days and as
// days beyond, "–" when there is none: "5,3 jam", "3,2 hari".
func (p *page) Duration(hours *float64) string {
	switch {
	case hours == nil:
		return "–"
	case *hours < 48:
		return p.Tf("%s jam", number(p.decimal(*hours)))
	}
	return p.Tf("%s hari", number(p.decimal(*hours/24)))
}

// Clock shows a clock's median and share within target in a table cell,
// "–" when the clock never ran for the group.
func (p *page) Clock(c clockStatsJSON) string {
	if c.Done == 0 && c.Due == 0 {
		return "–"
	}
	return p.Duration(c.MedianHours) + " · " + p.Share(c.WithinTarget)
}

// Share shows a share as a whole percentage, "–" when there is none.
func (p *page) Share(x *float64) string {
	if x == nil {
		return "–"
	}
	return strconv.Itoa(int(math.Round(*x*100))) + "\u00a0%" // the sign stays with its number
}

// Rating shows a mean rating out of 5, "–" when there is none.
func (p *page) Rating(x *float64) string {
	if x == nil {
		return "–"
	}
	return p.decimal(*x) + " / 5"
}

// MonthName shows "2026-03" as "Maret 2026".
func (p *page) MonthName(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return months[p.Lang][t.Month()-1] + " " + strconv.Itoa(t.Year())
}
