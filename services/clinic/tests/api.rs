//! Every clinic endpoint against real MariaDB/MySQL and Redis, seeded with
//! the bundled data set, bad input included; and the national-list importer
//! with the bundled CP949 samples.

use std::collections::BTreeSet;

use kit::testing::{TestServer, TestStores};
use serde_json::{json, Value};

struct App {
    server: TestServer,
    stores: TestStores,
    http: reqwest::Client,
}

async fn spawn_with(stores: TestStores) -> App {
    let ctx = stores.ctx("clinic");
    let seed = clinic::load::parse_seed(clinic::load::BUNDLED_SEED).expect("seed parses");
    clinic::load::load_seed(&ctx.db.global, &seed).await.expect("seed loads");
    let server = TestServer::spawn(kit::app(&clinic::SPEC, ctx.clone(), clinic::routes(ctx))).await;
    App { server, stores, http: reqwest::Client::new() }
}

async fn spawn() -> App {
    spawn_with(TestStores::with_shards(1).await).await
}

impl App {
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.server.url(path)).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// Every item of a search, across pages.
    async fn all(&self, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for page in 1.. {
            let body = self.ok(&format!("/clinic?{query}&size=100&page={page}")).await;
            let items = body["items"].as_array().cloned().unwrap_or_default();
            let total = body["total"].as_u64().expect("total") as usize;
            out.extend(items.iter().cloned());
            if items.is_empty() || out.len() >= total {
                assert_eq!(out.len(), total, "{query}: pages add up to the total");
                break;
            }
        }
        out
    }

    async fn bump(&self) {
        self.stores.ctx("clinic").cache().bump(clinic::CACHE_NAMESPACE).await.expect("bump");
    }
}

fn slugs(items: &[Value]) -> BTreeSet<String> {
    items.iter().filter_map(|i| i["slug"].as_str().map(str::to_string)).collect()
}

