//! The drug service's API types.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DISCLAIMER_KO: &str = "이 정보는 참고용이며 의사·약사의 진료와 상담을 대신하지 않습니다. 복용 전 제품 설명서를 확인하고, 이상 증상이 있으면 의사나 약사와 상담하세요.";
pub const DISCLAIMER_EN: &str = "For information only; it does not replace advice from a doctor or pharmacist. Read the product label before use and ask a doctor or pharmacist if anything feels wrong.";

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Korean or English name, ingredient or efficacy text; partial matches
    /// work (`타이레` finds 타이레놀). Omit to browse all drugs.
    pub q: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<i64>,
    /// Page size, 1..=100 (default 20).
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct IngredientRef {
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    /// Strength in this product, e.g. `500 mg`.
    pub amount: Option<String>,
    /// Pharmacological class, e.g. `nsaid`.
    pub class: Option<String>,
}

/// `otc` (일반의약품), `prescription` (전문의약품) or `unknown` (imported
/// items whose classification the source did not give).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DrugKind {
    Otc,
    Prescription,
    Unknown,
}

impl DrugKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DrugKind::Otc => "otc",
            DrugKind::Prescription => "prescription",
            DrugKind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> DrugKind {
        match s {
            "otc" => DrugKind::Otc,
            "prescription" => DrugKind::Prescription,
            _ => DrugKind::Unknown,
        }
    }
}

/// A search hit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DrugSummary {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: Option<String>,
    pub company: Option<String>,
    pub kind: DrugKind,
    pub ingredients: Vec<IngredientRef>,
    pub efficacy_ko: Option<String>,
    pub efficacy_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchPage {
    pub items: Vec<DrugSummary>,
    pub total: u64,
    pub page: u64,
    pub size: u64,
}

/// A known interaction of one of this drug's ingredients.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KnownInteraction {
    /// The ingredient of this drug.
    pub ingredient: String,
    /// The other ingredient.
    pub with_slug: String,
    pub with_name_ko: String,
    pub with_name_en: String,
    pub severity: String,
    pub description_ko: String,
    pub description_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DrugDetail {
    pub id: u64,
    pub slug: String,
    /// The Korean drug authority's item code, when known.
    pub item_seq: Option<String>,
    pub name_ko: String,
    pub name_en: Option<String>,
    pub company: Option<String>,
    pub kind: DrugKind,
    pub ingredients: Vec<IngredientRef>,
    pub efficacy_ko: Option<String>,
    pub efficacy_en: Option<String>,
    pub usage_ko: Option<String>,
    pub usage_en: Option<String>,
    pub warnings_ko: Option<String>,
    pub warnings_en: Option<String>,
    pub precautions_ko: Option<String>,
    pub interactions_ko: Option<String>,
    pub side_effects_ko: Option<String>,
    pub side_effects_en: Option<String>,
    pub storage_ko: Option<String>,
    pub storage_en: Option<String>,
    pub known_interactions: Vec<KnownInteraction>,
    /// Where the text comes from.
    pub source: String,
    pub disclaimer_ko: String,
    pub disclaimer_en: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InteractionRequest {
    /// 2 to 20 drugs, each a name (Korean or English, product or
    /// ingredient) or a numeric id.
    #[schema(value_type = Vec<Object>, example = json!(["와파린", "아스피린"]))]
    pub drugs: Vec<serde_json::Value>,
}

/// A drug (or a bare ingredient) the request named.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ResolvedDrug {
    /// What the request said.
    pub input: String,
    /// The product, when the input named one; `null` when it named an ingredient.
    pub drug_id: Option<u64>,
    pub name_ko: String,
    pub name_en: Option<String>,
    pub ingredients: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Interaction {
    pub a: ResolvedDrug,
    pub b: ResolvedDrug,
    pub ingredient_a: String,
    pub ingredient_b: String,
    /// `major`, `moderate` or `minor`.
    pub severity: String,
    pub description: String,
    pub description_ko: String,
    pub description_en: String,
}

/// The same ingredient in two or more of the named drugs: a double dose risk
/// (e.g. acetaminophen in both a pain killer and a cold medicine).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DuplicateIngredient {
    pub ingredient: String,
    pub name_ko: String,
    pub name_en: String,
    pub drugs: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InteractionReport {
    pub resolved: Vec<ResolvedDrug>,
    /// Inputs that matched no drug or ingredient.
    pub unresolved: Vec<String>,
    /// Most severe first.
    pub interactions: Vec<Interaction>,
    pub duplicate_ingredients: Vec<DuplicateIngredient>,
    pub disclaimer_ko: String,
    pub disclaimer_en: String,
}
