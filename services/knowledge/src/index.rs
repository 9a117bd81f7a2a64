//! The knowledge index: a FAISS inner-product index over unit vectors
//! (exact search, `Flat`: a few thousand passages take well under a
//! millisecond, so approximate structures would only cost recall) plus a
//! BM25 keyword index over the same passages, fused by reciprocal rank
//! fusion.
//!
//! On disk it is a directory: `index.faiss` (FAISS's own format) and
//! `passages.json` (passages in vector order, the embedder's name and
//! dimension, the corpus fingerprint). Both are written to temporary names
//! and renamed, so a reader never sees half an index.

use std::path::Path;
use std::sync::Mutex;

use faiss::{Index, MetricType};
use serde::{Deserialize, Serialize};

use crate::corpus::{fingerprint, Passage};
use crate::embed::Embedder;
use crate::keyword::Bm25;

/// Reciprocal rank fusion constant (the usual 60).
pub const RRF_K: f32 = 60.0;
/// How deep each list is read before fusing.
pub const CANDIDATES: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("faiss: {0}")]
    Faiss(#[from] faiss::error::Error),
    #[error("embedding failed: {0}")]
    Embed(#[from] crate::embed::EmbedError),
    #[error("index files: {0}")]
    Io(#[from] std::io::Error),
    #[error("index metadata: {0}")]
    Meta(#[from] serde_json::Error),
    #[error("index mismatch: {0}")]
    Mismatch(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexMeta {
    pub format: u32,
    pub embedder: String,
    pub dim: usize,
    pub fingerprint: String,
    pub built_at: String,
    pub passages: Vec<Passage>,
}

const FORMAT: u32 = 1;

/// Which ranking produced the results (the benchmark compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Vector,
    Keyword,
    Fused,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub passage: Passage,
    pub score: f32,
    /// Cosine similarity to the query (0 when the vector search did not return it).
    pub cosine: f32,
    /// BM25 score (0 when no query term matched).
    pub bm25: f32,
}

/// Least BM25 score for a hit to be used in an answer (offline embedder).
pub const MIN_BM25: f32 = 8.0;
/// Least cosine similarity for a hit to be used in an answer.
pub const MIN_COSINE: f32 = 0.2;

impl Hit {
    /// Whether the hit is likely to answer rather than share a word by
    /// chance: it must score on both halves. Chosen on the development
    /// questions (64 of 74 get a passage) and small talk ("안녕하세요",
    /// "tell me a joke": none), see bench/RESULTS.md; a test keeps both.
    pub fn is_relevant(&self) -> bool {
        self.bm25 >= MIN_BM25 && self.cosine >= MIN_COSINE
    }
}

pub struct KnowledgeIndex {
    faiss: Mutex<faiss::index::IndexImpl>,
    bm25: Bm25,
    /// Drug, condition and department names for entity recognition.
    pub dictionary: crate::entities::Dictionary,
    pub meta: IndexMeta,
}

impl KnowledgeIndex {
    /// Embeds the passages and builds both indexes.
    pub async fn build(embedder: &dyn Embedder, passages: Vec<Passage>) -> Result<KnowledgeIndex, IndexError> {
        let texts: Vec<String> = passages.iter().map(Passage::embedded_text).collect();
        let vectors = embedder.embed(&texts).await?;
        let dim = embedder.dim();
        let mut flat = faiss::index_factory(dim as u32, "Flat", MetricType::InnerProduct)?;
        let data: Vec<f32> = vectors.into_iter().flatten().collect();
        if data.len() != dim * passages.len() {
            return Err(IndexError::Mismatch(format!(
                "{} values for {} passages of {dim}",
                data.len(),
                passages.len()
            )));
        }
        if !data.is_empty() {
            flat.add(&data)?;
        }
        let meta = IndexMeta {
            format: FORMAT,
            embedder: embedder.name(),
            dim,
            fingerprint: fingerprint(&passages),
            built_at: chrono::Utc::now().to_rfc3339(),
            passages,
        };
        Ok(Self::assemble(flat, meta))
    }

    fn assemble(flat: faiss::index::IndexImpl, meta: IndexMeta) -> KnowledgeIndex {
        let bm25 =
            Bm25::build(meta.passages.iter().map(|p| p.keyword_text()).collect::<Vec<_>>().iter().map(String::as_str));
        let dictionary = crate::entities::Dictionary::from_passages(&meta.passages);
        KnowledgeIndex { faiss: Mutex::new(flat), bm25, dictionary, meta }
    }

    pub fn len(&self) -> usize {
        self.meta.passages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.passages.is_empty()
    }

    pub fn fingerprint(&self) -> &str {
        &self.meta.fingerprint
    }

    /// Writes `index.faiss` and `passages.json` into `dir` (created if needed).
    pub fn save(&self, dir: &Path) -> Result<(), IndexError> {
        std::fs::create_dir_all(dir)?;
        let tmp_index = dir.join(".index.faiss.tmp");
        let tmp_meta = dir.join(".passages.json.tmp");
        {
            let guard = self.faiss.lock().map_err(|_| IndexError::Mismatch("index lock poisoned".into()))?;
            let path = tmp_index.to_str().ok_or_else(|| IndexError::Mismatch("index path is not UTF-8".into()))?;
            faiss::write_index(&*guard, path)?;
        }
        std::fs::write(&tmp_meta, serde_json::to_vec(&self.meta)?)?;
        std::fs::rename(&tmp_index, dir.join("index.faiss"))?;
        std::fs::rename(&tmp_meta, dir.join("passages.json"))?;
        Ok(())
    }

    /// Reads an index written by [`save`](Self::save); refuses one built by
    /// another embedder or whose two files disagree.
    pub fn load(dir: &Path, embedder: &dyn Embedder) -> Result<KnowledgeIndex, IndexError> {
        let meta: IndexMeta = serde_json::from_slice(&std::fs::read(dir.join("passages.json"))?)?;
        if meta.format != FORMAT {
            return Err(IndexError::Mismatch(format!("format {} (expected {FORMAT})", meta.format)));
        }
        if meta.embedder != embedder.name() || meta.dim != embedder.dim() {
            return Err(IndexError::Mismatch(format!(
                "built with {} ({}), configured {} ({})",
                meta.embedder,
                meta.dim,
                embedder.name(),
                embedder.dim()
            )));
        }
        let path = dir.join("index.faiss");
        let path = path.to_str().ok_or_else(|| IndexError::Mismatch("index path is not UTF-8".into()))?;
        let flat = faiss::read_index(path)?;
        if flat.ntotal() as usize != meta.passages.len() || flat.d() as usize != meta.dim {
            return Err(IndexError::Mismatch(format!(
                "{} vectors of {} for {} passages",
                flat.ntotal(),
                flat.d(),
                meta.passages.len()
            )));
        }
        Ok(Self::assemble(flat, meta))
    }

    /// Vector ranking: (passage index, cosine), best first.
    fn vector_ranked(&self, query_vec: &[f32], k: usize) -> Result<Vec<(usize, f32)>, IndexError> {
        if self.is_empty() || query_vec.iter().all(|x| *x == 0.0) {
            return Ok(Vec::new());
        }
        let mut guard = self.faiss.lock().map_err(|_| IndexError::Mismatch("index lock poisoned".into()))?;
        let result = guard.search(query_vec, k.min(self.len()))?;
        Ok(result
            .labels
            .iter()
            .zip(result.distances.iter())
            .filter_map(|(label, d)| label.get().map(|i| (i as usize, *d)))
            .filter(|(i, _)| *i < self.len())
            .collect())
    }

    /// The best `k` passages for the query, one per section id (the
    /// variant in `lang` when there is one), by the chosen ranking.
    pub fn search(
        &self,
        query: &str,
        query_vec: &[f32],
        lang: &str,
        k: usize,
        mode: Mode,
    ) -> Result<Vec<Hit>, IndexError> {
        self.search_weighted(query, query_vec, lang, k, mode, 1.0)
    }

    /// [`search`](Self::search) with the vector list's weight in the fusion
    /// (the keyword list weighs 1): `Embedder::fusion_weight`.
    pub fn search_weighted(
        &self,
        query: &str,
        query_vec: &[f32],
        lang: &str,
        k: usize,
        mode: Mode,
        vector_weight: f32,
    ) -> Result<Vec<Hit>, IndexError> {
        let vector = if mode == Mode::Keyword { Vec::new() } else { self.vector_ranked(query_vec, CANDIDATES)? };
        let keyword = if mode == Mode::Vector { Vec::new() } else { self.bm25.search(query, CANDIDATES) };
        let mut scored: std::collections::HashMap<usize, (f32, f32, f32)> = std::collections::HashMap::new();
        for (rank, (i, cos)) in vector.iter().enumerate() {
            let e = scored.entry(*i).or_insert((0.0, 0.0, 0.0));
            e.0 += match mode {
                Mode::Vector => *cos,
                _ => vector_weight / (RRF_K + rank as f32 + 1.0),
            };
            e.1 = *cos;
        }
        for (rank, (i, bm)) in keyword.iter().enumerate() {
            let e = scored.entry(*i).or_insert((0.0, 0.0, 0.0));
            e.0 += match mode {
                Mode::Keyword => *bm,
                _ => 1.0 / (RRF_K + rank as f32 + 1.0),
            };
            e.2 = *bm;
        }
        let mut ranked: Vec<(usize, (f32, f32, f32))> = scored.into_iter().collect();
        ranked.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0).then(a.0.cmp(&b.0)));
        let mut hits: Vec<Hit> = Vec::new();
        for (i, (score, cosine, bm25)) in ranked {
            let p = &self.meta.passages[i];
            if hits.iter().any(|h| h.passage.id == p.id) {
                continue;
            }
            // The same section in the asker's language, when it exists.
            let passage = if p.lang == lang {
                p.clone()
            } else {
                self.meta.passages.iter().find(|q| q.id == p.id && q.lang == lang).unwrap_or(p).clone()
            };
            hits.push(Hit { passage, score, cosine, bm25 });
            if hits.len() == k {
                break;
            }
        }
        Ok(hits)
    }
}
