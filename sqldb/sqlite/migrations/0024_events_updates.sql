-- What happened to reports after they were submitted, in time order:
-- the feed of updates that clients following reports read (Open311's
-- servicerequestupdates, sqldb.ListUpdates). A partial index of every
-- event but the submission: intake writes a report's first event only,
-- which this index leaves out, so the single writer does not pay for it
-- (the rowid, which is the id, ends every entry).
CREATE INDEX events_updates ON events (created_at) WHERE action <> 'submit';
