//! Token streaming: with an OpenAI-compatible endpoint that streams
//! (`stream: true`), the SSE answer carries the model's tokens as `delta`
//! events, triage first, invalid citations removed even when split across
//! tokens, and `done` with the whole message. Against the real drug
//! service, MariaDB and Redis, and a local stand-in for the model.

use chatbot::AccountSettings;
use kit::auth::KeyPair;
use kit::testing::{TestServer, TestStores};
use serde_json::{json, Value};

/// Streams its answer in pieces, splitting the citation markers.
async fn streaming_stand_in() -> (TestServer, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::response::sse::{Event, Sse};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/v1/chat/completions",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let seen = seen.clone();
                async move {
                    seen.lock().expect("lock").push(body);
                    let pieces = ["Streamed ", "answer ", "from [", "1] and [", "9", "] only", "."];
                    let mut events: Vec<Event> = pieces
                        .iter()
                        .map(|p| {
                            Event::default().data(
                                json!({"object": "chat.completion.chunk",
                                       "choices": [{"index": 0, "delta": {"content": p}}]})
                                .to_string(),
                            )
                        })
                        .collect();
                    events.push(Event::default().data("[DONE]"));
                    Sse::new(futures::stream::iter(events.into_iter().map(Ok::<_, std::convert::Infallible>)))
                }
            }),
        )
    };
    (TestServer::spawn(app).await, seen)
}

fn parse_events(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for block in body.split("\n\n") {
        let event = block.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("").to_string();
        let data: Vec<&str> = block.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
        if !event.is_empty() {
            out.push((event, data.join("\n")));
        }
    }
    out
}

#[tokio::test]
async fn the_models_tokens_stream_as_deltas_after_triage_with_only_valid_citations() {
    let stores = TestStores::new().await;
    let seed_ctx = stores.ctx("test");
    let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("drugs");
    drug::load::load_seed(&seed_ctx.db.global, &drugs).await.expect("drugs load");
    let ctx = stores.ctx("drug");
    let drug_server = TestServer::spawn(kit::app(&drug::SPEC, ctx.clone(), drug::routes(ctx))).await;
    let (llm, seen) = streaming_stand_in().await;
    let mut config = stores.config.clone();
    if let Some(e) = config.services.get_mut("drug") {
        e.url = drug_server.base_url.clone();
    }
    let ctx = kit::Ctx::new("chatbot", config).expect("ctx");
    let settings = AccountSettings::new(vec![KeyPair::generate("k")], vec![]).with_llm(chatbot::generator::LlmConfig {
        base_url: llm.base_url.clone(),
        model: "stand-in".into(),
        api_key: None,
        timeout: std::time::Duration::from_secs(5),
    });
    let server =
        TestServer::spawn(kit::app(&chatbot::SPEC, ctx.clone(), chatbot::routes_with(ctx.clone(), settings))).await;
    let http = reqwest::Client::new();
    let sid = http.post(server.url("/chatbot/sessions")).send().await.expect("s").json::<Value>().await.expect("j");
    let sid = sid["id"].as_str().expect("id").to_string();
    let r = http
        .post(server.url(&format!("/chatbot/sessions/{sid}/messages")))
        .header("accept", "text/event-stream")
        .json(&json!({"text": "타이레놀 하루 최대 용량은?"}))
        .send()
        .await
        .expect("m");
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    let events = parse_events(&body);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names.first(), Some(&"triage"), "{body}");
    assert_eq!(names.last(), Some(&"done"), "{body}");
    assert_eq!(seen.lock().expect("lock")[0]["stream"], true, "the model was asked to stream");

    let deltas: Vec<String> = events
        .iter()
        .filter(|(e, _)| e == "delta")
        .map(|(_, d)| serde_json::from_str::<String>(d).expect("a JSON string"))
        .collect();
    assert!(deltas.iter().any(|d| d == "Streamed "), "the model's tokens arrive as they were sent: {deltas:?}");
    let streamed: String = deltas.concat();
    assert!(streamed.contains("Streamed answer from [1] and  only."), "{streamed}");
    assert!(!streamed.contains("[9]"), "an invented citation never reaches the client, even split: {streamed}");

    let done: Value = serde_json::from_str(&events.last().expect("done").1).expect("json");
    let text = done["message"]["text"].as_str().unwrap_or_default();
    assert_eq!(streamed, text, "the deltas add up to the final text");
    assert!(text.contains("[1]") && !text.contains("[9]"));
    assert!(done["message"]["citations"].as_array().is_some_and(|c| c.len() == 1), "{done}");

    // A validation error before anything was streamed is a plain 400.
    let r = http
        .post(server.url(&format!("/chatbot/sessions/{sid}/messages")))
        .header("accept", "text/event-stream")
        .json(&json!({"text": "  "}))
        .send()
        .await
        .expect("m");
    assert_eq!(r.status(), 400);
}
