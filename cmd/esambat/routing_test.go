package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/testdb"
)

// TestRoutingTrainCommand: verified reports train the model that
// "esambat routing train" saves and measures, and the server's router
// suggests categories from it.
func TestRoutingTrainCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	a := openTestApp(t, getenv)
	verifyExamples(t, a, 120)
	a.db.Close()
	var out bytes.Buffer
	if code := run(ctx, []string{"routing", "train"}, nil, &out, io.Discard, getenv); code != 0 {
		t.Fatalf("routing train = %d %s", code, out.String())
	}
	if !regexp.MustCompile(`held-out accuracy on \d+ of 120 verified reports: top-1 [01]\.\d{3}, top-3`).MatchString(out.String()) {
		t.Errorf("output: %s", out.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	if _, err := os.Stat(filepath.Join(dir, "routing-model.json")); err != nil {
		t.Fatal(err)
	}
	a = openTestApp(t, getenv)
	router := &modelRouter{}
	a.firstModel(ctx, router)
	got := router.Suggest("Air PDAM mati", "Sudah tiga hari air PDAM tidak mengalir di rumah kami.", 3)
	if len(got) == 0 || got[0].Category != "air-bersih" {
		t.Errorf("suggestion = %+v", got)
	}
	if code := run(ctx, []string{"routing"}, nil, io.Discard, io.Discard, getenv); code == 0 {
		t.Error("routing without train succeeded")
	}
}

// verifyExamples files and verifies the first n usable reports of the
// routing package's labelled examples, for a model to learn from.
func verifyExamples(t *testing.T, a *app, want int) {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open("../../routing/testdata/reports.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	n := 0
	for _, row := range rows[1:] {
		if n == want {
			break
		}
		r, _, err := a.service.SubmitReport(ctx, admin, esambat.ReportInput{CategoryCode: row[0], Title: row[1], Description: row[2],
			KelurahanCode: "35.75.02.1001", Address: "Jl. Hayam Wuruk", Channel: esambat.ChannelPhone,
			OnBehalf: &esambat.OnBehalf{Name: "Warga", Relationship: "pelapor langsung"}}, "")
		if err != nil {
			continue // a row too short for the form's minimums
		}
		if _, err := a.service.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionVerify}); err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// TestRoutingModelKeptInDatabase: the model a server trains is kept in
// the database, and the next start (or another instance on the same
// database) serves it at once instead of training again; it is not used
// once the categories in use differ from its own; and a retrain turn
// takes one that another instance trained since instead of training.
func TestRoutingModelKeptInDatabase(t *testing.T) {
	ctx := context.Background()
	getenv := env("ESAMBAT_DATA_DIR", t.TempDir())
	a := openTestApp(t, getenv)
	verifyExamples(t, a, 80)
	var logs syncBuffer
	a.logger = slog.New(slog.NewTextHandler(&logs, nil))
	snapshot := func() string {
		t.Helper()
		cats, err := a.db.ListCategories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return modelSnapshot(cats)
	}
	kept := func() time.Time {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			_, at, err := a.db.Snapshot(ctx, snapshot())
			if err == nil {
				return at
			}
			if time.Now().After(deadline) {
				t.Fatalf("no model kept in the database: %v\n%s", err, logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	pdam := func(r *modelRouter) string {
		got := r.Suggest("Air PDAM mati", "Sudah tiga hari air PDAM tidak mengalir di rumah kami.", 1)
		if len(got) == 0 {
			return ""
		}
		return got[0].Category
	}

	// The first start has nothing saved: it trains in the background
	// and keeps the model.
	first := a.startRouter(ctx, 0)
	at := kept()
	if strings.Count(logs.String(), `msg="routing model trained"`) != 1 || pdam(first) != "air-bersih" {
		t.Fatalf("first start: suggestion %q\n%s", pdam(first), logs.String())
	}

	// The next start serves the kept model, without training.
	a.db.Close()
	a = openTestApp(t, getenv)
	a.logger = slog.New(slog.NewTextHandler(&logs, nil))
	if a.routingStale {
		t.Fatal("a start with the same reference data found it changed")
	}
	next := &modelRouter{}
	a.firstModel(ctx, next)
	if pdam(next) != "air-bersih" || !next.trainedAt().Equal(at) {
		t.Fatalf("second start: suggestion %q, trained at %v, want the kept model's %v\n%s", pdam(next), next.trainedAt(), at, logs.String())
	}
	if !strings.Contains(logs.String(), `msg="routing model loaded" from=database`) || strings.Count(logs.String(), `msg="routing model trained"`) != 1 {
		t.Errorf("second start trained again or did not say where its model came from:\n%s", logs.String())
	}

	// A retrain turn after another instance trained: take its model.
	body, _, err := a.db.Snapshot(ctx, snapshot())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	next.at.Store(now.Add(-2 * time.Hour).UnixNano())
	if err := a.db.PutSnapshot(ctx, snapshot(), now.Add(-time.Hour), body); err != nil {
		t.Fatal(err)
	}
	if err := a.refreshModel(ctx, next, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := next.trainedAt(); got.Sub(now.Add(-time.Hour)).Abs() > time.Millisecond || strings.Count(logs.String(), `msg="routing model trained"`) != 1 {
		t.Errorf("retrain with a newer model in the database: serving one trained at %v, want %v\n%s", got, now.Add(-time.Hour), logs.String())
	}
	// Nobody trained since: train, and keep the new one.
	if err := a.refreshModel(ctx, next, time.Hour); err != nil {
		t.Fatal(err)
	}
	if strings.Count(logs.String(), `msg="routing model trained"`) != 2 || !kept().After(now) || pdam(next) != "air-bersih" {
		t.Errorf("retrain with no newer model: did not train and keep one\n%s", logs.String())
	}
	// Its own kept model, read back a hair after it was trained (the
	// database rounds to the microsecond), is not another instance's.
	next.at.Store(kept().Add(-500 * time.Nanosecond).UnixNano())
	if err := a.refreshModel(ctx, next, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if strings.Count(logs.String(), `msg="routing model trained"`) != 3 {
		t.Errorf("retrain took its own kept model for a newer one\n%s", logs.String())
	}

	// A kept model that knows a retired category is not served.
	testdb.Retire(t, a.db, nil, []string{"air-bersih"})
	if m, _, _ := a.savedModel(ctx); m != nil {
		t.Errorf("a model trained with a retired category was served")
	}
}

// TestModelSnapshotName: the kept model's name changes with what the
// model learns from besides the reports (a category's code, name or
// keywords, or one retired), and with nothing else.
func TestModelSnapshotName(t *testing.T) {
	cats := []esambat.Category{
		{Code: "air-bersih", Name: "Air Bersih", Keywords: []string{"pdam", "air"}, AgencyCode: "pdam"},
		{Code: "jalan-jembatan", Name: "Jalan dan Jembatan", Keywords: []string{"jalan"}, AgencyCode: "dinas-pupr"},
	}
	base := modelSnapshot(cats)
	if !strings.HasPrefix(base, "routing/1/") {
		t.Fatalf("name %q", base)
	}
	change := func(what string, f func(c []esambat.Category)) {
		t.Helper()
		c := []esambat.Category{cats[0], cats[1]}
		c[0].Keywords = slices.Clone(c[0].Keywords)
		f(c)
		if got := modelSnapshot(c); (got == base) == (what != "same") {
			t.Errorf("%s: %q against %q", what, got, base)
		}
	}
	change("keyword", func(c []esambat.Category) { c[0].Keywords[1] = "ledeng" })
	change("name", func(c []esambat.Category) { c[1].Name = "Jalan" })
	change("retired", func(c []esambat.Category) { c[1].Retired = true })
	change("same", func(c []esambat.Category) { c[0].AgencyCode = "dinas-pupr"; c[1].AutoThreshold = 0.9 })
}

// openTestApp opens the app that the configuration getenv describes, as
// a command would, and closes it when the test ends.
func openTestApp(t *testing.T, getenv func(string) string) *app {
	t.Helper()
	c, _, err := parseConfig("test", nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.db.Close() })
	return a
}

// TestRoutingModelMetric: /metrics says when the model the server serves
// was trained: 0 before it has one, then the training's time, which a
// restart keeps (it loads the kept model).
func TestRoutingModelMetric(t *testing.T) {
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	trained := func(base string) float64 {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			_, body := get(t, base+"/metrics")
			m := regexp.MustCompile(`(?m)^esambat_routing_model_trained_timestamp_seconds (\S+)$`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no routing model metric:\n%s", body)
			}
			if f, err := strconv.ParseFloat(m[1], 64); err == nil && f > 0 {
				return f
			}
			if time.Now().After(deadline) {
				t.Fatalf("the routing model metric stayed %s", m[1])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	unix := func(tm time.Time) float64 { return float64(tm.UnixNano()) / 1e9 }
	before := time.Now()
	base, stop := boot(t, getenv)
	first := trained(base)
	if first < unix(before) || first > unix(time.Now()) {
		t.Errorf("trained at %f, not between the start (%f) and now", first, unix(before))
	}
	// The model is kept just after it is served: wait for it.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "esambat.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM snapshots WHERE name LIKE 'routing/%'`).Scan(&n); err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the model was not kept")
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	restart := time.Now()
	base, _ = boot(t, getenv)
	if again := trained(base); again > unix(restart) || math.Abs(again-first) > 0.001 {
		t.Errorf("after a restart the model was trained at %f, want the kept model's %f", again, first)
	}
}
