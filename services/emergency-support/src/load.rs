//! Writing emergency-support data: the bundled first-aid guides and the
//! national emergency-room list (E-Gen JSON). Both upsert by their key.

use serde::{Deserialize, Serialize};
use sqlx::MySqlPool;

pub const BUNDLED_GUIDES: &str = include_str!("../../../data/seed/first_aid.json");
pub const SAMPLE_ROOMS: &str = include_str!("../../../data/samples/emergency_rooms.json");

#[derive(Debug, Deserialize)]
pub struct GuideFile {
    pub guides: Vec<GuideSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Step {
    pub ko: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    pub title: String,
    pub publisher: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct GuideSeed {
    pub slug: String,
    pub title_ko: String,
    pub title_en: String,
    pub summary_ko: String,
    pub summary_en: String,
    pub call_119: bool,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(flatten)]
    pub body: GuideBody,
}

/// The list fields of a guide, stored as JSON text.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GuideBody {
    #[serde(default)]
    pub recognise_ko: Vec<String>,
    #[serde(default)]
    pub recognise_en: Vec<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub do_ko: Vec<String>,
    #[serde(default)]
    pub do_en: Vec<String>,
    #[serde(default)]
    pub dont_ko: Vec<String>,
    #[serde(default)]
    pub dont_en: Vec<String>,
    #[serde(default)]
    pub call_119_when_ko: Vec<String>,
    #[serde(default)]
    pub call_119_when_en: Vec<String>,
    #[serde(default)]
    pub keywords_ko: Vec<String>,
    #[serde(default)]
    pub keywords_en: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

pub fn parse_guides(json: &str) -> anyhow::Result<GuideFile> {
    let file: GuideFile = serde_json::from_str(json)?;
    let mut seen = std::collections::HashSet::new();
    for g in &file.guides {
        anyhow::ensure!(seen.insert(g.slug.as_str()), "duplicate guide slug {}", g.slug);
        anyhow::ensure!(!g.body.steps.is_empty(), "guide {} has no steps", g.slug);
    }
    Ok(file)
}

pub async fn load_guides(pool: &MySqlPool, file: &GuideFile) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    for (position, g) in file.guides.iter().enumerate() {
        let body = serde_json::to_string(&g.body)?;
        let mut search = vec![g.title_ko.to_lowercase(), g.title_en.to_lowercase()];
        search.extend(g.body.keywords_ko.iter().map(|k| k.to_lowercase()));
        search.extend(g.body.keywords_en.iter().map(|k| k.to_lowercase()));
        sqlx::query(
            "INSERT INTO first_aid_guides (slug, title_ko, title_en, summary_ko, summary_en, call_119, position, body, \
             search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE title_ko = VALUES(title_ko), \
             title_en = VALUES(title_en), summary_ko = VALUES(summary_ko), summary_en = VALUES(summary_en), \
             call_119 = VALUES(call_119), position = VALUES(position), body = VALUES(body), \
             search_text = VALUES(search_text)",
        )
        .bind(&g.slug)
        .bind(&g.title_ko)
        .bind(&g.title_en)
        .bind(&g.summary_ko)
        .bind(&g.summary_en)
        .bind(g.call_119)
        .bind(position as u16)
        .bind(body)
        .bind(format!("|{}|", search.join("|")))
        .execute(&mut *tx)
        .await?;
        let id: u64 = sqlx::query_scalar("SELECT id FROM first_aid_guides WHERE slug = ?")
            .bind(&g.slug)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM guide_categories WHERE guide_id = ?").bind(id).execute(&mut *tx).await?;
        for c in &g.categories {
            sqlx::query("INSERT INTO guide_categories (guide_id, category) VALUES (?, ?)")
                .bind(id)
                .bind(c)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(file.guides.len())
}

/// One item of the national emergency-room list (E-Gen). Coordinates and
/// phones come as strings or numbers depending on the export.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoomItem {
    hpid: Option<serde_json::Value>,
    duty_name: Option<String>,
    duty_addr: Option<String>,
    duty_tel1: Option<serde_json::Value>,
    duty_tel3: Option<serde_json::Value>,
    duty_emcls_name: Option<String>,
    wgs84_lat: Option<serde_json::Value>,
    wgs84_lon: Option<serde_json::Value>,
}

fn text_of(v: &Option<serde_json::Value>) -> Option<String> {
    match v {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn number_of(v: &Option<serde_json::Value>) -> Option<f64> {
    match v {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoomReport {
    pub inserted: usize,
    pub updated: usize,
    pub skipped: Vec<(usize, String)>,
}

/// Reads `response.body.items.item[]` (the API's JSON), `items[]`, or a bare array.
pub fn parse_rooms(json: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let root: serde_json::Value = serde_json::from_str(json)?;
    let found = match &root {
        serde_json::Value::Array(a) => Some(a.clone()),
        _ => ["/response/body/items/item", "/body/items/item", "/body/items", "/items/item", "/items"]
            .iter()
            .find_map(|p| root.pointer(p))
            .and_then(|v| match v {
                serde_json::Value::Array(a) => Some(a.clone()),
                // A single item is sent as an object.
                serde_json::Value::Object(_) => Some(vec![v.clone()]),
                _ => None,
            }),
    };
    found.ok_or_else(|| anyhow::anyhow!("no items: expected response.body.items.item[], items[] or an array"))
}

pub async fn import_rooms(pool: &MySqlPool, items: &[serde_json::Value]) -> anyhow::Result<RoomReport> {
    let mut report = RoomReport::default();
    let mut tx = pool.begin().await?;
    for (i, raw) in items.iter().enumerate() {
        let item: RoomItem = match serde_json::from_value(raw.clone()) {
            Ok(item) => item,
            Err(e) => {
                report.skipped.push((i, format!("not an emergency-room item: {e}")));
                continue;
            }
        };
        let (Some(hpid), Some(name), Some(lat), Some(lon)) =
            (text_of(&item.hpid), item.duty_name.clone(), number_of(&item.wgs84_lat), number_of(&item.wgs84_lon))
        else {
            report.skipped.push((i, "hpid, dutyName, wgs84Lat and wgs84Lon are required".to_string()));
            continue;
        };
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) || hpid.len() > 20 {
            report.skipped.push((i, "coordinates or hpid out of range".to_string()));
            continue;
        }
        let existed: Option<u64> = sqlx::query_scalar("SELECT id FROM emergency_rooms WHERE hpid = ?")
            .bind(&hpid)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO emergency_rooms (hpid, name, address, phone, er_phone, center_level, lat, lon) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name), address = VALUES(address), \
             phone = VALUES(phone), er_phone = VALUES(er_phone), center_level = VALUES(center_level), \
             lat = VALUES(lat), lon = VALUES(lon)",
        )
        .bind(&hpid)
        .bind(&name)
        .bind(item.duty_addr.clone().unwrap_or_default())
        .bind(text_of(&item.duty_tel1))
        .bind(text_of(&item.duty_tel3))
        .bind(item.duty_emcls_name.clone())
        .bind(lat)
        .bind(lon)
        .execute(&mut *tx)
        .await?;
        if existed.is_some() {
            report.updated += 1;
        } else {
            report.inserted += 1;
        }
    }
    tx.commit().await?;
    Ok(report)
}
