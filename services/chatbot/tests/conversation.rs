//! Whole conversations against the real drug, internal_external and
//! emergency-support services (in process, on ports of their own), MariaDB
//! and Redis: triage first, drug answers with citations, follow-ups from the
//! history, English, degradation, and the history window.

use chatbot::AccountSettings;
use kit::auth::KeyPair;
use kit::testing::{TestServer, TestStores};
use serde_json::{json, Value};

struct Platform {
    chatbot: TestServer,
    _others: Vec<TestServer>,
    stores: TestStores,
    http: reqwest::Client,
}

async fn spawn(with_services: bool) -> Platform {
    let stores = TestStores::new().await;
    let seed_ctx = stores.ctx("test");
    let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("drugs");
    drug::load::load_seed(&seed_ctx.db.global, &drugs).await.expect("drugs load");
    let conditions = internal_external::load::parse_seed(internal_external::load::BUNDLED_SEED).expect("conditions");
    internal_external::load::load_seed(&seed_ctx.db.global, &conditions).await.expect("conditions load");
    let guides = emergency_support::load::parse_guides(emergency_support::load::BUNDLED_GUIDES).expect("guides");
    emergency_support::load::load_guides(&seed_ctx.db.global, &guides).await.expect("guides load");
    let rooms = emergency_support::load::parse_rooms(emergency_support::load::SAMPLE_ROOMS).expect("rooms");
    emergency_support::load::import_rooms(&seed_ctx.db.global, &rooms).await.expect("rooms load");
    let clinics = clinic::load::parse_seed(clinic::load::BUNDLED_SEED).expect("clinics");
    clinic::load::load_seed(&seed_ctx.db.global, &clinics).await.expect("clinics load");

    let mut config = stores.config.clone();
    let mut others = Vec::new();
    if with_services {
        let ctx = stores.ctx("drug");
        let drug_server = TestServer::spawn(kit::app(&drug::SPEC, ctx.clone(), drug::routes(ctx))).await;
        let ctx = stores.ctx("internal_external");
        let ie =
            TestServer::spawn(kit::app(&internal_external::SPEC, ctx.clone(), internal_external::routes(ctx))).await;
        let ctx = stores.ctx("emergency-support");
        let es =
            TestServer::spawn(kit::app(&emergency_support::SPEC, ctx.clone(), emergency_support::routes(ctx))).await;
        let ctx = stores.ctx("clinic");
        let cl = TestServer::spawn(kit::app(&clinic::SPEC, ctx.clone(), clinic::routes(ctx))).await;
        for (name, server) in
            [("drug", &drug_server), ("internal_external", &ie), ("emergency-support", &es), ("clinic", &cl)]
        {
            if let Some(e) = config.services.get_mut(name) {
                e.url = server.base_url.clone();
            }
        }
        others = vec![drug_server, ie, es, cl];
    } else {
        // Every other service is unreachable.
        for name in ["drug", "internal_external", "emergency-support", "clinic"] {
            if let Some(e) = config.services.get_mut(name) {
                e.url = "http://127.0.0.1:1".to_string();
            }
        }
    }
    let ctx = kit::Ctx::new("chatbot", config).expect("ctx");
    let key = KeyPair::generate("k1");
    let app = chatbot::routes_with(ctx.clone(), AccountSettings::new(vec![key], vec![]));
    let chatbot = TestServer::spawn(kit::app(&chatbot::SPEC, ctx, app)).await;
    Platform { chatbot, _others: others, stores, http: reqwest::Client::new() }
}

impl Platform {
    async fn session(&self) -> String {
        let r = self.http.post(self.chatbot.url("/chatbot/sessions")).send().await.expect("request");
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.expect("json");
        v["id"].as_str().expect("id").to_string()
    }

