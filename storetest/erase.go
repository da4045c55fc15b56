package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

// testEraseUser: a resident who closes their account loses every trace
// of identity in one transaction (name, email, phone, NIK; tokens, codes,
// and the messages waiting for their phone and email), while their
// reports stay; the identity can be registered again, and the account
// history records the closing in its chain.
func testEraseUser(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	ob := outboxOf(t, s)
	ob.SetPlanner(&testPlanner{})
	u := newUser(t, s, "Ratna")
	other := newUser(t, s, "Bayu")
	r, ev := newReport(u.ID, "Lampu jalan padam")
	if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	r2, ev2 := newReport(other.ID, "Saluran tersumbat")
	if _, _, err := s.CreateReport(ctx, r2, ev2, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, &esambat.Token{UserID: u.ID, Kind: esambat.TokenSession, Hash: "sesi-ratna", Name: "HP", CreatedAt: c.now(), ExpiresAt: c.now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPhoneCode(ctx, u.ID, "kode", c.now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	phone, email, nik := u.Phone, u.Email, u.NIKHash
	if err := s.EraseUser(ctx, u, &esambat.AccountEvent{ActorID: u.ID, Action: esambat.AccountClosed}); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{phone, email} {
		if _, err := s.FindUserByLogin(ctx, login); esambat.ErrorCode(err) != esambat.ENOTFOUND {
			t.Errorf("the closed account is still found by %s: %v", login, err)
		}
	}
	if _, err := s.FindUserByNIKHash(ctx, nik); esambat.ErrorCode(err) != esambat.ENOTFOUND {
		t.Errorf("the closed account is still found by its NIK: %v", err)
	}
	got, err := s.FindUserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != esambat.ClosedName || got.Email != "" || got.Phone != "" || got.NIKHash != "" || len(got.NIKSealed) != 0 || got.NIKMasked != "" || !got.Disabled || !got.Closed() {
		t.Errorf("the closed account keeps %+v", got)
	}
	if toks, err := s.ListTokens(ctx, u.ID); err != nil || len(toks) != 0 {
		t.Errorf("tokens after closing: %d, %v", len(toks), err)
	}
	if _, _, _, err := s.PhoneCode(ctx, u.ID); esambat.ErrorCode(err) != esambat.ENOTFOUND {
		t.Errorf("the pending code survived: %v", err)
	}
	for _, m := range claimAll(t, ob, c.now().Add(time.Hour)) {
		if m.To == phone || m.To == email {
			t.Errorf("a message to the closed account's %s is still waiting", m.To)
		}
	}
	if kept, err := s.FindReportByTicket(ctx, r.Ticket); err != nil || kept.ReporterID != u.ID {
		t.Errorf("the closed account's report: %v", err)
	}
	if n, broken, err := esambat.VerifyChains(ctx, s); err != nil || broken != nil {
		t.Errorf("chains after closing (%d events): %v, %v", n, broken, err)
	}
	if evs, err := s.ListAccountEvents(ctx, u.ID, 1); err != nil || len(evs) != 1 || evs[0].Action != esambat.AccountClosed {
		t.Errorf("the account's last event = %+v, %v", evs, err)
	}
	// The same person may register again.
	again := &esambat.User{Role: esambat.RoleWarga, Name: "Ratna", Email: email, Phone: phone, NIKHash: nik, NIKSealed: []byte("sealed"),
		NIKMasked: "3575**********01", KelurahanCode: "35.75.02.1001", PasswordHash: "x"}
	if err := s.CreateUser(ctx, again); err != nil {
		t.Errorf("registering again with the closed account's NIK, phone and email: %v", err)
	}
	wantCode(t, s.EraseUser(ctx, &esambat.User{ID: 999999}, &esambat.AccountEvent{Action: esambat.AccountClosed}), esambat.ENOTFOUND)
}
