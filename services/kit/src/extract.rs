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
