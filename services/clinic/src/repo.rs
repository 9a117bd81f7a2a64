//! The clinic service's queries. Plain SQL that runs on MySQL 8 / Aurora
//! MySQL 3 and MariaDB alike.
//!
//! Nearby search narrows candidates with a bounding box on the indexed
//! `(lat, lon)` columns, then computes the exact great-circle (haversine)
//! distance in SQL for those rows only and keeps the ones within the radius
//! (`HAVING distance_km <= r`), nearest first.

use std::collections::HashMap;

use kit::db::{like_contains, like_escape};
use sqlx::mysql::MySqlRow;
use sqlx::{MySql, MySqlPool, QueryBuilder, Row};

use crate::hours::{Day, Interval, WeekHours};
use crate::load::DEPARTMENTS;
use crate::model::{Clinic, ClinicType};

/// Mean Earth radius (IUGG), km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Length of one degree of latitude, km.
pub const KM_PER_DEGREE: f64 = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;
/// At most this many words of a query are matched (each must match).
pub const MAX_QUERY_TERMS: usize = 8;

/// Splits a query into the lower-cased words that must all match.
pub fn query_terms(q: &str) -> Vec<String> {
    q.split_whitespace().take(MAX_QUERY_TERMS).map(str::to_lowercase).collect()
}

/// Province names people shorten (전남 for 전라남도); both forms match each other.
const REGION_ALIASES: &[(&str, &[&str])] = &[
    ("전남", &["전라남도"]),
    ("전라남도", &["전남"]),
    ("전북", &["전라북도"]),
    ("전라북도", &["전북"]),
    ("경남", &["경상남도"]),
    ("경상남도", &["경남"]),
    ("경북", &["경상북도"]),
    ("경상북도", &["경북"]),
    ("충남", &["충청남도"]),
    ("충청남도", &["충남"]),
    ("충북", &["충청북도"]),
    ("충청북도", &["충북"]),
];

/// The substrings a `region` filter looks for in `sido` and `sigungu`.
pub fn region_patterns(region: &str) -> Vec<String> {
    let region = region.trim();
    let mut out = vec![region.to_string()];
    if let Some((_, aliases)) = REGION_ALIASES.iter().find(|(name, _)| *name == region) {
        out.extend(aliases.iter().map(|a| a.to_string()));
    }
    out
}

/// Great-circle distance in km (the same formula the SQL uses).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Rounds a distance for display (2 decimals).
pub fn round_km(km: f64) -> f64 {
    (km * 100.0).round() / 100.0
}

/// A nearby search: a point and a radius.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
    pub radius_km: f64,
}

/// The box that contains every point within the radius.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    /// `None` when the box spans all longitudes (near a pole or the antimeridian).
    pub lon: Option<(f64, f64)>,
}

impl Near {
    pub fn bounding_box(&self) -> BoundingBox {
        let dlat = self.radius_km / KM_PER_DEGREE;
        let (min_lat, max_lat) = (self.lat - dlat, self.lat + dlat);
        // Longitude degrees shrink with latitude: use the box's widest latitude.
        let widest = min_lat.abs().max(max_lat.abs());
        let lon = if widest >= 89.0 {
            None
        } else {
            let dlon = dlat / widest.to_radians().cos();
            let (lo, hi) = (self.lon - dlon, self.lon + dlon);
            if lo < -180.0 || hi > 180.0 {
                None
            } else {
                Some((lo, hi))
            }
        };
        BoundingBox { min_lat: min_lat.max(-90.0), max_lat: max_lat.min(90.0), lon }
    }
}

/// A validated search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub terms: Vec<String>,
    pub department: Option<String>,
    /// Substrings of `sido` or `sigungu`, any of which matches.
    pub regions: Vec<String>,
    pub kind: Option<ClinicType>,
    /// Only facilities open on this row of hours at this minute.
    pub open_at: Option<(Day, u16)>,
    pub near: Option<Near>,
}

const COLUMNS: &str = "c.id, c.slug, c.name, c.type, c.address, c.sido, c.sigungu, c.lat, c.lon, c.phone, \
                       c.website, c.emergency_room, c.sample, c.hours_verified";

fn push_distance(qb: &mut QueryBuilder<'_, MySql>, near: &Near) {
    // LEAST(1, …) keeps ASIN defined when rounding pushes its argument past 1.
    qb.push(format!("(2 * {EARTH_RADIUS_KM} * ASIN(LEAST(1, SQRT(POWER(SIN(RADIANS(c.lat - "))
        .push_bind(near.lat)
        .push(") / 2), 2) + COS(RADIANS(")
        .push_bind(near.lat)
        .push(")) * COS(RADIANS(c.lat)) * POWER(SIN(RADIANS(c.lon - ")
        .push_bind(near.lon)
        .push(") / 2), 2)))))");
}

