//! Every drug endpoint against real MariaDB/MySQL and Redis, seeded with the
//! bundled data set, bad input included.

use kit::testing::{TestServer, TestStores};
use serde_json::{json, Value};

struct App {
    server: TestServer,
    stores: TestStores,
    http: reqwest::Client,
}

async fn spawn_with(stores: TestStores) -> App {
    let ctx = stores.ctx("drug");
    let seed = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("seed parses");
    drug::load::load_seed(&ctx.db.global, &seed).await.expect("seed loads");
    let server = TestServer::spawn(kit::app(&drug::SPEC, ctx.clone(), drug::routes(ctx))).await;
    App { server, stores, http: reqwest::Client::new() }
}

async fn spawn() -> App {
    spawn_with(TestStores::new().await).await
}

impl App {
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.server.url(path)).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self.http.post(self.server.url(path)).json(body).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> (u16, Value) {
        let r = self
            .http
            .post(self.server.url(path))
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["name_ko"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn assert_client_error(status: u16, body: &Value, expected: u16, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["request_id"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
}

#[tokio::test]
async fn korean_partial_names_find_the_drug() {
    let app = spawn().await;
    let (status, page) = app.get("/drug?q=타이레").await;
    assert_eq!(status, 200, "{page}");
    let found = names(&page);
    assert!(found.iter().any(|n| n.contains("타이레놀")), "{found:?}");
    assert!(found.iter().all(|n| !n.is_empty()));
    assert_eq!(page["page"], 1);
    assert_eq!(page["size"], 20);
    assert!(page["total"].as_u64().is_some_and(|t| t as usize >= found.len()));
    // The hit carries its ingredients.
    let first = &page["items"][0];
    assert!(first["ingredients"].as_array().is_some_and(|i| !i.is_empty()), "{first}");
}

#[tokio::test]
async fn english_names_ingredients_and_efficacy_are_searchable() {
    let app = spawn().await;
    let (_, page) = app.get("/drug?q=TYLENOL").await;
    assert!(names(&page).iter().any(|n| n.contains("타이레놀")), "case-insensitive English: {page}");

    let (_, by_ingredient) = app.get("/drug?q=아세트아미노펜").await;
    assert!(by_ingredient["total"].as_u64().unwrap_or(0) >= 2, "several products contain acetaminophen");
    for item in by_ingredient["items"].as_array().into_iter().flatten() {
        let has = item["ingredients"].as_array().into_iter().flatten().any(|i| i["slug"] == "acetaminophen");
        let efficacy = item["efficacy_ko"].as_str().unwrap_or_default();
        assert!(has || efficacy.contains("아세트아미노펜"), "{item}");
    }

    let (_, by_efficacy) = app.get("/drug?q=두통").await;
    assert!(by_efficacy["total"].as_u64().unwrap_or(0) >= 1, "efficacy text is searched: {by_efficacy}");

    let (_, nothing) = app.get("/drug?q=zzzznotadrug").await;
    assert_eq!(nothing["total"], 0);
    assert_eq!(nothing["items"], json!([]));
}

#[tokio::test]
async fn like_wildcards_in_queries_are_literal() {
    let app = spawn().await;
    let (status, page) = app.get("/drug?q=%25").await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 0, "'%' must not match everything: {page}");
    let (_, page) = app.get("/drug?q=_").await;
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn browsing_pages_through_every_drug_once() {
    let app = spawn().await;
    let (status, first) = app.get("/drug?size=25").await;
    assert_eq!(status, 200);
    let total = first["total"].as_u64().expect("total");
    assert!(total >= 60, "the seed set has at least 60 drugs, got {total}");
    let mut seen = std::collections::BTreeSet::new();
    let pages = total.div_ceil(25);
    for page in 1..=pages {
        let (_, p) = app.get(&format!("/drug?size=25&page={page}")).await;
        for item in p["items"].as_array().into_iter().flatten() {
            assert!(seen.insert(item["id"].as_u64().expect("id")), "duplicate across pages");
        }
    }
    assert_eq!(seen.len() as u64, total);
    let (_, past_end) = app.get(&format!("/drug?size=25&page={}", pages + 1)).await;
    assert_eq!(past_end["items"], json!([]));
    assert_eq!(past_end["total"], total);
}

#[tokio::test]
async fn bad_search_input_is_a_clear_400() {
    let app = spawn().await;
    let long = "가".repeat(3500); // ~10 KB of UTF-8
    let cases = [
        ("/drug?q=".to_string(), "validation_failed"),
        ("/drug?q=%20%20".to_string(), "validation_failed"),
        (format!("/drug?q={long}"), "validation_failed"),
        ("/drug?page=-1".to_string(), "validation_failed"),
        ("/drug?page=0".to_string(), "validation_failed"),
        ("/drug?page=abc".to_string(), "invalid_query"),
        ("/drug?size=0".to_string(), "validation_failed"),
        ("/drug?size=1000".to_string(), "validation_failed"),
        ("/drug?size=1.5".to_string(), "invalid_query"),
        ("/drug?page=99999999999999999999999".to_string(), "invalid_query"),
    ];
    for (path, code) in cases {
        let (status, body) = app.get(&path).await;
        assert_client_error(status, &body, 400, code);
    }
    let (_, body) = app.get("/drug?page=-1").await;
    assert_eq!(body["error"]["field"], "page");
}

#[tokio::test]
async fn detail_has_the_label_and_known_interactions() {
    let app = spawn().await;
    let (_, page) = app.get("/drug?q=와파린").await;
    let id = page["items"][0]["id"].as_u64().expect("a warfarin product exists");
    let (status, drug) = app.get(&format!("/drug/{id}")).await;
    assert_eq!(status, 200, "{drug}");
    assert_eq!(drug["id"], id);
    assert!(drug["ingredients"].as_array().into_iter().flatten().any(|i| i["slug"] == "warfarin"));
    for field in ["efficacy_ko", "usage_ko", "warnings_ko", "side_effects_ko", "storage_ko", "disclaimer_ko", "source"]
    {
        assert!(drug[field].as_str().is_some_and(|s| !s.is_empty()), "{field} is empty");
    }
    let known = drug["known_interactions"].as_array().expect("list");
    assert!(
        known.iter().any(|k| k["severity"] == "major" && k["ingredient"] == "warfarin"),
        "warfarin has major interactions: {known:?}"
    );
    assert_eq!(known.first().map(|k| k["severity"].clone()), Some(json!("major")), "most severe first");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_and_400() {
    let app = spawn().await;
    let (status, body) = app.get("/drug/999999999").await;
    assert_client_error(status, &body, 404, "not_found");
    let (status, body) = app.get("/drug/abc").await;
    assert_client_error(status, &body, 400, "invalid_path");
    let (status, body) = app.get("/drug/-1").await;
    assert_client_error(status, &body, 400, "invalid_path");
    let (status, body) = app.get("/drug/1/extra").await;
    assert_client_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn warfarin_with_aspirin_is_a_major_interaction() {
    let app = spawn().await;
    let (status, report) = app.post("/drug/interactions", &json!({"drugs": ["와파린", "아스피린"]})).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["unresolved"], json!([]));
    let found = report["interactions"].as_array().expect("list");
    let x = found.first().expect("one interaction");
    assert_eq!(x["severity"], "major");
    let pair = [x["ingredient_a"].as_str(), x["ingredient_b"].as_str()];
    assert!(pair.contains(&Some("warfarin")) && pair.contains(&Some("aspirin")), "{x}");
    assert!(x["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(x["description"], x["description_ko"], "Korean by default");
    assert_eq!(x["a"]["input"], "와파린");
    assert!(report["disclaimer_ko"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn interactions_follow_accept_language_and_resolve_ids_and_english() {
    let app = spawn().await;
    let (_, page) = app.get("/drug?q=ibuprofen").await;
    let ibuprofen_id = page["items"][0]["id"].as_u64().expect("an ibuprofen product");
    let r = app
        .http
        .post(app.server.url("/drug/interactions"))
        .header("accept-language", "en-US,en;q=0.9")
        .json(&json!({"drugs": ["warfarin", ibuprofen_id]}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.expect("json");
    let x = &report["interactions"][0];
    assert_eq!(x["severity"], "major", "{report}");
    assert_eq!(x["description"], x["description_en"]);
    assert_eq!(report["resolved"][1]["drug_id"], ibuprofen_id);
}

#[tokio::test]
async fn unresolved_names_are_listed_and_safe_pairs_are_empty() {
    let app = spawn().await;
    let (status, report) =
        app.post("/drug/interactions", &json!({"drugs": ["타이레놀", "없는약이름xyz", 999999999]})).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["unresolved"], json!(["없는약이름xyz", "999999999"]));
    assert_eq!(report["resolved"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["interactions"], json!([]));
}

#[tokio::test]
async fn the_same_ingredient_twice_is_flagged() {
    let app = spawn().await;
    let (_, page) = app.get("/drug?q=아세트아미노펜&size=50").await;
    let ids: Vec<u64> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["ingredients"].as_array().into_iter().flatten().any(|g| g["slug"] == "acetaminophen"))
        .filter_map(|i| i["id"].as_u64())
        .take(2)
        .collect();
    assert_eq!(ids.len(), 2, "two acetaminophen products in the seed set");
    let (_, report) = app.post("/drug/interactions", &json!({"drugs": ids})).await;
    let dup = report["duplicate_ingredients"].as_array().expect("list");
    assert!(
        dup.iter().any(|d| d["ingredient"] == "acetaminophen" && d["drugs"].as_array().map(Vec::len) == Some(2)),
        "{report}"
    );
}

#[tokio::test]
async fn bad_interaction_requests_are_clear_4xx() {
    let app = spawn().await;
    let (s, b) = app.post("/drug/interactions", &json!({"drugs": ["와파린"]})).await;
    assert_client_error(s, &b, 400, "validation_failed");
    let (s, b) = app.post("/drug/interactions", &json!({"drugs": []})).await;
    assert_client_error(s, &b, 400, "validation_failed");
    let (s, b) = app.post("/drug/interactions", &json!({"drugs": ["와파린", true]})).await;
    assert_client_error(s, &b, 400, "validation_failed");
    assert_eq!(b["error"]["field"], "drugs[1]");
    let (s, b) = app.post("/drug/interactions", &json!({"drugs": "와파린"})).await;
    assert_client_error(s, &b, 400, "invalid_body");
    let (s, b) = app.post("/drug/interactions", &json!({"medicines": ["a", "b"]})).await;
    assert_client_error(s, &b, 400, "invalid_body");
    let (s, b) = app.post_raw("/drug/interactions", "application/json", "{\"drugs\": [").await;
    assert_client_error(s, &b, 400, "invalid_json");
    let (s, b) = app.post_raw("/drug/interactions", "text/plain", "와파린, 아스피린").await;
    assert_client_error(s, &b, 415, "unsupported_media_type");
    let many: Vec<String> = (0..21).map(|i| format!("drug{i}")).collect();
    let (s, b) = app.post("/drug/interactions", &json!({ "drugs": many })).await;
    assert_client_error(s, &b, 400, "validation_failed");
    let (s, b) = app.get("/drug/interactions").await;
    assert_client_error(s, &b, 405, "method_not_allowed");
}

#[tokio::test]
async fn searches_are_cached_and_imports_invalidate_them() {
    let app = spawn().await;
    let ctx = app.stores.ctx("drug");
    let (_, before) = app.get("/drug?q=시험용테스트정").await;
    assert_eq!(before["total"], 0);

    let mut conn = ctx.redis.conn().await.expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:cache:drug:*", app.stores.redis_prefix))
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert!(!keys.is_empty(), "the search was cached under the deployment prefix");

    // An import adds the drug; without invalidation the cached empty page would hide it.
    let items = drug::load::parse_edrug(
        r#"{"body":{"items":[{"itemSeq":"900000001","itemName":"시험용테스트정","entpName":"시험제약",
            "efcyQesitm":"<p>시험용 항목입니다.</p>"}]}}"#,
    )
    .expect("parse");
    drug::load::import_edrug(&ctx.db.global, &items).await.expect("import");
    let (_, still_cached) = app.get("/drug?q=시험용테스트정").await;
    assert_eq!(still_cached["total"], 0, "served from the cache until invalidated");
    ctx.cache().bump(drug::CACHE_NAMESPACE).await.expect("bump");
    let (_, after) = app.get("/drug?q=시험용테스트정").await;
    assert_eq!(after["total"], 1, "{after}");
    assert_eq!(after["items"][0]["efficacy_ko"], "시험용 항목입니다.", "HTML stripped");
}

#[tokio::test]
async fn edrug_import_upserts_and_reports_bad_items() {
    let app = spawn().await;
    let ctx = app.stores.ctx("drug");
    let sample = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/samples/edrug_sample.json"))
        .expect("bundled e약은요 sample");
    let items = drug::load::parse_edrug(&sample).expect("parse");
    let first = drug::load::import_edrug(&ctx.db.global, &items).await.expect("import");
    assert!(first.inserted >= 3, "{first:?}");
    assert_eq!(first.updated, 0);
    let again = drug::load::import_edrug(&ctx.db.global, &items).await.expect("re-import");
    assert_eq!(again.inserted, 0, "idempotent: {again:?}");
    assert_eq!(again.updated, first.inserted);

    let bad = drug::load::parse_edrug(r#"[{"itemName":"코드 없음"}, {"itemSeq":"1"}, 5]"#).expect("parse");
    let report = drug::load::import_edrug(&ctx.db.global, &bad).await.expect("import");
    assert_eq!(report.inserted, 0);
    assert_eq!(report.skipped.len(), 3, "{report:?}");
    ctx.cache().bump(drug::CACHE_NAMESPACE).await.expect("bump");

    // Imported items are searchable and linked to known ingredients by name.
    let first_name = items[0]["itemName"].as_str().expect("name");
    let (_, page) = app.get(&format!("/drug?q={}", &first_name.chars().take(4).collect::<String>())).await;
    assert!(page["total"].as_u64().unwrap_or(0) >= 1, "{page}");
}

#[tokio::test]
async fn search_keeps_working_and_ready_is_503_when_redis_is_unreachable() {
    let app = spawn_with(TestStores::with_env(2, &[("MEDI_REDIS_URL", "redis://127.0.0.1:1")]).await).await;
    let (status, page) = app.get("/drug?q=타이레놀").await;
    assert_eq!(status, 200, "the cache degrades to the database: {page}");
    assert!(page["total"].as_u64().unwrap_or(0) >= 1);
    let (status, ready) = app.get("/health/ready").await;
    assert_eq!(status, 503);
    assert_eq!(ready["checks"]["redis"]["status"], "down");
    assert_eq!(ready["checks"]["global_db"]["status"], "up");
}

#[tokio::test]
async fn metrics_and_openapi_describe_the_service() {
    let app = spawn().await;
    app.get("/drug?q=타이레놀").await;
    app.get("/drug/999999999").await;
    let text = app.http.get(app.server.url("/metrics")).send().await.expect("metrics").text().await.expect("text");
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains("service=\"drug\"")
            && l.contains("route=\"/drug/{id}\"")
            && l.contains("status=\"404\"")),
        "{text}"
    );
    assert!(text.contains("cache_requests_total{"), "cache lookups are counted");

    let (status, doc) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    for path in ["/drug", "/drug/{id}", "/drug/interactions", "/health/ready"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let app = spawn().await;
    let ctx = app.stores.ctx("drug");
    let count = |sql: &'static str| {
        let pool = ctx.db.global.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.expect("count") }
    };
    let before = (
        count("SELECT COUNT(*) FROM drugs").await,
        count("SELECT COUNT(*) FROM drug_ingredients").await,
        count("SELECT COUNT(*) FROM ingredient_interactions").await,
    );
    let seed = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("seed");
    drug::load::load_seed(&ctx.db.global, &seed).await.expect("second seed");
    let after = (
        count("SELECT COUNT(*) FROM drugs").await,
        count("SELECT COUNT(*) FROM drug_ingredients").await,
        count("SELECT COUNT(*) FROM ingredient_interactions").await,
    );
    assert_eq!(before, after);
    assert_eq!(before.0 as usize, seed.drugs.len());
    assert_eq!(before.2 as usize, seed.interactions.len());
}

#[tokio::test]
async fn the_internal_dictionary_needs_a_service_token_with_the_scope() {
    use kit::auth::{now_secs, Claims, Jwks, KeyPair, TokenType, USER_AUDIENCE};
    let app = spawn().await;
    // The test server's context verifies with this key (no JWKS fetch).
    let key = KeyPair::generate("test-key");
    let ctx = app.stores.ctx("drug");
    ctx.auth.set_keys(&Jwks { keys: vec![key.jwk()] }).await;
    let server = TestServer::spawn(kit::app(&drug::SPEC, ctx.clone(), drug::routes(ctx))).await;
    let token = |typ: TokenType, aud: &str, scope: &str| {
        key.sign(&Claims {
            iss: "medi".into(),
            sub: "chatbot".into(),
            aud: aud.into(),
            exp: now_secs() + 60,
            iat: now_secs(),
            jti: "t".into(),
            typ,
            scope: scope.into(),
            shard: None,
        })
    };
    let call = |bearer: Option<String>| {
        let mut r = app.http.get(server.url("/drug/dictionary"));
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        r.send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(call(None).await.expect("call")), 401);
    assert_eq!(status(call(Some("not-a-jwt".into())).await.expect("call")), 401);
    assert_eq!(status(call(Some(token(TokenType::User, USER_AUDIENCE, "drug:dictionary"))).await.expect("call")), 403);
    assert_eq!(status(call(Some(token(TokenType::Service, "drug", "drug:read"))).await.expect("call")), 403);
    assert_eq!(status(call(Some(token(TokenType::Service, "clinic", "drug:dictionary"))).await.expect("call")), 401);
    let ok = call(Some(token(TokenType::Service, "drug", "drug:dictionary"))).await.expect("call");
    assert_eq!(ok.status(), 200);
    let entries: Value = ok.json().await.expect("json");
    let tylenol = entries.as_array().into_iter().flatten().find(|e| e["slug"] == "tylenol-500").expect("tylenol");
    assert!(tylenol["names"].as_array().is_some_and(|n| n.iter().any(|n| n == "타이레놀")), "{tylenol}");
}
