//! The drug service's queries. Plain SQL that runs on MySQL 8 / Aurora MySQL 3
//! and MariaDB alike.

use std::collections::{BTreeMap, HashMap};

use kit::db::{like_contains, like_escape};
use sqlx::mysql::MySqlRow;
use sqlx::{MySqlPool, QueryBuilder, Row};

use crate::model::{DrugDetail, DrugKind, DrugSummary, IngredientRef, KnownInteraction, DISCLAIMER_EN, DISCLAIMER_KO};

/// At most this many words of a query are matched (each must match).
pub const MAX_QUERY_TERMS: usize = 8;

/// Splits a query into the words that must all match.
pub fn query_terms(q: &str) -> Vec<String> {
    q.split_whitespace().take(MAX_QUERY_TERMS).map(str::to_lowercase).collect()
}

/// `WHERE` for a search: every term appears in the names (product, aliases,
/// ingredients) or in the efficacy text.
fn push_search_filter(qb: &mut QueryBuilder<'_, sqlx::MySql>, terms: &[String]) {
    qb.push(" WHERE 1 = 1");
    for term in terms {
        let pattern = like_contains(term);
        qb.push(" AND (d.search_names LIKE ")
            .push_bind(pattern.clone())
            .push(" OR d.efficacy_ko LIKE ")
            .push_bind(pattern.clone())
            .push(" OR d.efficacy_en LIKE ")
            .push_bind(pattern)
            .push(")");
    }
}

pub async fn search(pool: &MySqlPool, q: Option<&str>, page: u64, size: u64) -> sqlx::Result<(Vec<DrugSummary>, u64)> {
    let terms = q.map(query_terms).unwrap_or_default();

    let mut count = QueryBuilder::new("SELECT COUNT(*) FROM drugs d");
    push_search_filter(&mut count, &terms);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut qb = QueryBuilder::new(
        "SELECT d.id, d.slug, d.name_ko, d.name_en, d.company, d.kind, d.efficacy_ko, d.efficacy_en FROM drugs d",
    );
    push_search_filter(&mut qb, &terms);
    qb.push(" ORDER BY ");
    if let Some(q) = q {
        // Best matches first: exact name, name prefix, name or alias match,
        // then efficacy-only matches.
        let whole = q.trim().to_lowercase();
        let prefix = format!("{}%", like_escape(&whole));
        let first = like_contains(terms.first().map(String::as_str).unwrap_or(""));
        qb.push("CASE WHEN d.name_ko = ")
            .push_bind(whole.clone())
            .push(" OR d.name_en = ")
            .push_bind(whole)
            .push(" THEN 0 WHEN d.name_ko LIKE ")
            .push_bind(prefix.clone())
            .push(" OR d.name_en LIKE ")
            .push_bind(prefix)
            .push(" THEN 1 WHEN d.search_names LIKE ")
            .push_bind(first)
            .push(" THEN 2 ELSE 3 END, ");
    }
    qb.push("d.name_ko, d.id LIMIT ").push_bind(size).push(" OFFSET ").push_bind((page - 1) * size);
    let rows = qb.build().fetch_all(pool).await?;

    let ids: Vec<u64> = rows.iter().map(|r| r.get::<u64, _>("id")).collect();
    let mut ingredients = ingredients_of(pool, &ids).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let id: u64 = r.get("id");
            DrugSummary {
                id,
                slug: r.get("slug"),
                name_ko: r.get("name_ko"),
                name_en: r.get("name_en"),
                company: r.get("company"),
                kind: DrugKind::parse(r.get::<&str, _>("kind")),
                ingredients: ingredients.remove(&id).unwrap_or_default(),
                efficacy_ko: r.get("efficacy_ko"),
                efficacy_en: r.get("efficacy_en"),
            }
        })
        .collect();
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

/// Ingredients of each drug, in label order.
pub async fn ingredients_of(pool: &MySqlPool, drug_ids: &[u64]) -> sqlx::Result<HashMap<u64, Vec<IngredientRef>>> {
    let mut out: HashMap<u64, Vec<IngredientRef>> = HashMap::new();
    if drug_ids.is_empty() {
        return Ok(out);
    }
    let mut qb = QueryBuilder::new(
        "SELECT di.drug_id, i.slug, i.name_ko, i.name_en, i.class, di.amount FROM drug_ingredients di \
         JOIN ingredients i ON i.id = di.ingredient_id WHERE di.drug_id IN (",
    );
    let mut sep = qb.separated(", ");
    for id in drug_ids {
        sep.push_bind(*id);
    }
    qb.push(") ORDER BY di.drug_id, di.position, i.slug");
    for r in qb.build().fetch_all(pool).await? {
        out.entry(r.get("drug_id")).or_default().push(IngredientRef {
            slug: r.get("slug"),
            name_ko: r.get("name_ko"),
            name_en: r.get("name_en"),
            amount: r.get("amount"),
            class: r.get("class"),
        });
    }
    Ok(out)
}

