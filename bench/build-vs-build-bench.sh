#!/usr/bin/env bash
# Two builds of snapshare side by side in one run: the same four workloads of
# iscsi-bench.sh's first table (4 KiB QD32 and 1 MiB QD8, write and read,
# qemu-img bench over iscsi://127.0.0.1) on each build's own volume, after a
# warm-up, median of 5 rounds, the builds taking turns. For "no slowdown
# beyond N%" checks of a change against the build before it. Run it both
# ways round (OLD NEW, then NEW OLD): with one jar in both places, the second
# server was 2-5% faster at 4 KiB reads on this 2-core machine, and rounds
# differ by +-5%.
# Not part of the test suite. Needs qemu-utils and qemu-block-extra.
# Usage: bench/build-vs-build-bench.sh OLD.jar NEW.jar [SIZE] (default 256M)
# (an old jar: git worktree add /tmp/old REV && (cd /tmp/old && mvn -B -q package -DskipTests))
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ $# -ge 2 ] || { echo "usage: $0 OLD.jar NEW.jar [SIZE]" >&2; exit 2; }
jars=("$1" "$2")
size=${3:-256M}
ports=(3281 3282)
need_tools qemu-img

serve_several_from_temp_dir

for i in 0 1; do
    java ${SNAPSHARE_JAVA_OPTS:-} -jar "${jars[$i]}" serve --data-dir "$work/data$i" \
        --portal "127.0.0.1:${ports[$i]}" >"$work/server$i.log" 2>&1 &
    pids+=($!)
done
for i in 0 1; do
    for _ in $(seq 150); do [ -S "$work/data$i/control.sock" ] && break; sleep 0.1; done
    java -jar "${jars[$i]}" volume create bench --size "$size" --data-dir "$work/data$i" >/dev/null
done
url() { echo "iscsi://127.0.0.1:${ports[$1]}/iqn.2026-11.org.snapshare:bench/0"; }
bytes=$(numfmt --from=iec "$size")
for i in 0 1; do bench_seconds -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)) "$(url $i)" >/dev/null; done

workloads=("4k-qd32-write|-w -s 4k -d 32 -c 60000|60000|iops"
           "4k-qd32-read|-s 4k -d 32 -c 60000|60000|iops"
           "1M-qd8-write|-w -s 1M -d 8 -c 1500|1500|MiB/s"
           "1M-qd8-read|-s 1M -d 8 -c 1500|1500|MiB/s")
for w in "${workloads[@]}"; do   # warm up both (the JIT)
    IFS='|' read -r name opts ops unit <<<"$w"
    # shellcheck disable=SC2086
    for i in 0 1; do bench_seconds $opts "$(url $i)" >/dev/null; done
done
echo "old: ${jars[0]}"
echo "new: ${jars[1]}"
echo "($size volume; higher is better; median of 5, the builds taking turns)"
printf '%-14s %12s %12s %8s %6s\n' workload old new new/old unit
for w in "${workloads[@]}"; do
    IFS='|' read -r name opts ops unit <<<"$w"
    old_times=(); new_times=()
    for round in 1 2 3 4 5; do
        # alternate which build goes first, so neither always runs on a warmer cache
        # shellcheck disable=SC2086
        if [ $((round % 2)) -eq 1 ]; then
            old_times+=("$(bench_seconds $opts "$(url 0)")"); new_times+=("$(bench_seconds $opts "$(url 1)")")
        else
            new_times+=("$(bench_seconds $opts "$(url 1)")"); old_times+=("$(bench_seconds $opts "$(url 0)")")
        fi
    done
    a=$(median_of "${old_times[@]}"); b=$(median_of "${new_times[@]}")
    awk -v n="$name" -v a="$a" -v b="$b" -v o="$ops" -v u="$unit" \
        'BEGIN { printf "%-14s %12.0f %12.0f %7.3fx %6s\n", n, o / a, o / b, a / b, u }'
done
