# Shared helpers for the project's scripts. Source it; do not run it.

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup]\033[0m %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_UPDATED=""
# apt_install PKG...: installs the packages that are missing.
apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
    if [ -z "$APT_UPDATED" ]; then
        log "apt-get update"
        $SUDO apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# port_open HOST PORT
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port HOST PORT SECONDS
wait_port() {
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        port_open "$1" "$2" && return 0
        sleep 0.2
    done
    return 1
}

ensure_rust_components() {
    command -v cargo >/dev/null || die "cargo not found: install Rust (rustup) first"
    for c in rustfmt clippy; do
        if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
            log "adding rust component $c"
            rustup component add "$c" >/dev/null 2>&1 || log "warning: could not add $c; its check will be skipped"
        fi
    done
}

# MySQL/MariaDB on 127.0.0.1:3306 with a passwordless root over TCP, which is
# what the local .env and the tests use. An existing server is used as it is.
ensure_mysql() {
    if port_open 127.0.0.1 3306; then
        log "MySQL/MariaDB is running on 127.0.0.1:3306"
        return 0
    fi
    apt_install mariadb-server mariadb-client
    log "starting MariaDB"
    $SUDO service mariadb start >/dev/null 2>&1 \
        || $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    wait_port 127.0.0.1 3306 30 || die "MariaDB did not start on 127.0.0.1:3306"
    # A fresh Debian MariaDB lets root in through the unix socket only.
    if ! mariadb -h127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1; then
        log "allowing passwordless root over TCP (local development only)"
        $SUDO mariadb -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
            CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
            GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
    fi
}

ensure_redis() {
    if port_open 127.0.0.1 6379; then
        log "Redis is running on 127.0.0.1:6379"
        return 0
    fi
    apt_install redis-server
    log "starting Redis"
    $SUDO service redis-server start >/dev/null 2>&1 \
        || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    wait_port 127.0.0.1 6379 15 || die "Redis did not start on 127.0.0.1:6379"
}

# nginx for the gateway, envsubst to render its config, openssl and curl for
# its tests. Any nginx flavour (nginx, nginx-light, nginx-full) will do.
ensure_gateway_tools() {
    command -v nginx >/dev/null || apt_install nginx
    apt_install gettext-base openssl curl
}

# promtool and amtool for the Prometheus and Alertmanager checks, PyYAML for
# the dashboard checker.
ensure_observability_tools() {
    command -v promtool >/dev/null || apt_install prometheus
    command -v amtool >/dev/null || apt_install prometheus-alertmanager
    python3 -c 'import yaml' 2>/dev/null || apt_install python3-yaml
}

# Chromium for the browser tests (driven by playwright-core; never a downloaded
# browser), Node + npm for the SPA build and its tests.
ensure_browser_tools() {
    # MEDI_E2E_CHROMIUM names another Chromium/Chrome binary (e.g. on CI images)
    [ -x "${MEDI_E2E_CHROMIUM:-/usr/bin/chromium}" ] || apt_install chromium
    # Korean glyphs for the screenshots (Chromium renders boxes without a CJK font)
    apt_install fonts-nanum
    command -v node >/dev/null || apt_install nodejs npm
    command -v npm >/dev/null || apt_install npm
    command -v redis-cli >/dev/null || apt_install redis-tools
}

# node_modules of web/ and e2e/ from their lock files (npm ci), when missing or stale.
ensure_web_deps() {
    local d
    for d in web e2e; do
        [ -f "$d/package-lock.json" ] || continue
        if [ ! -f "$d/node_modules/.package-lock.json" ] || [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
            log "npm ci in $d/"
            (cd "$d" && npm ci --no-audit --no-fund --loglevel=error) || return 1
        fi
    done
}

# What the `faiss` crate's `static` feature needs to build FAISS from source
# (chatbot retrieval, medictl index build): cmake, a C++ compiler, BLAS/LAPACK
# and OpenMP.
ensure_faiss_build_deps() {
    apt_install cmake g++ make libopenblas-dev liblapack-dev libgomp1
}
