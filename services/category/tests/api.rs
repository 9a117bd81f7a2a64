//! Every category endpoint against real MariaDB/MySQL and Redis, seeded with
//! the bundled categories and drugs, plus a few conditions and first-aid
//! guides inserted the way their services store them. Bad input included.

use category::load::{load_seed, parse_seed, SeedFile, BUNDLED_SEED};
use category::{DEPARTMENT_CODES, TOP_LEVEL_SLUGS};
use kit::testing::{TestServer, TestStores};
use serde_json::{json, Value};
use sqlx::MySqlPool;

struct App {
    server: TestServer,
    stores: TestStores,
    http: reqwest::Client,
    seed: SeedFile,
    pool: MySqlPool,
}

async fn spawn_with(stores: TestStores) -> App {
    let ctx = stores.ctx("category");
    let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED).expect("drug seed parses");
    drug::load::load_seed(&ctx.db.global, &drugs).await.expect("drug seed loads");
    let seed = parse_seed(BUNDLED_SEED).expect("category seed parses");
    load_seed(&ctx.db.global, &seed).await.expect("category seed loads");
    let pool = ctx.db.global.clone();
    let server = TestServer::spawn(kit::app(&category::SPEC, ctx.clone(), category::routes(ctx))).await;
    App { server, stores, http: reqwest::Client::new(), seed, pool }
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

    fn node(&self, slug: &str) -> &category::load::SeedCategory {
        self.seed.categories.iter().find(|c| c.slug == slug).unwrap_or_else(|| panic!("{slug} is in the seed"))
    }

    /// A condition row as the internal_external service stores it, tagged
    /// with `categories`.
    async fn insert_condition(&self, slug: &str, urgency: &str, categories: &[&str]) -> u64 {
        sqlx::query(
            "INSERT INTO conditions (slug, name_ko, name_en, urgency, summary_ko, summary_en, details, search_text) \
             VALUES (?, ?, ?, ?, '요약', 'summary', '{}', ?)",
        )
        .bind(slug)
        .bind(format!("{slug} 한국어"))
        .bind(format!("{slug} English"))
        .bind(urgency)
        .bind(slug)
        .execute(&self.pool)
        .await
        .expect("insert condition");
        let id: u64 = sqlx::query_scalar("SELECT id FROM conditions WHERE slug = ?")
            .bind(slug)
            .fetch_one(&self.pool)
            .await
            .expect("condition id");
        for c in categories {
            sqlx::query("INSERT INTO condition_categories (condition_id, category) VALUES (?, ?)")
                .bind(id)
                .bind(c)
                .execute(&self.pool)
                .await
                .expect("insert condition category");
        }
        id
    }

    /// A first-aid guide row as the emergency-support service stores it.
    async fn insert_guide(&self, slug: &str, call_119: bool, position: u16, categories: &[&str]) -> u64 {
        sqlx::query(
            "INSERT INTO first_aid_guides (slug, title_ko, title_en, summary_ko, summary_en, call_119, position, \
             body, search_text) VALUES (?, ?, ?, '요약', 'summary', ?, ?, '{}', ?)",
        )
        .bind(slug)
        .bind(format!("{slug} 제목"))
        .bind(format!("{slug} title"))
        .bind(call_119)
        .bind(position)
        .bind(slug)
        .execute(&self.pool)
        .await
        .expect("insert guide");
        let id: u64 = sqlx::query_scalar("SELECT id FROM first_aid_guides WHERE slug = ?")
            .bind(slug)
            .fetch_one(&self.pool)
            .await
            .expect("guide id");
        for c in categories {
            sqlx::query("INSERT INTO guide_categories (guide_id, category) VALUES (?, ?)")
                .bind(id)
                .bind(c)
                .execute(&self.pool)
                .await
                .expect("insert guide category");
        }
        id
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.pool).await.expect("count")
    }

    /// The cache keys written so far under this test's prefix.
    async fn cache_keys(&self) -> Vec<String> {
        let mut conn = self.stores.ctx("category").redis.conn().await.expect("redis");
        redis::cmd("KEYS")
            .arg(format!("{}:cache:{}:*", self.stores.redis_prefix, category::CACHE_NAMESPACE))
            .query_async(&mut conn)
            .await
            .expect("keys")
    }
}

