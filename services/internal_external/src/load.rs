//! Writing the bundled conditions (`data/seed/conditions.json`), upserting by slug.

use serde::{Deserialize, Serialize};
use sqlx::MySqlPool;

pub const BUNDLED_SEED: &str = include_str!("../../../data/seed/conditions.json");

#[derive(Debug, Deserialize)]
pub struct SeedFile {
    pub conditions: Vec<ConditionSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    pub title: String,
    pub publisher: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct ConditionSeed {
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub departments: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    pub urgency: String,
    pub summary_ko: String,
    pub summary_en: String,
    #[serde(default)]
    pub related_drugs: Vec<String>,
    #[serde(flatten)]
    pub details: Details,
}

/// The list fields of a condition, stored as JSON text in `details`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Details {
    #[serde(default)]
    pub aliases_ko: Vec<String>,
    #[serde(default)]
    pub aliases_en: Vec<String>,
    #[serde(default)]
    pub symptoms_ko: Vec<String>,
    #[serde(default)]
    pub symptoms_en: Vec<String>,
    #[serde(default)]
    pub causes_ko: Vec<String>,
    #[serde(default)]
    pub causes_en: Vec<String>,
    #[serde(default)]
    pub when_to_see_doctor_ko: Vec<String>,
    #[serde(default)]
    pub when_to_see_doctor_en: Vec<String>,
    #[serde(default)]
    pub self_care_ko: Vec<String>,
    #[serde(default)]
    pub self_care_en: Vec<String>,
    #[serde(default)]
    pub red_flags_ko: Vec<String>,
    #[serde(default)]
    pub red_flags_en: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

pub const URGENCIES: [&str; 4] = ["emergency", "urgent", "routine", "self_care"];

pub fn parse_seed(json: &str) -> anyhow::Result<SeedFile> {
    let seed: SeedFile = serde_json::from_str(json)?;
    let mut seen = std::collections::HashSet::new();
    for c in &seed.conditions {
        anyhow::ensure!(seen.insert(c.slug.as_str()), "duplicate condition slug {}", c.slug);
        anyhow::ensure!(URGENCIES.contains(&c.urgency.as_str()), "condition {} has urgency {:?}", c.slug, c.urgency);
        anyhow::ensure!(!c.departments.is_empty(), "condition {} has no department", c.slug);
        for d in &c.departments {
            anyhow::ensure!(crate::DEPARTMENTS.contains(&d.as_str()), "condition {} names department {d}", c.slug);
        }
    }
    Ok(seed)
}

pub async fn load_seed(pool: &MySqlPool, seed: &SeedFile) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    for c in &seed.conditions {
        let mut search = vec![c.name_ko.to_lowercase(), c.name_en.to_lowercase()];
        for list in [&c.details.aliases_ko, &c.details.aliases_en, &c.details.symptoms_ko, &c.details.symptoms_en] {
            search.extend(list.iter().map(|s| s.to_lowercase()));
        }
        sqlx::query(
            "INSERT INTO conditions (slug, name_ko, name_en, urgency, summary_ko, summary_en, details, search_text) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE name_ko = VALUES(name_ko), \
             name_en = VALUES(name_en), urgency = VALUES(urgency), summary_ko = VALUES(summary_ko), \
             summary_en = VALUES(summary_en), details = VALUES(details), search_text = VALUES(search_text)",
        )
        .bind(&c.slug)
        .bind(&c.name_ko)
        .bind(&c.name_en)
        .bind(&c.urgency)
        .bind(&c.summary_ko)
        .bind(&c.summary_en)
        .bind(serde_json::to_string(&c.details)?)
        .bind(format!("|{}|", search.join("|")))
        .execute(&mut *tx)
        .await?;
        let id: u64 =
            sqlx::query_scalar("SELECT id FROM conditions WHERE slug = ?").bind(&c.slug).fetch_one(&mut *tx).await?;
        for table in ["condition_departments", "condition_categories", "condition_drugs"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE condition_id = ?")).bind(id).execute(&mut *tx).await?;
        }
        for (position, d) in c.departments.iter().enumerate() {
            sqlx::query("INSERT INTO condition_departments (condition_id, department, position) VALUES (?, ?, ?)")
                .bind(id)
                .bind(d)
                .bind(position as u16)
                .execute(&mut *tx)
                .await?;
        }
        for cat in &c.categories {
            sqlx::query("INSERT INTO condition_categories (condition_id, category) VALUES (?, ?)")
                .bind(id)
                .bind(cat)
                .execute(&mut *tx)
                .await?;
        }
        for drug in &c.related_drugs {
            sqlx::query("INSERT INTO condition_drugs (condition_id, drug_slug) VALUES (?, ?)")
                .bind(id)
                .bind(drug)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(seed.conditions.len())
}
