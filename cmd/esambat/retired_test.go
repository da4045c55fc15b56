package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
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
		a := &app{db: db, service: svc, logger: slog.New(slog.NewTextHandler(&logs, nil)), cfg: Config{
			Webhooks:    map[string]string{"dishub": "https://dishub.example/hook", "dinas-pupr": "https://pupr.example/hook", "dinas-pu": "https://typo.example/hook"},
			Escalations: map[string][]string{"": {"kominfo@example.id"}, "dishub": {"kadishub@example.id"}},
		}}
		if err := a.warnRetired(ctx); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	got := warnings()
	for _, want := range []string{"category=lalu-lintas-parkir agency=dishub", "/admin/kategori", "still holds open reports", "agency=dishub open=1",
		`"--webhooks names an agency the reference data does not have: nothing will be sent for it; check the code against /api/v1/agencies" agency=dinas-pu`,
		`"--webhooks names a retired agency: no new reports reach it; point it at the agency that took over" agency=dishub`,
		`"--escalate-to names a retired agency: no new reports reach it; point it at the agency that took over" agency=dishub`} {
		if !strings.Contains(got, want) {
			t.Errorf("the start's warnings lack %q:\n%s", want, got)
		}
	}
	// An active agency's webhook and the default escalation are fine.
	if strings.Contains(got, "agency=dinas-pupr\n") || strings.Contains(got, "--escalate-to names an agency the reference") {
		t.Errorf("warned of an agency that is fine:\n%s", got)
	}
	if _, err := svc.MoveAgencyReports(ctx, admin, "dishub", "dinas-pupr"); err != nil {
		t.Fatal(err)
	}
	if got := warnings(); strings.Contains(got, "open reports") || !strings.Contains(got, "category=lalu-lintas-parkir") {
		t.Errorf("after the move:\n%s", got)
	}
}