/// A condition on a child table of the facility `c`. In nearby searches it is
/// written as a scalar subquery, which both MySQL and MariaDB evaluate per
/// candidate row through the child's primary key; as `EXISTS` they may turn
/// it into a semi-join driven from the child table (every pediatrics row in
/// the country, every Tuesday interval…) instead of from the bounding box.
fn push_child_condition(qb: &mut QueryBuilder<'_, MySql>, per_candidate: bool, from_where: &str) -> &'static str {
    if per_candidate {
        qb.push(" AND (SELECT 1 FROM ").push(from_where);
        " LIMIT 1) IS NOT NULL"
    } else {
        qb.push(" AND EXISTS (SELECT 1 FROM ").push(from_where);
        ")"
    }
}

fn push_filters(qb: &mut QueryBuilder<'_, MySql>, f: &Filters) {
    qb.push(" WHERE 1 = 1");
    let per_candidate = f.near.is_some();
    if let Some(near) = &f.near {
        let bbox = near.bounding_box();
        qb.push(" AND c.lat BETWEEN ").push_bind(bbox.min_lat).push(" AND ").push_bind(bbox.max_lat);
        if let Some((lo, hi)) = bbox.lon {
            qb.push(" AND c.lon BETWEEN ").push_bind(lo).push(" AND ").push_bind(hi);
        }
    }
    for term in &f.terms {
        qb.push(" AND c.search_text LIKE ").push_bind(like_contains(term));
    }
    if let Some(kind) = f.kind {
        qb.push(" AND c.type = ").push_bind(kind.as_str());
    }
    if !f.regions.is_empty() {
        qb.push(" AND (");
        for (i, region) in f.regions.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            let pattern = like_contains(region);
            qb.push("c.sido LIKE ").push_bind(pattern.clone()).push(" OR c.sigungu LIKE ").push_bind(pattern);
        }
        qb.push(")");
    }
    if let Some(department) = &f.department {
        let close = push_child_condition(
            qb,
            per_candidate,
            "clinic_departments d WHERE d.clinic_id = c.id AND d.department = ",
        );
        qb.push_bind(department.clone()).push(close);
    }
    if let Some((day, minute)) = f.open_at {
        let close = push_child_condition(qb, per_candidate, "clinic_hours h WHERE h.clinic_id = c.id AND h.day = ");
        qb.push_bind(day.as_str())
            .push(" AND h.open_min <= ")
            .push_bind(minute)
            .push(" AND h.close_min > ")
            .push_bind(minute)
            .push(close);
    }
}

/// `FROM clinics c` for the matching step: nearby searches always start from
/// the bounding box on `(lat, lon)`.
fn push_from(qb: &mut QueryBuilder<'_, MySql>, f: &Filters) {
    qb.push(" FROM clinics c");
    if f.near.is_some() {
        qb.push(" FORCE INDEX (clinics_lat_lon)");
    }
}

/// The page query, in two steps. The inner query finds the matches with only
/// what ranking needs (id, distance or name; with no other filter a nearby
/// search reads the `(lat, lon)` index alone) and keeps one page; the outer
/// query reads the full rows of that page by primary key. Nearby searches
/// also count the matches there (a window column over the few candidates of
/// the bounding box); other searches count separately, because a window over
/// a large match set would stop the database from sorting only the top rows.
fn page_query<'a>(prefix: &str, f: &'a Filters, page: u64, size: u64) -> QueryBuilder<'a, MySql> {
    let mut qb = QueryBuilder::new(format!("{prefix}SELECT {COLUMNS}"));
    let outer_order;
    if let Some(near) = &f.near {
        qb.push(", p.total_rows, p.distance_km FROM (SELECT c.id, COUNT(*) OVER () AS total_rows, ");
        push_distance(&mut qb, near);
        qb.push(" AS distance_km");
        push_from(&mut qb, f);
        push_filters(&mut qb, f);
        qb.push(" HAVING distance_km <= ").push_bind(near.radius_km);
        qb.push(" ORDER BY distance_km, c.id");
        outer_order = "p.distance_km, p.id";
    } else if !f.terms.is_empty() {
        // Names that are the query or start with it first.
        let whole = f.terms.join(" ");
        qb.push(" FROM (SELECT c.id, c.name AS name_key, CASE WHEN c.name = ")
            .push_bind(whole.clone())
            .push(" THEN 0 WHEN c.name LIKE ")
            .push_bind(format!("{}%", like_escape(&whole)))
            .push(" THEN 1 ELSE 2 END AS name_rank");
        push_from(&mut qb, f);
        push_filters(&mut qb, f);
        qb.push(" ORDER BY name_rank, c.name, c.id");
        outer_order = "p.name_rank, p.name_key, p.id";
    } else {
        qb.push(" FROM (SELECT c.id, c.name AS name_key");
        push_from(&mut qb, f);
        push_filters(&mut qb, f);
        qb.push(" ORDER BY c.name, c.id");
        outer_order = "p.name_key, p.id";
    }
    qb.push(" LIMIT ").push_bind(size).push(" OFFSET ").push_bind(page.saturating_sub(1).saturating_mul(size));
    qb.push(") p JOIN clinics c ON c.id = p.id ORDER BY ").push(outer_order);
    qb
}

