//! The durable archive of signed-in users' conversations.
//!
//! Every turn is added to a Redis stream in the same MULTI that writes the
//! history window, so a turn Redis accepted is never lost, and the request
//! never waits on MySQL. A consumer group persists the stream into each
//! user's shard with `INSERT IGNORE` keyed by message id (at least once,
//! stored once), acknowledges, and deletes the entry. Entries a crashed
//! consumer left unacknowledged are claimed again after [`CLAIM_IDLE`].

use std::collections::HashMap;
use std::time::Duration;

use kit::Ctx;
use redis::streams::{StreamAutoClaimOptions, StreamAutoClaimReply, StreamReadOptions, StreamReadReply};
use redis::AsyncCommands;

pub const GROUP: &str = "archivers";
/// An entry unacknowledged this long is taken over by another consumer.
pub const CLAIM_IDLE: Duration = Duration::from_secs(30);

pub fn stream_key(ctx: &Ctx) -> String {
    ctx.redis.key(&["chat", "archive"])
}

/// Creates the consumer group (and the stream) if needed.
pub async fn ensure_group(ctx: &Ctx) -> redis::RedisResult<()> {
    let mut conn = ctx.redis.conn().await?;
    let created: redis::RedisResult<()> = conn.xgroup_create_mkstream(stream_key(ctx), GROUP, "0").await;
    match created {
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
        other => other,
    }
}

/// One archived turn as it travels in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedTurn {
    pub message_id: String,
    pub user_id: String,
    pub shard: u16,
    pub session_id: String,
    pub role: String,
    pub text: String,
    pub created_at: i64,
}

impl ArchivedTurn {
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("message_id", self.message_id.clone()),
            ("user_id", self.user_id.clone()),
            ("shard", self.shard.to_string()),
            ("session_id", self.session_id.clone()),
            ("role", self.role.clone()),
            ("text", self.text.clone()),
            ("created_at", self.created_at.to_string()),
        ]
    }

    fn from_map(map: &HashMap<String, redis::Value>) -> Option<ArchivedTurn> {
        let get = |k: &str| map.get(k).and_then(|v| redis::from_redis_value::<String>(v).ok());
        Some(ArchivedTurn {
            message_id: get("message_id")?,
            user_id: get("user_id")?,
            shard: get("shard")?.parse().ok()?,
            session_id: get("session_id")?,
            role: get("role")?,
            text: get("text")?,
            created_at: get("created_at")?.parse().ok()?,
        })
    }
}

