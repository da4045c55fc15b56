#!/usr/bin/env bash
# Intake against the raw commit ceiling on a disk capped at N write
# operations per second, the way cloud block volumes and network storage
# are capped: the group commit's claim (many reports per fsync) can only
# show where an fsync is not almost free, and this machine's virtual disk
# acknowledges one in about 0.1 ms (see BENCHMARKS.md).
#
# The cap is the kernel's block I/O throttle (cgroup v1 blkio, or v2 io.max)
# on the disk that holds the work directory. The bench (its SQLite ceiling
# loop), the esambat servers it starts and, when PostgreSQL runs on this
# machine, every postgres process are moved into the throttled group, so
# the ceiling and the intake pay the same price per write. Everything is
# moved back and the group removed on exit.
#
# Needs root and a kernel with the block throttle. Usage:
#   ESAMBAT_BENCH_WRITE_IOPS="500 1000 3000" bash scripts/bench-slowdisk.sh
#
# Environment:
#   ESAMBAT_BENCH_WRITE_IOPS     write operations per second, one run per value (default 1000)
#   ESAMBAT_BENCH_WORK           scratch directory (default /tmp/esambat-bench-slowdisk)
#   ESAMBAT_BENCH_POSTGRES_DSN   PostgreSQL for the PostgreSQL intake (default: the test DSN,
#                                else the local server if pg_isready answers; "none" skips it)
#   ESAMBAT_BENCH_ARGS           extra flags for esambat-bench all (default --duration 15s)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

die() { echo "bench-slowdisk: $*" >&2; exit 1; }

levels="${ESAMBAT_BENCH_WRITE_IOPS:-1000}"
work="${ESAMBAT_BENCH_WORK:-/tmp/esambat-bench-slowdisk}"
pg="${ESAMBAT_BENCH_POSTGRES_DSN:-${ESAMBAT_TEST_POSTGRES_DSN:-}}"
if [ -z "$pg" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
	pg="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
fi
[ "$pg" = none ] && pg=""
for n in $levels; do
	case "$n" in '' | *[!0-9]* | 0) die "ESAMBAT_BENCH_WRITE_IOPS must hold positive whole numbers, not \"$n\"" ;; esac
done
[ "$(id -u)" = 0 ] || die "the block I/O throttle needs root (run as root, or use scripts/bench.sh for the unthrottled figures)"
mkdir -p "$work/bin"

# disk prints MAJ:MIN of the whole disk that holds the directory $1: the
# throttle applies to disks, not partitions.
disk() {
	local src name parent
	src=$(findmnt -n -o SOURCE --target "$1") || die "cannot find the filesystem of $1"
	[ -b "$src" ] || die "$1 is on $src, not on a block device: nothing to throttle"
	name=$(basename "$(readlink -f "$src")")
	if [ -e "/sys/class/block/$name/partition" ]; then
		parent=$(basename "$(dirname "$(readlink -f "/sys/class/block/$name")")")
		name=$parent
	fi
	cat "/sys/class/block/$name/dev"
}

devs=$(disk "$work")
pgpids=""
if [ -n "$pg" ]; then
	case "$pg" in
	*@127.0.0.1[:/]* | *@localhost[:/]* | *host=/*)
		pgpids=$(pgrep -x postgres || true)
		pgdata=$(psql "$pg" -Atc 'SHOW data_directory' 2>/dev/null || true)
		if [ -n "$pgdata" ]; then
			d=$(disk "$pgdata")
			[ "$d" = "$devs" ] || devs="$devs $d"
		fi
		[ -n "$pgpids" ] || echo "bench-slowdisk: no postgres process found: its writes stay unthrottled" >&2
		;;
	*) echo "bench-slowdisk: PostgreSQL is not on this machine: only the SQLite figures are throttled" >&2 ;;
	esac
fi

# The throttled group: cgroup v1 blkio where it is mounted, else v2 io.max.
if [ -w /sys/fs/cgroup/blkio/cgroup.procs ] && [ -e /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device ]; then
	root=/sys/fs/cgroup/blkio
	limit() { for d in $devs; do echo "$d $1" >"$group/blkio.throttle.write_iops_device"; done; }
elif [ -e /sys/fs/cgroup/cgroup.controllers ] && grep -qw io /sys/fs/cgroup/cgroup.controllers; then
	root=/sys/fs/cgroup
	grep -qw io "$root/cgroup.subtree_control" || echo +io >"$root/cgroup.subtree_control"
	limit() { for d in $devs; do echo "$d wiops=$1" >"$group/io.max"; done; }
else
	die "no block I/O throttle here (neither cgroup v1 blkio with blkio.throttle.write_iops_device nor the v2 io controller)"
fi
group=$root/esambat-slowdisk
mkdir -p "$group"

cleanup() {
	set +e
	for p in $(cat "$group/cgroup.procs" 2>/dev/null); do echo "$p" >"$root/cgroup.procs" 2>/dev/null; done
	rmdir "$group" 2>/dev/null
}
trap cleanup EXIT
# inside runs a command in the throttled group.
inside() { bash -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' _ "$group" "$@"; }
for p in $pgpids; do echo "$p" >"$group/cgroup.procs" 2>/dev/null || true; done

echo "== build"
go build -o "$work/bin/esambat" ./cmd/esambat
go build -o "$work/bin/esambat-bench" ./cmd/esambat-bench
git rev-parse --short HEAD 2>/dev/null | sed 's/^/commit /' || true
echo "== throttled disk(s) $devs with $root; postgres processes moved in: $(echo "$pgpids" | wc -w)"

for n in $levels; do
	limit "$n"
	echo
	echo "######## write operations capped at $n/s"
	# Synchronous 4 KiB writes (each a data write and a journal commit)
	# show the cap the kernel applies.
	k=$((n < 200 ? n : 200))
	t0=$(date +%s.%N)
	inside dd if=/dev/zero of="$work/dd.probe" bs=4k count=$k oflag=dsync status=none
	t1=$(date +%s.%N)
	rm -f "$work/dd.probe"
	echo "dd: $k synchronous 4 KiB writes (oflag=dsync) at $(echo "$k / ($t1 - $t0)" | bc)/s"
	# shellcheck disable=SC2086
	inside "$work/bin/esambat-bench" all --only intake --esambat "$work/bin/esambat" --work "$work" \
		--postgres "$pg" ${ESAMBAT_BENCH_ARGS:---duration 15s}
done
