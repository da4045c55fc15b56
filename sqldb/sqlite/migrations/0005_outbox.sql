-- The transactional outbox: notifications written in the same transaction
-- as the event they announce, then delivered by workers (package notify).
-- One delivery per event, channel and recipient.
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	event_id     INTEGER NOT NULL REFERENCES events (id),
	report_id    INTEGER NOT NULL REFERENCES reports (id),
	channel      TEXT NOT NULL,
	recipient    TEXT NOT NULL,
	subject      TEXT NOT NULL DEFAULT '',
	body         TEXT NOT NULL,
	status       TEXT NOT NULL DEFAULT 'pending',
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	sent_at      TEXT,
	-- The worker holding the message and until when (see esambat.OutboxLease).
	locked_by    TEXT NOT NULL DEFAULT '',
	locked_until TEXT,
	last_error   TEXT NOT NULL DEFAULT '',
	UNIQUE (event_id, channel, recipient)
);
CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_dead ON outbox (id) WHERE status = 'dead';
CREATE INDEX outbox_report ON outbox (report_id, id);