fn count_query(f: &Filters) -> QueryBuilder<'_, MySql> {
    let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM ");
    match &f.near {
        Some(near) => {
            qb.push("(SELECT c.id, ");
            push_distance(&mut qb, near);
            qb.push(" AS distance_km");
            push_from(&mut qb, f);
            push_filters(&mut qb, f);
            qb.push(" HAVING distance_km <= ").push_bind(near.radius_km).push(") t");
        }
        None => {
            qb.push("clinics c");
            push_filters(&mut qb, f);
        }
    }
    qb
}

/// One page of matches and the total number of matches.
pub async fn search(pool: &MySqlPool, f: &Filters, page: u64, size: u64) -> sqlx::Result<(Vec<Clinic>, u64)> {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let (rows, total) = if f.near.is_some() {
        let rows = page_query("", f, page, size).build().fetch_all(pool).await?;
        let total = match rows.first() {
            Some(r) => count(r.try_get::<i64, _>("total_rows")?),
            // Past the last page the window has no row to report the total on.
            None if page > 1 => count(count_query(f).build_query_scalar().fetch_one(pool).await?),
            None => 0,
        };
        (rows, total)
    } else {
        // Two connections: the page and the count run at the same time.
        let mut page_qb = page_query("", f, page, size);
        let mut count_qb = count_query(f);
        let (rows, total): (Vec<MySqlRow>, i64) =
            tokio::try_join!(page_qb.build().fetch_all(pool), count_qb.build_query_scalar().fetch_one(pool))?;
        (rows, count(total))
    };
    let items = with_details(pool, rows, f.near.is_some()).await?;
    Ok((items, total))
}

/// The database's plan for the page query of a search (`EXPLAIN`), one map per row.
pub async fn explain_search(
    pool: &MySqlPool,
    f: &Filters,
    page: u64,
    size: u64,
) -> sqlx::Result<Vec<Vec<(String, String)>>> {
    use sqlx::Column;
    let rows = page_query("EXPLAIN ", f, page, size).build().fetch_all(pool).await?;
    Ok(rows
        .iter()
        .map(|r| {
            r.columns()
                .iter()
                .map(|c| {
                    let i = c.ordinal();
                    let value = r
                        .try_get::<Option<String>, _>(i)
                        .ok()
                        .flatten()
                        .or_else(|| r.try_get::<Option<i64>, _>(i).ok().flatten().map(|v| v.to_string()))
                        .or_else(|| r.try_get::<Option<u64>, _>(i).ok().flatten().map(|v| v.to_string()))
                        .or_else(|| r.try_get::<Option<f64>, _>(i).ok().flatten().map(|v| v.to_string()))
                        .unwrap_or_else(|| "NULL".to_string());
                    (c.name().to_string(), value)
                })
                .collect()
        })
        .collect())
}

/// One facility by id.
pub async fn get(pool: &MySqlPool, id: u64) -> sqlx::Result<Option<Clinic>> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS} FROM clinics c WHERE c.id = ?")).bind(id).fetch_optional(pool).await?;
    Ok(with_details(pool, row.into_iter().collect(), false).await?.pop())
}

