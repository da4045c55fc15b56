-- One "dukung" per resident per report.
CREATE TABLE report_supports (
	report_id  BIGINT NOT NULL REFERENCES reports (id),
	user_id    BIGINT NOT NULL REFERENCES users (id),
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (report_id, user_id)
);
