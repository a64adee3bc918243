#!/usr/bin/env bash
# Throwaway PostgreSQL 15, Redis 7 and Kafka 3.9 servers for the test suite.
#
#   bash .ci/services.sh start | stop
#   bash .ci/services.sh start-X | stop-X | pause-X | resume-X | kill-X   (X = postgres, redis, kafka)
#   bash .ci/services.sh kafka-topics ARGS...   (kafka-topics.sh against our broker)
#
# `start` installs whatever is missing (Debian packages, Kafka jars via Maven),
# starts all three on 127.0.0.1 on non-default ports, waits until each really
# answers, and writes $MG_CI_DIR/env for `source`. It is idempotent: servers
# that already run are left alone. `stop` stops all three and deletes their
# data and env lines (and $MG_CI_DIR once nothing else uses it). `stop-X` only stops X and keeps its data, so a later `start-X`
# is a restart of the same server (useful for fault tests, as are
# pause-X/resume-X = SIGSTOP/SIGCONT and kill-X = SIGKILL).
#
# Environment:
#   MG_CI_DIR         data, logs, pid files, env file  (default /tmp/marketgraph-ci)
#   MG_CACHE_DIR      Kafka jars + Maven repo, kept between runs (default /var/cache/marketgraph-ci)
#   MG_KAFKA_VERSION  Kafka version to fetch           (default 3.9.2, the newest 3.9.x on Maven Central)
#   MG_START_TIMEOUT  seconds to wait for each server  (default 120)
#   MG_PG_PORT, MG_REDIS_PORT, MG_REDIS_TLS_PORT, MG_KAFKA_PORT, MG_KAFKA_CONTROLLER_PORT, MG_KAFKA_FAULTS_PORT, MG_KAFKA_FAULTS_PROXY_PORT, MG_KAFKA_SECURE_PORT, MG_KAFKA_MTLS_PORT
#                     ports (default 55432, 56379, 59092, 59093); give the same
#                     ones to every command of one set of servers
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CI_DIR=${MG_CI_DIR:-/tmp/marketgraph-ci}
CACHE_DIR=${MG_CACHE_DIR:-/var/cache/marketgraph-ci}
KAFKA_VERSION=${MG_KAFKA_VERSION:-3.9.2}
START_TIMEOUT=${MG_START_TIMEOUT:-120}

# Non-default ports so nothing clashes with servers a developer runs. Overridable, so a
# private set (another MG_CI_DIR) can run next to the shared one, e.g. for fault tests.
PG_PORT=${MG_PG_PORT:-55432}
REDIS_PORT=${MG_REDIS_PORT:-56379}
REDIS_TLS_PORT=${MG_REDIS_TLS_PORT:-56380} # the same server over TLS, a certificate from a CA of its own
KAFKA_PORT=${MG_KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=${MG_KAFKA_CONTROLLER_PORT:-59093}
# A second listener for fault-injection tests: it advertises a port where the test runs a TCP
# proxy that forwards to this listener, so that every connection a client opens after the
# bootstrap (Kafka clients connect to the advertised address) goes through the proxy.
KAFKA_FAULTS_PORT=${MG_KAFKA_FAULTS_PORT:-59094}
KAFKA_FAULTS_PROXY_PORT=${MG_KAFKA_FAULTS_PROXY_PORT:-59095}
# A third listener as managed Kafka services run them: SASL (PLAIN, SCRAM-SHA-256 and -512) over
# TLS, with a certificate from a throwaway CA made here (openssl) and one user.
KAFKA_SECURE_PORT=${MG_KAFKA_SECURE_PORT:-59096}
# A fourth that asks for a client certificate (mutual TLS) from the same CA, as Aiven and MSK offer.
KAFKA_MTLS_PORT=${MG_KAFKA_MTLS_PORT:-59097}
KAFKA_SECURE_USER=marketgraph
KAFKA_SECURE_PASSWORD=marketgraph-secret

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=$CI_DIR/postgres
REDIS_DIR=$CI_DIR/redis
KAFKA_DIR=$CI_DIR/kafka
KAFKA_LIBS=$CACHE_DIR/kafka-libs
M2_REPO=$CACHE_DIR/m2

log() { printf 'services.sh: %s\n' "$*" >&2; }

# die MESSAGE [LOGFILE...]: fail with the tail of the server's logs, so a CI
# failure says which server broke and why without digging for files.
die() {
    log "ERROR: $1"
    shift
    local f
    for f in "$@"; do
        [[ -s $f ]] || continue
        log "last lines of $f:"
        tail -n 40 "$f" | sed 's/^/    /' >&2
    done
    exit 1
}

# ---------------------------------------------------------------- install --

APT_UPDATED=
# apt_install PKG...: install only if missing; `apt-get update` at most once.
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
    if [[ -z $APT_UPDATED ]]; then
        "${apt[@]}" update >/dev/null || die "apt-get update failed"
        APT_UPDATED=1
    fi
    # Keep the packages' own init scripts from starting system-wide servers on
    # the default ports: we run our own instances.
    local own_policy=
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        own_policy=1
    fi
    local rc=0
    "${apt[@]}" install "${missing[@]}" >"$CACHE_DIR/apt.log" 2>&1 || rc=$?
    [[ -z $own_policy ]] || rm -f /usr/sbin/policy-rc.d
    ((rc == 0)) || die "apt-get install ${missing[*]} failed" "$CACHE_DIR/apt.log"
}

