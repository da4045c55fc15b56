-- The public map: published reports inside a box, newest first, at most
-- 200. With only (lat, lng) to go on, a box 1 km high in the city centre
-- meant reading and sorting every report in a band of latitude across the
-- whole city (hundreds of milliseconds at a million reports). This index
-- files published reports by a cell of 1/400 degree (about 280 m) and,
-- within a cell, newest first: a map query reads each cell of its box
-- from its newest report until it has enough (sqldb.FindReports).
-- The expression is sqldb.Dialect.MapCell and must stay identical to it.
CREATE INDEX reports_map ON reports (
	CAST((lat + 90) * 400 AS INTEGER) * 1000000 + CAST((lng + 180) * 400 AS INTEGER), id, lat, lng
) WHERE published_at IS NOT NULL AND visibility <> 'rahasia' AND lat IS NOT NULL;
