-- Full-text indexing deferred to the end of each write transaction.
--
-- The group-commit writer runs every caller inside its own SAVEPOINT, and
-- FTS5 writes its pending terms to disk at every savepoint: each new
-- report became a one-document index segment that FTS5 then had to merge,
-- a large part of the writer's time under load. Now the triggers only
-- note the report in fts_pending; the writer indexes everything noted in
-- one statement at the end of the batch, in the same transaction
-- (sqlite.flushFTS), so a committed report is searchable at once.
CREATE TABLE fts_pending (id INTEGER PRIMARY KEY);

DROP TRIGGER reports_fts_insert;
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
	INSERT OR IGNORE INTO fts_pending (id) VALUES (new.id);
END;

-- UpdateReport sets every column, so the trigger asks whether the text
-- really changed: a status change no longer rewrites the index. A report
-- already indexed has its old text taken out at once (the 'delete'
-- command needs the exact old values, which only this trigger has).
DROP TRIGGER reports_fts_update;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF title, description ON reports
WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
	INSERT INTO reports_fts (reports_fts, rowid, title, description)
		SELECT 'delete', old.id, old.title, old.description
		WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
	INSERT OR IGNORE INTO fts_pending (id) VALUES (new.id);
END;

DROP TRIGGER reports_fts_delete;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
	INSERT INTO reports_fts (reports_fts, rowid, title, description)
		SELECT 'delete', old.id, old.title, old.description
		WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
	DELETE FROM fts_pending WHERE id = old.id;
END;
