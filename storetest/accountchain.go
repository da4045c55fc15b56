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
	migrateBefore(t, db, all, "_account_events_chain.sql")
	admin := legacyUser(t, db, &esambat.User{Role: esambat.RoleAdmin, Name: "Wati", Email: "wati@kominfo.example.org", PasswordHash: "x"})
	officer := legacyUser(t, db, &esambat.User{Role: esambat.RolePetugas, Name: "Agus", Email: "agus@pupr.example.org", PasswordHash: "x"})
	// As the code before the chain stored them (a time as each dialect
	// reads a text one).
	at := time.Date(2026, 12, 1, 2, 3, 4, 5000, time.UTC)
	legacy := []esambat.AccountEvent{
		{UserID: admin.ID, Action: esambat.AccountCreated, CreatedAt: at},
		{UserID: officer.ID, ActorID: admin.ID, Action: esambat.AccountCreated, CreatedAt: at.Add(time.Minute)},
		{UserID: officer.ID, ActorID: admin.ID, Action: esambat.AccountUpdated, Detail: "peran: petugas → admin", CreatedAt: at.Add(2 * time.Minute)},
	}
	err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
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
	if officer, err = db.FindUserByID(ctx, officer.ID); err != nil { // with the columns added since
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

// migrateBefore applies the migrations of all that come before the one
// whose name ends in suffix, to store data as the code before it did.
func migrateBefore(t *testing.T, db *sqldb.DB, all fs.FS, suffix string) {
	t.Helper()
	names, err := fs.Glob(all, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			break
		}
		b, err := fs.ReadFile(all, n)
		if err != nil {
			t.Fatal(err)
		}
		before[n] = &fstest.MapFile{Data: b}
	}
	if len(before) == len(names) {
		t.Fatalf("no migration named *%s", suffix)
	}
	if err := db.Migrate(context.Background(), before); err != nil {
		t.Fatal(err)
	}
}

// legacyUser stores u in the columns every version of the schema has
// (the code's own INSERT names columns added later), and sets its ID.
func legacyUser(t *testing.T, db *sqldb.DB, u *esambat.User) *esambat.User {
	t.Helper()
	ctx := context.Background()
	err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
		var email, phone any
		if u.Email != "" {
			email = u.Email
		}
		if u.Phone != "" {
			phone = u.Phone
		}
		return tx.QueryRowContext(ctx, `INSERT INTO users (role, name, email, phone, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			u.Role, u.Name, email, phone, u.PasswordHash, "2026-12-01T00:00:00.000000Z").Scan(&u.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// LegacyResidentEmails checks that the migration adding
// users.email_pending sets residents' unconfirmed emails, stored as
// typed before it, waiting for their link, and leaves staff emails,
// which admins typed, as they were.
func LegacyResidentEmails(t *testing.T, db *sqldb.DB, all fs.FS) {
	ctx := context.Background()
	migrateBefore(t, db, all, "_users_email_pending.sql")
	resident := legacyUser(t, db, &esambat.User{Role: esambat.RoleWarga, Name: "Siti", Email: "siti@example.org", Phone: "+6281234567890", PasswordHash: "x"})
	bare := legacyUser(t, db, &esambat.User{Role: esambat.RoleWarga, Name: "Budi", Phone: "+6281234567891", PasswordHash: "x"})
	officer := legacyUser(t, db, &esambat.User{Role: esambat.RolePetugas, Name: "Agus", Email: "agus@pupr.example.org", PasswordHash: "x"})
	if err := db.Migrate(ctx, all); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		u              *esambat.User
		email, pending string
	}{{resident, "", "siti@example.org"}, {bare, "", ""}, {officer, "agus@pupr.example.org", ""}} {
		got, err := db.FindUserByID(ctx, c.u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != c.email || got.EmailPending != c.pending {
			t.Errorf("%s after the migration: email %q waiting %q, want %q and %q", c.u.Name, got.Email, got.EmailPending, c.email, c.pending)
		}
	}
	// The resident's address no longer signs in; the officer's does.
	if _, err := db.FindUserByLogin(ctx, "siti@example.org"); esambat.ErrorCode(err) != esambat.ENOTFOUND {
		t.Errorf("the waiting address still finds an account: %v", err)
	}
	if u, err := db.FindUserByLogin(ctx, "agus@pupr.example.org"); err != nil || u.ID != officer.ID {
		t.Errorf("the officer's email after the migration: %v", err)
	}
}