# Packages each server needs (binaries checked too, in case of a half install).
packages_for() {
    case $1 in
        postgres) [[ -x $PG_BIN/postgres && -x $PG_BIN/initdb ]] && command -v psql >/dev/null || echo postgresql
                  command -v openssl >/dev/null || echo openssl ;; # the server's certificate
        redis)    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || echo redis-server
                  command -v openssl >/dev/null || echo openssl ;; # the TLS port's certificate
        kafka)    command -v java >/dev/null || echo default-jre-headless
                  command -v mvn >/dev/null || echo maven
                  command -v openssl >/dev/null || echo openssl ;; # the secure listener's certificate
    esac
}

# Kafka has no Debian package and no tarball can be downloaded here, so the
# jars come from Maven Central: .ci/kafka/pom.xml lists the broker and the CLI
# tools, and dependency:copy-dependencies flattens them into one folder that
# serves as Kafka's libs/. A stamp (version + pom hash) makes it a cache.
fetch_kafka() {
    local stamp
    stamp="$KAFKA_VERSION $(sha256sum "$HERE/kafka/pom.xml" | cut -d' ' -f1)"
    [[ -f $KAFKA_LIBS/.stamp && $(<"$KAFKA_LIBS/.stamp") == "$stamp" ]] && return 0
    log "fetching Kafka $KAFKA_VERSION jars (maven)"
    local tmp=$KAFKA_LIBS.tmp.$$ mvnlog=$CACHE_DIR/mvn.log try
    for try in 1 2; do
        rm -rf "$tmp"
        if timeout 900 mvn -B -ntp -f "$HERE/kafka/pom.xml" -Dmaven.repo.local="$M2_REPO" \
            -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$tmp" \
            dependency:copy-dependencies >"$mvnlog" 2>&1; then
            echo "$stamp" >"$tmp/.stamp"
            rm -rf "$KAFKA_LIBS"
            mv "$tmp" "$KAFKA_LIBS"
            return 0
        fi
        log "maven failed (try $try)"
    done
    rm -rf "$tmp"
    die "could not fetch Kafka $KAFKA_VERSION with maven" "$mvnlog"
}

install_for() {
    local pkgs=() s
    # shellcheck disable=SC2207 # package names: plain words
    for s in "$@"; do pkgs+=($(packages_for "$s")); done
    apt_install "${pkgs[@]}"
    [[ " $* " != *" kafka "* ]] || fetch_kafka
}

# -------------------------------------------------------------- processes --

# Each server runs in the foreground of its own session (setsid), so it
# outlives this script and ignores the caller's Ctrl-C. Its process tree is
# signalled by signal_tree: not as one group, since postgres backends leave it.
# CMD must be a real program (setsid execs it), not a shell function.
# fd 9 is our lock: closed so the servers don't hold it forever.
launch() { # PIDFILE LOGFILE CMD...
    local pidfile=$1 logfile=$2 old
    shift 2
    # A killed server lingers as a zombie until init reaps it (~2s here), and
    # postgres refuses to start while the pid in its lock file still exists.
    if [[ -f $pidfile ]] && old=$(<"$pidfile") && [[ -n $old ]]; then
        wait_state "$old" '[!Z]' 10 || true
    fi
    setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
    echo $! >"$pidfile"
}

