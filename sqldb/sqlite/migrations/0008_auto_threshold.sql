-- Automatic disposition per category: 0 = off, else the minimum confidence.
ALTER TABLE categories ADD COLUMN auto_threshold REAL NOT NULL DEFAULT 0;
