//! The service kit: the common template every medi service is built on.
//!
//! A service is its routes, its queries and a `main` that calls [`run`]:
//!
//! ```text
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     kit::run(drug::SPEC, drug::routes).await
//! }
//! ```
//!
//! The kit adds, once for all: configuration, JSON logs with request ids,
//! Prometheus metrics, health endpoints, the error body, MySQL global and
//! shard pools, Redis, the inter-service client, the OpenAPI document, and a
//! server with timeouts, body limits and graceful shutdown.

pub mod auth;
pub mod client;
pub mod config;
pub mod db;
pub mod departments;
pub mod error;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod redis_store;
pub mod request_id;
pub mod server;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

pub use client::ServiceClient;
pub use config::Config;
pub use db::Db;
pub use error::{Error, Result};
pub use redis_store::{Cache, RedisStore};
pub use server::{app, run, serve, ServiceSpec};

/// Everything a handler may need, shared by all requests of one service.
#[derive(Clone)]
pub struct Ctx {
    pub service: &'static str,
    pub config: Arc<Config>,
    pub db: Db,
    pub redis: RedisStore,
    /// Verifies user and service tokens (keys from the JWKS endpoint).
    pub auth: Arc<auth::Verifier>,
    /// This service's own client-credentials tokens, when configured.
    pub tokens: Option<Arc<auth::TokenSource>>,
}

impl Ctx {
    /// Prepares pools and clients without connecting: a store that is down
    /// shows in `/health/ready` instead of stopping the process.
    pub fn new(service: &'static str, config: Config) -> Result<Ctx> {
        let db = Db::connect_lazy(&config)?;
        let redis = RedisStore::new(&config.redis_url, &config.redis_prefix, config.health_check_timeout)
            .map_err(|e| Error::Internal(anyhow::anyhow!("bad MEDI_REDIS_URL: {e}")))?
            .for_service(service);
        let auth = Arc::new(auth::Verifier::new(service, &config.auth_issuer, &config.auth_jwks_url));
        let tokens = config.service_client.as_ref().map(|(id, secret)| {
            Arc::new(auth::TokenSource::new(auth::ClientCredentials {
                token_url: config.auth_token_url.clone(),
                client_id: id.clone(),
                client_secret: secret.clone(),
            }))
        });
        Ok(Ctx { service, config: Arc::new(config), db, redis, auth, tokens })
    }

    /// The service's read-through cache.
    pub fn cache(&self) -> Cache {
        let cache = Cache::new(self.redis.clone(), self.service, self.config.cache_ttl);
        if self.config.cache_enabled {
            cache
        } else {
            cache.disabled()
        }
    }

    /// A client for calling another service.
    /// A client for calling another service; it sends this service's token
    /// when client credentials are configured.
    pub fn client(&self, target: &str) -> Result<ServiceClient> {
        Ok(ServiceClient::new(&self.config, self.service, target)?.with_tokens(self.tokens.clone()))
    }
}
