-- esambat:online
-- The public list of one category in one kelurahan ("roads in my
-- kelurahan"), and its count: published reports of both, newest first.
-- With only reports_public_category and reports_public_kelurahan, the
-- query read the kelurahan's published reports and checked each one's
-- category in the table (79 ms per page at a million reports). This
-- index holds exactly the list's rows in its order. Like the others it
-- files only published reports, so intake does not write it.
--
-- Built CONCURRENTLY, outside a transaction, as 0015 is (see there).
DROP INDEX CONCURRENTLY IF EXISTS reports_public_kelurahan_category;
CREATE INDEX CONCURRENTLY reports_public_kelurahan_category ON reports (kelurahan_code, category_code, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
