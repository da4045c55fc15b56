#!/usr/bin/env bash
# Crash safety by hand: runs the crash test (crashtest/) with 20 SIGKILLs
# on SQLite and on PostgreSQL and prints the totals for BENCHMARKS.md.
#
#   scripts/crash.sh                     # 20 cycles, 8 clients
#   ESAMBAT_CRASH_CYCLES=50 scripts/crash.sh
#
# PostgreSQL: $ESAMBAT_TEST_POSTGRES_DSN if set; otherwise, when a server
# answers on 127.0.0.1:5432, a scratch database that is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export ESAMBAT_CRASH_CYCLES="${ESAMBAT_CRASH_CYCLES:-20}"
export ESAMBAT_CRASH_CLIENTS="${ESAMBAT_CRASH_CLIENTS:-8}"

if [ -z "${ESAMBAT_TEST_POSTGRES_DSN:-}" ] && command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; then
	db="esambat_crash_$$"
	psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
	trap 'psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
	export ESAMBAT_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
fi
if [ -z "${ESAMBAT_TEST_POSTGRES_DSN:-}" ]; then
	echo "note: no PostgreSQL (set ESAMBAT_TEST_POSTGRES_DSN): SQLite only" >&2
fi

log=$(mktemp)
echo "crash test: $ESAMBAT_CRASH_CYCLES cycles x $ESAMBAT_CRASH_CLIENTS clients per database ($(go version | cut -d' ' -f3), $(nproc) CPUs)"
set +e
go test -count=1 -v -timeout 60m -run '^TestCrash' ./crashtest/ >"$log" 2>&1
rc=$?
set -e
grep -E 'cycle [0-9]+/[0-9]+|--- (PASS|FAIL|SKIP)|lost|duplicate|^(ok|FAIL)' "$log" | grep -v CRASH-SUMMARY || true

echo
awk '/CRASH-SUMMARY/ {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "%-9s cycles %3s  acknowledged %6s reports %6s photos  lost %s  duplicates %s  (requests cut by the kill %s, answered by replay %s; unreferenced photo files %s, temp files %s, removed by serve once 15 min old)\n",
		v["db"], v["cycles"], v["acknowledged"], v["photos"], v["lost"], v["duplicates"], v["interrupted"], v["replayed"], v["orphan_files"], v["tmp_files"]
	if (v["wal_restarts"] > 0) printf "%-9s write-ahead log restarts before the kills: %s\n", "", v["wal_restarts"]
	if (match($0, /audit="[^"]*"/)) printf "%-9s esambat audit verify: %s\n", "", substr($0, RSTART + 7, RLENGTH - 8)
	acked += v["acknowledged"]; photos += v["photos"]; lost += v["lost"]; dups += v["duplicates"]; n++
}
END {
	if (n == 0) { print "no summary: the test did not finish"; exit }
	printf "TOTAL     acknowledged %d reports, %d photos; lost %d; duplicates %d\n", acked, photos, lost, dups
}' "$log"
if [ $rc -ne 0 ]; then
	echo "FAILED (log: $log)"
	exit $rc
fi
rm -f "$log"
