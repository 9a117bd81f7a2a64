//! The clinic service (`/clinic`, port 8103): hospitals and clinics with
//! departments, opening hours (Korea time, public holidays included) and
//! nearby search, over the clinic tables of the global DB, with searches and
//! details cached in Redis.

pub mod hours;
pub mod load;
pub mod model;
pub mod repo;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, FixedOffset, Utc};
use kit::extract::{Json, Path, Query};
use kit::{Ctx, Error, Result, ServiceSpec};
use sha2::{Digest, Sha256};
use utoipa::OpenApi;

use crate::hours::{Day, KoreaMoment, WeekHours};
use crate::model::*;
use crate::repo::{Filters, Near};

pub const SPEC: ServiceSpec = ServiceSpec { name: "clinic", openapi };

/// Cache namespace of every clinic lookup; `medictl` bumps it after seeding or imports.
pub const CACHE_NAMESPACE: &str = "clinic";

pub const MAX_QUERY_CHARS: usize = 100;
pub const MAX_REGION_CHARS: usize = 40;
pub use kit::extract::{MAX_PAGE, MAX_PAGE_SIZE};
pub const DEFAULT_RADIUS_KM: f64 = 10.0;
pub const MAX_RADIUS_KM: f64 = 100.0;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "medi clinic service",
        description = "Hospitals and clinics in Korea: search by name, department, region and type, \
                       open now (Korea time, public holidays included) and nearby."
    ),
    paths(search, detail),
    components(schemas(SearchPage, Clinic, ClinicType, WeekHours, Day)),
    tags((name = "clinic", description = "Hospitals and clinics"))
)]
pub struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn routes(ctx: Ctx) -> Router {
    Router::new().route("/clinic", get(search)).route("/clinic/{id}", get(detail)).with_state(ctx)
}

/// The instant `at` names, or `now`. A `+` sent unencoded in a query string
/// arrives as a space, so a space before the offset is read as `+`.
pub fn parse_at(at: Option<&str>, now: DateTime<Utc>) -> Result<DateTime<FixedOffset>> {
    let Some(raw) = at else { return Ok(now.fixed_offset()) };
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .or_else(|e| if raw.contains(' ') { DateTime::parse_from_rfc3339(&raw.replace(' ', "+")) } else { Err(e) })
        .map_err(|_| Error::validation("at", "at must be an RFC 3339 timestamp, e.g. 2026-09-25T10:00:00+09:00"))
}

fn text_param(field: &str, value: Option<String>, max: usize, hint: &str) -> Result<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let value = value.trim().to_string();
    if value.is_empty() {
        return Err(Error::validation(field, format!("{field} must not be empty; {hint}")));
    }
    if value.chars().count() > max {
        return Err(Error::validation(field, format!("{field} must be at most {max} characters")));
    }
    Ok(Some(value))
}

/// A validated search request.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub filters: Filters,
    pub page: u64,
    pub size: u64,
    /// When `open_now` is evaluated (also for the `open_now` field of items).
    pub moment: KoreaMoment,
}

impl SearchRequest {
    pub fn validate(p: SearchParams, now: DateTime<Utc>) -> Result<SearchRequest> {
        let q = text_param("q", p.q, MAX_QUERY_CHARS, "omit it to browse all facilities")?;
        let department = match p.department.as_deref().map(str::trim) {
            None => None,
            Some(d) => Some(load::department(d).ok_or_else(|| {
                Error::validation("department", format!("department must be one of: {}", load::DEPARTMENTS.join(", ")))
            })?),
        };
        let region = text_param("region", p.region, MAX_REGION_CHARS, "omit it to search everywhere")?;
        let kind = match p.kind.as_deref().map(str::trim) {
            None => None,
            Some(t) => Some(ClinicType::parse(t).ok_or_else(|| {
                let all: Vec<&str> = ClinicType::ALL.iter().map(|t| t.as_str()).collect();
                Error::validation("type", format!("type must be one of: {}", all.join(", ")))
            })?),
        };
        let open_now = match p.open_now.as_deref().map(str::trim) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(Error::validation("open_now", "open_now must be true or false")),
        };
        let moment = KoreaMoment::of(&parse_at(p.at.as_deref(), now)?);

