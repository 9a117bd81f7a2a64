//! Embedders: text to unit-length vectors for the FAISS inner-product index.
//!
//! - [`HashedNgramEmbedder`], the offline default: no model download, works
//!   on Korean and English. Features are Korean character 2- and 3-grams
//!   (inside each word, so particles cost little), English stemmed words and
//!   their character 3-grams (typos, morphology), hashed into a fixed number
//!   of dimensions with a sign bit, weighted `1 + ln tf`, L2-normalised.
//!   Deterministic: the same text always gives the same vector.
//! - [`OpenAiEmbedder`]: an OpenAI-compatible `POST <base>/v1/embeddings`
//!   (`MEDI_EMBEDDINGS_BASE_URL`, `_MODEL`, `_API_KEY`).

use std::collections::HashMap;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;

use crate::text::{is_hangul, is_stop_en, stem_en, words};

pub type EmbedResult = Result<Vec<Vec<f32>>, EmbedError>;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embeddings endpoint: {0}")]
    Endpoint(String),
    #[error("embeddings endpoint returned {got} vectors of dimension {dim} for {want} texts")]
    Shape { want: usize, got: usize, dim: usize },
}

/// Turns texts into unit vectors of `dim()` dimensions.
pub trait Embedder: Send + Sync {
    /// Names the model and its dimension; an index built by another
    /// embedder is not searched with this one (it is rebuilt instead).
    fn name(&self) -> String;
    fn dim(&self) -> usize;
    /// How much this embedder's ranking counts in the fusion with the
    /// keyword ranking (which counts 1).
    fn fusion_weight(&self) -> f32 {
        1.0
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, EmbedResult>;
}

/// L2-normalises in place (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

pub const DEFAULT_DIM: usize = 1024;
/// The hashed embedder's ranking is lexical and noisier than BM25's, so it
/// counts half in the fusion (chosen on the development question set,
/// bench/RESULTS.md).
pub const HASHED_FUSION_WEIGHT: f32 = 0.5;

/// The offline default embedder.
#[derive(Debug, Clone)]
pub struct HashedNgramEmbedder {
    dim: usize,
    fusion_weight: f32,
}

impl Default for HashedNgramEmbedder {
    fn default() -> Self {
        HashedNgramEmbedder { dim: DEFAULT_DIM, fusion_weight: HASHED_FUSION_WEIGHT }
    }
}

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl HashedNgramEmbedder {
    pub fn new(dim: usize) -> HashedNgramEmbedder {
        HashedNgramEmbedder { dim: dim.max(8), fusion_weight: HASHED_FUSION_WEIGHT }
    }

    /// The same embedder with another weight in the fusion (experiments).
    pub fn with_fusion_weight(mut self, weight: f32) -> HashedNgramEmbedder {
        self.fusion_weight = weight;
        self
    }

    /// The weighted features of a text (before hashing).
    pub fn features(text: &str) -> HashMap<String, f32> {
        let mut tf: HashMap<String, f32> = HashMap::new();
        let mut add = |k: String, w: f32| *tf.entry(k).or_insert(0.0) += w;
        for w in words(text) {
            let chars: Vec<char> = w.chars().collect();
            if chars.iter().any(|c| is_hangul(*c)) {
                if chars.len() == 1 {
                    add(format!("k1:{w}"), 1.0);
                }
                for n in [2usize, 3] {
                    for g in chars.windows(n) {
                        add(format!("k{n}:{}", g.iter().collect::<String>()), if n == 2 { 1.0 } else { 0.7 });
                    }
                }
            } else {
                if is_stop_en(&w) {
                    continue;
                }
                let stem = stem_en(&w);
                add(format!("w:{stem}"), 1.0);
                let padded: Vec<char> = format!("<{stem}>").chars().collect();
                if padded.len() > 4 {
                    for g in padded.windows(3) {
                        add(format!("c3:{}", g.iter().collect::<String>()), 0.35);
                    }
                }
            }
        }
        tf
    }

    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0f32; self.dim];
        for (feature, count) in Self::features(text) {
            let h = fnv1a(&feature);
            let slot = (h % self.dim as u64) as usize;
            let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
            // Sub-linear term frequency: a word said five times is not five times the topic.
            v[slot] += sign * (1.0 + count.ln().max(0.0));
        }
        normalize(&mut v);
        v
    }
}

impl Embedder for HashedNgramEmbedder {
    fn name(&self) -> String {
        format!("hashed-ngram-{}", self.dim)
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn fusion_weight(&self) -> f32 {
        self.fusion_weight
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, EmbedResult> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(texts.len());
            for (i, t) in texts.iter().enumerate() {
                out.push(self.embed_one(t));
                // A whole corpus is a second of CPU in a debug build: let the
                // runtime serve requests in between.
                if i % 64 == 63 {
                    tokio::task::yield_now().await;
                }
            }
            Ok(out)
        })
    }
}

/// Settings of an OpenAI-compatible embeddings endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// e.g. `https://api.example.com` (`/v1/embeddings` is appended).
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// The model's output dimension.
    pub dim: usize,
    pub timeout: Duration,
}