fn detail_from_row(r: &MySqlRow, ingredients: Vec<IngredientRef>, known: Vec<KnownInteraction>) -> DrugDetail {
    DrugDetail {
        id: r.get("id"),
        slug: r.get("slug"),
        item_seq: r.get("item_seq"),
        name_ko: r.get("name_ko"),
        name_en: r.get("name_en"),
        company: r.get("company"),
        kind: DrugKind::parse(r.get::<&str, _>("kind")),
        ingredients,
        efficacy_ko: r.get("efficacy_ko"),
        efficacy_en: r.get("efficacy_en"),
        usage_ko: r.get("usage_ko"),
        usage_en: r.get("usage_en"),
        warnings_ko: r.get("warnings_ko"),
        warnings_en: r.get("warnings_en"),
        precautions_ko: r.get("precautions_ko"),
        interactions_ko: r.get("interactions_ko"),
        side_effects_ko: r.get("side_effects_ko"),
        side_effects_en: r.get("side_effects_en"),
        storage_ko: r.get("storage_ko"),
        storage_en: r.get("storage_en"),
        known_interactions: known,
        source: r.get("source"),
        disclaimer_ko: DISCLAIMER_KO.to_string(),
        disclaimer_en: DISCLAIMER_EN.to_string(),
    }
}

pub async fn get(pool: &MySqlPool, id: u64) -> sqlx::Result<Option<DrugDetail>> {
    let Some(row) = sqlx::query("SELECT * FROM drugs WHERE id = ?").bind(id).fetch_optional(pool).await? else {
        return Ok(None);
    };
    let ingredients = ingredients_of(pool, &[id]).await?.remove(&id).unwrap_or_default();
    let known = known_interactions(pool, id).await?;
    Ok(Some(detail_from_row(&row, ingredients, known)))
}

/// Every recorded interaction of any ingredient of the drug.
async fn known_interactions(pool: &MySqlPool, drug_id: u64) -> sqlx::Result<Vec<KnownInteraction>> {
    let rows = sqlx::query(
        "SELECT mine.slug AS ingredient, other.slug AS with_slug, other.name_ko AS with_name_ko, \
                other.name_en AS with_name_en, x.severity, x.description_ko, x.description_en \
         FROM drug_ingredients di \
         JOIN ingredient_interactions x ON x.ingredient_a_id = di.ingredient_id OR x.ingredient_b_id = di.ingredient_id \
         JOIN ingredients mine ON mine.id = di.ingredient_id \
         JOIN ingredients other ON other.id = IF(x.ingredient_a_id = di.ingredient_id, x.ingredient_b_id, x.ingredient_a_id) \
         WHERE di.drug_id = ? \
         ORDER BY FIELD(x.severity, 'major', 'moderate', 'minor'), other.slug",
    )
    .bind(drug_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| KnownInteraction {
            ingredient: r.get("ingredient"),
            with_slug: r.get("with_slug"),
            with_name_ko: r.get("with_name_ko"),
            with_name_en: r.get("with_name_en"),
            severity: r.get("severity"),
            description_ko: r.get("description_ko"),
            description_en: r.get("description_en"),
        })
        .collect())
}

/// What a name in an interaction request resolved to.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub drug_id: Option<u64>,
    pub name_ko: String,
    pub name_en: Option<String>,
    /// Ingredient ids and slugs.
    pub ingredients: Vec<(u64, String)>,
}

