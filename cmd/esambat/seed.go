package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/demo"
	"github.com/esambat/esambat/geo"
	"github.com/esambat/esambat/password"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/sqldb"
)

// demoPassword is every demo account's password. It is printed at the end
// of seed-demo: demo data is for trying E-Sambat out, never for a real
// deployment.
const demoPassword = "demo"

// cmdSeedDemo implements "esambat seed-demo --reports N [--seed S]
// [--append]": it fills the database with synthetic accounts and reports
// (package demo) through the bulk loader, showing progress on stderr.
func cmdSeedDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var reportsArg, seedArg string
	appendMode := false
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		key, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		if key == "append" {
			appendMode = !hasVal || val == "true" || val == "1"
			continue
		}
		target := map[string]*string{"reports": &reportsArg, "seed": &seedArg}[key]
		if target == nil {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return fmt.Errorf("--%s needs a value", key)
			}
			i++
			val = args[i]
		}
		*target = val
	}
	n, err := strconv.Atoi(reportsArg)
	if err != nil || n < 1 || n > 100_000_000 {
		return errors.New("usage: esambat seed-demo --reports N [--seed S] [--append] [flags]: N must be a whole number from 1 to 100000000")
	}
	seed := uint64(1)
	if seedArg != "" {
		if seed, err = strconv.ParseUint(seedArg, 10, 64); err != nil {
			return errors.New("--seed must be a non-negative whole number")
		}
	}
	c, _, err := parseConfig("seed-demo", rest, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	start := time.Now()
	// The generators allocate briskly; collecting less often leaves more
	// of the machine to the one writer, which is the bottleneck.
	defer debug.SetGCPercent(debug.SetGCPercent(1000))
	a, err := openApp(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer a.db.Close()
	loader, st, err := a.db.Bulk(ctx)
	if err != nil {
		return err
	}
	loaded, closed := false, false
	defer func() {
		if loaded && !closed {
			// Whatever was loaded is committed: index it for search and
			// set the writer back, even after a failure or Ctrl-C.
			fmt.Fprintf(stderr, "indexing the reports loaded so far for search...\n")
			loader.Close(context.WithoutCancel(ctx))
		}
	}()
	if st.Reports > 0 && !appendMode {
		return fmt.Errorf("the database already holds %d reports; seed-demo fills an empty database (add --append to add demo reports anyway)", st.Reports)
	}
	loc, ok := a.service.Locator.(*geo.Locator)
	if !ok {
		return errors.New("seed-demo needs the polygon locator")
	}
	regions, err := a.ref.Regions()
	if err != nil {
		return err
	}
	cats, err := a.db.ListCategories(ctx)
	if err != nil {
		return err
	}
	agencies, err := a.db.ListAgencies(ctx)
	if err != nil {
		return err
	}
	// One hash for every account: argon2id takes tens of milliseconds by
	// design, thousands of them would take minutes.
	hash, err := password.Hash(demoPassword, password.Default)
	if err != nil {
		return err
	}
	existing, err := demoAccounts(ctx, a.db)
	if err != nil {
		return err
	}
	gen, err := demo.New(demo.Config{
		Reports: n, Seed: seed, Now: a.db.Now(), Clocks: a.service.Clocks, Locator: loc, Regions: regions,
		Categories: cats, Agencies: agencies, CityCode: refdata.CityCode, Sealer: a.service.Auth.Sealer, PasswordHash: hash,
		FirstUserID: st.MaxUserID + 1, FirstReportID: st.MaxReportID + 1, Tickets: st.Tickets, ExistingUsers: existing,
	})
	if err != nil {
		return err
	}
	users := gen.Users()
	loaded = true
	if err := loader.Load(ctx, &sqldb.BulkBatch{Users: users}); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}

	// Chunks are generated on every core and loaded in order by the one
	// writer; sem bounds how many wait in memory.
	chunks := gen.Chunks()
	workers := max(1, runtime.GOMAXPROCS(0))
	ready := make([]chan *demo.Batch, chunks)
	for k := range ready {
		ready[k] = make(chan *demo.Batch, 1)
	}
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	sem := make(chan struct{}, 2*workers)
	go func() {
		defer close(jobs)
		for k := range chunks {
			select {
			case sem <- struct{}{}:
			case <-gctx.Done():
				return
			}
			select {
			case jobs <- k:
			case <-gctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for k := range jobs {
				ready[k] <- gen.Chunk(k)
			}
		}()
	}
	bar := newProgress(stderr, n)
	done, events, supports := 0, 0, 0
	for k := range chunks {
		var b *demo.Batch
		select {
		case b = <-ready[k]:
		case <-ctx.Done():
			bar.abort()
			return ctx.Err()
		}
		bb := &sqldb.BulkBatch{Reports: b.Reports, Events: b.Events}
		for _, s := range b.Supports {
			bb.Supports = append(bb.Supports, sqldb.BulkSupport{ReportID: s.ReportID, UserID: s.UserID, CreatedAt: s.CreatedAt})
		}
		if err := loader.Load(ctx, bb); err != nil {
			bar.abort()
			return fmt.Errorf("reports %d-%d: %w", done+1, done+len(b.Reports), err)
		}
		<-sem
		done += len(b.Reports)
		events += len(b.Events)
		supports += len(b.Supports)
		bar.update(done)
	}
	bar.finish()
	fmt.Fprintf(stderr, "indexing for search, updating query planner statistics...\n")
	closed = true
	if err := loader.Close(ctx); err != nil {
		return err
	}
	elapsed := time.Since(start)

	counts := map[esambat.Status]int{}
	for _, s := range esambat.Statuses {
		if counts[s], err = a.db.CountReports(ctx, esambat.ReportFilter{Statuses: []esambat.Status{s}}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "seeded %d reports (%d events, %d supports) and %d accounts in %s (%.0f reports/s), seed %d\n",
		n, events, supports, len(users), elapsed.Round(100*time.Millisecond), float64(n)/elapsed.Seconds(), seed)
	var parts []string
	for _, s := range esambat.Statuses {
		parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
	}
	fmt.Fprintf(stdout, "by status (whole database): %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(stdout, "demo logins, all with the password %q:\n", demoPassword)
	fmt.Fprintf(stdout, "  admin:    admin1@demo.esambat.test ... admin4@demo.esambat.test\n")
	fmt.Fprintf(stdout, "  pimpinan: pimpinan1@demo.esambat.test, pimpinan2@demo.esambat.test\n")
	fmt.Fprintf(stdout, "  petugas:  petugas.<agency>.1@demo.esambat.test, e.g. petugas.dinas-pupr.1@demo.esambat.test\n")
	fmt.Fprintf(stdout, "  warga:    warga1@demo.esambat.test ... warga%d@demo.esambat.test\n", gen.Residents())
	fmt.Fprintf(stdout, "demo data only: the residents' phone numbers look real, so do not configure a real SMS gateway on this database\n")
	return nil
}

// progress draws a progress bar with the rate and an ETA on a terminal
// (one line redrawn with \r), or prints a plain line every 5% otherwise.
type progress struct {
	w       io.Writer
	tty     bool
	total   int
	start   time.Time
	drawn   time.Time
	lastPct int
}

func newProgress(w io.Writer, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	p := &progress{w: w, tty: tty, total: total, start: time.Now(), lastPct: -1}
	p.update(0)
	return p
}

func (p *progress) line(done int) string {
	el := time.Since(p.start)
	rate := float64(done) / max(el.Seconds(), 1e-9)
	eta := "?"
	if done > 0 {
		eta = time.Duration(float64(p.total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	pct := 100 * float64(done) / float64(max(p.total, 1))
	return fmt.Sprintf("%5.1f%% %d/%d reports, %.0f/s, elapsed %s, ETA %s", pct, done, p.total, rate, el.Round(time.Second), eta)
}

func (p *progress) update(done int) {
	if p.tty {
		if done < p.total && time.Since(p.drawn) < 200*time.Millisecond {
			return
		}
		p.drawn = time.Now()
		const width = 30
		fill := width * done / max(p.total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %s ", strings.Repeat("#", fill), strings.Repeat(".", width-fill), p.line(done))
		return
	}
	pct := 100 * done / max(p.total, 1)
	if pct/5 == p.lastPct/5 && done < p.total {
		return
	}
	p.lastPct = pct
	fmt.Fprintln(p.w, p.line(done))
}

func (p *progress) finish() {
	if p.tty {
		p.drawn = time.Time{}
		p.update(p.total)
		fmt.Fprintln(p.w)
	}
}

func (p *progress) abort() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

// demoAccounts returns the demo accounts already stored, by e-mail (an
// earlier seed-demo), so that --append reuses them.
func demoAccounts(ctx context.Context, db *sqldb.DB) (map[string]int64, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT email, id FROM users WHERE email LIKE '%@demo.esambat.test'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var email string
		var id int64
		if err := rows.Scan(&email, &id); err != nil {
			return nil, err
		}
		out[email] = id
	}
	return out, rows.Err()
}
