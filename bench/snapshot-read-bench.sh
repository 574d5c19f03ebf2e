#!/usr/bin/env bash
# Issue 29, goal 3 (reads): scattered 4 KiB QD32 reads (stride 68 KiB: each
# in another 64 KiB chunk, the worst case for a chunk's checksum) of a
# snapshot whose every chunk is a copy in the store, against the same reads
# of the origin, side by side in each round over iSCSI on one server. Goal:
# the snapshot at >= 0.8 of the origin's rate. Also 1 MiB QD8 sequential
# reads of both. After a warm-up round, median of ROUNDS; before it, one
# pass of each chunk's first read (checked whole against its checksum,
# one sample). Then bench/java SnapshotReadBench: the same reads in
# process, the server's own cost with no iSCSI or client around it. Pass
# another build's jar to measure it the same way (the in-process table is
# always this tree's). Not part of the test suite. Needs qemu-utils and
# qemu-block-extra.
# Usage: bench/snapshot-read-bench.sh [JAR] [SIZE] [ROUNDS] (default target/snapshare.jar 1G 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
jar=${1:-target/snapshare.jar}
size=${2:-1G}
rounds=${3:-5}
port=${SNAPSHARE_BENCH_PORT:-3275}
need_tools qemu-img bc
[ -f "$jar" ] || mvn -B -q package -DskipTests

serve_from_temp_dir "$jar" "$port"
cli() { java -jar "$jar" "$@" --data-dir "$work/data" >/dev/null; }
origin="iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:b/0"
snapshot="iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:b.s/0"
bytes=$(numfmt --from=iec "$size")
stride=$((68 * 1024))
pass=$(( (bytes - 4096) / stride ))
reads=$((4 * pass)) # four passes: qemu-img wraps its offset at the end
mib=$((bytes / 1048576))

cli volume create b --size "$size"
bench_seconds -w -s 1M -S 1M -d 8 -c "$mib" "$origin" >/dev/null # the data the snapshot keeps
cli snapshot create b s
bench_seconds -w -s 1M -S 1M -d 8 -c "$mib" "$origin" >/dev/null # every chunk copied to the store

scattered() { bench_seconds -s 4K -S "$stride" -d 32 -c "${2:-$reads}" "$1"; }
first_origin=$(scattered "$origin" "$pass")
first_snapshot=$(scattered "$snapshot" "$pass") # every chunk read for the first time: checked whole
whole() { bench_seconds -s 1M -S 1M -d 8 -c "$mib" "$1"; }
names="so ss wo ws"
for f in $names; do : >"$work/$f"; done
for round in $(seq 0 "$rounds"); do
    so=$(scattered "$origin"); ss=$(scattered "$snapshot")
    wo=$(whole "$origin"); ws=$(whole "$snapshot")
    if [ "$round" -gt 0 ]; then # round 0 warms up
        for f in $names; do echo "${!f}" >>"$work/$f"; done
    fi
done
of() { median <"$work/$1"; }
awk -v so="$(of so)" -v ss="$(of ss)" -v wo="$(of wo)" -v ws="$(of ws)" -v n="$reads" -v mib="$mib" \
    -v fo="$first_origin" -v fs="$first_snapshot" -v p="$pass" -v j="$jar" -v r="$rounds" -v s="$size" 'BEGIN {
    printf "%s, %s volume, every chunk of the snapshot copied, median of %d rounds\n", j, s, r
    printf "%-44s %10s %10s %7s   %s\n", "figure", "origin", "snapshot", "ratio", "goal"
    printf "%-44s %10.0f %10.0f %7.2f   %s\n", "scattered 4 KiB reads QD32 (stride 68 KiB), IOPS", n / so, n / ss,
        so / ss, ">= 0.8"
    printf "%-44s %10.0f %10.0f %7.2f   %s\n", "the same, first read of each chunk (1 sample)", p / fo, p / fs, fo / fs,
        "-"
    printf "%-44s %10.0f %10.0f %7.2f   %s\n", "sequential 1 MiB reads QD8, MiB/s", mib / wo, mib / ws, wo / ws, "-" }'
echo
bench/run-java.sh 1g org.snapshare.bench.SnapshotReadBench "$rounds" target 2>/dev/null | grep -v ' INFO '
