package notify_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/postgres"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// openSQLite returns a fresh, migrated and seeded SQLite store.
func openSQLite(t *testing.T) *sqldb.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "esambat.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), sqlite.Migrations()); err != nil {
		t.Fatal(err)
	}
	seed(t, db)
	return db
}

var schemaSeq atomic.Int64

// openPostgres returns n stores on one fresh schema of the test server
// (as n instances of the app would have), migrated and seeded; it skips
// when ESAMBAT_TEST_POSTGRES_DSN is unset.
func openPostgres(t *testing.T, n int) []*sqldb.DB {
	t.Helper()
	base := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("PostgreSQL suite skipped: set ESAMBAT_TEST_POSTGRES_DSN=postgres://... to run it (CI does)")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("t_notify_%d_%d", time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	dsn := withSearchPath(t, base, schema)
	var dbs []*sqldb.DB
	for i := 0; i < n; i++ {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx, postgres.Migrations()); err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	seed(t, dbs[0])
	return dbs
}

func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// seed loads the embedded reference data.
func seed(t *testing.T, db *sqldb.DB) {
	t.Helper()
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Sync(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

var userSeq atomic.Int64

// newResident stores a resident with a phone and an email.
func newResident(t testing.TB, db *sqldb.DB, name, lang string) *esambat.User {
	t.Helper()
	n := userSeq.Add(1)
	u := &esambat.User{Role: esambat.RoleWarga, Name: name, Email: fmt.Sprintf("warga%d@example.org", n),
		Phone: fmt.Sprintf("+62812%08d", n), NIKHash: fmt.Sprintf("h-%d-%d", n, time.Now().UnixNano()), NIKMasked: "3575**********01",
		KelurahanCode: "35.75.02.1001", DomicileVerified: true, PasswordHash: "x", Lang: lang}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// newReport returns a submitted report and its first event, ready for
// CreateReport.
func newReport(reporter int64, title string) (*esambat.Report, *esambat.Event) {
	r := &esambat.Report{
		Type: esambat.TypePengaduan, CategoryCode: "jalan-jembatan", Title: title,
		Description:   "Jalan berlubang cukup dalam di depan sekolah, membahayakan pengendara motor.",
		Location:      &esambat.Location{Lat: -7.6451, Lng: 112.9075, Kelurahan: "35.75.02.1001", Kecamatan: "35.75.02"},
		KelurahanCode: "35.75.02.1001", Address: "Jl. Hayam Wuruk", Visibility: esambat.VisibilityPublik,
		Status: esambat.StatusDiajukan, Channel: esambat.ChannelWeb, ReporterID: reporter, SuggestedAgency: "dinas-pupr",
	}
	ev := &esambat.Event{Action: esambat.ActionSubmit, ActorID: reporter, ActorRole: esambat.RoleWarga,
		To: esambat.StatusDiajukan, Public: "Laporan diterima dan menunggu verifikasi."}
	return r, ev
}

// verify disposes r to dinas-pupr as an admin would.
func verify(ctx context.Context, db *sqldb.DB, r *esambat.Report) (*esambat.Event, error) {
	r.Status, r.AgencyCode, r.PublishedAt = esambat.StatusDidisposisi, "dinas-pupr", time.Now()
	ev := &esambat.Event{Action: string(esambat.ActionVerify), ActorID: 1, ActorRole: esambat.RoleAdmin,
		From: esambat.StatusDiajukan, To: esambat.StatusDidisposisi, Public: "Laporan diverifikasi dan diteruskan ke Dinas PUPR.",
		Internal: "cek ulang minggu depan", Data: map[string]string{"agency": "dinas-pupr"}}
	return ev, db.UpdateReport(ctx, r, ev)
}
