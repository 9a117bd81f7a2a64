#!/usr/bin/env bash
# Runs the whole platform for a test suite on its own databases, Redis prefix
# and ports, so suites (and a `make up` on the default ports) never collide.
#
#   scripts/stack.sh start NAME PORT_BASE   build, create + migrate + seed, start all six services
#                                           on PORT_BASE+1 .. PORT_BASE+6, wait until ready
#   scripts/stack.sh stop NAME              stop them, drop the databases and Redis keys
#   scripts/stack.sh pid NAME SERVICE       the pid of one running service process (e.g. to
#                                           freeze it with SIGSTOP for a failure test; SIGCONT
#                                           it again, `stop` also does)
#   scripts/stack.sh sql NAME SQL           runs SQL on the stack's MySQL server (tab-separated,
#                                           no header), e.g. to look into its shard databases
#
# The servers are MEDI_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306) and
# MEDI_TEST_REDIS_URL (default redis://127.0.0.1:6379), as for `cargo test`.
#
# `start` writes var/stack/NAME/env (sourceable exports: every MEDI_* setting,
# plus STACK_LOG and the MEDI_UPSTREAM_* the gateway renderer reads) and
# leaves the services running in the background; their output goes to
# var/stack/NAME/services.log. The binaries are copied to var/stack/NAME/bin
# right after the build, so another work tree building into the same shared
# CARGO_TARGET_DIR cannot swap them under a running stack. Databases are named medi_t_stack_NAME_*, so
# `make clean-test-dbs` also drops ones left by a killed run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

