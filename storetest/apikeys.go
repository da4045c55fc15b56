package storetest

import (
	"context"
	"testing"

	"github.com/esambat/esambat"
)

func testAPIKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	ks, ok := s.(esambat.APIKeyStore)
	if !ok {
		t.Fatal("store does not implement APIKeyStore")
	}
	k := &esambat.APIKey{Name: "Aplikasi Warga", Prefix: "esk_abcdefgh", Hash: "h1", Scopes: []string{esambat.ScopeReportsWrite}}
	if err := ks.CreateAPIKey(ctx, k); err != nil || k.ID == 0 {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	got, err := ks.FindAPIKey(ctx, "h1")
	if err != nil || got.Name != "Aplikasi Warga" || !got.HasScope(esambat.ScopeReportsWrite) || got.HasScope(esambat.ScopeReportsRead) || got.Revoked {
		t.Fatalf("FindAPIKey = %+v, %v", got, err)
	}
	_, err = ks.FindAPIKey(ctx, "nope")
	wantCode(t, err, esambat.ENOTFOUND)
	wantCode(t, ks.CreateAPIKey(ctx, &esambat.APIKey{Name: "x", Prefix: "p", Hash: "h1"}), esambat.ECONFLICT)
	if err := ks.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, ks.RevokeAPIKey(ctx, k.ID), esambat.ENOTFOUND)
	if got, _ := ks.FindAPIKey(ctx, "h1"); !got.Revoked {
		t.Error("revoked key not marked")
	}
	if list, _ := ks.ListAPIKeys(ctx); len(list) != 1 {
		t.Errorf("ListAPIKeys = %+v", list)
	}
}
