package postgres_test

import (
	"context"
	"sync"
	"testing"
)

// TestPoolKeepsConnections: bursts of more concurrent queries than the
// pool's connections must reuse the same backends, not close the
// connections each burst leaves idle and start new backends for the next
// (every new backend forks, fills its caches and prepares its statements
// again; see postgres.Open).
func TestPoolKeepsConnections(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	var mu sync.Mutex
	backends := map[int]bool{}
	for range 4 {
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				var pid int
				if err := db.Read.QueryRowContext(ctx, "SELECT pg_backend_pid() FROM pg_sleep(0.02)").Scan(&pid); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				backends[pid] = true
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	st := db.Read.Stats()
	if st.MaxIdleClosed != 0 || len(backends) > st.MaxOpenConnections {
		t.Errorf("4 bursts of 40 queries used %d backends with at most %d connections open; %d connections closed for want of idle room, want 0",
			len(backends), st.MaxOpenConnections, st.MaxIdleClosed)
	}
}
