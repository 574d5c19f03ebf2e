#!/usr/bin/env bash
# What the second copy of every metadata block (store format 3) costs against
# one copy (format 2), side by side in one run, on files in target/ (a real
# disk: fsync counts), 64 KiB chunks, 256 MiB volume: commits/s, copy-on-write
# first writes/s, first-overwrite MiB/s; and the scrub's read rate. One warm-up
# round, then the median of ROUNDS (default 5). Usage: bench/metadata-copy-bench.sh [ROUNDS]
set -euo pipefail
exec "$(dirname "$0")/run-java.sh" 1g org.snapshare.store.MetadataCopyBench "${1:-5}" target
