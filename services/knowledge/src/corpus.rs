//! The corpus: what the services publish, chunked into passages with
//! stable ids.
//!
//! | id | from |
//! |---|---|
//! | `drug:<slug>#efficacy`, `#usage`, `#warnings`, `#interactions`, `#side_effects`, `#storage` | `GET /drug?page=..&size=100`, then `GET /drug/{id}` |
//! | `condition:<slug>#summary`, `#symptoms`, `#causes`, `#when_to_see_doctor`, `#self_care`, `#red_flags` | `GET /internal_external/conditions?page=..`, then `GET /internal_external/conditions/{slug}` |
//! | `guide:<slug>#summary`, `#steps`, `#do_dont`, `#call_119` | `GET /emergency-support/guides`, then `GET /emergency-support/guides/{slug}` |
//! | `category:<slug>`, `department:<slug>` | `GET /category`, `GET /category/departments` |
//!
//! Every section exists once per language (`lang` = `ko` or `en`); the pair
//! shares the id, `key()` tells them apart. The services stay the owners of
//! their data: the chatbot and `medictl index build` read what they
//! publish over REST, never their tables. [`from_seed`] builds the same
//! passages from the bundled seed files (the retrieval benchmark).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Passage {
    /// Stable id, e.g. `drug:tylenol-500#usage`.
    pub id: String,
    pub lang: String,
    pub title: String,
    pub text: String,
    /// Who published the underlying information.
    pub source: String,
    /// The SPA page, e.g. `/drugs/tylenol-500`.
    pub url: Option<String>,
    /// Words people use for this kind of section ("용량", "how much"):
    /// indexed with the passage, never shown.
    #[serde(default)]
    pub hints: String,
    /// The document's own search words (aliases, common misspellings):
    /// embedded and indexed, not shown.
    #[serde(default)]
    pub keywords: String,
}

impl Passage {
    /// `id@lang`, unique in a corpus.
    pub fn key(&self) -> String {
        format!("{}@{}", self.id, self.lang)
    }

    /// The document part of the id (`drug:tylenol-500`).
    pub fn doc_id(&self) -> &str {
        self.id.split('#').next().unwrap_or(&self.id)
    }

    /// What gets embedded: the title carries the drug, condition or guide
    /// name into every section.
    pub fn embedded_text(&self) -> String {
        format!("{}\n{}\n{}", self.title, self.keywords, self.text)
    }

    /// What the keyword index sees: the same plus the section's hints.
    pub fn keyword_text(&self) -> String {
        format!("{}\n{}\n{}\n{}", self.title, self.hints, self.keywords, self.text)
    }
}

/// A content fingerprint: changes when any passage changes.
pub fn fingerprint(passages: &[Passage]) -> String {
    let mut h = Sha256::new();
    for p in passages {
        for part in [&p.id, &p.lang, &p.title, &p.text, &p.source, &p.hints, &p.keywords] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
    }
    hex::encode(&h.finalize()[..16])
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().map(str::trim).unwrap_or("")
}

fn list(v: &Value, k: &str) -> Vec<String> {
    v[k].as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str())
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

struct Builder<'a> {
    out: &'a mut Vec<Passage>,
    source: String,
    url: Option<String>,
}

impl Builder<'_> {
    fn push(&mut self, id: String, lang: &str, title: String, text: String) {
        self.push_with(id, lang, title, text, "");
    }

    /// `keywords` (aliases, search keywords) are indexed, not shown.
    fn push_with(&mut self, id: String, lang: &str, title: String, text: String, keywords: &str) {
        let text = text.trim().to_string();
        if text.is_empty() {
            return;
        }
        let section = id.split('#').nth(1).unwrap_or("");
        let hints = section_hints(id.split(':').next().unwrap_or(""), section, lang).to_string();
        self.out.push(Passage {
            id,
            lang: lang.into(),
            title,
            text,
            source: self.source.clone(),
            url: self.url.clone(),
            hints,
            keywords: keywords.to_string(),
        });
    }
}

