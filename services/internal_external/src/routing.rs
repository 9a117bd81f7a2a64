//! Symptom text → departments and conditions.
//!
//! Each condition contributes its names, aliases and typical symptoms as
//! negation-aware patterns, plus the keywords of its symptom phrases
//! (`소변 볼 때 통증` → `소변`, `통증`) weighted by how rare they are across
//! conditions (IDF), so free text that shares words with a symptom still
//! counts. A condition's score sums its affirmed names (×3), whole symptom
//! phrases (×2) and keywords; departments add up the scores of their
//! conditions, weighted by position in that condition's list (1, 0.6,
//! 0.4...). Scores are scaled so the best is 1.0.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use textmatch::{Pattern, Text};
use utoipa::ToSchema;

/// One condition as the router sees it.
pub struct Entry {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub urgency: String,
    pub departments: Vec<String>,
    names: Vec<(String, Pattern)>,
    symptoms: Vec<(String, Pattern)>,
    keywords: Vec<String>,
    /// Words of the names and aliases: a shared word counts double.
    name_keywords: Vec<String>,
}

/// Korean particles stripped from the end of a keyword.
const KO_PARTICLES: [&str; 16] =
    ["으로", "에서", "에게", "까지", "부터", "이", "가", "을", "를", "은", "는", "에", "의", "도", "로", "과"];
const EN_STOPWORDS: [&str; 48] = [
    "the",
    "and",
    "with",
    "when",
    "after",
    "before",
    "from",
    "that",
    "this",
    "your",
    "have",
    "feel",
    "feeling",
    "very",
    "more",
    "less",
    "than",
    "into",
    "over",
    "under",
    "about",
    "some",
    "being",
    "like",
    "something",
    "anything",
    "really",
    "little",
    "much",
    "since",
    "days",
    "time",
    "times",
    "getting",
    "keep",
    "keeps",
    "just",
    "still",
    "also",
    "even",
    "there",
    "what",
    "they",
    "them",
    "their",
    "been",
    "were",
    "will",
];

/// Content words of a symptom phrase.
pub fn keywords(phrase: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in phrase.split(|c: char| c.is_whitespace() || c == ',' || c == '/' || c == '(' || c == ')') {
        let w = word.trim().to_lowercase();
        if w.chars().any(textmatch::is_hangul) {
            let mut stem = w.as_str();
            for p in KO_PARTICLES {
                if let Some(s) = stem.strip_suffix(p) {
                    if s.chars().count() >= 2 {
                        stem = s;
                        break;
                    }
                }
            }
            if stem.chars().count() >= 2 {
                out.push(stem.to_string());
            }
        } else if w.len() >= 4 && w.chars().all(|c| c.is_ascii_alphabetic()) && !EN_STOPWORDS.contains(&w.as_str()) {
            out.push(w);
        }
    }
    out
}

impl Entry {
    pub fn new(condition: crate::ConditionSummary, names: &[String], symptoms: &[String]) -> Entry {
        let crate::ConditionSummary { id, slug, name_ko, name_en, urgency, departments, .. } = condition;
        // Very short names ("감기" is fine, "담" is not) match too much inside other words.
        let usable = |s: &&String| s.trim().chars().count() >= 2;
        Entry {
            id,
            slug,
            name_ko,
            name_en,
            urgency,
            departments,
            // A one-word English name must match exactly: `burns` is not `burning`.
            names: names
                .iter()
                .filter(usable)
                .map(|n| {
                    let single_english = !n.chars().any(textmatch::is_hangul) && !n.trim().contains(' ');
                    let phrase = if single_english { format!("{}!", n.trim()) } else { n.clone() };
                    (n.clone(), Pattern::new(&phrase))
                })
                .collect(),
            symptoms: symptoms.iter().filter(usable).map(|s| (s.clone(), Pattern::new(s))).collect(),
            keywords: {
                let mut k: Vec<String> = symptoms.iter().flat_map(|s| keywords(s)).collect();
                k.sort();
                k.dedup();
                k
            },
            name_keywords: {
                let mut k: Vec<String> = names.iter().flat_map(|s| keywords(s)).collect();
                k.sort();
                k.dedup();
                k
            },
        }
    }
}