fn assert_client_error(status: u16, body: &Value, expected: u16, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["request_id"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
}

/// The bundled seed as plain JSON: the oracle the answers are checked against.
fn seed() -> Vec<Value> {
    let v: Value = serde_json::from_str(clinic::load::BUNDLED_SEED).expect("seed json");
    v["facilities"].as_array().cloned().expect("facilities")
}

fn seed_slugs(filter: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    seed().iter().filter(|f| filter(f)).filter_map(|f| f["slug"].as_str().map(str::to_string)).collect()
}

/// Open per the seed's hours on `day` at `hhmm`, compared as zero-padded
/// strings (an independent check of the service's minute arithmetic).
fn seed_open(f: &Value, day: &str, hhmm: &str) -> bool {
    f["hours"][day].as_array().into_iter().flatten().any(|r| {
        let (open, close) = (r[0].as_str().unwrap_or("99:99"), r[1].as_str().unwrap_or("00:00"));
        open <= hhmm && hhmm < close
    })
}

fn has_department(f: &Value, d: &str) -> bool {
    f["departments"].as_array().into_iter().flatten().any(|x| x == d)
}

// ---------------------------------------------------------------------------
// Text, department, region and type filters
// ---------------------------------------------------------------------------

#[tokio::test]
async fn q_matches_names_and_addresses() {
    let app = spawn().await;
    let page = app.ok("/clinic?q=서울대학교병원").await;
    assert_eq!(page["items"][0]["slug"], "snuh", "exact name first: {page}");
    assert_eq!(page["page"], 1);
    assert_eq!(page["size"], 20);

    let asan = slugs(&app.all("q=아산").await);
    assert!(asan.contains("amc") && asan.contains("gangneung-asan"), "{asan:?}");

    // Every word must match, in the name or the address.
    let items = app.all("q=강남%20소아").await;
    assert_eq!(
        slugs(&items),
        seed_slugs(|f| {
            let text = format!("{} {} {} {}", f["name"], f["address"], f["sido"], f["sigungu"]);
            text.contains("강남") && text.contains("소아")
        })
    );
    assert!(!items.is_empty());

    let by_address = app.all("q=대학로").await;
    assert!(slugs(&by_address).contains("snuh"), "the address is searched");

    let item = &page["items"][0];
    for key in ["id", "slug", "name", "type", "departments", "address", "sido", "sigungu", "lat", "lon", "phone"] {
        assert!(!item[key].is_null(), "{key} in {item}");
    }
    for key in ["emergency_room", "sample", "hours_verified", "open_now"] {
        assert!(item[key].is_boolean(), "{key} in {item}");
    }
    assert!(item.get("distance_km").is_none(), "no distance without lat/lon");
    assert_eq!(item["hours"]["mon"], json!([["08:30", "17:30"]]));
    assert_eq!(item["hours"]["holiday"], json!([]));
    assert_eq!(item["departments"].as_array().map(Vec::len), Some(19));

    let (_, nothing) = app.get("/clinic?q=zzzz없는병원").await;
    assert_eq!(nothing["total"], 0);
    assert_eq!(nothing["items"], json!([]));
    let (_, wildcard) = app.get("/clinic?q=%25").await;
    assert_eq!(wildcard["total"], 0, "'%' is literal: {wildcard}");
}

#[tokio::test]
async fn department_region_and_type_filter_and_combine() {
    let app = spawn().await;
    let dentistry = app.all("department=dentistry").await;
    assert_eq!(slugs(&dentistry), seed_slugs(|f| has_department(f, "dentistry")));
    assert!(dentistry.iter().all(|i| i["departments"].as_array().into_iter().flatten().any(|d| d == "dentistry")));

    let gangnam = app.all("region=강남구").await;
    assert_eq!(slugs(&gangnam), seed_slugs(|f| f["sigungu"] == "강남구"));
    assert!(gangnam.len() >= 5);
    let seoul = app.all("region=서울").await;
    assert_eq!(slugs(&seoul), seed_slugs(|f| f["sido"] == "서울특별시"));
    // 전남 and 광주 both find the merged 전남광주통합특별시 entries.
    let jeonnam = app.all("region=전남").await;
    assert_eq!(slugs(&jeonnam), seed_slugs(|f| f["sido"].as_str().is_some_and(|s| s.contains("전남"))));
    assert!(!jeonnam.is_empty());
    let gwangju = slugs(&app.all("region=광주").await);
    assert!(gwangju.contains("cnuh-gwangju") && gwangju.contains("chosun"), "{gwangju:?}");
    // Short province names match the full ones.
    let gyeongbuk = app.all("region=경북").await;
    assert_eq!(slugs(&gyeongbuk), seed_slugs(|f| f["sido"] == "경상북도"));
    assert!(!gyeongbuk.is_empty());

    let dental = app.all("type=dental").await;
    assert_eq!(slugs(&dental), seed_slugs(|f| f["type"] == "dental"));
    assert!(dental.iter().all(|i| i["type"] == "dental"));

    let combined = app.all("region=서울&type=clinic&department=pediatrics&q=의원").await;
    let expected = seed_slugs(|f| {
        f["sido"] == "서울특별시"
            && f["type"] == "clinic"
            && has_department(f, "pediatrics")
            && f["name"].as_str().is_some_and(|n| n.contains("의원"))
    });
    assert_eq!(slugs(&combined), expected);
    assert!(expected.len() >= 2, "the combination is not trivially empty: {expected:?}");
}

// ---------------------------------------------------------------------------
// Nearby search
// ---------------------------------------------------------------------------

/// Seoul City Hall.
const CITY_HALL: (f64, f64) = (37.5663, 126.9779);

fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6371.0088_f64;
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let (dp, dl) = ((b.0 - a.0).to_radians(), (b.1 - a.1).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

#[tokio::test]
async fn nearby_results_are_sorted_by_distance_within_the_radius() {
    let app = spawn().await;
    let (lat, lon) = CITY_HALL;
    let items = app.all(&format!("lat={lat}&lon={lon}&radius_km=10")).await;
    let expected = seed_slugs(|f| {
        haversine_km(CITY_HALL, (f["lat"].as_f64().unwrap_or(0.0), f["lon"].as_f64().unwrap_or(0.0))) <= 10.0
    });
    assert_eq!(slugs(&items), expected, "exactly the facilities within 10 km");
    let distances: Vec<f64> = items.iter().map(|i| i["distance_km"].as_f64().expect("distance_km")).collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "nearest first: {distances:?}");
    assert!(distances.iter().all(|d| *d <= 10.0));
    for i in &items {
        let exact = haversine_km(CITY_HALL, (i["lat"].as_f64().unwrap_or(0.0), i["lon"].as_f64().unwrap_or(0.0)));
        let shown = i["distance_km"].as_f64().unwrap_or(-1.0);
        assert!((shown - exact).abs() <= 0.005 + 1e-9, "{}: {shown} vs {exact}", i["slug"]);
        assert_eq!(shown, (shown * 100.0).round() / 100.0, "2 decimals");
    }
    assert_eq!(items[0]["slug"], "kbsmc", "강북삼성병원 is the nearest");

    // Hand-computed: City Hall (37.5663, 126.9779) to 국립중앙의료원 (37.5673, 127.0058):
    // Δφ = 0.001° → 0.1112 km north; Δλ = 0.0279° × cos 37.5668° × 111.195 km = 2.4589 km east;
    // √(0.1112² + 2.4589²) = 2.4614 km → 2.46.
    let nmc = items.iter().find(|i| i["slug"] == "nmc").expect("nmc within 10 km");
    assert_eq!(nmc["distance_km"], json!(2.46));

    // The distance from a facility's own position is zero.
    let at_snuh = app.ok("/clinic?lat=37.5797&lon=126.9990&radius_km=1").await;
    assert_eq!(at_snuh["items"][0]["slug"], "snuh");
    assert_eq!(at_snuh["items"][0]["distance_km"], json!(0.0));
}

#[tokio::test]
async fn the_radius_limits_results_and_defaults_to_10_km() {
    let app = spawn().await;
    let (lat, lon) = CITY_HALL;
    let total = |body: &Value| body["total"].as_u64().expect("total");
    let one = app.ok(&format!("/clinic?lat={lat}&lon={lon}&radius_km=1")).await;
    assert_eq!(total(&one), 1, "{one}");
    assert_eq!(one["items"][0]["slug"], "kbsmc");
    let three = app.ok(&format!("/clinic?lat={lat}&lon={lon}&radius_km=3")).await;
    assert_eq!(slugs(three["items"].as_array().expect("items")), ["kbsmc", "nmc", "snuh"].map(String::from).into());
    let default = app.ok(&format!("/clinic?lat={lat}&lon={lon}")).await;
    let ten = app.ok(&format!("/clinic?lat={lat}&lon={lon}&radius_km=10")).await;
    assert_eq!(total(&default), total(&ten));
    let hundred = app.ok(&format!("/clinic?lat={lat}&lon={lon}&radius_km=100")).await;
    assert!(total(&hundred) > total(&ten));
    // Nowhere near anything (the sea west of Jeju).
    let sea = app.ok("/clinic?lat=33.0&lon=124.5&radius_km=5").await;
    assert_eq!((total(&sea), sea["items"].clone()), (0, json!([])));
    // Filters combine with the radius.
    let dental = app.all(&format!("lat={lat}&lon={lon}&radius_km=30&type=dental&department=dentistry")).await;
    assert!(!dental.is_empty());
    assert!(dental.iter().all(|i| i["type"] == "dental" && i["distance_km"].as_f64().is_some_and(|d| d <= 30.0)));
}

// ---------------------------------------------------------------------------
// Opening hours
// ---------------------------------------------------------------------------

/// `open_now=true` at `at` must return exactly the seed facilities open on `day` at `hhmm`.
async fn check_open_now(app: &App, at: &str, day: &str, hhmm: &str) -> BTreeSet<String> {
    let items = app.all(&format!("open_now=true&at={}", at.replace('+', "%2B"))).await;
    assert!(items.iter().all(|i| i["open_now"] == true), "{at}");
    let found = slugs(&items);
    assert_eq!(found, seed_slugs(|f| seed_open(f, day, hhmm)), "{at} ({day} {hhmm})");
    found
}

#[tokio::test]
async fn open_now_on_a_weekday_morning_and_a_sunday() {
    let app = spawn().await;
    // Tuesday 2026-11-24 10:00 KST, an ordinary working day.
    let weekday = check_open_now(&app, "2026-11-24T10:00:00+09:00", "tue", "10:00").await;
    assert!(weekday.contains("snuh") && weekday.len() > 150, "{}", weekday.len());
    // The same instant written in UTC.
    let items = app.all("open_now=true&at=2026-11-24T01:00:00Z").await;
    assert_eq!(slugs(&items), weekday);
    // Lunch break: 13:30 closes the clinics that pause 13:00-14:00.
    let lunch = check_open_now(&app, "2026-11-24T13:30:00+09:00", "tue", "13:30").await;
    assert!(lunch.len() < weekday.len());
    // Sunday 2026-11-29 11:00: only the facilities with Sunday hours.
    let sunday = check_open_now(&app, "2026-11-29T11:00:00+09:00", "sun", "11:00").await;
    assert!(!sunday.contains("snuh") && !sunday.is_empty(), "{sunday:?}");
    assert!(sunday.len() < 40);
    // Combined with other filters.
    let sunday_dental = app.all("open_now=true&type=dental&at=2026-11-29T11:00:00%2B09:00").await;
    assert_eq!(slugs(&sunday_dental), seed_slugs(|f| f["type"] == "dental" && seed_open(f, "sun", "11:00")));
    assert!(!sunday_dental.is_empty());
}

#[tokio::test]
async fn open_now_at_night_and_on_public_holidays() {
    let app = spawn().await;
    // 23:00: the night-time children's hospitals have just closed (09:00-23:00),
    // only the 24-hour clinics are open.
    let late = check_open_now(&app, "2026-11-24T23:00:00+09:00", "tue", "23:00").await;
    assert_eq!(late.len(), 4, "{late:?}");
    let late_items = app.all("open_now=true&at=2026-11-24T23:00:00%2B09:00").await;
    assert!(late_items.iter().all(|i| i["name"].as_str().is_some_and(|n| n.contains("24시"))));
    let earlier = check_open_now(&app, "2026-11-24T22:30:00+09:00", "tue", "22:30").await;
    assert!(earlier.len() > late.len() && earlier.is_superset(&late));

    // 추석 2026-09-25 is a Friday and a public holiday: the holiday hours apply,
    // so the university hospitals (open on Fridays, closed on holidays) are closed.
    let chuseok = check_open_now(&app, "2026-09-25T10:00:00+09:00", "holiday", "10:00").await;
    assert!(!chuseok.contains("snuh") && !chuseok.is_empty(), "{chuseok:?}");
    let friday = check_open_now(&app, "2026-11-27T10:00:00+09:00", "fri", "10:00").await;
    assert!(friday.contains("snuh"));
    assert!(chuseok.len() < friday.len() / 3);
    // 2026-06-03 (local elections, a Wednesday) is a holiday as well.
    check_open_now(&app, "2026-06-03T10:00:00+09:00", "holiday", "10:00").await;
}

#[tokio::test]
async fn open_now_is_computed_for_every_item_and_the_detail() {
    let app = spawn().await;
    let snuh = app.ok("/clinic?q=서울대학교병원&at=2026-11-24T10:00:00%2B09:00").await;
    let id = snuh["items"][0]["id"].as_u64().expect("id");
    assert_eq!(snuh["items"][0]["open_now"], true);
    let sunday = app.ok("/clinic?q=서울대학교병원&at=2026-11-29T10:00:00%2B09:00").await;
    assert_eq!(sunday["items"][0]["open_now"], false, "same cache entry, evaluated again");
    let detail = app.ok(&format!("/clinic/{id}?at=2026-11-24T10:00:00%2B09:00")).await;
    assert_eq!((detail["slug"].clone(), detail["open_now"].clone()), (json!("snuh"), json!(true)));
    let holiday = app.ok(&format!("/clinic/{id}?at=2026-09-25T10:00:00%2B09:00")).await;
    assert_eq!(holiday["open_now"], false);
    let now = app.ok(&format!("/clinic/{id}")).await;
    assert!(now["open_now"].is_boolean());
    let (status, body) = app.get(&format!("/clinic/{id}?at=tomorrow")).await;
    assert_client_error(status, &body, 400, "validation_failed");
}

// ---------------------------------------------------------------------------
// Pages, ids and bad input
// ---------------------------------------------------------------------------

#[tokio::test]
async fn browsing_pages_through_every_facility_once() {
    let app = spawn().await;
    let first = app.ok("/clinic?size=25").await;
    let total = first["total"].as_u64().expect("total");
    assert_eq!(total as usize, seed().len());
    let mut seen = BTreeSet::new();
    let pages = total.div_ceil(25);
    for page in 1..=pages {
        let p = app.ok(&format!("/clinic?size=25&page={page}")).await;
        assert_eq!(p["page"], page);
        assert_eq!(p["size"], 25);
        for item in p["items"].as_array().into_iter().flatten() {
            assert!(seen.insert(item["id"].as_u64().expect("id")), "duplicate across pages");
        }
    }
    assert_eq!(seen.len() as u64, total);
    let past_end = app.ok(&format!("/clinic?size=25&page={}", pages + 1)).await;
    assert_eq!(past_end["items"], json!([]));
    assert_eq!(past_end["total"], total, "the total is reported past the last page too");
    let near_past_end = app.ok("/clinic?lat=37.5663&lon=126.9779&radius_km=3&page=2").await;
    assert_eq!((near_past_end["total"].clone(), near_past_end["items"].clone()), (json!(3), json!([])));
}

#[tokio::test]
async fn bad_search_input_is_a_clear_400() {
    let app = spawn().await;
    let long = "가".repeat(3500); // ~10 KB of UTF-8
    let cases = [
        ("/clinic?q=".to_string(), "validation_failed", Some("q")),
        ("/clinic?q=%20%20".to_string(), "validation_failed", Some("q")),
        (format!("/clinic?q={long}"), "validation_failed", Some("q")),
        ("/clinic?lat=37.5".to_string(), "validation_failed", Some("lon")),
        ("/clinic?lon=127.0".to_string(), "validation_failed", Some("lat")),
        ("/clinic?lat=200&lon=127".to_string(), "validation_failed", Some("lat")),
        ("/clinic?lat=37.5&lon=-181".to_string(), "validation_failed", Some("lon")),
        ("/clinic?lat=NaN&lon=127".to_string(), "validation_failed", Some("lat")),
        ("/clinic?lat=abc&lon=127".to_string(), "invalid_query", None),
        ("/clinic?lat=37.5&lon=127&radius_km=0".to_string(), "validation_failed", Some("radius_km")),
        ("/clinic?lat=37.5&lon=127&radius_km=-3".to_string(), "validation_failed", Some("radius_km")),
        ("/clinic?lat=37.5&lon=127&radius_km=101".to_string(), "validation_failed", Some("radius_km")),
        ("/clinic?radius_km=3".to_string(), "validation_failed", Some("radius_km")),
        ("/clinic?department=bogus".to_string(), "validation_failed", Some("department")),
        ("/clinic?type=bogus".to_string(), "validation_failed", Some("type")),
        ("/clinic?region=".to_string(), "validation_failed", Some("region")),
        ("/clinic?page=-1".to_string(), "validation_failed", Some("page")),
        ("/clinic?page=0".to_string(), "validation_failed", Some("page")),
        ("/clinic?page=abc".to_string(), "invalid_query", None),
        ("/clinic?size=1000".to_string(), "validation_failed", Some("size")),
        ("/clinic?size=0".to_string(), "validation_failed", Some("size")),
        ("/clinic?open_now=maybe".to_string(), "validation_failed", Some("open_now")),
        ("/clinic?open_now=true&at=notatime".to_string(), "validation_failed", Some("at")),
        ("/clinic?at=2026-13-40T99:00:00Z".to_string(), "validation_failed", Some("at")),
    ];
    for (path, code, field) in cases {
        let (status, body) = app.get(&path).await;
        assert_client_error(status, &body, 400, code);
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "{}: {body}", &path[..path.len().min(60)]);
        }
    }
    let (_, body) = app.get("/clinic?department=bogus").await;
    let message = body["error"]["message"].as_str().unwrap_or_default();
    for valid in clinic::load::DEPARTMENTS {
        assert!(message.contains(valid), "the message lists {valid}: {message}");
    }
    let (_, body) = app.get("/clinic?type=bogus").await;
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("oriental")), "{body}");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_and_400() {
    let app = spawn().await;
    let (status, body) = app.get("/clinic/999999999").await;
    assert_client_error(status, &body, 404, "not_found");
    let (status, body) = app.get("/clinic/abc").await;
    assert_client_error(status, &body, 400, "invalid_path");
    let (status, body) = app.get("/clinic/-1").await;
    assert_client_error(status, &body, 400, "invalid_path");
    let (status, body) = app.get("/clinic/1/extra").await;
    assert_client_error(status, &body, 404, "not_found");

    let page = app.ok("/clinic?q=별빛내과의원").await;
    let id = page["items"][0]["id"].as_u64().expect("id");
    let detail = app.ok(&format!("/clinic/{id}")).await;
    assert_eq!(detail["name"], "별빛내과의원 (샘플)");
    assert_eq!(detail["sample"], true);
    assert_eq!(detail["hours_verified"], false);
    assert_eq!(detail["hours"]["mon"], json!([["09:00", "13:00"], ["14:00", "18:00"]]));
    assert_eq!(detail["hours"]["sun"], json!([]));
    assert!(detail.get("distance_km").is_none());
}

