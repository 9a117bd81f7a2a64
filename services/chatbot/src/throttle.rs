//! Login throttling in Redis: failed logins per account and per client
//! address in a 15-minute window. Redis being down never blocks a login.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use kit::{Error, RedisStore};
use redis::AsyncCommands;

use crate::settings::sha256_hex;

pub const WINDOW_SECS: u64 = 15 * 60;
pub const MAX_PER_ACCOUNT: i64 = 5;
pub const MAX_PER_ADDRESS: i64 = 20;

/// The client's address: the first `X-Forwarded-For` entry, else the peer.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 64);
        let addr = match forwarded {
            Some(a) => a.to_string(),
            None => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip().to_string())
                .unwrap_or_else(|| "unknown".to_string()),
        };
        Ok(ClientAddr(addr))
    }
}

pub fn account_key(redis: &RedisStore, email: &str) -> String {
    redis.key(&["throttle", "login", "account", &sha256_hex(email)])
}

fn address_key(redis: &RedisStore, addr: &str) -> String {
    redis.key(&["throttle", "login", "addr", &sha256_hex(addr)])
}

/// 429 when either counter is at its limit.
pub async fn check(redis: &RedisStore, email: &str, addr: &str) -> Result<(), Error> {
    let result: redis::RedisResult<Option<u64>> = async {
        let mut conn = redis.conn().await?;
        for (key, max) in [(account_key(redis, email), MAX_PER_ACCOUNT), (address_key(redis, addr), MAX_PER_ADDRESS)] {
            let count: Option<i64> = conn.get(&key).await?;
            if count.unwrap_or(0) >= max {
                let ttl: i64 = conn.ttl(&key).await?;
                return Ok(Some(if ttl > 0 { ttl as u64 } else { WINDOW_SECS }));
            }
        }
        Ok(None)
    }
    .await;
    match result {
        Ok(Some(retry_after_secs)) => Err(Error::TooManyRequests { retry_after_secs }),
        Ok(None) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "login throttling skipped: redis unavailable");
            Ok(())
        }
    }
}

/// Counts a failed login against the account and the address.
pub async fn record_failure(redis: &RedisStore, email: &str, addr: &str) {
    let result: redis::RedisResult<()> = async {
        let mut conn = redis.conn().await?;
        for key in [account_key(redis, email), address_key(redis, addr)] {
            let n: i64 = conn.incr(&key, 1).await?;
            if n == 1 {
                let _: bool = conn.expire(&key, WINDOW_SECS as i64).await?;
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot count a failed login: redis unavailable");
    }
}

/// Clears the account counter after a successful login.
pub async fn clear_account(redis: &RedisStore, email: &str) {
    let result: redis::RedisResult<()> = async {
        let mut conn = redis.conn().await?;
        conn.del(account_key(redis, email)).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot clear the login counter: redis unavailable");
    }
}
