#!/usr/bin/env bash
# Issue 29, goal 1: scattered 4 KiB QD32 first writes after a snapshot
# against the same writes with no copy to make, on one volume of one server,
# side by side in each round: strided writes (each in another 64 KiB chunk,
# stride 68 KiB, a repeatable scatter) to the prefilled volume, then a new
# snapshot and the same writes again, each now a first write that copies
# its chunk. After a warm-up round, median of ROUNDS. Goal: >= 0.5.
# Pass another build's jar to measure it the same way (before/after).
# Not part of the test suite. Needs qemu-utils and qemu-block-extra.
# Usage: bench/first-write-bench.sh [JAR] [SIZE] [ROUNDS] (default target/snapshare.jar 1G 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
jar=${1:-target/snapshare.jar}
size=${2:-1G}
rounds=${3:-3}
port=${SNAPSHARE_BENCH_PORT:-3274}
need_tools qemu-img
[ -f "$jar" ] || mvn -B -q package -DskipTests

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
start_server "$jar" "$port" "$work"
cli() { java -jar "$jar" "$@" --data-dir "$work/data" >/dev/null; }
lun="iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:b/0"
bytes=$(numfmt --from=iec "$size")
stride=$((68 * 1024))
writes=$(( (bytes - 4096) / stride ))

cli volume create b --size "$size"
bench_seconds -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)) "$lun" >/dev/null # allocate every chunk
scattered() { bench_seconds -w -s 4K -S "$stride" -d 32 -c "$writes" "$lun"; }

: >"$work/plain"; : >"$work/first"
for round in $(seq 0 "$rounds"); do
    plain=$(scattered)
    cli snapshot create b "r$round"
    first=$(scattered)
    if [ "$round" -gt 0 ]; then # round 0 warms up
        echo "$plain" >>"$work/plain"; echo "$first" >>"$work/first"
    fi
done
p=$(median <"$work/plain"); f=$(median <"$work/first")
echo "$jar, $size volume, $writes scattered 4 KiB writes at QD32 (stride 68 KiB), median of $rounds rounds"
awk -v p="$p" -v f="$f" -v n="$writes" 'BEGIN {
    printf "%-40s %10s\n", "writes", "IOPS"
    printf "%-40s %10.0f\n", "no copy to make", n / p
    printf "%-40s %10.0f\n", "first writes after a snapshot", n / f
    printf "ratio %.2f (goal >= 0.5)\n", p / f }'
