//! MySQL pools: one for the global DB, one per shard DB, and the shard router.
//!
//! Pools connect lazily so a service starts (and reports itself not ready)
//! while a database is down, and every connection is tested before use and
//! recycled after `max_lifetime`, which is what lets pools follow an Aurora
//! failover to the new writer.

use std::str::FromStr;
use std::sync::Arc;

use sqlx::migrate::Migrator;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};

use crate::config::{Config, DbSettings};
use crate::error::{Error, Result};

/// Migrations of the global DB: reference data and the user directory.
pub static GLOBAL_MIGRATOR: Migrator = sqlx::migrate!("../../migrations/global");
/// Migrations of every shard DB: per-user data.
pub static SHARD_MIGRATOR: Migrator = sqlx::migrate!("../../migrations/shard");

pub type ShardId = u16;

#[derive(Clone)]
pub struct Db {
    pub global: MySqlPool,
    shards: Arc<Vec<MySqlPool>>,
}

fn pool_options(settings: &DbSettings) -> MySqlPoolOptions {
    MySqlPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(settings.acquire_timeout)
        .max_lifetime(Some(settings.max_lifetime))
        .idle_timeout(Some(settings.idle_timeout))
        .test_before_acquire(true)
}

fn connect_options(url: &str) -> Result<MySqlConnectOptions> {
    let options = MySqlConnectOptions::from_str(url)
        .map_err(|e| Error::Internal(anyhow::anyhow!("bad database URL: {e}")))?
        .charset("utf8mb4")
        .collation("utf8mb4_unicode_ci");
    Ok(options)
}

impl Db {
    /// Builds the pools without connecting.
    pub fn connect_lazy(config: &Config) -> Result<Db> {
        let global = pool_options(&config.db).connect_lazy_with(connect_options(&config.global_database_url)?);
        let shards = config
            .shard_database_urls
            .iter()
            .map(|url| Ok(pool_options(&config.db).connect_lazy_with(connect_options(url)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Db { global, shards: Arc::new(shards) })
    }

    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The pool of one shard.
    pub fn shard(&self, id: ShardId) -> Result<&MySqlPool> {
        self.shards.get(usize::from(id)).ok_or_else(|| Error::Internal(anyhow::anyhow!("shard {id} is not configured")))
    }

    pub fn shards(&self) -> impl Iterator<Item = (ShardId, &MySqlPool)> {
        self.shards.iter().enumerate().map(|(i, p)| (i as ShardId, p))
    }

    /// Runs the global migrations and every shard's, then stamps each shard
    /// with its id (and refuses a shard that carries another id).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        GLOBAL_MIGRATOR.run(&self.global).await?;
        for (id, pool) in self.shards() {
            SHARD_MIGRATOR.run(pool).await?;
            sqlx::query("INSERT IGNORE INTO shard_info (singleton, shard_id) VALUES (1, ?)")
                .bind(id)
                .execute(pool)
                .await?;
            let stamped = shard_stamp(pool).await?;
            if stamped != Some(id) {
                anyhow::bail!(
                    "shard database #{id} is stamped as shard {stamped:?}: MEDI_SHARD_DATABASE_URLS must keep its order"
                );
            }
        }
        Ok(())
    }

    /// The shard holding a user's personal data, from the directory.
    pub async fn shard_of_user(&self, user_id: &str) -> Result<Option<ShardId>> {
        let row: Option<(u16,)> = sqlx::query_as("SELECT shard_id FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_optional(&self.global)
            .await?;
        Ok(row.map(|(s,)| s))
    }

    /// The shard a new user should go to: the one holding the fewest users,
    /// lowest id first on ties, so shards fill evenly.
    pub async fn least_filled_shard(&self) -> Result<ShardId> {
        let counts: Vec<(u16, i64)> =
            sqlx::query_as("SELECT shard_id, COUNT(*) FROM users GROUP BY shard_id").fetch_all(&self.global).await?;
        let mut per_shard = vec![0i64; self.shard_count()];
        for (shard, n) in counts {
            if let Some(slot) = per_shard.get_mut(usize::from(shard)) {
                *slot = n;
            }
        }
        let (best, _) = per_shard
            .iter()
            .enumerate()
            .min_by_key(|(i, n)| (**n, *i))
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("no shards configured")))?;
        Ok(best as ShardId)
    }
}

/// The id a shard database was stamped with, if any.
pub async fn shard_stamp(pool: &MySqlPool) -> sqlx::Result<Option<ShardId>> {
    let row: Option<(u16,)> =
        sqlx::query_as("SELECT shard_id FROM shard_info WHERE singleton = 1").fetch_optional(pool).await?;
    Ok(row.map(|(s,)| s))
}

/// Creates the global and shard databases when missing (local set-ups; in
/// production the databases come from Terraform).
pub async fn create_databases(config: &Config) -> anyhow::Result<()> {
    use sqlx::{Connection, Executor};
    let mut urls = vec![config.global_database_url.as_str()];
    urls.extend(config.shard_database_urls.iter().map(String::as_str));
    for url in urls {
        let (server, name) = split_database_url(url)?;
        let mut conn = sqlx::MySqlConnection::connect(&server).await?;
        conn.execute(
            format!("CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").as_str(),
        )
        .await?;
        conn.close().await?;
    }
    Ok(())
}

/// Splits `mysql://user@host:3306/name?opts` into the server URL (with the
/// options) and the database name.
pub fn split_database_url(url: &str) -> anyhow::Result<(String, String)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let slash = base[authority_start..]
        .find('/')
        .map(|i| i + authority_start)
        .ok_or_else(|| anyhow::anyhow!("database URL has no database name"))?;
    let name = &base[slash + 1..];
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name {name:?} must be letters, digits and underscores"
    );
    let mut server = base[..slash].to_string();
    if let Some(q) = query {
        server.push('?');
        server.push_str(q);
    }
    Ok((server, name.to_string()))
}

/// Escapes `%`, `_` and `\` so user text is matched literally by `LIKE`.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `%text%` with `text` escaped, for "contains" searches.
pub fn like_contains(text: &str) -> String {
    format!("%{}%", like_escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_split_into_server_and_name() {
        let (server, name) = split_database_url("mysql://root:pw@db:3306/medi_global?ssl-mode=required").expect("ok");
        assert_eq!(server, "mysql://root:pw@db:3306?ssl-mode=required");
        assert_eq!(name, "medi_global");
        assert!(split_database_url("mysql://root@db:3306").is_err());
        assert!(split_database_url("mysql://root@db:3306/bad`name").is_err());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(like_contains("타이레"), "%타이레%");
    }
}
