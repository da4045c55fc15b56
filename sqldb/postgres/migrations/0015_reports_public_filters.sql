-- esambat:online
-- The public list filtered by category or by kelurahan: published reports
-- of one category (or one kelurahan), newest first. Its query walked
-- reports_category (or reports_kelurahan) from the category's newest
-- report and skipped every report not yet published. After a real flood
-- the reports still waiting for verification are the newest and mostly
-- of one category (drainase-banjir), and they arrive faster than the
-- statistics are updated, so the planner, believing that category rare,
-- walked all of them for each page of that category's list, the one
-- residents open then. These indexes file only the published reports, so
-- a page reads the rows it returns; the planner picks them by itself.
-- A new report is not published, so intake does not write them: a report
-- enters them when it is verified.
--
-- Built CONCURRENTLY, outside a transaction (sqldb's onlineMarker): on a
-- province's millions of reports a plain CREATE INDEX would hold every
-- new report on every instance for as long as the build takes. Each is
-- dropped first in case a crash left it half-built (invalid).
DROP INDEX CONCURRENTLY IF EXISTS reports_public_category;
CREATE INDEX CONCURRENTLY reports_public_category ON reports (category_code, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
DROP INDEX CONCURRENTLY IF EXISTS reports_public_kelurahan;
CREATE INDEX CONCURRENTLY reports_public_kelurahan ON reports (kelurahan_code, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
