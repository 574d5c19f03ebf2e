#!/usr/bin/env bash
# Exception-store figures: inserts/s, lookups/s, mount time and heap at the
# entry counts given (default 1M and 10M), on a sparse file in $TMPDIR, 64 KiB
# chunks, the node cache a quarter of the heap (-Xmx$HEAP, default 512m: as a
# server's metadata-cache); and what `snapshot list` needs for OWNED: the
# range counters (ms) against a walk of every entry (ms). Prints a table.
# COMMIT_EVERY inserts go in one commit (default 10000).
# Usage: [HEAP=3g] [COMMIT_EVERY=1000] bench/store-bench.sh [N ...]
set -euo pipefail
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
exec "$(dirname "$0")/run-java.sh" "${HEAP:-512m}" org.snapshare.bench.StoreBench "${sizes[@]}"
