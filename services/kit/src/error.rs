//! The one error type of every service.
//!
//! 4xx bodies say what was wrong; 5xx bodies hide internals and are logged
//! once, here. Every body is `{"error":{"code","message","request_id"}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::request_id;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field of the request is invalid; `field` names it.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The request as a whole is malformed (bad JSON, wrong content type...).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// A dependency we need is down; the message is safe to show.
    #[error("{0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("redis error: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("upstream {service} failed: {detail}")]
    Upstream { service: String, detail: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    /// A sentence for humans.
    pub message: String,
    /// The request id, also in the `X-Request-Id` header; quote it in reports.
    pub request_id: String,
    /// The offending field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Error {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation { field: field.into(), message: message.into() }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound(message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Validation { .. } | Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Error::Database(_) | Error::Redis(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation { .. } => "validation_failed",
            Error::BadRequest { code, .. } => code,
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::PayloadTooLarge => "payload_too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::TooManyRequests { .. } => "rate_limited",
            Error::Unavailable(_) => "unavailable",
            Error::Upstream { .. } => "upstream_failed",
            Error::Database(_) | Error::Redis(_) | Error::Internal(_) => "internal",
        }
    }

    /// The message clients see: the real one for 4xx, a generic one for 5xx.
    fn public_message(&self) -> String {
        match self {
            Error::Database(_) | Error::Redis(_) | Error::Internal(_) => {
                "internal error; the request id identifies it in our logs".to_string()
            }
            Error::Upstream { service, .. } => format!("the {service} service did not answer correctly"),
            other => other.to_string(),
        }
    }
}

/// Builds the JSON error response for a status and code, with the current
/// request id. Used by [`Error`] and by the middleware that turns non-JSON
/// error responses (from layers and the router) into the same shape.
pub fn error_response(status: StatusCode, code: &str, message: String, field: Option<String>) -> Response {
    let body =
        ErrorBody { error: ErrorDetail { code: code.to_string(), message, request_id: request_id::current(), field } };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // Logged once, here, with the detail the body hides.
            tracing::error!(error = %self, code = self.code(), "request failed");
        }
        let field = match &self {
            Error::Validation { field, .. } => Some(field.clone()),
            _ => None,
        };
        let mut response = error_response(status, self.code(), self.public_message(), field);
        if let Error::TooManyRequests { retry_after_secs } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// Default code for an error status produced outside our handlers.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        StatusCode::GATEWAY_TIMEOUT => "timeout",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(r: Response) -> serde_json::Value {
        let bytes = r.into_body().collect().await.expect("body").to_bytes();
        serde_json::from_slice(&bytes).expect("json")
    }

    #[tokio::test]
    async fn client_errors_say_what_was_wrong() {
        let r = request_id::scope("req-1".into(), async {
            Error::validation("page", "page must be at least 1").into_response()
        })
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let body = body_of(r).await;
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["message"], "page must be at least 1");
        assert_eq!(body["error"]["field"], "page");
        assert_eq!(body["error"]["request_id"], "req-1");
    }

    #[tokio::test]
    async fn server_errors_hide_internals() {
        let r = request_id::scope("req-2".into(), async {
            Error::Internal(anyhow::anyhow!("password=hunter2 at db.internal")).into_response()
        })
        .await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(r).await;
        assert_eq!(body["error"]["code"], "internal");
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        assert!(!msg.contains("hunter2"), "{msg}");
        assert_eq!(body["error"]["request_id"], "req-2");
    }

    #[tokio::test]
    async fn rate_limits_carry_retry_after() {
        let r = Error::TooManyRequests { retry_after_secs: 42 }.into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("42"));
    }
}
