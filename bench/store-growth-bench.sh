#!/usr/bin/env bash
# What a growing exception store costs: the first overwrite of a 512 MiB
# volume after a snapshot into a store that starts at 1/16 of what it needs
# and grows, against a store made big enough up front; growth steps and the
# time they took. Files in target/ (a real disk), one warm-up round, then the
# median of ROUNDS (default 5). Usage: bench/store-growth-bench.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile -DskipTests
# To a file: on stdout Maven wraps the class path in colour escapes that break its first entry.
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime
cp=$(cat target/runtime-classpath.txt)
exec java -Xmx1g -cp "target/classes:target/test-classes:$cp" org.snapshare.store.StoreGrowthBench "${1:-5}" target
