//! Account settings: signing keys, OAuth clients and token lifetimes.

use std::time::Duration;

use kit::auth::{parse_signing_keys, Jwks, KeyPair};
use sha2::{Digest, Sha256};

/// A service allowed to get client-credentials tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: String,
    /// sha256 hex of the secret.
    pub secret_sha256: String,
    pub scopes: Vec<String>,
}

impl OAuthClient {
    /// A client from its plain secret (tests).
    pub fn new(client_id: &str, secret: &str, scopes: &[&str]) -> OAuthClient {
        OAuthClient {
            client_id: client_id.to_string(),
            secret_sha256: sha256_hex(secret),
            scopes: scopes.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    pub fn secret_matches(&self, secret: &str) -> bool {
        let given = sha256_hex(secret);
        // Compare digests without an early exit.
        given.len() == self.secret_sha256.len()
            && given.bytes().zip(self.secret_sha256.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[derive(Clone)]
pub struct AccountSettings {
    /// Newest (signing) key first; all are published.
    pub keys: Vec<KeyPair>,
    pub clients: Vec<OAuthClient>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// An OpenAI-compatible chat-completions endpoint; `None` keeps the
    /// offline grounded composer.
    pub llm: Option<crate::generator::LlmConfig>,
    /// Retrieval over the knowledge index; `None` answers from the
    /// services' lookups only.
    pub knowledge: Option<KnowledgeSettings>,
}

/// Where the knowledge index lives, how it is embedded and how often the
/// chatbot checks for changed reference data.
#[derive(Clone)]
pub struct KnowledgeSettings {
    pub index_path: Option<std::path::PathBuf>,
    pub refresh: Duration,
    pub embedder: std::sync::Arc<dyn knowledge::Embedder>,
}

impl KnowledgeSettings {
    /// The offline embedder, in memory, checked every 5 minutes.
    pub fn offline() -> KnowledgeSettings {
        KnowledgeSettings {
            index_path: None,
            refresh: Duration::from_secs(300),
            embedder: std::sync::Arc::new(knowledge::HashedNgramEmbedder::default()),
        }
    }

    /// `MEDI_KNOWLEDGE_ENABLED` (default true), `MEDI_KNOWLEDGE_INDEX_PATH`,
    /// `MEDI_KNOWLEDGE_REFRESH_SECS` (300) and the `MEDI_EMBEDDINGS_*` variables.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Option<KnowledgeSettings>, String> {
        match lookup("MEDI_KNOWLEDGE_ENABLED").as_deref().map(str::trim) {
            None | Some("") | Some("true") | Some("1") => {}
            Some("false") | Some("0") => return Ok(None),
            Some(v) => return Err(format!("MEDI_KNOWLEDGE_ENABLED={v:?} must be true or false")),
        }
        Ok(Some(KnowledgeSettings {
            index_path: lookup("MEDI_KNOWLEDGE_INDEX_PATH")
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .map(std::path::PathBuf::from),
            refresh: Duration::from_secs(positive(
                lookup("MEDI_KNOWLEDGE_REFRESH_SECS"),
                300,
                "MEDI_KNOWLEDGE_REFRESH_SECS",
            )?),
            embedder: knowledge::embed::from_lookup(lookup)?,
        }))
    }
}

pub const DEFAULT_ACCESS_TTL_SECS: u64 = 900;
pub const DEFAULT_REFRESH_TTL_DAYS: u64 = 30;

impl AccountSettings {
    pub fn new(keys: Vec<KeyPair>, clients: Vec<OAuthClient>) -> AccountSettings {
        AccountSettings {
            keys,
            clients,
            access_ttl: Duration::from_secs(DEFAULT_ACCESS_TTL_SECS),
            refresh_ttl: Duration::from_secs(DEFAULT_REFRESH_TTL_DAYS * 86_400),
            llm: None,
            knowledge: None,
        }
    }

    /// Answers with retrieval over the knowledge index.
    pub fn with_knowledge(mut self, knowledge: KnowledgeSettings) -> AccountSettings {
        self.knowledge = Some(knowledge);
        self
    }

    /// Answers through an OpenAI-compatible endpoint.
    pub fn with_llm(mut self, llm: crate::generator::LlmConfig) -> AccountSettings {
        self.llm = Some(llm);
        self
    }

    /// Reads `MEDI_JWT_SIGNING_KEYS`, `MEDI_OAUTH_CLIENTS`,
    /// `MEDI_ACCESS_TOKEN_TTL_SECS` and `MEDI_REFRESH_TOKEN_TTL_DAYS`.
    pub fn from_env() -> Result<AccountSettings, String> {
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<AccountSettings, String> {
        let keys_spec = lookup("MEDI_JWT_SIGNING_KEYS")
            .filter(|s| !s.trim().is_empty())
            .ok_or("MEDI_JWT_SIGNING_KEYS is required (kid:seed,kid:seed, newest first; `medictl keys generate`)")?;
        let keys = parse_signing_keys(&keys_spec).map_err(|e| format!("MEDI_JWT_SIGNING_KEYS: {e}"))?;
        let clients = parse_clients(&lookup("MEDI_OAUTH_CLIENTS").unwrap_or_default())
            .map_err(|e| format!("MEDI_OAUTH_CLIENTS: {e}"))?;
        let access =
            positive(lookup("MEDI_ACCESS_TOKEN_TTL_SECS"), DEFAULT_ACCESS_TTL_SECS, "MEDI_ACCESS_TOKEN_TTL_SECS")?;
        let refresh_days =
            positive(lookup("MEDI_REFRESH_TOKEN_TTL_DAYS"), DEFAULT_REFRESH_TTL_DAYS, "MEDI_REFRESH_TOKEN_TTL_DAYS")?;
        let llm = match lookup("MEDI_LLM_BASE_URL").filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(base_url) => Some(crate::generator::LlmConfig {
                base_url: base_url.trim().trim_end_matches('/').to_string(),
                model: lookup("MEDI_LLM_MODEL")
                    .filter(|s| !s.trim().is_empty())
                    .ok_or("MEDI_LLM_MODEL is required when MEDI_LLM_BASE_URL is set")?,
                api_key: lookup("MEDI_LLM_API_KEY").filter(|s| !s.trim().is_empty()),
                timeout: Duration::from_secs(positive(lookup("MEDI_LLM_TIMEOUT_SECS"), 20, "MEDI_LLM_TIMEOUT_SECS")?),
            }),
        };
        let knowledge = KnowledgeSettings::from_lookup(lookup)?;
        Ok(AccountSettings {
            llm,
            knowledge,
            keys,
            clients,
            access_ttl: Duration::from_secs(access),
            refresh_ttl: Duration::from_secs(refresh_days.saturating_mul(86_400)),
        })
    }

    pub fn signing_key(&self) -> &KeyPair {
        // `parse_signing_keys` and the tests guarantee at least one key.
        &self.keys[0]
    }

    pub fn jwks(&self) -> Jwks {
        Jwks { keys: self.keys.iter().map(KeyPair::jwk).collect() }
    }

    pub fn client(&self, client_id: &str) -> Option<&OAuthClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}

fn positive(raw: Option<String>, default: u64, name: &str) -> Result<u64, String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{name}={v:?} must be a whole number greater than 0")),
        },
    }
}

/// `client_id:sha256hex_of_secret:scope1 scope2;...`
pub fn parse_clients(spec: &str) -> Result<Vec<OAuthClient>, String> {
    let mut clients: Vec<OAuthClient> = Vec::new();
    for entry in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let mut parts = entry.splitn(3, ':');
        let (Some(id), Some(hash)) = (parts.next(), parts.next()) else {
            return Err(format!("{entry:?} is not client_id:sha256hex:scopes"));
        };
        let id = id.trim();
        let hash = hash.trim().to_ascii_lowercase();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(format!("client id {id:?} must be letters, digits, - or _"));
        }
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("client {id}: the secret must be given as 64 hex digits (sha256)"));
        }
        if clients.iter().any(|c| c.client_id == id) {
            return Err(format!("client {id} is listed twice"));
        }
        let scopes = parts.next().unwrap_or("").split_whitespace().map(str::to_string).collect();
        clients.push(OAuthClient { client_id: id.to_string(), secret_sha256: hash, scopes });
    }
    Ok(clients)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_parse() {
        let h = sha256_hex("s3cret");
        let clients = parse_clients(&format!("clinic:{h}:drug:read drug:write; drug:{h}:")).expect("ok");
        assert_eq!(clients.len(), 2);
        assert_eq!(clients[0].scopes, vec!["drug:read", "drug:write"]);
        assert!(clients[0].secret_matches("s3cret"));
        assert!(!clients[0].secret_matches("nope"));
        assert!(clients[1].scopes.is_empty());
        assert!(parse_clients("x:short:a").is_err());
        assert!(parse_clients("justid").is_err());
        assert!(parse_clients("").expect("empty ok").is_empty());
    }

    #[test]
    fn settings_need_keys_and_check_ttls() {
        let key = KeyPair::generate("k1");
        let spec = format!("k1:{}", key.seed_b64());
        let lookup = |k: &str| match k {
            "MEDI_JWT_SIGNING_KEYS" => Some(spec.clone()),
            "MEDI_ACCESS_TOKEN_TTL_SECS" => Some("60".to_string()),
            _ => None,
        };
        let s = AccountSettings::from_lookup(&lookup).expect("valid");
        assert_eq!(s.access_ttl, Duration::from_secs(60));
        assert_eq!(s.refresh_ttl, Duration::from_secs(30 * 86_400));
        let err = AccountSettings::from_lookup(&|_| None).err().unwrap_or_default();
        assert!(err.contains("MEDI_JWT_SIGNING_KEYS"), "{err}");
        let bad = |k: &str| match k {
            "MEDI_JWT_SIGNING_KEYS" => Some(spec.clone()),
            "MEDI_REFRESH_TOKEN_TTL_DAYS" => Some("0".to_string()),
            _ => None,
        };
        assert!(AccountSettings::from_lookup(&bad).is_err());
    }
}
