package storetest

import (
	"context"
	"testing"

	"github.com/esambat/esambat"
)

// testUserList checks the admins' list of accounts: staff apart from
// residents, staff by role then name, residents whose domicile waits for
// an admin, and words that match names, emails and phones, with LIKE's
// wildcards taken literally.
func testUserList(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	l, ok := s.(esambat.UserLister)
	if !ok {
		t.Fatal("store does not implement UserLister")
	}
	siti := newUser(t, s, "Siti")
	budi := newUser(t, s, "Budi_50%")
	budi.DomicileVerified = false
	if err := s.UpdateUser(ctx, budi); err != nil {
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
