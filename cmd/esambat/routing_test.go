package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

// TestRoutingTrainCommand: verified reports train the model that
// "esambat routing train" saves and measures, and the server's router
// suggests categories from it.
func TestRoutingTrainCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	c, _, err := parseConfig("test", nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
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
		if n == 120 {
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
	a, err = openApp(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	router := a.loadRouter(ctx)
	got := router.Suggest("Air PDAM mati", "Sudah tiga hari air PDAM tidak mengalir di rumah kami.", 3)
	if len(got) == 0 || got[0].Category != "air-bersih" {
		t.Errorf("suggestion = %+v", got)
	}
	if code := run(ctx, []string{"routing"}, nil, io.Discard, io.Discard, getenv); code == 0 {
		t.Error("routing without train succeeded")
	}
}
