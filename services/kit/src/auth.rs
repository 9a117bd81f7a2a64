//! Standard auth between users and services.
//!
//! - Access tokens are compact JWTs signed with Ed25519 (`alg: EdDSA`) and a
//!   key id (`kid`). The accounts service (chatbot) signs; every service
//!   verifies with the public keys it fetches from the JWKS endpoint, cached
//!   and refreshed when an unknown `kid` appears, so keys rotate without
//!   logging anyone out.
//! - User tokens (`typ: user`) have audience [`USER_AUDIENCE`]; service
//!   tokens (`typ: service`, OAuth2 client credentials) name the target
//!   service as audience and carry scopes.
//! - [`UserAuth`] and [`ServiceAuth`] are axum extractors; `require_scope`
//!   checks a scope. Missing or bad tokens are 401, a missing scope is 403.
//! - [`TokenSource`] fetches, caches and renews a service's own token.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};

use crate::error::Error;
use crate::Ctx;

/// Audience of user access tokens: every service accepts them.
pub const USER_AUDIENCE: &str = "medi-api";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    User,
    Service,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// User id, or the client id of a service.
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub typ: TokenType,
    /// Space-separated scopes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// The user's shard, so services need not look it up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u16>,
}

impl Claims {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split_whitespace().any(|s| s == scope)
    }

    /// 403 unless the token carries `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), Error> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("this call needs the `{scope}` scope")))
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// A signing key with its id.
#[derive(Clone)]
pub struct KeyPair {
    pub kid: String,
    key: SigningKey,
}

impl KeyPair {
    /// From a 32-byte seed, base64url (no padding) encoded.
    pub fn from_seed_b64(kid: &str, seed: &str) -> Result<KeyPair, String> {
        let bytes = URL_SAFE_NO_PAD.decode(seed.trim()).map_err(|e| format!("key {kid}: not base64url: {e}"))?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| format!("key {kid}: the seed must be 32 bytes"))?;
        if kid.is_empty() || kid.len() > 64 || !kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!("key id {kid:?} must be 1-64 letters, digits, - or _"));
        }
        Ok(KeyPair { kid: kid.to_string(), key: SigningKey::from_bytes(&seed) })
    }

    /// A fresh random key (`medictl keys generate`, tests).
    pub fn generate(kid: &str) -> KeyPair {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        KeyPair { kid: kid.to_string(), key: SigningKey::from_bytes(&seed) }
    }

    pub fn seed_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.to_bytes())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            alg: "EdDSA".into(),
            r#use: "sig".into(),
            kid: self.kid.clone(),
            x: URL_SAFE_NO_PAD.encode(self.verifying_key().as_bytes()),
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let header = Header { alg: "EdDSA".into(), typ: "JWT".into(), kid: self.kid.clone() };
        let head = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap_or_default());
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{head}.{body}");
        let signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// Parses `MEDI_JWT_SIGNING_KEYS`: `kid:seed,kid:seed`, newest (active) first.
pub fn parse_signing_keys(spec: &str) -> Result<Vec<KeyPair>, String> {
    let keys: Vec<KeyPair> = spec
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (kid, seed) = entry.split_once(':').ok_or_else(|| format!("{entry:?} is not kid:seed"))?;
            KeyPair::from_seed_b64(kid.trim(), seed)
        })
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err("no signing keys".into());
    }
    Ok(keys)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub alg: String,
    pub r#use: String,
    pub kid: String,
    pub x: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    fn verifying_keys(&self) -> HashMap<String, VerifyingKey> {
        self.keys
            .iter()
            .filter(|k| k.kty == "OKP" && k.crv == "Ed25519")
            .filter_map(|k| {
                let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(&k.x).ok()?.try_into().ok()?;
                Some((k.kid.clone(), VerifyingKey::from_bytes(&bytes).ok()?))
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token uses an unsupported algorithm")]
    Algorithm,
    #[error("the token was signed with an unknown key")]
    UnknownKey(String),
    #[error("the token signature is invalid")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is for another audience")]
    Audience,
    #[error("the token is from another issuer")]
    Issuer,
}

/// The key id a token names, without verifying anything.
pub fn token_kid(token: &str) -> Result<String, TokenError> {
    let head = token.split('.').next().ok_or(TokenError::Malformed)?;
    let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).map_err(|_| TokenError::Malformed)?)
        .map_err(|_| TokenError::Malformed)?;
    if header.alg != "EdDSA" {
        return Err(TokenError::Algorithm);
    }
    Ok(header.kid)
}

