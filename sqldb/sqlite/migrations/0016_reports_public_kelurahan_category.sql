-- The public list of one category in one kelurahan ("roads in my
-- kelurahan"), and its count: published reports of both, newest first.
-- With only reports_public_category and reports_public_kelurahan, the
-- query read the kelurahan's published reports and looked up each one's
-- category in the table: 24,000 rows for a page of 20 and a count of
-- 3,632, 105 ms per page at a million reports. This index holds exactly
-- the list's rows in its order. Like the others it files only published
-- reports, so intake does not write it; the public list names it
-- (Dialect.HintPublicIndexes, sqldb.FindReports).
CREATE INDEX reports_public_kelurahan_category ON reports (kelurahan_code, category_code, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