        let near = match (p.lat, p.lon) {
            (None, None) => {
                if p.radius_km.is_some() {
                    return Err(Error::validation("radius_km", "radius_km needs lat and lon"));
                }
                None
            }
            (Some(_), None) => return Err(Error::validation("lon", "lat and lon must be given together")),
            (None, Some(_)) => return Err(Error::validation("lat", "lat and lon must be given together")),
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(Error::validation("lat", "lat must be between -90 and 90"));
                }
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(Error::validation("lon", "lon must be between -180 and 180"));
                }
                let radius_km = p.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
                if !(radius_km > 0.0 && radius_km <= MAX_RADIUS_KM) {
                    return Err(Error::validation(
                        "radius_km",
                        format!("radius_km must be greater than 0 and at most {MAX_RADIUS_KM}"),
                    ));
                }
                Some(Near { lat, lon, radius_km })
            }
        };

        let (page, size) = kit::extract::paging(p.page, p.size)?;

        let filters = Filters {
            terms: q.as_deref().map(repo::query_terms).unwrap_or_default(),
            department: department.map(str::to_string),
            regions: region.as_deref().map(repo::region_patterns).unwrap_or_default(),
            kind,
            open_at: open_now.then_some((moment.day, moment.minute)),
            near,
        };
        Ok(SearchRequest { filters, page, size, moment })
    }

    /// Equal for requests with the same results. An `open_now` search keys on
    /// the evaluated Korea-time minute (its row of hours and minute of the
    /// day), so a cached answer is never reused for another minute; other
    /// searches do not depend on the time (items' `open_now` is computed
    /// after the cache).
    pub fn cache_key(&self) -> String {
        let f = &self.filters;
        let open = f.open_at.map(|(day, minute)| format!("{}@{minute}", day.as_str())).unwrap_or_default();
        let near = f.near.map(|n| format!("{},{},{}", n.lat, n.lon, n.radius_km)).unwrap_or_default();
        let canonical = [
            f.terms.join(" "),
            f.department.clone().unwrap_or_default(),
            f.regions.join("|"),
            f.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
            open,
            near,
            self.page.to_string(),
            self.size.to_string(),
        ]
        .join("\u{0}");
        let digest = Sha256::digest(canonical.as_bytes());
        format!("search:{}", hex::encode(&digest[..16]))
    }
}

/// Search hospitals and clinics. Every filter combines with the others;
/// with `lat`/`lon` the answer is limited to `radius_km` and sorted nearest
/// first, each item carrying `distance_km`.
#[utoipa::path(
    get,
    path = "/clinic",
    tag = "clinic",
    params(SearchParams),
    responses(
        (status = 200, body = SearchPage),
        (status = 400, description = "An invalid parameter (the error names it)", body = kit::error::ErrorBody),
    )
)]
async fn search(State(ctx): State<Ctx>, Query(params): Query<SearchParams>) -> Result<Json<SearchPage>> {
    let req = SearchRequest::validate(params, Utc::now())?;
    let pool = ctx.db.global.clone();
    let page = ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, &req.cache_key(), || async {
            let (items, total) = repo::search(&pool, &req.filters, req.page, req.size).await?;
            Ok::<_, Error>(SearchPage { items, total, page: req.page, size: req.size })
        })
        .await?;
    let items = page.items.into_iter().map(|c| c.evaluate(&req.moment)).collect();
    Ok(Json(SearchPage { items, ..page }))
}

