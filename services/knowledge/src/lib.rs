//! The knowledge index: retrieval over everything the services publish
//! (drug labels, conditions, first-aid guides, categories and departments).
//!
//! - [`corpus`]: passages with stable ids, fetched over REST (or from the seeds).
//! - [`embed`]: the [`Embedder`] trait, the offline hashed n-gram embedder
//!   and the OpenAI-compatible one.
//! - [`index`]: FAISS (exact inner product) + BM25, fused by reciprocal rank.
//! - [`live`]: the index a service searches, rebuilt when the data changes.
//!
//! Used by the chatbot (answers) and `medictl index build`.

pub mod corpus;
pub mod embed;
pub mod entities;
pub mod eval;
pub mod index;
pub mod keyword;
pub mod live;
pub mod text;

pub use corpus::Passage;
pub use embed::{Embedder, HashedNgramEmbedder, OpenAiConfig, OpenAiEmbedder};
pub use index::{Hit, KnowledgeIndex, Mode};
pub use live::{Knowledge, Refresh, RetrievalError};

/// The bundled seed files, for [`corpus::from_seed`].
pub fn seed_corpus() -> Result<Vec<Passage>, corpus::CorpusError> {
    corpus::from_seed(
        include_str!("../../../data/seed/drugs.json"),
        include_str!("../../../data/seed/conditions.json"),
        include_str!("../../../data/seed/first_aid.json"),
        include_str!("../../../data/seed/categories.json"),
    )
}
