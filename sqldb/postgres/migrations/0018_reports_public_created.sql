-- esambat:online
-- The public list of a date window (the API's and the pages' from and
-- to, Open311's start_date and end_date): published reports created in
-- the window, newest first. A list with a window is ordered by
-- created_at, then id (esambat.ReportFilter.ByCreated), and this index
-- files the published reports in that order, so a page reads the rows
-- it returns instead of every report of the window. Like the other
-- public indexes it files only published reports, so intake does not
-- write it.
--
-- Built CONCURRENTLY, outside a transaction, as 0015 is (see there).
DROP INDEX CONCURRENTLY IF EXISTS reports_public_created;
CREATE INDEX CONCURRENTLY reports_public_created ON reports (created_at, id) WHERE published_at IS NOT NULL AND visibility <> 'rahasia';
