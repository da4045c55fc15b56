package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/routing"
	"github.com/esambat/esambat/sqldb"
)

// maxTrainingReports bounds the history a model is trained on: the newest
// verified reports are the best guide to today's wording and duties.
const maxTrainingReports = 20000

// modelRouter serves suggestions from the current model and lets a
// retraining swap in a new one without locks on the request path.
type modelRouter struct {
	m atomic.Pointer[routing.Model]
	// at is when m was trained, in Unix nanoseconds (0: no model yet).
	at atomic.Int64
}

func (r *modelRouter) set(m *routing.Model, at time.Time) {
	r.m.Store(m)
	r.at.Store(at.UnixNano())
}

// trainedAt is when the model served was trained; zero without one.
func (r *modelRouter) trainedAt() time.Time {
	if n := r.at.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

func (r *modelRouter) Suggest(title, description string, k int) []esambat.RouteSuggestion {
	m := r.m.Load()
	if m == nil {
		return nil
	}
	var out []esambat.RouteSuggestion
	for _, s := range m.Suggest(title, description, k) {
		out = append(out, esambat.RouteSuggestion{Category: s.Category, Confidence: s.Confidence})
	}
	return out
}

// history returns verified reports as training examples, newest first: a
// report an admin forwarded carries a category a person confirmed.
func history(ctx context.Context, reports esambat.ReportStore, limit int) ([]routing.Example, error) {
	var out []routing.Example
	f := esambat.ReportFilter{Statuses: []esambat.Status{esambat.StatusDidisposisi, esambat.StatusDiproses, esambat.StatusSelesai, esambat.StatusDitutup}, Limit: 200}
	for len(out) < limit {
		page, err := reports.FindReports(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reports {
			out = append(out, routing.Example{Category: r.CategoryCode, Title: r.Title, Description: r.Description})
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// trainingData is what the model learns from: the categories still in
// use, and the verified reports filed under them. A retired category is
// never suggested: no report may be filed under it any more.
func trainingData(ctx context.Context, db *sqldb.DB) ([]esambat.Category, []routing.Example, error) {
	all, err := db.ListCategories(ctx)
	if err != nil {
		return nil, nil, err
	}
	cats := slices.DeleteFunc(all, func(c esambat.Category) bool { return c.Retired })
	ex, err := history(ctx, db, maxTrainingReports)
	if err != nil {
		return nil, nil, err
	}
	ex = slices.DeleteFunc(ex, func(e routing.Example) bool {
		return !slices.ContainsFunc(cats, func(c esambat.Category) bool { return c.Code == e.Category })
	})
	return cats, ex, nil
}

func modelPath(c Config) string { return filepath.Join(c.DataDir, "routing-model.json") }

// modelSnapshot names the snapshot (esambat.SnapshotStore) holding the
// last model a server trained on cats, the categories in use, as gzip'd
// JSON: a restarted server loads it instead of spending its first
// seconds training again (on a 2-core server a query's p99 went from 3.6
// to 9-24 ms while it trained; see BENCHMARKS.md), and the instances
// sharing a PostgreSQL database train once per interval between them
// instead of once each. The name carries a digest of what the model
// learns from besides the reports (each category's code, name and
// keywords), so that a model trained before the reference data changed
// them is never found.
func modelSnapshot(cats []esambat.Category) string {
	h := sha256.New()
	for _, c := range cats {
		if !c.Retired {
			fmt.Fprintf(h, "%q %q %q\n", c.Code, c.Name, c.Keywords)
		}
	}
	return fmt.Sprintf("routing/1/%x", h.Sum(nil)[:8])
}

// startRouter returns a router that serves no suggestions until its
// model is ready, and readies it in the background so that neither a
// large history nor a large model delays readiness (loading one trained
// on 20,000 reports takes tens of milliseconds): the newest saved model, the one
// "esambat routing train" wrote in the data directory or the one a
// server kept in the database, or, without one that knows today's
// categories (or when the reference data's categories or agencies
// changed at this start), a new one trained on the database. Then, when
// every is not zero, it keeps the model fresh (retrain).
func (a *app) startRouter(ctx context.Context, every time.Duration) *modelRouter {
	r := &modelRouter{}
	go func() {
		a.firstModel(ctx, r)
		if every > 0 {
			a.retrain(ctx, r, every)
		}
	}()
	return r
}

// firstModel readies r's first model (startRouter).
func (a *app) firstModel(ctx context.Context, r *modelRouter) {
	// The file holds no digest of the categories (modelSnapshot): after
	// the reference data changed them, later starts must not load it.
	if a.routingStale {
		if err := os.Remove(modelPath(a.cfg)); err == nil {
			a.logger.Info("the reference data's categories or agencies changed: removed the saved routing model file", "path", modelPath(a.cfg))
		}
	}
	if m, at, from := a.savedModel(ctx); m != nil {
		a.serveSaved(r, m, at, from)
		return
	}
	if err := a.trainShared(ctx, r); err != nil && ctx.Err() == nil {
		a.logger.Warn("routing model training failed; no suggestions until the next retrain", "err", err)
	}
}

// savedModel returns the newer of the data directory's model file and
// the database's snapshot for today's categories (modelSnapshot), with
// when it was trained and where it came from; nil when neither is
// there, readable and trained on the categories in use now.
func (a *app) savedModel(ctx context.Context) (m *routing.Model, at time.Time, from string) {
	cats, err := a.db.ListCategories(ctx)
	if err != nil {
		a.logger.Warn("routing model: cannot read the categories", "err", err)
		return nil, time.Time{}, ""
	}
	var want []string
	for _, c := range cats {
		if !c.Retired {
			want = append(want, c.Code)
		}
	}
	slices.Sort(want)
	if f, err := os.Open(modelPath(a.cfg)); err == nil {
		fm, err := routing.Load(f)
		st, serr := f.Stat()
		f.Close()
		switch {
		case err != nil || serr != nil:
			a.logger.Warn("routing model file unreadable, not used", "path", modelPath(a.cfg), "err", errors.Join(err, serr))
		case !slices.Equal(fm.Categories(), want):
			a.logger.Info("routing model file knows other categories, not used", "path", modelPath(a.cfg))
		default:
			m, at, from = fm, st.ModTime(), modelPath(a.cfg)
		}
	}
	body, sat, err := a.db.Snapshot(ctx, modelSnapshot(cats))
	if err != nil {
		if esambat.ErrorCode(err) != esambat.ENOTFOUND {
			a.logger.Warn("routing model: cannot read the database's", "err", err)
		}
		return m, at, from
	}
	if m != nil && !sat.After(at) {
		return m, at, from
	}
	if sm, err := decodeModel(body); err != nil {
		a.logger.Warn("routing model in the database unreadable, not used", "err", err)
	} else {
		m, at, from = sm, sat, "database"
	}
	return m, at, from
}

// serveSaved serves m, a saved model trained at at, with r.
func (a *app) serveSaved(r *modelRouter, m *routing.Model, at time.Time, from string) {
	r.set(m, at)
	a.logger.Info("routing model loaded", "from", from, "trained_at", at.Format(time.RFC3339), "verified_reports", m.Trained())
}

// trainShared trains a model, serves it with r and keeps it in the
// database for the next start and the other instances.
func (a *app) trainShared(ctx context.Context, r *modelRouter) error {
	cats, ex, err := trainingData(ctx, a.db)
	if err != nil {
		return err
	}
	m := routing.Train(ex, cats)
	at := time.Now()
	r.set(m, at)
	// Reading and training on 20,000 reports leaves tens of MB of
	// garbage that an idle server would keep resident until its next
	// GC, minutes away: return it to the OS now.
	defer debug.FreeOSMemory()
	a.logger.Info("routing model trained", "verified_reports", len(ex))
	// A failure to keep it costs the next start a training, not a
	// suggestion: logged, not returned.
	if err := a.keepModel(ctx, cats, m, at); err != nil && ctx.Err() == nil {
		a.logger.Warn("routing model not kept in the database; the next start trains again", "err", err)
	}
	return nil
}

// keepModel puts m, trained on cats at at, in the database (gzip'd JSON,
// named by modelSnapshot).
func (a *app) keepModel(ctx context.Context, cats []esambat.Category, m *routing.Model, at time.Time) error {
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	if err := m.Save(z); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	return a.db.PutSnapshot(ctx, modelSnapshot(cats), at, b.Bytes())
}

func decodeModel(body []byte) (*routing.Model, error) {
	z, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return routing.Load(z)
}

// retrain keeps the model fresh: once the current model is every old, it
// loads the database's if another instance trained one since, and
// otherwise trains on the current history and keeps the result there.
func (a *app) retrain(ctx context.Context, r *modelRouter, every time.Duration) {
	next := time.Now().Add(every)
	if at := r.trainedAt(); !at.IsZero() {
		next = at.Add(every)
	}
	for {
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := a.refreshModel(ctx, r, every); err != nil {
			a.logger.Warn("routing retrain failed", "err", err)
			next = time.Now().Add(every)
		} else {
			next = r.trainedAt().Add(every)
		}
	}
}

// refreshModel is one turn of retrain: it swaps in the database's model
// when another instance trained it less than every ago, after the one r
// serves, and trains a new one otherwise.
func (a *app) refreshModel(ctx context.Context, r *modelRouter, every time.Duration) error {
	// A second's margin: the database keeps times to the microsecond
	// (PostgreSQL rounds), so this instance's own model may read back a
	// hair later than it was trained.
	if m, at, from := a.savedModel(ctx); m != nil && at.After(r.trainedAt().Add(time.Second)) && time.Since(at) < every {
		a.serveSaved(r, m, at, from)
		return nil
	}
	return a.trainShared(ctx, r)
}

// cmdRouting implements "esambat routing train": train on the verified
// history, print held-out accuracy, and save the model in the data dir.
func cmdRouting(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "train" {
		return errors.New("usage: esambat routing train [flags]")
	}
	c, _, err := parseConfig("routing train", args[1:], getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	a, err := openApp(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer a.db.Close()
	cats, ex, err := trainingData(ctx, a.db)
	if err != nil {
		return err
	}
	if len(ex) >= 40 {
		train, test := routing.Split(ex, 4)
		top1, top3 := routing.Evaluate(train, test, cats)
		fmt.Fprintf(stdout, "held-out accuracy on %d of %d verified reports: top-1 %.3f, top-3 %.3f\n", len(test), len(ex), top1, top3)
	} else {
		fmt.Fprintf(stdout, "%d verified reports: too few to measure accuracy (need 40); the model leans on the category keywords\n", len(ex))
	}
	m := routing.Train(ex, cats)
	tmp := modelPath(c) + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := m.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp, modelPath(c)); err != nil {
		return err
	}
	// Kept in the database too, for the instances that do not share
	// this data directory.
	if err := a.keepModel(ctx, cats, m, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model trained on %d reports saved to %s and the database (running servers pick it up at their next start or retrain)\n", len(ex), modelPath(c))
	return nil
}