/// The everyday words for a kind of section, in both languages: generic
/// per section type, never per document.
fn section_hints(kind: &str, section: &str, lang: &str) -> &'static str {
    let ko = lang == "ko";
    match (kind, section) {
        ("drug", "efficacy") => {
            if ko {
                "효능 효과 무슨 약 어디에 쓰는 약 언제 먹는 약"
            } else {
                "what is it used for, what does it treat, efficacy"
            }
        }
        ("drug", "usage") => {
            if ko {
                "복용법 용법 용량 하루 몇 번 몇 알 최대 얼마나 먹어요 복용 간격"
            } else {
                "dose dosage how much how often how many tablets maximum daily dose how to take"
            }
        }
        ("drug", "warnings") => {
            if ko {
                "주의사항 경고 먹으면 안 되는 사람 금기 임산부 술 운전"
            } else {
                "warnings precautions who should not take contraindications pregnancy alcohol driving"
            }
        }
        ("drug", "interactions") => {
            if ko {
                "상호작용 같이 먹어도 함께 복용 병용 다른 약"
            } else {
                "interactions taking together with other medicines combine"
            }
        }
        ("drug", "side_effects") => {
            if ko {
                "부작용 이상반응 증상이 생기면"
            } else {
                "side effects adverse reactions"
            }
        }
        ("drug", "storage") => {
            if ko {
                "보관법 보관 방법 어디에 보관"
            } else {
                "storage how to store keep"
            }
        }
        ("condition", "summary") => {
            if ko {
                "무엇인가요 어떤 병 개요"
            } else {
                "what is it overview"
            }
        }
        ("condition", "symptoms") => {
            if ko {
                "증상 어떤 증상 아파요"
            } else {
                "symptoms signs"
            }
        }
        ("condition", "causes") => {
            if ko {
                "원인 왜 생기나요 이유"
            } else {
                "causes why risk factors"
            }
        }
        ("condition", "when_to_see_doctor") => {
            if ko {
                "병원 언제 가야 진료 받아야 할 때"
            } else {
                "when to see a doctor clinic visit"
            }
        }
        ("condition", "self_care") => {
            if ko {
                "집에서 관리 생활습관 예방 어떻게 해요"
            } else {
                "self-care home treatment prevention what can I do"
            }
        }
        ("condition", "red_flags") => {
            if ko {
                "응급 위험 신호 바로 응급실 119"
            } else {
                "warning signs emergency go to the ER call 119"
            }
        }
        ("guide", "summary") => {
            if ko {
                "응급처치 어떻게 알아보나요 증상"
            } else {
                "first aid how to recognise signs"
            }
        }
        ("guide", "steps") => {
            if ko {
                "응급처치 방법 순서 어떻게 해요 해야 할 일"
            } else {
                "first aid steps what to do how to"
            }
        }
        ("guide", "do_dont") => {
            if ko {
                "하면 안 되는 것 해도 되나요 주의"
            } else {
                "do and don't should I avoid"
            }
        }
        ("guide", "call_119") => {
            if ko {
                "119 언제 신고 응급실"
            } else {
                "when to call 119 emergency"
            }
        }
        ("department", _) => {
            if ko {
                "진료과 무슨 과 어떤 진료"
            } else {
                "department specialist what does it treat"
            }
        }
        _ => "",
    }
}

fn bullets(items: &[String]) -> String {
    items.iter().map(|i| format!("- {i}")).collect::<Vec<_>>().join("\n")
}