    async fn ask(&self, session: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.chatbot.url(&format!("/chatbot/sessions/{session}/messages")))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn an_emergency_gets_119_first_with_the_guide_and_nearest_rooms() {
    let p = spawn(true).await;
    let s = p.session().await;
    let (status, v) = p
        .ask(&s, json!({"text": "아버지가 가슴이 쥐어짜듯 아프고 식은땀을 흘려요", "lat": 37.5665, "lon": 126.9780}))
        .await;
    assert_eq!(status, 200, "{v}");
    let m = &v["message"];
    assert_eq!(m["triage"]["level"], "emergency");
    assert_eq!(m["triage"]["call_119"], true);
    let text = m["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("지금 바로 119"), "119 comes first: {text}");
    assert!(text.contains("지금 할 일"), "the first-aid steps follow: {text}");
    assert!(m["citations"].as_array().is_some_and(|c| c.iter().any(|c| c["id"] == "guide:heart-attack-signs")));
    assert_eq!(m["clinics"].as_array().map(Vec::len), Some(3), "nearest emergency rooms");
    assert!(m["disclaimer"].as_str().is_some_and(|d| d.contains("119")));
    assert_eq!(m["departments"][0], "emergency_medicine");

    // Reopened later, the conversation shows the same answer: banner, rooms, citations.
    let r = p.http.get(p.chatbot.url(&format!("/chatbot/sessions/{s}/messages"))).send().await.expect("history");
    let h: Value = r.json().await.expect("json");
    let turns = h["messages"].as_array().cloned().unwrap_or_default();
    assert_eq!(turns.len(), 2, "{h}");
    assert!(turns[0].get("message").is_none(), "user turns carry only their text: {h}");
    let stored = &turns[1]["message"];
    assert_eq!(stored["id"], m["id"]);
    assert_eq!(stored["triage"], m["triage"]);
    assert_eq!(stored["clinics"], m["clinics"]);
    assert_eq!(stored["citations"], m["citations"]);
    assert_eq!(turns[1]["text"], m["text"]);
}

#[tokio::test]
async fn a_drug_question_is_answered_from_the_label_and_a_follow_up_uses_the_history() {
    let p = spawn(true).await;
    let s = p.session().await;
    let (status, v) = p.ask(&s, json!({"text": "타이레놀 성분이 뭐예요?"})).await;
    assert_eq!(status, 200, "{v}");
    let m = &v["message"];
    assert_ne!(m["triage"]["level"], "emergency");
    assert!(
        m["drugs"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["name_ko"].as_str().is_some_and(|n| n.contains("타이레놀")))),
        "{m}"
    );
    assert!(m["citations"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["id"].as_str().is_some_and(|i| i.starts_with("drug:")))));

    // "그거" refers to the drug of the previous turn.
    let (_, v) = p.ask(&s, json!({"text": "그거 하루에 최대 얼마나 먹어도 돼요?"})).await;
    let m = &v["message"];
    let text = m["text"].as_str().unwrap_or_default();
    assert!(
        m["drugs"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["name_ko"].as_str().is_some_and(|n| n.contains("타이레놀")))),
        "follow-up resolved: {m}"
    );
    assert!(
        text.contains("4,000") || text.contains("4000") || text.contains("최대"),
        "the usage with the maximum dose: {text}"
    );

    let history: Value = p
        .http
        .get(p.chatbot.url(&format!("/chatbot/sessions/{s}/messages")))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let roles: Vec<&str> =
        history["messages"].as_array().into_iter().flatten().filter_map(|t| t["role"].as_str()).collect();
    assert_eq!(roles, vec!["user", "assistant", "user", "assistant"]);
}

