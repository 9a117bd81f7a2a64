//! Retrieval metrics over labelled questions (the benchmark and the
//! quality floor test share them).

use crate::embed::Embedder;
use crate::index::{IndexError, KnowledgeIndex, Mode};

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub recall: f64,
    pub recall_at_1: f64,
    pub mrr: f64,
    pub recall_ko: f64,
    pub recall_en: f64,
    pub misses: Vec<String>,
}

/// True when the passage id answers: the same passage, or any section of
/// an expected document id.
pub fn matches(passage_id: &str, expected: &str) -> bool {
    if expected.contains('#') {
        passage_id == expected
    } else {
        passage_id.split('#').next() == Some(expected)
    }
}

/// `questions` are (text, lang, relevant ids).
pub async fn evaluate(
    index: &KnowledgeIndex,
    embedder: &dyn Embedder,
    questions: &[(&str, &str, &[String])],
    mode: Mode,
    k: usize,
) -> Result<Report, IndexError> {
    let texts: Vec<String> = questions.iter().map(|q| q.0.to_string()).collect();
    let vectors = embedder.embed(&texts).await?;
    let mut report = Report::default();
    let (mut found, mut found1, mut rr) = (0usize, 0usize, 0f64);
    let (mut ko, mut ko_found, mut en, mut en_found) = (0usize, 0usize, 0usize, 0usize);
    for ((text, lang, relevant), v) in questions.iter().zip(&vectors) {
        let hits = index.search_weighted(text, v, lang, 10, mode, embedder.fusion_weight())?;
        let rank = hits.iter().position(|h| relevant.iter().any(|e| matches(&h.passage.id, e)));
        let hit_at_k = rank.is_some_and(|r| r < k);
        found += usize::from(hit_at_k);
        found1 += usize::from(rank == Some(0));
        rr += rank.map(|r| 1.0 / (r as f64 + 1.0)).unwrap_or(0.0);
        if *lang == "ko" {
            ko += 1;
            ko_found += usize::from(hit_at_k);
        } else {
            en += 1;
            en_found += usize::from(hit_at_k);
        }
        if !hit_at_k {
            let got: Vec<&str> = hits.iter().take(k).map(|h| h.passage.id.as_str()).collect();
            report.misses.push(format!("{text} -> expected {relevant:?}, got {got:?}"));
        }
    }
    let n = questions.len().max(1) as f64;
    report.recall = found as f64 / n;
    report.recall_at_1 = found1 as f64 / n;
    report.mrr = rr / n;
    report.recall_ko = ko_found as f64 / ko.max(1) as f64;
    report.recall_en = en_found as f64 / en.max(1) as f64;
    Ok(report)
}
