#!/usr/bin/env bash
# The write-ahead log while the public statistics are computed under
# writes, on SQLite: starts the server on a copy of a seeded database
# (esambat seed-demo --reports 1000000), posts reports for 30 s with 8
# clients (esambat-bench post), asks for the statistics 3 s in (the first
# computation reads every report), and prints the log file's size every
# half second, its peak, when the statistics were ready, and how many
# times the writer restarted the log. Without the statistics the same load
# keeps the file under about 70 MiB.
#
#   bash scripts/stats-wal.sh /tmp/seed1m [ESAMBAT_BINARY]
#
# The data directory is copied first (its statistics snapshot removed,
# so that they are computed); the copy is left in $STATS_WAL_WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: scripts/stats-wal.sh SEEDED_DATA_DIR [ESAMBAT_BINARY]}
work=${STATS_WAL_WORK:-/tmp/esambat-stats-wal}
port=${STATS_WAL_PORT:-18390}
mkdir -p "$work/bin"
bin=${2:-}
if [ -z "$bin" ]; then
	go build -o "$work/bin/esambat" ./cmd/esambat
	bin=$work/bin/esambat
fi
go build -o "$work/bin/esambat-bench" ./cmd/esambat-bench
rm -rf "$work/data"
cp -r "$src" "$work/data"
python3 - "$work/data/esambat.db" <<'PY' || true
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
try:
    c.execute("DELETE FROM snapshots"); c.commit()
except sqlite3.OperationalError:
    pass  # a build before the snapshots table
PY
"$bin" serve --data "$work/data" --addr "127.0.0.1:$port" --rate-limit 100000000,100000000,100000000 >"$work/server.log" 2>&1 &
srv=$!
trap 'kill -INT $srv 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/readyz")" = 200 ] && break
	sleep 0.2
done
sleep 5
"$work/bin/esambat-bench" post --base "http://127.0.0.1:$port" --clients 8 --duration 30s >"$work/post.out" &
load=$!
sleep 3
t0=$(date +%s.%N)
curl -s -o /dev/null "127.0.0.1:$port/api/v1/stats"
peak=0 ready=""
printf 'log file, MiB, every 0.5 s:'
for _ in $(seq 1 60); do
	s=$(stat -c %s "$work/data/esambat.db-wal" 2>/dev/null || echo 0)
	[ "$s" -gt "$peak" ] && peak=$s
	printf ' %d' $((s / 1048576))
	if [ -z "$ready" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/api/v1/stats")" = 200 ]; then
		ready=$(echo "$(date +%s.%N) - $t0" | bc)
	fi
	sleep 0.5
done
echo
wait $load
echo "$bin: log file at most $((peak / 1048576)) MiB; statistics ready ${ready:-not within 30 s} s after the first request"
cat "$work/post.out"
curl -s "127.0.0.1:$port/metrics" | grep '^esambat_sqlite_wal_restarts' || true