/// A drug detail (`GET /drug/{id}`) as passages.
pub fn drug_passages(d: &Value, out: &mut Vec<Passage>) {
    let slug = s(d, "slug");
    if slug.is_empty() {
        return;
    }
    let name_ko = s(d, "name_ko");
    let name_en = if s(d, "name_en").is_empty() { name_ko } else { s(d, "name_en") };
    let ingredients = |lang: &str| -> String {
        d["ingredients"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| if lang == "ko" { s(i, "name_ko") } else { s(i, "name_en") })
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let source = if s(d, "source").is_empty() { "medi drug labels (e약은요 요약)" } else { s(d, "source") };
    let mut b = Builder { out, source: source.to_string(), url: Some(format!("/drugs/{slug}")) };
    let known = |lang: &str| -> Vec<String> {
        d["known_interactions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                let (with, desc) = if lang == "ko" {
                    (s(x, "with_name_ko"), s(x, "description_ko"))
                } else {
                    (s(x, "with_name_en"), s(x, "description_en"))
                };
                format!("{with} ({}): {desc}", s(x, "severity"))
            })
            .collect()
    };
    for lang in ["ko", "en"] {
        let (name, labels) = if lang == "ko" {
            (name_ko, ["효능", "복용법", "주의사항", "상호작용", "부작용", "보관법"])
        } else {
            (name_en, ["Used for", "How to take", "Warnings", "Interactions", "Side effects", "Storage"])
        };
        let ingr = ingredients(lang);
        let head = if ingr.is_empty() { name.to_string() } else { format!("{name} ({ingr})") };
        let field = |k: &str| s(d, &format!("{k}_{lang}")).to_string();
        let mut warnings = field("warnings");
        if lang == "ko" && !s(d, "precautions_ko").is_empty() {
            warnings = format!("{warnings}\n{}", s(d, "precautions_ko"));
        }
        let mut interactions = if lang == "ko" { s(d, "interactions_ko").to_string() } else { String::new() };
        let k = known(lang);
        if !k.is_empty() {
            interactions = format!("{interactions}\n{}", bullets(&k));
        }
        let sections = [
            ("efficacy", field("efficacy")),
            ("usage", field("usage")),
            ("warnings", warnings),
            ("interactions", interactions),
            ("side_effects", field("side_effects")),
            ("storage", field("storage")),
        ];
        for (i, (section, body)) in sections.into_iter().enumerate() {
            b.push(format!("drug:{slug}#{section}"), lang, format!("{head} — {}", labels[i]), body);
        }
    }
}

/// A condition detail (`GET /internal_external/conditions/{slug}`) as passages.
pub fn condition_passages(c: &Value, out: &mut Vec<Passage>) {
    let slug = s(c, "slug");
    if slug.is_empty() {
        return;
    }
    let source = c["sources"][0]["publisher"].as_str().unwrap_or("medi conditions (질병관리청 국가건강정보포털 요약)");
    let mut b = Builder { out, source: source.to_string(), url: Some(format!("/conditions/{slug}")) };
    for lang in ["ko", "en"] {
        let name = s(c, &format!("name_{lang}"));
        let aliases = list(c, &format!("aliases_{lang}")).join(", ");
        let labels: [&str; 6] = if lang == "ko" {
            ["개요", "증상", "원인", "진료가 필요할 때", "집에서 관리", "바로 응급실에 가야 할 때"]
        } else {
            ["Overview", "Symptoms", "Causes", "When to see a doctor", "Self-care", "Go to the emergency room when"]
        };
        let summary = s(c, &format!("summary_{lang}")).to_string();
        let sections = [
            ("summary", summary),
            ("symptoms", bullets(&list(c, &format!("symptoms_{lang}")))),
            ("causes", bullets(&list(c, &format!("causes_{lang}")))),
            ("when_to_see_doctor", bullets(&list(c, &format!("when_to_see_doctor_{lang}")))),
            ("self_care", bullets(&list(c, &format!("self_care_{lang}")))),
            ("red_flags", bullets(&list(c, &format!("red_flags_{lang}")))),
        ];
        for (i, (section, body)) in sections.into_iter().enumerate() {
            let keywords = if section == "summary" { aliases.as_str() } else { "" };
            b.push_with(format!("condition:{slug}#{section}"), lang, format!("{name} — {}", labels[i]), body, keywords);
        }
    }
}