impl OpenAiConfig {
    /// `MEDI_EMBEDDINGS_BASE_URL` (unset: `None`, the offline embedder),
    /// `MEDI_EMBEDDINGS_MODEL` (required with it), `MEDI_EMBEDDINGS_DIM`
    /// (default 1536), `MEDI_EMBEDDINGS_API_KEY`, `MEDI_EMBEDDINGS_TIMEOUT_SECS` (20).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Option<OpenAiConfig>, String> {
        let get = |k: &str| lookup(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let Some(base) = get("MEDI_EMBEDDINGS_BASE_URL") else { return Ok(None) };
        let model = get("MEDI_EMBEDDINGS_MODEL")
            .ok_or("MEDI_EMBEDDINGS_MODEL is required when MEDI_EMBEDDINGS_BASE_URL is set")?;
        let number = |k: &str, default: u64| -> Result<u64, String> {
            match get(k) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("{k}={v:?} must be a whole number greater than 0")),
            }
        };
        Ok(Some(OpenAiConfig {
            base_url: base.trim_end_matches('/').to_string(),
            model,
            api_key: get("MEDI_EMBEDDINGS_API_KEY"),
            dim: number("MEDI_EMBEDDINGS_DIM", 1536)? as usize,
            timeout: Duration::from_secs(number("MEDI_EMBEDDINGS_TIMEOUT_SECS", 20)?),
        }))
    }
}

/// An OpenAI-compatible embeddings endpoint; vectors are normalised here
/// so inner product is cosine whatever the model returns.
pub struct OpenAiEmbedder {
    config: OpenAiConfig,
    http: reqwest::Client,
}

/// Texts per request.
const BATCH: usize = 64;

#[derive(Deserialize)]
struct EmbeddingsResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    #[serde(default)]
    index: usize,
    embedding: Vec<f32>,
}

impl OpenAiEmbedder {
    pub fn new(config: OpenAiConfig) -> Result<OpenAiEmbedder, EmbedError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| EmbedError::Endpoint(e.to_string()))?;
        Ok(OpenAiEmbedder { config, http })
    }

    async fn batch(&self, texts: &[String]) -> EmbedResult {
        let body = serde_json::json!({ "model": self.config.model, "input": texts });
        let mut request = self.http.post(format!("{}/v1/embeddings", self.config.base_url)).json(&body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| EmbedError::Endpoint(e.to_string()))?;
        let response = response.error_for_status().map_err(|e| EmbedError::Endpoint(e.to_string()))?;
        let mut parsed: EmbeddingsResponse = response.json().await.map_err(|e| EmbedError::Endpoint(e.to_string()))?;
        parsed.data.sort_by_key(|d| d.index);
        let ok = parsed.data.len() == texts.len() && parsed.data.iter().all(|d| d.embedding.len() == self.config.dim);
        if !ok {
            return Err(EmbedError::Shape {
                want: texts.len(),
                got: parsed.data.len(),
                dim: parsed.data.first().map(|d| d.embedding.len()).unwrap_or(0),
            });
        }
        Ok(parsed
            .data
            .into_iter()
            .map(|d| {
                let mut v = d.embedding;
                normalize(&mut v);
                v
            })
            .collect())
    }
}

impl Embedder for OpenAiEmbedder {
    fn name(&self) -> String {
        format!("openai:{}:{}", self.config.model, self.config.dim)
    }

    fn dim(&self) -> usize {
        self.config.dim
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, EmbedResult> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(texts.len());
            for chunk in texts.chunks(BATCH) {
                out.extend(self.batch(chunk).await?);
            }
            Ok(out)
        })
    }
}

/// The embedder the environment asks for: OpenAI-compatible when
/// `MEDI_EMBEDDINGS_BASE_URL` is set, the offline one otherwise.
pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<std::sync::Arc<dyn Embedder>, String> {
    match OpenAiConfig::from_lookup(lookup)? {
        Some(c) => Ok(std::sync::Arc::new(OpenAiEmbedder::new(c).map_err(|e| e.to_string())?)),
        None => Ok(std::sync::Arc::new(HashedNgramEmbedder::default())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn vectors_are_deterministic_unit_length_and_related_texts_are_close() {
        let e = HashedNgramEmbedder::default();
        let a = e.embed_one("타이레놀 하루 최대 용량");
        assert_eq!(a, e.embed_one("타이레놀 하루 최대 용량"));
        assert!((a.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-4);
        let near = e.embed_one("타이레놀은 하루에 최대 8정까지 복용합니다");
        let far = e.embed_one("넘어져서 무릎에 피가 나요");
        assert!(cos(&a, &near) > cos(&a, &far), "{} vs {}", cos(&a, &near), cos(&a, &far));
        let en = e.embed_one("headaches with nausea");
        assert!(cos(&en, &e.embed_one("headache and nausea")) > cos(&en, &e.embed_one("knee sprain")));
        assert!(e.embed_one("").iter().all(|x| *x == 0.0));
    }

    #[test]
    fn openai_settings_need_a_model() {
        assert!(OpenAiConfig::from_lookup(&|_| None).expect("unset is fine").is_none());
        let only_url = |k: &str| (k == "MEDI_EMBEDDINGS_BASE_URL").then(|| "http://x/".to_string());
        assert!(OpenAiConfig::from_lookup(&only_url).is_err());
        let full = |k: &str| match k {
            "MEDI_EMBEDDINGS_BASE_URL" => Some("http://x/".to_string()),
            "MEDI_EMBEDDINGS_MODEL" => Some("m".to_string()),
            "MEDI_EMBEDDINGS_DIM" => Some("8".to_string()),
            _ => None,
        };
        let c = OpenAiConfig::from_lookup(&full).expect("ok").expect("some");
        assert_eq!((c.base_url.as_str(), c.dim), ("http://x", 8));
    }
}