/// One hospital or clinic, with its departments and hours.
#[utoipa::path(
    get,
    path = "/clinic/{id}",
    tag = "clinic",
    params(("id" = u64, Path, description = "Facility id"), DetailParams),
    responses(
        (status = 200, body = Clinic),
        (status = 400, description = "The id is not a number, or `at` is not a timestamp", body = kit::error::ErrorBody),
        (status = 404, description = "No such facility", body = kit::error::ErrorBody),
    )
)]
async fn detail(
    State(ctx): State<Ctx>,
    Path(id): Path<u64>,
    Query(params): Query<DetailParams>,
) -> Result<Json<Clinic>> {
    let moment = KoreaMoment::of(&parse_at(params.at.as_deref(), Utc::now())?);
    let pool = ctx.db.global.clone();
    let found = ctx
        .cache()
        .get_or_load(CACHE_NAMESPACE, &format!("detail:{id}"), || async { Ok::<_, Error>(repo::get(&pool, id).await?) })
        .await?;
    found.map(|c| Json(c.evaluate(&moment))).ok_or_else(|| Error::not_found(format!("no clinic with id {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T01:30:00Z").expect("time").to_utc()
    }

    fn validate(p: SearchParams) -> Result<SearchRequest> {
        SearchRequest::validate(p, now())
    }

    fn field_of(r: Result<SearchRequest>) -> String {
        match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_filters() {
        let r = validate(SearchParams::default()).expect("valid");
        assert_eq!((r.page, r.size), (1, 20));
        assert_eq!(r.filters, Filters::default());
        assert_eq!((r.moment.day, r.moment.minute), (Day::Tue, 630), "now in Korea time");

        let r = validate(SearchParams {
            q: Some(" 서울  내과 ".into()),
            department: Some("pediatrics".into()),
            region: Some("전남".into()),
            kind: Some("clinic".into()),
            open_now: Some("true".into()),
            at: Some("2026-09-25T10:00:00+09:00".into()),
            lat: Some(37.5),
            lon: Some(127.0),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(r.filters.terms, vec!["서울", "내과"]);
        assert_eq!(r.filters.department.as_deref(), Some("pediatrics"));
        assert_eq!(r.filters.regions, vec!["전남", "전라남도"]);
        assert_eq!(r.filters.kind, Some(ClinicType::Clinic));
        assert_eq!(r.filters.open_at, Some((Day::Holiday, 600)), "추석 2026");
        assert_eq!(r.filters.near, Some(Near { lat: 37.5, lon: 127.0, radius_km: DEFAULT_RADIUS_KM }));
    }

    #[test]
    fn bad_input_names_the_field() {
        let p = SearchParams::default;
        assert_eq!(field_of(validate(SearchParams { q: Some("  ".into()), ..p() })), "q");
        assert_eq!(field_of(validate(SearchParams { q: Some("가".repeat(101)), ..p() })), "q");
        assert_eq!(field_of(validate(SearchParams { department: Some("bogus".into()), ..p() })), "department");
        assert_eq!(field_of(validate(SearchParams { region: Some("".into()), ..p() })), "region");
        assert_eq!(field_of(validate(SearchParams { kind: Some("pharmacy".into()), ..p() })), "type");
        assert_eq!(field_of(validate(SearchParams { open_now: Some("maybe".into()), ..p() })), "open_now");
        assert_eq!(field_of(validate(SearchParams { at: Some("yesterday".into()), ..p() })), "at");
        assert_eq!(field_of(validate(SearchParams { lat: Some(37.0), ..p() })), "lon");
        assert_eq!(field_of(validate(SearchParams { lon: Some(127.0), ..p() })), "lat");
        assert_eq!(field_of(validate(SearchParams { lat: Some(200.0), lon: Some(127.0), ..p() })), "lat");
        assert_eq!(field_of(validate(SearchParams { lat: Some(f64::NAN), lon: Some(127.0), ..p() })), "lat");
        assert_eq!(field_of(validate(SearchParams { lat: Some(37.0), lon: Some(181.0), ..p() })), "lon");
        let near = |r: f64| SearchParams { lat: Some(37.0), lon: Some(127.0), radius_km: Some(r), ..p() };
        assert_eq!(field_of(validate(near(0.0))), "radius_km");
        assert_eq!(field_of(validate(near(100.5))), "radius_km");
        assert_eq!(field_of(validate(near(f64::NAN))), "radius_km");
        assert!(validate(near(100.0)).is_ok());
        assert_eq!(field_of(validate(SearchParams { radius_km: Some(3.0), ..p() })), "radius_km");
        assert_eq!(field_of(validate(SearchParams { page: Some(-1), ..p() })), "page");
        assert_eq!(field_of(validate(SearchParams { size: Some(1000), ..p() })), "size");
        assert_eq!(field_of(validate(SearchParams { size: Some(0), ..p() })), "size");
    }

    #[test]
    fn timestamps_accept_an_unencoded_plus() {
        let a = parse_at(Some("2026-09-25T10:00:00+09:00"), now()).expect("rfc3339");
        let b = parse_at(Some("2026-09-25T10:00:00 09:00"), now()).expect("+ sent as a space");
        assert_eq!(a, b);
        assert_eq!(parse_at(None, now()).expect("now").to_utc(), now());
    }

    #[test]
    fn cache_keys_follow_results() {
        let at = |s: &str, open: bool| {
            validate(SearchParams {
                q: Some("내과".into()),
                open_now: Some(open.to_string()),
                at: Some(s.into()),
                ..Default::default()
            })
            .expect("valid")
            .cache_key()
        };
        // Without open_now the time does not change the results.
        assert_eq!(at("2026-11-23T10:00:00+09:00", false), at("2026-11-23T15:00:00+09:00", false));
        // With open_now every minute is its own entry.
        assert_ne!(at("2026-11-23T10:00:00+09:00", true), at("2026-11-23T10:01:00+09:00", true));
        assert_eq!(at("2026-11-23T10:00:00+09:00", true), at("2026-11-23T10:00:59+09:00", true));
        assert_ne!(at("2026-11-23T10:00:00+09:00", true), at("2026-11-23T10:00:00+09:00", false));
        let page = |n: i64| validate(SearchParams { page: Some(n), ..Default::default() }).expect("valid").cache_key();
        assert_ne!(page(1), page(2));
    }
}
