#!/usr/bin/env bash
# Crash trials of the exception store over many seeds (issue 26): each seed
# draws its own workload, cuts it after random device writes and loses the
# unflushed writes in several random ways (kept, dropped or torn per write,
# as a volatile disk cache may), for every store format still mounted; the
# remounted store must check clean and hold the last commit that returned or
# the one in flight. Prints trials, torn commits and failures per format.
# Not part of the test suite (CrashConsistencyTest runs one fixed seed in CI).
# Usage: [FIRST_SEED=0] bench/crash-soak.sh [SEEDS [CUTS_PER_SEED [DRAWS_PER_CUT]]] (default 200 8 4)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/run-java.sh 1g org.snapshare.store.CrashSoak "${1:-200}" "${2:-8}" "${3:-4}"