/// A first-aid guide (`GET /emergency-support/guides/{slug}`) as passages.
pub fn guide_passages(g: &Value, out: &mut Vec<Passage>) {
    let slug = s(g, "slug");
    if slug.is_empty() {
        return;
    }
    let source = g["sources"][0]["publisher"].as_str().unwrap_or("medi first-aid guides");
    let mut b = Builder { out, source: source.to_string(), url: Some(format!("/first-aid/{slug}")) };
    for lang in ["ko", "en"] {
        let title = s(g, &format!("title_{lang}"));
        let labels: [&str; 4] = if lang == "ko" {
            ["개요", "응급처치 순서", "해야 할 일과 하지 말 일", "119에 전화할 때"]
        } else {
            ["Overview", "First-aid steps", "Do and don't", "When to call 119"]
        };
        let keywords = list(g, &format!("keywords_{lang}")).join(", ");
        let summary =
            format!("{}\n{}", s(g, &format!("summary_{lang}")), bullets(&list(g, &format!("recognise_{lang}"))));
        let steps: Vec<String> = g["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, st)| format!("{}. {}", i + 1, s(st, lang)))
            .collect();
        let do_dont = format!(
            "{}\n{}",
            bullets(&list(g, &format!("do_{lang}"))),
            list(g, &format!("dont_{lang}"))
                .iter()
                .map(|x| if lang == "ko" { format!("- 하지 마세요: {x}") } else { format!("- Don't: {x}") })
                .collect::<Vec<_>>()
                .join("\n")
        );
        let sections = [
            ("summary", summary),
            ("steps", steps.join("\n")),
            ("do_dont", do_dont),
            ("call_119", bullets(&list(g, &format!("call_119_when_{lang}")))),
        ];
        for (i, (section, body)) in sections.into_iter().enumerate() {
            let kw = if section == "summary" { keywords.as_str() } else { "" };
            b.push_with(format!("guide:{slug}#{section}"), lang, format!("{title} — {}", labels[i]), body, kw);
        }
    }
}

/// A category (a node of `GET /category`, children included) as passages.
pub fn category_passages(c: &Value, out: &mut Vec<Passage>) {
    let slug = s(c, "slug");
    if !slug.is_empty() {
        let mut b =
            Builder { out: &mut *out, source: "medi categories".into(), url: Some(format!("/categories/{slug}")) };
        for lang in ["ko", "en"] {
            let text = s(c, &format!("description_{lang}")).to_string();
            b.push(format!("category:{slug}"), lang, s(c, &format!("name_{lang}")).to_string(), text);
        }
    }
    for child in c["children"].as_array().into_iter().flatten() {
        category_passages(child, out);
    }
}

/// A department (`GET /category/departments`) as passages.
pub fn department_passages(d: &Value, out: &mut Vec<Passage>) {
    let slug = s(d, "slug");
    if slug.is_empty() {
        return;
    }
    let mut b = Builder { out, source: "medi categories".into(), url: Some(format!("/departments/{slug}")) };
    for lang in ["ko", "en"] {
        let text = s(d, &format!("description_{lang}")).to_string();
        b.push(format!("department:{slug}"), lang, s(d, &format!("name_{lang}")).to_string(), text);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{0} is not reachable: {1}")]
    Service(&'static str, String),
    #[error("bad seed data: {0}")]
    Seed(String),
}

async fn get(client: &kit::ServiceClient, service: &'static str, path: &str) -> Result<Value, CorpusError> {
    client.get_json::<Value>(path).await.map_err(|e| CorpusError::Service(service, e.to_string()))
}

async fn pages(client: &kit::ServiceClient, service: &'static str, path: &str) -> Result<Vec<Value>, CorpusError> {
    let mut items = Vec::new();
    for page in 1..=1000u32 {
        let v = get(client, service, &format!("{path}?page={page}&size=100")).await?;
        let batch = v["items"].as_array().cloned().unwrap_or_default();
        let total = v["total"].as_u64().unwrap_or(0) as usize;
        let done = batch.is_empty();
        items.extend(batch);
        if done || items.len() >= total {
            break;
        }
    }
    Ok(items)
}

fn client(ctx: &kit::Ctx, service: &'static str) -> Result<kit::ServiceClient, CorpusError> {
    ctx.client(service).map_err(|e| CorpusError::Service(service, e.to_string()))
}

/// Everything the services publish, over REST, as passages (sorted by key,
/// so the fingerprint does not depend on the order of the responses).
pub async fn fetch(ctx: &kit::Ctx) -> Result<Vec<Passage>, CorpusError> {
    fetch_with(ctx, None).await
}

/// The drug service's alias list (`GET /drug/dictionary`, a service token
/// with `drug:dictionary`): the given token, else the caller's own
/// client-credentials token if it has one.
async fn drug_dictionary(ctx: &kit::Ctx, drug: &kit::ServiceClient, token: Option<&str>) -> Result<Value, String> {
    let Some(token) = token else { return drug.get_json::<Value>("/drug/dictionary").await.map_err(|e| e.to_string()) };
    let base = ctx.config.endpoint("drug").map(|e| e.url.clone()).ok_or("no drug endpoint")?;
    let http = reqwest::Client::builder().timeout(ctx.config.http_client_timeout).build().map_err(|e| e.to_string())?;
    let response = http
        .get(format!("{}/drug/dictionary", base.trim_end_matches('/')))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    response.error_for_status().map_err(|e| e.to_string())?.json::<Value>().await.map_err(|e| e.to_string())
}

/// [`fetch`], reading the drug aliases with `dictionary_token`.
pub async fn fetch_with(ctx: &kit::Ctx, dictionary_token: Option<String>) -> Result<Vec<Passage>, CorpusError> {
    let mut out = Vec::new();
    let drug = client(ctx, "drug")?;
    // Aliases and common misspellings, when this service may read the
    // dictionary; optional (without them names and labels still match).
    let aliases: std::collections::HashMap<String, String> =
        match drug_dictionary(ctx, &drug, dictionary_token.as_deref()).await {
            Ok(v) => v
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| (s(e, "slug").to_string(), list(e, "names").join(", ")))
                .collect(),
            Err(e) => {
                tracing::debug!(error = %e, "drug dictionary not readable; indexing without drug aliases");
                Default::default()
            }
        };
    for d in pages(&drug, "drug", "/drug").await? {
        let Some(id) = d["id"].as_u64() else { continue };
        let detail = get(&drug, "drug", &format!("/drug/{id}")).await?;
        let start = out.len();
        drug_passages(&detail, &mut out);
        if let Some(names) = aliases.get(s(&detail, "slug")) {
            out[start..].iter_mut().for_each(|p| p.keywords = names.clone());
        }
    }
    let ie = client(ctx, "internal_external")?;
    for c in pages(&ie, "internal_external", "/internal_external/conditions").await? {
        let slug = s(&c, "slug");
        if slug.is_empty() || !slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            continue;
        }
        condition_passages(
            &get(&ie, "internal_external", &format!("/internal_external/conditions/{slug}")).await?,
            &mut out,
        );
    }
    let es = client(ctx, "emergency-support")?;
    let guides = get(&es, "emergency-support", "/emergency-support/guides").await?;
    for g in guides.as_array().into_iter().flatten() {
        let slug = s(g, "slug");
        if slug.is_empty() || !slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            continue;
        }
        guide_passages(&get(&es, "emergency-support", &format!("/emergency-support/guides/{slug}")).await?, &mut out);
    }
    let cat = client(ctx, "category")?;
    for c in get(&cat, "category", "/category").await?.as_array().into_iter().flatten() {
        category_passages(c, &mut out);
    }
    for d in get(&cat, "category", "/category/departments").await?.as_array().into_iter().flatten() {
        department_passages(d, &mut out);
    }
    out.sort_by_key(Passage::key);
    out.dedup_by_key(|p| p.key());
    Ok(out)
}

