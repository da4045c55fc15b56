// Package sqldb implements E-Sambat's stores (esambat.ReportStore,
// esambat.UserStore, esambat.ReferenceStore) once, in database/sql, for both
// supported databases. The dialect packages sqldb/sqlite and sqldb/postgres
// open connections, set them up, translate driver errors and carry the
// migrations; they differ here only where SQL truly differs (placeholders,
// time columns, full-text search).
//
// Writes go through a Writer. PostgreSQL's is a plain transaction per call.
// SQLite has one writer, so its Writer queues calls and commits several of
// them in one transaction (group commit), each inside its own SAVEPOINT so
// that one call's failure does not undo the others; no call returns before
// the shared COMMIT is durable (its write-ahead log fsynced, by the
// writer's second goroutine while the next batch runs). That is how
// intake can reach the disk's one-fsync-per-commit ceiling without
// weakening what an acknowledgement means.
//
// Reads go to the Read pool, except the public ones (published lists and
// their counts, the statistics) when a read replica is set (SetReplica,
// PostgreSQL): those may lag behind the writes, and fall back to the
// primary when the replica does not answer (replica.go).
package sqldb
