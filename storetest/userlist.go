package storetest

import (
	"context"
	"testing"

	"github.com/esambat/esambat"
)

// testUserList checks the admins' list of accounts: staff apart from
// residents, staff by role then name, residents whose domicile waits for
// an admin or whose email waits for its link, and words that match names, emails and phones, with LIKE's
// wildcards taken literally.
func testUserList(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	l := s
	siti := newUser(t, s, "Siti")
	budi := newUser(t, s, "Budi_50%")
	budi.DomicileVerified = false
	if err := s.UpdateUser(ctx, budi); err != nil {
		t.Fatal(err)
	}
	siti.EmailPending = "siti@example.org"
	if err := s.UpdateUser(ctx, siti); err != nil {
		t.Fatal(err)
	}
	for _, u := range []esambat.User{
		{Role: esambat.RolePetugas, Name: "Zainal", Email: "zainal@pupr.example.org", AgencyCode: "dinas-pupr", PasswordHash: "x"},
		{Role: esambat.RolePetugas, Name: "agus", Email: "agus@pupr.example.org", AgencyCode: "dinas-pupr", PasswordHash: "x"},
		{Role: esambat.RoleAdmin, Name: "Wati", Email: "wati@kominfo.example.org", PasswordHash: "x"},
		{Role: esambat.RolePimpinan, Name: "Hadi", Email: "hadi@pemkot.example.org", PasswordHash: "x"},
	} {
		if err := s.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	names := func(f esambat.UserFilter) []string {
		t.Helper()
		us, err := l.ListUsers(ctx, f)
		if err != nil {
			t.Fatalf("ListUsers(%+v): %v", f, err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Name)
		}
		return out
	}
	for _, tc := range []struct {
		f    esambat.UserFilter
		want []string
	}{
		{esambat.UserFilter{Staff: true}, []string{"Wati", "Hadi", "agus", "Zainal"}},
		{esambat.UserFilter{Staff: true, Limit: 2}, []string{"Wati", "Hadi"}},
		{esambat.UserFilter{}, []string{"Siti", "Budi_50%"}},
		{esambat.UserFilter{PendingDomicile: true}, []string{"Budi_50%"}},
		{esambat.UserFilter{AfterID: siti.ID}, []string{"Budi_50%"}},
		{esambat.UserFilter{AfterID: budi.ID}, nil},
		{esambat.UserFilter{PendingDomicile: true, AfterID: budi.ID}, nil},
		{esambat.UserFilter{PendingEmail: true}, []string{"Siti"}},
		{esambat.UserFilter{PendingEmail: true, AfterID: siti.ID}, nil},
		{esambat.UserFilter{PendingEmail: true, PendingDomicile: true}, nil},
		{esambat.UserFilter{Staff: true, Query: "PUPR.example"}, []string{"agus", "Zainal"}},
		{esambat.UserFilter{Staff: true, Query: "zai"}, []string{"Zainal"}},
		{esambat.UserFilter{Query: "50%"}, []string{"Budi_50%"}},
		{esambat.UserFilter{Query: "_"}, []string{"Budi_50%"}},
		{esambat.UserFilter{Query: "%"}, []string{"Budi_50%"}},
		{esambat.UserFilter{Query: "0" + siti.Phone[3:]}, []string{"Siti"}},
		{esambat.UserFilter{Query: "tidak-ada"}, nil},
	} {
		if got := names(tc.f); !equalStrings(got, tc.want) {
			t.Errorf("ListUsers(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testAccountEvents checks that account changes are recorded with the
// change, in its transaction: a change that fails leaves no event.
func testAccountEvents(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	l := s
	admin := &esambat.User{Role: esambat.RoleAdmin, Name: "Wati", Email: "wati@kominfo.example.org", PasswordHash: "x"}
	if err := l.CreateUserLogged(ctx, admin, &esambat.AccountEvent{Action: esambat.AccountCreated}); err != nil {
		t.Fatal(err)
	}
	officer := &esambat.User{Role: esambat.RolePetugas, Name: "Agus", Email: "agus@pupr.example.org", AgencyCode: "dinas-pupr", PasswordHash: "x"}
	created := &esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountCreated}
	if err := l.CreateUserLogged(ctx, officer, created); err != nil {
		t.Fatal(err)
	}
	if created.UserID != officer.ID || created.ID == 0 || officer.ID == 0 {
		t.Fatalf("event %+v of account %d", created, officer.ID)
	}
	officer.Disabled = true
	if err := l.UpdateUserLogged(ctx, officer, &esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountDisabled, Detail: "peran: petugas → admin"}); err != nil {
		t.Fatal(err)
	}
	// Failed changes leave no event.
	dup := &esambat.User{Role: esambat.RoleAdmin, Name: "Lagi", Email: "wati@kominfo.example.org", PasswordHash: "x"}
	wantCode(t, l.CreateUserLogged(ctx, dup, &esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountCreated}), esambat.ECONFLICT)
	wantCode(t, l.UpdateUserLogged(ctx, &esambat.User{ID: 999999, Role: esambat.RoleWarga, Name: "x", PasswordHash: "x"},
		&esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountDisabled}), esambat.ENOTFOUND)

	all, err := l.ListAccountEvents(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		user, actor int64
		action      string
	}
	var got []row
	for _, ev := range all {
		got = append(got, row{ev.UserID, ev.ActorID, ev.Action})
		if ev.CreatedAt.IsZero() {
			t.Errorf("event %d has no time", ev.ID)
		}
	}
	want := []row{{officer.ID, admin.ID, esambat.AccountDisabled}, {officer.ID, admin.ID, esambat.AccountCreated}, {admin.ID, 0, esambat.AccountCreated}}
	if len(got) != len(want) {
		t.Fatalf("events = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if all[0].Detail != "peran: petugas → admin" || all[1].Detail != "" {
		t.Errorf("details = %q, %q", all[0].Detail, all[1].Detail)
	}
	if one, err := l.ListAccountEvents(ctx, admin.ID, 10); err != nil || len(one) != 1 || one[0].Action != esambat.AccountCreated {
		t.Errorf("the admin's events = %+v, %v", one, err)
	}
	if two, err := l.ListAccountEvents(ctx, 0, 2); err != nil || len(two) != 2 {
		t.Errorf("a limit of 2 = %d events, %v", len(two), err)
	}
}
