package notify_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
	"github.com/esambat/esambat/sqldb"
)

// countingSender counts successful deliveries per message. It fails a
// share of its calls (retryable) and takes a little time, so that the two
// workers' claims, retries and marks interleave.
type countingSender struct {
	mu        sync.Mutex
	delivered map[int64]int
	failures  int
	failShare float64
}

func (s *countingSender) Send(ctx context.Context, m esambat.Message) error {
	time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	if rand.Float64() < s.failShare {
		s.failures++
		return errors.New("simulated 503")
	}
	s.delivered[m.ID]++
	return nil
}

func (s *countingSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.delivered)
}

// TestTwoWorkersExactlyOnce runs two workers, each on its own connection
// pool as two app instances would, against one PostgreSQL database while
// residents submit 1,000 reports and admins verify a fifth of them: every
// message must be delivered exactly once.
func TestTwoWorkersExactlyOnce(t *testing.T) {
	dbs := openPostgres(t, 2)
	twoWorkers(t, dbs[0], dbs[1], 1000)
}

// TestTwoWorkersExactlyOnceSQLite is the same on the embedded database
// (one writer, so claims are serial by construction).
func TestTwoWorkersExactlyOnceSQLite(t *testing.T) {
	db := openSQLite(t)
	twoWorkers(t, db, db, 1000)
}

func twoWorkers(t *testing.T, a, b *sqldb.DB, reports int) {
	ctx := context.Background()
	planner := &notify.Planner{BaseURL: "https://esambat.example",
		Webhooks: map[string]string{"dinas-pupr": "https://pupr.example/hook"}}
	a.Planner, b.Planner = planner, planner
	const residents = 50
	users := make([]*esambat.User, residents)
	for i := range users {
		users[i] = newResident(t, a, fmt.Sprintf("Warga %d", i), []string{"id", "en"}[i%2])
	}

	sender := &countingSender{delivered: map[int64]int{}, failShare: 0.05}
	runCtx, stop := context.WithCancel(ctx)
	var workers sync.WaitGroup
	var perWorker [2]atomic.Int64
	for i, db := range []*sqldb.DB{a, b} {
		senders := map[string]notify.Sender{}
		for _, ch := range esambat.MessageChannels {
			senders[ch] = notify.SenderFunc(func(ctx context.Context, m esambat.Message) error {
				err := sender.Send(ctx, m)
				if err == nil {
					perWorker[i].Add(1)
				}
				return err
			})
		}
		w := &notify.Worker{Store: db, Senders: senders, Name: fmt.Sprintf("instance-%d", i+1), Batch: 16,
			Poll: 5 * time.Millisecond, MaxAttempts: 1000, Backoff: func(int) time.Duration { return 0 }}
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := w.Run(runCtx); err != nil {
				t.Error(err)
			}
		}()
	}

	// Residents submit through both instances while the workers run; every
	// fifth report is verified (disposed to an agency with a webhook).
	began := time.Now()
	ids := make([]int64, reports)
	var events sync.Map // event ID -> struct{}
	var producers sync.WaitGroup
	const parallel = 8
	for p := 0; p < parallel; p++ {
		producers.Add(1)
		go func() {
			defer producers.Done()
			for i := p; i < reports; i += parallel {
				db := []*sqldb.DB{a, b}[i%2]
				u := users[i%residents]
				r, ev := newReport(u.ID, fmt.Sprintf("Laporan uji nomor %d", i))
				if i%3 == 0 {
					r.OnBehalf = &esambat.OnBehalf{Name: "Ibu", Relationship: "ibu", Phone: fmt.Sprintf("+6285%09d", i)}
				}
				if _, _, err := db.CreateReport(ctx, r, ev, ""); err != nil {
					t.Error(err)
					return
				}
				events.Store(ev.ID, struct{}{})
				ids[i] = r.ID
				if i%5 == 0 {
					vev, err := verify(ctx, db, r)
					if err != nil {
						t.Error(err)
						return
					}
					events.Store(vev.ID, struct{}{})
				}
			}
		}()
	}
	producers.Wait()
	produced := time.Since(began)
	if t.Failed() {
		stop()
		workers.Wait()
		t.FailNow()
	}

	// Every message the outbox holds, read back from the store.
	want := map[int64]esambat.Message{}
	perEvent := map[int64]int{}
	for _, id := range ids {
		msgs, err := a.ListMessages(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			want[m.ID] = m
			perEvent[m.EventID]++
		}
	}
	nEvents := 0
	events.Range(func(k, _ any) bool {
		nEvents++
		if perEvent[k.(int64)] == 0 {
			t.Errorf("event %d has no message", k)
		}
		return true
	})

	deadline := time.Now().Add(2 * time.Minute)
	for sender.count() < len(want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(began)
	stop()
	workers.Wait()

	sender.mu.Lock()
	defer sender.mu.Unlock()
	deliveries, duplicates, missing, unknown := 0, 0, 0, 0
	for id, n := range sender.delivered {
		deliveries += n
		if n > 1 {
			duplicates += n - 1
			t.Errorf("message %d delivered %d times", id, n)
		}
		if _, ok := want[id]; !ok {
			unknown++
		}
	}
	for id := range want {
		if sender.delivered[id] == 0 {
			missing++
		}
	}
	byStatus := map[string]int{}
	for _, id := range ids {
		msgs, _ := a.ListMessages(ctx, id)
		for _, m := range msgs {
			byStatus[m.Status]++
		}
	}
	t.Logf("%d events, %d messages, %d deliveries (worker 1: %d, worker 2: %d), %d duplicates, %d missing, %d simulated failures retried; "+
		"%.2fs in all, events written in %.2fs (statuses %v)",
		nEvents, len(want), deliveries, perWorker[0].Load(), perWorker[1].Load(), duplicates, missing, sender.failures,
		elapsed.Seconds(), produced.Seconds(), byStatus)
	if perWorker[0].Load() == 0 || perWorker[1].Load() == 0 {
		t.Errorf("one worker did nothing: %d and %d deliveries", perWorker[0].Load(), perWorker[1].Load())
	}
	if nEvents < 1000 {
		t.Errorf("only %d events, want at least 1,000", nEvents)
	}
	if duplicates != 0 || missing != 0 || unknown != 0 || deliveries != len(want) {
		t.Errorf("%d deliveries of %d messages: %d duplicates, %d missing, %d unknown", deliveries, len(want), duplicates, missing, unknown)
	}
	if byStatus[esambat.MessageSent] != len(want) {
		t.Errorf("statuses in the outbox = %v, want all %d sent", byStatus, len(want))
	}
}
