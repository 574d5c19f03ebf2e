#!/usr/bin/env bash
# Power cuts checked from outside the server over many seeds (issue 26):
# each seed runs the packaged server with its device writes recorded
# (SNAPSHARE_WRITE_LOG) under a random client workload, rebuilds the devices
# as cuts at random moments would leave them (flushed pages kept, any mix of
# the rest per 4 KiB page), and each image must pass `snapshare check`, be
# served, and read back what was acknowledged and flushed. Prints a line per
# seed and the failures. Not part of the test suite (PowerCutIT runs one seed).
# Usage: [FIRST_SEED=1] bench/power-cut-soak.sh [SEEDS [CUTS_PER_SEED [OPERATIONS]]] (default 20 10 300)
# SNAPSHARE_JAR=path runs another build's jar (it must have the recorder).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
exec bench/run-java.sh 2g org.snapshare.it.PowerCutSoak "${1:-20}" "${2:-10}" "${3:-300}"
