-- The public list: published reports, newest first, 20 at a time. Its
-- query walked the table from the newest report and skipped every report
-- not yet published, and the newest reports are the ones still waiting
-- for verification: 4,500 rows read for a first page at a million seeded
-- reports, and as many more as the backlog grows after a flood. This
-- index files only the published reports, by id, so a page reads the rows
-- it returns. SQLite's planner, which expects 80 % of the rows to be
-- published anywhere in the table, would still walk the table: the list
-- names it (Dialect.PublicIndex, sqldb.FindReports).
--
-- reports_published (published_at, id) served no query: every list is
-- ordered by id.
DROP INDEX reports_published;
CREATE INDEX reports_public ON reports (id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
