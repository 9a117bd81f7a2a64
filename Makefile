# The two commands of the README:
#   make up     build and run the platform locally (installs MariaDB/Redis if missing)
#   make test   install what the tests need and run every check and test
#
# Builds go to a cargo target dir outside the clone so fresh clones (CI)
# reuse earlier builds; override with CARGO_TARGET_DIR.

SHELL := /bin/bash
CARGO_TARGET_DIR ?= $(HOME)/.cache/medi-platform/target
export CARGO_TARGET_DIR
# `make up PROFILE=release` runs optimised builds (what the benchmarks use).
PROFILE ?= debug
BIN := $(CARGO_TARGET_DIR)/$(PROFILE)
CARGO_PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,)

.PHONY: up test setup build web env migrate seed bench fmt lint clean-test-dbs

# The services, the nginx gateway (API + SPA) on http://127.0.0.1:8080 and Prometheus on :9090.
up: setup env web
	@trap 'kill $$gw $$prom 2>/dev/null' EXIT; \
	nginx/run-local.sh & gw=$$!; \
	scripts/run-prometheus.sh & prom=$$!; \
	$(BIN)/medictl up

test: setup
	@scripts/test.sh

setup:
	@scripts/setup.sh

# The SPA in web/dist, rebuilt when its sources changed (npm ci + vite build).
web:
	@scripts/build-web.sh

build:
	cargo build --workspace --bins --locked $(CARGO_PROFILE_FLAG)

# A local .env from the documented example, made once and never overwritten;
# a token-signing key is generated into it when it has none.
env: build
	@[ -f .env ] || { cp .env.example .env && echo "created .env from .env.example"; }
	@grep -q '^MEDI_JWT_SIGNING_KEYS=.' .env || { echo "MEDI_JWT_SIGNING_KEYS=$$($(BIN)/medictl keys generate)" >> .env && echo "added a signing key to .env"; }

migrate: build env
	$(BIN)/medictl migrate --create

seed: build env
	$(BIN)/medictl seed

# Drug search throughput and latency against a running `make up`.
bench:
	@bench/drug-search.sh

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets --locked -- -D warnings

# Drops test databases left behind by killed test runs.
clean-test-dbs:
	@mariadb -h127.0.0.1 -uroot -N -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'medi\_t\_%'" \
		| while read -r db; do mariadb -h127.0.0.1 -uroot -e "DROP DATABASE \`$$db\`"; done
