package notify

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strconv"
	"sync"

	"github.com/esambat/esambat"
)

// Log writes every message to the logger instead of sending it. Use it in
// development only: the body may hold a one-time code.
type Log struct{ Logger *slog.Logger }

// Notify logs the message (esambat.Notifier).
func (l Log) Notify(ctx context.Context, to, subject, body string) error {
	l.Logger.InfoContext(ctx, "notification (development: logged, not sent)", "to", to, "subject", subject, "body", body)
	return nil
}

// Send logs an outbox message (Sender).
func (l Log) Send(ctx context.Context, m esambat.Message) error {
	l.Logger.InfoContext(ctx, "notification (development: logged, not sent)", "id", m.ID, "channel", m.Channel,
		"to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// messageKey names one message for its receiver: the gateway's
// Idempotency-Key, the email's Message-ID. An outbox message keeps its
// key across retries ("esambat-outbox-ID"), so a gateway or mailbox that
// got it before drops the copy. A message sent directly (a one-time code,
// a confirmation link: ID 0) gets a key of its own: with one shared key a
// gateway would drop every code after the first, and a mailbox such as
// Gmail hides a second email with the Message-ID of one it holds.
func messageKey(m esambat.Message) string {
	if m.ID != 0 {
		return "esambat-outbox-" + strconv.FormatInt(m.ID, 10)
	}
	return "esambat-direct-" + rand.Text()
}

// Message is one notification kept by Memory. Channel is empty for
// messages sent through Notify.
type Message struct{ Channel, To, Subject, Body string }

// Memory keeps messages in memory, for tests.
type Memory struct {
	mu   sync.Mutex
	msgs []Message
}

// Notify records the message (esambat.Notifier).
func (m *Memory) Notify(ctx context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, Message{To: to, Subject: subject, Body: body})
	return nil
}

// Send records an outbox message (Sender).
func (m *Memory) Send(ctx context.Context, msg esambat.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, Message{Channel: msg.Channel, To: msg.To, Subject: msg.Subject, Body: msg.Body})
	return nil
}

// Messages returns a copy of what was sent so far.
func (m *Memory) Messages() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Message(nil), m.msgs...)
}