/// Persists one turn; a second delivery of the same message is a no-op.
async fn persist(ctx: &Ctx, turn: &ArchivedTurn) -> anyhow::Result<()> {
    let pool = ctx.db.shard(turn.shard)?;
    sqlx::query(
        "INSERT IGNORE INTO chat_messages (message_id, user_id, session_id, role, text, created_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&turn.message_id)
    .bind(&turn.user_id)
    .bind(&turn.session_id)
    .bind(&turn.role)
    .bind(&turn.text)
    .bind(turn.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub stored: usize,
    /// Entries left for a later pass (their shard was down).
    pub failed: usize,
}

/// Claims entries left by a crashed consumer, reads new ones, persists and
/// acknowledges them. `ack` is false only in tests that simulate a crash
/// between the database write and the acknowledgement.
pub async fn pass(ctx: &Ctx, consumer: &str, count: usize, block: Duration, ack: bool) -> anyhow::Result<PassReport> {
    pass_with_idle(ctx, consumer, count, block, ack, CLAIM_IDLE).await
}

pub async fn pass_with_idle(
    ctx: &Ctx,
    consumer: &str,
    count: usize,
    block: Duration,
    ack: bool,
    claim_idle: Duration,
) -> anyhow::Result<PassReport> {
    let mut conn = ctx.redis.dedicated().await?;
    pass_on(ctx, &mut conn, consumer, count, block, ack, claim_idle).await
}

/// One pass on a connection of the consumer's own: the blocking read must
/// not hold up the requests sharing the service's Redis connection.
async fn pass_on(
    ctx: &Ctx,
    conn: &mut redis::aio::MultiplexedConnection,
    consumer: &str,
    count: usize,
    block: Duration,
    ack: bool,
    claim_idle: Duration,
) -> anyhow::Result<PassReport> {
    let key = stream_key(ctx);
    let mut entries: Vec<(String, HashMap<String, redis::Value>)> = Vec::new();
    let claimed: StreamAutoClaimReply = conn
        .xautoclaim_options(
            &key,
            GROUP,
            consumer,
            claim_idle.as_millis() as u64,
            "0-0",
            StreamAutoClaimOptions::default().count(count),
        )
        .await?;
    entries.extend(claimed.claimed.into_iter().map(|e| (e.id, e.map)));
    if entries.is_empty() {
        let opts = StreamReadOptions::default().group(GROUP, consumer).count(count).block(block.as_millis() as usize);
        let reply: Option<StreamReadReply> = conn.xread_options(&[&key], &[">"], &opts).await?;
        for k in reply.map(|r| r.keys).unwrap_or_default() {
            entries.extend(k.ids.into_iter().map(|e| (e.id, e.map)));
        }
    }
    let mut report = PassReport::default();
    for (id, map) in entries {
        let Some(turn) = ArchivedTurn::from_map(&map) else {
            // Malformed entries are dropped rather than blocking the stream.
            tracing::error!(entry = %id, "malformed archive entry dropped");
            let _: redis::RedisResult<()> =
                redis::pipe().xack(&key, GROUP, &[&id]).xdel(&key, &[&id]).query_async(conn).await;
            continue;
        };
        match persist(ctx, &turn).await {
            Ok(()) => {
                report.stored += 1;
                if ack {
                    redis::pipe().atomic().xack(&key, GROUP, &[&id]).xdel(&key, &[&id]).query_async::<()>(conn).await?;
                }
            }
            Err(e) => {
                report.failed += 1;
                tracing::warn!(error = %e, shard = turn.shard, "archive write failed; will retry");
            }
        }
    }
    Ok(report)
}

/// Entries not yet archived (in the stream and not acknowledged).
pub async fn lag(ctx: &Ctx) -> redis::RedisResult<u64> {
    let mut conn = ctx.redis.conn().await?;
    conn.xlen(stream_key(ctx)).await
}

/// The archive consumer: runs until the process stops.
pub async fn run(ctx: Ctx, consumer: String) {
    let mut dedicated: Option<redis::aio::MultiplexedConnection> = None;
    loop {
        if let Err(e) = ensure_group(&ctx).await {
            tracing::warn!(error = %e, "archive: cannot reach Redis; retrying");
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        if dedicated.is_none() {
            dedicated = ctx.redis.dedicated().await.ok();
        }
        let Some(conn) = dedicated.as_mut() else {
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        };
        let outcome = pass_on(&ctx, conn, &consumer, 100, Duration::from_secs(1), true, CLAIM_IDLE).await;
        if outcome.is_err() {
            // Reconnect next time.
            dedicated = None;
        }
        match outcome {
            Ok(report) if report.failed > 0 => tokio::time::sleep(Duration::from_secs(2)).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "archive pass failed; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
        if let Ok(n) = lag(&ctx).await {
            metrics::gauge!("chatbot_archive_stream_lag", "service" => "chatbot").set(n as f64);
        }
    }
}

/// The last `limit` archived turns of a session, oldest first (used when
/// the Redis window is gone).
pub async fn recent(
    ctx: &Ctx,
    shard: u16,
    user_id: &str,
    session_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<(String, String, String, i64)>> {
    let pool = ctx.db.shard(shard)?;
    let mut rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT message_id, role, text, created_at FROM chat_messages WHERE user_id = ? AND session_id = ? \
         ORDER BY created_at DESC, role ASC LIMIT ?",
    )
    .bind(user_id)
    .bind(session_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.reverse();
    Ok(rows)
}
