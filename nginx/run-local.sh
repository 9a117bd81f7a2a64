#!/usr/bin/env bash
# Renders the local gateway config into var/nginx (gitignored) and runs nginx in
# the foreground as the current user: http://127.0.0.1:${MEDI_LISTEN_PORT:-8080}.
# Ctrl-c (or SIGTERM) stops it. Any MEDI_* variable of render.sh overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null || { echo "run-local.sh: nginx missing (apt-get install nginx-light or nginx)" >&2; exit 1; }
out=${MEDI_NGINX_DIR:-var/nginx}
nginx/render.sh local "$out" >/dev/null
out=$(cd "$out" && pwd)
nginx -q -t -e "$out/logs/error.log" -p "$out" -c "$out/medi.conf"
echo "gateway: http://127.0.0.1:${MEDI_LISTEN_PORT:-8080} (logs in $out/logs)"
exec nginx -e "$out/logs/error.log" -p "$out" -c "$out/medi.conf" -g 'daemon off;'