async fn drug_resolution(
    pool: &MySqlPool,
    id: u64,
    name_ko: String,
    name_en: Option<String>,
) -> sqlx::Result<Resolution> {
    let ingredients: Vec<(u64, String)> = sqlx::query_as(
        "SELECT i.id, i.slug FROM drug_ingredients di JOIN ingredients i ON i.id = di.ingredient_id \
         WHERE di.drug_id = ? ORDER BY di.position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Resolution { drug_id: Some(id), name_ko, name_en, ingredients })
}

pub async fn resolve_id(pool: &MySqlPool, id: u64) -> sqlx::Result<Option<Resolution>> {
    let row: Option<(u64, String, Option<String>)> =
        sqlx::query_as("SELECT id, name_ko, name_en FROM drugs WHERE id = ?").bind(id).fetch_optional(pool).await?;
    match row {
        Some((id, ko, en)) => Ok(Some(drug_resolution(pool, id, ko, en).await?)),
        None => Ok(None),
    }
}

/// Resolves a free-text name: an exact product name or alias, then an
/// ingredient name (the request may name a substance, e.g. 와파린), then
/// the best partial product match.
pub async fn resolve_name(pool: &MySqlPool, name: &str) -> sqlx::Result<Option<Resolution>> {
    let name = name.trim().to_lowercase();
    let alias = format!("%|{}|%", like_escape(&name));
    let exact: Option<(u64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, name_ko, name_en FROM drugs WHERE name_ko = ? OR name_en = ? OR aliases LIKE ? \
         ORDER BY (name_ko = ? OR name_en = ?) DESC, id LIMIT 1",
    )
    .bind(&name)
    .bind(&name)
    .bind(&alias)
    .bind(&name)
    .bind(&name)
    .fetch_optional(pool)
    .await?;
    if let Some((id, ko, en)) = exact {
        return Ok(Some(drug_resolution(pool, id, ko, en).await?));
    }

    let ingredient: Option<(u64, String, String, String)> = sqlx::query_as(
        "SELECT id, slug, name_ko, name_en FROM ingredients WHERE slug = ? OR name_ko = ? OR name_en = ? LIMIT 1",
    )
    .bind(&name)
    .bind(&name)
    .bind(&name)
    .fetch_optional(pool)
    .await?;
    if let Some((id, slug, ko, en)) = ingredient {
        return Ok(Some(Resolution { drug_id: None, name_ko: ko, name_en: Some(en), ingredients: vec![(id, slug)] }));
    }

    let (hits, _) = search(pool, Some(&name), 1, 1).await?;
    match hits.into_iter().next() {
        // Only a name match counts here, not an efficacy-text match.
        Some(hit) if hit_matches_name(&hit, &name) => {
            Ok(Some(drug_resolution(pool, hit.id, hit.name_ko, hit.name_en).await?))
        }
        _ => Ok(None),
    }
}

fn hit_matches_name(hit: &DrugSummary, name: &str) -> bool {
    let mut names = vec![hit.name_ko.to_lowercase()];
    names.extend(hit.name_en.iter().map(|n| n.to_lowercase()));
    for i in &hit.ingredients {
        names.push(i.name_ko.to_lowercase());
        names.push(i.name_en.to_lowercase());
    }
    name.split_whitespace().all(|term| names.iter().any(|n| n.contains(term)))
}

/// One recorded interaction between two ingredients.
#[derive(Debug, Clone)]
pub struct IngredientInteraction {
    pub a: u64,
    pub b: u64,
    pub severity: String,
    pub description_ko: String,
    pub description_en: String,
}

/// Every recorded interaction among the given ingredients.
pub async fn interactions_among(pool: &MySqlPool, ingredient_ids: &[u64]) -> sqlx::Result<Vec<IngredientInteraction>> {
    if ingredient_ids.len() < 2 {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::new(
        "SELECT ingredient_a_id, ingredient_b_id, severity, description_ko, description_en \
         FROM ingredient_interactions WHERE ingredient_a_id IN (",
    );
    let mut sep = qb.separated(", ");
    for id in ingredient_ids {
        sep.push_bind(*id);
    }
    qb.push(") AND ingredient_b_id IN (");
    let mut sep = qb.separated(", ");
    for id in ingredient_ids {
        sep.push_bind(*id);
    }
    qb.push(")");
    Ok(qb
        .build()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| IngredientInteraction {
            a: r.get("ingredient_a_id"),
            b: r.get("ingredient_b_id"),
            severity: r.get("severity"),
            description_ko: r.get("description_ko"),
            description_en: r.get("description_en"),
        })
        .collect())
}

/// Korean and English names of ingredients by id.
pub async fn ingredient_names(pool: &MySqlPool, ids: &[u64]) -> sqlx::Result<BTreeMap<u64, (String, String, String)>> {
    let mut out = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut qb = QueryBuilder::new("SELECT id, slug, name_ko, name_en FROM ingredients WHERE id IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(")");
    for r in qb.build().fetch_all(pool).await? {
        out.insert(r.get("id"), (r.get("slug"), r.get("name_ko"), r.get("name_en")));
    }
    Ok(out)
}
