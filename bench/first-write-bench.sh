#!/usr/bin/env bash
# Issue 29, goals 1 and 2, on one volume of one server, side by side in
# each round: (1) scattered 4 KiB QD32 writes (each in another 64 KiB chunk,
# stride 68 KiB, a repeatable scatter) to the prefilled volume, then a new
# snapshot and the same writes again, each now a first write that copies its
# chunk (goal: >= 0.5 of the rate with no copy); (2) on a new volume of the
# same size each round (so its copies go to store space never written
# before, as the goal says), a whole-volume overwrite in 1 MiB QD8 writes with
# no snapshot, then a snapshot and the same overwrite, every chunk copied
# (goal: <= 2.0 times the plain overwrite's time); beside them the floor of
# this machine: the same bytes written durably into a new file past the page
# cache (dd, O_DIRECT, one stream), the disk's part of what a first
# overwrite must do for its copies before the origin may change on disk. After
# WARMUP rounds (default 2: the copy path is still being compiled by the
# JIT in the second), median of ROUNDS. Each figure twice: until the last write
# is acknowledged (qemu-img's own figure), and until the SYNCHRONIZE CACHE
# that qemu-img sends as it closes returns (a first write may be
# acknowledged before the commit of its copy; that flush waits for it).
# Pass another build's jar to measure it the same way (before/after).
# Not part of the test suite. Needs qemu-utils and qemu-block-extra.
# Usage: [WARMUP=2] bench/first-write-bench.sh [JAR] [SIZE] [ROUNDS] (default target/snapshare.jar 1G 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
jar=${1:-target/snapshare.jar}
size=${2:-1G}
rounds=${3:-3}
warmup=${WARMUP:-2}
port=${SNAPSHARE_BENCH_PORT:-3274}
need_tools qemu-img qemu-io bc
[ -f "$jar" ] || mvn -B -q package -DskipTests

serve_from_temp_dir "$jar" "$port"
cli() { java -jar "$jar" "$@" --data-dir "$work/data" >/dev/null; }
url() { echo "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:$1/0"; }
bytes=$(numfmt --from=iec "$size")
stride=$((68 * 1024))
writes=$(( (bytes - 4096) / stride ))

cli volume create b --size "$size"
fill() { bench_seconds -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)) "$(url "$1")" >/dev/null; } # allocates every chunk
fill b
# A phase: "ACKED DURABLE" seconds. ACKED is qemu-img's own figure, which stops when the last write is
# acknowledged; DURABLE is the wall time of the qemu-img process, whose close sends the SYNCHRONIZE CACHE that
# waits for the commit and the write-back, less an idle flush's wall time (start-up, login).
phase() { # VOLUME, then qemu-img bench arguments
    local lun start end idle acked
    lun=$(url "$1")
    shift
    idle=$(flush_seconds "$lun")
    start=$(date +%s.%N)
    acked=$(bench_seconds "$@" "$lun")
    end=$(date +%s.%N)
    echo "$acked $(echo "$end - $start - $idle" | bc -l)"
}
scattered() { phase b -w -s 4K -S "$stride" -d 32 -c "$writes"; }
whole() { phase "$1" -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)); }

# The volume's bytes of zeros into a new file beside the data directory, flushed; dd options added.
zeros() { dd if=/dev/zero of="$work/floor.img" bs=1M count=$((bytes / 1048576)) conv=fdatasync status=none "$@"; }
# Seconds to write the volume's bytes durably into a new file beside the data directory, past the page cache (the
# same figure in both columns: nothing is acknowledged before it is durable).
floor() {
    local start end seconds
    start=$(date +%s.%N)
    zeros oflag=direct 2>/dev/null || zeros # a file system without O_DIRECT (tmpfs): through the cache
    end=$(date +%s.%N)
    rm -f "$work/floor.img"
    seconds=$(echo "$end - $start" | bc -l)
    echo "$seconds $seconds"
}

names="plain first wplain wfirst wfloor"
for f in $names; do : >"$work/$f"; done
for round in $(seq 1 $((warmup + rounds))); do
    plain=$(scattered)
    cli snapshot create b "r$round"
    first=$(scattered)
    cli snapshot delete b "r$round" # the store keeps room for the next rounds
    await_snapshots_gone "$jar" "$work/data" b "r$round"
    cli volume create "w$round" --size "$size"
    fill "w$round"
    wplain=$(whole "w$round")
    cli snapshot create "w$round" s
    wfirst=$(whole "w$round")
    wfloor=$(floor)
    cli volume delete "w$round"
    if [ "$round" -gt "$warmup" ]; then
        # Each round's ratios too: on a noisy machine the spread says how far to trust the medians.
        echo "$plain $first $wplain $wfirst" | awk -v r="$round" '{ printf "round %d: scattered ratio %.2f / %.2f,",
            r, $1 / $3, $2 / $4; printf " whole overwrite %.2f / %.2f (acked / durable)\n", $7 / $5, $8 / $6 }'
        echo "$plain" >>"$work/plain"; echo "$first" >>"$work/first"
        echo "$wplain" >>"$work/wplain"; echo "$wfirst" >>"$work/wfirst"; echo "$wfloor" >>"$work/wfloor"
    fi
done
# The median of column COLUMN (1 acked, 2 durable) of a phase's rounds.
of() { cut -d' ' -f"$2" "$work/$1" | median; }
echo "$jar, $size volume, median of $rounds rounds after $warmup warm-up rounds; acked: until the last write is acknowledged,"
echo "durable: until the SYNCHRONIZE CACHE after it returns"
for column in 1 2; do
    label=$([ "$column" = 1 ] && echo acked || echo durable)
    awk -v l="$label" -v p="$(of plain $column)" -v f="$(of first $column)" -v n="$writes" \
        -v wp="$(of wplain $column)" -v wf="$(of wfirst $column)" -v fl="$(of wfloor $column)" 'BEGIN {
        printf "%s\n1. %d scattered 4 KiB writes at QD32 (stride 68 KiB)   IOPS\n", l, n
        printf "   %-40s %10.0f\n", "no copy to make", n / p
        printf "   %-40s %10.0f\n", "first writes after a snapshot", n / f
        printf "   ratio %.2f (goal >= 0.5)\n", p / f
        printf "2. whole-volume overwrite of a new volume, 1 MiB QD8   seconds\n"
        printf "   %-40s %10.2f\n", "no copy to make", wp
        printf "   %-40s %10.2f\n", "first overwrite, new store space", wf
        printf "   %-40s %10.2f\n", "floor: the disk writing its bytes anew", fl
        printf "   ratio %.2f (goal <= 2.0; the floor alone: %.2f)\n", wf / wp, fl / wp }'
done
