#!/usr/bin/env bash
# Issue 14, goal 1: what one flush per commit (store format 5) gains against
# two (format 4), side by side in one run, on files in target/ (a real disk:
# fsync counts), 64 KiB chunks, 256 MiB volume: commits/s, copy-on-write first
# writes/s (4 KiB random), first-overwrite MiB/s (1 MiB writes). One warm-up
# round, then the median of ROUNDS (default 5). bench/snapshot-bench.sh
# measures the first overwrite through iSCSI. Usage: bench/one-flush-bench.sh [ROUNDS]
set -euo pipefail
exec "$(dirname "$0")/run-java.sh" 1g org.snapshare.store.MetadataCopyBench "${1:-5}" target 4,5
