//! Retrieval quality on the labelled question set: recall@k and MRR@10 for
//! vector-only, keyword-only and fused search, over the passages built from
//! the bundled seed data with the offline embedder (or the index at
//! `--index DIR`, e.g. one built with an embeddings endpoint).
//!
//! ```text
//! retrieval-eval [--questions data/eval/retrieval_questions.json] [--k 5] [--index DIR] [--misses]
//! ```

use std::path::PathBuf;

use clap::Parser;
use knowledge::{HashedNgramEmbedder, KnowledgeIndex, Mode};
use serde::Deserialize;

#[derive(Parser)]
#[command(name = "retrieval-eval", about = "recall@k and MRR of the knowledge index on labelled questions")]
struct Args {
    #[arg(long, default_value = "data/eval/retrieval_questions.json")]
    questions: PathBuf,
    #[arg(long, default_value_t = 5)]
    k: usize,
    /// Search this saved index instead of building one from the seeds.
    #[arg(long)]
    index: Option<PathBuf>,
    /// Print the questions fused search misses at k.
    #[arg(long)]
    misses: bool,
    /// Override the vector list's weight in the fusion (experiments).
    #[arg(long)]
    vector_weight: Option<f32>,
}

#[derive(Deserialize)]
struct Set {
    questions: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    q: String,
    lang: String,
    relevant: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let set: Set = serde_json::from_str(&std::fs::read_to_string(&args.questions)?)?;
    let embedder = knowledge::embed::from_lookup(&|k| std::env::var(k).ok()).map_err(anyhow::Error::msg)?;
    let started = std::time::Instant::now();
    let index = match &args.index {
        Some(dir) => KnowledgeIndex::load(dir, embedder.as_ref())?,
        None => KnowledgeIndex::build(&HashedNgramEmbedder::default(), knowledge::seed_corpus()?).await?,
    };
    let build_secs = started.elapsed().as_secs_f64();
    let hashed = HashedNgramEmbedder::default();
    let hashed = match args.vector_weight {
        Some(w) => hashed.with_fusion_weight(w),
        None => hashed,
    };
    let embedder: std::sync::Arc<dyn knowledge::Embedder> =
        if args.index.is_some() { embedder } else { std::sync::Arc::new(hashed) };
    println!(
        "{} questions ({} Korean), {} passages, embedder {}, vector weight in the fusion {}",
        set.questions.len(),
        set.questions.iter().filter(|q| q.lang == "ko").count(),
        index.len(),
        embedder.name(),
        embedder.fusion_weight()
    );
    println!("| mode | recall@{} | recall@1 | MRR@10 | recall@{} ko | recall@{} en |", args.k, args.k, args.k);
    println!("|---|---|---|---|---|---|");
    let mut timings = Vec::new();
    for (mode, name) in
        [(Mode::Vector, "vector (FAISS)"), (Mode::Keyword, "keyword (BM25)"), (Mode::Fused, "fused (RRF)")]
    {
        let t = std::time::Instant::now();
        let report = knowledge::eval::evaluate(
            &index,
            embedder.as_ref(),
            &set.questions.iter().map(|q| (q.q.as_str(), q.lang.as_str(), q.relevant.as_slice())).collect::<Vec<_>>(),
            mode,
            args.k,
        )
        .await?;
        timings.push((name, t.elapsed().as_secs_f64() * 1000.0 / set.questions.len().max(1) as f64));
        println!(
            "| {name} | {:.1}% | {:.1}% | {:.3} | {:.1}% | {:.1}% |",
            report.recall * 100.0,
            report.recall_at_1 * 100.0,
            report.mrr,
            report.recall_ko * 100.0,
            report.recall_en * 100.0
        );
        if args.misses && mode == Mode::Fused {
            for m in &report.misses {
                eprintln!("miss: {m}");
            }
        }
    }
    println!(
        "index {} in {build_secs:.2}s; per question (embed + search): {}",
        if args.index.is_some() { "loaded" } else { "built (embed + FAISS add + BM25)" },
        timings.iter().map(|(n, ms)| format!("{n} {ms:.2} ms")).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}
