//! The inter-service HTTP client: timeouts, retries with jittered exponential
//! backoff for idempotent calls, request-id propagation, and per-target
//! metrics. Errors map to [`Error::Upstream`] / [`Error::NotFound`].

use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::{metrics, request_id};

/// A client for one target service.
#[derive(Clone)]
pub struct ServiceClient {
    http: reqwest::Client,
    caller: &'static str,
    target: String,
    base_url: String,
    retries: u32,
    tokens: Option<std::sync::Arc<crate::auth::TokenSource>>,
}

const BACKOFF_BASE: Duration = Duration::from_millis(50);

impl ServiceClient {
    /// A client from `caller` to the service named `target`, at the URL the
    /// config gives for it.
    pub fn new(config: &Config, caller: &'static str, target: &str) -> Result<ServiceClient> {
        let endpoint =
            config.endpoint(target).ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown service {target}")))?;
        Self::with_base_url(config, caller, target, &endpoint.url)
    }

    pub fn with_base_url(config: &Config, caller: &'static str, target: &str, base_url: &str) -> Result<ServiceClient> {
        let http = reqwest::Client::builder()
            .timeout(config.http_client_timeout)
            .connect_timeout(config.http_client_timeout.min(Duration::from_secs(1)))
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(format!("medi-{caller}/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(e.into()))?;
        Ok(ServiceClient {
            http,
            caller,
            target: target.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
            retries: config.http_client_retries,
            tokens: None,
        })
    }

    /// Sends a client-credentials token for the target with every call.
    pub fn with_tokens(mut self, tokens: Option<std::sync::Arc<crate::auth::TokenSource>>) -> ServiceClient {
        self.tokens = tokens;
        self
    }

    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.call::<(), T>(Method::GET, path, None, true).await
    }

    /// POST that may be retried because the target treats it as idempotent
    /// (a lookup such as triage or an interaction check).
    pub async fn post_json_idempotent<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.call(Method::POST, path, Some(body), true).await
    }

    /// POST that changes state: sent once, never retried.
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.call(Method::POST, path, Some(body), false).await
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<T> {
        let url = format!("{}{}", self.base_url, path);
        let bearer = match &self.tokens {
            Some(tokens) => Some(tokens.token(&self.target).await?),
            None => None,
        };
        let attempts = if idempotent { self.retries + 1 } else { 1 };
        let mut last_error = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                let backoff = BACKOFF_BASE * 2u32.pow(attempt - 1);
                let jitter = rand::thread_rng().gen_range(0..=backoff.as_millis() as u64 / 2);
                tokio::time::sleep(backoff + Duration::from_millis(jitter)).await;
            }
            let mut request = self.http.request(method.clone(), &url).header(request_id::HEADER, request_id::current());
            if let Some(b) = body {
                request = request.json(b);
            }
            if let Some(token) = &bearer {
                request = request.bearer_auth(token);
            }
            let started = Instant::now();
            let outcome = request.send().await;
            let elapsed = started.elapsed().as_secs_f64();
            let (result_label, retryable) = match &outcome {
                Ok(r) if r.status().is_success() => ("ok", false),
                Ok(r) if r.status().is_server_error() || r.status() == StatusCode::TOO_MANY_REQUESTS => {
                    ("server_error", true)
                }
                Ok(_) => ("client_error", false),
                Err(e) if e.is_timeout() => ("timeout", true),
                Err(_) => ("connect_error", true),
            };
            let labels = [
                ("service", self.caller.to_string()),
                ("target", self.target.clone()),
                ("method", method.as_str().to_string()),
                ("result", result_label.to_string()),
            ];
            ::metrics::counter!(metrics::UPSTREAM_REQUESTS_TOTAL, &labels).increment(1);
            ::metrics::histogram!(metrics::UPSTREAM_REQUEST_DURATION_SECONDS, &labels).record(elapsed);

            match outcome {
                Ok(response) if response.status().is_success() => {
                    return response.json::<T>().await.map_err(|e| self.upstream(format!("bad JSON: {e}")));
                }
                Ok(response) if response.status() == StatusCode::NOT_FOUND => {
                    return Err(Error::NotFound(format!("{} has no {path}", self.target)));
                }
                Ok(response) if response.status() == StatusCode::UNAUTHORIZED => {
                    return Err(Error::Upstream {
                        service: self.target.clone(),
                        detail: "refused our credentials (401)".into(),
                    });
                }
                Ok(response) if response.status() == StatusCode::FORBIDDEN => {
                    return Err(Error::Upstream {
                        service: self.target.clone(),
                        detail: "refused: missing scope (403)".into(),
                    });
                }
                Ok(response) => {
                    last_error = format!("{} answered {}", self.target, response.status());
                    if !retryable {
                        return Err(self.upstream(last_error));
                    }
                }
                Err(e) => last_error = e.to_string(),
            }
            if !retryable {
                break;
            }
            tracing::debug!(target_service = %self.target, attempt, error = %last_error, "retrying upstream call");
        }
        Err(self.upstream(last_error))
    }

    fn upstream(&self, detail: String) -> Error {
        Error::Upstream { service: self.target.clone(), detail }
    }
}
