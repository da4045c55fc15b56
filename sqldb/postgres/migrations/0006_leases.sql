-- Leases: with several instances, exactly one runs the scheduler each tick.
CREATE TABLE leases (
	name   TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	until  TIMESTAMPTZ NOT NULL
);
CREATE INDEX reports_due ON reports (due_at) WHERE due_at IS NOT NULL;
