package esambat_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestTransitionExhaustive runs Transition over every (role, status,
// action) and compares the whole table with testdata/transitions.golden,
// which is reviewed by hand: any change to the lifecycle shows up as a diff.
// Run `go test -run TestTransitionExhaustive -update .` after an intended change.
func TestTransitionExhaustive(t *testing.T) {
	var buf bytes.Buffer
	n := 0
	for _, action := range esambat.Actions {
		for _, role := range esambat.Roles {
			for _, status := range esambat.Statuses {
				next, err := esambat.Transition(role, status, action)
				n++
				if err != nil {
					code := esambat.ErrorCode(err)
					if code != esambat.EFORBIDDEN && code != esambat.ECONFLICT {
						t.Errorf("Transition(%s, %s, %s): code %s, want EFORBIDDEN or ECONFLICT", role, status, action, code)
					}
					if next != "" {
						t.Errorf("Transition(%s, %s, %s) returned %q with an error", role, status, action, next)
					}
					fmt.Fprintf(&buf, "%-14s %-8s %-12s -> %s\n", action, role, status, code)
					continue
				}
				if !next.Valid() {
					t.Errorf("Transition(%s, %s, %s) = invalid status %q", role, status, action, next)
				}
				fmt.Fprintf(&buf, "%-14s %-8s %-12s -> %s\n", action, role, status, next)
			}
		}
	}
	if want := len(esambat.Actions) * len(esambat.Roles) * len(esambat.Statuses); n != want {
		t.Fatalf("covered %d combinations, want %d", n, want)
	}
	golden := "testdata/transitions.golden"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("transition table differs from %s; run with -update after reviewing the change:\n%s", golden, diffLines(string(want), buf.String()))
	}
}

func diffLines(a, b string) string {
	al, bl := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	var out bytes.Buffer
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y []byte
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if !bytes.Equal(x, y) {
			fmt.Fprintf(&out, "- %s\n+ %s\n", x, y)
		}
	}
	return out.String()
}

// TestTransitionRules spells out the lifecycle of DESIGN.md independently
// of the golden file, so the golden file cannot silently encode a mistake.
func TestTransitionRules(t *testing.T) {
	tests := []struct {
		role   esambat.Role
		from   esambat.Status
		action esambat.Action
		want   esambat.Status
		code   string
	}{
		{esambat.RoleAdmin, esambat.StatusDiajukan, esambat.ActionVerify, esambat.StatusDidisposisi, ""},
		{esambat.RoleAdmin, esambat.StatusDiajukan, esambat.ActionReturn, esambat.StatusDikembalikan, ""},
		{esambat.RoleWarga, esambat.StatusDikembalikan, esambat.ActionResubmit, esambat.StatusDiajukan, ""},
		{esambat.RoleAdmin, esambat.StatusDiajukan, esambat.ActionReject, esambat.StatusDitolak, ""},
		{esambat.RoleAdmin, esambat.StatusDiajukan, esambat.ActionDuplicate, esambat.StatusDuplikat, ""},
		{esambat.RolePetugas, esambat.StatusDidisposisi, esambat.ActionAccept, esambat.StatusDiproses, ""},
		{esambat.RolePetugas, esambat.StatusDiproses, esambat.ActionFinish, esambat.StatusSelesai, ""},
		{esambat.RolePetugas, esambat.StatusDidisposisi, esambat.ActionHandback, esambat.StatusDiajukan, ""},
		{esambat.RoleAdmin, esambat.StatusDidisposisi, esambat.ActionDispose, esambat.StatusDidisposisi, ""},
		{esambat.RoleWarga, esambat.StatusSelesai, esambat.ActionConfirm, esambat.StatusDitutup, ""},
		{esambat.RoleWarga, esambat.StatusSelesai, esambat.ActionDispute, esambat.StatusDiproses, ""},
		{esambat.RoleSystem, esambat.StatusSelesai, esambat.ActionAutoClose, esambat.StatusDitutup, ""},
		{esambat.RolePimpinan, esambat.StatusDiproses, esambat.ActionNote, esambat.StatusDiproses, ""},
		{esambat.RoleWarga, esambat.StatusDiproses, esambat.ActionSupport, esambat.StatusDiproses, ""},
		// Who may never do it.
		{esambat.RoleWarga, esambat.StatusDiajukan, esambat.ActionVerify, "", esambat.EFORBIDDEN},
		{esambat.RolePetugas, esambat.StatusDiajukan, esambat.ActionVerify, "", esambat.EFORBIDDEN},
		{esambat.RoleAdmin, esambat.StatusDidisposisi, esambat.ActionAccept, "", esambat.EFORBIDDEN},
		{esambat.RolePimpinan, esambat.StatusDiajukan, esambat.ActionReject, "", esambat.EFORBIDDEN},
		{esambat.RolePartner, esambat.StatusSelesai, esambat.ActionConfirm, "", esambat.EFORBIDDEN},
		{esambat.RoleWarga, esambat.StatusDiproses, esambat.ActionNote, "", esambat.EFORBIDDEN},
		// Allowed role, wrong state: the state has moved on.
		{esambat.RoleAdmin, esambat.StatusDidisposisi, esambat.ActionVerify, "", esambat.ECONFLICT},
		{esambat.RolePetugas, esambat.StatusSelesai, esambat.ActionFinish, "", esambat.ECONFLICT},
		{esambat.RoleWarga, esambat.StatusDitutup, esambat.ActionDispute, "", esambat.ECONFLICT},
		{esambat.RoleAdmin, esambat.StatusDitolak, esambat.ActionVerify, "", esambat.ECONFLICT},
		{esambat.RoleWarga, esambat.StatusDiajukan, esambat.ActionSupport, "", esambat.ECONFLICT},
		// Unknown values.
		{esambat.Role("mayor"), esambat.StatusDiajukan, esambat.ActionVerify, "", esambat.EINVALID},
		{esambat.RoleAdmin, esambat.Status("open"), esambat.ActionVerify, "", esambat.EINVALID},
		{esambat.RoleAdmin, esambat.StatusDiajukan, esambat.Action("approve"), "", esambat.EINVALID},
	}
	for _, tt := range tests {
		got, err := esambat.Transition(tt.role, tt.from, tt.action)
		if code := esambat.ErrorCode(err); code != tt.code || got != tt.want {
			t.Errorf("Transition(%s, %s, %s) = %q, %q; want %q, %q", tt.role, tt.from, tt.action, got, code, tt.want, tt.code)
		}
	}
}

