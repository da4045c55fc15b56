-- Partner API keys (only the SHA-256 of the secret is kept).
CREATE TABLE api_keys (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	prefix     TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	scopes     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0
);
