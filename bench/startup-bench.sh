#!/usr/bin/env bash
# Issue 14, goal 5: the first minute after `serve`. For snapshare started
# plainly, snapshare started with an application class-data-sharing archive
# (made here by a training run: -XX:ArchiveClassesAtExit), snapshare with the
# C1 compiler only (-XX:TieredStopAtLevel=1), and tgtd, in one run: seconds
# until the portal answers, then the first COUNT 4 KiB QD32 writes (cold), the
# same again (warm), and the IOPS of the first minute after the start (runs of
# COUNT writes back to back until 60 s have passed); plus the CLI's round
# trip (`snapshare status`, median of 5). Needs root (tgtd), qemu-utils,
# qemu-block-extra and tgt. Usage: bench/startup-bench.sh [COUNT] (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
count=${1:-20000}
port=${SNAPSHARE_BENCH_PORT:-3281}
tgt_port=${TGT_BENCH_PORT:-3282}
need_tools qemu-img tgtd tgtadm
[ -f target/snapshare.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
server=""
cleanup() {
    set +e
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    stop_tgtd 8
    rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
iops() { # url -> IOPS of COUNT 4 KiB QD32 writes
    local seconds
    seconds=$(bench_seconds -w -s 4k -d 32 -c "$count" "$1")
    awk -v n="$count" -v t="$seconds" 'BEGIN { printf "%.0f", n / t }'
}
minute() { # url start -> IOPS from the start (ready time included) to the end of the COUNT-write run that passes 60 s
    local ops=$((2 * count)) seconds
    while awk -v a="$2" -v b="$(now)" 'BEGIN { exit !(b - a < 60) }'; do
        seconds=$(bench_seconds -w -s 4k -d 32 -c "$count" "$1")
        ops=$((ops + count))
    done
    awk -v n="$ops" -v t="$(since "$2")" 'BEGIN { printf "%.0f", n / t }'
}
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The data dir and its volume exist before each timed start, as after a reboot.
java -jar target/snapshare.jar serve --data-dir "$work/data" --portal "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
until answers "$port"; do sleep 0.05; done
kill "$server"; wait "$server" 2>/dev/null || true; server=""
# Training run for the archive: start, serve some I/O, stop (the archive is written at exit).
java -XX:ArchiveClassesAtExit="$work/snapshare.jsa" -jar target/snapshare.jar serve --data-dir "$work/data" \
    --portal "127.0.0.1:$port" >"$work/train.log" 2>&1 &
server=$!
until answers "$port"; do sleep 0.05; done
qemu-img bench -f raw -t none -w -s 4k -d 32 -c 2000 "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:vol0/0" >/dev/null
java -jar target/snapshare.jar status --data-dir "$work/data" >/dev/null
kill "$server"; wait "$server" 2>/dev/null || true; server=""

printf '%-28s %8s %10s %10s %12s\n' server "ready s" "cold IOPS" "warm IOPS" "minute IOPS"
for variant in plain cds c1; do
    opts=()
    [ "$variant" = cds ] && opts=(-XX:SharedArchiveFile="$work/snapshare.jsa")
    [ "$variant" = c1 ] && opts=(-XX:TieredStopAtLevel=1)   # no C2 compiler threads: faster at first, slower later
    start=$(now)
    java "${opts[@]}" -jar target/snapshare.jar serve --data-dir "$work/data" --portal "127.0.0.1:$port" \
        >"$work/$variant.log" 2>&1 &
    server=$!
    until answers "$port"; do sleep 0.02; done
    ready=$(since "$start")
    url="iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:vol0/0"
    cold=$(iops "$url")
    warm=$(iops "$url")
    printf '%-28s %8s %10s %10s %12s\n' "snapshare ($variant)" "$ready" "$cold" "$warm" "$(minute "$url" "$start")"
    for _ in 1 2 3 4 5; do
        s=$(now); java "${opts[@]}" -jar target/snapshare.jar status --data-dir "$work/data" >/dev/null
        since "$s" >>"$work/cli.$variant"; echo >>"$work/cli.$variant"
    done
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
done

truncate -s 1G "$work/tgt.img"
start=$(now)
start_tgtd 8 "$tgt_port" "$work/tgtd.log"
until answers "$tgt_port"; do sleep 0.02; done
export_tgt_image 8 "$work/tgt.img"
ready=$(since "$start")
url="iscsi://127.0.0.1:$tgt_port/$TGT_IQN/1"
cold=$(iops "$url")
warm=$(iops "$url")
printf '%-28s %8s %10s %10s %12s\n' "tgtd (target set up)" "$ready" "$cold" "$warm" "$(minute "$url" "$start")"
printf '\nCLI round trip (snapshare status, median of 5): %s s plain, %s s with the archive, %s s C1 only\n' \
    "$(median <"$work/cli.plain")" "$(median <"$work/cli.cds")" "$(median <"$work/cli.c1")"
