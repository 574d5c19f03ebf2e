#!/usr/bin/env bash
# Issue 14, goal 6: does a server capped at -Xmx256m hold VOLUMES volumes of
# SIZE with SNAPSHOTS snapshots each, under load? Each snapshot is created
# after copy-on-write writes at another place of its volume (COPY_MIB per
# snapshot), so every snapshot owns copies and the trees grow. Prints the
# live heap after a full GC (jcmd) at each stage, then runs reads and writes
# on four volumes and four snapshots at once and reports the heap under that
# load, the GC's count and time, and whether the server logged an
# OutOfMemoryError. Usage:
#   bench/memory-bench.sh [SIZE] [SNAPSHOTS] [VOLUMES] [COPY_MIB]   (defaults 64G 100 16 2)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-64G}
snapshots=${2:-100}
volumes=${3:-16}
copy_mib=${4:-2}
port=${SNAPSHARE_BENCH_PORT:-3273}
[ -f target/snapshare.jar ] || mvn -B -q package -DskipTests
command -v jcmd >/dev/null || { echo "jcmd missing: it comes with the JDK" >&2; exit 1; }
work=$(mktemp -d -p target)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$work"; true' EXIT
java -Xmx256m -jar target/snapshare.jar serve --data-dir "$work/data" --portal "127.0.0.1:$port" \
    >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 150); do [ -S "$work/data/control.sock" ] && break; sleep 0.1; done
cli() { java -jar target/snapshare.jar "$@" --data-dir "$work/data" >/dev/null; }
url() { echo "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:$1/0"; }
heap() { # live heap in MiB after a full GC
    jcmd "$server" GC.run >/dev/null
    jcmd "$server" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub("K,?", "", v); print int(v / 1024); exit } }'
}
used_now() { # heap in use right now, MiB (no GC forced)
    jcmd "$server" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub("K,?", "", v); print int(v / 1024); exit } }'
}
bytes=$(numfmt --from=iec "$size")
stride=$((bytes / snapshots / 1048576))
printf '%-52s %10s\n' stage "heap MiB"
for v in $(seq 1 "$volumes"); do cli volume create "v$v" --size "$size"; done
printf '%-52s %10s\n' "$volumes empty $size volumes" "$(heap)"
for i in $(seq 1 "$snapshots"); do
    for v in $(seq 1 "$volumes"); do
        cli snapshot create "v$v" "s$i"
        qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c "$copy_mib" -o $(( ((i - 1) * stride) * 1048576 )) \
            "$(url "v$v")" >/dev/null
    done
done
printf '%-52s %10s\n' "$volumes x $snapshots snapshots, $((volumes * snapshots * copy_mib)) MiB copied" "$(heap)"

# Load: 4 origins written (first writes: copies) and 4 snapshots read, all at once.
pids=()
for v in 1 2 3 4; do
    qemu-img bench -f raw -t none -w -s 64k -S 1M -d 16 -c 2000 -o $((bytes / 2)) "$(url "v$v")" >/dev/null &
    pids+=($!)
    qemu-img bench -f raw -t none -s 64k -S 1M -d 16 -c 2000 "$(url "v$((v + 4)).s$((snapshots / 2))")" >/dev/null &
    pids+=($!)
done
peak=0
while kill -0 "${pids[0]}" 2>/dev/null; do
    now=$(used_now)
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.5
done
for p in "${pids[@]}"; do wait "$p"; done
printf '%-52s %10s\n' "peak in use under load (8 clients, no GC forced)" "$peak"
printf '%-52s %10s\n' "after the load" "$(heap)"
gc=$(jcmd "$server" PerfCounter.print | awk -F= '/sun.gc.collector.[01].(invocations|time)/ { print $2 }' | paste -sd' ')
echo "GC (young count, young ticks, old count, old ticks): $gc"
if grep -q OutOfMemoryError "$work/server.log"; then
    echo "OutOfMemoryError in the server log: -Xmx256m does NOT hold this" >&2
    exit 1
fi
kill -0 "$server" && echo "server alive, no OutOfMemoryError: -Xmx256m holds $volumes x $size with $snapshots snapshots each"
exit 0