// syncBuffer is a bytes.Buffer that two goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAgencyMoveCommand: "esambat agency move" moves every open report of
// a retired agency in the name of the admin --as names, and refuses
// missing flags, an account that is not an active admin, and an agency
// that is still active, each with the reason.
func TestAgencyMoveCommand(t *testing.T) {
	ctx := context.Background()
	getenv := env("ESAMBAT_DATA_DIR", t.TempDir())
	a := openTestApp(t, getenv)
	admin := esambat.Actor{UserID: 1, Role: esambat.RoleAdmin}
	var tickets []string
	for range 3 {
		r, _, err := a.service.SubmitReport(ctx, admin, esambat.ReportInput{CategoryCode: "lalu-lintas-parkir", Title: "Parkir liar",
			Description: "Parkir liar menutup trotoar setiap sore.", KelurahanCode: "35.75.02.1001", Address: "Jl. Hayam Wuruk", Channel: esambat.ChannelWalkIn,
			OnBehalf: &esambat.OnBehalf{Name: "Warga", Relationship: "pelapor langsung", Phone: "+6281234567890"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.service.Act(ctx, admin, r.Ticket, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dishub"}); err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, r.Ticket)
	}
	a.db.Close()
	// Every command from here starts with reference files that no
	// longer hold Dishub.
	getenv = env("ESAMBAT_DATA_DIR", getenv("ESAMBAT_DATA_DIR"), "ESAMBAT_REFDATA_DIR", testdb.RefDirWithout(t, "Dinas Perhubungan"),
		"ESAMBAT_BASE_URL", "https://sambat.pasuruankota.go.id")
	move := func(args ...string) (int, string) {
		t.Helper()
		var out bytes.Buffer
		code := run(ctx, append([]string{"agency", "move"}, args...), strings.NewReader(""), &out, &out, getenv)
		return code, out.String()
	}
	for _, args := range [][]string{
		{"--from", "dishub", "--to", "dinas-pupr", "--as", "admin@pasuruankota.go.id"},
		{"--from", "dishub", "--to", "dinas-pupr", "--as", "petugas@pasuruankota.go.id"},
	} {
		if code, out := move(args...); code == 0 || !strings.Contains(out, "no active admin account has this email") {
			t.Errorf("%v before the accounts exist = %d %s", args, code, out)
		}
	}
	for _, acct := range [][]string{
		{"--role", "admin", "--email", "admin@pasuruankota.go.id", "--name", "Admin Kominfo"},
		{"--role", "petugas", "--email", "petugas@pasuruankota.go.id", "--name", "Petugas PUPR", "--agency", "dinas-pupr"},
	} {
		if code := run(ctx, append([]string{"user", "add"}, acct...), strings.NewReader(""), io.Discard, io.Discard, getenv); code != 0 {
			t.Fatalf("user add %v = %d", acct, code)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--from CODE is required"},
		{[]string{"--base-url", "", "--from", "dishub", "--to", "dinas-pupr", "--as", "admin@pasuruankota.go.id"}, "--base-url (or ESAMBAT_BASE_URL) is required"},
		{[]string{"--from", "dishub", "--to", "dinas-pupr"}, "--as is required"},
		{[]string{"--from", "dishub", "--to", "dinas-pupr", "--as", "petugas@pasuruankota.go.id"}, "no active admin account has this email"},
		{[]string{"--from", "dishub", "--to", "dinas-pupr", "--as", "bukan email"}, "not an email address"},
		{[]string{"--from", "dinas-pupr", "--to", "dishub", "--as", "admin@pasuruankota.go.id"}, esambat.MsgMoveOnlyRetired},
		{[]string{"--from", "dishub", "--to", "dishub", "--as", "admin@pasuruankota.go.id"}, "tidak aktif"},
	} {
		if code, out := move(c.args...); code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("agency move %v = %d %q, want a refusal with %q", c.args, code, out, c.want)
		}
	}
	code, out := move("--from", "dishub", "--to", "dinas-pupr", "--as", "admin@pasuruankota.go.id")
	if code != 0 || !strings.Contains(out, "moved 3 open reports from dishub to dinas-pupr (3 in all); 0 left") ||
		!strings.Contains(out, "links to https://sambat.pasuruankota.go.id") {
		t.Fatalf("agency move = %d %s", code, out)
	}
	a = openTestApp(t, getenv)
	u, err := a.db.FindUserByLogin(ctx, "admin@pasuruankota.go.id")
	if err != nil {
		t.Fatal(err)
	}
	for _, ticket := range tickets {
		r, err := a.db.FindReportByTicket(ctx, ticket)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := a.db.ListEvents(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if r.AgencyCode != "dinas-pupr" || last.ActorID != u.ID || last.Action != string(esambat.ActionDispose) {
			t.Errorf("%s: agency %s, last step %s by %d; want dinas-pupr, dispose by the admin %d", ticket, r.AgencyCode, last.Action, last.ActorID, u.ID)
		}
	}
	// The messages the moves queued carry the configured site's links.
	msgs, err := a.db.ClaimMessages(ctx, "test", 100, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	linked := 0
	for _, m := range msgs {
		switch {
		case !strings.Contains(m.Body, "dialihkan"):
			// The setup's own submissions and verifications.
		case strings.Contains(m.Body, "https://sambat.pasuruankota.go.id/laporan/"):
			linked++
		default:
			t.Errorf("a move's message does not link to the site: %s", m.Body)
		}
	}
	if linked < len(tickets) {
		t.Errorf("%d of the moves' messages link to the site, want at least %d", linked, len(tickets))
	}
	// Nothing left: a second run says so and succeeds.
	if code, out := move("--from", "dishub", "--to", "dinas-pupr", "--as", "admin@pasuruankota.go.id"); code != 0 || !strings.Contains(out, "moved 0 open reports from dishub to dinas-pupr (0 in all); 0 left") {
		t.Errorf("a second run = %d %s", code, out)
	}
}
