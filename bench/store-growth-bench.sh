#!/usr/bin/env bash
# What a growing exception store costs: the first overwrite of a 512 MiB
# volume after a snapshot into a store that starts at 1/16 of what it needs
# and grows, against a store made big enough up front; growth steps and the
# time they took. Files in target/ (a real disk), one warm-up round, then the
# median of ROUNDS (default 5). Usage: bench/store-growth-bench.sh [ROUNDS]
set -euo pipefail
exec "$(dirname "$0")/run-java.sh" 1g org.snapshare.store.StoreGrowthBench "${1:-5}" target
