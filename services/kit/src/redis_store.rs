//! Redis: one connection manager per process, every key under the
//! deployment's prefix, and a JSON cache that degrades to a miss when Redis
//! is down (a cache must never turn a working request into a failure).

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::OnceCell;

use crate::metrics;

#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    /// The `service` label of the Redis metrics.
    service: &'static str,
    manager: Arc<OnceCell<ConnectionManager>>,
    prefix: Arc<str>,
    timeout: Duration,
    /// While set and in the future, connecting is not retried: a dead Redis
    /// costs each request nothing instead of a connect timeout.
    backoff_until: Arc<std::sync::Mutex<Option<Instant>>>,
}

/// How long a failed connect keeps us from trying again.
const CONNECT_BACKOFF: Duration = Duration::from_secs(2);

impl RedisStore {
    /// Prepares the client without connecting: the first command connects,
    /// and a failed connect is retried by the next command.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> redis::RedisResult<RedisStore> {
        Ok(RedisStore {
            client: redis::Client::open(url)?,
            service: "unknown",
            manager: Arc::new(OnceCell::new()),
            prefix: Arc::from(prefix.trim_end_matches(':')),
            timeout,
            backoff_until: Arc::new(std::sync::Mutex::new(None)),
        })
    }

    /// Labels this store's Redis metrics with `service`.
    pub fn for_service(self, service: &'static str) -> RedisStore {
        RedisStore { service, ..self }
    }

    /// A live connection (cheap to clone; multiplexed). Every command sent
    /// through it is timed (`redis_command_duration_seconds{op}`) and every
    /// failure counted (`redis_errors_total{op}`; `op="connect"` when no
    /// connection could be made).
    pub async fn conn(&self) -> redis::RedisResult<MeteredConnection> {
        let result = self.manager().await;
        if result.is_err() {
            metrics::redis_error(self.service, "connect");
        }
        result.map(|inner| MeteredConnection { inner, service: self.service })
    }

    async fn manager(&self) -> redis::RedisResult<ConnectionManager> {
        if let Some(manager) = self.manager.get() {
            return Ok(manager.clone());
        }
        let backing_off = self.backoff_until.lock().map(|until| until.is_some_and(|t| Instant::now() < t));
        if backing_off.unwrap_or(false) {
            return Err(redis::RedisError::from((redis::ErrorKind::IoError, "redis unreachable (backing off)")));
        }
        let result = self
            .manager
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout)
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await;
        match result {
            Ok(manager) => Ok(manager.clone()),
            Err(e) => {
                if let Ok(mut until) = self.backoff_until.lock() {
                    *until = Some(Instant::now() + CONNECT_BACKOFF);
                }
                Err(e)
            }
        }
    }

    /// A connection of its own, for blocking commands (`XREADGROUP BLOCK`,
    /// `BLPOP`) that would stall every request sharing [`RedisStore::conn`].
    pub async fn dedicated(&self) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        self.client.get_multiplexed_async_connection().await
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `<prefix>:<part>:<part>...`
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = String::from(&*self.prefix);
        for p in parts {
            key.push(':');
            key.push_str(p);
        }
        key
    }

    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn().await?;
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }
}

/// A Redis connection that times each command and counts failures, per
/// command (`op`: the lower-case command name for the commands the platform
/// uses, `pipeline` for pipelines and transactions, `other` for the rest, so
/// the label stays bounded).
#[derive(Clone)]
pub struct MeteredConnection {
    inner: ConnectionManager,
    service: &'static str,
}

/// The commands named in the `op` label; anything else is `other`.
const OPS: &[&str] = &[
    "get",
    "set",
    "setex",
    "del",
    "exists",
    "expire",
    "ttl",
    "incr",
    "incrby",
    "xreadgroup",
    "hget",
    "hset",
    "hgetall",
    "hdel",
    "lpush",
    "rpush",
    "lrange",
    "ltrim",
    "llen",
    "xadd",
    "xlen",
    "xack",
    "xdel",
    "xgroup",
    "xautoclaim",
    "xclaim",
    "xpending",
    "xrange",
    "zadd",
    "zrevrange",
    "zrange",
    "zrem",
    "evalsha",
    "eval",
    "script",
    "ping",
    "scan",
    "keys",
    "mget",
];

fn op_of(cmd: &redis::Cmd) -> &'static str {
    let Some(redis::Arg::Simple(name)) = cmd.args_iter().next() else { return "other" };
    OPS.iter().find(|op| name.eq_ignore_ascii_case(op.as_bytes())).copied().unwrap_or("other")
}

/// A failure worth counting: not the NOSCRIPT reply `Script` answers by
/// loading the script.
fn counts_as_error<T>(result: &redis::RedisResult<T>) -> bool {
    matches!(result, Err(e) if e.kind() != redis::ErrorKind::NoScriptError)
}

