#!/usr/bin/env bash
# Issue 29, goals 1 and 2, on one volume of one server, side by side in
# each round: (1) scattered 4 KiB QD32 writes (each in another 64 KiB chunk,
# stride 68 KiB, a repeatable scatter) to the prefilled volume, then a new
# snapshot and the same writes again, each now a first write that copies its
# chunk (goal: >= 0.5 of the rate with no copy); (2) a whole-volume overwrite
# in 1 MiB QD8 writes, then a new snapshot and the same overwrite, every
# chunk copied (goal: <= 2.0 times the plain overwrite's time). After a
# warm-up round, median of ROUNDS. Each phase's time includes the
# SYNCHRONIZE CACHE after it (a first write may be acknowledged before the
# commit of its copy; the flush waits for that commit): the time of a flush
# from a new session, less that of an idle flush (the login).
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
need_tools qemu-img qemu-io bc
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
# Seconds of the writes and of the flush that makes them durable (less an idle flush's: the login).
durable() { # qemu-img bench arguments
    local writing flushing idle
    idle=$(flush_seconds "$lun")
    writing=$(bench_seconds "$@" "$lun")
    flushing=$(flush_seconds "$lun")
    echo "$writing + $flushing - $idle" | bc -l
}
scattered() { durable -w -s 4K -S "$stride" -d 32 -c "$writes"; }
whole() { durable -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)); }

for f in plain first wplain wfirst; do : >"$work/$f"; done
for round in $(seq 0 "$rounds"); do
    plain=$(scattered)
    cli snapshot create b "r$round"
    first=$(scattered)
    wplain=$(whole)
    cli snapshot create b "w$round"
    wfirst=$(whole)
    cli snapshot delete b "r$round" # the store keeps room for the next rounds
    cli snapshot delete b "w$round"
    if [ "$round" -gt 0 ]; then # round 0 warms up
        echo "$plain" >>"$work/plain"; echo "$first" >>"$work/first"
        echo "$wplain" >>"$work/wplain"; echo "$wfirst" >>"$work/wfirst"
    fi
done
p=$(median <"$work/plain"); f=$(median <"$work/first"); wp=$(median <"$work/wplain"); wf=$(median <"$work/wfirst")
echo "$jar, $size volume, median of $rounds rounds"
awk -v p="$p" -v f="$f" -v n="$writes" -v wp="$wp" -v wf="$wf" 'BEGIN {
    printf "1. %d scattered 4 KiB writes at QD32 (stride 68 KiB), then a flush   IOPS\n", n
    printf "   %-40s %10.0f\n", "no copy to make", n / p
    printf "   %-40s %10.0f\n", "first writes after a snapshot", n / f
    printf "   ratio %.2f (goal >= 0.5)\n", p / f
    printf "2. whole-volume overwrite, 1 MiB QD8, then a flush    seconds\n"
    printf "   %-40s %10.2f\n", "no copy to make", wp
    printf "   %-40s %10.2f\n", "first overwrite after a snapshot", wf
    printf "   ratio %.2f (goal <= 2.0)\n", wf / wp }'
