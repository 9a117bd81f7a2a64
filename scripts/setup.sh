#!/usr/bin/env bash
# Installs and starts what `make up` and `make test` need on a Debian/Ubuntu
# machine, reusing whatever is already there. Safe to run again.
#
#   scripts/setup.sh            stores (MariaDB/MySQL + Redis) and Rust components,
#                               nginx, Prometheus tools, Chromium + Node deps of web/ and e2e/
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust_components
ensure_faiss_build_deps
ensure_mysql
ensure_redis
ensure_gateway_tools
ensure_observability_tools
ensure_browser_tools
ensure_web_deps
