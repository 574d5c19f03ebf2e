#!/usr/bin/env bash
# Issue 14, goal 1: the file system's floor under a first overwrite after a
# snapshot, without snapshare - the same bytes moved by plain positional I/O
# (read the old data, write it to a store file flushed every 2 MiB, overwrite),
# into new and into reused store space, copies through the page cache and with
# O_DIRECT (as the server writes them), against a plain overwrite. Files in
# target/ (the disk the servers use). Usage: bench/copy-floor-bench.sh [MiB] (default 1024)
set -euo pipefail
exec "$(dirname "$0")/run-java.sh" 256m org.snapshare.bench.CopyFloorBench "${1:-1024}" target
