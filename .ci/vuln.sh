#!/usr/bin/env bash
# vuln.sh: govulncheck against an offline vulnerability database built from
# a pinned golang.org/x/vulndb, so the gate needs only the Go module proxy.
#
# It fails (exits non-zero) when the code we ship calls a known vulnerable
# function, in a dependency or in the Go standard library of the toolchain
# that builds the release. That toolchain is VULN_GOTOOLCHAIN (default
# go1.27.3): the machine's own Go (1.26.8) has standard-library
# vulnerabilities fixed in later releases, so releases are built with the
# newer one. Run `VULN_GOTOOLCHAIN=local bash .ci/vuln.sh` to see what the
# machine's Go would ship.
#
# Environment:
#   VULN_GOTOOLCHAIN  toolchain to scan with (default go1.27.3)
#   VULNDB_VERSION    golang.org/x/vulndb pseudo-version to build the DB from
#   VULN_CACHE        where the DB and the govulncheck binary are kept
#                     (default ~/.cache/esambat-vuln); delete it to rebuild
#
# Exit status: 0 clean, 3 vulnerabilities found, anything else a failure of
# the tooling itself.
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
toolchain="${VULN_GOTOOLCHAIN:-go1.27.3}"
cache="${VULN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esambat-vuln}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

step() { printf '\n== vuln: %s\n' "$*"; }

# 1. The database: golang.org/x/vulndb ships its reports as OSV JSON under
#    data/osv; its cmd/indexdb writes the v1 layout govulncheck reads
#    (index/db.json, index/modules.json, index/vulns.json, ID/<id>.json).
db="$cache/db-$VULNDB_VERSION"
if [ ! -s "$db/index/db.json" ]; then
	step "building the vulnerability database from golang.org/x/vulndb@$VULNDB_VERSION"
	mkdir -p "$cache"
	# Outside our module, so that go.mod and go.sum are left alone.
	src=$(cd "$cache" && GOTOOLCHAIN=local go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ -z "$src" ] || [ ! -d "$src/data/osv" ]; then
		echo "vuln: golang.org/x/vulndb@$VULNDB_VERSION has no data/osv (dir: ${src:-none})" >&2
		exit 2
	fi
	tmp="$db.tmp.$$"
	rm -rf "$tmp"
	(cd "$cache" && GOTOOLCHAIN=local go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$tmp")
	rm -rf "$db"
	mv "$tmp" "$db"
fi
entries=$(find "$db/ID" -name '*.json' | wc -l)
# The reports in the module carry no dates; the pseudo-version's timestamp
# says how fresh the snapshot is.
ts=${VULNDB_VERSION#v0.0.0-}
ts=${ts%%-*}
echo "vuln: database $db: $entries reports, golang.org/x/vulndb snapshot of ${ts:0:4}-${ts:4:2}-${ts:6:2} ${ts:8:2}:${ts:10:2} UTC"

# 2. govulncheck, built by the toolchain it scans with: its type checker
#    must understand that toolchain's standard library.
export GOTOOLCHAIN="$toolchain"
goversion=$(cd "$cache" && go env GOVERSION)
bin="$cache/bin-$goversion"
if [ ! -x "$bin/govulncheck" ]; then
	step "installing govulncheck $GOVULNCHECK_VERSION with $goversion"
	(cd "$cache" && GOBIN="$bin" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION")
fi

# 3. The scan.
step "govulncheck ./... with $goversion (GOTOOLCHAIN=$toolchain)"
set +e
"$bin/govulncheck" -db "file://$db" ./... 2>&1 | tee "$cache/last-scan.txt"
rc=${PIPESTATUS[0]}
set -e

found=$(grep -cE '^Vulnerability #[0-9]+:' "$cache/last-scan.txt" || true)
stdlib=$(grep -cE '^  Standard library$' "$cache/last-scan.txt" || true)
echo
case $rc in
0)
	echo "vuln: clean: no known vulnerability reachable from our code ($goversion, vulndb $VULNDB_VERSION)"
	;;
3)
	echo "vuln: FAIL: $found known vulnerabilities reachable from our code, $stdlib of them in the Go standard library ($goversion)"
	grep -E '^Vulnerability #|^    Found in:|^    Fixed in:' "$cache/last-scan.txt" | sed 's/^/  /'
	;;
*)
	echo "vuln: FAIL: govulncheck could not complete (exit $rc)"
	;;
esac
exit "$rc"