# proc_state PID: the process's state letter (R, S, T, Z, ...), or "-" if gone.
proc_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -; return; }
    stat=${stat##*) } # skip "pid (comm) ", comm may hold spaces
    echo "${stat%% *}"
}

# wait_state PID PATTERN SECONDS: wait until proc_state matches the glob.
wait_state() {
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        # shellcheck disable=SC2053 # $2 is a glob on purpose
        [[ $(proc_state "$1") == $2 ]] && return 0
        sleep 0.2
    done
    return 1
}

# gone PID: the process has exited entirely. A killed multithreaded server
# (Kafka's JVM) shows its main thread as a zombie while other threads are still
# exiting and holding its ports (measured: ~0.1 s), so a zombie counts only once
# no other thread is left.
gone() {
    local state tasks
    state=$(proc_state "$1")
    [[ $state == [-X] ]] && return 0
    [[ $state == Z ]] || return 1
    tasks=("/proc/$1/task/"*)
    ((${#tasks[@]} <= 1))
}

wait_gone() { # PID SECONDS
    local i
    for ((i = 0; i < $2 * 5; i++)); do
        gone "$1" && return 0
        sleep 0.2
    done
    return 1
}

running_pid() { # PIDFILE -> prints the pid if that process lives (zombies don't)
    local pid
    [[ -f $1 ]] && pid=$(<"$1") && [[ -n $pid && $(proc_state "$pid") != [-ZX] ]] && echo "$pid"
}

# wait_for NAME PIDFILE LOGFILE... -- CHECK...: the one readiness loop. Polls
# CHECK until it succeeds; fails at once if the process died, or on timeout.
wait_for() {
    local name=$1 pidfile=$2 logs=()
    shift 2
    while [[ $1 != -- ]]; do logs+=("$1"); shift; done
    shift
    local deadline=$((SECONDS + START_TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        running_pid "$pidfile" >/dev/null || die "$name exited during startup" "${logs[@]}"
        ((SECONDS < deadline)) || die "$name not ready after ${START_TIMEOUT}s" "${logs[@]}"
        sleep 0.2
    done
}

# children PID: the pids whose parent is PID (read from /proc: no procps needed).
children() {
    local stat rest
    for stat in /proc/[0-9]*/stat; do
        { read -r rest <"$stat"; } 2>/dev/null || continue # gone meanwhile
        rest=${rest##*) } # "STATE PPID ...", after "pid (comm) "
        rest=${rest#* }
        [[ ${rest%% *} == "$1" ]] || continue
        stat=${stat#/proc/}
        echo "${stat%/stat}"
    done
}

tree() { # PID: PID and its descendants
    local child
    echo "$1"
    for child in $(children "$1"); do tree "$child"; done
}

# signal_tree SIGNAL PID: signal the server and every descendant; prints their
# pids. Not the process group alone: each postgres child calls setsid() when it
# is forked, so a group SIGSTOP froze only the postmaster and left every backend
# answering on its open connections. The root is stopped first, so that it forks
# nothing while its children are listed (and a killed root's children are still
# its children when listed).
signal_tree() {
    local sig=$1 pid=$2 pids p
    kill -s STOP -- "-$pid" 2>/dev/null || true
    pids=$(tree "$pid")
    for p in $pids; do kill -s "$sig" "$p" 2>/dev/null || true; done
    kill -s "$sig" -- "-$pid" 2>/dev/null || true
    echo "$pids"
}

# signal_server NAME PIDFILE SIGNAL: signal the server's whole process tree
# and return once it took effect, so fault tests need no sleeps.
signal_server() {
    local name=$1 sig=$3 pid p
    pid=$(running_pid "$2") || die "$name is not running"
    for p in $(signal_tree "$sig" "$pid"); do
        case $sig in
            STOP) wait_state "$p" '[T-]' 10 ;; # -: a child that exited meanwhile
            CONT) wait_state "$p" '[!T]' 10 ;;
            KILL) wait_gone "$p" 10 ;;
        esac || die "$name did not react to SIG$sig"
    done
}

# stop_server NAME PIDFILE SIGNAL: graceful stop (signal to the main process
# only, as its children react differently to it), SIGKILL to all after 30s.
stop_server() {
    local name=$1 pidfile=$2 sig=$3 pid
    if pid=$(running_pid "$pidfile"); then
        signal_tree CONT "$pid" >/dev/null # a paused server can't shut down
        kill -s "$sig" "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 30; then
            log "$name did not stop in 30s, killing it"
            signal_tree KILL "$pid" >/dev/null
            wait_gone "$pid" 10 || true
        fi
    fi
    rm -f "$pidfile"
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuse to start if someone else holds our port: the readiness check could
# otherwise pass against the wrong server.
ports_free() { # NAME PORT...
    local name=$1 port
    shift
    for port in "$@"; do
        ! tcp_open "$port" || die "cannot start $name: 127.0.0.1:$port is already in use by another process"
    done
}

# --------------------------------------------------------------- postgres --

AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups)

launch_postgres() {
    running_pid "$PG_DIR/pid" >/dev/null && return 0
    ports_free postgres "$PG_PORT"
    mkdir -p "$PG_DIR"
    chown postgres: "$PG_DIR"
    "${AS_POSTGRES[@]}" test -w "$PG_DIR" || die "the postgres user cannot write $PG_DIR: put MG_CI_DIR somewhere it can reach"
    if [[ ! -f $PG_DIR/data/PG_VERSION ]]; then
        rm -rf "$PG_DIR/data"
        # trust on the unix socket (our admin connection), real passwords on TCP.
        "${AS_POSTGRES[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
            die "initdb failed" "$PG_DIR/initdb.log"
        # Loopback only; durability off: it is a throwaway test database.
        cat >>"$PG_DIR/data/postgresql.conf" <<EOF

# --- marketgraph CI ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    fi
    write_postgres_tls
    # postgres itself, not pg_ctl, so that it is our pid like the others. TLS is offered, not
    # required: clients choose (POSTGRES_URL's sslmode).
    launch "$PG_DIR/pid" "$PG_DIR/postgres.log" "${AS_POSTGRES[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" \
        -c ssl=on -c "ssl_cert_file=$PG_DIR/tls/server.crt" -c "ssl_key_file=$PG_DIR/tls/server.key"
}

# The server's certificate for 127.0.0.1, from a CA of its own (tls/ca.pem); its key readable by postgres alone.
write_postgres_tls() {
    local d=$PG_DIR/tls
    write_server_tls "$PG_DIR" PostgreSQL
    chown -R postgres: "$d"
    chmod 600 "$d/server.key"
}

ready_postgres() {
    wait_for postgres "$PG_DIR/pid" "$PG_DIR/postgres.log" -- \
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres
    # Role and database, created once (the data dir survives stop-postgres).
    psql -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'EOF' ||
SELECT 'CREATE ROLE marketgraph LOGIN CREATEDB PASSWORD ''marketgraph'''
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marketgraph') \gexec
SELECT 'CREATE DATABASE marketgraph OWNER marketgraph'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'marketgraph') \gexec
EOF
        die "could not create the marketgraph role/database" "$PG_DIR/postgres.log"
}

stop_postgres() { stop_server postgres "$PG_DIR/pid" INT; } # SIGINT = fast shutdown

# ------------------------------------------------------------------ redis --

launch_redis() {
    running_pid "$REDIS_DIR/pid" >/dev/null && return 0
    ports_free redis "$REDIS_PORT" "$REDIS_TLS_PORT"
    mkdir -p "$REDIS_DIR"
    local tls=$REDIS_DIR/tls
    write_server_tls "$REDIS_DIR" Redis
    # No persistence: no RDB snapshots, no AOF. TLS on a port of its own, no client certificate asked.
    launch "$REDIS_DIR/pid" "$REDIS_DIR/redis.log" redis-server \
        --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" \
        --tls-port "$REDIS_TLS_PORT" --tls-cert-file "$tls/server.crt" --tls-key-file "$tls/server.key" \
        --tls-ca-cert-file "$tls/ca.pem" --tls-auth-clients no \
        --save '' --appendonly no --daemonize no
}

ready_redis() {
    wait_for redis "$REDIS_DIR/pid" "$REDIS_DIR/redis.log" -- redis_pong
}
redis_pong() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping) == PONG ]]; }

