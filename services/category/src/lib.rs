//! The category service (`/category`, port 8102): the body-area and
//! symptom-group taxonomy patients browse, each node pointing to the
//! departments to visit and to related conditions, drugs and first-aid
//! guides. Reads are cached in Redis.

pub mod load;
pub mod model;
pub mod repo;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use kit::extract::{Json, Path};
use kit::{Ctx, Error, Result, ServiceSpec};
use utoipa::OpenApi;

use crate::model::*;

pub const SPEC: ServiceSpec = ServiceSpec { name: "category", openapi };

/// Cache namespace of every category read; `medictl` bumps it after seeding
/// categories, and should after loading conditions, drugs or first-aid
/// guides too, since category pages show them.
pub const CACHE_NAMESPACE: &str = "category";

/// Longest slug accepted in a path (the column width).
pub const MAX_SLUG_CHARS: usize = 120;

/// The 19 departments (진료과) by slug, with their national 진료과목코드, in
/// the order they are listed.
pub const DEPARTMENT_CODES: [(&str, &str); 19] = [
    ("internal_medicine", "01"),
    ("neurology", "02"),
    ("psychiatry", "03"),
    ("general_surgery", "04"),
    ("orthopedics", "05"),
    ("neurosurgery", "06"),
    ("thoracic_surgery", "07"),
    ("plastic_surgery", "08"),
    ("anesthesiology", "09"),
    ("obstetrics_gynecology", "10"),
    ("pediatrics", "11"),
    ("ophthalmology", "12"),
    ("otolaryngology", "13"),
    ("dermatology", "14"),
    ("urology", "15"),
    ("rehabilitation", "21"),
    ("family_medicine", "23"),
    ("emergency_medicine", "24"),
    ("dentistry", "49"),
];

/// The top-level category slugs other services tag their data with.
pub const TOP_LEVEL_SLUGS: [&str; 16] = [
    "head-neurology",
    "chest-heart",
    "respiratory",
    "digestive",
    "skin",
    "children",
    "womens-health",
    "mental-health",
    "eyes",
    "ear-nose-throat",
    "bones-joints",
    "urinary",
    "teeth",
    "endocrine-metabolic",
    "infection-fever",
    "injuries-emergencies",
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "medi category service",
        description = "Body areas and symptom groups, with the departments to visit and related conditions, drugs \
                       and first-aid guides."
    ),
    paths(tree, departments, detail),
    components(schemas(
        CategoryNode, CategoryDetail, CategoryRef, CategoryChild, CategoryLinks, Department, DepartmentRef,
        LinkedCondition, LinkedDrug, LinkedGuide
    )),
    tags((name = "category", description = "The category taxonomy and the medical departments"))
)]
pub struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn routes(ctx: Ctx) -> Router {
    Router::new()
        .route("/category", get(tree))
        .route("/category/departments", get(departments))
        .route("/category/{id_or_slug}", get(detail))
        .with_state(ctx)
}

/// `[a-z0-9-]`, 1 to [`MAX_SLUG_CHARS`] characters.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_CHARS
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// How a request names a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryKey {
    Id(u64),
    Slug(String),
}

impl CategoryKey {
    /// All digits: an id; otherwise a slug of `[a-z0-9-]`, at most
    /// [`MAX_SLUG_CHARS`] long. Anything else is a 400.
    pub fn parse(raw: &str) -> Result<CategoryKey> {
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return raw
                .parse::<u64>()
                .map(CategoryKey::Id)
                .map_err(|_| Error::validation("id_or_slug", "the category id is out of range"));
        }
        if is_valid_slug(raw) {
            Ok(CategoryKey::Slug(raw.to_string()))
        } else {
            Err(Error::validation(
                "id_or_slug",
                format!(
                    "a category is named by its numeric id or its slug: 1 to {MAX_SLUG_CHARS} lower-case letters, \
                     digits and '-'"
                ),
            ))
        }
    }

    fn cache_key(&self) -> String {
        match self {
            CategoryKey::Id(id) => format!("detail:id:{id}"),
            CategoryKey::Slug(slug) => format!("detail:slug:{slug}"),
        }
    }
}