/// Verifies signature, expiry (with 30 s leeway), issuer and audience.
pub fn verify_with(
    token: &str,
    key: Option<&VerifyingKey>,
    issuer: &str,
    audiences: &[&str],
    now: i64,
) -> Result<Claims, TokenError> {
    let kid = token_kid(token)?;
    let key = key.ok_or(TokenError::UnknownKey(kid))?;
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed);
    };
    let sig: [u8; 64] = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenError::Malformed)?
        .try_into()
        .map_err(|_| TokenError::Malformed)?;
    key.verify(format!("{head}.{body}").as_bytes(), &Signature::from_bytes(&sig)).map_err(|_| TokenError::Signature)?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).map_err(|_| TokenError::Malformed)?)
        .map_err(|_| TokenError::Malformed)?;
    if claims.exp + 30 < now {
        return Err(TokenError::Expired);
    }
    if claims.iss != issuer {
        return Err(TokenError::Issuer);
    }
    if !audiences.contains(&claims.aud.as_str()) {
        return Err(TokenError::Audience);
    }
    Ok(claims)
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Verifies tokens for one service with keys from a JWKS URL.
pub struct Verifier {
    service: String,
    issuer: String,
    jwks_url: String,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, VerifyingKey>>,
    last_fetch: Mutex<Option<Instant>>,
}

/// A refresh for an unknown key id happens at most this often.
const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(5);

impl Verifier {
    pub fn new(service: &str, issuer: &str, jwks_url: &str) -> Verifier {
        Verifier {
            service: service.to_string(),
            issuer: issuer.to_string(),
            jwks_url: jwks_url.to_string(),
            http: reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap_or_default(),
            keys: RwLock::new(HashMap::new()),
            last_fetch: Mutex::new(None),
        }
    }

    /// Installs keys directly (the accounts service verifies with its own).
    pub async fn set_keys(&self, jwks: &Jwks) {
        *self.keys.write().await = jwks.verifying_keys();
    }

    async fn refresh(&self) -> Result<(), String> {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|t| t.elapsed() < JWKS_REFETCH_INTERVAL) {
            return Ok(());
        }
        *last = Some(Instant::now());
        let jwks: Jwks = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        *self.keys.write().await = jwks.verifying_keys();
        Ok(())
    }

    /// Verifies a bearer token (user or service) for this service.
    pub async fn verify(&self, token: &str) -> Result<Claims, Error> {
        let kid = token_kid(token).map_err(|e| Error::Unauthorized(e.to_string()))?;
        let mut key = self.keys.read().await.get(&kid).copied();
        if key.is_none() {
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, url = %self.jwks_url, "cannot fetch the JWKS");
                return Err(Error::Unavailable("cannot check the token right now".into()));
            }
            key = self.keys.read().await.get(&kid).copied();
        }
        verify_with(token, key.as_ref(), &self.issuer, &[USER_AUDIENCE, self.service.as_str()], now_secs())
            .map_err(|e| Error::Unauthorized(e.to_string()))
    }
}

fn bearer(headers: &HeaderMap) -> Result<Option<&str>, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| Error::Unauthorized("the Authorization header is not text".into()))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Some)
        .ok_or_else(|| Error::Unauthorized("expected `Authorization: Bearer <token>`".into()))
}

/// The verified claims of the request's bearer token of type `typ`, or
/// `None` when the request sends no token (routes open to anonymous use).
/// A bad token is 401; a token of the other type is 403.
pub async fn claims_from_headers(ctx: &Ctx, headers: &HeaderMap, typ: TokenType) -> Result<Option<Claims>, Error> {
    let Some(token) = bearer(headers)? else { return Ok(None) };
    let claims = ctx.auth.verify(token).await?;
    if claims.typ != typ {
        return Err(Error::Forbidden(match typ {
            TokenType::User => "this call needs a user's token".into(),
            TokenType::Service => "this call is for services only".into(),
        }));
    }
    Ok(Some(claims))
}

async fn required_claims<S>(parts: &Parts, state: &S, typ: TokenType) -> Result<Claims, Error>
where
    Ctx: FromRef<S>,
{
    claims_from_headers(&Ctx::from_ref(state), &parts.headers, typ)
        .await?
        .ok_or_else(|| Error::Unauthorized("sign in first: no Authorization header".into()))
}

/// A signed-in user's token.
#[derive(Debug, Clone)]
pub struct UserAuth(pub Claims);

/// A service's client-credentials token.
#[derive(Debug, Clone)]
pub struct ServiceAuth(pub Claims);

impl<S> FromRequestParts<S> for UserAuth
where
    Ctx: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(UserAuth(required_claims(parts, state, TokenType::User).await?))
    }
}