pub struct Index {
    pub entries: Vec<Entry>,
    /// keyword → (pattern, IDF weight)
    keyword_weights: BTreeMap<String, (Pattern, f64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DepartmentScore {
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    /// 0..=1, the best department is 1.
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConditionScore {
    pub id: u64,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    /// Typical urgency when this condition is suspected.
    pub urgency: String,
    /// 0..=1, the best condition is 1.
    pub score: f64,
    /// The phrases of the text that matched.
    pub matched: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RouteResult {
    /// Most likely first. When nothing matched: primary care, score 0.
    pub departments: Vec<DepartmentScore>,
    pub conditions: Vec<ConditionScore>,
    /// `ko` or `en`.
    pub lang: String,
    /// Whether any symptom or condition was recognised.
    pub recognised: bool,
}

const NAME_WEIGHT: f64 = 3.0;
const POSITION_WEIGHTS: [f64; 3] = [1.0, 0.6, 0.4];
const MAX_DEPARTMENTS: usize = 5;
const MAX_CONDITIONS: usize = 5;

impl Index {
    pub fn new(entries: Vec<Entry>) -> Index {
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for e in &entries {
            let mut words: Vec<&String> = e.keywords.iter().chain(&e.name_keywords).collect();
            words.sort();
            words.dedup();
            for k in words {
                *df.entry(k.clone()).or_default() += 1;
            }
        }
        let n = entries.len().max(1) as f64;
        let keyword_weights = df
            .into_iter()
            .map(|(k, count)| {
                let idf = (n / count as f64).ln().max(0.1);
                // English keywords match whole words only (`burns` is not `burning`).
                let pattern =
                    if k.chars().any(textmatch::is_hangul) { Pattern::new(&k) } else { Pattern::new(&format!("{k}!")) };
                (k, (pattern, idf))
            })
            .collect();
        Index { entries, keyword_weights }
    }

    pub fn route(&self, text: &str) -> RouteResult {
        let t = Text::new(text);
        // Each keyword is looked up once, not once per condition.
        let affirmed_keywords: BTreeMap<&str, bool> =
            self.keyword_weights.iter().map(|(k, (p, _))| (k.as_str(), t.affirms(p))).collect();
        let mut scored: Vec<(f64, &Entry, Vec<String>)> = Vec::new();
        for e in &self.entries {
            let mut score = 0.0;
            let mut matched = Vec::new();
            for (phrase, p) in &e.names {
                if t.affirms(p) {
                    score += NAME_WEIGHT * p.weight();
                    matched.push(phrase.clone());
                }
            }
            for (phrase, p) in &e.symptoms {
                if t.affirms(p) {
                    score += 2.0 * p.weight();
                    matched.push(phrase.clone());
                }
            }
            for (words, factor) in [(&e.keywords, 1.0), (&e.name_keywords, 2.0)] {
                for k in words {
                    if let Some((_, idf)) = self.keyword_weights.get(k) {
                        if affirmed_keywords.get(k.as_str()).copied().unwrap_or(false) {
                            score += idf * factor;
                            if !matched.iter().any(|m| m.contains(k.as_str())) {
                                matched.push(k.clone());
                            }
                        }
                    }
                }
            }
            if score > 0.0 {
                scored.push((score, e, matched));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.slug.cmp(&b.1.slug)));

        // Weak matches should not outvote a strong one: each condition counts
        // with the square of its score relative to the best.
        let top = scored.first().map(|c| c.0).unwrap_or(1.0);
        let mut departments: BTreeMap<&str, f64> = BTreeMap::new();
        for (score, e, _) in &scored {
            let relative = (score / top).powi(2);
            for (i, d) in e.departments.iter().enumerate() {
                *departments.entry(d.as_str()).or_default() +=
                    relative * POSITION_WEIGHTS.get(i).copied().unwrap_or(0.3);
            }
        }
        let mut departments: Vec<(&str, f64)> = departments.into_iter().collect();
        departments.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let best_department = departments.first().map(|d| d.1).unwrap_or(1.0);
        let best_condition = scored.first().map(|c| c.0).unwrap_or(1.0);
        let round = |x: f64| (x * 1000.0).round() / 1000.0;

        let recognised = !scored.is_empty();
        let mut out_departments: Vec<DepartmentScore> = departments
            .into_iter()
            .take(MAX_DEPARTMENTS)
            .map(|(slug, s)| self.department(slug, round(s / best_department)))
            .collect();
        if out_departments.is_empty() {
            out_departments = vec![self.department("family_medicine", 0.0), self.department("internal_medicine", 0.0)];
        }
        RouteResult {
            departments: out_departments,
            conditions: scored
                .into_iter()
                .take(MAX_CONDITIONS)
                .map(|(s, e, matched)| ConditionScore {
                    id: e.id,
                    slug: e.slug.clone(),
                    name_ko: e.name_ko.clone(),
                    name_en: e.name_en.clone(),
                    urgency: e.urgency.clone(),
                    score: round(s / best_condition),
                    matched,
                })
                .collect(),
            lang: t.lang.as_str().to_string(),
            recognised,
        }
    }

    fn department(&self, slug: &str, score: f64) -> DepartmentScore {
        let (ko, en) = crate::department_names(slug).unwrap_or((slug, slug));
        DepartmentScore { slug: slug.to_string(), name_ko: ko.to_string(), name_en: en.to_string(), score }
    }
}
