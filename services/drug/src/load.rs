//! Writing drug data: the bundled seed set and the Korean drug authority's
//! e약은요 JSON. Both upsert, so running them twice changes nothing, and both
//! leave the cache invalidation to the caller (`medictl`).

use std::collections::HashMap;

use serde::Deserialize;
use sqlx::{MySql, MySqlPool, Transaction};

/// The bundled seed set (`data/seed/drugs.json`).
pub const BUNDLED_SEED: &str = include_str!("../../../data/seed/drugs.json");

/// Source line stored with seed rows.
pub const SEED_SOURCE: &str = "medi seed set: summaries of public Korean drug labels (식약처 의약품안전나라, e약은요)";
/// Source line stored with imported rows.
pub const IMPORT_SOURCE: &str = "식품의약품안전처 e약은요 (의약품개요정보)";

#[derive(Debug, Deserialize)]
pub struct SeedFile {
    pub ingredients: Vec<SeedIngredient>,
    pub drugs: Vec<SeedDrug>,
    pub interactions: Vec<SeedInteraction>,
}

#[derive(Debug, Deserialize)]
pub struct SeedIngredient {
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub class: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SeedDrug {
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub company: Option<String>,
    pub kind: String,
    pub ingredients: Vec<SeedDrugIngredient>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub efficacy_ko: String,
    pub efficacy_en: String,
    pub usage_ko: String,
    pub usage_en: String,
    pub warnings_ko: String,
    pub warnings_en: String,
    pub side_effects_ko: String,
    pub side_effects_en: String,
    pub storage_ko: String,
    pub storage_en: String,
}

#[derive(Debug, Deserialize)]
pub struct SeedDrugIngredient {
    pub ingredient: String,
    pub amount: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SeedInteraction {
    pub a: String,
    pub b: String,
    pub severity: String,
    pub description_ko: String,
    pub description_en: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub ingredients: usize,
    pub drugs: usize,
    pub interactions: usize,
}

pub fn parse_seed(json: &str) -> anyhow::Result<SeedFile> {
    let seed: SeedFile = serde_json::from_str(json)?;
    let known: std::collections::HashSet<&str> = seed.ingredients.iter().map(|i| i.slug.as_str()).collect();
    for d in &seed.drugs {
        for i in &d.ingredients {
            anyhow::ensure!(
                known.contains(i.ingredient.as_str()),
                "drug {} names unknown ingredient {}",
                d.slug,
                i.ingredient
            );
        }
        anyhow::ensure!(matches!(d.kind.as_str(), "otc" | "prescription"), "drug {} has kind {:?}", d.slug, d.kind);
    }
    for x in &seed.interactions {
        anyhow::ensure!(
            known.contains(x.a.as_str()) && known.contains(x.b.as_str()),
            "interaction {}-{} names an unknown ingredient",
            x.a,
            x.b
        );
        anyhow::ensure!(
            matches!(x.severity.as_str(), "major" | "moderate" | "minor"),
            "interaction {}-{} has severity {:?}",
            x.a,
            x.b,
            x.severity
        );
    }
    Ok(seed)
}

/// The text name search scans: names, aliases and ingredient names, lower-cased.
fn search_names(names: &[&str]) -> String {
    let mut out = String::from("|");
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        out.push_str(&n.to_lowercase());
        out.push('|');
    }
    out
}

/// Aliases stored as `|a|b|` so one alias can be matched exactly with LIKE.
fn alias_field(aliases: &[String]) -> String {
    search_names(&aliases.iter().map(String::as_str).collect::<Vec<_>>())
}

async fn upsert_ingredient(tx: &mut Transaction<'_, MySql>, i: &SeedIngredient) -> sqlx::Result<u64> {
    sqlx::query(
        "INSERT INTO ingredients (slug, name_ko, name_en, class) VALUES (?, ?, ?, ?) \
         ON DUPLICATE KEY UPDATE name_ko = VALUES(name_ko), name_en = VALUES(name_en), class = VALUES(class)",
    )
    .bind(&i.slug)
    .bind(&i.name_ko)
    .bind(&i.name_en)
    .bind(&i.class)
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar("SELECT id FROM ingredients WHERE slug = ?").bind(&i.slug).fetch_one(&mut **tx).await
}

/// Loads the seed set in one transaction (upsert by slug).
pub async fn load_seed(pool: &MySqlPool, seed: &SeedFile) -> anyhow::Result<SeedReport> {
    let mut tx = pool.begin().await?;
    let mut ingredient_ids: HashMap<&str, u64> = HashMap::new();
    let mut ingredient_names: HashMap<&str, (&str, &str)> = HashMap::new();
    for i in &seed.ingredients {
        ingredient_ids.insert(&i.slug, upsert_ingredient(&mut tx, i).await?);
        ingredient_names.insert(&i.slug, (&i.name_ko, &i.name_en));
    }

    for d in &seed.drugs {
        let mut names: Vec<&str> = vec![&d.name_ko, &d.name_en];
        names.extend(d.aliases.iter().map(String::as_str));
        for i in &d.ingredients {
            if let Some((ko, en)) = ingredient_names.get(i.ingredient.as_str()) {
                names.push(ko);
                names.push(en);
            }
        }
        sqlx::query(
            "INSERT INTO drugs (slug, name_ko, name_en, company, kind, aliases, efficacy_ko, efficacy_en, usage_ko, \
             usage_en, warnings_ko, warnings_en, side_effects_ko, side_effects_en, storage_ko, storage_en, source, \
             search_names) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE name_ko = VALUES(name_ko), name_en = VALUES(name_en), company = VALUES(company), \
             kind = VALUES(kind), aliases = VALUES(aliases), efficacy_ko = VALUES(efficacy_ko), \
             efficacy_en = VALUES(efficacy_en), usage_ko = VALUES(usage_ko), usage_en = VALUES(usage_en), \
             warnings_ko = VALUES(warnings_ko), warnings_en = VALUES(warnings_en), \
             side_effects_ko = VALUES(side_effects_ko), side_effects_en = VALUES(side_effects_en), \
             storage_ko = VALUES(storage_ko), storage_en = VALUES(storage_en), source = VALUES(source), \
             search_names = VALUES(search_names)",
        )
        .bind(&d.slug)
        .bind(&d.name_ko)
        .bind(&d.name_en)
        .bind(&d.company)
        .bind(&d.kind)
        .bind(alias_field(&d.aliases))
        .bind(&d.efficacy_ko)
        .bind(&d.efficacy_en)
        .bind(&d.usage_ko)
        .bind(&d.usage_en)
        .bind(&d.warnings_ko)
        .bind(&d.warnings_en)
        .bind(&d.side_effects_ko)
        .bind(&d.side_effects_en)
        .bind(&d.storage_ko)
        .bind(&d.storage_en)
        .bind(SEED_SOURCE)
        .bind(search_names(&names))
        .execute(&mut *tx)
        .await?;
        let drug_id: u64 =
            sqlx::query_scalar("SELECT id FROM drugs WHERE slug = ?").bind(&d.slug).fetch_one(&mut *tx).await?;
        sqlx::query("DELETE FROM drug_ingredients WHERE drug_id = ?").bind(drug_id).execute(&mut *tx).await?;
        for (position, i) in d.ingredients.iter().enumerate() {
            let Some(ingredient_id) = ingredient_ids.get(i.ingredient.as_str()) else { continue };
            sqlx::query("INSERT INTO drug_ingredients (drug_id, ingredient_id, amount, position) VALUES (?, ?, ?, ?)")
                .bind(drug_id)
                .bind(ingredient_id)
                .bind(&i.amount)
                .bind(position as u16)
                .execute(&mut *tx)
                .await?;
        }
    }

    for x in &seed.interactions {
        let (Some(a), Some(b)) = (ingredient_ids.get(x.a.as_str()), ingredient_ids.get(x.b.as_str())) else { continue };
        let (lo, hi) = if a < b { (*a, *b) } else { (*b, *a) };
        if lo == hi {
            continue;
        }
        sqlx::query(
            "INSERT INTO ingredient_interactions (ingredient_a_id, ingredient_b_id, severity, description_ko, description_en) \
             VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE severity = VALUES(severity), \
             description_ko = VALUES(description_ko), description_en = VALUES(description_en)",
        )
        .bind(lo)
        .bind(hi)
        .bind(&x.severity)
        .bind(&x.description_ko)
        .bind(&x.description_en)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(SeedReport {
        ingredients: seed.ingredients.len(),
        drugs: seed.drugs.len(),
        interactions: seed.interactions.len(),
    })
}

// ---------------------------------------------------------------------------
// e약은요 import
// ---------------------------------------------------------------------------

/// One item of the e약은요 API (`body.items[]`). The API sends numbers for
/// some codes and `null` for missing texts, so every field is lenient.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EDrugItem {
    #[serde(default, deserialize_with = "string_or_number")]
    pub item_seq: Option<String>,
    pub item_name: Option<String>,
    pub entp_name: Option<String>,
    pub efcy_qesitm: Option<String>,
    pub use_method_qesitm: Option<String>,
    pub atpn_warn_qesitm: Option<String>,
    pub atpn_qesitm: Option<String>,
    pub intrc_qesitm: Option<String>,
    pub se_qesitm: Option<String>,
    pub deposit_method_qesitm: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub update_de: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// Reads the items from the API's envelope (`{"body":{"items":[...]}}`),
/// from `{"items":[...]}`, or from a bare array (a saved list of items).
pub fn parse_edrug(json: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let root: serde_json::Value = serde_json::from_str(json)?;
    let items = match &root {
        serde_json::Value::Array(items) => items.clone(),
        _ => root
            .pointer("/body/items")
            .or_else(|| root.pointer("/items"))
            .and_then(|v| match v {
                serde_json::Value::Array(items) => Some(items.clone()),
                // The XML-to-JSON form wraps the list: {"items":{"item":[...]}}.
                serde_json::Value::Object(o) => o.get("item").and_then(|i| i.as_array().cloned()),
                _ => None,
            })
            .ok_or_else(|| anyhow::anyhow!("no items: expected body.items[], items[] or an array of items"))?,
    };
    Ok(items)
}

/// Removes HTML tags and decodes the entities the API uses; collapses blank
/// runs so texts read as plain sentences.
pub fn strip_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut collapsed = String::with_capacity(decoded.len());
    for (i, line) in decoded.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).enumerate() {
        if line.is_empty() {
            continue;
        }
        if i > 0 && !collapsed.is_empty() {
            collapsed.push('\n');
        }
        collapsed.push_str(&line);
    }
    collapsed
}

