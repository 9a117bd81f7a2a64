//! The internal/external medicine service (`/internal_external`, port 8106):
//! conditions of internal medicine and surgery, and routing free symptom
//! text to the departments to consider.

pub mod load;
pub mod routing;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use kit::extract::{Json, Path, Query};
use kit::{Ctx, Error, Result, ServiceSpec};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::RwLock;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::load::{Details, Source};
use crate::routing::{ConditionScore, DepartmentScore, Entry, Index, RouteResult};

pub const SPEC: ServiceSpec = ServiceSpec { name: "internal_external", openapi };
pub const CACHE_NAMESPACE: &str = "conditions";
pub const MAX_ROUTE_TEXT_CHARS: usize = 2000;
/// How long the in-memory routing index is used before it is rebuilt from the DB.
pub const INDEX_TTL: Duration = Duration::from_secs(60);

/// The department slugs of every API (one list, in the kit).
pub const DEPARTMENTS: [&str; 19] = kit::departments::SLUGS;

pub fn department_names(slug: &str) -> Option<(&'static str, &'static str)> {
    kit::departments::names(slug)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "medi internal_external service", description = "Conditions of internal medicine and surgery, and symptom-to-department routing."),
    paths(list_conditions, condition, route),
    components(schemas(
        ConditionPage, ConditionSummary, ConditionDetail, RelatedDrug, Details, Source, RouteRequest, RouteResult,
        DepartmentScore, ConditionScore
    )),
    tags((name = "internal_external", description = "Conditions and department routing"))
)]
pub struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Shared state: the kit context and the routing index built from the DB.
#[derive(Clone)]
pub struct AppState {
    ctx: Ctx,
    index: Arc<RwLock<Option<BuiltIndex>>>,
}

/// The routing index and when it was built.
type BuiltIndex = (Instant, Arc<Index>);

