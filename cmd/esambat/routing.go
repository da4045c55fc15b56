package main

import (
	"context"
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
type modelRouter struct{ m atomic.Pointer[routing.Model] }

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

// trainModel trains on the seeds and the verified history.
func (a *app) trainModel(ctx context.Context) (*routing.Model, []routing.Example, error) {
	cats, ex, err := trainingData(ctx, a.db)
	if err != nil {
		return nil, nil, err
	}
	return routing.Train(ex, cats), ex, nil
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

// loadRouter returns a router with the saved model. Without one (or when
// the reference data's categories or agencies changed at this start) it trains
// a model from the database in the background, so that a large history
// never delays readiness; until then there are no suggestions.
func (a *app) loadRouter(ctx context.Context) *modelRouter {
	r := &modelRouter{}
	if a.routingStale {
		// The saved model (esambat routing train) knows the old
		// categories; later starts must not load it either.
		if err := os.Remove(modelPath(a.cfg)); err == nil {
			a.logger.Info("the reference data's categories or agencies changed: removed the saved routing model, training a new one", "path", modelPath(a.cfg))
		}
	} else if f, err := os.Open(modelPath(a.cfg)); err == nil {
		m, err := routing.Load(f)
		f.Close()
		if err == nil {
			r.m.Store(m)
			return r
		}
		a.logger.Warn("routing model unreadable, training a new one", "path", modelPath(a.cfg), "err", err)
	}
	go func() {
		m, ex, err := a.trainModel(ctx)
		if err != nil {
			if ctx.Err() == nil {
				a.logger.Warn("routing model training failed; no suggestions until the next retrain", "err", err)
			}
			return
		}
		r.m.CompareAndSwap(nil, m)
		// Reading and training on 20,000 reports leaves tens of MB of
		// garbage that an idle server would keep resident until its next
		// GC, minutes away: return it to the OS now.
		debug.FreeOSMemory()
		a.logger.Info("routing model trained", "verified_reports", len(ex))
	}()
	return r
}

// retrain keeps the model fresh: every interval it trains on the current
// history and swaps the model in.
func (a *app) retrain(ctx context.Context, r *modelRouter, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, ex, err := a.trainModel(ctx)
		if err != nil {
			a.logger.Warn("routing retrain failed", "err", err)
			continue
		}
		r.m.Store(m)
		debug.FreeOSMemory() // see loadRouter
		a.logger.Info("routing model retrained", "verified_reports", len(ex))
	}
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
	fmt.Fprintf(stdout, "model trained on %d reports saved to %s (running servers pick it up at their next start or retrain)\n", len(ex), modelPath(c))
	return nil
}