#[tokio::test]
async fn a_question_for_a_place_searches_the_clinic_service_with_the_department_from_the_history() {
    let p = spawn(true).await;
    let s = p.session().await;
    // A named district and department.
    let (status, v) = p.ask(&s, json!({"text": "강남구에 있는 피부과 알려줘"})).await;
    assert_eq!(status, 200, "{v}");
    let clinics = v["message"]["clinics"].as_array().cloned().unwrap_or_default();
    assert!(!clinics.is_empty(), "{v}");
    for c in &clinics {
        assert_eq!(c["sigungu"], "강남구", "{c}");
        assert!(c["departments"].as_array().is_some_and(|d| d.iter().any(|d| d == "dermatology")), "{c}");
    }
    let text = v["message"]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("피부과 진료를 하는 곳") && text.contains(clinics[0]["name"].as_str().unwrap_or("?")),
        "{text}"
    );

    // Symptoms first, then "a clinic near me" with a location: the department
    // comes from the earlier turn, the places nearest first.
    let s = p.session().await;
    let (_, v) = p.ask(&s, json!({"text": "귀가 먹먹하고 귀에서 진물이 나와요"})).await;
    let dept =
        v["message"]["departments"].as_array().and_then(|d| d.iter().find(|d| *d != "emergency_medicine")).cloned();
    let dept = dept.and_then(|d| d.as_str().map(str::to_string)).expect("a department for the symptoms");
    let (_, v) = p.ask(&s, json!({"text": "근처 병원 알려줘", "lat": 37.5665, "lon": 126.9780})).await;
    let clinics = v["message"]["clinics"].as_array().cloned().unwrap_or_default();
    assert!(!clinics.is_empty(), "{v}");
    let distances: Vec<f64> = clinics.iter().filter_map(|c| c["distance_km"].as_f64()).collect();
    assert_eq!(distances.len(), clinics.len(), "{v}");
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "nearest first: {distances:?}");
    for c in &clinics {
        assert!(c["departments"].as_array().is_some_and(|d| d.iter().any(|d| d == &dept)), "{dept}: {c}");
    }

    // No place and no location: the answer asks for one instead of guessing.
    let (_, v) = p.ask(&s, json!({"text": "근처 병원 어디 있어요?"})).await;
    assert!(v["message"]["clinics"].as_array().is_some_and(Vec::is_empty), "{v}");
    assert!(v["message"]["text"].as_str().is_some_and(|t| t.contains("위치 공유")), "{v}");
    // English, with a province.
    let (_, v) = p.ask(&s, json!({"text": "which hospital in Busan has a pediatrics department?"})).await;
    let clinics = v["message"]["clinics"].as_array().cloned().unwrap_or_default();
    assert!(!clinics.is_empty() && clinics.iter().all(|c| c["sido"] == "부산광역시"), "{v}");
    assert!(v["message"]["text"].as_str().is_some_and(|t| t.contains("Places with")), "{v}");
}

#[tokio::test]
async fn english_symptoms_get_departments_and_a_disclaimer() {
    let p = spawn(true).await;
    let s = p.session().await;
    let (_, v) = p.ask(&s, json!({"text": "itchy red rash with hives on my arms"})).await;
    let m = &v["message"];
    assert_eq!(m["lang"], "en");
    assert!(m["departments"].as_array().is_some_and(|d| d.iter().any(|d| d == "dermatology")), "{m}");
    assert!(m["disclaimer"].as_str().is_some_and(|d| d.starts_with("This is general health information")));
    assert!(!m["text"].as_str().unwrap_or_default().contains("지금"), "answered in English");
}

#[tokio::test]
async fn with_every_service_down_triage_still_runs_and_the_answer_says_what_is_missing() {
    let p = spawn(false).await;
    let s = p.session().await;
    let (status, v) = p.ask(&s, json!({"text": "숨을 못 쉬겠어요"})).await;
    assert_eq!(status, 200, "never a 500: {v}");
    let m = &v["message"];
    assert_eq!(m["triage"]["level"], "emergency", "the in-process rules still triage");
    assert!(m["degraded"].as_array().is_some_and(|d| d.iter().any(|d| d == "triage_service")));
    assert!(m["text"].as_str().unwrap_or_default().contains("119"));
    let (status, v) = p.ask(&s, json!({"text": "타이레놀 먹어도 돼요?"})).await;
    assert_eq!(status, 200);
    assert!(v["message"]["text"].as_str().unwrap_or_default().contains("연결하지 못해"), "{v}");
}

