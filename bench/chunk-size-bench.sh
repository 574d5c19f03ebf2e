#!/usr/bin/env bash
# Issue 14, goal 2: small random writes after a snapshot, the worst case for
# large chunks (each 4 KiB first write copies a whole chunk). Two servers in
# one run, one with 64 KiB chunks (the default) and one with 4 KiB, beside the
# raw file (O_DIRECT, same file system). Writes are 4 KiB at QD32, each in
# another chunk (qemu-img bench, stride 68 KiB: scattered as random writes
# are, in a repeatable order). Per round a new snapshot, so every write is a
# first write again; median of ROUNDS after a warm-up. Also the other side of
# the trade: a whole-volume first overwrite in 1 MiB writes (4 KiB chunks mean
# 16 times the entries and commits), and the store's metadata per chunk size.
# Usage: bench/chunk-size-bench.sh [SIZE] [ROUNDS]   (defaults 1G, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
size=${1:-1G}
rounds=${2:-3}
[ -f target/snapshare.jar ] || mvn -B -q package -DskipTests
need_tools qemu-img
work=$(mktemp -d -p target)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; true' EXIT

declare -A port=([64K]=${SNAPSHARE_BENCH_PORT:-3296} [4K]=$((${SNAPSHARE_BENCH_PORT:-3296} + 1)))
for chunk in 64K 4K; do
    mkdir -p "$work/$chunk"
    printf 'chunk-size = %s\n' "$chunk" >"$work/$chunk/snapshare.conf"
    java -jar target/snapshare.jar serve --data-dir "$work/$chunk/d" --config "$work/$chunk/snapshare.conf" \
        --portal "127.0.0.1:${port[$chunk]}" >"$work/$chunk/server.log" 2>&1 &
    pids+=($!)
done
for chunk in 64K 4K; do for _ in $(seq 150); do [ -S "$work/$chunk/d/control.sock" ] && break; sleep 0.1; done; done
cli() { local chunk=$1; shift; java -jar target/snapshare.jar "$@" --data-dir "$work/$chunk/d" \
    --config "$work/$chunk/snapshare.conf"; }
lun() { echo "iscsi://127.0.0.1:${port[$1]}/iqn.2026-11.org.snapshare:b/0"; }

bytes=$(numfmt --from=iec "$size")
stride=$((68 * 1024))
writes=$(( (bytes - 4096) / stride ))
mib=$((bytes / 1048576))
truncate -s "$size" "$work/raw.img"
for chunk in 64K 4K; do
    cli "$chunk" volume create b --size "$size" >/dev/null
    qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c "$mib" "$(lun "$chunk")" >/dev/null   # allocate
done
qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c "$mib" "$work/raw.img" >/dev/null

seconds() { # target [extra qemu-img bench args] -> seconds of strided 4 KiB writes
    local target=$1 start
    start=$(date +%s.%N)
    qemu-img bench -f raw -t none -w -s 4K -S "$stride" -d 32 -c "$writes" "$target" >/dev/null
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'
}
overwrite() { # target -> seconds of a whole-volume 1 MiB overwrite
    local start
    start=$(date +%s.%N)
    qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c "$mib" "$1" >/dev/null
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'
}

for round in $(seq 0 "$rounds"); do
    raw=$(seconds "$work/raw.img")
    for chunk in 64K 4K; do
        plain=$(seconds "$(lun "$chunk")")                # copies made already: the plain write path
        cli "$chunk" snapshot create b "r$round" >/dev/null
        first=$(seconds "$(lun "$chunk")")                # every write copies its chunk first
        cli "$chunk" snapshot create b "o$round" >/dev/null
        seq_first=$(overwrite "$(lun "$chunk")")
        if [ "$round" -gt 0 ]; then                       # round 0 warms the JIT and the caches
            echo "$plain" >>"$work/plain.$chunk"; echo "$first" >>"$work/first.$chunk"
            echo "$seq_first" >>"$work/seq.$chunk"
        fi
    done
    [ "$round" -gt 0 ] && echo "$raw" >>"$work/raw.t"
    raw_seq=$(overwrite "$work/raw.img"); [ "$round" -gt 0 ] && echo "$raw_seq" >>"$work/rawseq.t"
done

iops() { awk -v n="$writes" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
t_raw=$(median <"$work/raw.t")
printf '%s volume, %d writes of 4 KiB at QD32 (stride 68 KiB), median of %s rounds\n\n' "$size" "$writes" "$rounds"
printf '%-52s %10s %10s\n' "4 KiB scattered writes" "IOPS" "vs plain"
printf '%-52s %10s %10s\n' "raw file (O_DIRECT)" "$(iops "$t_raw")" "-"
for chunk in 64K 4K; do
    t_plain=$(median <"$work/plain.$chunk")
    t_first=$(median <"$work/first.$chunk")
    printf '%-52s %10s %10s\n' "$chunk chunks, no copy needed (plain)" "$(iops "$t_plain")" "1.00"
    printf '%-52s %10s %10s\n' "$chunk chunks, first write after a snapshot" "$(iops "$t_first")" \
        "$(awk -v p="$t_plain" -v f="$t_first" 'BEGIN { printf "%.2f", p / f }')"
done
printf '\n%-52s %10s %10s\n' "whole-volume first overwrite after a snapshot, 1 MiB" "MiB/s" "vs raw"
t_rawseq=$(median <"$work/rawseq.t")
printf '%-52s %10.0f %10s\n' "raw file (O_DIRECT)" "$(awk -v m="$mib" -v t="$t_rawseq" 'BEGIN { print m / t }')" "1.00"
for chunk in 64K 4K; do
    t=$(median <"$work/seq.$chunk")
    printf '%-52s %10.0f %10.2f\n' "$chunk chunks" "$(awk -v m="$mib" -v t="$t" 'BEGIN { print m / t }')" \
        "$(awk -v r="$t_rawseq" -v t="$t" 'BEGIN { print r / t }')"
done
printf '\n%-52s %s\n' "exception store used after the run" ""
for chunk in 64K 4K; do
    printf '%-52s %s\n' "$chunk chunks ($((2 * rounds + 2)) snapshots)" \
        "$(cli "$chunk" status | grep -o 'exception store [^(]*used' | head -1)"
done
