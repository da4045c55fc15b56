package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	"github.com/esambat/esambat/internal/testdb"
	"github.com/esambat/esambat/refdata"
)

// TestWarnRetired: a start after Dishub left the reference files names
// the category it was the default agency of and the open report it still
// holds, and says where an admin fixes each; once the report has moved,
// only the category is named.
func TestWarnRetired(t *testing.T) {
	ctx := context.Background()
	db, _, w := testdb.SQLite(t, time.Now)
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		t.Fatal(err)
	}
	svc := &esambat.Service{Reports: db, Audit: db, Users: db, Reference: db, Wilayah: w, Locator: loc, CityCode: refdata.CityCode,
		Clocks: esambat.Clocks{Calendar: esambat.NewCalendar(nil), SLA: esambat.DefaultSLA()}, Now: time.Now}
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	r, _, err := svc.SubmitReport(ctx, admin, esambat.ReportInput{CategoryCode: "lalu-lintas-parkir", Title: "Parkir liar",
		Description: "Parkir liar menutup trotoar setiap sore.", KelurahanCode: "35.75.02.1001", Address: "Jl. Hayam Wuruk", Channel: esambat.ChannelWalkIn}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dishub"}); err != nil {
		t.Fatal(err)
	}
	testdb.Retire(t, db, []string{"dishub"}, nil)
	warnings := func() string {
		t.Helper()
		var logs bytes.Buffer
		a := &app{db: db, logger: slog.New(slog.NewTextHandler(&logs, nil))}
		if err := a.warnRetired(ctx); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	got := warnings()
	for _, want := range []string{"category=lalu-lintas-parkir agency=dishub", "/admin/kategori", "still holds open reports", "agency=dishub open=1"} {
		if !strings.Contains(got, want) {
			t.Errorf("the start's warnings lack %q:\n%s", want, got)
		}
	}
	if _, err := svc.MoveAgencyReports(ctx, admin, "dishub", "dinas-pupr"); err != nil {
		t.Fatal(err)
	}
	if got := warnings(); strings.Contains(got, "open reports") || !strings.Contains(got, "category=lalu-lintas-parkir") {
		t.Errorf("after the move:\n%s", got)
	}
}
