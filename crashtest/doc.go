// Package crashtest holds E-Sambat's tests of the released binary as
// processes: the crash-safety test, and two instances starting together
// on one PostgreSQL database (TestInstancesAsProcesses), one of them
// killed while it migrates (TestInstanceKilledWhileMigrating); it has no
// code of its own besides this comment.
//
// The test builds the real binary (CGO_ENABLED=0, as released) and runs
// "esambat serve" as a child process in its own process group. Client
// goroutines register once, then submit reports with an Idempotency-Key
// and attach a small JPEG to each. At a random moment the whole process
// group gets SIGKILL; the server is started again on the same data and
// every report and photo a client saw acknowledged (a 201 or 200 with a
// ticket) must be there, with its events. A request that died with the
// server is sent again, unchanged, to the next one: a report counts as
// acknowledged only when an answer arrives, and the retry must return
// the same ticket, never a second report.
//
// At the end the test stops the server, counts reports per idempotency
// key in the database (exactly one), checks that every stored photo's
// files exist and runs "esambat audit verify" on the data.
//
// It runs on SQLite always and on PostgreSQL when
// ESAMBAT_TEST_POSTGRES_DSN is set. ESAMBAT_CRASH_CYCLES sets the number
// of kills (default 3, enough for CI); scripts/crash.sh runs 20 on both
// databases and prints the totals.
package crashtest
