package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// BenchmarkListUsers measures the admins' accounts page's queries on a
// city's worth of accounts: 50,000 residents (one in ten with a domicile
// to confirm) and 60 staff. The residents' lists and the searches scan
// the users table (no index serves a name's middle), which is the cost
// the page pays.
//
//	go test -run x -bench ListUsers -benchtime 200x ./sqldb/sqlite/
func BenchmarkListUsers(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "esambat.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, sqlite.Migrations()); err != nil {
		b.Fatal(err)
	}
	const residents = 50000
	for start := 0; start < residents; start += 1000 {
		if err := db.Writer.Write(ctx, func(tx sqldb.Tx) error {
			for i := start; i < start+1000; i++ {
				role, email := "warga", any(nil)
				if i < 60 {
					role, email = "petugas", fmt.Sprintf("staf%d@pemkot.example.org", i)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO users (role, name, email, phone, nik_masked, kelurahan_code, domicile_verified, password_hash, created_at)
					VALUES (?, ?, ?, ?, '3575**********01', '35.75.02.1001', ?, 'x', '2026-01-01T00:00:00Z')`,
					role, fmt.Sprintf("Warga Nomor %d", i), email, fmt.Sprintf("+62812%08d", i), i%10 != 0); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		f    esambat.UserFilter
	}{
		{"staff", esambat.UserFilter{Staff: true}},
		{"residents", esambat.UserFilter{}},
		{"pending-domicile", esambat.UserFilter{PendingDomicile: true}},
		{"search-name", esambat.UserFilter{Query: "nomor 4999"}},
		{"search-phone", esambat.UserFilter{Query: "081200049990"}},
		{"search-none", esambat.UserFilter{Query: "tidak ada"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.ListUsers(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
