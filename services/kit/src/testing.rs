//! Test harness: each test gets its own freshly created global and shard
//! databases (unique names) on the MySQL server at `MEDI_TEST_MYSQL_URL`
//! (default `mysql://root@127.0.0.1:3306`), its own Redis key prefix on
//! `MEDI_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`), migrated, and
//! all of it dropped when the [`TestStores`] value is dropped, even when the
//! test panics.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use sqlx::{Connection, Executor, MySqlConnection};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::Ctx;

pub fn mysql_url() -> String {
    std::env::var("MEDI_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_string())
        .trim_end_matches('/')
        .to_string()
}

pub fn redis_url() -> String {
    std::env::var("MEDI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

/// A configuration for tests: the given stores, everything else default.
pub fn config(global: &str, shards: &[String], redis: &str, prefix: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("MEDI_ENV".to_string(), "test".to_string()),
        ("MEDI_GLOBAL_DATABASE_URL".to_string(), global.to_string()),
        ("MEDI_SHARD_DATABASE_URLS".to_string(), shards.join(",")),
        ("MEDI_REDIS_URL".to_string(), redis.to_string()),
        ("MEDI_REDIS_PREFIX".to_string(), prefix.to_string()),
        ("MEDI_DB_MAX_CONNECTIONS".to_string(), "5".to_string()),
        ("MEDI_HEALTH_CHECK_TIMEOUT_MS".to_string(), "1000".to_string()),
    ]);
    for (k, v) in extra {
        vars.insert((*k).to_string(), (*v).to_string());
    }
    Config::from_lookup(&move |k| vars.get(k).cloned()).expect("test configuration is valid")
}

/// Fresh, migrated databases and a Redis prefix for one test.
pub struct TestStores {
    pub config: Config,
    pub databases: Vec<String>,
    pub redis_prefix: String,
}

impl TestStores {
    /// A global DB and two shards.
    pub async fn new() -> TestStores {
        Self::with_shards(2).await
    }

    pub async fn with_shards(shards: usize) -> TestStores {
        Self::build(shards, &[]).await
    }

    /// With extra `MEDI_*` variables applied to the configuration.
    pub async fn with_env(shards: usize, extra: &[(&str, &str)]) -> TestStores {
        Self::build(shards, extra).await
    }

    async fn build(shards: usize, extra: &[(&str, &str)]) -> TestStores {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let stem = format!("medi_t_{}", &id[..16]);
        let server = mysql_url();
        let mut admin = MySqlConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test MySQL server at {server}: {e}"));
        let global = format!("{stem}_g");
        let shard_names: Vec<String> = (0..shards).map(|i| format!("{stem}_s{i}")).collect();
        let mut databases = vec![global.clone()];
        databases.extend(shard_names.iter().cloned());
        for db in &databases {
            admin
                .execute(format!("CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").as_str())
                .await
                .expect("create test database");
        }
        let _ = admin.close().await;

        let shard_urls: Vec<String> = shard_names.iter().map(|s| format!("{server}/{s}")).collect();
        let redis_prefix = format!("medi:test:{}", &id[..16]);
        let config = config(&format!("{server}/{global}"), &shard_urls, &redis_url(), &redis_prefix, extra);
        let stores = TestStores { config, databases, redis_prefix };
        let ctx = stores.ctx("test");
        ctx.db.migrate().await.expect("migrations apply to a fresh database");
        ctx.db.global.close().await;
        for (_, pool) in ctx.db.shards() {
            pool.close().await;
        }
        stores
    }

    /// A context for a service over these stores.
    pub fn ctx(&self, service: &'static str) -> Ctx {
        Ctx::new(service, self.config.clone()).expect("test context")
    }
}

impl Drop for TestStores {
    fn drop(&mut self) {
        let databases = std::mem::take(&mut self.databases);
        let prefix = self.redis_prefix.clone();
        let server = mysql_url();
        // Drop runs inside the test's runtime, which cannot be blocked on;
        // a short-lived thread with its own runtime does the clean-up.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(mut admin) = MySqlConnection::connect(&server).await {
                    for db in &databases {
                        let _ = admin.execute(format!("DROP DATABASE IF EXISTS `{db}`").as_str()).await;
                    }
                    let _ = admin.close().await;
                }
                if let Ok(client) = redis::Client::open(redis_url()) {
                    if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                        let keys: Vec<String> = redis::cmd("KEYS")
                            .arg(format!("{prefix}:*"))
                            .query_async(&mut conn)
                            .await
                            .unwrap_or_default();
                        if !keys.is_empty() {
                            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
                        }
                    }
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// A server on an ephemeral port, stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn spawn(app: Router) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            let _ = crate::serve(listener, app, std::time::Duration::from_secs(5), shutdown).await;
        });
        TestServer { addr, base_url: format!("http://{addr}"), stop: Some(tx) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
