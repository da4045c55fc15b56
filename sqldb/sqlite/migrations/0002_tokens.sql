-- Sessions and personal API tokens (only the SHA-256 of the secret is kept)
-- and the one-time codes that confirm phone numbers.
CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	hash       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	expires_at TEXT,
	revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens (user_id, id);

CREATE TABLE phone_codes (
	user_id    INTEGER PRIMARY KEY REFERENCES users (id),
	hash       TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0
);
