-- An agency or category the reference files no longer hold (an agency
-- merged into another after a reorganisation, a category given up) is
-- retired rather than deleted: old reports keep its name, but no new
-- report, disposition or default goes to it. SyncReference sets the flag
-- at every start, and clears it if the files name the row again.
ALTER TABLE agencies ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE categories ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
