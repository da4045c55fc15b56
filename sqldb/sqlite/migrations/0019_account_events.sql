-- Who changed which account, and when: the admins' accounts page (a staff
-- account created, a new password made for it, an account turned off or
-- on, its name, email, role or agency changed, a resident's domicile
-- confirmed) and the operator's command line.
-- An admin sees the passwords they make, so the record of who made one
-- is what keeps that power accountable. Apart from the reports' events.
CREATE TABLE account_events (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	actor_id   INTEGER REFERENCES users (id), -- NULL: the operator at the command line
	action     TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT '', -- what an edit changed, e.g. "perangkat daerah: dinkes → dinas-pupr"
	created_at TEXT NOT NULL
);
CREATE INDEX account_events_user ON account_events (user_id, id);