fn slugs(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| a.iter().filter_map(|i| i["slug"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn assert_client_error(status: u16, body: &Value, expected: u16, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["request_id"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
}

#[tokio::test]
async fn the_tree_has_the_16_areas_in_order_with_their_symptom_groups() {
    let app = spawn().await;
    let (status, tree) = app.get("/category").await;
    assert_eq!(status, 200, "{tree}");
    assert_eq!(slugs(&tree), TOP_LEVEL_SLUGS.to_vec());

    let mut seen_children = 0;
    for area in tree.as_array().expect("list") {
        let slug = area["slug"].as_str().expect("slug");
        assert!(area["id"].as_u64().is_some_and(|id| id > 0));
        for field in ["name_ko", "name_en", "description_ko", "description_en"] {
            assert!(area[field].as_str().is_some_and(|s| !s.is_empty()), "{slug}.{field}");
        }
        assert_eq!(area["departments"], json!(app.node(slug).departments), "{slug} departments, in order");
        let expected: Vec<&str> =
            app.seed.categories.iter().filter(|c| c.parent.as_deref() == Some(slug)).map(|c| c.slug.as_str()).collect();
        assert_eq!(slugs(&area["children"]), expected, "{slug}: its symptom groups, in seed order");
        assert!((2..=5).contains(&expected.len()));
        for child in area["children"].as_array().expect("children") {
            let child_slug = child["slug"].as_str().expect("slug");
            assert_eq!(child["children"], json!([]), "two levels");
            assert_eq!(child["departments"], json!(app.node(child_slug).departments));
            assert!(child["description_ko"].as_str().is_some_and(|s| !s.is_empty()));
            seen_children += 1;
        }
    }
    let seeded_children = app.seed.categories.iter().filter(|c| c.parent.is_some()).count();
    assert_eq!(seen_children, seeded_children, "every symptom group is under its area");
}

#[tokio::test]
async fn every_symptom_group_names_its_parent() {
    let app = spawn().await;
    let (_, tree) = app.get("/category").await;
    for area in tree.as_array().expect("list") {
        for child in area["children"].as_array().expect("children") {
            let (status, detail) = app.get(&format!("/category/{}", child["slug"].as_str().expect("slug"))).await;
            assert_eq!(status, 200, "{detail}");
            assert_eq!(detail["parent"]["id"], area["id"]);
            assert_eq!(detail["parent"]["slug"], area["slug"]);
            assert_eq!(detail["parent"]["name_ko"], area["name_ko"]);
            assert_eq!(detail["parent"]["name_en"], area["name_en"]);
            assert_eq!(detail["children"], json!([]));
        }
    }
}

#[tokio::test]
async fn a_category_reads_the_same_by_id_and_by_slug() {
    let app = spawn().await;
    let (status, by_slug) = app.get("/category/head-neurology").await;
    assert_eq!(status, 200, "{by_slug}");
    assert_eq!(by_slug["slug"], "head-neurology");
    assert_eq!(by_slug["name_ko"], "머리·신경");
    assert_eq!(by_slug["parent"], Value::Null, "top level");
    let id = by_slug["id"].as_u64().expect("id");
    let (status, by_id) = app.get(&format!("/category/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(by_id, by_slug);

    let expected_children: Vec<&str> = app
        .seed
        .categories
        .iter()
        .filter(|c| c.parent.as_deref() == Some("head-neurology"))
        .map(|c| c.slug.as_str())
        .collect();
    assert_eq!(slugs(&by_slug["children"]), expected_children);
    assert!(by_slug["children"][0]["id"].as_u64().is_some());
    assert!(by_slug["children"][0]["description_en"].as_str().is_some_and(|s| !s.is_empty()));

    // Departments come as objects with their national code, in seed order.
    let departments = by_slug["departments"].as_array().expect("departments");
    assert_eq!(slugs(&by_slug["departments"]), app.node("head-neurology").departments);
    let neurology = &departments[0];
    assert_eq!(neurology, &json!({"slug": "neurology", "code": "02", "name_ko": "신경과", "name_en": "Neurology"}));
}

#[tokio::test]
async fn links_resolve_by_slug_in_order_and_missing_targets_are_left_out() {
    let app = spawn().await;
    let headache = app.node("headache");
    assert!(headache.conditions.len() >= 2 && !headache.drugs.is_empty() && !headache.guides.is_empty());

    // Only some targets exist: the first condition and the guides; the
    // second condition is left out without an error.
    let first = headache.conditions[0].clone();
    let first_id = app.insert_condition(&first, "routine", &[]).await;
    for (i, g) in headache.guides.iter().enumerate() {
        app.insert_guide(g, true, i as u16, &[]).await;
    }
    let (status, detail) = app.get("/category/headache").await;
    assert_eq!(status, 200, "{detail}");
    let links = &detail["links"];
    assert_eq!(slugs(&links["conditions"]), vec![first.clone()], "{links}");
    assert_eq!(links["conditions"][0]["id"], first_id);
    assert_eq!(links["conditions"][0]["name_ko"], format!("{first} 한국어"));
    assert_eq!(links["conditions"][0]["name_en"], format!("{first} English"));

    // Every linked drug exists in the drug seed: all resolve, in order, with their ids.
    assert_eq!(slugs(&links["drugs"]), headache.drugs);
    for d in links["drugs"].as_array().expect("drugs") {
        let id: u64 = sqlx::query_scalar("SELECT id FROM drugs WHERE slug = ?")
            .bind(d["slug"].as_str().expect("slug"))
            .fetch_one(&app.pool)
            .await
            .expect("drug id");
        assert_eq!(d["id"], id);
        assert!(d["name_ko"].as_str().is_some_and(|s| !s.is_empty()));
    }

    assert_eq!(slugs(&links["guides"]), headache.guides);
    assert_eq!(links["guides"][0]["call_119"], true);
    assert!(links["guides"][0]["title_ko"].as_str().is_some_and(|s| s.ends_with("제목")));
    assert!(links["guides"][0]["title_en"].as_str().is_some_and(|s| s.ends_with("title")));

    // A category whose targets are all missing has empty lists.
    let (_, menopause) = app.get("/category/menopause").await;
    assert_eq!(menopause["links"]["conditions"], json!([]));
    assert_eq!(menopause["links"]["guides"], json!([]));
}

#[tokio::test]
async fn a_top_level_area_also_lists_what_names_it_without_duplicates() {
    let app = spawn().await;
    let area = app.node("chest-heart");
    let curated_condition = area.conditions.first().expect("chest-heart has curated conditions").clone();
    let curated_guide = area.guides.first().expect("chest-heart has curated guides").clone();

    // Curated and also naming the area: listed once, in its curated place.
    app.insert_condition(&curated_condition, "emergency", &["chest-heart", "injuries-emergencies"]).await;
    // Only naming the area: appended, emergencies before routine ones.
    app.insert_condition("test-routine-heart", "routine", &["chest-heart"]).await;
    app.insert_condition("test-urgent-heart", "urgent", &["chest-heart"]).await;
    // Naming another area only: absent.
    app.insert_condition("test-eye-thing", "routine", &["eyes"]).await;

    app.insert_guide(&curated_guide, true, 5, &["chest-heart"]).await;
    app.insert_guide("test-guide-later", false, 1, &["chest-heart"]).await;
    app.insert_guide("test-guide-119", true, 9, &["chest-heart"]).await;
    app.insert_guide("test-guide-skin", true, 0, &["skin"]).await;

    let (status, detail) = app.get("/category/chest-heart").await;
    assert_eq!(status, 200, "{detail}");
    let links = &detail["links"];
    assert_eq!(
        slugs(&links["conditions"]),
        vec![curated_condition.clone(), "test-urgent-heart".into(), "test-routine-heart".into()],
        "{links}"
    );
    assert_eq!(
        slugs(&links["guides"]),
        vec![curated_guide.clone(), "test-guide-119".into(), "test-guide-later".into()],
        "119 guides first among the inherited: {links}"
    );
    assert_eq!(links["guides"][1]["call_119"], true);
    assert_eq!(links["guides"][2]["call_119"], false);
    assert_eq!(slugs(&links["drugs"]), area.drugs, "top-level drugs are the curated ones");

    // A symptom group does not inherit its area's tagged conditions.
    let (_, child) = app.get("/category/palpitations").await;
    assert!(!slugs(&child["links"]["conditions"]).contains(&"test-routine-heart".to_string()));
}

#[tokio::test]
async fn departments_are_the_19_with_their_national_codes_in_order() {
    let app = spawn().await;
    let (status, list) = app.get("/category/departments").await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().expect("list");
    assert_eq!(list.len(), 19);
    let got: Vec<(&str, &str)> =
        list.iter().map(|d| (d["slug"].as_str().unwrap_or(""), d["code"].as_str().unwrap_or(""))).collect();
    assert_eq!(got, DEPARTMENT_CODES.to_vec());
    for d in list {
        for field in ["name_ko", "name_en", "description_ko", "description_en"] {
            assert!(d[field].as_str().is_some_and(|s| !s.is_empty()), "{d}");
        }
    }
    assert_eq!(list[0]["name_ko"], "내과");
    assert_eq!(list[18]["name_ko"], "치과");
    assert_eq!(list[18]["code"], "49");
}

#[tokio::test]
async fn unknown_categories_are_404() {
    let app = spawn().await;
    for path in ["/category/999999999", "/category/0", "/category/no-such-category", "/category/headache/extra"] {
        let (status, body) = app.get(path).await;
        assert_client_error(status, &body, 404, "not_found");
    }
}

#[tokio::test]
async fn malformed_ids_and_slugs_are_400() {
    let app = spawn().await;
    let long = "a".repeat(500);
    for path in [
        "/category/..%2Fetc".to_string(),
        "/category/..%2F..%2Fetc%2Fpasswd".to_string(),
        format!("/category/{long}"),
        "/category/DROP%20TABLE%20categories".to_string(),
        "/category/1%3B%20DROP%20TABLE%20categories".to_string(),
        "/category/Headache".to_string(),
        "/category/%EB%91%90%ED%86%B5".to_string(),
        "/category/head_neurology".to_string(),
        "/category/99999999999999999999999".to_string(),
    ] {
        let (status, body) = app.get(&path).await;
        assert_client_error(status, &body, 400, "validation_failed");
        assert_eq!(body["error"]["field"], "id_or_slug", "{path}");
    }
    // The tables are untouched.
    assert_eq!(app.count("SELECT COUNT(*) FROM categories").await as usize, app.seed.categories.len());
}

#[tokio::test]
async fn wrong_methods_are_405() {
    let app = spawn().await;
    for (method, path) in [
        (reqwest::Method::POST, "/category"),
        (reqwest::Method::DELETE, "/category/headache"),
        (reqwest::Method::PUT, "/category/departments"),
    ] {
        let r = app.http.request(method, app.server.url(path)).send().await.expect("request");
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_client_error(status, &body, 405, "method_not_allowed");
    }
}

#[tokio::test]
async fn reads_are_cached_in_redis_until_the_namespace_is_bumped() {
    let app = spawn().await;
    let (_, before) = app.get("/category/headache").await;
    let (_, _) = app.get("/category").await;
    let (_, _) = app.get("/category/departments").await;
    let keys = app.cache_keys().await;
    for suffix in [":detail:slug:headache", ":tree", ":departments"] {
        assert!(keys.iter().any(|k| k.ends_with(suffix)), "{suffix} cached under the test prefix: {keys:?}");
    }

    // Changed behind the service's back: the second read comes from Redis.
    sqlx::query("UPDATE categories SET name_ko = '바뀐 이름' WHERE slug = 'headache'")
        .execute(&app.pool)
        .await
        .expect("update");
    let (_, cached) = app.get("/category/headache").await;
    assert_eq!(cached, before, "served from the cache");

    app.stores.ctx("category").cache().bump(category::CACHE_NAMESPACE).await.expect("bump");
    let (_, fresh) = app.get("/category/headache").await;
    assert_eq!(fresh["name_ko"], "바뀐 이름");

    // Misses are not cached: unknown slugs do not fill Redis.
    let before = app.cache_keys().await.len();
    let (status, _) = app.get("/category/not-a-category").await;
    assert_eq!(status, 404);
    assert_eq!(app.cache_keys().await.len(), before);
}

#[tokio::test]
async fn seeding_twice_changes_nothing_and_a_changed_seed_is_applied() {
    let app = spawn().await;
    let tables = ["departments", "categories", "category_departments", "category_links"];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    let (_, tree_before) = app.get("/category").await;

    let report = load_seed(&app.pool, &app.seed).await.expect("second load");
    let mut after = Vec::new();
    for t in tables {
        after.push(app.count(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    assert_eq!(before, after);
    assert_eq!(before[0], 19);
    assert_eq!(before[1] as usize, app.seed.categories.len());
    assert_eq!(report.departments, 19);
    assert_eq!(report.top_level, 16);
    assert_eq!(report.categories, app.seed.categories.len());
    let expected_links: usize =
        app.seed.categories.iter().map(|c| c.conditions.len() + c.drugs.len() + c.guides.len()).sum();
    assert_eq!(report.links, expected_links);
    assert_eq!(before[3] as usize, expected_links);
    assert!(report.stale.is_empty(), "{:?}", report.stale);

    app.stores.ctx("category").cache().bump(category::CACHE_NAMESPACE).await.expect("bump");
    let (_, tree_after) = app.get("/category").await;
    assert_eq!(tree_after, tree_before, "same ids, same order");

    // A changed seed updates in place: names, departments and links are replaced.
    let mut changed = app.seed.clone();
    let node = changed.categories.iter_mut().find(|c| c.slug == "headache").expect("headache");
    node.name_en = "Headaches".into();
    node.departments = vec!["neurology".into()];
    node.drugs = vec!["tylenol-500".into()];
    load_seed(&app.pool, &changed).await.expect("changed load");
    // A category the seed does not list is reported, not deleted.
    sqlx::query(
        "INSERT INTO categories (slug, parent_id, name_ko, name_en, description_ko, description_en, position) \
         VALUES ('old-group', NULL, '옛 분류', 'Old group', '-', '-', 99)",
    )
    .execute(&app.pool)
    .await
    .expect("insert");
    let report = load_seed(&app.pool, &changed).await.expect("load again");
    assert_eq!(report.stale, vec!["old-group".to_string()]);

    app.stores.ctx("category").cache().bump(category::CACHE_NAMESPACE).await.expect("bump");
    let (_, headache) = app.get("/category/headache").await;
    assert_eq!(headache["name_en"], "Headaches");
    assert_eq!(slugs(&headache["departments"]), vec!["neurology"]);
    assert_eq!(slugs(&headache["links"]["drugs"]), vec!["tylenol-500"]);
    assert_eq!(headache["id"], tree_before[0]["children"][0]["id"], "the id survives updates");
}

#[tokio::test]
async fn parse_seed_rejects_an_unknown_department_and_a_dangling_parent() {
    let mut seed: Value = serde_json::from_str(BUNDLED_SEED).expect("json");
    seed["categories"][1]["departments"] = json!(["neurology", "cardiology"]);
    let err = parse_seed(&seed.to_string()).expect_err("unknown department rejected");
    assert!(err.to_string().contains("unknown department \"cardiology\""), "{err}");

    let mut seed: Value = serde_json::from_str(BUNDLED_SEED).expect("json");
    seed["departments"][3]["slug"] = json!("surgery");
    let err = parse_seed(&seed.to_string()).expect_err("unknown department slug rejected");
    assert!(err.to_string().contains("unknown department slug \"surgery\""), "{err}");

    let mut seed: Value = serde_json::from_str(BUNDLED_SEED).expect("json");
    seed["categories"][1]["parent"] = json!("no-such-area");
    let err = parse_seed(&seed.to_string()).expect_err("dangling parent rejected");
    assert!(err.to_string().contains("names parent \"no-such-area\", which is not in the seed"), "{err}");
}

#[tokio::test]
async fn reads_keep_working_without_redis() {
    let app = spawn_with(TestStores::with_env(2, &[("MEDI_REDIS_URL", "redis://127.0.0.1:1")]).await).await;
    let (status, tree) = app.get("/category").await;
    assert_eq!(status, 200, "the cache degrades to the database: {tree}");
    assert_eq!(tree.as_array().map(Vec::len), Some(16));
    let (status, _) = app.get("/category/headache").await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/category/nope").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn().await;
    let (status, doc) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    for path in ["/category", "/category/departments", "/category/{id_or_slug}", "/health/ready"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    for schema in ["CategoryNode", "CategoryDetail", "CategoryLinks", "Department", "ErrorBody"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
