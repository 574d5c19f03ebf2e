#!/usr/bin/env bash
# Heap of a server capped at -Xmx256m serving a 64 GiB volume with 100
# snapshots, each created after writes spread over the volume, then read
# through several snapshots. Prints the live heap after a full GC at each
# stage (jcmd). Usage: bench/memory-bench.sh [SIZE] [SNAPSHOTS]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-64G}
snapshots=${2:-100}
port=${SNAPSHARE_BENCH_PORT:-3273}
[ -f target/snapshare.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"; true' EXIT
java -Xmx256m -jar target/snapshare.jar serve --data-dir "$work/data" --portal "127.0.0.1:$port" \
    >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 150); do [ -S "$work/data/control.sock" ] && break; sleep 0.1; done
cli() { java -jar target/snapshare.jar "$@" --data-dir "$work/data" >/dev/null; }
url="iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:big/0"
heap() { # live heap in MiB after a full GC
    jcmd "$server" GC.run >/dev/null
    jcmd "$server" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub("K,?", "", v); print int(v / 1024); exit } }'
}
bytes=$(numfmt --from=iec "$size")
cli volume create big --size "$size"
printf '%-44s %10s\n' stage "heap MiB"
printf '%-44s %10s\n' "empty $size volume" "$(heap)"
stride=$((bytes / snapshots / 1048576))
for i in $(seq 1 "$snapshots"); do
    cli snapshot create big "s$i"
    # 8 MiB of copy-on-write at a different place of the volume for each snapshot
    qemu-img bench -f raw -t none -w -s 1M -S 1M -d 8 -c 8 -o $(( (i * stride) * 1048576 )) "$url" >/dev/null
done
printf '%-44s %10s\n' "$snapshots snapshots, $((snapshots * 8)) MiB copied" "$(heap)"
for i in 1 $((snapshots / 2)) "$snapshots"; do
    qemu-img bench -f raw -t none -s 1M -S 1M -d 8 -c 256 \
        "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:big.s$i/0" >/dev/null
done
printf '%-44s %10s\n' "after reading 3 snapshots" "$(heap)"
java -jar target/snapshare.jar status --data-dir "$work/data" | grep "volume big"
grep -c OutOfMemoryError "$work/server.log" | sed 's/^/OutOfMemoryError in the log: /' || true
