//! Prometheus metrics through `metrics` + `metrics-exporter-prometheus`.
//!
//! Histograms use explicit buckets so they aggregate across instances. The
//! `service` label is set on every series explicitly (not as a global label)
//! so several services can share one process in tests.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds: 1 ms .. 30 s.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "http_request_duration_seconds";
pub const HTTP_REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";
pub const BUILD_INFO: &str = "build_info";
pub const CACHE_REQUESTS_TOTAL: &str = "cache_requests_total";
pub const REDIS_ERRORS_TOTAL: &str = "redis_errors_total";
pub const UPSTREAM_REQUESTS_TOTAL: &str = "upstream_requests_total";
pub const UPSTREAM_REQUEST_DURATION_SECONDS: &str = "upstream_request_duration_seconds";
pub const REDIS_COMMAND_DURATION_SECONDS: &str = "redis_command_duration_seconds";
pub const DB_POOL_CONNECTIONS: &str = "db_pool_connections";
pub const DB_POOL_MAX_CONNECTIONS: &str = "db_pool_max_connections";
pub const DB_POOL_ACQUIRE_SECONDS: &str = "db_pool_acquire_seconds";
pub const STORE_UP: &str = "store_up";
pub const STORE_CHECK_DURATION_SECONDS: &str = "store_check_duration_seconds";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once and returns its handle.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_string()), LATENCY_BUCKETS)
                .expect("static bucket list is non-empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may exist in odd test set-ups; then ours only
            // renders what it sees, which is nothing, and that is visible.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                })
                .ok();
            handle
        })
        .clone()
}

/// Publishes `build_info{service,version,commit} 1`.
pub fn record_build_info(service: &'static str) {
    let commit = option_env!("MEDI_GIT_COMMIT").unwrap_or("unknown");
    metrics::gauge!(BUILD_INFO, "service" => service, "version" => env!("CARGO_PKG_VERSION"), "commit" => commit)
        .set(1.0);
}

/// The Redis error counters created at zero on start: connecting and the
/// cache's reads and writes (every other `op` appears on its first failure).
pub const REDIS_OPS_AT_ZERO: &[&str] = &["connect", "get", "setex"];

/// Creates the error counters at zero, so a dashboard or alert sees `0`
/// (and `rate()` works) before the first failure instead of no series.
pub fn register_error_counters(service: &'static str) {
    for op in REDIS_OPS_AT_ZERO {
        metrics::counter!(REDIS_ERRORS_TOTAL, "service" => service, "op" => *op).increment(0);
    }
}

/// Counts one failed Redis command (`op="connect"`: no connection).
pub fn redis_error(service: &'static str, op: &'static str) {
    metrics::counter!(REDIS_ERRORS_TOTAL, "service" => service, "op" => op).increment(1);
}

/// `GET /metrics` in the Prometheus text format. Each scrape first refreshes
/// the pool gauges and checks every store, so `store_up` and the pool use
/// are current without a background task.
pub async fn render(State(ctx): State<crate::Ctx>) -> impl IntoResponse {
    record_pools(&ctx);
    record_acquire_wait(&ctx).await;
    let (_, readiness) = crate::health::check_all(&ctx).await;
    for (store, check) in &readiness.checks {
        let labels = [("service", ctx.service.to_string()), ("store", store.clone())];
        metrics::gauge!(STORE_UP, &labels).set(if check.status == "up" { 1.0 } else { 0.0 });
        metrics::gauge!(STORE_CHECK_DURATION_SECONDS, &labels).set(check.latency_ms / 1000.0);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render())
}

/// Pool size by state (`idle`, `active`) and the configured maximum, per
/// database (`global`, `shard_0`...).
pub fn record_pools(ctx: &crate::Ctx) {
    let max = f64::from(ctx.config.db.max_connections);
    let mut pools = vec![("global".to_string(), &ctx.db.global)];
    pools.extend(ctx.db.shards().map(|(id, p)| (format!("shard_{id}"), p)));
    for (database, pool) in pools {
        let size = f64::from(pool.size());
        let idle = pool.num_idle() as f64;
        let base = [("service", ctx.service.to_string()), ("database", database)];
        let with_state = |state: &str| {
            let mut l = base.to_vec();
            l.push(("state", state.to_string()));
            l
        };
        metrics::gauge!(DB_POOL_CONNECTIONS, &with_state("idle")).set(idle);
        metrics::gauge!(DB_POOL_CONNECTIONS, &with_state("active")).set((size - idle).max(0.0));
        metrics::gauge!(DB_POOL_MAX_CONNECTIONS, &base).set(max);
    }
}

/// How long getting a connection from each pool takes right now (the wait a
/// request would see), sampled once per scrape with the health timeout.
pub async fn record_acquire_wait(ctx: &crate::Ctx) {
    let mut pools = vec![("global".to_string(), ctx.db.global.clone())];
    pools.extend(ctx.db.shards().map(|(id, p)| (format!("shard_{id}"), p.clone())));
    let timeout = ctx.config.health_check_timeout;
    let probes = pools.into_iter().map(|(database, pool)| async move {
        let started = Instant::now();
        let waited = match tokio::time::timeout(timeout, pool.acquire()).await {
            Ok(Ok(_connection)) => started.elapsed().as_secs_f64(),
            // Could not get one in time: report the whole budget.
            _ => timeout.as_secs_f64(),
        };
        (database, waited)
    });
    for (database, waited) in futures::future::join_all(probes).await {
        metrics::gauge!(DB_POOL_ACQUIRE_SECONDS, "service" => ctx.service, "database" => database).set(waited);
    }
}

/// Times one Redis command (`get`, `setex`, `incr`, `ping`, `pipeline`...).
pub fn redis_command(service: &'static str, op: &'static str, started: Instant) {
    metrics::histogram!(REDIS_COMMAND_DURATION_SECONDS, "service" => service, "op" => op)
        .record(started.elapsed().as_secs_f64());
}

/// Per-route request count, latency and in-flight gauge. The route label is
/// the matched template (`/drug/{id}`), never the raw path, so cardinality
/// stays bounded; unmatched requests are grouped as `unmatched`.
pub async fn track_http(State(service): State<&'static str>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let in_flight = metrics::gauge!(HTTP_REQUESTS_IN_FLIGHT, "service" => service);
    in_flight.increment(1.0);
    let started = Instant::now();
    let response = next.run(req).await;
    in_flight.decrement(1.0);
    let status = response.status().as_u16().to_string();
    let labels = [("service", service.to_string()), ("route", route), ("method", method), ("status", status)];
    metrics::counter!(HTTP_REQUESTS_TOTAL, &labels).increment(1);
    metrics::histogram!(HTTP_REQUEST_DURATION_SECONDS, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// Counts a cache lookup: `result` is `hit`, `miss` or `error`.
pub fn cache_lookup(service: &'static str, cache: &'static str, result: &'static str) {
    metrics::counter!(CACHE_REQUESTS_TOTAL, "service" => service, "cache" => cache, "result" => result).increment(1);
}
