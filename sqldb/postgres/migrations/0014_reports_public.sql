-- The public list: published reports, newest first, 20 at a time. Its
-- query walked the primary key from the newest report and skipped every
-- report not yet published, and the newest reports are the ones still
-- waiting for verification, as many more as the backlog grows after a
-- flood. This index files only the published reports, by id, so a page
-- reads the rows it returns; the planner picks it by itself.
--
-- reports_published (published_at, id) served no query: every list is
-- ordered by id.
DROP INDEX reports_published;
CREATE INDEX reports_public ON reports (id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