stop_redis() { stop_server redis "$REDIS_DIR/pid" TERM; }

# ------------------------------------------------------------------ kafka --

# A single KRaft node that is both broker and controller.
write_kafka_config() {
    mkdir -p "$KAFKA_DIR/data"
    cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,FAULTS://127.0.0.1:$KAFKA_FAULTS_PORT,SECURE://127.0.0.1:$KAFKA_SECURE_PORT,MTLS://127.0.0.1:$KAFKA_MTLS_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,FAULTS://127.0.0.1:$KAFKA_FAULTS_PROXY_PORT,SECURE://127.0.0.1:$KAFKA_SECURE_PORT,MTLS://127.0.0.1:$KAFKA_MTLS_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,FAULTS:PLAINTEXT,SECURE:SASL_SSL,MTLS:SSL
listener.name.mtls.ssl.keystore.type=PEM
listener.name.mtls.ssl.keystore.location=$KAFKA_DIR/tls/broker.pem
listener.name.mtls.ssl.truststore.type=PEM
listener.name.mtls.ssl.truststore.location=$KAFKA_DIR/tls/ca.pem
listener.name.mtls.ssl.client.auth=required
listener.name.secure.ssl.keystore.type=PEM
listener.name.secure.ssl.keystore.location=$KAFKA_DIR/tls/broker.pem
listener.name.secure.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.secure.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SECURE_USER="$KAFKA_SECURE_PASSWORD";
listener.name.secure.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.secure.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$KAFKA_DIR/data
num.partitions=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
# After a kill-kafka the restarted broker can only register once the old
# registration's session expired (default 9s): keep that short.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
EOF
    # Kafka 3.9 logs through reload4j (log4j 1.x API), which needs a config:
    # the broker's to a file, the CLI tools' warnings to stderr.
    cat >"$KAFKA_DIR/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$KAFKA_DIR/server.log
log4j.appender.file.Append=false
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
    cat >"$KAFKA_DIR/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# TLS for the servers that offer it: a CA of each server's own (DIR/ca.pem, what clients trust)
# and certificates it signs, made with openssl.
make_ca() { # DIR
    [[ -s $1/ca.pem ]] && return 0
    mkdir -p "$1"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=marketgraph-ci-ca \
        -keyout "$1/ca.key" -out "$1/ca.pem"
}
make_cert() { # DIR NAME CN [SUBJECT-ALT-NAMES]: DIR/NAME.key and DIR/NAME.crt, signed by DIR's CA
    local d=$1 name=$2 cn=$3 san=${4:-}
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$d/$name.key" -out "$d/$name.csr" || return 1
    if [[ -n $san ]]; then
        openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
            -extfile <(printf 'subjectAltName=%s' "$san") -out "$d/$name.crt"
    else
        openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
            -out "$d/$name.crt"
    fi
}

# write_server_tls SERVER-DIR NAME: SERVER-DIR/tls/server.crt and .key for 127.0.0.1, from a CA of
# the server's own (SERVER-DIR/tls/ca.pem), made once.
write_server_tls() {
    local d=$1/tls
    [[ -s $d/server.crt ]] && return 0
    { make_ca "$d" && make_cert "$d" server 127.0.0.1 IP:127.0.0.1,DNS:localhost; } >"$1/openssl.log" 2>&1 ||
        die "could not make $2's certificate" "$1/openssl.log"
}

# The secure listeners' certificates: the broker's key and certificate for 127.0.0.1, both in
# tls/broker.pem as Kafka's PEM keystore takes them, and a client's (tls/client.crt,
# tls/client.key) for the listener that asks for one.
write_kafka_tls() {
    local d=$KAFKA_DIR/tls
    [[ -s $d/broker.pem && -s $d/ca.pem && -s $d/client.crt ]] && return 0
    {
        make_ca "$d" &&
            make_cert "$d" broker 127.0.0.1 IP:127.0.0.1,DNS:localhost &&
            openssl pkcs8 -topk8 -nocrypt -in "$d/broker.key" -out "$d/broker.p8" &&
            cat "$d/broker.p8" "$d/broker.crt" >"$d/broker.pem" &&
            make_cert "$d" client marketgraph
    } >"$KAFKA_DIR/openssl.log" 2>&1 || die "could not make the Kafka secure listener's certificate" "$KAFKA_DIR/openssl.log"
}

# The secure listener's SCRAM credentials live in the cluster's metadata: set (again) once it is up.
add_kafka_scram_user() {
    local mechanism
    kafka_jvm tools-log4j.properties 256m
    for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do # one credential per request
        timeout 60 "${JVM[@]}" kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
            --alter --entity-type users --entity-name "$KAFKA_SECURE_USER" \
            --add-config "$mechanism=[password=$KAFKA_SECURE_PASSWORD]" \
            >"$KAFKA_DIR/scram.log" 2>&1 || die "could not add the Kafka $mechanism user" "$KAFKA_DIR/scram.log"
    done
}

# kafka_jvm LOG4J-CONFIG HEAP: sets JVM=(java ...) with Kafka's jars on the
# classpath (an array, not a function, so setsid/timeout can run it).
kafka_jvm() {
    JVM=(java "-Xmx$2" -XX:+UseG1GC -Djava.awt.headless=true
        "-Dlog4j.configuration=file:$KAFKA_DIR/$1" -cp "$KAFKA_LIBS/*")
}

launch_kafka() {
    running_pid "$KAFKA_DIR/pid" >/dev/null && return 0
    ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_FAULTS_PORT" "$KAFKA_SECURE_PORT" "$KAFKA_MTLS_PORT"
    write_kafka_config
    write_kafka_tls
    if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
        # KRaft needs formatted storage; any random base64url UUID is a cluster id.
        local cluster_id
        cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)
        kafka_jvm tools-log4j.properties 256m
        "${JVM[@]}" kafka.tools.StorageTool format \
            -t "$cluster_id" -c "$KAFKA_DIR/server.properties" --ignore-formatted \
            >"$KAFKA_DIR/format.log" 2>&1 || die "kafka storage format failed" "$KAFKA_DIR/format.log"
    fi
    # A fresh server.log, so "Kafka Server started" can only be this run's.
    rm -f "$KAFKA_DIR/server.log"
    # stdout/stderr (JVM errors only; log4j writes server.log) go to kafka.out.
    kafka_jvm log4j.properties 512m
    launch "$KAFKA_DIR/pid" "$KAFKA_DIR/kafka.out" \
        "${JVM[@]}" -Xms512m -XX:+ExitOnOutOfMemoryError kafka.Kafka "$KAFKA_DIR/server.properties"
}

