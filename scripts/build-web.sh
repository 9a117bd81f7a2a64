#!/usr/bin/env bash
# Builds the SPA into web/dist (what nginx serves) when it is missing or older
# than its sources. `make up` runs it; `--force` always rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

command -v npm >/dev/null || ensure_browser_tools
ensure_web_deps
if [ "${1:-}" != "--force" ] && [ -f web/dist/index.html ] \
    && [ -z "$(find web/src web/public web/index.html web/vite.config.js web/package-lock.json -newer web/dist/index.html -print -quit)" ]; then
    exit 0
fi
log "building the SPA (web/dist)"
(cd web && npx vite build --logLevel warn)
