-- The admins' accounts page lists the staff among every resident's
-- account: without this it read the whole users table (20 ms at 50,000
-- residents). The WHERE is the query's own (sqldb.staffOnly).
CREATE INDEX users_staff ON users (role) WHERE role IN ('admin', 'petugas', 'pimpinan');
