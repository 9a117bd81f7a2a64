//! OAuth2 client credentials: service tokens for calls between services.

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kit::auth::{now_secs, Claims, TokenType};
use kit::config::SERVICES;
use kit::error::error_response;
use kit::extract::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    pub audience: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceToken {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_in: u64,
    /// Granted scopes, space-separated.
    pub scope: String,
}

/// OAuth2 errors, in the platform's error body with the RFC 6749 code.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> OAuthError {
        OAuthError { status, code, message: message.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = error_response(self.status, self.code, self.message, None);
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"medi\""),
            );
        }
        response
    }
}

/// Client-credentials token endpoint (form-encoded).
#[utoipa::path(
    post,
    path = "/account/oauth/token",
    tag = "account",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "grant_type=client_credentials&client_id&client_secret&audience[&scope]"),
    responses(
        (status = 200, body = ServiceToken),
        (status = 400, description = "unsupported_grant_type, invalid_request, invalid_target", body = kit::error::ErrorBody),
        (status = 401, description = "invalid_client", body = kit::error::ErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Json<ServiceToken>, OAuthError> {
    let Form(form) = form.map_err(|e| OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", e.body_text()))?;
    if form.grant_type.as_deref() != Some("client_credentials") {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        ));
    }
    let client = form
        .client_id
        .as_deref()
        .and_then(|id| state.settings.client(id))
        .filter(|c| form.client_secret.as_deref().is_some_and(|s| c.secret_matches(s)))
        .ok_or_else(|| OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret"))?;
    let audience =
        form.audience.as_deref().map(str::trim).filter(|a| SERVICES.iter().any(|s| s.name == *a)).ok_or_else(|| {
            OAuthError::new(StatusCode::BAD_REQUEST, "invalid_target", "audience must name a medi service, e.g. drug")
        })?;
    let granted: Vec<&str> = match form.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => client.scopes.iter().map(String::as_str).collect(),
        Some(requested) => {
            let mut granted: Vec<&str> =
                requested.split_whitespace().filter(|s| client.scopes.iter().any(|c| c == s)).collect();
            granted.dedup();
            granted
        }
    };
    let scope = granted.join(" ");
    let settings = &state.settings;
    let now = now_secs();
    let claims = Claims {
        iss: state.ctx.config.auth_issuer.clone(),
        sub: client.client_id.clone(),
        aud: audience.to_string(),
        exp: now + settings.access_ttl.as_secs() as i64,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        typ: TokenType::Service,
        scope: scope.clone(),
        shard: None,
    };
    Ok(Json(ServiceToken {
        access_token: settings.signing_key().sign(&claims),
        token_type: "Bearer".into(),
        expires_in: settings.access_ttl.as_secs(),
        scope,
    }))
}
