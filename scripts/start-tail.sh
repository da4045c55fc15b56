#!/usr/bin/env bash
# The public list's latency just after a start: starts `esambat serve` on
# a seeded database, waits for /readyz, then times the first page of
# GET /api/v1/reports (one client, curl) for 3 s at once and for 3 s
# after 8 s more, and prints p50, p99 and the slowest of each phase with
# the server's log lines about its routing model (trained, or loaded from
# the database). The second start on a database shows what a restart
# costs; with ROUTING_FRESH=1 the kept model is removed first, so that
# the start trains, as every start did before the seventeenth session.
#
#   bash scripts/start-tail.sh DATA_DIR [ESAMBAT_BINARY] [-- serve flags...]
#   bash scripts/start-tail.sh /tmp/pgdir /tmp/esambat -- --database-url 'postgres://…&search_path=seed1m'
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: scripts/start-tail.sh DATA_DIR [ESAMBAT_BINARY] [-- serve flags...]}
shift
bin=
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	bin=$1
	shift
fi
[ "${1:-}" = "--" ] && shift
work=${START_TAIL_WORK:-/tmp/esambat-start-tail}
port=${START_TAIL_PORT:-18391}
mkdir -p "$work"
if [ -z "$bin" ]; then
	go build -o "$work/esambat" ./cmd/esambat
	bin=$work/esambat
fi
if [ "${ROUTING_FRESH:-}" = 1 ]; then
	# Both saved models: the data directory's file and the database's row.
	rm -f "$data/routing-model.json"
	if printf '%s\n' "$@" | grep -q '^postgres'; then
		dsn=$(printf '%s\n' "$@" | grep '^postgres' | head -1)
		# psql takes no search_path in the URL: pass it as an option.
		schema=$(printf '%s' "$dsn" | sed -n 's/.*[?&]search_path=\([^&]*\).*/\1/p')
		base=$(printf '%s' "$dsn" | sed 's/[?&]search_path=[^&]*//')
		PGOPTIONS="-c search_path=${schema:-public}" psql "$base" -qc "DELETE FROM snapshots WHERE name = 'routing/1'"
	else
		python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM snapshots WHERE name = 'routing/1'\"); c.commit()" "$data/esambat.db"
	fi
fi
"$bin" serve --addr "127.0.0.1:$port" --data "$data" --log-level info \
	--rate-limit 100000000,100000000,100000000 "$@" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
	kill -0 $pid 2>/dev/null || { cat "$work/serve.log"; exit 1; }
	sleep 0.01
done
phase() {
	local end=$((SECONDS + 3))
	: >"$work/lat-$1"
	while [ $SECONDS -lt $end ]; do
		curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/api/v1/reports?limit=20" >>"$work/lat-$1"
	done
}
phase start
sleep 8
phase settled
kill $pid
wait $pid 2>/dev/null || true
trap - EXIT
for p in start settled; do
	sort -n "$work/lat-$p" | awk -v p=$p '{a[NR]=$1} END {printf "%-8s %4d requests, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", p, NR, a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000}'
done
grep -o 'msg="\(E-Sambat listening\|routing model [a-z]*\)"[^"]*\(from=[a-z]*\)\?' "$work/serve.log" | sed 's/^/log: /'
