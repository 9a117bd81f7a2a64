#!/usr/bin/env bash
# Runs Prometheus for `make up`, scraping every local service with the same
# rules as production: http://127.0.0.1:9090. Skips (with a note) when
# promtool's prometheus is not installed or the port is taken (for example
# by the Debian package's own service).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
PORT=${MEDI_PROMETHEUS_PORT:-9090}
if ! command -v prometheus >/dev/null; then
    log "prometheus not installed; skipping (apt-get install prometheus)"
    exit 0
fi
if port_open 127.0.0.1 "$PORT"; then
    log "port $PORT is taken; not starting Prometheus (is the system one running?)"
    exit 0
fi
data=${MEDI_PROMETHEUS_DATA:-$HOME/.cache/medi-platform/prometheus}
mkdir -p "$data"
log "prometheus: http://127.0.0.1:$PORT"
exec prometheus --config.file=prometheus/prometheus.local.yml --storage.tsdb.path="$data" \
    --web.listen-address="127.0.0.1:$PORT" --log.level=warn
