-- Photos of reports (kind laporan) and the agencies' evidence (kind bukti);
-- the files live in the content-addressed media store under key.
CREATE TABLE report_photos (
	id         INTEGER PRIMARY KEY,
	report_id  INTEGER NOT NULL REFERENCES reports (id),
	key        TEXT NOT NULL,
	thumb_key  TEXT NOT NULL,
	width      INTEGER NOT NULL,
	height     INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX report_photos_report ON report_photos (report_id, id);