// ---------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------

#[tokio::test]
async fn searches_are_cached_and_open_now_never_goes_stale() {
    let app = spawn().await;
    let ctx = app.stores.ctx("clinic");
    let first = app.ok("/clinic?q=24시").await;
    assert_eq!(first["total"], 4);

    let mut conn = ctx.redis.conn().await.expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:cache:clinic:*", app.stores.redis_prefix))
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert!(!keys.is_empty(), "the search was cached under the deployment prefix");

    // A change in the database is hidden by the cache until the namespace is bumped.
    sqlx::query("UPDATE clinics SET name = CONCAT(name, ' 변경') WHERE slug = 'sample-seoul-gangseo-04'")
        .execute(&ctx.db.global)
        .await
        .expect("update");
    let cached = app.ok("/clinic?q=24시").await;
    assert_eq!(cached, first, "served from the cache");
    app.bump().await;
    let fresh = app.ok("/clinic?q=24시").await;
    assert!(fresh["items"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["name"].as_str().is_some_and(|n| n.ends_with("변경"))));

    // open_now results are keyed by the minute: the same query a minute later is evaluated again.
    let at = |t: &str| format!("open_now=true&at=2026-11-24T{t}:00%2B09:00");
    let before = slugs(&app.all(&at("22:59")).await);
    let after = slugs(&app.all(&at("23:00")).await);
    assert!(before.len() > after.len(), "{before:?} vs {after:?}");
    assert_eq!(slugs(&app.all(&at("22:59")).await), before, "a cached minute stays right");
}

