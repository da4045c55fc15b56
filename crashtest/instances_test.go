package crashtest

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/esambat/esambat/internal/testdb"
)

// TestInstancesAsProcesses: on PostgreSQL, two "esambat serve" processes
// (the released binary, each with its own data directory, as on two
// machines) started at the same moment on one empty database both come
// up: one migrates and loads the reference data while the other waits
// its turn, and neither start fails on the other's rows. Then both
// restart at once with reference files that drop Dishub (both retire
// it), and again without them (both bring it back), each time serving
// the same agencies.
func TestInstancesAsProcesses(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL instances suite skipped: set ESAMBAT_TEST_POSTGRES_DSN=postgres://... to run it (CI does)")
	}
	bin := binary(t)
	dsn = freshSchema(t, dsn)
	stores := []store{{name: "postgres", dataDir: t.TempDir(), dbURL: dsn}, {name: "postgres", dataDir: t.TempDir(), dbURL: dsn}}
	// Instances on one database share the secret key (README,
	// ESAMBAT_SECRET_KEY); here as the same key file in each data dir.
	key := make([]byte, 32)
	rand.Read(key)
	for _, s := range stores {
		if err := os.WriteFile(filepath.Join(s.dataDir, "secret.key"), []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ref := testdb.RefDirWithout(t, "Dinas Perhubungan")
	for round, extra := range [][]string{nil, {"--refdata", ref}, nil} {
		procs := make([]*proc, len(stores))
		errs := make([]error, len(stores))
		var wg sync.WaitGroup
		for i, s := range stores {
			logf, err := os.OpenFile(filepath.Join(s.dataDir, "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer logf.Close()
			wg.Add(1)
			go func() {
				defer wg.Done()
				procs[i], errs[i] = launch(t, bin, s, logf, extra...)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				log, _ := os.ReadFile(filepath.Join(stores[i].dataDir, "serve.log"))
				t.Fatalf("round %d, instance %d: %v\n%s", round, i, err, log)
			}
		}
		retired := round == 1
		var bodies []string
		for i, p := range procs {
			resp, err := http.Get(p.base + "/api/v1/agencies")
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("round %d, instance %d: GET /api/v1/agencies = %d %v", round, i, resp.StatusCode, err)
			}
			b := string(body)
			if strings.Contains(b, `"dishub"`) == retired || !strings.Contains(b, `"dinas-pupr"`) {
				t.Errorf("round %d, instance %d: agencies (Dishub retired: %v): %s", round, i, retired, b)
			}
			bodies = append(bodies, b)
		}
		if bodies[0] != bodies[1] {
			t.Errorf("round %d: the instances serve different agencies:\n%s\n%s", round, bodies[0], bodies[1])
		}
		for _, p := range procs {
			p.stop(t)
		}
	}
}
