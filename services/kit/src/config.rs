//! Typed configuration from the environment (and a `.env` file when present).
//!
//! Every variable is read once at start-up and validated; all problems are
//! reported together, each naming its variable, so a bad deploy fails with one
//! clear message instead of a panic deep inside a handler.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

/// The six services of the platform, their default ports and the path prefix
/// each one owns. This is the one place ports are defined.
pub const SERVICES: [ServiceInfo; 6] = [
    ServiceInfo { name: "chatbot", env_key: "CHATBOT", default_port: 8101, prefixes: &["/account", "/chatbot"] },
    ServiceInfo { name: "category", env_key: "CATEGORY", default_port: 8102, prefixes: &["/category"] },
    ServiceInfo { name: "clinic", env_key: "CLINIC", default_port: 8103, prefixes: &["/clinic"] },
    ServiceInfo { name: "drug", env_key: "DRUG", default_port: 8104, prefixes: &["/drug"] },
    ServiceInfo {
        name: "emergency-support",
        env_key: "EMERGENCY_SUPPORT",
        default_port: 8105,
        prefixes: &["/emergency-support"],
    },
    ServiceInfo {
        name: "internal_external",
        env_key: "INTERNAL_EXTERNAL",
        default_port: 8106,
        prefixes: &["/internal_external"],
    },
];

/// Static facts about one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceInfo {
    /// Service name as used in metrics labels, logs and container names.
    pub name: &'static str,
    /// Upper-case fragment of its variables: `MEDI_<KEY>_PORT`, `MEDI_<KEY>_URL`.
    pub env_key: &'static str,
    pub default_port: u16,
    /// The URL path prefixes this service answers under.
    pub prefixes: &'static [&'static str],
}

impl ServiceInfo {
    pub fn by_name(name: &str) -> Option<&'static ServiceInfo> {
        SERVICES.iter().find(|s| s.name == name)
    }
}

/// Where one service listens and how the others reach it.
#[derive(Debug, Clone)]
pub struct ServiceEndpoint {
    pub port: u16,
    /// Base URL other services use, e.g. `http://127.0.0.1:8104`.
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Pool settings shared by the global and shard pools. The defaults are
/// chosen so pools recover from an Aurora failover: connections are tested
/// before use and recycled often, so none outlives the old writer for long.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout: Duration,
    pub max_lifetime: Duration,
    pub idle_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Deployment name: `local`, `test`, `staging`, `production`...
    pub env: String,
    pub bind_host: IpAddr,
    pub services: BTreeMap<&'static str, ServiceEndpoint>,
    pub global_database_url: String,
    /// One URL per shard; the position is the shard id.
    pub shard_database_urls: Vec<String>,
    pub db: DbSettings,
    pub redis_url: String,
    /// Prefix of every Redis key this deployment writes, e.g. `medi:prod`.
    pub redis_prefix: String,
    pub cache_ttl: Duration,
    /// `false` turns the read-through cache off (benchmarks of the database
    /// path, debugging); Redis is still used for everything else.
    pub cache_enabled: bool,
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    pub shutdown_drain: Duration,
    pub health_check_timeout: Duration,
    pub http_client_timeout: Duration,
    pub http_client_retries: u32,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// `iss` of every token the accounts service signs.
    pub auth_issuer: String,
    /// Where services fetch the token-signing public keys.
    pub auth_jwks_url: String,
    /// Where services get their client-credentials tokens.
    pub auth_token_url: String,
    /// This service's own OAuth2 client, when it calls other services.
    pub service_client: Option<(String, String)>,
}

/// Every problem found in the environment, each naming its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)); see .env.example:", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads variables through a lookup function and collects problems.
struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<String>,
}

