#!/usr/bin/env bash
# Runs the whole platform for a test suite on its own databases, Redis prefix
# and ports, so suites (and a `make up` on the default ports) never collide.
#
#   scripts/stack.sh start NAME PORT_BASE   build, create + migrate + seed, start all six services
#                                           on PORT_BASE+1 .. PORT_BASE+6, wait until ready
#   scripts/stack.sh stop NAME              stop them, drop the databases and Redis keys
#
# `start` writes var/stack/NAME/env (sourceable exports: every MEDI_* setting,
# plus STACK_LOG and the MEDI_UPSTREAM_* the gateway renderer reads) and
# leaves the services running in the background; their output goes to
# var/stack/NAME/services.log. Databases are named medi_t_stack_NAME_*, so
# `make clean-test-dbs` also drops ones left by a killed run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

usage() { echo "usage: $0 start NAME PORT_BASE | stop NAME" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
name=$2
[[ "$name" =~ ^[a-z0-9_]+$ ]] || die "stack name must be [a-z0-9_]+: $name"
dir=var/stack/$name
: "${CARGO_TARGET_DIR:=$HOME/.cache/medi-platform/target}"
export CARGO_TARGET_DIR
bin=$CARGO_TARGET_DIR/debug
db_prefix=medi_t_stack_${name}
redis_prefix=medi:t:stack:${name}

services=(CHATBOT CATEGORY CLINIC DRUG EMERGENCY_SUPPORT INTERNAL_EXTERNAL)

stop() {
    if [ -f "$dir/pid" ]; then
        local pid
        pid=$(cat "$dir/pid")
        # medictl up forwards SIGTERM to each service and waits for their drain.
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$dir/pid"
    fi
    for db in global shard_0 shard_1; do
        mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS \`${db_prefix}_${db}\`" 2>/dev/null || true
    done
    if command -v redis-cli >/dev/null; then
        redis-cli -h 127.0.0.1 --scan --pattern "${redis_prefix}:*" | xargs -r -n 500 redis-cli -h 127.0.0.1 del >/dev/null || true
    fi
}

start() {
    local base=$1
    [[ "$base" =~ ^[0-9]+$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65000 ] || die "PORT_BASE must be 1024..65000: $base"
    stop
    mkdir -p "$dir"
    log "stack $name: building the service binaries"
    cargo build --workspace --bins --locked -q
    local key i port
    key=$("$bin/medictl" keys generate --kid "stack-$name")
    {
        echo "export MEDI_ENV=stack-$name"
        echo "export MEDI_BIND_HOST=127.0.0.1"
        echo "export MEDI_GLOBAL_DATABASE_URL=mysql://root@127.0.0.1:3306/${db_prefix}_global"
        echo "export MEDI_SHARD_DATABASE_URLS=mysql://root@127.0.0.1:3306/${db_prefix}_shard_0,mysql://root@127.0.0.1:3306/${db_prefix}_shard_1"
        echo "export MEDI_REDIS_URL=redis://127.0.0.1:6379"
        echo "export MEDI_REDIS_PREFIX=$redis_prefix"
        echo "export MEDI_JWT_SIGNING_KEYS=$key"
        echo "export MEDI_LOG_FORMAT=json"
        echo "export MEDI_LOG=info,sqlx=warn"
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

case "$cmd" in
    start) [ $# -eq 3 ] || usage; start "$3" ;;
    stop) stop ;;
    *) usage ;;
esac
