#!/usr/bin/env bash
# Exception-store figures: inserts/s, lookups/s, mount time and heap at the
# entry counts given (default 1M and 10M), on a sparse file in $TMPDIR, 64 KiB
# chunks, 64 MiB node cache. Prints a table. Usage: bench/store-bench.sh [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile -DskipTests
cp=$(mvn -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=runtime)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
exec java -Xmx512m -cp "target/classes:target/test-classes:$cp" org.snapshare.bench.StoreBench "${sizes[@]}"