pub fn routes(ctx: Ctx) -> Router {
    let state = AppState { ctx, index: Arc::new(RwLock::new(None)) };
    Router::new()
        .route("/internal_external/conditions", get(list_conditions))
        .route("/internal_external/conditions/{id}", get(condition))
        .route("/internal_external/route", post(route))
        .with_state(state)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConditionParams {
    /// Name, alias or symptom words, Korean or English.
    pub q: Option<String>,
    /// Only conditions this department treats.
    pub department: Option<String>,
    /// 1-based page (default 1).
    pub page: Option<i64>,
    /// 1..=100 (default 20).
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConditionSummary {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub urgency: String,
    pub departments: Vec<String>,
    pub summary_ko: String,
    pub summary_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConditionPage {
    pub items: Vec<ConditionSummary>,
    pub total: u64,
    pub page: u64,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RelatedDrug {
    pub slug: String,
    /// The drug service's id, when the drug is loaded.
    pub id: Option<u64>,
    pub name_ko: Option<String>,
    pub name_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConditionDetail {
    #[serde(flatten)]
    pub summary: ConditionSummary,
    pub categories: Vec<String>,
    #[serde(flatten)]
    pub details: Details,
    pub related_drugs: Vec<RelatedDrug>,
    pub disclaimer_ko: String,
    pub disclaimer_en: String,
}

pub const DISCLAIMER_KO: &str =
    "일반적인 건강 정보이며 진단이 아닙니다. 증상이 있으면 의사의 진료를 받으세요. 응급 증상이 있으면 119에 전화하세요.";
pub const DISCLAIMER_EN: &str =
    "General health information, not a diagnosis. See a doctor about your symptoms; call 119 in an emergency.";

fn summary_from_row(r: &sqlx::mysql::MySqlRow) -> ConditionSummary {
    ConditionSummary {
        id: r.get("id"),
        slug: r.get("slug"),
        name_ko: r.get("name_ko"),
        name_en: r.get("name_en"),
        urgency: r.get("urgency"),
        departments: r
            .get::<Option<String>, _>("departments")
            .map(|d| d.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        summary_ko: r.get("summary_ko"),
        summary_en: r.get("summary_en"),
    }
}

const SUMMARY_COLUMNS: &str = "c.id, c.slug, c.name_ko, c.name_en, c.urgency, c.summary_ko, c.summary_en, \
     (SELECT GROUP_CONCAT(d.department ORDER BY d.position SEPARATOR ',') FROM condition_departments d \
      WHERE d.condition_id = c.id) AS departments";

async fn search(ctx: &Ctx, q: Option<&str>, department: Option<&str>, page: u64, size: u64) -> Result<ConditionPage> {
    let filter = |qb: &mut sqlx::QueryBuilder<'_, sqlx::MySql>| {
        qb.push(" WHERE 1 = 1");
        if let Some(q) = q {
            for term in q.split_whitespace().take(8) {
                qb.push(" AND c.search_text LIKE ").push_bind(kit::db::like_contains(&term.to_lowercase()));
            }
        }
        if let Some(d) = department {
            qb.push(
                " AND EXISTS (SELECT 1 FROM condition_departments d WHERE d.condition_id = c.id AND d.department = ",
            )
            .push_bind(d.to_string())
            .push(")");
        }
    };
    let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM conditions c");
    filter(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&ctx.db.global).await?;
    let mut qb = sqlx::QueryBuilder::new(format!("SELECT {SUMMARY_COLUMNS} FROM conditions c"));
    filter(&mut qb);
    qb.push(" ORDER BY c.name_ko, c.id LIMIT ").push_bind(size).push(" OFFSET ").push_bind((page - 1) * size);
    let rows = qb.build().fetch_all(&ctx.db.global).await?;
    Ok(ConditionPage {
        items: rows.iter().map(summary_from_row).collect(),
        total: u64::try_from(total).unwrap_or(0),
        page,
        size,
    })
}

/// Conditions, searchable by name, alias or symptom and filterable by department.
#[utoipa::path(
    get,
    path = "/internal_external/conditions",
    tag = "internal_external",
    params(ConditionParams),
    responses((status = 200, body = ConditionPage), (status = 400, body = kit::error::ErrorBody))
)]
async fn list_conditions(State(s): State<AppState>, Query(p): Query<ConditionParams>) -> Result<Json<ConditionPage>> {
    let q = match p.q.as_deref().map(str::trim) {
        Some("") => return Err(Error::validation("q", "q must not be empty; omit it to list every condition")),
        Some(q) if q.chars().count() > 100 => return Err(Error::validation("q", "q must be at most 100 characters")),
        other => other.map(str::to_string),
    };
    if let Some(d) = &p.department {
        if !DEPARTMENTS.contains(&d.as_str()) {
            return Err(Error::validation(
                "department",
                format!("department must be one of: {}", DEPARTMENTS.join(", ")),
            ));
        }
    }
    let (page, size) = kit::extract::paging(p.page, p.size)?;
    let key =
        format!("{}\u{0}{}\u{0}{page}\u{0}{size}", q.as_deref().unwrap_or(""), p.department.as_deref().unwrap_or(""));
    let key = format!("list:{}", hex::encode(&Sha256::digest(key.as_bytes())[..16]));
    let ctx = s.ctx.clone();
    let result = s
        .ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, &key, || search(&ctx, q.as_deref(), p.department.as_deref(), page, size))
        .await?;
    Ok(Json(result))
}

async fn load_detail(ctx: &Ctx, id_or_slug: &str) -> Result<Option<ConditionDetail>> {
    let by_id = id_or_slug.parse::<u64>().ok();
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, c.details, (SELECT GROUP_CONCAT(k.category ORDER BY k.category SEPARATOR ',') \
         FROM condition_categories k WHERE k.condition_id = c.id) AS categories FROM conditions c WHERE {}",
        if by_id.is_some() { "c.id = ?" } else { "c.slug = ?" }
    );
    let query = sqlx::query(&sql);
    let query = match by_id {
        Some(id) => query.bind(id),
        None => query.bind(id_or_slug.to_string()),
    };
    let Some(row) = query.fetch_optional(&ctx.db.global).await? else { return Ok(None) };
    let details: Details =
        serde_json::from_str(row.get::<&str, _>("details")).map_err(|e| Error::Internal(e.into()))?;
    let id: u64 = row.get("id");
    let drugs = sqlx::query(
        "SELECT cd.drug_slug, d.id, d.name_ko, d.name_en FROM condition_drugs cd \
         LEFT JOIN drugs d ON d.slug = cd.drug_slug WHERE cd.condition_id = ? ORDER BY cd.drug_slug",
    )
    .bind(id)
    .fetch_all(&ctx.db.global)
    .await?
    .into_iter()
    .map(|r| RelatedDrug {
        slug: r.get("drug_slug"),
        id: r.get("id"),
        name_ko: r.get("name_ko"),
        name_en: r.get("name_en"),
    })
    .collect();
    Ok(Some(ConditionDetail {
        summary: summary_from_row(&row),
        categories: row
            .get::<Option<String>, _>("categories")
            .map(|c| c.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        details,
        related_drugs: drugs,
        disclaimer_ko: DISCLAIMER_KO.into(),
        disclaimer_en: DISCLAIMER_EN.into(),
    }))
}

/// One condition (by id or slug): symptoms, causes, when to see a doctor,
/// self-care, red flags, departments, related drugs and sources.
#[utoipa::path(
    get,
    path = "/internal_external/conditions/{id}",
    tag = "internal_external",
    params(("id" = String, Path, description = "Numeric id or slug")),
    responses(
        (status = 200, body = ConditionDetail),
        (status = 400, body = kit::error::ErrorBody),
        (status = 404, body = kit::error::ErrorBody)
    )
)]
async fn condition(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<ConditionDetail>> {
    let valid = !id.is_empty()
        && id.len() <= 120
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(Error::validation("id", "id must be a numeric id or a condition slug"));
    }
    let ctx = s.ctx.clone();
    let found = s.ctx.cache().get_or_load(CACHE_NAMESPACE, &format!("detail:{id}"), || load_detail(&ctx, &id)).await?;
    found.map(Json).ok_or_else(|| Error::not_found(format!("no condition {id}")))
}