usage() { echo "usage: $0 start NAME PORT_BASE | stop NAME | pid NAME SERVICE | sql NAME SQL" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
name=$2
[[ "$name" =~ ^[a-z0-9_]+$ ]] || die "stack name must be [a-z0-9_]+: $name"
dir=var/stack/$name
: "${CARGO_TARGET_DIR:=$HOME/.cache/medi-platform/target}"
export CARGO_TARGET_DIR
built=$CARGO_TARGET_DIR/debug
bin=$(pwd)/$dir/bin
db_prefix=medi_t_stack_${name}
redis_prefix=medi:t:stack:${name}
mysql_url=${MEDI_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
mysql_url=${mysql_url%/}
redis_url=${MEDI_TEST_REDIS_URL:-redis://127.0.0.1:6379}

# sql QUERY: runs QUERY on the MySQL server of mysql_url (mariadb or mysql client).
sql() {
    local rest=${mysql_url#mysql://} userinfo hostport user pass host port client
    if [[ "$rest" == *@* ]]; then userinfo=${rest%@*}; hostport=${rest##*@}; else userinfo=root; hostport=$rest; fi
    user=${userinfo%%:*}
    pass=""; [[ "$userinfo" == *:* ]] && pass=${userinfo#*:}
    host=${hostport%%:*}; port=3306; [[ "$hostport" == *:* ]] && port=${hostport##*:}
    client=$(command -v mariadb || command -v mysql) || die "no mariadb/mysql client"
    MYSQL_PWD=$pass "$client" -h"$host" -P"$port" -u"$user" -N -B -e "$1"
}

services=(CHATBOT CATEGORY CLINIC DRUG EMERGENCY_SUPPORT INTERNAL_EXTERNAL)
binaries=(chatbot category clinic drug emergency-support internal_external medictl)

# The service processes medictl started (pid and binary path per line).
children() { ps -o pid=,args= --ppid "$1" 2>/dev/null || true; }

stop() {
    if [ -f "$dir/pid" ]; then
        local pid kids
        pid=$(cat "$dir/pid")
        kids=$(children "$pid" | awk '{print $1}')
        # A service frozen by a test (SIGSTOP) would never see the SIGTERM.
        for k in $kids; do kill -CONT "$k" 2>/dev/null || true; done
        # medictl up forwards SIGTERM to each service and waits for their drain.
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            # medictl's kill-on-drop does not run on SIGKILL: end its children too.
            for k in $kids; do kill -KILL "$k" 2>/dev/null || true; done
        fi
        rm -f "$dir/pid"
    fi
    for db in global shard_0 shard_1; do
        sql "DROP DATABASE IF EXISTS \`${db_prefix}_${db}\`" 2>/dev/null || true
    done
    if command -v redis-cli >/dev/null; then
        redis-cli -u "$redis_url" --scan --pattern "${redis_prefix}:*" | xargs -r -n 500 redis-cli -u "$redis_url" del >/dev/null || true
    fi
}

start() {
    local base=$1
    [[ "$base" =~ ^[0-9]+$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65000 ] || die "PORT_BASE must be 1024..65000: $base"
    stop
    local key i port
    for i in 1 2 3 4 5 6; do
        port_open 127.0.0.1 $((base + i)) && die "port $((base + i)) is taken (another stack or \`make up\`?); pick another PORT_BASE"
    done
    mkdir -p "$dir/bin"
    log "stack $name: building the service binaries"
    cargo build --workspace --bins --locked -q
    for b in "${binaries[@]}"; do cp -f "$built/$b" "$bin/$b"; done
    key=$("$bin/medictl" keys generate --kid "stack-$name")
    {
        echo "export MEDI_ENV=stack-$name"
        echo "export MEDI_BIND_HOST=127.0.0.1"
        echo "export MEDI_GLOBAL_DATABASE_URL=${mysql_url}/${db_prefix}_global"
        echo "export MEDI_SHARD_DATABASE_URLS=${mysql_url}/${db_prefix}_shard_0,${mysql_url}/${db_prefix}_shard_1"
        echo "export MEDI_REDIS_URL=${redis_url}"
        echo "export MEDI_REDIS_PREFIX=$redis_prefix"
        echo "export MEDI_JWT_SIGNING_KEYS=$key"
        echo "export MEDI_LOG_FORMAT=json"
        echo "export MEDI_LOG=info,sqlx=warn"
        # Offline answers, whatever a developer's .env configures.
        echo "export MEDI_LLM_BASE_URL="
        i=1
        for s in "${services[@]}"; do
            port=$((base + i))
            echo "export MEDI_${s}_PORT=$port"
            echo "export MEDI_${s}_URL=http://127.0.0.1:$port"
            echo "export MEDI_UPSTREAM_${s}=127.0.0.1:$port"
            i=$((i + 1))
        done
        echo "export MEDI_AUTH_JWKS_URL=http://127.0.0.1:$((base + 1))/account/.well-known/jwks.json"
        echo "export MEDI_AUTH_TOKEN_URL=http://127.0.0.1:$((base + 1))/account/oauth/token"
        echo "export STACK_LOG=$(pwd)/$dir/services.log"
    } >"$dir/env"
    log "stack $name: starting the services on ports $((base + 1))-$((base + 6))"
    # A subshell with only the stack's settings: no .env in the way (the
    # config reads .env from the working directory, so run from $dir).
    (
        set -a
        source "$dir/env"
        set +a
        cd "$dir"
        exec "$bin/medictl" up --bin-dir "$bin" >services.log 2>&1
    ) &
    echo $! >"$dir/pid"
    for _ in $(seq 1 600); do
        if grep -q '^medi is up' "$dir/services.log" 2>/dev/null; then
            log "stack $name: up (env in $dir/env, logs in $dir/services.log)"
            return 0
        fi
        kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
        sleep 0.2
    done
    tail -n 40 "$dir/services.log" >&2 || true
    stop
    die "stack $name did not start"
}

pid_of() {
    local svc=$1 pid
    [ -f "$dir/pid" ] || die "stack $name is not running"
    pid=$(children "$(cat "$dir/pid")" | awk -v b="$bin/$svc" '$2 == b {print $1}')
    [ -n "$pid" ] || die "stack $name runs no $svc"
    echo "$pid"
}

case "$cmd" in
    start) [ $# -eq 3 ] || usage; start "$3" ;;
    stop) stop ;;
    pid) [ $# -eq 3 ] || usage; pid_of "$3" ;;
    sql) [ $# -eq 3 ] || usage; sql "$3" ;;
    *) usage ;;
esac
