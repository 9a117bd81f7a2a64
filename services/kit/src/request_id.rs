//! Request ids: taken from `X-Request-Id` when the caller sends a sane one,
//! made otherwise; kept in a task-local while the request is handled so error
//! bodies, logs and outgoing inter-service calls all carry it.

use std::future::Future;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tracing::Instrument;

use crate::error::{code_for_status, error_response};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The id of the request being handled, or `-` outside of one.
pub fn current() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "-".to_string())
}

/// Accepts ids of up to 128 visible, header-safe characters; anything else is
/// replaced so a caller cannot inject log lines or huge values.
pub fn accept(candidate: Option<&HeaderValue>) -> Option<String> {
    let s = candidate?.to_str().ok()?.trim();
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| s.to_string())
}

pub fn generate() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Outermost middleware: assigns the request id, opens the request's log
/// span, echoes the id in the response, and rewrites any error response that
/// is not already our JSON shape (router 404/405, timeouts, panics, body
/// limits) into `{"error":{"code","message","request_id"}}`.
pub async fn middleware(mut req: Request, next: Next) -> Response {
    let id = accept(req.headers().get(&HEADER)).unwrap_or_else(generate);
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(HEADER, v);
    }
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let response = scope(id.clone(), async move {
        let response = next.run(req).await;
        normalise_error(response).await
    })
    .instrument(span)
    .await;
    let mut response = response;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, v);
    }
    response
}

async fn normalise_error(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Bodies of layer errors are short plain text; keep them as the message
    // for 4xx (they say what was wrong), hide them for 5xx.
    let text = match body.collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if status.is_server_error() {
        if status == axum::http::StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(status = status.as_u16(), detail = %text, "request failed outside a handler");
        }
        match status {
            axum::http::StatusCode::SERVICE_UNAVAILABLE => "service unavailable, try again shortly".to_string(),
            axum::http::StatusCode::GATEWAY_TIMEOUT => "the request took too long".to_string(),
            _ => "internal error; the request id identifies it in our logs".to_string(),
        }
    } else if text.is_empty() || text.len() > 500 {
        status.canonical_reason().unwrap_or("bad request").to_lowercase()
    } else {
        text
    };
    let mut rebuilt = error_response(status, code_for_status(status), message, None);
    // Keep headers such as Allow and Retry-After from the original response.
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rebuilt.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_sane_ids_and_rejects_the_rest() {
        let ok = HeaderValue::from_static("abc-123_x.y:z");
        assert_eq!(accept(Some(&ok)).as_deref(), Some("abc-123_x.y:z"));
        let spaces = HeaderValue::from_static("a b");
        assert_eq!(accept(Some(&spaces)), None);
        let long = HeaderValue::from_str(&"a".repeat(129)).expect("header");
        assert_eq!(accept(Some(&long)), None);
        assert_eq!(accept(None), None);
    }

    #[tokio::test]
    async fn current_is_scoped() {
        assert_eq!(current(), "-");
        let inside = scope("r-9".to_string(), async { current() }).await;
        assert_eq!(inside, "r-9");
    }
}
