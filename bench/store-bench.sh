#!/usr/bin/env bash
# Exception-store figures: inserts/s, lookups/s, mount time and heap at the
# entry counts given (default 1M and 10M), on a sparse file in $TMPDIR, 64 KiB
# chunks, 64 MiB node cache; and what `snapshot list` needs for OWNED: the
# range counters (ms) against a walk of every entry (ms). Prints a table.
# Usage: bench/store-bench.sh [N ...]
set -euo pipefail
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
exec "$(dirname "$0")/run-java.sh" 512m org.snapshare.bench.StoreBench "${sizes[@]}"
