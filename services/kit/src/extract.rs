//! Extractors that answer bad input with our JSON error body instead of
//! axum's plain-text rejections. Use these in every handler.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::Error;

/// JSON body; bad JSON, wrong types, a wrong content type and oversize
/// bodies become 400, 415 and 413 with a message naming the problem.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query string; a value of the wrong type becomes a 400 naming the field.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct Query<T>(pub T);

/// Path parameters; `/drug/abc` where a number is expected becomes a 400.
#[derive(Debug, Clone, Copy, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Error::UnsupportedMediaType("expected a JSON body with Content-Type: application/json".into())
            }
            _ => {
                let code = match &rejection {
                    JsonRejection::JsonDataError(_) => "invalid_body",
                    _ => "invalid_json",
                };
                Error::BadRequest { code, message: rejection.body_text() }
            }
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Error::BadRequest { code: "invalid_query", message: rejection.body_text() }
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        Error::BadRequest { code: "invalid_path", message: rejection.body_text() }
    }
}

/// Largest page number and page size every list endpoint accepts.
pub const MAX_PAGE: i64 = 10_000;
pub const MAX_PAGE_SIZE: i64 = 100;
pub const DEFAULT_PAGE_SIZE: i64 = 20;

/// Validates `page` (1-based, default 1) and `size` (default 20) of a list
/// request, naming the offending field.
pub fn paging(page: Option<i64>, size: Option<i64>) -> Result<(u64, u64), Error> {
    let page = page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(Error::validation("page", format!("page must be between 1 and {MAX_PAGE}")));
    }
    let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(Error::validation("size", format!("size must be between 1 and {MAX_PAGE_SIZE}")));
    }
    Ok((page as u64, size as u64))
}

#[cfg(test)]
mod tests {
    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(super::paging(None, None).ok(), Some((1, 20)));
        assert!(super::paging(Some(0), None).is_err());
        assert!(super::paging(Some(-1), None).is_err());
        assert!(super::paging(None, Some(101)).is_err());
        assert_eq!(super::paging(Some(3), Some(100)).ok(), Some((3, 100)));
    }
}
