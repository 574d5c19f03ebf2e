#!/bin/bash
# libiscsi's iscsi-test-cu with destructive tests, over two paths (the URL
# given twice turns on the multipath and two-initiator tests), against
# snapshare and against Debian's tgtd, in one run on 127.0.0.1, each on a
# volume or file of the same size; prints both run summaries.
# Not part of the test suite (ConformanceIT is). Needs root (tgtd), libiscsi-bin
# and tgt. Usage: bench/conformance-vs-tgt.sh [SIZE] (default 256M)
set -euo pipefail
size=${1:-256M}
here=$(cd "$(dirname "$0")/.." && pwd)
port=${CONFORMANCE_PORT:-3281}
tgt_port=${CONFORMANCE_TGT_PORT:-3282}
for tool in iscsi-test-cu tgtd tgtadm; do
    command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install libiscsi-bin tgt" >&2; exit 1; }
done
work=$(mktemp -d)
cleanup() {
    [ -n "${ours:-}" ] && kill "$ours" 2>/dev/null && wait "$ours" 2>/dev/null
    if [ -n "${tgt:-}" ]; then   # tgtd ignores SIGTERM while it has targets
        tgtadm -C 11 --op delete --mode system >/dev/null 2>&1 || true
        kill -9 "$tgt" 2>/dev/null
        wait "$tgt" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
[ -f "$here/target/snapshare.jar" ] || (cd "$here" && mvn -B -q package -DskipTests)

java -jar "$here/target/snapshare.jar" serve --data-dir "$work/data" --portal "127.0.0.1:$port" >"$work/server.log" 2>&1 &
ours=$!
for _ in $(seq 1 60); do
    java -jar "$here/target/snapshare.jar" volume create cu --size "$size" --data-dir "$work/data" >/dev/null 2>&1 && break
    sleep 0.5
done
truncate -s "$size" "$work/tgt.img"
tgtd -f -C 11 --iscsi "portal=127.0.0.1:$tgt_port" >"$work/tgtd.log" 2>&1 &
tgt=$!
sleep 1
tgtadm -C 11 --lld iscsi --op new --mode target --tid 1 -T iqn.2026-11.org.conformance:tgt
tgtadm -C 11 --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$work/tgt.img"
tgtadm -C 11 --lld iscsi --op bind --mode target --tid 1 -I ALL

summary() {   # URL: the suite's "tests" and "asserts" lines (it exits non-zero when tests fail)
    local out
    out=$(timeout 1800 iscsi-test-cu -d -n "$1" "$1" 2>&1) || true
    grep -E '^ +(tests|asserts) ' <<<"$out" || echo "  (no summary)"
}
echo "snapshare ($size volume):"
summary "iscsi://127.0.0.1:$port/iqn.2026-11.org.snapshare:cu/0"
echo "tgtd $(dpkg-query -W -f '${Version}' tgt 2>/dev/null) ($size file):"
summary "iscsi://127.0.0.1:$tgt_port/iqn.2026-11.org.conformance:tgt/1"
echo "columns: Total Ran Passed Failed Inactive"
