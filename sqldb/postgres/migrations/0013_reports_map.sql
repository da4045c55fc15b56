-- The public map: published reports inside a box, newest first, at most
-- 200. This index files published reports by a cell of 1/400 degree
-- (about 280 m) and, within a cell, newest first: a map query reads each
-- cell of its box from its newest report until it has enough
-- (sqldb.FindReports) instead of sorting every report in a band of
-- latitude across the city. The expression is sqldb.Dialect.MapCell and
-- must stay identical to it (floor, not a cast: PostgreSQL's cast rounds).
CREATE INDEX reports_map ON reports (
	(floor((lat + 90) * 400)::bigint * 1000000 + floor((lng + 180) * 400)::bigint), id, lat, lng
) WHERE published_at IS NOT NULL AND visibility <> 'rahasia' AND lat IS NOT NULL;