impl Reader<'_> {
    fn raw(&self, key: &str) -> Option<String> {
        (self.lookup)(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    fn required(&mut self, key: &str, hint: &str) -> String {
        match self.raw(key) {
            Some(v) => v,
            None => {
                self.problems.push(format!("{key} is required ({hint})"));
                String::new()
            }
        }
    }

    fn parsed<T: FromStr>(&mut self, key: &str, default: T, what: &str) -> T
    where
        T::Err: fmt::Display,
    {
        match self.raw(key) {
            None => default,
            Some(v) => match v.parse::<T>() {
                Ok(parsed) => parsed,
                Err(e) => {
                    self.problems.push(format!("{key}={v:?} is not {what}: {e}"));
                    default
                }
            },
        }
    }

    fn duration_ms(&mut self, key: &str, default_ms: u64) -> Duration {
        let ms = self.parsed::<u64>(key, default_ms, "a whole number of milliseconds");
        if ms == 0 {
            self.problems.push(format!("{key} must be greater than 0"));
        }
        Duration::from_millis(ms)
    }

    fn duration_secs(&mut self, key: &str, default_secs: u64) -> Duration {
        let secs = self.parsed::<u64>(key, default_secs, "a whole number of seconds");
        if secs == 0 {
            self.problems.push(format!("{key} must be greater than 0"));
        }
        Duration::from_secs(secs)
    }
}

fn check_url(problems: &mut Vec<String>, key: &str, url: &str, schemes: &[&str]) {
    if url.is_empty() {
        return; // already reported as missing
    }
    let ok = schemes.iter().any(|s| url.starts_with(&format!("{s}://")));
    if !ok {
        problems.push(format!("{key} must start with {}", schemes.join(":// or ") + "://"));
    }
}

impl Config {
    /// Loads `.env` if present (never overriding real environment variables),
    /// then reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `lookup`, for tests and tools.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut r = Reader { lookup, problems: Vec::new() };

        let env = r.raw("MEDI_ENV").unwrap_or_else(|| "local".to_string());
        let bind_host = r.parsed("MEDI_BIND_HOST", IpAddr::from([127, 0, 0, 1]), "an IP address");

        let mut services = BTreeMap::new();
        for s in SERVICES {
            let port_key = format!("MEDI_{}_PORT", s.env_key);
            let port = r.parsed::<u16>(&port_key, s.default_port, "a TCP port");
            let url_key = format!("MEDI_{}_URL", s.env_key);
            let url = r.raw(&url_key).unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
            check_url(&mut r.problems, &url_key, &url, &["http", "https"]);
            services.insert(s.name, ServiceEndpoint { port, url: url.trim_end_matches('/').to_string() });
        }

        let global_database_url = r.required("MEDI_GLOBAL_DATABASE_URL", "mysql://user:pass@host:3306/medi_global");
        check_url(&mut r.problems, "MEDI_GLOBAL_DATABASE_URL", &global_database_url, &["mysql"]);

        let shards_raw =
            r.required("MEDI_SHARD_DATABASE_URLS", "comma-separated mysql:// URLs, one per shard, in shard-id order");
        let shard_database_urls: Vec<String> =
            shards_raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        for url in &shard_database_urls {
            check_url(&mut r.problems, "MEDI_SHARD_DATABASE_URLS", url, &["mysql"]);
        }
        if shard_database_urls.len() > 1024 {
            r.problems.push("MEDI_SHARD_DATABASE_URLS lists more than 1024 shards".to_string());
        }

        let db = DbSettings {
            max_connections: r.parsed("MEDI_DB_MAX_CONNECTIONS", 10u32, "a whole number"),
            min_connections: r.parsed("MEDI_DB_MIN_CONNECTIONS", 0u32, "a whole number"),
            acquire_timeout: r.duration_ms("MEDI_DB_ACQUIRE_TIMEOUT_MS", 3_000),
            max_lifetime: r.duration_secs("MEDI_DB_MAX_LIFETIME_SECS", 300),
            idle_timeout: r.duration_secs("MEDI_DB_IDLE_TIMEOUT_SECS", 60),
        };
        if db.max_connections == 0 {
            r.problems.push("MEDI_DB_MAX_CONNECTIONS must be greater than 0".to_string());
        }
        if db.min_connections > db.max_connections {
            r.problems.push("MEDI_DB_MIN_CONNECTIONS must not exceed MEDI_DB_MAX_CONNECTIONS".to_string());
        }

        let redis_url = r.required("MEDI_REDIS_URL", "redis://host:6379");
        check_url(&mut r.problems, "MEDI_REDIS_URL", &redis_url, &["redis", "rediss"]);
        let redis_prefix = r.raw("MEDI_REDIS_PREFIX").unwrap_or_else(|| format!("medi:{env}"));

        let log_format = match r.raw("MEDI_LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                r.problems.push(format!("MEDI_LOG_FORMAT={other:?} must be json or pretty"));
                LogFormat::Json
            }
        };

        let chatbot_url = services.get("chatbot").map(|e| e.url.clone()).unwrap_or_default();
        let auth_jwks_url =
            r.raw("MEDI_AUTH_JWKS_URL").unwrap_or_else(|| format!("{chatbot_url}/account/.well-known/jwks.json"));
        let auth_token_url =
            r.raw("MEDI_AUTH_TOKEN_URL").unwrap_or_else(|| format!("{chatbot_url}/account/oauth/token"));
        let service_client = match (r.raw("MEDI_SERVICE_CLIENT_ID"), r.raw("MEDI_SERVICE_CLIENT_SECRET")) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => {
                r.problems.push("MEDI_SERVICE_CLIENT_ID and MEDI_SERVICE_CLIENT_SECRET go together".to_string());
                None
            }
        };
        let config = Config {
            auth_issuer: r.raw("MEDI_AUTH_ISSUER").unwrap_or_else(|| "medi".to_string()),
            auth_jwks_url,
            auth_token_url,
            service_client,
            bind_host,
            services,
            global_database_url,
            shard_database_urls,
            db,
            redis_url,
            redis_prefix,
            cache_ttl: r.duration_secs("MEDI_CACHE_TTL_SECS", 300),
            cache_enabled: r.parsed("MEDI_CACHE_ENABLED", true, "true or false"),
            request_timeout: r.duration_ms("MEDI_REQUEST_TIMEOUT_MS", 15_000),
            body_limit_bytes: r.parsed("MEDI_BODY_LIMIT_BYTES", 1_048_576usize, "a number of bytes"),
            shutdown_drain: r.duration_secs("MEDI_SHUTDOWN_DRAIN_SECS", 20),
            health_check_timeout: r.duration_ms("MEDI_HEALTH_CHECK_TIMEOUT_MS", 1_000),
            http_client_timeout: r.duration_ms("MEDI_HTTP_CLIENT_TIMEOUT_MS", 3_000),
            http_client_retries: r.parsed("MEDI_HTTP_CLIENT_RETRIES", 2u32, "a whole number"),
            log_format,
            log_filter: r.raw("MEDI_LOG").unwrap_or_else(|| "info".to_string()),
            env,
        };
        if r.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError { problems: r.problems })
        }
    }

    /// The endpoint of a service by name. Every known service has one.
    pub fn endpoint(&self, service: &str) -> Option<&ServiceEndpoint> {
        self.services.get(service)
    }

    pub fn shard_count(&self) -> usize {
        self.shard_database_urls.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(&move |k| map.get(k).cloned())
    }

    const MINIMAL: [(&str, &str); 3] = [
        ("MEDI_GLOBAL_DATABASE_URL", "mysql://root@127.0.0.1:3306/medi_global"),
        ("MEDI_SHARD_DATABASE_URLS", "mysql://root@127.0.0.1:3306/s0, mysql://root@127.0.0.1:3306/s1"),
        ("MEDI_REDIS_URL", "redis://127.0.0.1:6379"),
    ];

    #[test]
    fn minimal_environment_gives_documented_defaults() {
        let c = load(&MINIMAL).expect("valid");
        assert_eq!(c.env, "local");
        assert_eq!(c.shard_count(), 2);
        assert_eq!(c.shard_database_urls[1], "mysql://root@127.0.0.1:3306/s1");
        assert_eq!(c.redis_prefix, "medi:local");
        assert_eq!(c.endpoint("drug").map(|e| e.port), Some(8104));
        assert_eq!(c.endpoint("chatbot").map(|e| e.url.as_str()), Some("http://127.0.0.1:8101"));
        assert_eq!(c.db.max_lifetime, Duration::from_secs(300));
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn every_service_has_a_distinct_default_port() {
        let mut ports: Vec<u16> = SERVICES.iter().map(|s| s.default_port).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), SERVICES.len());
    }

    #[test]
    fn overrides_are_applied() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("MEDI_DRUG_PORT", "9000"));
        vars.push(("MEDI_CLINIC_URL", "http://clinic.internal:80/"));
        vars.push(("MEDI_ENV", "staging"));
        let c = load(&vars).expect("valid");
        assert_eq!(c.endpoint("drug").map(|e| e.port), Some(9000));
        assert_eq!(c.endpoint("drug").map(|e| e.url.as_str()), Some("http://127.0.0.1:9000"));
        assert_eq!(c.endpoint("clinic").map(|e| e.url.as_str()), Some("http://clinic.internal:80"));
        assert_eq!(c.redis_prefix, "medi:staging");
    }

    #[test]
    fn all_problems_are_reported_by_variable_name() {
        let err = load(&[
            ("MEDI_GLOBAL_DATABASE_URL", "postgres://x"),
            ("MEDI_DRUG_PORT", "eighty"),
            ("MEDI_DB_ACQUIRE_TIMEOUT_MS", "0"),
            ("MEDI_LOG_FORMAT", "xml"),
        ])
        .expect_err("invalid");
        let text = err.to_string();
        for needle in [
            "MEDI_GLOBAL_DATABASE_URL must start with mysql://",
            "MEDI_SHARD_DATABASE_URLS is required",
            "MEDI_REDIS_URL is required",
            "MEDI_DRUG_PORT=\"eighty\" is not a TCP port",
            "MEDI_DB_ACQUIRE_TIMEOUT_MS must be greater than 0",
            "MEDI_LOG_FORMAT=\"xml\" must be json or pretty",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        assert_eq!(err.problems.len(), 6, "{text}");
    }
}
