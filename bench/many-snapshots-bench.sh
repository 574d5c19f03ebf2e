#!/usr/bin/env bash
# Issue 14, goal 4: per-write costs that grow with the number of snapshots.
# A volume with 1 snapshot and one with N (default 1000) taken between small
# writes, side by side in one run on files in target/ (a real disk): full
# overwrite time, snapshot writes/s, and the server time of snapshot create
# and list; each figure next to its goal. One warm-up round, then the median
# of ROUNDS (default 3). Usage: bench/many-snapshots-bench.sh [ROUNDS] [N]
set -euo pipefail
exec "$(dirname "$0")/run-java.sh" 1g org.snapshare.bench.ManySnapshotsBench "${1:-3}" "${2:-1000}" target
