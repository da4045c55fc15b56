-- Response templates per agency and category (empty category = any).
CREATE TABLE response_templates (
	id            INTEGER PRIMARY KEY,
	agency_code   TEXT NOT NULL REFERENCES agencies (code),
	category_code TEXT NOT NULL DEFAULT '',
	title         TEXT NOT NULL,
	body          TEXT NOT NULL,
	created_at    TEXT NOT NULL
);
CREATE INDEX response_templates_agency ON response_templates (agency_code, category_code);
