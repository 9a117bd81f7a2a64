//! The OpenAPI document every service serves at `GET /openapi.json`: the
//! service's own paths plus the kit's health endpoints and error schema.

use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::OpenApi;

use crate::error::{ErrorBody, ErrorDetail};
use crate::health::{CheckResult, Liveness, Readiness};

#[derive(OpenApi)]
#[openapi(
    paths(live_doc, ready_doc),
    components(schemas(ErrorBody, ErrorDetail, Liveness, Readiness, CheckResult)),
    tags((name = "health", description = "Liveness and readiness"))
)]
struct KitApi;

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = Liveness)))]
#[allow(dead_code)]
fn live_doc() {}

/// Every store answers (global DB, each shard, Redis); 503 names the one that does not.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness))
)]
#[allow(dead_code)]
fn ready_doc() {}

/// Merges the kit's paths and schemas into a service's document.
pub fn with_kit(mut doc: OpenApiDoc) -> OpenApiDoc {
    doc.merge(KitApi::openapi());
    doc
}
