#!/usr/bin/env bash
# Runs one benchmark class of bench/java with the project's runtime class path:
#   bench/run-java.sh HEAP CLASS [ARGS...]
# (the compiled test classes hold the benchmarks; Maven builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."
heap=$1
main=$2
shift 2
mvn -B -q test-compile -DskipTests
# To a file: on stdout Maven wraps the class path in colour escapes that break its first entry.
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime
exec java "-Xmx$heap" -cp "target/classes:target/test-classes:$(cat target/runtime-classpath.txt)" "$main" "$@"
