//! Dictionary-based entity recognition: drug, condition and department
//! names (Korean, English, aliases and common misspellings) found in the
//! user's text. The dictionary is derived from the same passages as the
//! index, so it follows the reference data: drug product names and their
//! short forms ("타이레놀정500밀리그람" → "타이레놀"), the drug service's alias
//! list when the corpus could read it (`/drug/dictionary`), condition names
//! and aliases, department names.
//!
//! Korean is matched inside the text with spaces removed (particles and
//! missing spaces do not matter: "부루펜을먹어도" finds 부루펜); Latin names
//! only as whole words ("cold" is not found in "scold").

use crate::corpus::Passage;
use crate::text::is_hangul;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Drug,
    Condition,
    Department,
}

/// A name found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: Kind,
    /// `drug:<slug>`, `condition:<slug>`, `department:<slug>`.
    pub doc_id: String,
    pub slug: String,
    /// The canonical name (Korean product name for drugs).
    pub name: String,
    /// What matched in the text.
    pub surface: String,
}

struct Entry {
    surface: String,
    latin: bool,
    kind: Kind,
    doc_id: String,
    name: String,
}

#[derive(Default)]
pub struct Dictionary {
    /// Longest surface first; among equal ones the shortest canonical name.
    entries: Vec<Entry>,
}

fn squash(s: &str) -> String {
    s.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect()
}

fn spaced(s: &str) -> String {
    crate::text::words(s).join(" ")
}

/// "타이레놀정500밀리그람" → "타이레놀", "이지엔6애니연질캡슐" → "이지엔",
/// "Tylenol 500 mg tablet" → "tylenol".
pub fn short_drug_name(name: &str) -> String {
    let mut out: String = name.chars().take_while(|c| !c.is_ascii_digit() && *c != '(').collect();
    out = out.trim().to_string();
    for suffix in ["연질캡슐", "서방정", "장용정", "캡슐", "시럽", "현탁액", "정", " tablet", " capsule", " tablets"]
    {
        if out.chars().count() > suffix.chars().count() + 1 && out.to_lowercase().ends_with(suffix) {
            let cut = out.len() - suffix.len();
            out.truncate(cut);
            break;
        }
    }
    out.trim().to_string()
}

impl Dictionary {
    pub fn from_passages(passages: &[Passage]) -> Dictionary {
        let mut d = Dictionary::default();
        for p in passages {
            let kind = match p.id.split(':').next() {
                Some("drug") => Kind::Drug,
                Some("condition") if p.id.ends_with("#summary") => Kind::Condition,
                Some("department") => Kind::Department,
                _ => continue,
            };
            // Drug passages of every section carry the same names; one is enough.
            if kind == Kind::Drug && !p.id.ends_with("#efficacy") && !p.id.ends_with("#usage") {
                continue;
            }
            let name = p.title.split(" — ").next().unwrap_or(&p.title).trim().to_string();
            let mut surfaces: Vec<String> = Vec::new();
            match kind {
                Kind::Drug => {
                    let product = name.split(" (").next().unwrap_or(&name).trim().to_string();
                    surfaces.push(short_drug_name(&product));
                    surfaces.push(product);
                }
                Kind::Condition => {
                    // "인플루엔자(독감)", "소화성 궤양(위궤양·십이지장궤양)"
                    for part in name.split(['(', ')', '·', '/']) {
                        surfaces.push(part.trim().to_string());
                    }
                    surfaces.push(name.clone());
                }
                Kind::Department => surfaces.push(name.clone()),
            }
            surfaces.extend(p.keywords.split(',').map(|k| k.trim().to_string()));
            for s in surfaces {
                d.add(kind, p.doc_id(), &name, &s);
            }
        }
        d.entries.sort_by(|a, b| {
            b.surface.chars().count().cmp(&a.surface.chars().count()).then(a.name.len().cmp(&b.name.len()))
        });
        d
    }

