//! The category service's queries. Plain SQL that runs on MySQL 8 / Aurora
//! MySQL 3 and MariaDB alike. Links are resolved here, by slug, against the
//! tables the other services own in the same global DB.

use std::collections::{HashMap, HashSet};

use sqlx::mysql::MySqlRow;
use sqlx::{MySqlPool, Row};

use crate::model::{
    CategoryChild, CategoryDetail, CategoryLinks, CategoryNode, CategoryRef, Department, DepartmentRef,
    LinkedCondition, LinkedDrug, LinkedGuide,
};
use crate::CategoryKey;

/// The departments, in their listed order.
pub async fn departments(pool: &MySqlPool) -> sqlx::Result<Vec<Department>> {
    let rows = sqlx::query(
        "SELECT slug, code, name_ko, name_en, description_ko, description_en FROM departments \
         ORDER BY position, slug",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Department {
            slug: r.get("slug"),
            code: r.get("code"),
            name_ko: r.get("name_ko"),
            name_en: r.get("name_en"),
            description_ko: r.get("description_ko"),
            description_en: r.get("description_en"),
        })
        .collect())
}

fn node_from_row(r: &MySqlRow, departments: Vec<String>) -> CategoryNode {
    CategoryNode {
        id: r.get("id"),
        slug: r.get("slug"),
        name_ko: r.get("name_ko"),
        name_en: r.get("name_en"),
        description_ko: r.get("description_ko"),
        description_en: r.get("description_en"),
        departments,
        children: Vec::new(),
    }
}

/// The whole tree: top-level areas in order, each with its symptom groups in
/// order. Nodes deeper than two levels (none come from the seed) are left out.
pub async fn tree(pool: &MySqlPool) -> sqlx::Result<Vec<CategoryNode>> {
    let rows = sqlx::query(
        "SELECT id, slug, parent_id, name_ko, name_en, description_ko, description_en FROM categories \
         ORDER BY position, id",
    )
    .fetch_all(pool)
    .await?;
    let mut departments: HashMap<u64, Vec<String>> = HashMap::new();
    let links: Vec<(u64, String)> =
        sqlx::query_as("SELECT category_id, department FROM category_departments ORDER BY category_id, position")
            .fetch_all(pool)
            .await?;
    for (category, department) in links {
        departments.entry(category).or_default().push(department);
    }

    let mut top: Vec<CategoryNode> = Vec::new();
    let mut children: HashMap<u64, Vec<CategoryNode>> = HashMap::new();
    for r in &rows {
        let id: u64 = r.get("id");
        let node = node_from_row(r, departments.remove(&id).unwrap_or_default());
        match r.get::<Option<u64>, _>("parent_id") {
            None => top.push(node),
            Some(parent) => children.entry(parent).or_default().push(node),
        }
    }
    for node in &mut top {
        node.children = children.remove(&node.id).unwrap_or_default();
    }
    Ok(top)
}

/// One category with its parent, children, departments and resolved links.
pub async fn detail(pool: &MySqlPool, key: &CategoryKey) -> sqlx::Result<Option<CategoryDetail>> {
    let row = match key {
        CategoryKey::Id(id) => {
            sqlx::query(
                "SELECT id, slug, parent_id, name_ko, name_en, description_ko, description_en FROM categories \
                 WHERE id = ?",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        }
        CategoryKey::Slug(slug) => {
            sqlx::query(
                "SELECT id, slug, parent_id, name_ko, name_en, description_ko, description_en FROM categories \
                 WHERE slug = ?",
            )
            .bind(slug)
            .fetch_optional(pool)
            .await?
        }
    };
    let Some(row) = row else { return Ok(None) };
    let id: u64 = row.get("id");
    let slug: String = row.get("slug");

    let parent = match row.get::<Option<u64>, _>("parent_id") {
        None => None,
        Some(parent_id) => sqlx::query("SELECT id, slug, name_ko, name_en FROM categories WHERE id = ?")
            .bind(parent_id)
            .fetch_optional(pool)
            .await?
            .map(|r| CategoryRef {
                id: r.get("id"),
                slug: r.get("slug"),
                name_ko: r.get("name_ko"),
                name_en: r.get("name_en"),
            }),
    };

    let children = sqlx::query(
        "SELECT id, slug, name_ko, name_en, description_ko, description_en FROM categories \
         WHERE parent_id = ? ORDER BY position, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| CategoryChild {
        id: r.get("id"),
        slug: r.get("slug"),
        name_ko: r.get("name_ko"),
        name_en: r.get("name_en"),
        description_ko: r.get("description_ko"),
        description_en: r.get("description_en"),
    })
    .collect();

    let departments = sqlx::query(
        "SELECT d.slug, d.code, d.name_ko, d.name_en FROM category_departments cd \
         JOIN departments d ON d.slug = cd.department WHERE cd.category_id = ? ORDER BY cd.position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| DepartmentRef {
        slug: r.get("slug"),
        code: r.get("code"),
        name_ko: r.get("name_ko"),
        name_en: r.get("name_en"),
    })
    .collect();

    let links = links(pool, id, &slug).await?;
    Ok(Some(CategoryDetail {
        id,
        slug,
        name_ko: row.get("name_ko"),
        name_en: row.get("name_en"),
        description_ko: row.get("description_ko"),
        description_en: row.get("description_en"),
        parent,
        children,
        departments,
        links,
    }))
}

