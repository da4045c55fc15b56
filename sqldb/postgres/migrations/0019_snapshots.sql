-- Snapshots: the latest result of a costly computation (the public
-- statistics read every report and event: 15-25 s at a million reports),
-- kept so that a restarted server shows the last figures at once instead
-- of "being computed", and so that instances sharing one database use
-- each other's result (esambat.SnapshotStore).
CREATE TABLE snapshots (
	name        TEXT PRIMARY KEY,
	computed_at TIMESTAMPTZ NOT NULL,
	body        BYTEA NOT NULL
);
