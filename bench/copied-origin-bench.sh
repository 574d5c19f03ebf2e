#!/usr/bin/env bash
# 4 KiB QD32 writes to an origin whose 16 snapshots already have their
# copies, against an origin with no snapshot, on one server, side by side in
# one run: after a warm-up, median of ROUNDS, the volumes taking turns. The
# goal (issue 29): >= 0.95. Every such write asks the store whether a copy is
# needed; the copy-free chunks (docs/STORE.md) answer without its lock.
# Pass another build's jar to measure it the same way (before/after).
# Not part of the test suite. Needs qemu-utils and qemu-block-extra.
# Usage: bench/copied-origin-bench.sh [JAR] [SIZE] [ROUNDS] (default target/snapshare.jar 256M 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
jar=${1:-target/snapshare.jar}
size=${2:-256M}
rounds=${3:-5}
port=${SNAPSHARE_BENCH_PORT:-3273}
need_tools qemu-img
[ -f "$jar" ] || mvn -B -q package -DskipTests

serve_from_temp_dir "$jar" "$port"
cli() { java -jar "$jar" "$@" --data-dir "$work/data" >/dev/null; }
url() { echo "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:$1/0"; }
bytes=$(numfmt --from=iec "$size")
fill() { bench_seconds -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)) "$(url "$1")" >/dev/null; }
writes() { bench_seconds -w -s 4k -d 32 -c 60000 "$(url "$1")"; }

cli volume create plain --size "$size"
cli volume create snapped --size "$size"
fill plain
fill snapped
for i in $(seq 1 16); do cli snapshot create snapped "s$i"; done
fill snapped # every chunk copied once for the 16 snapshots
writes plain >/dev/null; writes snapped >/dev/null # warm-up (the JIT)

: >"$work/plain"; : >"$work/snapped"
for round in $(seq "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
        writes plain >>"$work/plain"; writes snapped >>"$work/snapped"
    else
        writes snapped >>"$work/snapped"; writes plain >>"$work/plain"
    fi
done
p=$(median <"$work/plain"); s=$(median <"$work/snapped")
echo "$jar, $size volumes, 4 KiB QD32 writes (60000 each), median of $rounds rounds"
awk -v p="$p" -v s="$s" 'BEGIN {
    printf "%-38s %10s\n", "origin", "IOPS"
    printf "%-38s %10.0f\n", "no snapshot", 60000 / p
    printf "%-38s %10.0f\n", "16 snapshots, copies already made", 60000 / s
    printf "ratio %.2f (goal >= 0.95)\n", p / s }'
