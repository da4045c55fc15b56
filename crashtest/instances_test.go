package crashtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
	bin, stores := instances(t)
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
		sameAgencies(t, fmt.Sprintf("round %d", round), procs, round == 1)
		for _, p := range procs {
			p.stop(t)
		}
	}
}

// TestInstanceKilledWhileMigrating: of two instances starting at once
// on an empty PostgreSQL database, the one migrating gets SIGKILL the
// moment the other says it waits for it (a machine lost in a rolling
// deploy). Its open migration is rolled back and its lock released: the
// other finishes the migrations and comes up, the killed one restarts
// and comes up, and both serve the same agencies. When neither waited
// (the first had finished before the second asked), the kill comes
// after and the test still checks the rest, saying so.
func TestInstanceKilledWhileMigrating(t *testing.T) {
	bin, stores := instances(t)
	logs := make([]*os.File, len(stores))
	procs := make([]*proc, len(stores))
	for i, s := range stores {
		f, err := os.Create(filepath.Join(s.dataDir, "serve.log"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		logs[i] = f
		if procs[i], err = spawn(t, bin, s, f); err != nil {
			t.Fatal(err)
		}
	}
	// The one that waits is the survivor; the other is killed.
	survivor := -1
	select {
	case <-procs[0].log.waiting:
		survivor = 0
	case <-procs[1].log.waiting:
		survivor = 1
	case <-time.After(60 * time.Second):
	}
	if survivor < 0 {
		t.Log("neither instance waited for the other's migration: the kill came after the migrations")
		survivor = 0
	}
	killed := 1 - survivor
	procs[killed].kill()
	if err := procs[survivor].await(logs[survivor]); err != nil {
		log, _ := os.ReadFile(logs[survivor].Name())
		t.Fatalf("the instance left running: %v\n%s", err, log)
	}
	restarted, err := launch(t, bin, stores[killed], logs[killed])
	if err != nil {
		log, _ := os.ReadFile(logs[killed].Name())
		t.Fatalf("the killed instance, restarted: %v\n%s", err, log)
	}
	procs[killed] = restarted
	sameAgencies(t, "after the kill", procs, false)
	for _, p := range procs {
		p.stop(t)
	}
}

// instances returns the released binary and the stores of two instances
// on a new PostgreSQL schema, each with its own data dir, or skips the
// test without ESAMBAT_TEST_POSTGRES_DSN. Instances on one database
// share the secret key (README, ESAMBAT_SECRET_KEY): here the same key
// file in each data dir.
func instances(t *testing.T) (string, []store) {
	t.Helper()
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL instances suite skipped: set ESAMBAT_TEST_POSTGRES_DSN=postgres://... to run it (CI does)")
	}
	bin := binary(t)
	dsn = freshSchema(t, dsn)
	stores := []store{{name: "postgres", dataDir: t.TempDir(), dbURL: dsn}, {name: "postgres", dataDir: t.TempDir(), dbURL: dsn}}
	key := make([]byte, 32)
	rand.Read(key)
	for _, s := range stores {
		if err := os.WriteFile(filepath.Join(s.dataDir, "secret.key"), []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return bin, stores
}

// sameAgencies checks that every instance serves the same agencies, with
// Dinas PUPR and, unless retired, Dishub.
func sameAgencies(t *testing.T, when string, procs []*proc, retired bool) {
	t.Helper()
	var bodies []string
	for i, p := range procs {
		resp, err := http.Get(p.base + "/api/v1/agencies")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s, instance %d: GET /api/v1/agencies = %d %v", when, i, resp.StatusCode, err)
		}
		b := string(body)
		if strings.Contains(b, `"dishub"`) == retired || !strings.Contains(b, `"dinas-pupr"`) {
			t.Errorf("%s, instance %d: agencies (Dishub retired: %v): %s", when, i, retired, b)
		}
		bodies = append(bodies, b)
	}
	if bodies[0] != bodies[1] {
		t.Errorf("%s: the instances serve different agencies:\n%s\n%s", when, bodies[0], bodies[1])
	}
}
