-- The hash of each report's latest event, so that deleting the last
-- events of a chain (truncation) is caught too. '' = not recorded (rows
-- from before this migration).
ALTER TABLE reports ADD COLUMN events_head TEXT NOT NULL DEFAULT '';
