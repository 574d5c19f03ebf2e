#!/usr/bin/env bash
# Two nodes, one store: what clustering costs and how fast it fails over.
# Starts a ZooKeeper (bench/java LocalZooKeeper, on 127.0.0.1), a single-node
# server and two cluster nodes on one data dir, all on 127.0.0.1, and prints:
#   1. throughput through the lock holder, clustered / single node, side by
#      side, after a warm-up, median of ROUNDS (goal >= 0.95)
#   2. handover: a 4 KiB write + flush through alternating nodes, against the
#      same through one node; the difference is the cost of one handover
#      (goal <= 30 ms); then writes through both nodes at once, the lock
#      moving back and forth (what the minimum hold protects)
#   3. failover: kill -9 of the lock holder under writes, to the first write
#      completed through the other node (session timeout 6 s, the default)
# Usage: bench/cluster-bench.sh [VOLUME_SIZE [ROUNDS]]   (default 256M 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
size=${1:-256M}
rounds=${2:-5}
base=${SNAPSHARE_BENCH_PORT:-3281}
need_tools qemu-img qemu-io
build_with_test_classpath

cluster_work_dir
start_local_zookeeper $((base + 9))
node_config a
node_config b
serve_node single "$work/single" $((base))
serve_node a "$work/shared" $((base + 1)) "$work/a.conf"
serve_node b "$work/shared" $((base + 2)) "$work/b.conf"
java -jar target/snapshare.jar volume create v --size "$size" --data-dir "$work/single" >/dev/null
java -jar target/snapshare.jar volume create v --size "$size" --data-dir "$work/shared" --config "$work/a.conf" >/dev/null
url() { echo "iscsi://127.0.0.1:$1/iqn.2026-11.org.snapshare:v/0"; }
single=$(url $((base)))
viaA=$(url $((base + 1)))
viaB=$(url $((base + 2)))
for _ in $(seq 100); do iscsi-ls "iscsi://127.0.0.1:$((base + 2))" 2>/dev/null | grep -q ':v ' && break; sleep 0.1; done

bytes=$(numfmt --from=iec "$size")
run() { bench_seconds "$@"; }
workloads=("4k-qd32-write|-w -s 4k -d 32 -c 40000|40000|iops"
           "4k-qd32-read|-s 4k -d 32 -c 40000|40000|iops"
           "1M-qd8-write|-w -s 1M -d 8 -c 1000|1000|MiB/s")
for target in "$single" "$viaA"; do
    run -w -s 1M -S 1M -d 8 -c $((bytes / 1048576)) "$target" >/dev/null   # allocate, warm up the JIT
done
echo "1. through the lock holder, clustered / single node ($size volume, median of $rounds; goal >= 0.95)"
printf '%-14s %12s %12s %8s %6s\n' workload single clustered ratio unit
for w in "${workloads[@]}"; do
    IFS='|' read -r name opts ops unit <<<"$w"
    : >"$work/s"; : >"$work/c"
    for _ in $(seq "$rounds"); do   # side by side: each round runs both
        # shellcheck disable=SC2086
        run $opts "$single" >>"$work/s"; run $opts "$viaA" >>"$work/c"
    done
    s=$(median <"$work/s"); c=$(median <"$work/c")
    awk -v n="$name" -v s="$s" -v c="$c" -v o="$ops" -v u="$unit" \
        'BEGIN { printf "%-14s %12.0f %12.0f %7.2fx %6s\n", n, o / s, o / c, s / c, u }'
done

seconds() { local start; start=$(date +%s.%N); "$@" >/dev/null; awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'; }
# qemu retries the ALUA state change unit attention a handover raises; its note about it is not shown
write_flush() { qemu-io -f raw -c "write -P 0x5a $2 4k" -c flush "$1" 2>/dev/null; }
echo
echo "2. handover under alternating I/O: 4 KiB write + flush, one qemu-io each (median of 20)"
: >"$work/one"; : >"$work/alt"
for i in $(seq 20); do
    seconds write_flush "$viaA" $((i * 4096)) >>"$work/one"
    seconds write_flush "$viaB" $((i * 4096)) >>"$work/alt"   # b must take the lock from a
    seconds write_flush "$viaA" $((i * 4096)) >>"$work/alt"   # and a from b
done
one=$(median <"$work/one"); alt=$(median <"$work/alt")
awk -v o="$one" -v a="$alt" 'BEGIN { printf "same node %.3f s, alternating %.3f s: a handover costs %.0f ms\n", o, a, (a - o) * 1000 }'

echo
echo "2b. both nodes at once: 4 KiB QD32 writes through each node at the same time (the lock moves back and forth)"
both_start=$(date +%s.%N)
run -w -s 4k -d 32 -c 5000 "$viaA" >/dev/null &
both_a=$!
run -w -s 4k -d 32 -c 5000 "$viaB" >/dev/null
wait "$both_a"
awk -v a="$both_start" -v b="$(date +%s.%N)" 'BEGIN { printf "10000 writes in %.2f s: %.0f IOPS together (through one node alone: see table 1)\n", b - a, 10000 / (b - a) }'

echo
echo "3. failover: kill -9 of the lock holder under writes (session timeout 6 s)"
write_flush "$viaA" 0 >/dev/null
( for i in $(seq 1000); do write_flush "$viaA" $(((i % 1000) * 4096)) >/dev/null 2>&1 || break; done ) &
writer=$!
sleep 2
kill -9 "$pid_a"
killed=$(date +%s.%N)
wait "$pid_a" 2>/dev/null || true
kill "$writer" 2>/dev/null || true
until write_flush "$viaB" 8192 | grep -q "wrote 4096"; do sleep 0.05; done
awk -v a="$killed" -v b="$(date +%s.%N)" 'BEGIN { printf "kill -9 to the first completed write through the other node: %.1f s\n", b - a }'