impl redis::aio::ConnectionLike for MeteredConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, redis::Value> {
        let op = op_of(cmd);
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.req_packed_command(cmd).await;
            metrics::redis_command(self.service, op, started);
            if counts_as_error(&result) {
                metrics::redis_error(self.service, op);
            }
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.req_packed_commands(cmd, offset, count).await;
            metrics::redis_command(self.service, "pipeline", started);
            if counts_as_error(&result) {
                metrics::redis_error(self.service, "pipeline");
            }
            result
        })
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}

/// A read-through JSON cache for one service, with a version per namespace:
/// bumping the version (after an import changes the data) makes every old
/// entry unreachable at once, and they age out by their TTL.
#[derive(Clone)]
pub struct Cache {
    redis: RedisStore,
    service: &'static str,
    ttl: Duration,
    enabled: bool,
}

impl Cache {
    pub fn new(redis: RedisStore, service: &'static str, ttl: Duration) -> Cache {
        Cache { redis, service, ttl, enabled: true }
    }

    /// A cache that always loads (`MEDI_CACHE_ENABLED=false`).
    pub fn disabled(self) -> Cache {
        Cache { enabled: false, ..self }
    }

    fn version_key(&self, namespace: &str) -> String {
        self.redis.key(&["cache", namespace, "version"])
    }

    async fn version(&self, namespace: &str) -> redis::RedisResult<i64> {
        let mut conn = self.redis.conn().await?;
        let v: Option<i64> = conn.get(self.version_key(namespace)).await?;
        Ok(v.unwrap_or(0))
    }

    /// Invalidates every entry of `namespace`. Called by writers (imports).
    pub async fn bump(&self, namespace: &str) -> redis::RedisResult<i64> {
        let mut conn = self.redis.conn().await?;
        conn.incr(self.version_key(namespace), 1).await
    }

    async fn entry_key(&self, namespace: &str, key: &str) -> redis::RedisResult<String> {
        let version = self.version(namespace).await?;
        Ok(self.redis.key(&["cache", namespace, &format!("v{version}"), key]))
    }

    /// Returns the cached value, or computes, stores and returns it. Redis
    /// errors are logged and counted, and the value is computed anyway.
    pub async fn get_or_load<T, E, F, Fut>(&self, namespace: &'static str, key: &str, load: F) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        if !self.enabled {
            return load().await;
        }
        let entry = match self.entry_key(namespace, key).await {
            Ok(entry) => Some(entry),
            Err(e) => {
                self.redis_failed(namespace, &e);
                None
            }
        };
        if let Some(entry) = &entry {
            match self.read::<T>(entry).await {
                Ok(Some(value)) => {
                    metrics::cache_lookup(self.service, namespace, "hit");
                    return Ok(value);
                }
                Ok(None) => metrics::cache_lookup(self.service, namespace, "miss"),
                Err(e) => self.redis_failed(namespace, &e),
            }
        }
        let value = load().await?;
        if let Some(entry) = &entry {
            if let Err(e) = self.write(entry, &value).await {
                self.redis_failed(namespace, &e);
            }
        }
        Ok(value)
    }

    async fn read<T: DeserializeOwned>(&self, entry: &str) -> redis::RedisResult<Option<T>> {
        let mut conn = self.redis.conn().await?;
        let raw: Option<String> = conn.get(entry).await?;
        // A value that no longer parses (older release) is treated as a miss.
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    async fn write<T: Serialize>(&self, entry: &str, value: &T) -> redis::RedisResult<()> {
        let Ok(json) = serde_json::to_string(value) else { return Ok(()) };
        let mut conn = self.redis.conn().await?;
        conn.set_ex(entry, json, self.ttl.as_secs().max(1)).await
    }

    /// The failed command is already counted by the connection
    /// (`redis_errors_total`); this counts the degraded lookup.
    fn redis_failed(&self, namespace: &'static str, e: &redis::RedisError) {
        tracing::warn!(error = %e, cache = namespace, "cache unavailable, reading through");
        metrics::cache_lookup(self.service, namespace, "error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_label_is_the_command_or_other() {
        assert_eq!(op_of(redis::cmd("GET").arg("k")), "get");
        assert_eq!(op_of(redis::cmd("xAdd").arg("s")), "xadd");
        assert_eq!(op_of(&redis::cmd("FLUSHALL")), "other");
        assert_eq!(op_of(&redis::Cmd::new()), "other");
    }

    #[test]
    fn keys_live_under_the_prefix() {
        let r = RedisStore::new("redis://127.0.0.1:6379", "medi:test:", Duration::from_secs(1)).expect("url");
        assert_eq!(r.key(&["cache", "drug", "v1", "x"]), "medi:test:cache:drug:v1:x");
    }
}
