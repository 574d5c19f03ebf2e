#!/usr/bin/env bash
# Scattered 4 KiB QD32 reads that miss the page cache (stride 260 KiB, the
# host's caches dropped before each pass), two builds side by side, taking
# turns, median of ROUNDS: what a disk-bound reader sees, where the reads of
# one session wait for the disk in parallel or one after another. The
# caches hold everything in build-vs-build-bench.sh; this one holds nothing.
# Needs root (drop_caches), qemu-utils and qemu-block-extra. Not part of the
# test suite.
# Usage: bench/cold-read-bench.sh OLD.jar NEW.jar [ROUNDS] (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ $# -ge 2 ] || { echo "usage: $0 OLD.jar NEW.jar [ROUNDS]" >&2; exit 2; }
jars=("$1" "$2")
rounds=${3:-3}
ports=(3293 3294)
reads=8000
need_tools qemu-img bc
[ -w /proc/sys/vm/drop_caches ] || { echo "needs root: it drops the page cache before each pass" >&2; exit 1; }

serve_several_from_temp_dir
lun() { echo "iscsi://127.0.0.1:${ports[$1]}/iqn.2026-11.org.snapshare:c/0"; }
for i in 0 1; do
    mkdir -p "$work/$i"
    start_server "${jars[$i]}" "${ports[$i]}" "$work/$i"
    pids+=("$server")
    java -jar "${jars[$i]}" volume create c --size 2G --data-dir "$work/$i/data" >/dev/null
    bench_seconds -w -s 1M -S 1M -d 8 -c 2048 "$(lun "$i")" >/dev/null # on disk, not holes
    : >"$work/rates$i"
done
for round in $(seq 0 "$rounds"); do
    for i in 0 1; do
        sync
        echo 3 >/proc/sys/vm/drop_caches
        seconds=$(bench_seconds -s 4K -S $((260 * 1024)) -d 32 -c "$reads" "$(lun "$i")")
        [ "$round" -gt 0 ] && echo "$reads / $seconds" | bc -l >>"$work/rates$i" # round 0 warms up
    done
done
old=$(median <"$work/rates0")
new=$(median <"$work/rates1")
echo "old: ${jars[0]}"
echo "new: ${jars[1]}"
printf "%-40s %10s %10s %8s\n" "workload (median of $rounds)" old new new/old
printf "%-40s %10.0f %10.0f %7.2fx\n" "4 KiB QD32 reads, page cache dropped" "$old" "$new" "$(echo "$new / $old" | bc -l)"
