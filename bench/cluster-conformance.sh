#!/usr/bin/env bash
# libiscsi's whole iscsi-test-cu with its two URLs on two cluster nodes of one
# data dir (a ZooKeeper, bench/java LocalZooKeeper, and both nodes on
# 127.0.0.1): the multipath tests send through both nodes, the reservation
# tests put their initiators on different nodes, so every SCSI rule that must
# hold across nodes is checked. Prints the run's summary and its failures;
# exits non-zero when any test failed; the whole output goes to
# target/cluster-conformance.txt. Takes about 12 minutes for every test.
# Usage: bench/cluster-conformance.sh [TEST_PATTERN]   (default: every test, as ConformanceIT runs them)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
select=()
[ $# -gt 0 ] && select=(-t "$1")
base=${SNAPSHARE_BENCH_PORT:-3291}
need_tools iscsi-test-cu iscsi-ls
build_with_test_classpath
cluster_work_dir
start_local_zookeeper $((base + 9))
node_config a
node_config b
serve_node a "$work/shared" $((base + 1)) "$work/a.conf"
serve_node b "$work/shared" $((base + 2)) "$work/b.conf"
java -jar target/snapshare.jar volume create v --size 64M --data-dir "$work/shared" --config "$work/a.conf" >/dev/null
for _ in $(seq 100); do iscsi-ls "iscsi://127.0.0.1:$((base + 2))" 2>/dev/null | grep -q ':v ' && break; sleep 0.1; done
url() { echo "iscsi://127.0.0.1:$1/iqn.2026-11.org.snapshare:v/0"; }

start=$(date +%s)
status=0
out=target/cluster-conformance.txt
iscsi-test-cu -d -n "${select[@]}" "$(url $((base + 1)))" "$(url $((base + 2)))" >"$out" 2>&1 || status=$?
echo "iscsi-test-cu ${select[*]} across two nodes, $(($(date +%s) - start)) s (exit $status):"
grep -E '^ +(suites|tests|asserts) ' "$out" || tail -20 "$out"
# CUnit lists each failed assertion after the summary as "N. FILE:LINE  - EXPRESSION"
grep -E '^ *[0-9]+\. [a-z_0-9]+\.c:[0-9]+' "$out" | head -40 || true
exit "$status"
