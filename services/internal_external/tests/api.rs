//! internal_external against real MariaDB and Redis with the bundled conditions.

use kit::testing::{TestServer, TestStores};
use serde_json::{json, Value};

struct App {
    server: TestServer,
    _stores: TestStores,
    http: reqwest::Client,
}

async fn spawn() -> App {
    let stores = TestStores::new().await;
    let ctx = stores.ctx("internal_external");
    let seed = internal_external::load::parse_seed(internal_external::load::BUNDLED_SEED).expect("seed parses");
    internal_external::load::load_seed(&ctx.db.global, &seed).await.expect("seed loads");
    let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("drugs");
    drug::load::load_seed(&ctx.db.global, &drugs).await.expect("drugs load");
    let app = kit::app(&internal_external::SPEC, ctx.clone(), internal_external::routes(ctx));
    App { server: TestServer::spawn(app).await, _stores: stores, http: reqwest::Client::new() }
}

impl App {
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.server.url(path)).send().await.expect("request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
    async fn route(&self, text: &str) -> Value {
        let r = self.http.post(self.server.url("/internal_external/route")).json(&json!({ "text": text })).send().await;
        let r = r.expect("request");
        assert_eq!(r.status(), 200);
        r.json().await.expect("json")
    }
}

fn first_department(v: &Value) -> String {
    v["departments"][0]["slug"].as_str().unwrap_or_default().to_string()
}

