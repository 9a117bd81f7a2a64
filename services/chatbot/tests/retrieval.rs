//! Retrieval in answers, against the real drug, internal_external,
//! emergency-support and category services, MariaDB and Redis: a cited
//! passage from the knowledge index, the index file written and loaded,
//! a rebuild after the reference data changes, and answers that degrade
//! (never fail) when retrieval is not available.

use std::sync::Arc;

use chatbot::AccountSettings;
use kit::auth::KeyPair;
use kit::testing::{TestServer, TestStores};
use knowledge::{HashedNgramEmbedder, Knowledge, Refresh};
use serde_json::{json, Value};

struct Platform {
    chatbot: TestServer,
    knowledge: Arc<Knowledge>,
    ctx: kit::Ctx,
    _others: Vec<TestServer>,
    stores: TestStores,
    http: reqwest::Client,
}

async fn seed(stores: &TestStores) {
    let ctx = stores.ctx("test");
    let pool = &ctx.db.global;
    let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("drugs");
    drug::load::load_seed(pool, &drugs).await.expect("drugs load");
    let conditions = internal_external::load::parse_seed(internal_external::load::BUNDLED_SEED).expect("conditions");
    internal_external::load::load_seed(pool, &conditions).await.expect("conditions load");
    let guides = emergency_support::load::parse_guides(emergency_support::load::BUNDLED_GUIDES).expect("guides");
    emergency_support::load::load_guides(pool, &guides).await.expect("guides load");
    let categories = category::load::parse_seed(category::load::BUNDLED_SEED).expect("categories");
    category::load::load_seed(pool, &categories).await.expect("categories load");
}

/// The platform with retrieval over an index in `index_dir`; with
/// `services` false every other service is unreachable.
async fn spawn(services: bool, index_dir: Option<std::path::PathBuf>) -> Platform {
    spawn_with(services, index_dir, AccountSettings::new(vec![KeyPair::generate("k1")], vec![])).await
}

async fn spawn_with(services: bool, index_dir: Option<std::path::PathBuf>, settings: AccountSettings) -> Platform {
    let stores = TestStores::new().await;
    seed(&stores).await;
    let mut config = stores.config.clone();
    let mut others = Vec::new();
    if services {
        let ctx = stores.ctx("drug");
        // The drug service trusts the chatbot's keys (its JWKS, in production).
        ctx.auth.set_keys(&settings.jwks()).await;
        others.push(("drug", TestServer::spawn(kit::app(&drug::SPEC, ctx.clone(), drug::routes(ctx))).await));
        let ctx = stores.ctx("internal_external");
        others.push((
            "internal_external",
            TestServer::spawn(kit::app(&internal_external::SPEC, ctx.clone(), internal_external::routes(ctx))).await,
        ));
        let ctx = stores.ctx("emergency-support");
        others.push((
            "emergency-support",
            TestServer::spawn(kit::app(&emergency_support::SPEC, ctx.clone(), emergency_support::routes(ctx))).await,
        ));
        let ctx = stores.ctx("category");
        others
            .push(("category", TestServer::spawn(kit::app(&category::SPEC, ctx.clone(), category::routes(ctx))).await));
    }
    for name in ["drug", "internal_external", "emergency-support", "category"] {
        let url = others.iter().find(|(n, _)| *n == name).map(|(_, s)| s.base_url.clone());
        if let Some(e) = config.services.get_mut(name) {
            e.url = url.unwrap_or_else(|| "http://127.0.0.1:1".to_string());
        }
    }
    let ctx = kit::Ctx::new("chatbot", config).expect("ctx");
    let knowledge = Knowledge::new(ctx.clone(), Arc::new(HashedNgramEmbedder::default()), index_dir);
    knowledge.set_dictionary_token(chatbot::dictionary_token_minter(&ctx, &settings));
    let app = chatbot::routes_with_knowledge(ctx.clone(), settings, Some(knowledge.clone()));
    let chatbot = TestServer::spawn(kit::app(&chatbot::SPEC, ctx.clone(), app)).await;
    Platform {
        chatbot,
        knowledge,
        ctx,
        _others: others.into_iter().map(|(_, s)| s).collect(),
        stores,
        http: reqwest::Client::new(),
    }
}

impl Platform {
    async fn ask(&self, text: &str) -> Value {
        let r = self.http.post(self.chatbot.url("/chatbot/sessions")).send().await.expect("session");
        let sid = r.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_string();
        let r = self
            .http
            .post(self.chatbot.url(&format!("/chatbot/sessions/{sid}/messages")))
            .json(&json!({ "text": text }))
            .send()
            .await
            .expect("message");
        assert_eq!(r.status(), 200, "answers never fail because of retrieval");
        r.json::<Value>().await.expect("json")["message"].clone()
    }
}

fn citation_ids(m: &Value) -> Vec<String> {
    m["citations"].as_array().into_iter().flatten().filter_map(|c| c["id"].as_str().map(str::to_string)).collect()
}

