package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
)

func TestDefaultBackoff(t *testing.T) {
	want := []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 12 * time.Hour}
	for i, w := range want {
		for j := 0; j < 50; j++ {
			got := notify.DefaultBackoff(i + 1)
			if got < w*8/10 || got > w*12/10 {
				t.Fatalf("DefaultBackoff(%d) = %v, want %v ± 20%%", i+1, got, w)
			}
		}
	}
	varied := map[time.Duration]bool{}
	for j := 0; j < 20; j++ {
		varied[notify.DefaultBackoff(1)] = true
	}
	if len(varied) < 5 {
		t.Errorf("DefaultBackoff has no jitter: %v", varied)
	}
}

func TestWorkerGivesUp(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	clock := &testClock{t: time.Date(2026, 3, 3, 2, 30, 0, 0, time.UTC)}
	db.Now = clock.Now
	db.Planner = &notify.Planner{}
	u := newResident(t, db, "Agus", "id")
	r, ev := newReport(u.ID, "Pohon tumbang di Jl. Soekarno-Hatta")
	if _, _, err := db.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	// SMS always fails (retryable); email has no sender.
	attempts := 0
	w := &notify.Worker{Store: db, Now: clock.Now, MaxAttempts: 3,
		Senders: map[string]notify.Sender{esambat.MessageSMS: notify.SenderFunc(func(ctx context.Context, m esambat.Message) error {
			attempts++
			return errors.New("gateway: 503 Service Unavailable")
		})}}
	for i := 0; i < 5; i++ {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Add(24 * time.Hour)
	}
	if attempts != 3 {
		t.Errorf("SMS tried %d times, want MaxAttempts = 3", attempts)
	}
	dead, _ := db.ListDead(ctx, 10)
	if len(dead) != 2 {
		t.Fatalf("dead letters = %+v, want the SMS and the email", dead)
	}
	for _, m := range dead {
		switch m.Channel {
		case esambat.MessageSMS:
			if m.Attempts != 3 || m.LastError != "gateway: 503 Service Unavailable" {
				t.Errorf("dead SMS = %+v", m)
			}
		case esambat.MessageEmail:
			if m.Attempts != 1 || m.LastError == "" {
				t.Errorf("dead email (no sender) = %+v", m)
			}
		}
	}
}

func TestWorkerRun(t *testing.T) {
	db := openSQLite(t)
	db.Planner = &notify.Planner{}
	u := newResident(t, db, "Yuli", "en")
	for i := 0; i < 20; i++ {
		r, ev := newReport(u.ID, "Sampah menumpuk di pasar")
		if _, _, err := db.CreateReport(context.Background(), r, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	mem := &notify.Memory{}
	w := &notify.Worker{Store: db, Batch: 7, Poll: 10 * time.Millisecond,
		Senders: map[string]notify.Sender{esambat.MessageSMS: mem, esambat.MessageEmail: mem}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(mem.Messages()) < 40 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	got := mem.Messages()
	if len(got) != 40 {
		t.Fatalf("Run delivered %d messages, want 40", len(got))
	}
	for _, m := range got {
		if m.Channel == esambat.MessageEmail && m.Subject != "" && !strings.HasPrefix(m.Subject, "[E-Sambat] Report ES-") {
			t.Errorf("email in English expected: %q", m.Subject)
		}
	}
}
