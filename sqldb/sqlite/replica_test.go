package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/storetest"
)

// TestReplica: the routing of public reads to a replica and their fall
// back to the primary (storetest.Replica). SQLite has no replicas in
// production; a second database stands in for one, so that the routing
// is checked in every plain test run, not only where PostgreSQL is.
func TestReplica(t *testing.T) {
	storetest.Replica(t, open, func(primary, replica storetest.Store) {
		primary.(*sqldb.DB).SetReplica(replica.(*sqldb.DB).Read)
	}, func(primary storetest.Store) {
		// A database that cannot be opened: SQLITE_CANTOPEN.
		gone, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "no", "such", "dir.db")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { gone.Close() })
		primary.(*sqldb.DB).SetReplica(gone)
	})
}

// TestReportTimesChunks: ReportTimes reads the reports in ranges of IDs,
// each its own query; with ranges of two the conformance test crosses
// every boundary.
func TestReportTimesChunks(t *testing.T) {
	storetest.ReportTimes(t, func(t *testing.T, now func() time.Time) storetest.Store {
		db := open(t, now).(*sqldb.DB)
		db.ReportTimesChunk = 2
		return db
	})
}
