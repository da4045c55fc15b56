package esambat

import (
	"context"
	"time"
)

// Notification channels of an outbox Message.
const (
	MessageEmail    = "email"    // To is an email address; sent over SMTP
	MessageSMS      = "sms"      // To is an E.164 phone; sent through the gateway
	MessageWhatsApp = "whatsapp" // To is an E.164 phone; sent through the gateway
	MessageWebhook  = "webhook"  // To is an agency system's URL; Body is JSON
)

// MessageChannels lists every notification channel.
var MessageChannels = []string{MessageEmail, MessageSMS, MessageWhatsApp, MessageWebhook}

// Message statuses.
const (
	MessagePending = "pending" // waiting for its first or next attempt
	MessageSent    = "sent"    // delivered (the channel accepted it)
	MessageDead    = "dead"    // given up on; an admin may retry it
)

// OutboxLease is how long a claim holds a message: another worker may
// claim it again only after the lease ran out without MarkSentAll or
// MarkFailed (its worker died). Senders must give up well within it.
const OutboxLease = 5 * time.Minute

// Message is one notification in the transactional outbox: written in the
// same transaction as the Event it announces (so it is never lost and never
// sent for a change that was rolled back), then delivered by a worker.
// There is at most one Message per event, channel and recipient.
type Message struct {
	ID       int64
	EventID  int64
	ReportID int64
	// Channel is one of MessageChannels.
	Channel string
	// To is the recipient: an email address, an E.164 phone or a URL.
	To      string
	Subject string
	Body    string
	// Attempts counts the failed deliveries so far.
	Attempts int
	// NextAt is when the next attempt is due.
	NextAt    time.Time
	CreatedAt time.Time
	// Status is MessagePending, MessageSent or MessageDead.
	Status    string
	LastError string
}

// NotificationPlanner decides who hears of an event and what they read.
// The store calls Plan inside the transaction that writes the event and
// stores the messages in that transaction; an error aborts the write, so
// an event is never stored without its notifications.
//
// Plan must not write, and must not read through the store's pools: it
// runs while the transaction holds a connection (PostgreSQL) or the single
// writer (SQLite). Everything it needs is passed in: r as changed by the
// event, the event with its ID set, and the reporter's account, loaded in
// the same transaction (nil when the report has no reporter account, e.g.
// an operator's walk-in entry).
type NotificationPlanner interface {
	Plan(ctx context.Context, r *Report, ev *Event, reporter *User) ([]Message, error)
}

// OutboxStore is the delivery side of the outbox. Workers on several
// instances may call it at once: a message is handed to one worker at a
// time.
type OutboxStore interface {
	// ClaimMessages hands worker up to n pending messages due at now that
	// no other worker holds, oldest first, and holds them for OutboxLease.
	ClaimMessages(ctx context.Context, worker string, n int, now time.Time) ([]Message, error)
	// MarkSentAll records the delivery of those of ids that are pending
	// (not already sent, nor dead),
	// in one write, and returns how many it marked: a worker's whole
	// batch costs one commit instead of one per message.
	MarkSentAll(ctx context.Context, ids []int64) (int, error)
	// MarkFailed records a failed attempt: it counts it, keeps err and
	// schedules the next attempt at next, or gives up when dead.
	// ENOTFOUND when the message is not pending.
	MarkFailed(ctx context.Context, id int64, err string, next time.Time, dead bool) error
	// ListDead returns up to limit dead messages, newest first.
	ListDead(ctx context.Context, limit int) ([]Message, error)
	// RetryDead makes a dead message pending again, due now, with its
	// attempts reset. ENOTFOUND when there is no such dead message.
	RetryDead(ctx context.Context, id int64) error
	// ListMessages returns a report's messages, oldest first: whom the
	// report's events were sent to, and whether it worked.
	ListMessages(ctx context.Context, reportID int64) ([]Message, error)
}
