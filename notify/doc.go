// Package notify tells residents and agencies what happens to reports.
//
// Notifications go through a transactional outbox (esambat.Message rows):
//
//  1. Planning. When the store writes an event (a submission, a transition,
//     evidence photos) it calls a NotificationPlanner — Planner here — inside
//     the same transaction and stores the messages it returns there too. A
//     change that rolls back leaves no message; a change that commits cannot
//     lose its messages. One event yields at most one message per channel
//     and recipient (a UNIQUE key in the store).
//  2. Delivery. Workers (Worker, one or more per instance) claim due
//     messages, hand each to the Sender of its channel and record the
//     result. On PostgreSQL claims use FOR UPDATE SKIP LOCKED, so several
//     instances share the work without handing a message to two of them.
//     Failures are retried with exponential backoff and jitter; after
//     MaxAttempts, or at once for a failure that retrying cannot fix (a
//     refused address, a 400 from the gateway: see Permanent), the message
//     is dead. Admins list dead messages and retry them (OutboxStore).
//
// Senders: SMTP delivers email (STARTTLS when the server offers it), Gateway
// posts SMS and WhatsApp messages to an HTTP gateway, Webhook posts signed
// JSON (WebhookPayload) to agency systems, which check it with
// VerifyWebhook. Log and Memory are for development and tests.
//
// Delivery is exactly once per message as far as the outbox goes: a message
// is claimed by one worker at a time and marked sent once. A worker that
// dies after the channel accepted a message but before it recorded that
// leaves the claim to expire (esambat.OutboxLease), and the message is sent
// again: receivers that must not see a repeat deduplicate on the message's
// stable ID (the webhook's X-Esambat-Delivery header, the gateway's
// Idempotency-Key, the email's Message-ID).
package notify
