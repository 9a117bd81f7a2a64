//! Writing category data: the bundled seed set (`data/seed/categories.json`).
//! Loading upserts by slug in one transaction, so running it twice changes
//! nothing; cache invalidation is left to the caller (`medictl`).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use sqlx::{MySql, MySqlPool, QueryBuilder, Transaction};

use crate::{is_valid_slug, DEPARTMENT_CODES, MAX_SLUG_CHARS};

/// The bundled seed set.
pub const BUNDLED_SEED: &str = include_str!("../../../data/seed/categories.json");

#[derive(Debug, Clone, Deserialize)]
pub struct SeedFile {
    pub departments: Vec<SeedDepartment>,
    pub categories: Vec<SeedCategory>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDepartment {
    pub slug: String,
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCategory {
    pub slug: String,
    /// `null` for a top-level body area.
    pub parent: Option<String>,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    /// Department slugs, most relevant first.
    pub departments: Vec<String>,
    /// Drug slugs (drug service).
    #[serde(default)]
    pub drugs: Vec<String>,
    /// Condition slugs (internal_external service).
    #[serde(default)]
    pub conditions: Vec<String>,
    /// First-aid guide slugs (emergency-support service).
    #[serde(default)]
    pub guides: Vec<String>,
}

impl SeedCategory {
    /// Every link of the node as `(kind, slugs)`, `kind` as stored.
    pub fn links(&self) -> [(&'static str, &[String]); 3] {
        [("condition", &self.conditions), ("drug", &self.drugs), ("guide", &self.guides)]
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub departments: usize,
    /// Every category, top level and children.
    pub categories: usize,
    pub top_level: usize,
    /// Links stored (conditions, drugs and guides together).
    pub links: usize,
    /// Slugs of categories in the database that the seed no longer lists.
    /// They are kept (and still served); remove them by hand if intended.
    pub stale: Vec<String>,
}

/// Slugs a category may not take because they are routes of their own.
pub const RESERVED_SLUGS: [&str; 1] = ["departments"];

fn non_empty(what: &str, value: &str) -> anyhow::Result<()> {
    anyhow::ensure!(!value.trim().is_empty(), "{what} must not be empty");
    Ok(())
}

/// A link target's slug: what the other services' slugs look like.
fn is_valid_link_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG_CHARS
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn ensure_unique<'a>(what: &str, items: impl IntoIterator<Item = &'a String>) -> anyhow::Result<()> {
    let mut seen = HashSet::new();
    for item in items {
        anyhow::ensure!(seen.insert(item.as_str()), "{what} lists {item:?} twice");
    }
    Ok(())
}

/// Parses and checks a seed file: the 19 departments with their national
/// codes, valid and unique category slugs, parents that exist and are top
/// level (a two-level tree), known departments, and well-formed link slugs.
pub fn parse_seed(json: &str) -> anyhow::Result<SeedFile> {
    let seed: SeedFile = serde_json::from_str(json)?;

    anyhow::ensure!(
        seed.departments.len() == DEPARTMENT_CODES.len(),
        "expected {} departments, found {}",
        DEPARTMENT_CODES.len(),
        seed.departments.len()
    );
    let canonical: HashMap<&str, &str> = DEPARTMENT_CODES.iter().copied().collect();
    ensure_unique("departments", seed.departments.iter().map(|d| &d.slug))?;
    for d in &seed.departments {
        let Some(code) = canonical.get(d.slug.as_str()) else {
            anyhow::bail!("unknown department slug {:?}", d.slug);
        };
        anyhow::ensure!(d.code == *code, "department {} must have code {code}, not {:?}", d.slug, d.code);
        non_empty(&format!("department {} name_ko", d.slug), &d.name_ko)?;
        non_empty(&format!("department {} name_en", d.slug), &d.name_en)?;
        non_empty(&format!("department {} description_ko", d.slug), &d.description_ko)?;
        non_empty(&format!("department {} description_en", d.slug), &d.description_en)?;
    }

    anyhow::ensure!(!seed.categories.is_empty(), "the seed has no categories");
    ensure_unique("categories", seed.categories.iter().map(|c| &c.slug))?;
    let parents: HashMap<&str, Option<&str>> =
        seed.categories.iter().map(|c| (c.slug.as_str(), c.parent.as_deref())).collect();
    for c in &seed.categories {
        anyhow::ensure!(
            is_valid_slug(&c.slug) && !c.slug.bytes().all(|b| b.is_ascii_digit()),
            "category slug {:?} must be 1..={MAX_SLUG_CHARS} of a-z, 0-9 and '-', and not a number",
            c.slug
        );
        anyhow::ensure!(!RESERVED_SLUGS.contains(&c.slug.as_str()), "category slug {:?} is reserved", c.slug);
        if let Some(parent) = &c.parent {
            match parents.get(parent.as_str()) {
                None => anyhow::bail!("category {} names parent {parent:?}, which is not in the seed", c.slug),
                Some(Some(grandparent)) => anyhow::bail!(
                    "category {} names parent {parent:?}, which is itself under {grandparent:?}: the tree has two levels",
                    c.slug
                ),
                Some(None) => {}
            }
        }
        non_empty(&format!("category {} name_ko", c.slug), &c.name_ko)?;
        non_empty(&format!("category {} name_en", c.slug), &c.name_en)?;
        non_empty(&format!("category {} description_ko", c.slug), &c.description_ko)?;
        non_empty(&format!("category {} description_en", c.slug), &c.description_en)?;

        anyhow::ensure!(!c.departments.is_empty(), "category {} names no department", c.slug);
        ensure_unique(&format!("category {} departments", c.slug), &c.departments)?;
        for d in &c.departments {
            anyhow::ensure!(canonical.contains_key(d.as_str()), "category {} names unknown department {d:?}", c.slug);
        }
        for (kind, slugs) in c.links() {
            ensure_unique(&format!("category {} {kind} links", c.slug), slugs)?;
            for s in slugs {
                anyhow::ensure!(is_valid_link_slug(s), "category {} has a malformed {kind} slug {s:?}", c.slug);
            }
        }
    }
    Ok(seed)
}

async fn category_id(tx: &mut Transaction<'_, MySql>, slug: &str) -> sqlx::Result<u64> {
    sqlx::query_scalar("SELECT id FROM categories WHERE slug = ?").bind(slug).fetch_one(&mut **tx).await
}

/// Loads the seed set in one transaction: departments and categories are
/// upserted by slug, and each category's departments and links are
/// replaced by the seed's. Links are stored by slug whether or not their
/// target exists yet; they are resolved when read.
pub async fn load_seed(pool: &MySqlPool, seed: &SeedFile) -> anyhow::Result<SeedReport> {
    let mut tx = pool.begin().await?;

    for (position, d) in seed.departments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO departments (slug, code, name_ko, name_en, description_ko, description_en, position) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE code = VALUES(code), name_ko = VALUES(name_ko), name_en = VALUES(name_en), \
             description_ko = VALUES(description_ko), description_en = VALUES(description_en), \
             position = VALUES(position)",
        )
        .bind(&d.slug)
        .bind(&d.code)
        .bind(&d.name_ko)
        .bind(&d.name_en)
        .bind(&d.description_ko)
        .bind(&d.description_en)
        .bind(u16::try_from(position)?)
        .execute(&mut *tx)
        .await?;
    }

    // Parents before children, each group in seed order.
    let ordered = seed
        .categories
        .iter()
        .filter(|c| c.parent.is_none())
        .chain(seed.categories.iter().filter(|c| c.parent.is_some()));
    let mut ids: HashMap<&str, u64> = HashMap::new();
    let mut next_position: HashMap<Option<&str>, u16> = HashMap::new();
    let mut links = 0;
    for c in ordered {
        let parent_id = match c.parent.as_deref() {
            None => None,
            Some(parent) => Some(
                *ids.get(parent)
                    .ok_or_else(|| anyhow::anyhow!("category {} names unknown parent {parent:?}", c.slug))?,
            ),
        };
        let slot = next_position.entry(c.parent.as_deref()).or_insert(0);
        let position = *slot;
        *slot = slot.checked_add(1).ok_or_else(|| anyhow::anyhow!("too many categories under one parent"))?;

        sqlx::query(
            "INSERT INTO categories (slug, parent_id, name_ko, name_en, description_ko, description_en, position) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE parent_id = VALUES(parent_id), name_ko = VALUES(name_ko), \
             name_en = VALUES(name_en), description_ko = VALUES(description_ko), \
             description_en = VALUES(description_en), position = VALUES(position)",
        )
        .bind(&c.slug)
        .bind(parent_id)
        .bind(&c.name_ko)
        .bind(&c.name_en)
        .bind(&c.description_ko)
        .bind(&c.description_en)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        let id = category_id(&mut tx, &c.slug).await?;
        ids.insert(&c.slug, id);

        sqlx::query("DELETE FROM category_departments WHERE category_id = ?").bind(id).execute(&mut *tx).await?;
        if !c.departments.is_empty() {
            let mut qb =
                QueryBuilder::<MySql>::new("INSERT INTO category_departments (category_id, department, position) ");
            qb.push_values(c.departments.iter().enumerate(), |mut row, (position, department)| {
                row.push_bind(id).push_bind(department).push_bind(position as u16);
            });
            qb.build().execute(&mut *tx).await?;
        }

        sqlx::query("DELETE FROM category_links WHERE category_id = ?").bind(id).execute(&mut *tx).await?;
        let rows: Vec<(&str, usize, &String)> = c
            .links()
            .into_iter()
            .flat_map(|(kind, slugs)| slugs.iter().enumerate().map(move |(position, slug)| (kind, position, slug)))
            .collect();
        if !rows.is_empty() {
            let mut qb =
                QueryBuilder::<MySql>::new("INSERT INTO category_links (category_id, kind, target_slug, position) ");
            qb.push_values(rows.iter(), |mut row, (kind, position, slug)| {
                row.push_bind(id).push_bind(*kind).push_bind(*slug).push_bind(*position as u16);
            });
            qb.build().execute(&mut *tx).await?;
            links += rows.len();
        }
    }

    let known: HashSet<&str> = seed.categories.iter().map(|c| c.slug.as_str()).collect();
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT slug FROM categories ORDER BY slug").fetch_all(&mut *tx).await?;
    let stale = existing.into_iter().filter(|s| !known.contains(s.as_str())).collect();
    tx.commit().await?;

    Ok(SeedReport {
        departments: seed.departments.len(),
        categories: seed.categories.len(),
        top_level: seed.categories.iter().filter(|c| c.parent.is_none()).count(),
        links,
        stale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TOP_LEVEL_SLUGS;

    fn bundled() -> SeedFile {
        parse_seed(BUNDLED_SEED).expect("bundled seed parses")
    }

    /// Every `slug` of the items of a seed file (`{"<list>":[{"slug":..}]}`
    /// or a bare array), with each item's `categories`.
    fn items_of(path: &str) -> Option<Vec<(String, Vec<String>)>> {
        let path = format!("{}/../../data/seed/{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).ok()?;
        let root: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"));
        let lists: Vec<&Vec<serde_json::Value>> = match &root {
            serde_json::Value::Array(items) => vec![items],
            serde_json::Value::Object(o) => o.values().filter_map(|v| v.as_array()).collect(),
            _ => Vec::new(),
        };
        let items = lists
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let slug = item.get("slug")?.as_str()?.to_string();
                let categories = item
                    .get("categories")
                    .and_then(|c| c.as_array())
                    .map(|c| c.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                Some((slug, categories))
            })
            .collect();
        Some(items)
    }

    #[test]
    fn the_bundled_seed_has_the_19_departments_in_order() {
        let seed = bundled();
        let listed: Vec<(&str, &str)> = seed.departments.iter().map(|d| (d.slug.as_str(), d.code.as_str())).collect();
        assert_eq!(listed, DEPARTMENT_CODES.to_vec());
    }

    #[test]
    fn the_bundled_tree_has_the_16_areas_each_with_2_to_5_symptom_groups() {
        let seed = bundled();
        let top: Vec<&str> = seed.categories.iter().filter(|c| c.parent.is_none()).map(|c| c.slug.as_str()).collect();
        assert_eq!(top, TOP_LEVEL_SLUGS.to_vec());
        for area in TOP_LEVEL_SLUGS {
            let children = seed.categories.iter().filter(|c| c.parent.as_deref() == Some(area)).count();
            assert!((2..=5).contains(&children), "{area} has {children} symptom groups");
        }
    }

    #[test]
    fn every_drug_slug_exists_in_the_drug_seed() {
        let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("drug seed parses");
        let known: HashSet<&str> = drugs.drugs.iter().map(|d| d.slug.as_str()).collect();
        let seed = bundled();
        for c in &seed.categories {
            for d in &c.drugs {
                assert!(known.contains(d.as_str()), "category {} links unknown drug {d}", c.slug);
            }
        }
        assert!(seed.categories.iter().any(|c| !c.drugs.is_empty()));
    }

    /// Link slugs must exist in the owning service's seed file, and that
    /// file's `categories` must name our top-level slugs.
    fn check_links_against(file: &str, links: impl Fn(&SeedCategory) -> &[String]) {
        let Some(items) = items_of(file) else {
            eprintln!("data/seed/{file} does not exist yet; skipping");
            return;
        };
        let known: HashSet<&str> = items.iter().map(|(s, _)| s.as_str()).collect();
        assert!(!known.is_empty(), "{file} lists no slugs");
        let seed = bundled();
        for c in &seed.categories {
            for s in links(c) {
                assert!(known.contains(s.as_str()), "category {} links {s}, which {file} does not have", c.slug);
            }
        }
        for (slug, categories) in &items {
            for category in categories {
                assert!(
                    TOP_LEVEL_SLUGS.contains(&category.as_str()),
                    "{file}: {slug} names category {category:?}, which is not a top-level category"
                );
            }
        }
    }

    #[test]
    fn every_condition_slug_exists_in_the_condition_seed() {
        check_links_against("conditions.json", |c| &c.conditions);
    }

    #[test]
    fn every_guide_slug_exists_in_the_first_aid_seed() {
        check_links_against("first_aid.json", |c| &c.guides);
    }

    fn mutated(edit: impl FnOnce(&mut serde_json::Value)) -> anyhow::Result<SeedFile> {
        let mut v: serde_json::Value = serde_json::from_str(BUNDLED_SEED).expect("json");
        edit(&mut v);
        parse_seed(&v.to_string())
    }

    fn expect_rejected(what: &str, edit: impl FnOnce(&mut serde_json::Value), needle: &str) {
        match mutated(edit) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => assert!(e.to_string().contains(needle), "{what}: {e}"),
        }
    }

    #[test]
    fn malformed_seeds_are_rejected_with_a_reason() {
        expect_rejected(
            "18 departments",
            |v| {
                v["departments"].as_array_mut().expect("list").pop();
            },
            "expected 19 departments",
        );
        expect_rejected("wrong code", |v| v["departments"][0]["code"] = "99".into(), "must have code 01");
        expect_rejected("duplicate slug", |v| v["categories"][1]["slug"] = "head-neurology".into(), "twice");
        expect_rejected("grandchild", |v| v["categories"][2]["parent"] = "headache".into(), "the tree has two levels");
        expect_rejected("numeric slug", |v| v["categories"][1]["slug"] = "123".into(), "not a number");
        expect_rejected("upper case slug", |v| v["categories"][1]["slug"] = "Headache".into(), "must be 1..=120");
        expect_rejected("reserved slug", |v| v["categories"][1]["slug"] = "departments".into(), "reserved");
        expect_rejected(
            "no department",
            |v| v["categories"][1]["departments"] = serde_json::json!([]),
            "no department",
        );
        expect_rejected(
            "repeated link",
            |v| v["categories"][1]["drugs"] = serde_json::json!(["tylenol-500", "tylenol-500"]),
            "twice",
        );
        expect_rejected(
            "malformed link",
            |v| v["categories"][1]["guides"] = serde_json::json!(["../etc"]),
            "malformed guide slug",
        );
        expect_rejected("empty name", |v| v["categories"][1]["name_ko"] = " ".into(), "must not be empty");
        expect_rejected("typo'd field", |v| v["categories"][1]["department"] = serde_json::json!([]), "unknown field");
    }
}
