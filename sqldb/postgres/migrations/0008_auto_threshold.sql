-- Automatic disposition per category: 0 = off, else the minimum confidence.
ALTER TABLE categories ADD COLUMN auto_threshold DOUBLE PRECISION NOT NULL DEFAULT 0;
