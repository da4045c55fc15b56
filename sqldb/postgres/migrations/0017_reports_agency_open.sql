-- esambat:online
-- An agency's inbox (the petugas page): its reports that are disposed, in
-- progress or finished (esambat.AgencyInboxStatuses), oldest first. Those
-- are a few thousand of a million, and the newest ones, but the planner
-- believes them spread evenly over the table and walked the primary key
-- from the oldest report, skipping 920,000 rows: 1.27 s per page at a
-- million reports. This index holds exactly the inbox's rows, by agency,
-- in id order; reports enter it at disposition, not at intake. SQLite's
-- planner already reads reports_agency for the inbox (8-14 ms at a
-- million), so only PostgreSQL gets it.
--
-- The status list must stay the same as esambat.AgencyInboxStatuses: the
-- planner uses the index only for a query whose statuses match it.
-- Built CONCURRENTLY, outside a transaction, as 0015 is (see there).
DROP INDEX CONCURRENTLY IF EXISTS reports_agency_open;
CREATE INDEX CONCURRENTLY reports_agency_open ON reports (agency_code, id) WHERE status IN ('didisposisi', 'diproses', 'selesai');
