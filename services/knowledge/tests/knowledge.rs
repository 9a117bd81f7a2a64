//! The OpenAI-compatible embedder against a local stand-in server, and the
//! retrieval quality floor on the labelled question set.

use std::sync::{Arc, Mutex};

use kit::testing::TestServer;
use knowledge::embed::{EmbedError, Embedder, OpenAiConfig, OpenAiEmbedder};
use knowledge::{HashedNgramEmbedder, KnowledgeIndex, Mode};
use serde_json::{json, Value};

const STAND_IN_DIM: usize = 64;

/// Answers `/v1/embeddings` with un-normalised vectors, in reverse order
/// (with their `index`), and records each request and its bearer token.
async fn stand_in() -> (TestServer, Arc<Mutex<Vec<(Value, String)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/v1/embeddings",
            axum::routing::post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let seen = seen.clone();
                async move {
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    let e = HashedNgramEmbedder::new(STAND_IN_DIM);
                    let inputs: Vec<String> = body["input"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect();
                    seen.lock().expect("lock").push((body, auth));
                    let mut data: Vec<Value> = inputs
                        .iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let v: Vec<f32> = e.embed_one(t).iter().map(|x| x * 3.0).collect();
                            json!({"object": "embedding", "index": i, "embedding": v})
                        })
                        .collect();
                    data.reverse();
                    axum::Json(json!({"object": "list", "data": data, "model": "stand-in"}))
                }
            }),
        )
    };
    (TestServer::spawn(app).await, seen)
}

fn config(base: &str, dim: usize) -> OpenAiConfig {
    OpenAiConfig {
        base_url: base.to_string(),
        model: "stand-in-embed".into(),
        api_key: Some("test-key".into()),
        dim,
        timeout: std::time::Duration::from_secs(5),
    }
}

#[tokio::test]
async fn the_openai_compatible_embedder_batches_orders_and_normalises() {
    let (server, seen) = stand_in().await;
    let e = OpenAiEmbedder::new(config(&server.base_url, STAND_IN_DIM)).expect("client");
    let texts: Vec<String> = (0..70).map(|i| format!("질문 {i} 두통")).collect();
    let vectors = e.embed(&texts).await.expect("embeddings");
    assert_eq!(vectors.len(), 70);
    let local = HashedNgramEmbedder::new(STAND_IN_DIM);
    for (t, v) in texts.iter().zip(&vectors) {
        assert!((v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-4, "normalised");
        let expected = local.embed_one(t);
        assert!(v.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-4), "in input order");
    }
    let requests = seen.lock().expect("lock").clone();
    assert_eq!(requests.len(), 2, "70 texts go in batches of 64");
    assert_eq!(requests[0].0["model"], "stand-in-embed");
    assert_eq!(requests[0].1, "Bearer test-key");
    assert_eq!(e.name(), format!("openai:stand-in-embed:{STAND_IN_DIM}"));

    // An index built with it searches like any other.
    let passages: Vec<knowledge::Passage> = knowledge::seed_corpus()
        .expect("seed")
        .into_iter()
        .filter(|p| p.id.starts_with("guide:") && p.lang == "ko")
        .collect();
    let index = KnowledgeIndex::build(&e, passages).await.expect("index");
    let q = e.embed(&["코피가 멈추지 않아요".to_string()]).await.expect("q");
    let hits = index.search("코피가 멈추지 않아요", &q[0], "ko", 5, Mode::Vector).expect("search");
    assert!(
        hits.iter().any(|h| h.passage.id.starts_with("guide:nosebleed#")),
        "{:?}",
        hits.iter().map(|h| &h.passage.id).collect::<Vec<_>>()
    );

    // A dimension other than the configured one is refused, a dead endpoint is an error.
    let wrong = OpenAiEmbedder::new(config(&server.base_url, 8)).expect("client");
    assert!(matches!(wrong.embed(&texts[..1]).await, Err(EmbedError::Shape { .. })));
    let down = OpenAiEmbedder::new(config("http://127.0.0.1:1", STAND_IN_DIM)).expect("client");
    assert!(matches!(down.embed(&texts[..1]).await, Err(EmbedError::Endpoint(_))));
}

#[derive(serde::Deserialize)]
struct Set {
    questions: Vec<Q>,
}

#[derive(serde::Deserialize)]
struct Q {
    q: String,
    lang: String,
    relevant: Vec<String>,
}

/// Measured 94.6% fused recall@5 on the development set (bench/RESULTS.md);
/// the floor leaves room for a few questions, not for a regression.
const FUSED_RECALL_AT_5_FLOOR: f64 = 0.90;

#[tokio::test]
async fn fused_recall_at_5_stays_above_the_measured_floor() {
    let set: Set = serde_json::from_str(include_str!("../../../data/eval/retrieval_questions.json")).expect("set");
    assert!(set.questions.len() >= 60);
    let e = HashedNgramEmbedder::default();
    let index = KnowledgeIndex::build(&e, knowledge::seed_corpus().expect("seed")).await.expect("index");
    let qs: Vec<(&str, &str, &[String])> =
        set.questions.iter().map(|q| (q.q.as_str(), q.lang.as_str(), q.relevant.as_slice())).collect();
    let fused = knowledge::eval::evaluate(&index, &e, &qs, Mode::Fused, 5).await.expect("eval");
    assert!(fused.recall >= FUSED_RECALL_AT_5_FLOOR, "fused recall@5 {:.3}; misses: {:#?}", fused.recall, fused.misses);
    // Each half alone must still find something: a broken half would hide behind the other.
    for mode in [Mode::Vector, Mode::Keyword] {
        let r = knowledge::eval::evaluate(&index, &e, &qs, mode, 5).await.expect("eval");
        assert!(r.recall >= 0.7, "{mode:?} recall@5 {:.3}", r.recall);
    }
}

#[tokio::test]
async fn small_talk_gets_no_passages_and_most_questions_get_one() {
    let set: Set = serde_json::from_str(include_str!("../../../data/eval/retrieval_questions.json")).expect("set");
    let e = HashedNgramEmbedder::default();
    let index = KnowledgeIndex::build(&e, knowledge::seed_corpus().expect("seed")).await.expect("index");
    let relevant = |q: &str, lang: &str| {
        let index = &index;
        let e = &e;
        let (q, lang) = (q.to_string(), lang.to_string());
        async move {
            let v = e.embed(std::slice::from_ref(&q)).await.expect("embed");
            let hits = index.search_weighted(&q, &v[0], &lang, 8, Mode::Fused, e.fusion_weight()).expect("search");
            hits.iter().filter(|h| h.is_relevant()).count()
        }
    };
    for (q, lang) in [
        ("안녕하세요", "ko"),
        ("고마워요", "ko"),
        ("오늘 날씨 어때요", "ko"),
        ("주식 추천해줘", "ko"),
        ("tell me a joke", "en"),
        ("what is the capital of France", "en"),
    ] {
        assert_eq!(relevant(q, lang).await, 0, "{q}");
    }
    let mut answered = 0;
    for q in &set.questions {
        answered += usize::from(relevant(&q.q, &q.lang).await > 0);
    }
    // Measured 64 of 74.
    assert!(answered * 100 >= set.questions.len() * 80, "{answered} of {}", set.questions.len());
}