/// The category tree: the 16 body areas in order, each with its symptom groups.
#[utoipa::path(
    get,
    path = "/category",
    tag = "category",
    responses((status = 200, description = "Top-level categories in order, each with its children", body = Vec<CategoryNode>))
)]
async fn tree(State(ctx): State<Ctx>) -> Result<Json<Vec<CategoryNode>>> {
    let pool = ctx.db.global.clone();
    let nodes =
        ctx.cache().get_or_load(CACHE_NAMESPACE, "tree", || async { Ok::<_, Error>(repo::tree(&pool).await?) }).await?;
    Ok(Json(nodes))
}

/// The 19 medical departments (진료과) with their national codes, in order.
#[utoipa::path(
    get,
    path = "/category/departments",
    tag = "category",
    responses((status = 200, body = Vec<Department>))
)]
async fn departments(State(ctx): State<Ctx>) -> Result<Json<Vec<Department>>> {
    let pool = ctx.db.global.clone();
    let list = ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, "departments", || async { Ok::<_, Error>(repo::departments(&pool).await?) })
        .await?;
    Ok(Json(list))
}

/// One category by id or slug: its parent and children, the departments to
/// visit, and the related conditions, drugs and first-aid guides that exist.
#[utoipa::path(
    get,
    path = "/category/{id_or_slug}",
    tag = "category",
    params(("id_or_slug" = String, Path, description = "Numeric id, or slug such as `headache`")),
    responses(
        (status = 200, body = CategoryDetail),
        (status = 400, description = "Neither an id nor a well-formed slug", body = kit::error::ErrorBody),
        (status = 404, description = "No such category", body = kit::error::ErrorBody),
    )
)]
async fn detail(State(ctx): State<Ctx>, Path(id_or_slug): Path<String>) -> Result<Json<CategoryDetail>> {
    let key = CategoryKey::parse(&id_or_slug)?;
    let pool = ctx.db.global.clone();
    // A miss is an error, which the cache does not store: unknown names
    // cost an indexed lookup and never fill Redis.
    let found = ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, &key.cache_key(), || async {
            repo::detail(&pool, &key).await?.ok_or_else(|| match &key {
                CategoryKey::Id(id) => Error::not_found(format!("no category with id {id}")),
                CategoryKey::Slug(slug) => Error::not_found(format!("no category with slug {slug}")),
            })
        })
        .await?;
    Ok(Json(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_slugs_are_told_apart_and_the_rest_refused() {
        assert_eq!(CategoryKey::parse("42").ok(), Some(CategoryKey::Id(42)));
        assert_eq!(CategoryKey::parse("0").ok(), Some(CategoryKey::Id(0)));
        assert_eq!(CategoryKey::parse("head-neurology").ok(), Some(CategoryKey::Slug("head-neurology".into())));
        assert_eq!(CategoryKey::parse("covid-19").ok(), Some(CategoryKey::Slug("covid-19".into())));
        for bad in ["", "../etc", "Headache", "DROP TABLE", "a b", "두통", "a_b", "a%", "99999999999999999999999"] {
            assert!(CategoryKey::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(CategoryKey::parse(&"a".repeat(MAX_SLUG_CHARS)).is_ok());
        assert!(CategoryKey::parse(&"a".repeat(MAX_SLUG_CHARS + 1)).is_err());
    }

    #[test]
    fn id_and_slug_reads_have_distinct_cache_keys() {
        assert_eq!(CategoryKey::Id(7).cache_key(), "detail:id:7");
        assert_eq!(CategoryKey::Slug("7a".into()).cache_key(), "detail:slug:7a");
    }

    #[test]
    fn department_codes_are_distinct() {
        let mut codes: Vec<&str> = DEPARTMENT_CODES.iter().map(|(_, c)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 19);
    }
}