impl<S> FromRequestParts<S> for ServiceAuth
where
    Ctx: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(ServiceAuth(required_claims(parts, state, TokenType::Service).await?))
    }
}

/// A service's own client credentials and the token endpoint.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

/// Fetches, caches and renews service tokens, one per audience.
pub struct TokenSource {
    credentials: ClientCredentials,
    http: reqwest::Client,
    cache: Mutex<HashMap<String, (String, Instant)>>,
}

impl TokenSource {
    pub fn new(credentials: ClientCredentials) -> TokenSource {
        TokenSource {
            credentials,
            http: reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap_or_default(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A valid token for calling `audience`, renewed 30 s before it expires.
    pub async fn token(&self, audience: &str) -> Result<String, Error> {
        let mut cache = self.cache.lock().await;
        if let Some((token, until)) = cache.get(audience) {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.credentials.client_id.as_str()),
            ("client_secret", self.credentials.client_secret.as_str()),
            ("audience", audience),
        ];
        let response = self
            .http
            .post(&self.credentials.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| Error::Upstream { service: "accounts".into(), detail: e.to_string() })?;
        if !response.status().is_success() {
            return Err(Error::Upstream {
                service: "accounts".into(),
                detail: format!("token endpoint answered {}", response.status()),
            });
        }
        let body: TokenResponse =
            response.json().await.map_err(|e| Error::Upstream { service: "accounts".into(), detail: e.to_string() })?;
        let until = Instant::now() + Duration::from_secs(body.expires_in.saturating_sub(30).max(1));
        cache.insert(audience.to_string(), (body.access_token.clone(), until));
        Ok(body.access_token)
    }
}

/// Shared handle used by [`Ctx`].
pub type SharedVerifier = Arc<Verifier>;

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(aud: &str, exp: i64) -> Claims {
        Claims {
            iss: "medi".into(),
            sub: "u1".into(),
            aud: aud.into(),
            exp,
            iat: 0,
            jti: "j".into(),
            typ: TokenType::User,
            scope: "profile:read".into(),
            shard: Some(1),
        }
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let key = KeyPair::generate("k1");
        let vk = key.verifying_key();
        let now = now_secs();
        let token = key.sign(&claims(USER_AUDIENCE, now + 60));
        let back = verify_with(&token, Some(&vk), "medi", &[USER_AUDIENCE], now).expect("valid");
        assert_eq!(back.sub, "u1");
        assert!(back.has_scope("profile:read"));
        assert!(back.require_scope("admin").is_err());

        let other = KeyPair::generate("k1").verifying_key();
        assert_eq!(verify_with(&token, Some(&other), "medi", &[USER_AUDIENCE], now), Err(TokenError::Signature));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(USER_AUDIENCE, now + 9999)).unwrap_or_default());
        parts[1] = &forged;
        assert_eq!(verify_with(&parts.join("."), Some(&vk), "medi", &[USER_AUDIENCE], now), Err(TokenError::Signature));
        assert_eq!(
            verify_with(&key.sign(&claims(USER_AUDIENCE, now - 100)), Some(&vk), "medi", &[USER_AUDIENCE], now),
            Err(TokenError::Expired)
        );
        assert_eq!(
            verify_with(&key.sign(&claims("drug", now + 60)), Some(&vk), "medi", &["clinic"], now),
            Err(TokenError::Audience)
        );
        assert_eq!(verify_with("a.b", Some(&vk), "medi", &[USER_AUDIENCE], now), Err(TokenError::Malformed));
    }

    #[test]
    fn none_and_hmac_algorithms_are_refused() {
        let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
        assert_eq!(token_kid(&format!("{head}.e30.")), Err(TokenError::Algorithm));
        let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#);
        assert_eq!(token_kid(&format!("{head}.e30.x")), Err(TokenError::Algorithm));
    }

    #[test]
    fn signing_keys_parse_and_jwks_round_trip() {
        let a = KeyPair::generate("a");
        let b = KeyPair::generate("b");
        let spec = format!("a:{}, b:{}", a.seed_b64(), b.seed_b64());
        let keys = parse_signing_keys(&spec).expect("keys");
        assert_eq!(keys[0].kid, "a");
        let jwks = Jwks { keys: keys.iter().map(KeyPair::jwk).collect() };
        let map = jwks.verifying_keys();
        assert_eq!(map.get("b"), Some(&b.verifying_key()));
        assert!(parse_signing_keys("nokid").is_err());
        assert!(parse_signing_keys("a:c2hvcnQ").is_err(), "seed too short");
        assert!(parse_signing_keys("").is_err());
    }
}
