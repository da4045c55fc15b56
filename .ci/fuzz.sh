#!/usr/bin/env bash
# fuzz.sh: run every Fuzz* target of the module for a short while.
#
# The targets are found with grep (func FuzzX(f *testing.F) in *_test.go),
# so a new one is picked up without editing this script. Each runs alone
# (go test -fuzz takes one target at a time) for FUZZTIME, 10s by default:
# about three minutes in CI for the current targets. For a longer hunt by
# hand: FUZZTIME=10m bash .ci/fuzz.sh, or FUZZ='^FuzzReportJSON$' to pick
# targets by name. The first run builds every package with coverage
# instrumentation (a few minutes for the SQLite driver); later runs reuse
# the build cache. A failing input is saved by go test under the package's
# testdata/fuzz/FuzzX/ directory: commit it with the fix, and it becomes
# part of the seed corpus that plain `go test` runs.
#
# The targets run under the release toolchain (go.mod's toolchain line,
# FUZZ_GOTOOLCHAIN to override), not the machine's go1.26.8: go1.26's fuzz
# coordinator can report a spurious "context deadline exceeded" failure,
# with no failing input, when -fuzztime runs out while a worker is busy
# (go.dev/issue/75804, fixed in go1.27.0). CI failed once on exactly that
# (FuzzNormalizePhone, 2026-12-05).
#
# Exit status: 0 when every target ran clean, 1 when any found a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
release=$(sed -n 's/^toolchain //p' go.mod)
export GOTOOLCHAIN="${FUZZ_GOTOOLCHAIN:-${release:-local}}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

fuzztime="${FUZZTIME:-10s}"
# Each new interesting input is minimized for up to this long (go test's
# default is 60s, which would swallow a short run whole); a failing input
# is saved either way.
minimize="${FUZZMINIMIZETIME:-3s}"
pick="${FUZZ:-.}"
# Workers per target: the machine has 2 cores; more only adds contention.
parallel="${FUZZ_PARALLEL:-2}"

# "pkgdir FuzzName" for every target, sorted, vendored and hidden trees skipped.
mapfile -t targets < <(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . |
	grep -v -e '/vendor/' -e '/\.' |
	sed -E 's#^\./(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+).*#\1 \2#; s#^\./[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+).*#. \1#' |
	sort -u | grep -E " ${pick#^}" || true)

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no Fuzz targets match ${pick}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${fuzztime} each, ${parallel} workers, $(go env GOVERSION)"

results=()
failed=0
start=$(date +%s)
for t in "${targets[@]}"; do
	dir=${t% *}
	name=${t#* }
	pkg="./$dir"
	[ "$dir" = "." ] && pkg="."
	printf '\n== fuzz %s %s (%s)\n' "$pkg" "$name" "$fuzztime"
	log=$(mktemp)
	t0=$(date +%s)
	set +e
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" -parallel "$parallel" "$pkg" >"$log" 2>&1
	rc=$?
	set -e
	secs=$(($(date +%s) - t0))
	# The last progress line says how many inputs ran and how many were new.
	stats=$(grep -Eo 'execs: [0-9]+ \([0-9]+/sec\), new interesting: [0-9]+ \(total: [0-9]+\)' "$log" | tail -1 || true)
	if [ $rc -eq 0 ]; then
		results+=("ok    $pkg $name ${secs}s ${stats}")
	else
		failed=1
		results+=("FAIL  $pkg $name ${secs}s ${stats}")
		grep -E -A30 -e '--- FAIL|panic:|Failing input written to' "$log" | head -60 || tail -40 "$log"
		grep -Eo 'testdata/fuzz/[^ ]+' "$log" | sed 's/^/  failing input: /' || true
	fi
	rm -f "$log"
done

echo
echo "fuzz summary ($(($(date +%s) - start))s):"
printf '  %s\n' "${results[@]}"
if [ $failed -ne 0 ]; then
	echo "fuzz: FAIL (rerun a failing input with: go test -run '<FuzzName>/<input>' <pkg>)"
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets clean"