ready_kafka() {
    wait_for kafka "$KAFKA_DIR/pid" "$KAFKA_DIR/server.log" "$KAFKA_DIR/kafka.out" -- kafka_started
    # A real round trip through the admin API: the broker serves metadata.
    kafka_topics --list >/dev/null 2>"$KAFKA_DIR/check.log" ||
        die "kafka is up but does not answer admin requests" "$KAFKA_DIR/check.log" "$KAFKA_DIR/server.log"
    add_kafka_scram_user
}
kafka_started() {
    tcp_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_DIR/server.log"
}

kafka_topics() { # kafka-topics.sh; the timeout because it retries forever on a dead broker
    kafka_jvm tools-log4j.properties 256m
    timeout 60 "${JVM[@]}" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"
}

stop_kafka() { stop_server kafka "$KAFKA_DIR/pid" TERM; } # SIGTERM = controlled shutdown

# ------------------------------------------------------------------- main --

# $MG_CI_DIR/env and $MG_CI_DIR itself are shared with other .ci scripts
# (weaviate.sh): only add our own lines, and on stop remove only what is ours.
ENV_LINES=(
    "export POSTGRES_URL=postgres://marketgraph:marketgraph@127.0.0.1:$PG_PORT/marketgraph"
    # The same database over TLS, the server's certificate checked against its CA.
    "export POSTGRES_TLS_URL='postgres://marketgraph:marketgraph@127.0.0.1:$PG_PORT/marketgraph?sslmode=verify-full&sslrootcert=$PG_DIR/tls/ca.pem'"
    "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    # The same server over TLS, and the CA that signed its certificate.
    "export REDIS_TLS_URL=rediss://127.0.0.1:$REDIS_TLS_PORT"
    "export REDIS_TLS_CA_FILE=$REDIS_DIR/tls/ca.pem"
    "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
    # Fault tests: a proxy on KAFKA_FAULTS_PROXY_PORT forwarding to this listener.
    "export KAFKA_FAULTS_LISTENER=127.0.0.1:$KAFKA_FAULTS_PORT"
    "export KAFKA_FAULTS_PROXY_PORT=$KAFKA_FAULTS_PROXY_PORT"
    # Security tests: SASL over TLS (the CA that signed the listener's certificate, one user).
    "export KAFKA_SECURE_BROKERS=127.0.0.1:$KAFKA_SECURE_PORT"
    "export KAFKA_SECURE_CA_FILE=$KAFKA_DIR/tls/ca.pem"
    "export KAFKA_SECURE_USER=$KAFKA_SECURE_USER"
    "export KAFKA_SECURE_PASSWORD=$KAFKA_SECURE_PASSWORD"
    # Mutual TLS: the listener, and a client certificate and key from the same CA.
    "export KAFKA_MTLS_BROKERS=127.0.0.1:$KAFKA_MTLS_PORT"
    "export KAFKA_MTLS_CERT_FILE=$KAFKA_DIR/tls/client.crt"
    "export KAFKA_MTLS_KEY_FILE=$KAFKA_DIR/tls/client.key"
)
write_env() {
    local line
    touch "$CI_DIR/env"
    for line in "${ENV_LINES[@]}"; do
        grep -qxF "$line" "$CI_DIR/env" || echo "$line" >>"$CI_DIR/env"
    done
}

