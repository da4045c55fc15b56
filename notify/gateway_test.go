package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
)

// testClock is a settable clock shared by the store and the worker.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// gatewayRequest is what the fake gateway received.
type gatewayRequest struct {
	Auth, IdemKey    string
	To, Channel, Txt string
}

func TestGatewayThroughWorker(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	clock := &testClock{t: time.Date(2026, 3, 3, 2, 30, 0, 0, time.UTC)}
	db.Now = clock.Now
	db.Planner = &notify.Planner{BaseURL: "https://esambat.example", Disabled: map[string]bool{esambat.MessageEmail: true}}
	u := newResident(t, db, "Sri Wahyuni", "id")
	r, ev := newReport(u.ID, "Lampu jalan mati di Jl. Pahlawan")
	r.OnBehalf = &esambat.OnBehalf{Name: "Pak Darto", Relationship: "ayah", Phone: "+6281399999999"}
	if _, _, err := db.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var reqs []gatewayRequest
	answers := map[string][]int{ // per recipient, one status per request; then 200
		u.Phone:          {http.StatusInternalServerError},
		r.OnBehalf.Phone: {http.StatusBadRequest},
	}
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct{ To, Channel, Text string }
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		reqs = append(reqs, gatewayRequest{req.Header.Get("Authorization"), req.Header.Get("Idempotency-Key"), body.To, body.Channel, body.Text})
		if a := answers[body.To]; len(a) > 0 {
			answers[body.To] = a[1:]
			http.Error(w, `{"error":"nomor tidak valid"}`, a[0])
			return
		}
		w.Write([]byte(`{"status":"queued"}`))
	}))
	defer gw.Close()

	w := &notify.Worker{Store: db, Now: clock.Now, Name: "test",
		Senders: map[string]notify.Sender{esambat.MessageSMS: &notify.Gateway{URL: gw.URL + "/send?api_key=SECRETKEY", Token: "tok"}},
		Backoff: func(int) time.Duration { return 30 * time.Second }}
	msgs, _ := db.ListMessages(ctx, r.ID)
	if len(msgs) != 2 {
		t.Fatalf("%d messages planned, want SMS to the reporter and to the person reported for", len(msgs))
	}
	mine, theirs := msgs[0], msgs[1]
	if mine.To != u.Phone || theirs.To != r.OnBehalf.Phone {
		t.Fatalf("messages = %+v", msgs)
	}

	// First round: 500 for the reporter (retry), 400 for the other (dead).
	if n, err := w.RunOnce(ctx); n != 2 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	dead, _ := db.ListDead(ctx, 10)
	if len(dead) != 1 || dead[0].ID != theirs.ID || !strings.Contains(dead[0].LastError, "400") || dead[0].Attempts != 1 {
		t.Fatalf("dead letters = %+v, want the 400", dead)
	}
	if strings.Contains(dead[0].LastError, "SECRETKEY") {
		t.Errorf("the stored error shows the gateway's key: %q", dead[0].LastError)
	}
	if n, _ := w.RunOnce(ctx); n != 0 {
		t.Errorf("claimed %d messages before the backoff ran out", n)
	}
	clock.Add(30 * time.Second)
	if n, err := w.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("retry RunOnce = %d, %v", n, err)
	}
	// An admin retries the dead letter once the number is fixed at the
	// gateway.
	if err := db.RetryDead(ctx, theirs.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := w.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("RunOnce after RetryDead = %d, %v", n, err)
	}
	msgs, _ = db.ListMessages(ctx, r.ID)
	for _, m := range msgs {
		if m.Status != esambat.MessageSent {
			t.Errorf("message to %s: %s after %d attempts (%s)", m.To, m.Status, m.Attempts, m.LastError)
		}
	}
	if msgs[0].Attempts != 1 || msgs[1].Attempts != 0 {
		t.Errorf("attempts = %d, %d; want 1 (one 500) and 0 (reset by RetryDead)", msgs[0].Attempts, msgs[1].Attempts)
	}

	if len(reqs) != 4 {
		t.Fatalf("gateway got %d requests, want 4: %+v", len(reqs), reqs)
	}
	keys := map[string]string{}
	for _, q := range reqs {
		if q.Auth != "Bearer tok" || q.Channel != "sms" || !strings.HasPrefix(q.Txt, "E-Sambat") || !strings.Contains(q.Txt, r.Ticket) {
			t.Errorf("request = %+v", q)
		}
		if k, ok := keys[q.To]; ok && k != q.IdemKey {
			t.Errorf("Idempotency-Key changed between retries to %s: %q, %q", q.To, k, q.IdemKey)
		}
		keys[q.To] = q.IdemKey
	}
	if keys[u.Phone] == keys[r.OnBehalf.Phone] || keys[u.Phone] == "" {
		t.Errorf("Idempotency-Keys = %v, want one per message", keys)
	}
}

func TestGatewayTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer gw.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := (&notify.Gateway{URL: gw.URL}).Send(ctx, esambat.Message{ID: 1, Channel: esambat.MessageWhatsApp, To: "+628123", Body: "x"})
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("timeout: Send = %v, want a retryable error", err)
	}
	if err := (&notify.Gateway{URL: gw.URL}).Send(ctx, esambat.Message{Channel: esambat.MessageEmail}); !notify.IsPermanent(err) {
		t.Errorf("email through the gateway = %v, want a permanent error", err)
	}
}
