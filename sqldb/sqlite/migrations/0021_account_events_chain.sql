-- The account events form one hash chain, as each report's events do
-- (esambat.AccountEvent): seq is an event's place in it, from 1; hash
-- covers the event and prev_hash, the hash of the one before. The head
-- records the latest, so that events deleted from the end are caught.
-- Events stored before this migration (seq 0) are chained by the Go step
-- that runs with it (sqldb.chainAccountEvents), in the same transaction.
-- Like the reports' events, they are append-only from now on: the only
-- update allowed is that step's, giving a seq-0 event its link.
ALTER TABLE account_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE account_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX account_events_seq ON account_events (seq) WHERE seq > 0;
CREATE TABLE account_events_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO account_events_head (id, seq, hash) VALUES (1, 0, '');
CREATE TRIGGER account_events_no_update BEFORE UPDATE ON account_events WHEN OLD.seq <> 0
BEGIN SELECT RAISE(ABORT, 'account events are append-only'); END;
CREATE TRIGGER account_events_no_delete BEFORE DELETE ON account_events
BEGIN SELECT RAISE(ABORT, 'account events are append-only'); END;