/// The first-aid guide or the category page on a knocked-out tooth.
fn about_the_tooth(id: &str) -> bool {
    id.starts_with("guide:knocked-out-tooth#") || id == "category:dental-injury"
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("medi-knowledge-{tag}-{}", uuid::Uuid::new_v4().simple()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn answers_cite_passages_retrieved_from_the_index_and_the_index_file_is_reused() {
    let dir = temp_dir("cite");
    let p = spawn(true, Some(dir.clone())).await;
    let outcome = p.knowledge.refresh().await.expect("built from the services");
    let Refresh::Rebuilt(n) = outcome else { panic!("first refresh builds: {outcome:?}") };
    assert!(n > 1000, "drugs, conditions, guides and categories in both languages: {n}");
    assert!(dir.join("index.faiss").exists() && dir.join("passages.json").exists(), "the index is written");

    // No drug and no symptom the router knows: the answer comes from the library.
    let m = p.ask("이가 빠졌는데 우유에 담가 가면 될까요").await;
    let ids = citation_ids(&m);
    assert!(ids.iter().any(|i| about_the_tooth(i)), "{ids:?} / {m}");
    let c = m["citations"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"].as_str().is_some_and(about_the_tooth)))
        .cloned()
        .unwrap_or_default();
    let url = c["url"].as_str().unwrap_or_default();
    assert!(url == "/first-aid/knocked-out-tooth" || url == "/categories/dental-injury", "{c}");
    let text = m["text"].as_str().unwrap_or_default();
    assert!(text.contains("관련 건강 정보"), "grounded sentences from the passage: {text}");
    assert!(!text.contains("확실한 정보를 찾지 못했습니다"), "{text}");
    assert!(m["degraded"].as_array().is_some_and(Vec::is_empty), "{m}");

    // English, from the English passages.
    let m = p.ask("How do I keep a knocked-out tooth until I see a dentist?").await;
    assert!(citation_ids(&m).iter().any(|i| about_the_tooth(i)), "{m}");

    // An emergency only the learned triage recognises has no rule to name a
    // first-aid guide: the index supplies the one that fits.
    let m = p.ask("18개월 아기가 식탁보를 당겨서 뜨거운 국을 뒤집어썼어요 가슴이랑 팔에 물집 잡히고 피부가 허옇게 된 데도 있어요").await;
    assert_eq!(m["triage"]["matched_rules"][0]["id"], "LEARNED-EMERGENCY", "precondition: {m}");
    assert!(m["guides"].as_array().is_some_and(|g| g.iter().any(|g| g == "burns")), "{m}");
    let text = m["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("지금 바로 119") && text.contains("지금 할 일"), "119 first, then the steps: {text}");

    // A drug question keeps its label answer; retrieval adds no second copy of the same label.
    let m = p.ask("타이레놀 하루 최대 용량은?").await;
    let ids = citation_ids(&m);
    let label = ids.iter().find(|i| i.starts_with("drug:tylenol") && !i.contains('#')).expect("the label is cited");
    assert!(
        !ids.iter().any(|i| i.starts_with(&format!("{label}#"))),
        "the found drug's label is not repeated: {ids:?}"
    );

    // Another process with the same path loads the file instead of rebuilding.
    let again = Knowledge::new(p.ctx.clone(), Arc::new(HashedNgramEmbedder::default()), Some(dir.clone()));
    assert!(again.load_file());
    assert_eq!(again.current().map(|i| i.len()), Some(n));
    // A different embedder does not use it.
    let other = Knowledge::new(p.ctx.clone(), Arc::new(HashedNgramEmbedder::new(64)), Some(dir.clone()));
    assert!(!other.load_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_index_is_rebuilt_when_the_reference_data_changes() {
    let p = spawn(true, None).await;
    assert!(matches!(p.knowledge.refresh().await.expect("build"), Refresh::Rebuilt(_)));
    assert_eq!(p.knowledge.refresh().await.expect("check"), Refresh::Unchanged, "nothing changed");
    let before = p.knowledge.current().expect("live").fingerprint().to_string();
    let hits = p.knowledge.search("얼룩말코피 처치", "ko", 5).await.expect("search");
    assert!(!hits.iter().any(|h| h.passage.text.contains("얼룩말코피")));

    // An operator changes a guide (as `medictl seed` / an import does) and
    // bumps the cache version.
    let mut guides: Value = serde_json::from_str(emergency_support::load::BUNDLED_GUIDES).expect("json");
    for g in guides["guides"].as_array_mut().into_iter().flatten() {
        if g["slug"] == "nosebleed" {
            g["summary_ko"] =
                json!("얼룩말코피 시험 문장: 코피가 나면 고개를 앞으로 숙이고 콧방울을 10분간 눌러 주세요.");
        }
    }
    let file = emergency_support::load::parse_guides(&guides.to_string()).expect("guides");
    emergency_support::load::load_guides(&p.stores.ctx("test").db.global, &file).await.expect("load");
    // Without the version bump the change is not looked for.
    assert_eq!(p.knowledge.refresh().await.expect("check"), Refresh::Unchanged);
    p.ctx.cache().bump(emergency_support::CACHE_NAMESPACE).await.expect("bump");
    let outcome = p.knowledge.refresh().await.expect("rebuild");
    assert!(matches!(outcome, Refresh::Rebuilt(_)), "{outcome:?}");
    let live = p.knowledge.current().expect("live");
    assert_ne!(live.fingerprint(), before);
    let hits = p.knowledge.search("얼룩말코피 처치", "ko", 5).await.expect("search");
    assert_eq!(hits.first().map(|h| h.passage.id.as_str()), Some("guide:nosebleed#summary"), "{hits:?}");

    // A bump without a content change re-reads but does not rebuild.
    p.ctx.cache().bump(drug::CACHE_NAMESPACE).await.expect("bump");
    assert_eq!(p.knowledge.refresh().await.expect("check"), Refresh::SameContent);
}

#[tokio::test]
async fn without_an_index_answers_degrade_instead_of_failing() {
    // The services are down: the index cannot be built and there is no file.
    let p = spawn(false, Some(temp_dir("missing"))).await;
    assert!(p.knowledge.refresh().await.is_err(), "nothing to build from");
    assert!(!p.knowledge.load_file());
    let m = p.ask("이가 빠졌는데 우유에 담가 가면 될까요").await;
    let degraded: Vec<&str> = m["degraded"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(degraded.contains(&"retrieval"), "{m}");
    assert!(m["text"].as_str().is_some_and(|t| t.contains("제한적일 수 있습니다")), "{m}");
    assert!(m["triage"]["level"].is_string(), "triage still runs");
}

/// A stand-in for an OpenAI-compatible chat endpoint that cites every
/// passage it was given, plus an invented [99].
async fn llm_cites_everything() -> (TestServer, Arc<std::sync::Mutex<Vec<Value>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/v1/chat/completions",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let seen = seen.clone();
                async move {
                    let system = body["messages"][0]["content"].as_str().unwrap_or_default().to_string();
                    let marks: String = (1..=20)
                        .filter(|n| system.contains(&format!("\n[{n}] ")) || system.contains(&format!("\n\n[{n}] ")))
                        .map(|n| format!("[{n}]"))
                        .collect();
                    seen.lock().expect("lock").push(body);
                    axum::Json(json!({"choices": [{"message": {"role": "assistant",
                        "content": format!("From the passages {marks} and [99].")}}]}))
                }
            }),
        )
    };
    (TestServer::spawn(app).await, seen)
}

#[tokio::test]
async fn the_llm_gets_the_retrieved_passages_and_may_cite_only_them() {
    let (llm, seen) = llm_cites_everything().await;
    let settings =
        AccountSettings::new(vec![KeyPair::generate("k1")], vec![]).with_llm(chatbot::generator::LlmConfig {
            base_url: llm.base_url.clone(),
            model: "stand-in".into(),
            api_key: None,
            timeout: std::time::Duration::from_secs(5),
        });
    let p = spawn_with(true, None, settings).await;
    p.knowledge.refresh().await.expect("build");
    let m = p.ask("이가 빠졌는데 우유에 담가 가면 될까요").await;
    let system = seen.lock().expect("lock")[0]["messages"][0]["content"].as_str().unwrap_or_default().to_string();
    assert!(
        system.contains("치아가 빠졌을 때") || system.contains("치아 외상"),
        "the retrieved passage is in the prompt: {system}"
    );
    let text = m["text"].as_str().unwrap_or_default();
    assert!(text.contains("From the passages [1]") && !text.contains("[99]"), "{text}");
    let ids = citation_ids(&m);
    assert!(ids.iter().any(|i| about_the_tooth(i)), "{ids:?}");
}

#[tokio::test]
async fn names_are_recognised_from_the_dictionary_with_misspellings_and_without_spaces() {
    let p = spawn(true, None).await;
    p.knowledge.refresh().await.expect("build");
    // The drug service's aliases reached the index (the chatbot signed its own dictionary token).
    let live = p.knowledge.current().expect("live");
    let usage = live.meta.passages.iter().find(|x| x.id == "drug:tylenol-500#usage").expect("passage");
    assert!(usage.keywords.contains("타이래놀"), "aliases from /drug/dictionary: {:?}", usage.keywords);

    // No spaces: the service's word search finds nothing, the dictionary does.
    let m = p.ask("부루펜을먹어도되나요").await;
    let drugs = m["drugs"].as_array().cloned().unwrap_or_default();
    assert!(drugs.iter().any(|d| d["name_ko"].as_str().is_some_and(|n| n.starts_with("부루펜"))), "{m}");
    // A misspelling, run together with the rest.
    let m = p.ask("타이래놀은하루에몇알까지먹어요").await;
    let drugs = m["drugs"].as_array().cloned().unwrap_or_default();
    assert!(drugs.iter().any(|d| d["name_ko"].as_str().is_some_and(|n| n.starts_with("타이레놀"))), "{m}");
    // A department named in the question comes first.
    let m = p.ask("정형외과는 어떤 진료를 하나요?").await;
    assert_eq!(m["departments"][0], "orthopedics", "{m}");
    let entities = p.knowledge.entities("독감이랑 감기 차이");
    assert!(entities.iter().any(|e| e.doc_id == "condition:influenza"), "{entities:?}");
}
