package notify

import (
	"context"
	"log/slog"
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
