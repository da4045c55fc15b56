#!/usr/bin/env bash
# Pages timed by hand against a running server on the seeded million
# (esambat seed-demo --reports 1000000), signed in as a demo account: the
# admin's verification queue and an agency officer's inbox with their
# filters, or any paths given. Each path is requested N times in a row
# (default 3); prints the rows listed and the times in seconds.
#
#   esambat serve --data /tmp/seed1m --addr 127.0.0.1:18300 --rate-limit 100000000,100000000,100000000 &
#   scripts/staff-pages.sh 127.0.0.1:18300 admin      # /admin?… as admin1@demo.esambat.test
#   scripts/staff-pages.sh 127.0.0.1:18300 petugas    # /petugas?… as dinas-pupr's officer
#   STAFF_PAGES_N=10 scripts/staff-pages.sh 127.0.0.1:18300 admin '/api/v1/reports?q=jalan'
set -euo pipefail
addr=${1:?usage: scripts/staff-pages.sh HOST:PORT admin|petugas [PATH...]}
who=${2:?usage: scripts/staff-pages.sh HOST:PORT admin|petugas [PATH...]}
shift 2
n=${STAFF_PAGES_N:-3}
case $who in
admin)
	login=admin1@demo.esambat.test
	paths=("/admin" "/admin?q=banjir" "/admin?q=jalan" "/admin?q=lampu+mati" "/admin?category=jalan-jembatan"
		"/admin?kelurahan=35.75.04.1001" "/admin?category=air-bersih&kelurahan=35.75.02.1001"
		"/admin?status=didisposisi&q=banjir" "/admin?status=selesai&q=jalan")
	;;
petugas)
	login=petugas.dinas-pupr.1@demo.esambat.test
	paths=("/petugas" "/petugas?status=diproses" "/petugas?status=didisposisi" "/petugas?q=banjir" "/petugas?q=jalan"
		"/petugas?q=lampu+mati" "/petugas?category=drainase-banjir" "/petugas?kelurahan=35.75.04.1001"
		"/petugas?status=diproses&kelurahan=35.75.02.1001" "/petugas?status=selesai&q=jalan")
	;;
*)
	echo "staff-pages.sh: who is admin or petugas" >&2
	exit 2
	;;
esac
[ $# -gt 0 ] && paths=("$@")
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
csrf=$(curl -sf -c "$jar" -b "$jar" "http://$addr/masuk" | grep -o 'name="csrf" value="[^"]*"' | head -1 | cut -d'"' -f4 || true)
code=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' -X POST --data-urlencode "login=$login" \
	--data-urlencode "password=demo" --data-urlencode "csrf=$csrf" "http://$addr/masuk")
if [ "$code" != 303 ]; then
	echo "staff-pages.sh: signing in as $login answered $code (a database seeded by esambat seed-demo has the account)" >&2
	exit 1
fi
for p in "${paths[@]}"; do
	ts=""
	for _ in $(seq 1 "$n"); do
		ts="$ts $(curl -s -b "$jar" -o /dev/null -w '%{time_total}' "http://$addr$p")"
	done
	rows=$(curl -s -b "$jar" "http://$addr$p" | grep -c '<td><a href="/kelola/' || true)
	echo "$p: $rows rows;$ts"
done
