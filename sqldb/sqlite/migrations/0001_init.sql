-- E-Sambat schema, SQLite dialect. Times are fixed-width UTC text
-- (2006-01-02T15:04:05.000000Z) so that text order is time order.

CREATE TABLE regions (
	code   TEXT PRIMARY KEY,
	name   TEXT NOT NULL,
	level  TEXT NOT NULL,
	parent TEXT NOT NULL DEFAULT ''
);

CREATE TABLE agencies (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	short_name TEXT NOT NULL DEFAULT '',
	duties     TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE categories (
	code              TEXT PRIMARY KEY,
	name              TEXT NOT NULL,
	name_en           TEXT NOT NULL DEFAULT '',
	grp               TEXT NOT NULL,
	agency_code       TEXT NOT NULL REFERENCES agencies (code),
	sla_class         TEXT NOT NULL,
	requires_location INTEGER NOT NULL DEFAULT 0,
	service_code      TEXT NOT NULL UNIQUE,
	keywords          TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
	id                INTEGER PRIMARY KEY,
	role              TEXT NOT NULL,
	name              TEXT NOT NULL,
	email             TEXT UNIQUE,
	phone             TEXT UNIQUE,
	phone_confirmed   INTEGER NOT NULL DEFAULT 0,
	nik_hash          TEXT UNIQUE,
	nik_sealed        BLOB,
	nik_masked        TEXT NOT NULL DEFAULT '',
	kelurahan_code    TEXT NOT NULL DEFAULT '',
	domicile_verified INTEGER NOT NULL DEFAULT 0,
	agency_code       TEXT REFERENCES agencies (code),
	password_hash     TEXT NOT NULL,
	lang              TEXT NOT NULL DEFAULT 'id',
	created_at        TEXT NOT NULL,
	disabled          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ticket_counters (
	year INTEGER PRIMARY KEY,
	n    INTEGER NOT NULL
);

CREATE TABLE reports (
	id                     INTEGER PRIMARY KEY,
	ticket                 TEXT NOT NULL UNIQUE,
	type                   TEXT NOT NULL,
	category_code          TEXT NOT NULL REFERENCES categories (code),
	title                  TEXT NOT NULL,
	description            TEXT NOT NULL,
	lat                    REAL,
	lng                    REAL,
	address                TEXT NOT NULL DEFAULT '',
	kelurahan_code         TEXT NOT NULL DEFAULT '',
	kecamatan_code         TEXT NOT NULL DEFAULT '',
	visibility             TEXT NOT NULL,
	status                 TEXT NOT NULL,
	channel                TEXT NOT NULL,
	reporter_id            INTEGER REFERENCES users (id),
	on_behalf_name         TEXT NOT NULL DEFAULT '',
	on_behalf_relationship TEXT NOT NULL DEFAULT '',
	on_behalf_phone        TEXT NOT NULL DEFAULT '',
	suggested_agency       TEXT NOT NULL DEFAULT '',
	agency_code            TEXT REFERENCES agencies (code),
	flags                  TEXT NOT NULL DEFAULT '',
	duplicate_of           INTEGER REFERENCES reports (id),
	supports               INTEGER NOT NULL DEFAULT 0,
	rating                 INTEGER NOT NULL DEFAULT 0,
	created_at             TEXT NOT NULL,
	updated_at             TEXT NOT NULL,
	due_at                 TEXT,
	published_at           TEXT,
	version                INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX reports_status ON reports (status, id);
CREATE INDEX reports_published ON reports (published_at, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
CREATE INDEX reports_agency ON reports (agency_code, status, id);
CREATE INDEX reports_reporter ON reports (reporter_id, id);
CREATE INDEX reports_category ON reports (category_code, id);
CREATE INDEX reports_kelurahan ON reports (kelurahan_code, id);
CREATE INDEX reports_point ON reports (lat, lng) WHERE lat IS NOT NULL;
CREATE INDEX reports_created ON reports (created_at);

-- Idempotency keys: a retried submission with the same key from the same
-- submitter returns the first report.
CREATE TABLE report_idempotency (
	submitter  TEXT NOT NULL,
	key        TEXT NOT NULL,
	report_id  INTEGER NOT NULL REFERENCES reports (id),
	created_at TEXT NOT NULL,
	PRIMARY KEY (submitter, key)
);

CREATE TABLE events (
	id            INTEGER PRIMARY KEY,
	report_id     INTEGER NOT NULL REFERENCES reports (id),
	seq           INTEGER NOT NULL,
	action        TEXT NOT NULL,
	actor_id      INTEGER NOT NULL DEFAULT 0,
	actor_role    TEXT NOT NULL,
	from_status   TEXT NOT NULL DEFAULT '',
	to_status     TEXT NOT NULL,
	public_text   TEXT NOT NULL DEFAULT '',
	internal_note TEXT NOT NULL DEFAULT '',
	data          TEXT NOT NULL DEFAULT '{}',
	created_at    TEXT NOT NULL,
	prev_hash     TEXT NOT NULL,
	hash          TEXT NOT NULL,
	UNIQUE (report_id, seq)
);

-- Events are append-only: the application never updates or deletes them.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Full-text search over title and description. The trigram tokenizer
-- matches any substring of three or more characters, so "lubang" finds
-- "berlubang" without an Indonesian stemmer.
CREATE VIRTUAL TABLE reports_fts USING fts5 (
	title, description,
	content = 'reports', content_rowid = 'id',
	tokenize = 'trigram remove_diacritics 1'
);
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
	INSERT INTO reports_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF title, description ON reports BEGIN
	INSERT INTO reports_fts (reports_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
	INSERT INTO reports_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
	INSERT INTO reports_fts (reports_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
