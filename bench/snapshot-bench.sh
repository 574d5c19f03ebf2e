#!/usr/bin/env bash
# Copy-on-write cost through iSCSI: the time to write a whole volume with
# 1 MiB writes (qemu-img bench, queue depth 8, O_DIRECT) with 0, 1 and 17
# snapshots, first (every chunk copied) and again (copies already made).
# Starts its own server on 127.0.0.1 with a temporary data dir; prints a
# table. Usage: bench/snapshot-bench.sh [VOLUME_SIZE]   (default 1G)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
size=${1:-1G}
port=${SNAPSHARE_BENCH_PORT:-3299}
[ -f target/snapshare.jar ] || mvn -B -q package -DskipTests
need_tools qemu-img
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$data"; true' EXIT
java -jar target/snapshare.jar serve --data-dir "$data/d" --portal "127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do [ -S "$data/d/control.sock" ] && break; sleep 0.1; done
cli() { java -jar target/snapshare.jar "$@" --data-dir "$data/d" >/dev/null; }

bytes=$(numfmt --from=iec "$size")
count=$((bytes / 1048576))
seconds() { # volume -> seconds to write it whole
    local start end
    start=$(date +%s.%N)
    qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c "$count" \
        "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:$1/0" >/dev/null
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

printf '%-10s %14s %10s %14s %10s\n' snapshots "first write s" "MiB/s" "rewrite s" "MiB/s"
declare -A first
for n in 0 1 17; do
    cli volume create "b$n" --size "$size"
    qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c "$count" \
        "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:b$n/0" >/dev/null   # allocate the origin file
    for i in $(seq 1 "$n"); do cli snapshot create "b$n" "s$i"; done
    t1=$(seconds "b$n")
    t2=$(seconds "b$n")
    first[$n]=$t1
    awk -v n="$n" -v c="$count" -v t1="$t1" -v t2="$t2" \
        'BEGIN { printf "%-10s %14.2f %10.0f %14.2f %10.0f\n", n, t1, c / t1, t2, c / t2 }'
    cli volume delete "b$n"
done
awk -v a="${first[0]}" -v b="${first[1]}" -v c="${first[17]}" \
    'BEGIN { printf "\nfirst write with 1 snapshot / none: %.2f   with 17 / with 1: %.2f\n", b / a, c / b }'