stop_all() {
    stop_kafka
    stop_redis
    stop_postgres
    rm -rf "$PG_DIR" "$REDIS_DIR" "$KAFKA_DIR"
    if [[ -f $CI_DIR/env ]]; then
        local rest
        rest=$(grep -vxF -f <(printf '%s\n' "${ENV_LINES[@]}") "$CI_DIR/env" || true)
        if [[ -n $rest ]]; then echo "$rest" >"$CI_DIR/env"; else rm -f "$CI_DIR/env"; fi
    fi
    rmdir "$CI_DIR" 2>/dev/null || true # gone unless another script still uses it
    log "stopped postgres, redis, kafka; removed their data"
}

# start_servers NAME...: install all first (one apt run), launch all, then wait
# for each, so the servers boot in parallel.
start_servers() {
    local s t0=$SECONDS
    install_for "$@"
    for s in "$@"; do "launch_$s"; done
    for s in "$@"; do "ready_$s"; done
    write_env
    log "ready: $* in $((SECONDS - t0))s; settings in $CI_DIR/env"
}

pidfile_of() { case $1 in postgres) echo "$PG_DIR/pid" ;; redis) echo "$REDIS_DIR/pid" ;; kafka) echo "$KAFKA_DIR/pid" ;; esac; }

usage() {
    sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

main() {
    local cmd=${1:-}
    [[ -n $cmd ]] || usage
    shift
    mkdir -p "$CI_DIR" "$CACHE_DIR"
    # One invocation at a time (parallel test workers, a start racing a stop,
    # two checkouts sharing the cache).
    exec 9>"$CACHE_DIR/.lock"
    flock 9

    case $cmd in
        start) start_servers postgres redis kafka ;;
        stop) stop_all ;;
        kafka-topics) flock -u 9; kafka_topics "$@" ;;
        *-postgres | *-redis | *-kafka)
            local action=${cmd%-*} name=${cmd##*-}
            case $action in
                start)  start_servers "$name" ;;
                stop)   "stop_$name" ;;
                pause)  signal_server "$name" "$(pidfile_of "$name")" STOP ;;
                resume) signal_server "$name" "$(pidfile_of "$name")" CONT ;;
                kill)   signal_server "$name" "$(pidfile_of "$name")" KILL ;;
                *) usage ;;
            esac
            ;;
        *) usage ;;
    esac
}

main "$@"
