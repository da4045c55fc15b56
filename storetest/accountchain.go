package storetest

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
)

// testAccountChain checks that the account events form one hash chain,
// also when changes come at once from many callers (several instances on
// PostgreSQL): seq 1, 2, 3... without a gap or a fork, each linked to the
// one before, the head on the last, and VerifyChains content with it.
func testAccountChain(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	if n, broken, err := esambat.VerifyChains(ctx, s); err != nil || broken != nil || n != 0 {
		t.Fatalf("an empty store: %d events, %v, %v", n, broken, err)
	}
	admin := &esambat.User{Role: esambat.RoleAdmin, Name: "Wati", Email: "wati@kominfo.example.org", PasswordHash: "x"}
	if err := s.CreateUserLogged(ctx, admin, &esambat.AccountEvent{Action: esambat.AccountCreated}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			u := &esambat.User{Role: esambat.RolePetugas, Name: fmt.Sprintf("Petugas %d", w), Email: fmt.Sprintf("petugas%d@pupr.example.org", w), AgencyCode: "dinas-pupr", PasswordHash: "x"}
			if err := s.CreateUserLogged(ctx, u, &esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountCreated}); err != nil {
				errs <- err
				return
			}
			for i := 1; i < each; i++ {
				u.Disabled = i%2 == 1
				action := map[bool]string{true: esambat.AccountDisabled, false: esambat.AccountEnabled}[u.Disabled]
				if err := s.UpdateUserLogged(ctx, u, &esambat.AccountEvent{ActorID: admin.ID, Action: action}); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var walked []esambat.AccountEvent
	if err := s.WalkAccountEvents(ctx, func(ev esambat.AccountEvent) error { walked = append(walked, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(walked) != 1+writers*each {
		t.Fatalf("%d events walked, want %d", len(walked), 1+writers*each)
	}
	for i, ev := range walked {
		prev := ""
		if i > 0 {
			prev = walked[i-1].Hash
		}
		if ev.Seq != int64(i+1) || ev.PrevHash != prev || ev.Hash != ev.ComputeHash() {
			t.Fatalf("event %d: seq %d, prev %q (want %q), hash %q (content %q)", i, ev.Seq, ev.PrevHash, prev, ev.Hash, ev.ComputeHash())
		}
	}
	if seq, hash, err := s.AccountEventsHead(ctx); err != nil || seq != int64(len(walked)) || hash != walked[len(walked)-1].Hash {
		t.Errorf("head = %d %q, %v; want the last event", seq, hash, err)
	}
	if n, broken, err := esambat.VerifyChains(ctx, s); err != nil || broken != nil || n != len(walked) {
		t.Errorf("VerifyChains = %d, %v, %v", n, broken, err)
	}
	// A failed change takes no place in the chain.
	dup := &esambat.User{Role: esambat.RoleAdmin, Name: "Lagi", Email: admin.Email, PasswordHash: "x"}
	wantCode(t, s.CreateUserLogged(ctx, dup, &esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountCreated}), esambat.ECONFLICT)
	if seq, _, _ := s.AccountEventsHead(ctx); seq != int64(len(walked)) {
		t.Errorf("a refused change moved the head to %d", seq)
	}
}

// LegacyAccountEvents checks that account events stored before the
// chain existed are chained, in the order they were made, by the
// migration that adds it: db is an empty database of the dialect whose
// migrations are all.
func LegacyAccountEvents(t *testing.T, db *sqldb.DB, all fs.FS) {
	ctx := context.Background()
	names, err := fs.Glob(all, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	for _, n := range names {
		if strings.HasSuffix(n, "_account_events_chain.sql") {
			break
		}
		b, err := fs.ReadFile(all, n)
		if err != nil {
			t.Fatal(err)
		}
		before[n] = &fstest.MapFile{Data: b}
	}
	if len(before) == len(names) {
		t.Fatal("no migration named *_account_events_chain.sql")
	}
	if err := db.Migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	admin := &esambat.User{Role: esambat.RoleAdmin, Name: "Wati", Email: "wati@kominfo.example.org", PasswordHash: "x"}
	officer := &esambat.User{Role: esambat.RolePetugas, Name: "Agus", Email: "agus@pupr.example.org", PasswordHash: "x"}
	for _, u := range []*esambat.User{admin, officer} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// As the code before the chain stored them (a time as each dialect
	// reads a text one).
	at := time.Date(2026, 12, 1, 2, 3, 4, 5000, time.UTC)
	legacy := []esambat.AccountEvent{
		{UserID: admin.ID, Action: esambat.AccountCreated, CreatedAt: at},
		{UserID: officer.ID, ActorID: admin.ID, Action: esambat.AccountCreated, CreatedAt: at.Add(time.Minute)},
		{UserID: officer.ID, ActorID: admin.ID, Action: esambat.AccountUpdated, Detail: "peran: petugas → admin", CreatedAt: at.Add(2 * time.Minute)},
	}
	err = db.Writer.Write(ctx, func(tx sqldb.Tx) error {
		for _, ev := range legacy {
			var actor any
			if ev.ActorID != 0 {
				actor = ev.ActorID
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO account_events (user_id, actor_id, action, detail, created_at) VALUES ($1, $2, $3, $4, $5)`,
				ev.UserID, actor, ev.Action, ev.Detail, ev.CreatedAt.Format("2006-01-02T15:04:05.000000Z")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, all); err != nil {
		t.Fatal(err)
	}
	if n, broken, err := esambat.VerifyChains(ctx, db); err != nil || broken != nil || n != len(legacy) {
		t.Fatalf("after the migration: %d events, %v, %v", n, broken, err)
	}
	var got []esambat.AccountEvent
	if err := db.WalkAccountEvents(ctx, func(ev esambat.AccountEvent) error { got = append(got, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, ev := range got {
		if ev.Seq != int64(i+1) || ev.Action != legacy[i].Action || ev.Detail != legacy[i].Detail || !ev.CreatedAt.Equal(legacy[i].CreatedAt) {
			t.Errorf("event %d = %+v, want %+v chained at %d", i, ev, legacy[i], i+1)
		}
	}
	// The next change continues the chain.
	officer.Disabled = true
	if err := db.UpdateUserLogged(ctx, officer, &esambat.AccountEvent{ActorID: admin.ID, Action: esambat.AccountDisabled}); err != nil {
		t.Fatal(err)
	}
	if n, broken, err := esambat.VerifyChains(ctx, db); err != nil || broken != nil || n != len(legacy)+1 {
		t.Errorf("after a new change: %d events, %v, %v", n, broken, err)
	}
}