fn clean(text: &Option<String>) -> Option<String> {
    text.as_deref().map(strip_html).filter(|t| !t.is_empty())
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    /// (position in the file, reason)
    pub skipped: Vec<(usize, String)>,
}

/// Imports e약은요 items, upserting by item code, and links each to the known
/// ingredients its name mentions (the API has no ingredient field).
pub async fn import_edrug(pool: &MySqlPool, items: &[serde_json::Value]) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport::default();
    let ingredients: Vec<(u64, String, String)> =
        sqlx::query_as("SELECT id, name_ko, name_en FROM ingredients").fetch_all(pool).await?;

    for (chunk_index, chunk) in items.chunks(500).enumerate() {
        let mut tx = pool.begin().await?;
        for (offset, raw) in chunk.iter().enumerate() {
            let position = chunk_index * 500 + offset;
            let item: EDrugItem = match serde_json::from_value(raw.clone()) {
                Ok(item) => item,
                Err(e) => {
                    report.skipped.push((position, format!("not an e약은요 item: {e}")));
                    continue;
                }
            };
            let seq = item.item_seq.as_deref().map(str::trim).filter(|s| !s.is_empty() && s.len() <= 32);
            let name = clean(&item.item_name);
            let (Some(seq), Some(name)) = (seq, name) else {
                report.skipped.push((position, "itemSeq and itemName are required".to_string()));
                continue;
            };
            let linked: Vec<&(u64, String, String)> =
                ingredients.iter().filter(|(_, ko, _)| !ko.is_empty() && name.contains(ko.as_str())).collect();
            let mut names: Vec<&str> = vec![&name];
            for (_, ko, en) in &linked {
                names.push(ko);
                names.push(en);
            }
            let existed: Option<u64> = sqlx::query_scalar("SELECT id FROM drugs WHERE item_seq = ?")
                .bind(seq)
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO drugs (slug, item_seq, name_ko, company, kind, efficacy_ko, usage_ko, warnings_ko, \
                 precautions_ko, interactions_ko, side_effects_ko, storage_ko, source, search_names) \
                 VALUES (?, ?, ?, ?, 'unknown', ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON DUPLICATE KEY UPDATE name_ko = VALUES(name_ko), company = VALUES(company), \
                 efficacy_ko = VALUES(efficacy_ko), usage_ko = VALUES(usage_ko), warnings_ko = VALUES(warnings_ko), \
                 precautions_ko = VALUES(precautions_ko), interactions_ko = VALUES(interactions_ko), \
                 side_effects_ko = VALUES(side_effects_ko), storage_ko = VALUES(storage_ko), \
                 source = VALUES(source), search_names = VALUES(search_names)",
            )
            .bind(format!("mfds-{seq}"))
            .bind(seq)
            .bind(&name)
            .bind(clean(&item.entp_name))
            .bind(clean(&item.efcy_qesitm))
            .bind(clean(&item.use_method_qesitm))
            .bind(clean(&item.atpn_warn_qesitm))
            .bind(clean(&item.atpn_qesitm))
            .bind(clean(&item.intrc_qesitm))
            .bind(clean(&item.se_qesitm))
            .bind(clean(&item.deposit_method_qesitm))
            .bind(IMPORT_SOURCE)
            .bind(search_names(&names))
            .execute(&mut *tx)
            .await?;
            let drug_id: u64 =
                sqlx::query_scalar("SELECT id FROM drugs WHERE item_seq = ?").bind(seq).fetch_one(&mut *tx).await?;
            sqlx::query("DELETE FROM drug_ingredients WHERE drug_id = ?").bind(drug_id).execute(&mut *tx).await?;
            for (position, (ingredient_id, _, _)) in linked.iter().enumerate() {
                sqlx::query("INSERT INTO drug_ingredients (drug_id, ingredient_id, position) VALUES (?, ?, ?)")
                    .bind(drug_id)
                    .bind(ingredient_id)
                    .bind(position as u16)
                    .execute(&mut *tx)
                    .await?;
            }
            if existed.is_some() {
                report.updated += 1;
            } else {
                report.inserted += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_stripped_and_entities_decoded() {
        let raw = "<p>이 약은 두통,&nbsp;치통에 사용합니다.</p><br/><sub>2</sub>  &lt;주의&gt; &amp; 기타";
        assert_eq!(strip_html(raw), "이 약은 두통, 치통에 사용합니다. 2 <주의> & 기타");
    }

    #[test]
    fn edrug_envelopes_are_all_accepted() {
        let api = r#"{"header":{"resultCode":"00"},"body":{"items":[{"itemSeq":"1"}]}}"#;
        let xml_style = r#"{"items":{"item":[{"itemSeq":1},{"itemSeq":2}]}}"#;
        let bare = r#"[{"itemSeq":"1"}]"#;
        assert_eq!(parse_edrug(api).map(|v| v.len()).ok(), Some(1));
        assert_eq!(parse_edrug(xml_style).map(|v| v.len()).ok(), Some(2));
        assert_eq!(parse_edrug(bare).map(|v| v.len()).ok(), Some(1));
        assert!(parse_edrug(r#"{"nothing":true}"#).is_err());
    }

    #[test]
    fn item_codes_may_be_numbers() {
        let item: EDrugItem = serde_json::from_str(r#"{"itemSeq":195700020,"itemName":"x"}"#).expect("item");
        assert_eq!(item.item_seq.as_deref(), Some("195700020"));
    }

    #[test]
    fn the_bundled_seed_set_is_valid() {
        let seed = parse_seed(BUNDLED_SEED).expect("bundled seed parses");
        assert!(seed.drugs.len() >= 60, "{} drugs", seed.drugs.len());
        assert!(seed.interactions.len() >= 30);
        let mut slugs: Vec<&str> = seed.drugs.iter().map(|d| d.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), seed.drugs.len(), "drug slugs are unique");
    }

    #[test]
    fn search_names_are_lowercased_and_delimited() {
        assert_eq!(search_names(&["Tylenol", " 타이레놀 ", ""]), "|tylenol|타이레놀|");
    }
}
