//! The index a running service searches, kept fresh.
//!
//! At start the index at `MEDI_KNOWLEDGE_INDEX_PATH` is loaded (if it is
//! there and was built by the configured embedder), otherwise it is built
//! from the services' REST APIs. Then, every `MEDI_KNOWLEDGE_REFRESH_SECS`,
//! the cache versions the importers bump (`medictl seed` / `import` →
//! `cache:<namespace>:version` in Redis, one `MGET`) are compared with those
//! seen at the last build; when they moved, the corpus is fetched again and,
//! if its fingerprint changed, re-embedded and swapped in atomically
//! (`ArcSwap`): searches in flight finish on the old index.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use crate::corpus::{self, Passage};
use crate::embed::Embedder;
use crate::index::{Hit, KnowledgeIndex, Mode};

/// The cache namespaces whose version bump means the corpus may have changed.
pub const SOURCE_NAMESPACES: [&str; 4] = ["drug", "conditions", "emergency", "category"];

#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    #[error("the knowledge index is not built yet")]
    NotReady,
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    #[error(transparent)]
    Corpus(#[from] corpus::CorpusError),
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// The source versions did not move.
    Unchanged,
    /// Fetched again, same fingerprint.
    SameContent,
    /// A new index with this many passages is live.
    Rebuilt(usize),
}

/// Makes a service token for `GET /drug/dictionary` (the chatbot signs its own).
pub type TokenMinter = Arc<dyn Fn() -> String + Send + Sync>;

pub struct Knowledge {
    ctx: kit::Ctx,
    dictionary_token: std::sync::Mutex<Option<TokenMinter>>,
    embedder: Arc<dyn Embedder>,
    path: Option<PathBuf>,
    current: ArcSwapOption<KnowledgeIndex>,
    seen_versions: std::sync::Mutex<Option<Vec<i64>>>,
    rebuilding: tokio::sync::Mutex<()>,
}

impl Knowledge {
    pub fn new(ctx: kit::Ctx, embedder: Arc<dyn Embedder>, path: Option<PathBuf>) -> Arc<Knowledge> {
        Arc::new(Knowledge {
            ctx,
            dictionary_token: std::sync::Mutex::new(None),
            embedder,
            path,
            current: ArcSwapOption::empty(),
            seen_versions: std::sync::Mutex::new(None),
            rebuilding: tokio::sync::Mutex::new(()),
        })
    }

    /// Reads the drug aliases with tokens from `minter`.
    pub fn set_dictionary_token(&self, minter: TokenMinter) {
        if let Ok(mut g) = self.dictionary_token.lock() {
            *g = Some(minter);
        }
    }

    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// The live index, if there is one.
    pub fn current(&self) -> Option<Arc<KnowledgeIndex>> {
        self.current.load_full()
    }

    /// Puts an index live (tests, `medictl`).
    pub fn install(&self, index: KnowledgeIndex) {
        self.current.store(Some(Arc::new(index)));
    }

    /// Loads the index file when there is a usable one; true if it did.
    pub fn load_file(&self) -> bool {
        let Some(path) = &self.path else { return false };
        if !path.join("passages.json").exists() {
            return false;
        }
        match KnowledgeIndex::load(path, self.embedder.as_ref()) {
            Ok(index) => {
                tracing::info!(passages = index.len(), path = %path.display(), "knowledge index loaded");
                self.install(index);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, path = %path.display(), "knowledge index not usable; it will be rebuilt");
                false
            }
        }
    }

    async fn source_versions(&self) -> Option<Vec<i64>> {
        let keys: Vec<String> =
            SOURCE_NAMESPACES.iter().map(|ns| self.ctx.redis.key(&["cache", ns, "version"])).collect();
        let mut conn = self.ctx.redis.conn().await.ok()?;
        let values: Vec<Option<i64>> = redis::cmd("MGET").arg(&keys).query_async(&mut conn).await.ok()?;
        Some(values.into_iter().map(|v| v.unwrap_or(0)).collect())
    }

    /// Rebuilds when the reference data changed (or there is no index yet).
    /// Concurrent calls wait for each other instead of building twice.
    pub async fn refresh(&self) -> Result<Refresh, RetrievalError> {
        let _guard = self.rebuilding.lock().await;
        let versions = self.source_versions().await;
        let seen = self.seen_versions.lock().ok().and_then(|g| g.clone());
        let current = self.current();
        if current.is_some() && versions.is_some() && versions == seen {
            return Ok(Refresh::Unchanged);
        }
        let token = self.dictionary_token.lock().ok().and_then(|g| g.as_ref().map(|m| m()));
        let passages = corpus::fetch_with(&self.ctx, token).await?;
        let outcome = self.install_passages(passages, current.as_deref()).await?;
        if let Ok(mut g) = self.seen_versions.lock() {
            *g = versions;
        }
        Ok(outcome)
    }

    async fn install_passages(
        &self,
        passages: Vec<Passage>,
        current: Option<&KnowledgeIndex>,
    ) -> Result<Refresh, RetrievalError> {
        if current.is_some_and(|c| c.fingerprint() == corpus::fingerprint(&passages)) {
            return Ok(Refresh::SameContent);
        }
        let index = KnowledgeIndex::build(self.embedder.as_ref(), passages).await?;
        let n = index.len();
        if let Some(path) = &self.path {
            if let Err(e) = index.save(path) {
                tracing::warn!(error = %e, path = %path.display(), "could not write the knowledge index; serving it from memory");
            }
        }
        tracing::info!(passages = n, fingerprint = index.fingerprint(), "knowledge index rebuilt");
        self.install(index);
        Ok(Refresh::Rebuilt(n))
    }

    /// Loads or builds the index, then keeps it fresh until the process ends.
    pub async fn run(self: Arc<Self>, every: Duration) {
        self.load_file();
        loop {
            match self.refresh().await {
                Ok(Refresh::Rebuilt(n)) => {
                    metrics::gauge!("knowledge_index_passages", "service" => self.ctx.service).set(n as f64)
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "knowledge index refresh failed; keeping the current one"),
            }
            if let Some(c) = self.current() {
                metrics::gauge!("knowledge_index_passages", "service" => self.ctx.service).set(c.len() as f64);
            }
            // Without an index, try again soon (the services may still be starting).
            let wait = if self.current().is_some() { every } else { every.min(Duration::from_secs(5)) };
            tokio::time::sleep(wait).await;
        }
    }

    /// Drug, condition and department names in `text` (empty without an index).
    pub fn entities(&self, text: &str) -> Vec<crate::entities::Entity> {
        self.current().map(|i| i.dictionary.find(text)).unwrap_or_default()
    }

    /// Hybrid search over the live index.
    pub async fn search(&self, query: &str, lang: &str, k: usize) -> Result<Vec<Hit>, RetrievalError> {
        let index = self.current().ok_or(RetrievalError::NotReady)?;
        let vectors = self.embedder.embed(&[query.to_string()]).await.map_err(crate::index::IndexError::from)?;
        let v = vectors.into_iter().next().unwrap_or_default();
        Ok(index.search_weighted(query, &v, lang, k, Mode::Fused, self.embedder.fusion_weight())?)
    }
}
