-- One "dukung" per resident per report.
CREATE TABLE report_supports (
	report_id  INTEGER NOT NULL REFERENCES reports (id),
	user_id    INTEGER NOT NULL REFERENCES users (id),
	created_at TEXT NOT NULL,
	PRIMARY KEY (report_id, user_id)
);
