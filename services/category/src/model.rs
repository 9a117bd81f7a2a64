//! The category service's API types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A department (진료과) in the department list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Department {
    /// Stable slug used by every service, e.g. `internal_medicine`.
    pub slug: String,
    /// National 진료과목코드, e.g. `01` for 내과.
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    /// What the department treats, for patients.
    pub description_ko: String,
    pub description_en: String,
}

/// A department named by a category: enough to show and to search clinics by.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct DepartmentRef {
    pub slug: String,
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
}

/// One node of the category tree: a body area (top level) or a symptom
/// group (its children; their own `children` is empty).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CategoryNode {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    /// Department slugs, most relevant first.
    pub departments: Vec<String>,
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

/// The parent of a category.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CategoryRef {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
}

/// A child of a category, in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CategoryChild {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
}

/// A related condition (internal_external service).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LinkedCondition {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
}

/// A related drug (drug service).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LinkedDrug {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    /// `null` for imported products that have no English name.
    pub name_en: Option<String>,
}

/// A related first-aid guide (emergency-support service).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LinkedGuide {
    pub id: u64,
    pub slug: String,
    pub title_ko: String,
    pub title_en: String,
    /// The situation calls for 119 first.
    pub call_119: bool,
}

/// Conditions, drugs and guides related to a category. Only targets that
/// exist are listed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CategoryLinks {
    /// Curated links first, then the conditions that name this category.
    pub conditions: Vec<LinkedCondition>,
    pub drugs: Vec<LinkedDrug>,
    /// Curated links first, then the guides that name this category.
    pub guides: Vec<LinkedGuide>,
}

/// One category with its parent, children, departments and links.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CategoryDetail {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    /// `null` for a top-level body area.
    pub parent: Option<CategoryRef>,
    pub children: Vec<CategoryChild>,
    /// Most relevant first.
    pub departments: Vec<DepartmentRef>,
    pub links: CategoryLinks,
}
