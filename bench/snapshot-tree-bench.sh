#!/usr/bin/env bash
# Issue 31: an origin write's cost stays flat in the shape of the snapshot tree.
# Side by side in one run on files in target/ (a real disk): a volume with 1
# snapshot, a chain of N (each of the one before) and N siblings, each taken
# between origin writes and written once: whole first overwrite time, chunks
# it copied (one per id range), 4 KiB first writes to the last snapshot; each
# figure next to its goal. One warm-up round, then the median of ROUNDS
# (default 3). Usage: bench/snapshot-tree-bench.sh [ROUNDS] [N]
set -euo pipefail
exec "$(dirname "$0")/run-java.sh" 1g org.snapshare.bench.SnapshotTreeBench "${1:-3}" "${2:-100}" target
