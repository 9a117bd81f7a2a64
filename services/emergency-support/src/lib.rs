//! The emergency-support service (`/emergency-support`, port 8105):
//! first-aid guides, the nearest emergency rooms, and red-flag triage.

pub mod learned;
pub mod load;
pub mod triage;

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use kit::extract::{Json, Path, Query};
use kit::{Ctx, Error, Result, ServiceSpec};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::load::{GuideBody, Source, Step};
use crate::triage::{Engine, Input, Level, MatchedRule, Outcome, Sex};

pub const SPEC: ServiceSpec = ServiceSpec { name: "emergency-support", openapi };
pub const CACHE_NAMESPACE: &str = "emergency";
pub const MAX_TRIAGE_TEXT_CHARS: usize = 2000;
pub const MAX_ROOMS: i64 = 50;

#[derive(OpenApi)]
#[openapi(
    info(title = "medi emergency-support service", description = "First-aid guides, nearest emergency rooms and red-flag triage."),
    paths(list_guides, guide, rooms, triage_handler),
    components(schemas(
        GuideSummary, GuideDetail, GuideBody, Step, Source, RoomList, Room, TriageRequest, Outcome, MatchedRule, Level, Sex
    )),
    tags((name = "emergency-support", description = "What to do now"))
)]
pub struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn routes(ctx: Ctx) -> Router {
    // Compile the rules and train the model before the first request, so
    // no caller waits on it (and readiness means triage is ready).
    Engine::bundled();
    Router::new()
        .route("/emergency-support/guides", get(list_guides))
        .route("/emergency-support/guides/{slug}", get(guide))
        .route("/emergency-support/rooms", get(rooms))
        .route("/emergency-support/triage", post(triage_handler))
        .with_state(ctx)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GuideSummary {
    pub slug: String,
    pub title_ko: String,
    pub title_en: String,
    pub summary_ko: String,
    pub summary_en: String,
    /// Call 119 whenever this guide applies.
    pub call_119: bool,
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GuideDetail {
    #[serde(flatten)]
    pub summary: GuideSummary,
    #[serde(flatten)]
    pub body: GuideBody,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuideParams {
    /// Filter by category slug (e.g. `children`).
    pub category: Option<String>,
    /// Words in the title or keywords, Korean or English.
    pub q: Option<String>,
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty() && s.len() <= 120 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

async fn guide_summaries(ctx: &Ctx, category: Option<&str>, q: Option<&str>) -> Result<Vec<GuideSummary>> {
    let mut qb = sqlx::QueryBuilder::new(
        "SELECT g.id, g.slug, g.title_ko, g.title_en, g.summary_ko, g.summary_en, g.call_119, \
         (SELECT GROUP_CONCAT(c.category ORDER BY c.category SEPARATOR ',') FROM guide_categories c \
          WHERE c.guide_id = g.id) AS categories FROM first_aid_guides g WHERE 1 = 1",
    );
    if let Some(category) = category {
        qb.push(" AND EXISTS (SELECT 1 FROM guide_categories c WHERE c.guide_id = g.id AND c.category = ")
            .push_bind(category.to_string())
            .push(")");
    }
    if let Some(q) = q {
        for term in q.split_whitespace().take(8) {
            qb.push(" AND g.search_text LIKE ").push_bind(kit::db::like_contains(&term.to_lowercase()));
        }
    }
    qb.push(" ORDER BY g.position, g.slug");
    let rows = qb.build().fetch_all(&ctx.db.global).await?;
    Ok(rows
        .into_iter()
        .map(|r| GuideSummary {
            slug: r.get("slug"),
            title_ko: r.get("title_ko"),
            title_en: r.get("title_en"),
            summary_ko: r.get("summary_ko"),
            summary_en: r.get("summary_en"),
            call_119: r.get("call_119"),
            categories: r
                .get::<Option<String>, _>("categories")
                .map(|c| c.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        })
        .collect())
}

/// First-aid guides, in the order of urgency they were written in.
#[utoipa::path(
    get,
    path = "/emergency-support/guides",
    tag = "emergency-support",
    params(GuideParams),
    responses((status = 200, body = Vec<GuideSummary>), (status = 400, body = kit::error::ErrorBody))
)]
async fn list_guides(State(ctx): State<Ctx>, Query(p): Query<GuideParams>) -> Result<Json<Vec<GuideSummary>>> {
    if let Some(c) = &p.category {
        if !valid_slug(c) {
            return Err(Error::validation("category", "category must be a category slug such as `children`"));
        }
    }
    let q = match p.q.as_deref().map(str::trim) {
        Some("") => return Err(Error::validation("q", "q must not be empty; omit it to list every guide")),
        Some(q) if q.chars().count() > 100 => return Err(Error::validation("q", "q must be at most 100 characters")),
        other => other.map(str::to_string),
    };
    let key = format!("guides:{}:{}", p.category.as_deref().unwrap_or(""), q.as_deref().unwrap_or(""));
    let key = format!("guides:{}", hex::encode(&Sha256::digest(key.as_bytes())[..16]));
    let cache = ctx.cache();
    let items =
        cache.get_or_load(CACHE_NAMESPACE, &key, || guide_summaries(&ctx, p.category.as_deref(), q.as_deref())).await?;
    Ok(Json(items))
}

/// One guide with its ordered steps, do and don't, and when to call 119.
#[utoipa::path(
    get,
    path = "/emergency-support/guides/{slug}",
    tag = "emergency-support",
    params(("slug" = String, Path, description = "Guide slug, e.g. `cpr-adult`")),
    responses(
        (status = 200, body = GuideDetail),
        (status = 400, body = kit::error::ErrorBody),
        (status = 404, body = kit::error::ErrorBody)
    )
)]
async fn guide(State(ctx): State<Ctx>, Path(slug): Path<String>) -> Result<Json<GuideDetail>> {
    if !valid_slug(&slug) {
        return Err(Error::validation("slug", "slug must be lower-case letters, digits and hyphens"));
    }
    let pool = ctx.db.global.clone();
    let found = ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, &format!("guide:{slug}"), || async {
            let row = sqlx::query(
                "SELECT g.slug, g.title_ko, g.title_en, g.summary_ko, g.summary_en, g.call_119, g.body, \
                 (SELECT GROUP_CONCAT(c.category ORDER BY c.category SEPARATOR ',') FROM guide_categories c \
                  WHERE c.guide_id = g.id) AS categories FROM first_aid_guides g WHERE g.slug = ?",
            )
            .bind(&slug)
            .fetch_optional(&pool)
            .await?;
            let Some(r) = row else { return Ok::<_, Error>(None) };
            let body: GuideBody =
                serde_json::from_str(r.get::<&str, _>("body")).map_err(|e| Error::Internal(e.into()))?;
            Ok(Some(GuideDetail {
                summary: GuideSummary {
                    slug: r.get("slug"),
                    title_ko: r.get("title_ko"),
                    title_en: r.get("title_en"),
                    summary_ko: r.get("summary_ko"),
                    summary_en: r.get("summary_en"),
                    call_119: r.get("call_119"),
                    categories: r
                        .get::<Option<String>, _>("categories")
                        .map(|c| c.split(',').map(str::to_string).collect())
                        .unwrap_or_default(),
                },
                body,
            }))
        })
        .await?;
    found.map(Json).ok_or_else(|| Error::not_found(format!("no first-aid guide {slug}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomParams {
    /// Latitude (WGS84).
    pub lat: f64,
    /// Longitude (WGS84).
    pub lon: f64,
    /// How many rooms, 1..=50 (default 5).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Room {
    pub id: u64,
    pub hpid: String,
    pub name: String,
    pub address: String,
    pub phone: Option<String>,
    /// The emergency room's direct line, when known.
    pub er_phone: Option<String>,
    /// 권역응급의료센터 / 지역응급의료센터 / 지역응급의료기관.
    pub center_level: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub distance_km: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoomList {
    /// Always 119: the number to call first in an emergency.
    pub call: String,
    /// Nearest first.
    pub items: Vec<Room>,
}

/// Haversine distance in km, in SQL (MySQL and MariaDB alike).
pub const DISTANCE_SQL: &str = "6371 * 2 * ASIN(SQRT(POWER(SIN(RADIANS(lat - ?) / 2), 2) + \
     COS(RADIANS(?)) * COS(RADIANS(lat)) * POWER(SIN(RADIANS(lon - ?) / 2), 2)))";

/// The nearest emergency rooms with distance and phone numbers.
#[utoipa::path(
    get,
    path = "/emergency-support/rooms",
    tag = "emergency-support",
    params(RoomParams),
    responses((status = 200, body = RoomList), (status = 400, body = kit::error::ErrorBody))
)]
async fn rooms(State(ctx): State<Ctx>, Query(p): Query<RoomParams>) -> Result<Json<RoomList>> {
    if !(-90.0..=90.0).contains(&p.lat) {
        return Err(Error::validation("lat", "lat must be between -90 and 90"));
    }
    if !(-180.0..=180.0).contains(&p.lon) {
        return Err(Error::validation("lon", "lon must be between -180 and 180"));
    }
    let limit = p.limit.unwrap_or(5);
    if !(1..=MAX_ROOMS).contains(&limit) {
        return Err(Error::validation("limit", format!("limit must be between 1 and {MAX_ROOMS}")));
    }
    // The national list has a few hundred rooms: an exact scan is cheap and
    // never misses the nearest one at the edge of a bounding box.
    let rows = sqlx::query(&format!(
        "SELECT id, hpid, name, address, phone, er_phone, center_level, lat, lon, {DISTANCE_SQL} AS distance_km \
         FROM emergency_rooms ORDER BY distance_km, id LIMIT ?"
    ))
    .bind(p.lat)
    .bind(p.lat)
    .bind(p.lon)
    .bind(limit)
    .fetch_all(&ctx.db.global)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| Room {
            id: r.get("id"),
            hpid: r.get("hpid"),
            name: r.get("name"),
            address: r.get("address"),
            phone: r.get("phone"),
            er_phone: r.get("er_phone"),
            center_level: r.get("center_level"),
            lat: r.get("lat"),
            lon: r.get("lon"),
            distance_km: (r.get::<f64, _>("distance_km") * 100.0).round() / 100.0,
        })
        .collect();
    Ok(Json(RoomList { call: "119".to_string(), items }))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TriageRequest {
    /// What the person describes, in Korean or English (1..=2000 characters).
    pub text: String,
    /// Age in years; fractions for babies (6 weeks ≈ 0.12).
    pub age_years: Option<f64>,
    pub sex: Option<Sex>,
    pub pregnant: Option<bool>,
}

/// Triage free text: the level (emergency, urgent, routine, self_care),
/// whether to call 119, the departments to consider, the rules that
/// matched, advice and first-aid guides.
#[utoipa::path(
    post,
    path = "/emergency-support/triage",
    tag = "emergency-support",
    request_body = TriageRequest,
    responses((status = 200, body = Outcome), (status = 400, body = kit::error::ErrorBody))
)]
async fn triage_handler(Json(req): Json<TriageRequest>) -> Result<Json<Outcome>> {
    let text = req.text.trim();
    if text.is_empty() {
        return Err(Error::validation("text", "text must describe the symptoms"));
    }
    if text.chars().count() > MAX_TRIAGE_TEXT_CHARS {
        return Err(Error::validation("text", format!("text must be at most {MAX_TRIAGE_TEXT_CHARS} characters")));
    }
    if let Some(age) = req.age_years {
        if !(0.0..=130.0).contains(&age) || !age.is_finite() {
            return Err(Error::validation("age_years", "age_years must be between 0 and 130"));
        }
    }
    let outcome =
        Engine::bundled().evaluate(&Input { text, age_years: req.age_years, sex: req.sex, pregnant: req.pregnant });
    metrics::counter!("triage_decisions_total", "service" => SPEC.name, "level" => outcome.level.as_str()).increment(1);
    Ok(Json(outcome))
}
