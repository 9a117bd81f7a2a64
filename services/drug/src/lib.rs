//! The drug service (`/drug`, port 8104): search, detail and interaction
//! checks over the drug tables of the global DB, with hot lookups cached in
//! Redis.

pub mod load;
pub mod model;
pub mod repo;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use kit::extract::{Json, Path, Query};
use kit::{Ctx, Error, Result, ServiceSpec};
use sha2::{Digest, Sha256};
use utoipa::OpenApi;

use crate::model::*;

pub const SPEC: ServiceSpec = ServiceSpec { name: "drug", openapi };

/// Cache namespace of every drug lookup; `medictl` bumps it after imports.
pub const CACHE_NAMESPACE: &str = "drug";

pub const MAX_QUERY_CHARS: usize = 100;
pub use kit::extract::{MAX_PAGE, MAX_PAGE_SIZE};
pub const MAX_INTERACTION_DRUGS: usize = 20;

#[derive(OpenApi)]
#[openapi(
    info(title = "medi drug service", description = "Drug search, detail and interaction checks."),
    paths(search, detail, interactions, dictionary),
    components(schemas(
        SearchPage, DrugSummary, DrugDetail, DrugKind, IngredientRef, KnownInteraction,
        InteractionRequest, InteractionReport, ResolvedDrug, Interaction, DuplicateIngredient, DictionaryEntry
    )),
    tags((name = "drug", description = "Drugs commonly used in Korea"))
)]
pub struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn routes(ctx: Ctx) -> Router {
    Router::new()
        .route("/drug", get(search))
        .route("/drug/interactions", post(interactions))
        .route("/drug/dictionary", get(dictionary))
        .route("/drug/{id}", get(detail))
        .with_state(ctx)
}

/// A validated search request.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub q: Option<String>,
    pub page: u64,
    pub size: u64,
}

impl SearchRequest {
    pub fn validate(p: SearchParams) -> Result<SearchRequest> {
        let q = match p.q {
            None => None,
            Some(q) => {
                let q = q.trim().to_string();
                if q.is_empty() {
                    return Err(Error::validation("q", "q must not be empty; omit it to browse all drugs"));
                }
                if q.chars().count() > MAX_QUERY_CHARS {
                    return Err(Error::validation("q", format!("q must be at most {MAX_QUERY_CHARS} characters")));
                }
                Some(q)
            }
        };
        let (page, size) = kit::extract::paging(p.page, p.size)?;
        Ok(SearchRequest { q, page, size })
    }

    fn cache_key(&self) -> String {
        let normalised = self.q.as_deref().map(|q| crate::repo::query_terms(q).join(" ")).unwrap_or_default();
        let digest = Sha256::digest(format!("{normalised}\u{0}{}\u{0}{}", self.page, self.size));
        format!("search:{}", hex::encode(&digest[..16]))
    }
}

/// Search drugs by Korean or English name, ingredient or efficacy text.
#[utoipa::path(
    get,
    path = "/drug",
    tag = "drug",
    params(SearchParams),
    responses(
        (status = 200, body = SearchPage),
        (status = 400, description = "Invalid query, page or size", body = kit::error::ErrorBody),
    )
)]
async fn search(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchPage>> {
    let req = SearchRequest::validate(params)?;
    let pool = ctx.db.global.clone();
    let page = ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, &req.cache_key(), || async {
            let (items, total) = repo::search(&pool, req.q.as_deref(), req.page, req.size).await?;
            Ok::<_, Error>(SearchPage { items, total, page: req.page, size: req.size })
        })
        .await?;
    Ok(Json(page))
}

/// One drug with its full label text and the known interactions of its ingredients.
#[utoipa::path(
    get,
    path = "/drug/{id}",
    tag = "drug",
    params(("id" = u64, Path, description = "Drug id")),
    responses(
        (status = 200, body = DrugDetail),
        (status = 400, description = "The id is not a number", body = kit::error::ErrorBody),
        (status = 404, description = "No such drug", body = kit::error::ErrorBody),
    )
)]
async fn detail(axum::extract::State(ctx): axum::extract::State<Ctx>, Path(id): Path<u64>) -> Result<Json<DrugDetail>> {
    let pool = ctx.db.global.clone();
    let found = ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, &format!("detail:{id}"), || async { Ok::<_, Error>(repo::get(&pool, id).await?) })
        .await?;
    found.map(Json).ok_or_else(|| Error::not_found(format!("no drug with id {id}")))
}

/// One entry of an interaction request, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrugInput {
    Id(u64),
    Name(String),
}