/// Adds departments and hours to the rows (two queries for all of them).
async fn with_details(pool: &MySqlPool, rows: Vec<MySqlRow>, with_distance: bool) -> sqlx::Result<Vec<Clinic>> {
    let ids: Vec<u64> = rows.iter().map(|r| r.get::<u64, _>("id")).collect();
    let mut departments = departments_of(pool, &ids).await?;
    let mut hours = hours_of(pool, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let id: u64 = r.try_get("id")?;
            let distance_km = if with_distance { Some(round_km(r.try_get::<f64, _>("distance_km")?)) } else { None };
            Ok(Clinic {
                id,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                kind: ClinicType::parse(r.try_get::<&str, _>("type")?).unwrap_or(ClinicType::Clinic),
                departments: departments.remove(&id).unwrap_or_default(),
                address: r.try_get("address")?,
                sido: r.try_get("sido")?,
                sigungu: r.try_get("sigungu")?,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
                phone: r.try_get("phone")?,
                website: r.try_get("website")?,
                emergency_room: r.try_get("emergency_room")?,
                sample: r.try_get("sample")?,
                hours_verified: r.try_get("hours_verified")?,
                hours: WeekHours::from_intervals(&hours.remove(&id).unwrap_or_default()),
                open_now: None,
                distance_km,
            })
        })
        .collect()
}

fn push_id_list(qb: &mut QueryBuilder<'_, MySql>, ids: &[u64]) {
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
}

/// Department slugs of each facility, in [`DEPARTMENTS`] order.
pub async fn departments_of(pool: &MySqlPool, ids: &[u64]) -> sqlx::Result<HashMap<u64, Vec<String>>> {
    let mut out: HashMap<u64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut qb = QueryBuilder::new("SELECT clinic_id, department FROM clinic_departments WHERE clinic_id IN (");
    push_id_list(&mut qb, ids);
    qb.push(")");
    for r in qb.build().fetch_all(pool).await? {
        out.entry(r.try_get("clinic_id")?).or_default().push(r.try_get("department")?);
    }
    let rank = |d: &String| DEPARTMENTS.iter().position(|k| k == d).unwrap_or(usize::MAX);
    for list in out.values_mut() {
        list.sort_by_key(rank);
    }
    Ok(out)
}

/// Opening intervals of each facility.
pub async fn hours_of(pool: &MySqlPool, ids: &[u64]) -> sqlx::Result<HashMap<u64, Vec<Interval>>> {
    let mut out: HashMap<u64, Vec<Interval>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut qb = QueryBuilder::new("SELECT clinic_id, day, open_min, close_min FROM clinic_hours WHERE clinic_id IN (");
    push_id_list(&mut qb, ids);
    qb.push(")");
    for r in qb.build().fetch_all(pool).await? {
        let Some(day) = Day::parse(r.try_get::<&str, _>("day")?) else { continue };
        out.entry(r.try_get("clinic_id")?).or_default().push(Interval {
            day,
            open: r.try_get("open_min")?,
            close: r.try_get("close_min")?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_known_distances() {
        // Seoul City Hall to Busan City Hall: about 325 km.
        let d = haversine_km(37.5663, 126.9779, 35.1798, 129.0750);
        assert!((d - 325.0).abs() < 3.0, "{d}");
        assert_eq!(haversine_km(37.5, 127.0, 37.5, 127.0), 0.0);
        // One degree of latitude.
        assert!((haversine_km(37.0, 127.0, 38.0, 127.0) - KM_PER_DEGREE).abs() < 1e-9);
        assert_eq!(round_km(1.23456), 1.23);
    }

    #[test]
    fn the_bounding_box_contains_the_circle() {
        let near = Near { lat: 37.5, lon: 127.0, radius_km: 3.0 };
        let b = near.bounding_box();
        let (lo, hi) = b.lon.expect("a bounded longitude range");
        // Points exactly at the radius in the four directions are inside the box.
        for bearing in 0..360 {
            let theta = f64::from(bearing).to_radians();
            let dlat = near.radius_km * theta.cos() / KM_PER_DEGREE;
            let lat = near.lat + dlat;
            let dlon = near.radius_km * theta.sin() / (KM_PER_DEGREE * lat.to_radians().cos());
            let lon = near.lon + dlon;
            if haversine_km(near.lat, near.lon, lat, lon) <= near.radius_km {
                assert!(b.min_lat <= lat && lat <= b.max_lat, "{bearing}: lat {lat}");
                assert!(lo <= lon && lon <= hi, "{bearing}: lon {lon}");
            }
        }
        assert!(b.max_lat - b.min_lat < 0.06, "tight: {b:?}");
        assert_eq!(Near { lat: 89.5, lon: 0.0, radius_km: 100.0 }.bounding_box().lon, None);
        assert_eq!(Near { lat: 0.0, lon: 179.99, radius_km: 10.0 }.bounding_box().lon, None);
    }

    #[test]
    fn short_province_names_match_full_ones() {
        assert_eq!(region_patterns(" 전남 "), vec!["전남", "전라남도"]);
        assert_eq!(region_patterns("강남구"), vec!["강남구"]);
        assert_eq!(region_patterns("경상북도"), vec!["경상북도", "경북"]);
    }
}