// TestTerminalStatuses: nothing but notes and visibility changes leaves
// ditolak, duplikat or ditutup.
func TestTerminalStatuses(t *testing.T) {
	for _, s := range []esambat.Status{esambat.StatusDitolak, esambat.StatusDuplikat, esambat.StatusDitutup} {
		for _, role := range esambat.Roles {
			for _, a := range esambat.Actions {
				next, err := esambat.Transition(role, s, a)
				if err == nil && next != s {
					t.Errorf("%s may move terminal %s to %s by %s", role, s, next, a)
				}
			}
		}
	}
}

func TestAuthorize(t *testing.T) {
	published := &esambat.Report{ReporterID: 1, AgencyCode: "dinas-pupr", Visibility: esambat.VisibilityPublik}
	published.PublishedAt = published.CreatedAt.AddDate(2026, 0, 0)
	hidden := &esambat.Report{ReporterID: 1, AgencyCode: "dinas-pupr", Visibility: esambat.VisibilityRahasia}
	tests := []struct {
		name   string
		actor  esambat.Actor
		r      *esambat.Report
		action esambat.Action
		code   string
	}{
		{"reporter confirms own", esambat.Actor{UserID: 1, Role: esambat.RoleWarga}, published, esambat.ActionConfirm, ""},
		{"other warga confirms", esambat.Actor{UserID: 2, Role: esambat.RoleWarga}, published, esambat.ActionConfirm, esambat.ENOTFOUND},
		{"other warga supports published", esambat.Actor{UserID: 2, Role: esambat.RoleWarga}, published, esambat.ActionSupport, ""},
		{"reporter supports own", esambat.Actor{UserID: 1, Role: esambat.RoleWarga}, published, esambat.ActionSupport, esambat.EFORBIDDEN},
		{"support rahasia", esambat.Actor{UserID: 2, Role: esambat.RoleWarga}, hidden, esambat.ActionSupport, esambat.ENOTFOUND},
		{"petugas of agency", esambat.Actor{UserID: 5, Role: esambat.RolePetugas, AgencyCode: "dinas-pupr"}, published, esambat.ActionAccept, ""},
		{"petugas of other agency", esambat.Actor{UserID: 5, Role: esambat.RolePetugas, AgencyCode: "dishub"}, published, esambat.ActionAccept, esambat.ENOTFOUND},
		{"petugas without agency", esambat.Actor{UserID: 5, Role: esambat.RolePetugas}, published, esambat.ActionAccept, esambat.ENOTFOUND},
		{"admin", esambat.Actor{UserID: 9, Role: esambat.RoleAdmin}, hidden, esambat.ActionVerify, ""},
		{"partner", esambat.Actor{UserID: 9, Role: esambat.RolePartner}, published, esambat.ActionNote, esambat.EFORBIDDEN},
	}
	for _, tt := range tests {
		if code := esambat.ErrorCode(esambat.Authorize(tt.actor, tt.r, tt.action)); code != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, code, tt.code)
		}
	}
}

// TestReportLate: late only while the city owes the step, from its due
// time on.
func TestReportLate(t *testing.T) {
	due := time.Date(2026, 3, 6, 0, 0, 0, 0, esambat.WIB)
	for _, s := range esambat.Statuses {
		r := &esambat.Report{Status: s, DueAt: due}
		city := s == esambat.StatusDiajukan || s == esambat.StatusDidisposisi || s == esambat.StatusDiproses
		if got := r.Late(due.Add(-time.Second)); got {
			t.Errorf("%s a second before its due time: late", s)
		}
		if got := r.Late(due); got != city {
			t.Errorf("%s at its due time: late %v, want %v", s, got, city)
		}
		r.DueAt = time.Time{}
		if r.Late(due.Add(time.Hour)) {
			t.Errorf("%s without a due date: late", s)
		}
	}
}