    fn add(&mut self, kind: Kind, doc_id: &str, name: &str, surface: &str) {
        let latin = !surface.chars().any(is_hangul);
        let norm = if latin { spaced(surface) } else { squash(surface) };
        let long_enough = if latin { norm.chars().count() >= 4 } else { norm.chars().count() >= 2 };
        if !long_enough || crate::text::is_stop_en(&norm) {
            return;
        }
        if self.entries.iter().any(|e| e.surface == norm && e.doc_id == doc_id) {
            return;
        }
        let canonical = name.split(" (").next().unwrap_or(name).trim().to_string();
        self.entries.push(Entry { surface: norm, latin, kind, doc_id: doc_id.to_string(), name: canonical });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entities in `text`, longest match first, one per document, no
    /// two overlapping in the text.
    pub fn find(&self, text: &str) -> Vec<Entity> {
        let squashed = squash(text);
        let words = format!(" {} ", spaced(text));
        let mut taken_squashed: Vec<(usize, usize)> = Vec::new();
        let mut taken_words: Vec<(usize, usize)> = Vec::new();
        let mut out: Vec<Entity> = Vec::new();
        for e in &self.entries {
            if out.iter().any(|o| o.doc_id == e.doc_id) {
                continue;
            }
            let (hay, needle, taken) = if e.latin {
                (&words, format!(" {} ", e.surface), &mut taken_words)
            } else {
                (&squashed, e.surface.clone(), &mut taken_squashed)
            };
            let Some(start) = hay.find(&needle) else { continue };
            let span = (start, start + needle.len());
            // A longer name already claimed this part of the text.
            if taken.iter().any(|(a, b)| span.0 < *b && *a < span.1) {
                let contained = taken.iter().any(|(a, b)| *a <= span.0 && span.1 <= *b);
                if contained {
                    continue;
                }
            }
            taken.push(span);
            out.push(Entity {
                kind: e.kind,
                doc_id: e.doc_id.clone(),
                slug: e.doc_id.split(':').nth(1).unwrap_or_default().to_string(),
                name: e.name.clone(),
                surface: e.surface.clone(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(id: &str, lang: &str, title: &str, keywords: &str) -> Passage {
        Passage {
            id: id.into(),
            lang: lang.into(),
            title: title.into(),
            text: "x".into(),
            source: String::new(),
            url: None,
            hints: String::new(),
            keywords: keywords.into(),
        }
    }

    fn dict() -> Dictionary {
        Dictionary::from_passages(&[
            passage(
                "drug:tylenol-500#usage",
                "ko",
                "타이레놀정500밀리그람 (아세트아미노펜) — 복용법",
                "타이래놀, tylenol",
            ),
            passage("drug:tylenol-500#usage", "en", "Tylenol 500 mg tablet (acetaminophen) — How to take", ""),
            passage(
                "drug:tylenol-8hr-er-650#usage",
                "ko",
                "타이레놀8시간이알서방정650밀리그람 (아세트아미노펜) — 복용법",
                "",
            ),
            passage("drug:brufen-200#usage", "ko", "부루펜정200밀리그램 (이부프로펜) — 복용법", ""),
            passage("condition:influenza#summary", "ko", "인플루엔자(독감) — 개요", "독감, 유행성 감기"),
            passage("condition:common-cold#summary", "en", "Common cold — Overview", "cold, head cold"),
            passage("department:dermatology", "ko", "피부과", ""),
        ])
    }

    #[test]
    fn names_short_forms_aliases_and_misspellings_are_found() {
        let d = dict();
        let found = |t: &str| d.find(t).into_iter().map(|e| e.doc_id).collect::<Vec<_>>();
        assert_eq!(found("부루펜을먹어도되나요"), vec!["drug:brufen-200"], "no spaces, a particle attached");
        assert_eq!(found("타이래놀 하루 몇 알"), vec!["drug:tylenol-500"], "a common misspelling");
        let t = found("타이레놀 먹고 독감 때문에 피부과 가야 하나요");
        assert!(
            t.contains(&"condition:influenza".to_string()) && t.contains(&"department:dermatology".to_string()),
            "{t:?}"
        );
        assert_eq!(t.iter().filter(|i| i.starts_with("drug:tylenol")).count(), 1, "one drug for one mention: {t:?}");
        assert_eq!(found("I have a head cold"), vec!["condition:common-cold"]);
        assert!(found("don't scold me").is_empty(), "Latin names match whole words only");
        assert_eq!(short_drug_name("이지엔6애니연질캡슐"), "이지엔");
        assert_eq!(short_drug_name("Tylenol 500 mg tablet"), "Tylenol");
        assert_eq!(short_drug_name("게보린정"), "게보린");
    }
}
