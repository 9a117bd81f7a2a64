//! `GET /health/live` (the process is up) and `GET /health/ready` (every
//! store this service depends on answers). Readiness checks run concurrently,
//! each bounded by a timeout, and name each store's state in the body.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::Ctx;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Liveness {
    pub status: String,
    pub service: String,
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    pub service: String,
    /// One entry per store: `global_db`, `shard_0`..`shard_N`, `redis`.
    pub checks: BTreeMap<String, CheckResult>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckResult {
    /// `up` or `down`.
    pub status: String,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn live(State(ctx): State<Ctx>) -> Json<Liveness> {
    Json(Liveness {
        status: "live".into(),
        service: ctx.service.to_string(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

async fn timed<F>(timeout: Duration, check: F) -> CheckResult
where
    F: std::future::Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    let outcome = match tokio::time::timeout(timeout, check).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(format!("no answer within {} ms", timeout.as_millis())),
    };
    CheckResult {
        status: if outcome.is_none() { "up" } else { "down" }.into(),
        latency_ms: (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        error: outcome,
    }
}

/// Checks every store and returns 200 when all are up, 503 otherwise.
pub async fn check_all(ctx: &Ctx) -> (StatusCode, Readiness) {
    let timeout = ctx.config.health_check_timeout;
    let global = async {
        let r = timed(timeout, async {
            sqlx::query("SELECT 1").execute(&ctx.db.global).await.map(|_| ()).map_err(|e| e.to_string())
        })
        .await;
        ("global_db".to_string(), r)
    };
    let shards = join_all(ctx.db.shards().map(|(id, pool)| async move {
        let r = timed(timeout, async move {
            // The stamp check also catches a shard list that was reordered.
            match crate::db::shard_stamp(pool).await {
                Ok(Some(stamped)) if stamped == id => Ok(()),
                Ok(Some(stamped)) => Err(format!("database is stamped as shard {stamped}")),
                Ok(None) => Err("shard is not migrated".to_string()),
                Err(e) => Err(e.to_string()),
            }
        })
        .await;
        (format!("shard_{id}"), r)
    }));
    let redis = async {
        let r = timed(timeout, async { ctx.redis.ping().await.map_err(|e| e.to_string()) }).await;
        ("redis".to_string(), r)
    };
    let (global, shards, redis) = tokio::join!(global, shards, redis);

    let mut checks = BTreeMap::new();
    checks.insert(global.0, global.1);
    checks.extend(shards);
    checks.insert(redis.0, redis.1);
    let all_up = checks.values().all(|c| c.status == "up");
    for (name, c) in checks.iter().filter(|(_, c)| c.status != "up") {
        tracing::warn!(store = %name, error = ?c.error, "readiness check failed");
    }
    let status = if all_up { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Readiness {
        status: if all_up { "ready" } else { "not_ready" }.into(),
        service: ctx.service.to_string(),
        checks,
    };
    (status, body)
}

pub async fn ready(State(ctx): State<Ctx>) -> (StatusCode, Json<Readiness>) {
    let (status, body) = check_all(&ctx).await;
    (status, Json(body))
}