pub fn parse_inputs(values: &[serde_json::Value]) -> Result<Vec<DrugInput>> {
    if values.len() < 2 || values.len() > MAX_INTERACTION_DRUGS {
        return Err(Error::validation(
            "drugs",
            format!("drugs must list between 2 and {MAX_INTERACTION_DRUGS} drug names or ids"),
        ));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let bad =
                || Error::validation(format!("drugs[{i}]"), format!("drugs[{i}] must be a drug name or a positive id"));
            match v {
                serde_json::Value::Number(n) => n.as_u64().filter(|id| *id > 0).map(DrugInput::Id).ok_or_else(bad),
                serde_json::Value::String(s) => {
                    let s = s.trim();
                    if s.is_empty() || s.chars().count() > MAX_QUERY_CHARS {
                        Err(bad())
                    } else if let Some(id) = s.parse::<u64>().ok().filter(|id| *id > 0) {
                        Ok(DrugInput::Id(id))
                    } else {
                        Ok(DrugInput::Name(s.to_string()))
                    }
                }
                _ => Err(bad()),
            }
        })
        .collect()
}

fn prefers_english(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"))
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "major" => 0,
        "moderate" => 1,
        _ => 2,
    }
}

/// Check interactions between 2 to 20 drugs, named or by id. The answer
/// names every input it could not resolve, and flags the same ingredient
/// taken twice. `description` follows `Accept-Language` (Korean by default).
#[utoipa::path(
    post,
    path = "/drug/interactions",
    tag = "drug",
    request_body = InteractionRequest,
    responses(
        (status = 200, body = InteractionReport),
        (status = 400, description = "Not 2..=20 names or ids, or bad JSON", body = kit::error::ErrorBody),
    )
)]
async fn interactions(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    headers: HeaderMap,
    Json(req): Json<InteractionRequest>,
) -> Result<Json<InteractionReport>> {
    let inputs = parse_inputs(&req.drugs)?;
    let pool = &ctx.db.global;

    let mut resolved: Vec<(ResolvedDrug, Vec<u64>)> = Vec::new();
    let mut unresolved = Vec::new();
    for input in inputs {
        let (label, found) = match &input {
            DrugInput::Id(id) => (id.to_string(), repo::resolve_id(pool, *id).await?),
            DrugInput::Name(name) => (name.clone(), repo::resolve_name(pool, name).await?),
        };
        match found {
            Some(r) => resolved.push((
                ResolvedDrug {
                    input: label,
                    drug_id: r.drug_id,
                    name_ko: r.name_ko,
                    name_en: r.name_en,
                    ingredients: r.ingredients.iter().map(|(_, s)| s.clone()).collect(),
                },
                r.ingredients.iter().map(|(id, _)| *id).collect(),
            )),
            None => unresolved.push(label),
        }
    }

    let all_ingredients: Vec<u64> =
        resolved.iter().flat_map(|(_, ids)| ids.iter().copied()).collect::<BTreeSet<_>>().into_iter().collect();
    let names = repo::ingredient_names(pool, &all_ingredients).await?;
    let slug = |id: u64| names.get(&id).map(|n| n.0.clone()).unwrap_or_default();
    let english = prefers_english(&headers);

    let recorded = repo::interactions_among(pool, &all_ingredients).await?;
    let mut found = Vec::new();
    for (i, (drug_a, ids_a)) in resolved.iter().enumerate() {
        for (drug_b, ids_b) in resolved.iter().skip(i + 1) {
            for x in &recorded {
                let forward = ids_a.contains(&x.a) && ids_b.contains(&x.b);
                let backward = ids_a.contains(&x.b) && ids_b.contains(&x.a);
                if !(forward || backward) {
                    continue;
                }
                let (ia, ib) = if forward { (x.a, x.b) } else { (x.b, x.a) };
                found.push(Interaction {
                    a: drug_a.clone(),
                    b: drug_b.clone(),
                    ingredient_a: slug(ia),
                    ingredient_b: slug(ib),
                    severity: x.severity.clone(),
                    description: if english { x.description_en.clone() } else { x.description_ko.clone() },
                    description_ko: x.description_ko.clone(),
                    description_en: x.description_en.clone(),
                });
            }
        }
    }
    found.sort_by_key(|x| severity_rank(&x.severity));

    let mut holders: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (drug, ids) in &resolved {
        for id in ids.iter().collect::<BTreeSet<_>>() {
            holders.entry(*id).or_default().push(drug.name_ko.clone());
        }
    }
    let duplicate_ingredients = holders
        .into_iter()
        .filter(|(_, drugs)| drugs.len() > 1)
        .map(|(id, drugs)| {
            let (slug, ko, en) = names.get(&id).cloned().unwrap_or_default();
            DuplicateIngredient { ingredient: slug, name_ko: ko, name_en: en, drugs }
        })
        .collect();

    Ok(Json(InteractionReport {
        resolved: resolved.into_iter().map(|(r, _)| r).collect(),
        unresolved,
        interactions: found,
        duplicate_ingredients,
        disclaimer_ko: DISCLAIMER_KO.to_string(),
        disclaimer_en: DISCLAIMER_EN.to_string(),
    }))
}