/// Builds the routing index from the conditions table.
pub async fn build_index(ctx: &Ctx) -> Result<Index> {
    let rows = sqlx::query(&format!("SELECT {SUMMARY_COLUMNS}, c.details FROM conditions c ORDER BY c.id"))
        .fetch_all(&ctx.db.global)
        .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let s = summary_from_row(&r);
        let details: Details = serde_json::from_str(r.get::<&str, _>("details")).unwrap_or_default();
        let mut names = vec![s.name_ko.clone(), s.name_en.clone()];
        names.extend(details.aliases_ko.iter().cloned());
        names.extend(details.aliases_en.iter().cloned());
        let mut symptoms = details.symptoms_ko.clone();
        symptoms.extend(details.symptoms_en.iter().cloned());
        entries.push(Entry::new(s, &names, &symptoms));
    }
    Ok(Index::new(entries))
}

async fn index(s: &AppState) -> Result<Arc<Index>> {
    if let Some((built, index)) = s.index.read().await.as_ref() {
        if built.elapsed() < INDEX_TTL {
            return Ok(index.clone());
        }
    }
    let mut slot = s.index.write().await;
    if let Some((built, index)) = slot.as_ref() {
        if built.elapsed() < INDEX_TTL {
            return Ok(index.clone());
        }
    }
    let fresh = Arc::new(build_index(&s.ctx).await?);
    *slot = Some((Instant::now(), fresh.clone()));
    Ok(fresh)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RouteRequest {
    /// Symptoms in Korean or English free text (1..=2000 characters).
    pub text: String,
}

/// Which departments to consider for symptoms described in free text, most
/// likely first, and the conditions that match. This is routing, not a
/// diagnosis: red flags are triaged by `POST /emergency-support/triage`.
#[utoipa::path(
    post,
    path = "/internal_external/route",
    tag = "internal_external",
    request_body = RouteRequest,
    responses((status = 200, body = RouteResult), (status = 400, body = kit::error::ErrorBody))
)]
async fn route(State(s): State<AppState>, Json(req): Json<RouteRequest>) -> Result<Json<RouteResult>> {
    let text = req.text.trim();
    if text.is_empty() {
        return Err(Error::validation("text", "text must describe the symptoms"));
    }
    if text.chars().count() > MAX_ROUTE_TEXT_CHARS {
        return Err(Error::validation("text", format!("text must be at most {MAX_ROUTE_TEXT_CHARS} characters")));
    }
    let index = index(&s).await?;
    Ok(Json(index.route(text)))
}
