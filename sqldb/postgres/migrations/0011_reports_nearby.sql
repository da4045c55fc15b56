-- Possible duplicates (esambat.Service.NearbyOpen, at every submission)
-- look for open reports of one category around a point: this index reads
-- only the open reports of the category in a band of latitude instead of
-- every report of the category.
CREATE INDEX reports_nearby ON reports (category_code, status, lat, lng) WHERE lat IS NOT NULL;
