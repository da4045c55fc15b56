-- Possible duplicates (esambat.Service.NearbyOpen, at every submission)
-- look for open reports of one category around a point. Without this index
-- SQLite scans every report of the category (tens of thousands at a
-- million reports) and submissions slow down as the database grows; with
-- it the lookup reads only the open reports of the category in a band of
-- latitude, and checks the longitude in the index before it reads a row.
CREATE INDEX reports_nearby ON reports (category_code, status, lat, lng) WHERE lat IS NOT NULL;
