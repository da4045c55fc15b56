#!/usr/bin/env bash
# Lists with a date window, timed by hand against a running server on the
# seeded million (esambat seed-demo --reports 1000000): the API's and the
# list page's from/to, and Open311's start_date/end_date, three requests
# each (and the list page's count of a search, with and without a window),
# printed fastest to slowest in seconds with the status code. The
# dates suit a database seeded on 2026-12-07 (reports back to 2025-06);
# WINDOWS_END moves the recent windows' end.
#
#   esambat serve --data /tmp/seed1m --addr 127.0.0.1:18300 --rate-limit 100000000,100000000,100000000 &
#   scripts/windows.sh 127.0.0.1:18300
set -euo pipefail
addr=${1:?usage: scripts/windows.sh HOST:PORT}
end=${WINDOWS_END:-2026-12-07}
api=/api/v1/reports
o311=/open311/v2/requests.json
for u in \
	"$o311?start_date=2026-11-07T00:00:00Z&end_date=${end}T00:00:00Z" \
	"$o311?start_date=2026-09-08T00:00:00Z&end_date=${end}T00:00:00Z" \
	"$o311?start_date=2026-01-01T00:00:00Z&end_date=2026-03-01T00:00:00Z" \
	"$o311?start_date=2026-09-08T00:00:00Z&end_date=${end}T00:00:00Z&status=open" \
	"$o311?start_date=2026-09-08T00:00:00Z&end_date=${end}T00:00:00Z&service_code=101" \
	"$o311" \
	"$api?from=2026-09-08T00:00:00Z&to=${end}T00:00:00Z" \
	"$api?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z" \
	"$api?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&category=jalan-jembatan" \
	"$api?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&kelurahan=35.75.01.1001" \
	"$api?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&q=jalan" \
	"/laporan?from=2026-01-01&to=2026-03-01" \
	"/laporan?q=jalan" \
	"/laporan?q=jalan&from=2026-01-01&to=2026-03-01"; do
	times=$(for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "http://$addr$u"; done | sort -n | tr '\n' ' ')
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr$u")
	echo "$code $times $u"
done
