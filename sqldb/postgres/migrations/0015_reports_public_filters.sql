-- The public list filtered by category or by kelurahan: published reports
-- of one category (or one kelurahan), newest first. Its query walked
-- reports_category (or reports_kelurahan) from the category's newest
-- report and skipped every report not yet published. After a real flood
-- the reports still waiting for verification are the newest and mostly
-- of one category (drainase-banjir), so that category's list, the one
-- residents open then, read all of them for each page. These indexes file
-- only the published reports, so a page reads the rows it returns; the
-- planner picks them by itself.
--
-- A new report is not published, so intake does not write them: a report
-- enters them when it is verified.
CREATE INDEX reports_public_category ON reports (category_code, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
CREATE INDEX reports_public_kelurahan ON reports (kelurahan_code, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
