package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// Sender delivers one message on one channel. It returns nil only when the
// channel accepted the message, and an error wrapped with Permanent when
// retrying cannot help. Send must return before ctx ends.
type Sender interface {
	Send(ctx context.Context, m esambat.Message) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m esambat.Message) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m esambat.Message) error { return f(ctx, m) }

// permanentError marks a failure that a retry cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure that retrying cannot fix (an address the
// server refuses, a request the gateway rejects): the Worker gives the
// message up at once instead of retrying it for a day. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// backoffSteps are the waits after the 1st, 2nd... failed attempt; the last
// repeats. With the default MaxAttempts of 8 a message is given up about
// 22 hours after its first attempt.
var backoffSteps = []time.Duration{
	30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
}

// DefaultBackoff returns the wait after the given number of failed
// attempts (1 after the first failure): 30s, 2m, 10m, 1h, 3h, 6h, then 12h,
// each varied by up to ±20% so that messages failed together (a gateway
// outage) do not all come back in the same second.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := backoffSteps[min(attempt, len(backoffSteps))-1]
	jitter := time.Duration((mrand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}

// Worker delivers outbox messages: it claims due messages from Store,
// sends each through the Sender of its channel and records the outcome.
// Several workers, on one instance or many, may run against one store.
// The zero values of the optional fields are sensible defaults.
type Worker struct {
	Store esambat.OutboxStore
	// Senders maps a channel (esambat.MessageEmail...) to its Sender. A
	// message whose channel has no Sender is given up at once.
	Senders map[string]Sender
	Logger  *slog.Logger
	// Now is the clock; tests set it. Default time.Now.
	Now func() time.Time
	// Backoff returns the wait after n failed attempts; default
	// DefaultBackoff.
	Backoff func(n int) time.Duration
	// MaxAttempts is how many failed attempts make a message dead;
	// default 8.
	MaxAttempts int
	// Name identifies the worker in claims; default host-pid-random.
	Name string
	// Batch is how many messages one claim takes; they are sent
	// concurrently. Default 16.
	Batch int
	// Poll is the wait between claims when there was nothing (or not a
	// full batch) to do. Default 1s.
	Poll time.Duration
	// Timeout bounds one Send; default 30s. It must stay well below
	// esambat.OutboxLease, or a slow send could be claimed again.
	Timeout time.Duration

	nameOnce sync.Once
	name     string
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (w *Worker) workerName() string {
	w.nameOnce.Do(func() {
		w.name = w.Name
		if w.name == "" {
			host, _ := os.Hostname()
			b := make([]byte, 4)
			rand.Read(b)
			w.name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
		}
	})
	return w.name
}

func (w *Worker) batch() int {
	if w.Batch > 0 {
		return w.Batch
	}
	return 16
}

func (w *Worker) maxAttempts() int {
	if w.MaxAttempts > 0 {
		return w.MaxAttempts
	}
	return 8
}

// Run delivers messages until ctx ends, claiming again at once after a full
// batch and after Poll otherwise. Store errors are logged and retried; Run
// returns nil when ctx ends, once the sends in flight have finished and
// been recorded: the store must stay open until then.
func (w *Worker) Run(ctx context.Context) error {
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.logger().ErrorContext(ctx, "outbox: claim failed", "worker", w.workerName(), "err", err)
		}
		if err == nil && n == w.batch() {
			timer.Reset(0)
		} else {
			timer.Reset(poll)
		}
	}
}

// RunOnce claims one batch of due messages, delivers them concurrently and
// returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	msgs, err := w.Store.ClaimMessages(ctx, w.workerName(), w.batch(), w.now())
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sent []int64
	for _, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w.deliver(ctx, m) {
				mu.Lock()
				sent = append(sent, m.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// The deliveries of the batch are recorded in one write. Even when
	// ctx ended meanwhile (shutdown): a send the channel accepted must be
	// marked, or it would be sent again.
	if len(sent) > 0 {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := w.Store.MarkSentAll(rctx, sent); err != nil {
			w.logger().ErrorContext(ctx, "outbox: sent, but could not record it; they will be sent again after the lease",
				"worker", w.workerName(), "messages", sent, "err", err)
		}
	}
	return len(msgs), nil
}

// deliver sends one claimed message and records a failure; it returns
// whether the message was sent, which RunOnce records for the batch.
func (w *Worker) deliver(ctx context.Context, m esambat.Message) (sent bool) {
	log := w.logger().With("worker", w.workerName(), "message", m.ID, "channel", m.Channel, "report", m.ReportID, "event", m.EventID)
	var err error
	if s := w.Senders[m.Channel]; s == nil {
		err = Permanent(fmt.Errorf("notify: no sender configured for channel %q", m.Channel))
	} else {
		timeout := w.Timeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		// A send that outlived the claim could be claimed and sent again.
		timeout = min(timeout, esambat.OutboxLease/2)
		// A send in flight when ctx ends (shutdown) finishes within its
		// timeout instead of being cut off: cut off, the channel may
		// have taken the message all the same, and it would go out again
		// once the claim ran out.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		err = s.Send(sctx, m)
		cancel()
	}
	// Record the outcome even when ctx ended meanwhile (shutdown): a send
	// the channel accepted must be marked, or it would be sent again.
	if err == nil {
		return true
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ctx.Err() != nil && !IsPermanent(err) {
		// Shutting down: the failure is ours, not the channel's. The claim
		// expires and another worker tries again, without an attempt
		// counted against the message.
		log.InfoContext(rctx, "outbox: delivery interrupted by shutdown", "err", err)
		return false
	}
	attempts := m.Attempts + 1
	dead := IsPermanent(err) || attempts >= w.maxAttempts()
	backoff := w.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	next := w.now().Add(backoff(attempts))
	if merr := w.Store.MarkFailed(rctx, m.ID, err.Error(), next, dead); merr != nil {
		log.ErrorContext(rctx, "outbox: could not record a failed delivery", "err", merr, "send_err", err)
		return false
	}
	if dead {
		log.ErrorContext(rctx, "outbox: message given up (dead letter; an admin may retry it)", "attempts", attempts, "err", err)
	} else {
		log.WarnContext(rctx, "outbox: delivery failed, will retry", "attempts", attempts, "next", next, "err", err)
	}
	return false
}