#[tokio::test]
async fn search_keeps_working_when_redis_is_unreachable() {
    let app = spawn_with(TestStores::with_env(1, &[("MEDI_REDIS_URL", "redis://127.0.0.1:1")]).await).await;
    let page = app.ok("/clinic?q=서울대학교병원").await;
    assert_eq!(page["items"][0]["slug"], "snuh", "the cache degrades to the database");
    let (status, ready) = app.get("/health/ready").await;
    assert_eq!(status, 503);
    assert_eq!(ready["checks"]["redis"]["status"], "down");
}

#[tokio::test]
async fn openapi_documents_the_service() {
    let app = spawn().await;
    let doc = app.ok("/openapi.json").await;
    for path in ["/clinic", "/clinic/{id}", "/health/ready"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let params: Vec<&str> = doc["paths"]["/clinic"]["get"]["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in ["q", "department", "region", "type", "open_now", "lat", "lon", "radius_km", "page", "size", "at"] {
        assert!(params.contains(&name), "{name} documented: {params:?}");
    }
    for schema in ["Clinic", "SearchPage", "WeekHours", "ErrorBody"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

// ---------------------------------------------------------------------------
// Loaders
// ---------------------------------------------------------------------------

async fn count(app: &App, sql: &str) -> i64 {
    let pool = app.stores.ctx("clinic").db.global.clone();
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.expect("count")
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let app = spawn().await;
    let ctx = app.stores.ctx("clinic");
    let counts = || async {
        (
            count(&app, "SELECT COUNT(*) FROM clinics").await,
            count(&app, "SELECT COUNT(*) FROM clinic_departments").await,
            count(&app, "SELECT COUNT(*) FROM clinic_hours").await,
        )
    };
    let before = counts().await;
    let seed = clinic::load::parse_seed(clinic::load::BUNDLED_SEED).expect("seed");
    assert_eq!(clinic::load::load_seed(&ctx.db.global, &seed).await.expect("second seed"), seed.facilities.len());
    assert_eq!(counts().await, before);
    assert_eq!(before.0 as usize, seed.facilities.len());
    let departments: usize = seed.facilities.iter().map(|f| f.departments.len()).sum();
    assert_eq!(before.1 as usize, departments);
}

const SAMPLE_HOSPITALS: &[u8] = include_bytes!("../../../data/samples/hira_hospitals_sample.csv");
const SAMPLE_DEPARTMENTS: &[u8] = include_bytes!("../../../data/samples/hira_departments_sample.csv");

#[tokio::test]
async fn the_national_list_imports_from_cp949_and_reimports_idempotently() {
    let app = spawn().await;
    let pool = app.stores.ctx("clinic").db.global.clone();
    // The samples are CP949, as HIRA ships its downloads.
    for sample in [SAMPLE_HOSPITALS, SAMPLE_DEPARTMENTS] {
        let (_, encoding) = clinic::load::decode_text(sample).expect("decodes");
        assert_eq!(encoding, clinic::load::TextEncoding::EucKr);
    }

    let first = clinic::load::import_hira(&pool, SAMPLE_HOSPITALS, Some(SAMPLE_DEPARTMENTS)).await.expect("import");
    assert_eq!((first.inserted, first.updated), (8, 0), "{first:?}");
    // Header is line 1: the midwife clinic (line 10) and the row without coordinates (line 11).
    assert_eq!(first.skipped.iter().map(|(line, _)| *line).collect::<Vec<_>>(), vec![10, 11], "{first:?}");
    assert!(first.skipped[0].1.contains("조산원"), "{first:?}");
    assert!(first.skipped[1].1.contains("coordinates"), "{first:?}");

    let counts = || async {
        (
            count(&app, "SELECT COUNT(*) FROM clinics").await,
            count(&app, "SELECT COUNT(*) FROM clinic_departments").await,
            count(&app, "SELECT COUNT(*) FROM clinic_hours").await,
        )
    };
    let after_first = counts().await;
    let again = clinic::load::import_hira(&pool, SAMPLE_HOSPITALS, Some(SAMPLE_DEPARTMENTS)).await.expect("re-import");
    assert_eq!((again.inserted, again.updated, again.skipped.len()), (0, 8, 2), "idempotent: {again:?}");
    assert_eq!(counts().await, after_first);

    // The same data as UTF-8 with a BOM is read the same way.
    let (text, _, _) = encoding_rs::EUC_KR.decode(SAMPLE_HOSPITALS);
    let utf8 = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let from_utf8 = clinic::load::import_hira(&pool, &utf8, Some(SAMPLE_DEPARTMENTS)).await.expect("utf-8");
    assert_eq!((from_utf8.inserted, from_utf8.updated), (0, 8), "{from_utf8:?}");
    assert_eq!(counts().await, after_first);

    // Without a departments file, departments and emergency rooms are kept.
    let no_departments = clinic::load::import_hira(&pool, SAMPLE_HOSPITALS, None).await.expect("no departments");
    assert_eq!(no_departments.updated, 8);
    assert_eq!(counts().await, after_first);
    app.bump().await;

    let general = app.ok("/clinic?q=햇살종합병원&at=2026-11-24T10:00:00%2B09:00").await;
    let h = &general["items"][0];
    assert_eq!(h["name"], "햇살종합병원 (샘플)", "{general}");
    assert_eq!(h["type"], "general");
    assert_eq!(h["sido"], "전라남도", "HIRA's 전남 is stored as the full name");
    assert_eq!(h["sigungu"], "순천시");
    assert_eq!(h["emergency_room"], true, "응급의학과 (24) is listed");
    assert_eq!(h["sample"], true);
    assert_eq!(h["hours_verified"], false);
    assert_eq!(
        h["departments"],
        json!([
            "internal_medicine",
            "general_surgery",
            "obstetrics_gynecology",
            "pediatrics",
            "ophthalmology",
            "emergency_medicine"
        ]),
        "unknown codes (병리과 26) ignored"
    );
    assert!(h["open_now"].is_null(), "no hours: unknown, not closed");
    assert_eq!(h["hours"]["mon"], json!([]));
    assert!(h["slug"].as_str().is_some_and(|s| s.starts_with("hira-") && s.len() == 21));
    assert!((h["lat"].as_f64().unwrap_or(0.0) - 34.9534).abs() < 1e-9);
    assert!((h["lon"].as_f64().unwrap_or(0.0) - 127.5197).abs() < 1e-9);
    assert_eq!(h["website"], "http://example.com/sample-0006");

    // Imported rows are found by region (short name → full name), department and distance,
    // and never by open_now.
    let jeonnam = slugs(&app.all("region=전남&type=general").await);
    assert!(jeonnam.contains(h["slug"].as_str().unwrap_or_default()), "{jeonnam:?}");
    let dental = app.all("q=새봄치과의원").await;
    assert_eq!(dental[0]["departments"], json!(["dentistry"]), "dental codes 49-61 → dentistry, once");
    assert_eq!(dental[0]["emergency_room"], false);
    let near = app.ok("/clinic?lat=34.9534&lon=127.5197&radius_km=1").await;
    assert_eq!(near["items"][0]["name"], "햇살종합병원 (샘플)");
    let open = app.all("open_now=true&q=햇살종합병원&at=2026-11-24T10:00:00%2B09:00").await;
    assert!(open.is_empty(), "unknown hours are not 'open'");
    let types: BTreeSet<String> = app
        .all("q=(샘플)&region=강원")
        .await
        .iter()
        .filter(|i| i["slug"].as_str().is_some_and(|s| s.starts_with("hira-")))
        .map(|i| i["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(types, ["clinic".to_string()].into(), "보건지소 is a clinic");
}

#[tokio::test]
async fn bad_rows_are_reported_and_bad_files_refused() {
    let app = spawn().await;
    let pool = app.stores.ctx("clinic").db.global.clone();
    let header = "암호화요양기호,요양기관명,종별코드,종별코드명,시도코드명,시군구코드명,주소,전화번호,병원홈페이지,좌표(X),좌표(Y)";
    let csv = format!(
        "{header}\n\
         T-1,정상의원,31,의원,서울,중구,서울특별시 중구 세종대로 1,,,126.9779,37.5663\n\
         T-2,,31,의원,서울,중구,서울특별시 중구 세종대로 2,,,126.9779,37.5663\n\
         T-3,약국이름,81,약국,서울,중구,서울특별시 중구 세종대로 3,,,126.9779,37.5663\n\
         T-4,좌표이상의원,31,의원,서울,중구,서울특별시 중구 세종대로 4,,,abc,37.5663\n\
         T-5,위도이상의원,31,의원,서울,중구,서울특별시 중구 세종대로 5,,,126.9,137.5\n\
         T-1,중복의원,31,의원,서울,중구,서울특별시 중구 세종대로 6,,,126.9779,37.5663\n\
         ,코드없는의원,31,의원,서울,중구,서울특별시 중구 세종대로 7,,,126.9779,37.5663\n\
         T-8,짧은행\n\
         T-9,코드로만종별,31,,서울,중구,서울특별시 중구 세종대로 9,,,126.9779,37.5663\n"
    );
    let report = clinic::load::import_hira(&pool, csv.as_bytes(), None).await.expect("import");
    assert_eq!(report.inserted, 2, "{report:?}");
    let lines: Vec<usize> = report.skipped.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8, 9], "{report:?}");
    let reasons: Vec<&str> = report.skipped.iter().map(|(_, r)| r.as_str()).collect();
    assert!(reasons[0].contains("name"), "{reasons:?}");
    assert!(reasons[1].contains("약국"), "{reasons:?}");
    assert!(reasons[2].contains("좌표(X)"), "{reasons:?}");
    assert!(reasons[3].contains("좌표(Y)"), "{reasons:?}");
    assert!(reasons[4].contains("line 2"), "duplicate code names the first line: {reasons:?}");
    assert!(reasons[5].contains("암호화요양기호"), "{reasons:?}");

    let missing_column = "암호화요양기호,요양기관명\nT-1,이름\n";
    let err = clinic::load::import_hira(&pool, missing_column.as_bytes(), None).await.expect_err("no columns");
    assert!(err.to_string().contains("좌표(X)"), "{err}");
    let err = clinic::load::import_hira(&pool, b"\xff\xfe\xff\xff", None).await.expect_err("binary");
    assert!(err.to_string().contains("UTF-8"), "{err}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM clinics WHERE source_id LIKE 'T-%'").await, 2);
}
