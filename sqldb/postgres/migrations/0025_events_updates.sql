-- esambat:online
-- What happened to reports after they were submitted, in time order:
-- the feed of updates that clients following reports read (Open311's
-- servicerequestupdates, sqldb.ListUpdates). A partial index of every
-- event but the submission, so intake (a report's first event only)
-- does not write it.
--
-- Built CONCURRENTLY, outside a transaction, as 0015 is (see there): the
-- events table is the largest, and reports keep coming while it builds.
DROP INDEX CONCURRENTLY IF EXISTS events_updates;
CREATE INDEX CONCURRENTLY events_updates ON events (created_at, id) WHERE action <> 'submit';
