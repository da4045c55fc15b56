package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cmdAB compares two esambat binaries on SQLite intake: rounds of one
// run of each, on a fresh data directory every time, the order swapped
// from one round to the next so that a machine getting slower or faster
// during the comparison favours neither. It prints every run, then each
// figure's mean and standard deviation per binary and the difference,
// taken round by round, with its standard error.
//
// On a shared machine one run varies by ±10 % (BENCHMARKS.md): a change
// worth 3 % shows only over several rounds, and a single pair of runs
// can point either way.
func cmdAB(args []string) error {
	fs := flag.NewFlagSet("ab", flag.ContinueOnError)
	binA := fs.String("a", "", "the first esambat binary (the baseline)")
	binB := fs.String("b", "", "the second esambat binary")
	rounds := fs.Int("rounds", 5, "runs of each binary")
	work := fs.String("work", "/tmp/esambat-bench", "scratch directory (on the disk to measure)")
	conc := fs.Int("concurrency", 32, "intake clients")
	dur := fs.Duration("duration", 12*time.Second, "intake measurement time per run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *binA == "" || *binB == "" {
		return errors.New("ab: give both binaries, --a and --b")
	}
	if *rounds < 2 {
		return errors.New("ab: --rounds must be at least 2 (a spread needs two runs)")
	}
	bins := [2]string{}
	for i, p := range []string{*binA, *binB} {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if _, err := os.Stat(abs); err != nil {
			return fmt.Errorf("ab: %w", err)
		}
		bins[i] = abs
	}
	if err := os.MkdirAll(*work, 0o755); err != nil {
		return err
	}
	out := os.Stdout
	fmt.Fprintf(out, "== machine\n%s\n", machine(*work))
	fmt.Fprintf(out, "\n== intake A/B, SQLite, %d clients, %s per run after 3s warm-up, %d rounds\nA %s\nB %s\n",
		*conc, *dur, *rounds, bins[0], bins[1])
	var runs [2][]intakeResult
	for round := range *rounds {
		order := []int{0, 1}
		if round%2 == 1 {
			order = []int{1, 0}
		}
		for _, k := range order {
			b := &bench{esambat: bins[k], work: *work, conc: *conc, warm: 3 * time.Second, dur: *dur, out: io.Discard}
			res, err := b.intakeRun(filepath.Join(*work, "ab-sqlite"))
			if err != nil {
				return fmt.Errorf("round %d, %c: %w", round+1, 'A'+k, err)
			}
			if res.errors > 0 {
				return fmt.Errorf("round %d, %c: %d requests failed (first: %s)", round+1, 'A'+k, res.errors, res.firstErr)
			}
			runs[k] = append(runs[k], res)
			fmt.Fprintf(out, "round %d %c: %.0f reports/s, p99 %s, server CPU %.3f ms per report, writer %.3f ms per write\n",
				round+1, 'A'+k, res.rate(), ms(res.p99), res.serverCPU, res.writerMs)
		}
	}
	fmt.Fprintf(out, "\n== A/B summary (mean ± standard deviation; B − A, the mean of the rounds' differences, ± its standard error; \"beyond noise\" past two standard errors)\n")
	for _, f := range []struct {
		name string
		get  func(intakeResult) float64
	}{
		{"reports/s", func(r intakeResult) float64 { return r.rate() }},
		{"server CPU ms per report", func(r intakeResult) float64 { return r.serverCPU }},
		{"writer ms per write", func(r intakeResult) float64 { return r.writerMs }},
		{"p99 latency ms", func(r intakeResult) float64 { return float64(r.p99) / float64(time.Millisecond) }},
	} {
		var xs [2][]float64
		for k := range runs {
			for _, r := range runs[k] {
				xs[k] = append(xs[k], f.get(r))
			}
		}
		fmt.Fprintln(out, abLine(f.name, xs[0], xs[1]))
	}
	return nil
}

// abLine is one figure of the A/B summary.
func abLine(name string, a, b []float64) string {
	ma, sa := meanSD(a)
	mb, sb := meanSD(b)
	d, se := diff(a, b)
	verdict := "within noise"
	if math.Abs(d) > 2*se {
		verdict = "beyond noise"
	}
	pct := ""
	if ma != 0 {
		pct = " (" + strconv.FormatFloat(100*d/ma, 'f', 1, 64) + " %)"
	}
	return fmt.Sprintf("%-26s A %s ± %s   B %s ± %s   B − A %s ± %s%s: %s",
		name, num(ma), num(sa), num(mb), num(sb), num(d), num(se), pct, verdict)
}

// num prints a figure with three significant digits or more.
func num(x float64) string {
	switch ax := math.Abs(x); {
	case ax >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case ax >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	default:
		return strings.TrimSuffix(strconv.FormatFloat(x, 'f', 3, 64), ".000")
	}
}

// meanSD returns the mean and the sample standard deviation of xs (0
// for fewer than two).
func meanSD(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// diff returns the mean of the rounds' differences b[i] − a[i] and its
// standard error. The runs of a round are minutes apart and those of two
// rounds are not: the machine's drift from round to round (larger than
// the difference between two binaries) cancels in the pairs.
func diff(a, b []float64) (d, se float64) {
	ds := make([]float64, min(len(a), len(b)))
	for i := range ds {
		ds[i] = b[i] - a[i]
	}
	m, sd := meanSD(ds)
	if len(ds) == 0 {
		return 0, 0
	}
	return m, sd / math.Sqrt(float64(len(ds)))
}
