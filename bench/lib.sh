# Shared by the bench scripts that drive qemu-img against iSCSI targets and
# Debian's tgtd: sourced, not run (they cd to the project root first).

# Exits naming the Debian packages to install when one of the tools is missing.
need_tools() {
    local tool packages
    for tool in "$@"; do
        case "$tool" in
            qemu-img | qemu-io) packages="qemu-utils qemu-block-extra" ;; # the iSCSI driver is in qemu-block-extra
            tgtd | tgtadm) packages=tgt ;;
            *) packages=$tool ;;
        esac
        command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install $packages" >&2; exit 1; }
    done
}

# The seconds a qemu-img bench run took; the arguments go to qemu-img bench (no cache: O_DIRECT on files).
bench_seconds() {
    qemu-img bench -f raw -t none "$@" 2>&1 | sed -n 's/.*completed in \([0-9.]*\) seconds.*/\1/p'
}

# Seconds a SYNCHRONIZE CACHE of LUN takes, from a new qemu-io session (its login included: subtract an idle one's).
flush_seconds() { # LUN
    local start end
    start=$(date +%s.%N)
    qemu-io -f raw -c flush "$1" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

TGT_IQN=iqn.2026-11.org.bench:tgt

# Starts tgtd (control port CONTROL, portal 127.0.0.1:PORT) in the background; its pid goes to $tgt.
start_tgtd() { # CONTROL PORT LOG
    tgtd -f -C "$1" --iscsi "portal=127.0.0.1:$2" >"$3" 2>&1 &
    tgt=$!
}

# Exports IMAGE as LUN 1 of target $TGT_IQN on the tgtd with control port CONTROL, to every initiator.
export_tgt_image() { # CONTROL IMAGE
    tgtadm -C "$1" --lld iscsi --op new --mode target --tid 1 -T "$TGT_IQN"
    tgtadm -C "$1" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$2"
    tgtadm -C "$1" --lld iscsi --op bind --mode target --tid 1 -I ALL
}

# Stops the tgtd in $tgt, if any: it ignores SIGTERM while it has targets, so they go first.
stop_tgtd() { # CONTROL
    if [ -n "${tgt:-}" ]; then
        tgtadm -C "$1" --op delete --mode system >/dev/null 2>&1
        sleep 0.5
        kill -9 "$tgt" 2>/dev/null
        wait "$tgt" 2>/dev/null
    fi
}

# The median of the numbers on stdin, one per line, blank lines skipped (the upper middle one for an even count).
median() { sort -g | awk 'NF { v[++n] = $1 } END { print v[int(n / 2) + 1] }'; }

# The median of the arguments.
median_of() { printf '%s\n' "$@" | median; }

# Serves with JAR on 127.0.0.1:PORT, its data dir DIR/data, log DIR/server.log, in the background (pid in
# $server); returns once its control socket is there.
start_server() { # JAR PORT DIR
    java ${SNAPSHARE_JAVA_OPTS:-} -jar "$1" serve --data-dir "$3/data" --portal "127.0.0.1:$2" >"$3/server.log" 2>&1 &
    server=$!
    for _ in $(seq 150); do [ -S "$3/data/control.sock" ] && break; sleep 0.1; done
}

# Waits (at most a minute) until background delete has removed the snapshots NAME... of VOLUME, so that its work
# does not share the next measured phase.
await_snapshots_gone() { # JAR DATA_DIR VOLUME NAME...
    local jar=$1 data=$2 volume=$3 name listed
    shift 3
    for _ in $(seq 600); do
        listed=$(java -jar "$jar" snapshot list "$volume" --data-dir "$data")
        for name in "$@"; do
            grep -qw "$name" <<<"$listed" && break
            name=
        done
        [ -z "$name" ] && return 0
        sleep 0.1
    done
}

# Starts JAR on 127.0.0.1:PORT over a new temporary dir, $work; at exit the server stops and the dir goes.
serve_from_temp_dir() { # JAR PORT
    work=$(mktemp -d)
    trap 'stop_server; rm -rf "$work"' EXIT
    start_server "$1" "$2" "$work"
}

# For scripts that run several servers at once: a new temporary dir, $work, and an empty $pids for the
# servers' pids (start_server's $server); at exit they stop and the dir goes.
serve_several_from_temp_dir() {
    work=$(mktemp -d)
    pids=()
    trap stop_several EXIT
}

stop_several() {
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}

# Stops the server start_server started, if any.
stop_server() {
    if [ -n "${server:-}" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true # its exit status (143) must not stop an EXIT trap before its clean-up
    fi
    return 0
}

# For the cluster scripts: a new temporary dir, $work, and an empty $pids; at exit every process in $pids is
# killed, the ZooKeeper's fd 3 closed and the dir goes (kept, and named, when KEEP_BENCH is set).
cluster_work_dir() {
    serve_several_from_temp_dir
    trap stop_cluster EXIT
}

stop_cluster() {
    set +e
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    exec 3>&- 2>/dev/null
    wait 2>/dev/null
    [ -n "${KEEP_BENCH:-}" ] && echo "kept $work" || rm -rf "$work"
}

# For the cluster scripts: a ZooKeeper (bench/java LocalZooKeeper) on 127.0.0.1:PORT, needing the test
# class path in $cp, a $work dir and a $pids array; it runs while fd 3 stays open. Its connect string
# goes to $zk.
start_local_zookeeper() { # PORT
    mkfifo "$work/zk-stdin"
    java -Dlogback.configurationFile=src/test/resources/snapshare-test-logback.xml \
        -cp "target/test-classes:$cp" org.snapshare.bench.LocalZooKeeper "$1" <"$work/zk-stdin" \
        >"$work/zk.out" 2>"$work/zk.log" &
    pids+=($!)
    exec 3>"$work/zk-stdin"
    for _ in $(seq 100); do grep -q '^connect ' "$work/zk.out" && break; sleep 0.1; done
    zk=$(sed -n 's/^connect //p' "$work/zk.out")
    [ -n "$zk" ] || { echo "ZooKeeper did not start:" >&2; cat "$work/zk.log" >&2; exit 1; }
}

# Writes $work/NAME.conf: a cluster node named NAME of the ZooKeeper in $zk.
node_config() { # NAME
    printf 'cluster-zookeeper = %s\ncluster-node = %s\n' "$zk" "$1" >"$work/$1.conf"
}

# Serves target/snapshare.jar from DATA on 127.0.0.1:PORT (with CONFIG: a cluster node), log $work/NAME.log,
# its pid in $pids and $pid_NAME; returns once its control socket is there.
serve_node() { # NAME DATA PORT [CONFIG]
    local name=$1 data=$2 port=$3 config=${4:-} socket=control.sock
    local args=(serve --data-dir "$data" --portal "127.0.0.1:$port")
    if [ -n "$config" ]; then args+=(--config "$config"); socket="control-$name.sock"; fi
    java ${SNAPSHARE_JAVA_OPTS:-} -jar target/snapshare.jar "${args[@]}" >"$work/$name.log" 2>&1 &
    pids+=($!)
    eval "pid_$name=$!"
    for _ in $(seq 150); do [ -S "$data/$socket" ] && break; sleep 0.1; done
}

# Builds the jar and the test classes, and puts the test class path in $cp (for start_local_zookeeper).
build_with_test_classpath() {
    mvn -B -q package -DskipTests
    mvn -B -q test-compile
    # To a file: on stdout Maven wraps the class path in colour escapes that break its first entry.
    mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
    cp=$(cat target/test-classpath.txt)
}
