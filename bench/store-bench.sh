#!/usr/bin/env bash
# Exception-store figures: inserts/s, lookups/s, mount time and heap at the
# entry counts given (default 1M and 10M), on a sparse file in $TMPDIR, 64 KiB
# chunks, 64 MiB node cache; and what `snapshot list` needs for OWNED: the
# range counters (ms) against a walk of every entry (ms). Prints a table.
# Usage: bench/store-bench.sh [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile -DskipTests
# To a file: on stdout Maven wraps the class path in colour escapes that break its first entry.
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime
cp=$(cat target/runtime-classpath.txt)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
exec java -Xmx512m -cp "target/classes:target/test-classes:$cp" org.snapshare.bench.StoreBench "${sizes[@]}"