/// Scope a service token needs for [`dictionary`].
pub const DICTIONARY_SCOPE: &str = "drug:dictionary";

/// One drug's names, for another service's entity recognition.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DictionaryEntry {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: Option<String>,
    /// Short names, misspellings and ingredient names people type.
    pub names: Vec<String>,
}

/// Internal: every drug's names (product, aliases, ingredients) for the
/// chatbot's dictionaries. Needs a service token with `drug:dictionary`.
#[utoipa::path(
    get,
    path = "/drug/dictionary",
    tag = "drug",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DictionaryEntry>),
        (status = 401, description = "No or invalid token", body = kit::error::ErrorBody),
        (status = 403, description = "Not a service token, or missing the scope", body = kit::error::ErrorBody),
    )
)]
async fn dictionary(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    kit::auth::ServiceAuth(claims): kit::auth::ServiceAuth,
) -> Result<Json<Vec<DictionaryEntry>>> {
    claims.require_scope(DICTIONARY_SCOPE)?;
    let rows: Vec<(u64, String, String, Option<String>, String)> =
        sqlx::query_as("SELECT id, slug, name_ko, name_en, search_names FROM drugs ORDER BY id")
            .fetch_all(&ctx.db.global)
            .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, slug, name_ko, name_en, names)| DictionaryEntry {
                id,
                slug,
                name_ko,
                name_en,
                names: names.split('|').filter(|n| !n.is_empty()).map(str::to_string).collect(),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: Option<&str>, page: Option<i64>, size: Option<i64>) -> SearchParams {
        SearchParams { q: q.map(str::to_string), page, size }
    }

    #[test]
    fn search_requests_are_validated() {
        let ok = SearchRequest::validate(params(Some(" 타이레 "), None, None)).expect("valid");
        assert_eq!(ok, SearchRequest { q: Some("타이레".into()), page: 1, size: 20 });
        assert!(SearchRequest::validate(params(Some("  "), None, None)).is_err());
        assert!(SearchRequest::validate(params(Some(&"가".repeat(101)), None, None)).is_err());
        assert!(SearchRequest::validate(params(None, Some(-1), None)).is_err());
        assert!(SearchRequest::validate(params(None, Some(0), None)).is_err());
        assert!(SearchRequest::validate(params(None, None, Some(101))).is_err());
        assert!(SearchRequest::validate(params(None, None, Some(100))).is_ok());
    }

    #[test]
    fn equivalent_queries_share_a_cache_key() {
        let a = SearchRequest::validate(params(Some("Tylenol  500"), None, None)).expect("valid");
        let b = SearchRequest::validate(params(Some("tylenol 500"), None, None)).expect("valid");
        let c = SearchRequest::validate(params(Some("tylenol 500"), Some(2), None)).expect("valid");
        assert_eq!(a.cache_key(), b.cache_key());
        assert_ne!(a.cache_key(), c.cache_key());
    }

    #[test]
    fn interaction_inputs_accept_names_and_ids_only() {
        let v = |j: &str| serde_json::from_str::<Vec<serde_json::Value>>(j).expect("json");
        assert_eq!(
            parse_inputs(&v(r#"["와파린", 12, "7"]"#)).expect("valid"),
            vec![DrugInput::Name("와파린".into()), DrugInput::Id(12), DrugInput::Id(7)]
        );
        assert!(parse_inputs(&v(r#"["only one"]"#)).is_err());
        assert!(parse_inputs(&v(r#"["a", ""]"#)).is_err());
        assert!(parse_inputs(&v(r#"["a", -3]"#)).is_err());
        assert!(parse_inputs(&v(r#"["a", {"x":1}]"#)).is_err());
        assert!(parse_inputs(&v(&format!("[{}]", vec!["\"a\""; 21].join(",")))).is_err());
    }
}
