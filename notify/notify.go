// Package notify delivers messages to residents and staff. For now it has
// the development notifier, which writes messages to the log instead of
// sending them (no SMS gateway is needed to try E-Sambat); the SMTP, SMS
// gateway and webhook channels with a transactional outbox come with the
// back-office work.
package notify

import (
	"context"
	"log/slog"
	"sync"
)

// Log writes every message to the logger. Use it in development only: the
// body may hold a one-time code.
type Log struct{ Logger *slog.Logger }

// Notify logs the message.
func (l Log) Notify(ctx context.Context, to, subject, body string) error {
	l.Logger.InfoContext(ctx, "notification (development: logged, not sent)", "to", to, "subject", subject, "body", body)
	return nil
}

// Message is one notification kept by Memory.
type Message struct{ To, Subject, Body string }

// Memory keeps messages in memory, for tests.
type Memory struct {
	mu   sync.Mutex
	msgs []Message
}

// Notify records the message.
func (m *Memory) Notify(ctx context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, Message{to, subject, body})
	return nil
}

// Messages returns a copy of what was sent so far.
func (m *Memory) Messages() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Message(nil), m.msgs...)
}