fn top_departments(v: &Value, n: usize) -> Vec<String> {
    v["departments"]
        .as_array()
        .into_iter()
        .flatten()
        .take(n)
        .filter_map(|d| d["slug"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn the_seed_has_at_least_80_bilingual_conditions_covering_every_department() {
    let seed = internal_external::load::parse_seed(internal_external::load::BUNDLED_SEED).expect("seed");
    assert!(seed.conditions.len() >= 80);
    for d in internal_external::DEPARTMENTS {
        assert!(seed.conditions.iter().any(|c| c.departments.first().map(String::as_str) == Some(d)), "{d}");
    }
    for c in &seed.conditions {
        assert!(!c.name_ko.is_empty() && !c.name_en.is_empty() && !c.details.symptoms_ko.is_empty());
        assert!(!c.details.sources.is_empty(), "{} has sources", c.slug);
    }
}

#[tokio::test]
async fn symptoms_route_to_the_right_department_in_both_languages() {
    let app = spawn().await;
    let cases = [
        ("소변 볼 때 따갑고 자주 마려워요", "urology"),
        ("무릎이 아프고 붓고 계단 오를 때 더 아파요", "orthopedics"),
        ("피부가 가렵고 빨갛게 올라왔어요 두드러기 같아요", "dermatology"),
        ("귀가 아프고 귀에서 진물이 나요", "otolaryngology"),
        ("눈이 충혈되고 눈곱이 많이 껴요", "ophthalmology"),
        ("my tooth hurts when I drink something cold", "dentistry"),
        ("itchy red rash with hives on my arms", "dermatology"),
        ("burning when I pee and I need to go all the time", "urology"),
    ];
    for (text, want) in cases {
        let r = app.route(text).await;
        assert!(top_departments(&r, 2).contains(&want.to_string()), "{text}: {r}");
        assert_eq!(r["recognised"], true);
        let best = r["departments"][0]["score"].as_f64().unwrap_or(0.0);
        assert!((best - 1.0).abs() < 1e-9, "scores are scaled to the best");
        assert!(r["conditions"].as_array().is_some_and(|c| !c.is_empty()));
    }
    let ko = app.route("머리가 지끈지끈 아프고 한쪽 머리가 욱신거려요").await;
    assert_eq!(ko["lang"], "ko");
    assert!(top_departments(&ko, 3).contains(&"neurology".to_string()), "{ko}");
}

#[tokio::test]
async fn negated_symptoms_do_not_route() {
    let app = spawn().await;
    let r = app.route("기침은 없고 콧물도 없어요").await;
    assert!(r["conditions"].as_array().is_none_or(|c| c.iter().all(|c| c["slug"] != "common-cold")), "{r}");
}

#[tokio::test]
async fn unrecognised_text_falls_back_to_primary_care() {
    let app = spawn().await;
    let r = app.route("qwerty zxcv").await;
    assert_eq!(r["recognised"], false);
    assert_eq!(first_department(&r), "family_medicine");
    assert_eq!(r["departments"][0]["score"], 0.0);
    assert_eq!(r["conditions"], json!([]));
}

#[tokio::test]
async fn conditions_list_search_filter_and_detail() {
    let app = spawn().await;
    let (s, all) = app.get("/internal_external/conditions?size=100").await;
    assert_eq!(s, 200);
    assert!(all["total"].as_u64().unwrap_or(0) >= 80);
    let (_, found) = app.get("/internal_external/conditions?q=장염").await;
    assert!(found["total"].as_u64().unwrap_or(0) >= 1, "{found}");
    let (_, derm) = app.get("/internal_external/conditions?department=dermatology&size=100").await;
    for item in derm["items"].as_array().into_iter().flatten() {
        assert!(item["departments"].as_array().into_iter().flatten().any(|d| d == "dermatology"));
    }
    let id = all["items"][0]["id"].as_u64().expect("id");
    let slug = all["items"][0]["slug"].as_str().expect("slug").to_string();
    let (s, by_id) = app.get(&format!("/internal_external/conditions/{id}")).await;
    assert_eq!(s, 200);
    let (_, by_slug) = app.get(&format!("/internal_external/conditions/{slug}")).await;
    assert_eq!(by_id["id"], by_slug["id"]);
    for field in ["symptoms_ko", "symptoms_en", "red_flags_ko", "when_to_see_doctor_ko", "sources", "departments"] {
        assert!(by_id[field].as_array().is_some_and(|a| !a.is_empty()), "{field}: {by_id}");
    }
    assert!(by_id["disclaimer_ko"].as_str().is_some_and(|d| d.contains("119")));
}

#[tokio::test]
async fn related_drugs_resolve_to_drug_ids() {
    let app = spawn().await;
    let seed = internal_external::load::parse_seed(internal_external::load::BUNDLED_SEED).expect("seed");
    let with_drugs = seed.conditions.iter().find(|c| !c.related_drugs.is_empty()).expect("a condition with drugs");
    let (_, detail) = app.get(&format!("/internal_external/conditions/{}", with_drugs.slug)).await;
    let drugs = detail["related_drugs"].as_array().expect("list");
    assert!(!drugs.is_empty());
    assert!(drugs.iter().all(|d| d["id"].as_u64().is_some() && d["name_ko"].is_string()), "{drugs:?}");
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx() {
    let app = spawn().await;
    for (path, status, code) in [
        ("/internal_external/conditions?q=", 400, "validation_failed"),
        ("/internal_external/conditions?department=cardiology", 400, "validation_failed"),
        ("/internal_external/conditions?page=-1", 400, "validation_failed"),
        ("/internal_external/conditions?size=abc", 400, "invalid_query"),
        ("/internal_external/conditions/999999", 404, "not_found"),
        ("/internal_external/conditions/no-such-condition", 404, "not_found"),
        ("/internal_external/conditions/DROP%20TABLE", 400, "validation_failed"),
    ] {
        let (s, body) = app.get(path).await;
        assert_eq!(s, status, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}");
        assert!(body["error"]["request_id"].is_string());
    }
    let post = |body: &'static str| {
        app.http
            .post(app.server.url("/internal_external/route"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, code) in [
        (r#"{"text": ""}"#, "validation_failed"),
        (r#"{"text": 5}"#, "invalid_body"),
        (r#"{"words": "x"}"#, "invalid_body"),
        (r#"{"text": "#, "invalid_json"),
    ] {
        let r = post(body).await.expect("request");
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["error"]["code"], code, "{body}");
    }
    let long = json!({ "text": "가".repeat(2001) });
    let r = app.http.post(app.server.url("/internal_external/route")).json(&long).send().await.expect("request");
    assert_eq!(r.status(), 400);
}