fn condition_from_row(r: MySqlRow) -> LinkedCondition {
    LinkedCondition { id: r.get("id"), slug: r.get("slug"), name_ko: r.get("name_ko"), name_en: r.get("name_en") }
}

fn guide_from_row(r: MySqlRow) -> LinkedGuide {
    LinkedGuide {
        id: r.get("id"),
        slug: r.get("slug"),
        title_ko: r.get("title_ko"),
        title_en: r.get("title_en"),
        call_119: r.get("call_119"),
    }
}

/// Appends `more` to `list`, skipping ids already present.
fn extend_unique<T>(list: &mut Vec<T>, more: Vec<T>, id: impl Fn(&T) -> u64) {
    let mut seen: HashSet<u64> = list.iter().map(&id).collect();
    list.extend(more.into_iter().filter(|item| seen.insert(id(item))));
}

/// The links of a category that exist in their tables: the curated ones in
/// seed order, then the conditions and guides that name the category in
/// `condition_categories` / `guide_categories` (emergencies and 119 guides
/// first), without duplicates.
async fn links(pool: &MySqlPool, id: u64, slug: &str) -> sqlx::Result<CategoryLinks> {
    let mut conditions: Vec<LinkedCondition> = sqlx::query(
        "SELECT c.id, c.slug, c.name_ko, c.name_en FROM category_links l \
         JOIN conditions c ON c.slug = l.target_slug \
         WHERE l.category_id = ? AND l.kind = 'condition' ORDER BY l.position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(condition_from_row)
    .collect();
    let named: Vec<LinkedCondition> = sqlx::query(
        "SELECT c.id, c.slug, c.name_ko, c.name_en FROM condition_categories cc \
         JOIN conditions c ON c.id = cc.condition_id WHERE cc.category = ? \
         ORDER BY FIELD(c.urgency, 'emergency', 'urgent', 'routine', 'self_care'), c.name_ko, c.id",
    )
    .bind(slug)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(condition_from_row)
    .collect();
    extend_unique(&mut conditions, named, |c| c.id);

    let drugs = sqlx::query(
        "SELECT d.id, d.slug, d.name_ko, d.name_en FROM category_links l \
         JOIN drugs d ON d.slug = l.target_slug \
         WHERE l.category_id = ? AND l.kind = 'drug' ORDER BY l.position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| LinkedDrug { id: r.get("id"), slug: r.get("slug"), name_ko: r.get("name_ko"), name_en: r.get("name_en") })
    .collect();

    let mut guides: Vec<LinkedGuide> = sqlx::query(
        "SELECT g.id, g.slug, g.title_ko, g.title_en, g.call_119 FROM category_links l \
         JOIN first_aid_guides g ON g.slug = l.target_slug \
         WHERE l.category_id = ? AND l.kind = 'guide' ORDER BY l.position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(guide_from_row)
    .collect();
    let named: Vec<LinkedGuide> = sqlx::query(
        "SELECT g.id, g.slug, g.title_ko, g.title_en, g.call_119 FROM guide_categories gc \
         JOIN first_aid_guides g ON g.id = gc.guide_id WHERE gc.category = ? \
         ORDER BY g.call_119 DESC, g.position, g.id",
    )
    .bind(slug)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(guide_from_row)
    .collect();
    extend_unique(&mut guides, named, |g| g.id);

    Ok(CategoryLinks { conditions, drugs, guides })
}
