#!/usr/bin/env bash
# What metrics (or the management API, which counts LUN I/O for its
# console) cost on the I/O path: two servers on 127.0.0.1, one with
# --metrics (--api) and one without, the same workloads side by side after a
# warm-up, median of ROUNDS; prints on/off ratios (goal >= 0.98).
# Usage: bench/metrics-bench.sh [VOLUME_SIZE [ROUNDS [metrics|api]]]   (default 256M 5 metrics)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
size=${1:-256M}
rounds=${2:-5}
feature=${3:-metrics}
base=${SNAPSHARE_BENCH_PORT:-3291}
need_tools qemu-img
[ -f target/snapshare.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
serve() { # name port [serve options]
    local name=$1 port=$2
    shift 2
    java -jar target/snapshare.jar serve --data-dir "$work/$name" --portal "127.0.0.1:$port" "$@" \
        >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 150); do [ -S "$work/$name/control.sock" ] && break; sleep 0.1; done
}
serve off "$base"
case "$feature" in
    metrics) serve on $((base + 1)) --metrics "127.0.0.1:$((base + 2))" ;;
    api) serve on $((base + 1)) --api "127.0.0.1:$((base + 2))" ;;
    *) echo "metrics-bench.sh: the third argument is metrics or api, not '$feature'" >&2; exit 2 ;;
esac
for name in off on; do
    java -jar target/snapshare.jar volume create m --size "$size" --data-dir "$work/$name" >/dev/null
done
url() { echo "iscsi://127.0.0.1:$1/iqn.2026-11.org.snapshare:m/0"; }
run() { bench_seconds "$@"; }
bytes=$(numfmt --from=iec "$size")
for port in "$base" $((base + 1)); do
    run -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)) "$(url "$port")" >/dev/null   # allocate, warm up
done
workloads=("4k-qd32-write|-w -s 4k -d 32 -c 40000|40000|iops"
           "4k-qd32-read|-s 4k -d 32 -c 40000|40000|iops"
           "1M-qd8-write|-w -s 1M -d 8 -c 1000|1000|MiB/s")
printf '%-14s %12s %12s %8s %6s\n' workload off on ratio unit
for w in "${workloads[@]}"; do
    IFS='|' read -r name opts ops unit <<<"$w"
    : >"$work/a"; : >"$work/b"
    for round in $(seq "$rounds"); do
        # Each server goes first in every other round, so running second (a warmer or a busier
        # machine) weighs on both alike.
        # shellcheck disable=SC2086
        if [ $((round % 2)) -eq 1 ]; then
            run $opts "$(url "$base")" >>"$work/a"; run $opts "$(url $((base + 1)))" >>"$work/b"
        else
            run $opts "$(url $((base + 1)))" >>"$work/b"; run $opts "$(url "$base")" >>"$work/a"
        fi
    done
    a=$(median <"$work/a"); b=$(median <"$work/b")
    awk -v n="$name" -v a="$a" -v b="$b" -v o="$ops" -v u="$unit" \
        'BEGIN { printf "%-14s %12.0f %12.0f %7.2fx %6s\n", n, o / a, o / b, a / b, u }'
done
if [ "$feature" = metrics ]; then
    curl -s "http://127.0.0.1:$((base + 2))/metrics" | grep -c '^snapshare_' | sed 's/^/snapshare series scraped: /'
fi