/// What the drug service records as the source of seeded labels
/// (`drug::load::SEED_SOURCE`; the medictl test checks they agree).
pub const SEED_DRUG_SOURCE: &str =
    "medi seed set: summaries of public Korean drug labels (식약처 의약품안전나라, e약은요)";

/// The same passages from the bundled seed files (no services needed):
/// what the retrieval benchmark searches. Drug ingredients are resolved to
/// names and the category list to a tree, as the services publish them.
pub fn from_seed(drugs: &str, conditions: &str, guides: &str, categories: &str) -> Result<Vec<Passage>, CorpusError> {
    let parse = |t: &str| serde_json::from_str::<Value>(t).map_err(|e| CorpusError::Seed(e.to_string()));
    let (drugs, conditions, guides, categories) =
        (parse(drugs)?, parse(conditions)?, parse(guides)?, parse(categories)?);
    let mut out = Vec::new();
    let ingredient = |slug: &str| drugs["ingredients"].as_array().into_iter().flatten().find(|i| s(i, "slug") == slug);
    for d in drugs["drugs"].as_array().into_iter().flatten() {
        let mut d = d.clone();
        let resolved: Vec<Value> = d["ingredients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| ingredient(s(i, "ingredient")))
            .cloned()
            .collect();
        // What `GET /drug/{id}` adds: every recorded interaction of its
        // ingredients, most severe first.
        let mut known: Vec<(usize, String, Value)> = Vec::new();
        for mine in &resolved {
            let mine = s(mine, "slug");
            for x in drugs["interactions"].as_array().into_iter().flatten() {
                let other = if s(x, "a") == mine {
                    s(x, "b")
                } else if s(x, "b") == mine {
                    s(x, "a")
                } else {
                    continue;
                };
                let Some(o) = ingredient(other) else { continue };
                let rank = ["major", "moderate", "minor"].iter().position(|v| *v == s(x, "severity")).unwrap_or(3);
                known.push((
                    rank,
                    other.to_string(),
                    serde_json::json!({
                        "with_name_ko": s(o, "name_ko"), "with_name_en": s(o, "name_en"),
                        "severity": s(x, "severity"),
                        "description_ko": s(x, "description_ko"), "description_en": s(x, "description_en"),
                    }),
                ));
            }
        }
        known.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        d["known_interactions"] = Value::Array(known.into_iter().map(|k| k.2).collect());
        d["ingredients"] = Value::Array(resolved);
        if s(&d, "source").is_empty() {
            d["source"] = Value::String(SEED_DRUG_SOURCE.to_string());
        }
        let start = out.len();
        drug_passages(&d, &mut out);
        // The drug service's dictionary names, in its order: names, aliases, ingredient names.
        let mut names: Vec<String> = vec![s(&d, "name_ko").to_string(), s(&d, "name_en").to_string()];
        names.extend(list(&d, "aliases"));
        for i in d["ingredients"].as_array().into_iter().flatten() {
            names.push(s(i, "name_ko").to_string());
            names.push(s(i, "name_en").to_string());
        }
        let aliases =
            names.iter().map(|n| n.trim().to_lowercase()).filter(|n| !n.is_empty()).collect::<Vec<_>>().join(", ");
        out[start..].iter_mut().for_each(|p| p.keywords = aliases.clone());
    }
    for c in conditions["conditions"].as_array().into_iter().flatten() {
        condition_passages(c, &mut out);
    }
    for g in guides["guides"].as_array().into_iter().flatten() {
        guide_passages(g, &mut out);
    }
    for c in categories["categories"].as_array().into_iter().flatten() {
        category_passages(c, &mut out);
    }
    for d in categories["departments"].as_array().into_iter().flatten() {
        department_passages(d, &mut out);
    }
    out.sort_by_key(Passage::key);
    out.dedup_by_key(|p| p.key());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drug_becomes_sections_in_both_languages_with_stable_ids() {
        let d = serde_json::json!({
            "slug": "tylenol-500", "name_ko": "타이레놀정", "name_en": "Tylenol",
            "ingredients": [{"slug": "acetaminophen", "name_ko": "아세트아미노펜", "name_en": "acetaminophen"}],
            "usage_ko": "1일 최대 8정", "usage_en": "At most 8 tablets a day", "source": "e약은요",
            "known_interactions": [{"with_name_ko": "와파린", "with_name_en": "warfarin", "severity": "moderate",
                "description_ko": "출혈", "description_en": "bleeding"}]
        });
        let mut out = Vec::new();
        drug_passages(&d, &mut out);
        let keys: Vec<String> = out.iter().map(Passage::key).collect();
        assert!(keys.contains(&"drug:tylenol-500#usage@ko".to_string()), "{keys:?}");
        assert!(keys.contains(&"drug:tylenol-500#interactions@en".to_string()), "{keys:?}");
        assert!(!keys.iter().any(|k| k.contains("#storage")), "empty sections are skipped");
        let usage = out.iter().find(|p| p.key() == "drug:tylenol-500#usage@ko").expect("usage");
        assert!(usage.title.contains("아세트아미노펜"));
        assert_eq!(usage.url.as_deref(), Some("/drugs/tylenol-500"));
        assert_eq!(usage.doc_id(), "drug:tylenol-500");
        let before = fingerprint(&out);
        out[0].text.push('!');
        assert_ne!(before, fingerprint(&out));
    }
}
