#!/usr/bin/env bash
# Send/receive cost (docs/STREAM.md), in one run on one server:
#  - a full `snapshot export` of a filled volume's snapshot to a file, against
#    `qemu-img convert` of the same snapshot's LUN to a file (what a user does
#    without snapshare's streams), median of ROUNDS after a warm-up;
#  - an incremental stream after 1% of the volume was rewritten in scattered
#    64 KiB writes: its time and bytes, and `snapshot diff` for the same pair;
#  - importing the full stream and then the incremental into a new volume.
# Starts its own server on 127.0.0.1 with a temporary data dir; prints a table.
# Usage: bench/stream-bench.sh [VOLUME_SIZE] [ROUNDS]   (defaults 4G, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
size=${1:-4G}
rounds=${2:-3}
port=${SNAPSHARE_BENCH_PORT:-3298}
[ -f target/snapshare.jar ] || mvn -B -q package -DskipTests
need_tools qemu-img
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$data"; true' EXIT
java -jar target/snapshare.jar serve --data-dir "$data/d" --portal "127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do [ -S "$data/d/control.sock" ] && break; sleep 0.1; done
snapshare() { java -jar target/snapshare.jar "$@" --data-dir "$data/d"; }
lun() { echo "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:$1/0"; }
now() { date +%s.%N; }

bytes=$(numfmt --from=iec "$size")
mib=$((bytes / 1048576))
snapshare volume create b --size "$size" >/dev/null
qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c "$mib" --pattern=0x5a "$(lun b)" >/dev/null   # fill it
snapshare snapshot create b s1 >/dev/null

timed() { # command... -> seconds
    local start
    start=$(now)
    "$@" >/dev/null
    awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }'
}
export_full() { snapshare snapshot export b s1 --output "$data/full.stream"; }
convert_lun() { qemu-img convert -f raw -O raw "$(lun b.s1)" "$data/convert.img"; }
export_full >/dev/null; convert_lun   # warm-up: the JIT, the page cache
for _ in $(seq "$rounds"); do
    timed export_full >>"$data/export.t"
    timed convert_lun >>"$data/convert.t"
done
t_export=$(median <"$data/export.t")
t_convert=$(median <"$data/convert.t")
full_bytes=$(stat --format=%s "$data/full.stream")
rm -f "$data/convert.img"

# 1% of the volume in 64 KiB writes spread over all of it (a fixed seed: the same places every run).
writes=$((bytes / 100 / 65536))
commands=()
for i in $(seq 0 $((writes - 1))); do
    chunk=$(( (i * 7919 + 13) % (bytes / 65536) ))
    commands+=(-c "write -P 0x6b $((chunk * 65536)) 64k")
done
qemu-io -f raw "${commands[@]}" "$(lun b)" >/dev/null
snapshare snapshot create b s2 >/dev/null
changed=$((writes * 65536))
for _ in $(seq "$rounds"); do
    timed snapshare snapshot export b s2 --since s1 --output "$data/inc.stream" >>"$data/inc.t"
    timed snapshare snapshot diff b s1 s2 >>"$data/diff.t"
    timed snapshare status >>"$data/status.t"
done
t_inc=$(median <"$data/inc.t")
t_diff=$(median <"$data/diff.t")
t_status=$(median <"$data/status.t")
inc_bytes=$(stat --format=%s "$data/inc.stream")
t_import_full=$(timed snapshare snapshot import copy --input "$data/full.stream")
t_import_inc=$(timed snapshare snapshot import copy --input "$data/inc.stream")
qemu-img compare -q -f raw -F raw "$(lun b.s2)" "$(lun copy.s2)" || { echo "the copy differs from s2" >&2; exit 1; }

printf '%s volume, median of %s rounds (CLI JVM start included in every time)\n\n' "$size" "$rounds"
printf '%-46s %10s %10s %14s\n' "what" "seconds" "MiB/s" "bytes"
row() { awk -v w="$1" -v t="$2" -v m="$3" -v b="$4" 'BEGIN { printf "%-46s %10.2f %10.0f %14s\n", w, t, m / t, b }'; }
row "full export to a file (snapshot export)" "$t_export" "$mib" "$full_bytes"
row "qemu-img convert of the snapshot LUN to a file" "$t_convert" "$mib" "$bytes"
row "incremental export, 1% changed" "$t_inc" "$((changed / 1048576))" "$inc_bytes"
row "full import (stage, verify, apply)" "$t_import_full" "$mib" "$full_bytes"
row "incremental import" "$t_import_inc" "$((changed / 1048576))" "$inc_bytes"
awk -v d="$t_diff" -v s="$t_status" 'BEGIN { printf "%-46s %10.2f\n%-46s %10.2f\n", "snapshot diff s1 s2 (CLI round trip)", d, "snapshare status (CLI round trip, for scale)", s }'
awk -v e="$t_export" -v c="$t_convert" -v i="$inc_bytes" -v ch="$changed" \
    'BEGIN { printf "\nexport / qemu-img convert time: %.2f   incremental stream / changed bytes: %.3f\n", e / c, i / ch }'
