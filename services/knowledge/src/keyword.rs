//! BM25 over the passages' terms (`text::terms`): the keyword half of the
//! hybrid search. Built in memory from the passages when an index loads.

use std::collections::HashMap;

use crate::text::terms;

const K1: f32 = 1.2;
const B: f32 = 0.75;

pub struct Bm25 {
    postings: HashMap<String, Vec<(u32, u32)>>,
    lengths: Vec<u32>,
    avg_len: f32,
}

impl Bm25 {
    pub fn build<'a>(docs: impl IntoIterator<Item = &'a str>) -> Bm25 {
        let mut postings: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        let mut lengths = Vec::new();
        for (i, doc) in docs.into_iter().enumerate() {
            let ts = terms(doc);
            lengths.push(ts.len() as u32);
            let mut tf: HashMap<String, u32> = HashMap::new();
            for t in ts {
                *tf.entry(t).or_insert(0) += 1;
            }
            for (t, n) in tf {
                postings.entry(t).or_default().push((i as u32, n));
            }
        }
        let avg_len = if lengths.is_empty() { 1.0 } else { lengths.iter().sum::<u32>() as f32 / lengths.len() as f32 };
        Bm25 { postings, lengths, avg_len: avg_len.max(1.0) }
    }

    /// The best `k` documents for the query, best first, as (doc, score);
    /// documents sharing no term with the query are not returned.
    pub fn search(&self, query: &str, k: usize) -> Vec<(usize, f32)> {
        let n = self.lengths.len() as f32;
        let mut query_terms = terms(query);
        query_terms.sort();
        query_terms.dedup();
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for t in &query_terms {
            let Some(list) = self.postings.get(t) else { continue };
            let df = list.len() as f32;
            let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
            for (doc, tf) in list {
                let tf = *tf as f32;
                let len = self.lengths[*doc as usize] as f32;
                let s = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / self.avg_len));
                *scores.entry(*doc).or_insert(0.0) += s;
            }
        }
        let mut ranked: Vec<(usize, f32)> = scores.into_iter().map(|(d, s)| (d as usize, s)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarer_matching_terms_rank_higher() {
        let idx = Bm25::build(["두통과 발열", "무릎 통증과 발열", "감기 발열"]);
        let hits = idx.search("두통", 10);
        assert_eq!(hits.first().map(|h| h.0), Some(0));
        assert_eq!(hits.len(), 1);
        assert!(idx.search("없는말", 10).is_empty());
    }
}