#[tokio::test]
async fn the_history_window_stays_bounded_and_bad_input_is_4xx() {
    let p = spawn(true).await;
    let s = p.session().await;
    for i in 0..25 {
        let (status, _) = p.ask(&s, json!({"text": format!("콧물이 나요 {i}")})).await;
        assert_eq!(status, 200);
    }
    let ctx = p.stores.ctx("chatbot");
    let mut conn = ctx.redis.conn().await.expect("redis");
    let key = ctx.redis.key(&["anon", "chat", &s, "turns"]);
    let len: i64 = redis::cmd("LLEN").arg(&key).query_async(&mut conn).await.expect("llen");
    assert_eq!(len, chatbot::conversation::WINDOW_MESSAGES as i64, "50 messages written, the window keeps 40");
    let ttl: i64 = redis::cmd("TTL").arg(&key).query_async(&mut conn).await.expect("ttl");
    assert!(ttl > 0 && ttl <= 24 * 3600, "anonymous history expires: {ttl}");

    for (body, code) in [
        (json!({"text": ""}), "validation_failed"),
        (json!({"text": "가".repeat(2001)}), "validation_failed"),
        (json!({"text": "hi", "lat": 37.5}), "validation_failed"),
        (json!({"words": "hi"}), "invalid_body"),
    ] {
        let (status, v) = p.ask(&s, body).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(v["error"]["code"], code);
    }
    let (status, _) = p.ask("not-a-session", json!({"text": "hi"})).await;
    assert_eq!(status, 400);
    let (status, _) = p.ask(&uuid::Uuid::new_v4().to_string(), json!({"text": "hi"})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_answer_streams_as_server_sent_events_with_triage_first() {
    let p = spawn(true).await;
    let s = p.session().await;
    let r = p
        .http
        .post(p.chatbot.url(&format!("/chatbot/sessions/{s}/messages")))
        .header("accept", "text/event-stream")
        .json(&json!({"text": "갑자기 한쪽 팔다리에 힘이 빠지고 말이 어눌해요"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    assert!(r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream")));
    let body = r.text().await.expect("body");
    let events: Vec<&str> = body.lines().filter_map(|l| l.strip_prefix("event: ")).collect();
    assert_eq!(events.first(), Some(&"triage"), "{body}");
    assert_eq!(events.last(), Some(&"done"));
    assert!(events.iter().filter(|e| **e == "delta").count() >= 2);
    let first_data = body.lines().find_map(|l| l.strip_prefix("data: ")).expect("data");
    let triage: Value = serde_json::from_str(first_data).expect("json");
    assert_eq!(triage["level"], "emergency");
}

#[tokio::test]
async fn feedback_is_stored_for_signed_in_users_and_anonymous_sessions() {
    let p = spawn(true).await;
    // Anonymous: kept with the session in Redis.
    let s = p.session().await;
    let (_, v) = p.ask(&s, json!({"text": "타이레놀 성분이 뭐예요?"})).await;
    let mid = v["message"]["id"].as_str().expect("id").to_string();
    let rate = |mid: String, body: Value, token: Option<String>| {
        let mut r = p.http.post(p.chatbot.url(&format!("/chatbot/messages/{mid}/feedback"))).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let r = rate(mid.clone(), json!({"rating": "up"}), None).await.expect("request");
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, 204, "{body}");
    let ctx = p.stores.ctx("chatbot");
    let mut conn = ctx.redis.conn().await.expect("redis");
    let stored: Option<String> = redis::cmd("HGET")
        .arg(ctx.redis.key(&["anon", "chat", &s, "feedback"]))
        .arg(&mid)
        .query_async(&mut conn)
        .await
        .expect("hget");
    assert!(stored.is_some_and(|s| s.contains("\"rating\":\"up\"") && s.contains("타이레놀")));

    // Signed in: stored in the user's shard with the exchange, replaced when re-rated.
    let (status, signup) = {
        let r = p
            .http
            .post(p.chatbot.url("/account/signup"))
            .json(&json!({"email": "rater@example.com", "password": "correct horse battery", "display_name": "R"}))
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.json::<Value>().await.expect("json"))
    };
    assert_eq!(status, 201, "{signup}");
    let token = signup["access_token"].as_str().expect("token").to_string();
    let r = p.http.post(p.chatbot.url("/chatbot/sessions")).bearer_auth(&token).send().await.expect("request");
    let sid = r.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_string();
    let r = p
        .http
        .post(p.chatbot.url(&format!("/chatbot/sessions/{sid}/messages")))
        .bearer_auth(&token)
        .json(&json!({"text": "이부프로펜 부작용 알려줘"}))
        .send()
        .await
        .expect("request");
    let mid = r.json::<Value>().await.expect("json")["message"]["id"].as_str().expect("id").to_string();
    assert_eq!(rate(mid.clone(), json!({"rating": "up"}), Some(token.clone())).await.expect("r").status(), 204);
    assert_eq!(
        rate(mid.clone(), json!({"rating": "down", "comment": "too long"}), Some(token.clone()))
            .await
            .expect("r")
            .status(),
        204
    );
    let rows = chatbot::conversation::export_feedback(&ctx).await.expect("export");
    assert_eq!(rows.len(), 1, "re-rating replaces");
    assert_eq!(rows[0].rating, "down");
    assert_eq!(rows[0].comment.as_deref(), Some("too long"));
    assert!(rows[0].question.contains("이부프로펜"));
    // Someone else's answer, or a made-up id, is not found; bad ratings are 400.
    assert_eq!(rate(mid.clone(), json!({"rating": "up"}), None).await.expect("r").status(), 404);
    assert_eq!(rate(uuid::Uuid::new_v4().to_string(), json!({"rating": "up"}), None).await.expect("r").status(), 404);
    assert_eq!(rate(mid.clone(), json!({"rating": "meh"}), Some(token.clone())).await.expect("r").status(), 400);
    assert_eq!(rate("x".into(), json!({"rating": "up"}), None).await.expect("r").status(), 400);

    // Deleting the account removes the feedback and the conversations.
    let r = p.http.delete(p.chatbot.url("/account/me")).bearer_auth(&token).send().await.expect("request");
    assert_eq!(r.status(), 204);
    assert!(chatbot::conversation::export_feedback(&ctx).await.expect("export").is_empty());
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{}:user:*", p.stores.redis_prefix)).query_async(&mut conn).await.expect("keys");
    assert!(keys.is_empty(), "{keys:?}");
}

#[tokio::test]
async fn answers_warn_about_the_users_own_allergies_and_medicines() {
    let p = spawn(true).await;
    let ctx = p.stores.ctx("chatbot");
    let warfarin: u64 = sqlx::query_scalar("SELECT id FROM drugs WHERE slug = 'warfarin-5'")
        .fetch_one(&ctx.db.global)
        .await
        .expect("warfarin in the seed");
    let signup: Value = p
        .http
        .post(p.chatbot.url("/account/signup"))
        .json(&json!({"email": "meds@example.com", "password": "correct horse battery", "display_name": "M"}))
        .send()
        .await
        .expect("signup")
        .json()
        .await
        .expect("json");
    let token = signup["access_token"].as_str().expect("token").to_string();
    let r = p
        .http
        .patch(p.chatbot.url("/account/me"))
        .bearer_auth(&token)
        .json(&json!({"health": {"medications": [warfarin], "allergies": ["이부프로펜"]}}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let sid = p.http.post(p.chatbot.url("/chatbot/sessions")).bearer_auth(&token).send().await.expect("session");
    let sid = sid.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_string();
    let v: Value = p
        .http
        .post(p.chatbot.url(&format!("/chatbot/sessions/{sid}/messages")))
        .bearer_auth(&token)
        .json(&json!({"text": "부루펜 먹어도 돼요?"}))
        .send()
        .await
        .expect("message")
        .json()
        .await
        .expect("json");
    let text = v["message"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("알레르기"), "allergy warning: {text}");
    assert!(text.contains("상호작용(major)"), "warfarin interaction: {text}");

    // The same question anonymously carries no personal warnings.
    let s = p.session().await;
    let (_, v) = p.ask(&s, json!({"text": "부루펜 먹어도 돼요?"})).await;
    assert!(!v["message"]["text"].as_str().unwrap_or_default().contains("알레르기가 있습니다"));
}

/// A stand-in for an OpenAI-compatible endpoint: answers from the numbered
/// passages it was given, citing [1] and an invented [9].
async fn llm_stand_in() -> (TestServer, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/v1/chat/completions",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let seen = seen.clone();
                async move {
                    let system = body["messages"][0]["content"].as_str().unwrap_or_default().to_string();
                    let first = system.lines().find(|l| l.starts_with("[1] ")).unwrap_or("[1] ?").to_string();
                    seen.lock().expect("lock").push(body);
                    axum::Json(json!({
                        "id": "x", "object": "chat.completion",
                        "choices": [{"index": 0, "message": {"role": "assistant",
                            "content": format!("LLM says: see {first} [1]; also [9].")}}]
                    }))
                }
            }),
        )
    };
    (TestServer::spawn(app).await, seen)
}

#[tokio::test]
async fn an_openai_compatible_generator_writes_grounded_answers_and_degrades_when_down() {
    let stores = TestStores::new().await;
    let seed_ctx = stores.ctx("test");
    let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("drugs");
    drug::load::load_seed(&seed_ctx.db.global, &drugs).await.expect("drugs load");
    let ctx = stores.ctx("drug");
    let drug_server = TestServer::spawn(kit::app(&drug::SPEC, ctx.clone(), drug::routes(ctx))).await;
    let (llm, seen) = llm_stand_in().await;
    let mut config = stores.config.clone();
    if let Some(e) = config.services.get_mut("drug") {
        e.url = drug_server.base_url.clone();
    }
    let ctx = kit::Ctx::new("chatbot", config).expect("ctx");
    let settings = |base: &str| {
        AccountSettings::new(vec![KeyPair::generate("k")], vec![]).with_llm(chatbot::generator::LlmConfig {
            base_url: base.to_string(),
            model: "stand-in".into(),
            api_key: Some("test-key".into()),
            timeout: std::time::Duration::from_secs(5),
        })
    };
    let server = TestServer::spawn(kit::app(
        &chatbot::SPEC,
        ctx.clone(),
        chatbot::routes_with(ctx.clone(), settings(&llm.base_url)),
    ))
    .await;
    let http = reqwest::Client::new();
    let sid = http.post(server.url("/chatbot/sessions")).send().await.expect("s").json::<Value>().await.expect("j");
    let sid = sid["id"].as_str().expect("id").to_string();
    let v: Value = http
        .post(server.url(&format!("/chatbot/sessions/{sid}/messages")))
        .json(&json!({"text": "타이레놀 하루 최대 용량은?"}))
        .send()
        .await
        .expect("m")
        .json()
        .await
        .expect("j");
    let m = &v["message"];
    let text = m["text"].as_str().unwrap_or_default();
    assert!(text.contains("LLM says"), "{text}");
    assert!(text.contains("[1]") && !text.contains("[9]"), "only citations of given passages survive: {text}");
    assert!(m["citations"]
        .as_array()
        .is_some_and(|c| c.len() == 1 && c[0]["id"].as_str().is_some_and(|i| i.starts_with("drug:"))));
    let request = seen.lock().expect("lock")[0].clone();
    assert_eq!(request["model"], "stand-in");
    assert!(request["messages"][0]["content"].as_str().is_some_and(|s| s.contains("[1]") && s.contains("triage")));

    // The endpoint is down: the offline composer answers and says so.
    let down = TestServer::spawn(kit::app(
        &chatbot::SPEC,
        ctx.clone(),
        chatbot::routes_with(ctx, settings("http://127.0.0.1:1")),
    ))
    .await;
    let sid = http.post(down.url("/chatbot/sessions")).send().await.expect("s").json::<Value>().await.expect("j");
    let v: Value = http
        .post(down.url(&format!("/chatbot/sessions/{}/messages", sid["id"].as_str().expect("id"))))
        .json(&json!({"text": "타이레놀 하루 최대 용량은?"}))
        .send()
        .await
        .expect("m")
        .json()
        .await
        .expect("j");
    assert!(v["message"]["degraded"].as_array().is_some_and(|d| d.iter().any(|d| d == "llm")), "{v}");
    assert!(v["message"]["text"].as_str().unwrap_or_default().contains("타이레놀"));
}
