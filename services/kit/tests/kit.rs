//! The kit against real MariaDB/MySQL and Redis: health, errors, request
//! ids, metrics, the shard router, the cache, the client and shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use kit::extract::{Json, Query};
use kit::testing::{TestServer, TestStores};
use kit::{Ctx, Error, ServiceSpec};
use serde::Deserialize;
use serde_json::Value;

const SPEC: ServiceSpec = ServiceSpec { name: "kit-test", openapi: empty_doc };

fn empty_doc() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}

#[derive(Deserialize)]
struct EchoQuery {
    n: i64,
}

#[derive(Deserialize, serde::Serialize)]
struct EchoBody {
    name: String,
}

fn test_routes() -> Router {
    Router::new()
        .route("/echo", get(|Query(q): Query<EchoQuery>| async move { axum::Json(serde_json::json!({ "n": q.n })) }))
        .route("/echo", post(|Json(b): Json<EchoBody>| async move { Json(b) }))
        .route("/boom", get(|| async { Err::<(), _>(Error::Internal(anyhow::anyhow!("secret detail"))) }))
        .route(
            "/panic",
            get(|| async {
                let v: Vec<u8> = Vec::new();
                #[allow(clippy::indexing_slicing)]
                let _ = v[3];
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(700)).await;
                "done"
            }),
        )
        .route("/request-id", get(|| async { kit::request_id::current() }))
}

async fn spawn(stores: &TestStores) -> TestServer {
    let ctx = stores.ctx("kit-test");
    TestServer::spawn(kit::app(&SPEC, ctx, test_routes())).await
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn json(r: reqwest::Response) -> Value {
    r.json().await.expect("json body")
}

#[tokio::test]
async fn ready_reports_every_store_up() {
    let stores = TestStores::new().await;
    let server = spawn(&stores).await;
    let r = client().get(server.url("/health/ready")).send().await.expect("request");
    assert_eq!(r.status(), 200);
    let body = json(r).await;
    assert_eq!(body["status"], "ready");
    for store in ["global_db", "shard_0", "shard_1", "redis"] {
        assert_eq!(body["checks"][store]["status"], "up", "{store}: {body}");
    }
    let live = client().get(server.url("/health/live")).send().await.expect("request");
    assert_eq!(live.status(), 200);
}

#[tokio::test]
async fn ready_is_503_and_names_redis_when_redis_is_unreachable() {
    // Port 1 on loopback: nothing listens there.
    let stores = TestStores::with_env(2, &[("MEDI_REDIS_URL", "redis://127.0.0.1:1")]).await;
    let server = spawn(&stores).await;
    let r = client().get(server.url("/health/ready")).send().await.expect("request");
    assert_eq!(r.status(), 503);
    let body = json(r).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["redis"]["status"], "down", "{body}");
    assert!(body["checks"]["redis"]["error"].is_string());
    assert_eq!(body["checks"]["global_db"]["status"], "up");
    assert_eq!(body["checks"]["shard_1"]["status"], "up");
}

#[tokio::test]
async fn ready_names_a_shard_that_is_down() {
    let stores = TestStores::new().await;
    let mut config = stores.config.clone();
    // Shard 1 points at a server that does not exist.
    config.shard_database_urls[1] = "mysql://root@127.0.0.1:1/nowhere".to_string();
    let ctx = Ctx::new("kit-test", config).expect("ctx");
    let (status, body) = kit::health::check_all(&ctx).await;
    assert_eq!(status, 503);
    assert_eq!(body.checks["shard_1"].status, "down");
    assert_eq!(body.checks["shard_0"].status, "up");
    assert_eq!(body.checks["redis"].status, "up");
}

#[tokio::test]
async fn reordered_shards_are_refused() {
    let stores = TestStores::new().await;
    let mut config = stores.config.clone();
    config.shard_database_urls.swap(0, 1);
    let ctx = Ctx::new("kit-test", config).expect("ctx");
    let err = ctx.db.migrate().await.expect_err("swapped shards must be refused");
    assert!(err.to_string().contains("must keep its order"), "{err}");
    let (status, body) = kit::health::check_all(&ctx).await;
    assert_eq!(status, 503);
    assert_eq!(body.checks["shard_0"].status, "down");
}

#[tokio::test]
async fn every_error_is_json_with_the_request_id() {
    let stores = TestStores::new().await;
    let server = spawn(&stores).await;
    let c = client();
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (c.get(server.url("/nope")), 404, "not_found"),
        (c.delete(server.url("/echo")), 405, "method_not_allowed"),
        (c.get(server.url("/echo?n=abc")), 400, "invalid_query"),
        (c.get(server.url("/echo")), 400, "invalid_query"),
        (c.post(server.url("/echo")).header("content-type", "application/json").body("{bad"), 400, "invalid_json"),
        (c.post(server.url("/echo")).json(&serde_json::json!({"name": 5})), 400, "invalid_body"),
        (c.post(server.url("/echo")).body("name=x"), 415, "unsupported_media_type"),
        (
            c.post(server.url("/echo")).header("content-type", "application/json").body(vec![b' '; 2 * 1024 * 1024]),
            413,
            "payload_too_large",
        ),
        (c.get(server.url("/boom")), 500, "internal"),
        (c.get(server.url("/panic")), 500, "internal"),
    ];
    for (i, (req, status, code)) in cases.into_iter().enumerate() {
        let id = format!("case-{i}");
        let r = req.header("x-request-id", &id).send().await.expect("request");
        assert_eq!(r.status().as_u16(), status, "case {i}");
        assert_eq!(r.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some(id.as_str()));
        let body = json(r).await;
        assert_eq!(body["error"]["code"], code, "case {i}: {body}");
        assert_eq!(body["error"]["request_id"], id.as_str(), "case {i}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(!body.to_string().contains("secret detail"), "5xx must hide internals");
    }
}

#[tokio::test]
async fn slow_requests_time_out_with_a_json_503() {
    let stores = TestStores::with_env(1, &[("MEDI_REQUEST_TIMEOUT_MS", "200")]).await;
    let server = spawn(&stores).await;
    let r = client().get(server.url("/slow")).send().await.expect("request");
    assert_eq!(r.status(), 503);
    let body = json(r).await;
    assert_eq!(body["error"]["code"], "unavailable");
}

#[tokio::test]
async fn request_ids_are_made_when_missing_or_unsafe() {
    let stores = TestStores::new().await;
    let server = spawn(&stores).await;
    let r = client().get(server.url("/request-id")).send().await.expect("request");
    let header = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = r.text().await.expect("text");
    assert_eq!(header.as_deref(), Some(body.as_str()), "handler sees the id the response carries");
    assert_eq!(body.len(), 36, "a uuid: {body}");

    let r = client().get(server.url("/request-id")).header("x-request-id", "bad id with spaces").send().await;
    let body = r.expect("request").text().await.expect("text");
    assert_ne!(body, "bad id with spaces");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let stores = TestStores::new().await;
    let server = spawn(&stores).await;
    kit::metrics::record_build_info("kit-test");
    for n in 0..3 {
        client().get(server.url(&format!("/echo?n={n}"))).send().await.expect("request");
    }
    client().get(server.url("/no/such/path/123")).send().await.expect("request");
    let text = client().get(server.url("/metrics")).send().await.expect("request").text().await.expect("text");
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains("service=\"kit-test\"")
                && l.contains("route=\"/echo\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no counter for /echo in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().and_then(|v| v.parse().ok()).expect("value");
    assert!(count >= 3.0, "{line}");
    assert!(text.contains("route=\"unmatched\""), "unknown paths are grouped, not labelled by raw path");
    assert!(!text.contains("/no/such/path/123"));
    assert!(text.contains("http_request_duration_seconds_bucket{"), "explicit buckets make a histogram");
    assert!(text.contains("build_info{") && text.contains("service=\"kit-test\""));
    // Each scrape checks the stores and records the pools.
    for store in ["global_db", "shard_0", "shard_1", "redis"] {
        assert!(
            text.lines().any(|l| l.starts_with("store_up{")
                && l.contains(&format!("store=\"{store}\""))
                && l.contains("service=\"kit-test\"")
                && l.ends_with(" 1")),
            "store_up for {store} in:\n{text}"
        );
    }
    assert!(text.contains("db_pool_connections{") && text.contains("database=\"shard_1\""));
    assert!(text.contains("db_pool_max_connections{"));
    assert!(text.contains("db_pool_acquire_seconds{") && text.contains("database=\"global\""));
}

#[tokio::test]
async fn shard_router_fills_shards_evenly_and_routes_users() {
    let stores = TestStores::with_shards(3).await;
    let ctx = stores.ctx("kit-test");
    for i in 0..7 {
        let shard = ctx.db.least_filled_shard().await.expect("pick");
        sqlx::query("INSERT INTO users (id, email, shard_id, status) VALUES (?, ?, ?, 'active')")
            .bind(format!("user-{i}"))
            .bind(format!("u{i}@example.com"))
            .bind(shard)
            .execute(&ctx.db.global)
            .await
            .expect("insert");
    }
    let counts: Vec<(u16, i64)> =
        sqlx::query_as("SELECT shard_id, COUNT(*) FROM users GROUP BY shard_id ORDER BY shard_id")
            .fetch_all(&ctx.db.global)
            .await
            .expect("counts");
    assert_eq!(counts, vec![(0, 3), (1, 2), (2, 2)]);
    assert_eq!(ctx.db.shard_of_user("user-0").await.expect("lookup"), Some(0));
    assert_eq!(ctx.db.shard_of_user("user-1").await.expect("lookup"), Some(1));
    assert_eq!(ctx.db.shard_of_user("nobody").await.expect("lookup"), None);
    assert!(ctx.db.shard(2).is_ok());
    assert!(ctx.db.shard(3).is_err());
}

#[tokio::test]
async fn cache_reads_through_and_bump_invalidates() {
    let metrics = kit::metrics::handle();
    let stores = TestStores::new().await;
    let ctx = stores.ctx("kit-test");
    let cache = ctx.cache();
    let loads = AtomicUsize::new(0);
    let load = |v: i32| {
        loads.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, Error>(v) }
    };
    assert_eq!(cache.get_or_load("t", "k", || load(1)).await.expect("load"), 1);
    assert_eq!(cache.get_or_load("t", "k", || load(2)).await.expect("hit"), 1, "second read is a hit");
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    cache.bump("t").await.expect("bump");
    assert_eq!(cache.get_or_load("t", "k", || load(3)).await.expect("reload"), 3, "bump invalidates");

    // Keys live under the test's prefix only.
    let mut conn = ctx.redis.conn().await.expect("conn");
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{}:*", stores.redis_prefix)).query_async(&mut conn).await.expect("keys");
    assert!(keys.iter().all(|k| k.starts_with(&stores.redis_prefix)));
    assert!(!keys.is_empty());

    // Every command went through the metered connection, labelled by command.
    let text = metrics.render();
    for op in ["get", "setex", "incrby", "keys"] {
        let timed = text.lines().any(|l| {
            l.starts_with("redis_command_duration_seconds_count{")
                && l.contains("service=\"kit-test\"")
                && l.contains(&format!("op=\"{op}\""))
        });
        assert!(timed, "{op} not timed in:\n{text}");
    }
}

#[tokio::test]
async fn cache_degrades_to_loading_when_redis_is_down() {
    let stores = TestStores::with_env(1, &[("MEDI_REDIS_URL", "redis://127.0.0.1:1")]).await;
    let metrics = kit::metrics::handle();
    let ctx = stores.ctx("kit-test");
    let v = ctx.cache().get_or_load("t", "k", || async { Ok::<_, Error>(42) }).await.expect("degrades, not fails");
    assert_eq!(v, 42);
    // The failure is counted: no connection could be made.
    let text = metrics.render();
    let counted = text.lines().any(|l| {
        l.starts_with("redis_errors_total{")
            && l.contains("service=\"kit-test\"")
            && l.contains("op=\"connect\"")
            && l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()).is_some_and(|v| v >= 1.0)
    });
    assert!(counted, "no redis_errors_total{{op=\"connect\"}} >= 1 in:\n{text}");
}

#[tokio::test]
async fn client_retries_idempotent_calls_and_propagates_the_request_id() {
    let stores = TestStores::new().await;
    let hits = Arc::new(AtomicUsize::new(0));
    let posts = Arc::new(AtomicUsize::new(0));
    let seen_ids = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let upstream = {
        let hits = hits.clone();
        let posts = posts.clone();
        let seen_ids = seen_ids.clone();
        Router::new().route(
            "/flaky",
            get(move |headers: axum::http::HeaderMap| {
                let n = hits.fetch_add(1, Ordering::SeqCst);
                if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
                    seen_ids.lock().expect("lock").push(id.to_string());
                }
                async move {
                    if n < 2 {
                        Err(axum::http::StatusCode::SERVICE_UNAVAILABLE)
                    } else {
                        Ok(axum::Json(serde_json::json!({"ok": true})))
                    }
                }
            })
            .post(move || {
                posts.fetch_add(1, Ordering::SeqCst);
                async { axum::http::StatusCode::SERVICE_UNAVAILABLE }
            }),
        )
    };
    let server = TestServer::spawn(upstream).await;
    let client =
        kit::ServiceClient::with_base_url(&stores.config, "kit-test", "upstream", &server.base_url).expect("client");

    let got: Value = kit::request_id::scope("trace-me".into(), client.get_json("/flaky")).await.expect("retried");
    assert_eq!(got["ok"], true);
    assert_eq!(hits.load(Ordering::SeqCst), 3, "two failures, then success (MEDI_HTTP_CLIENT_RETRIES=2)");
    assert!(seen_ids.lock().expect("lock").iter().all(|id| id == "trace-me"));

    let err = client.post_json::<_, Value>("/flaky", &serde_json::json!({})).await.expect_err("503");
    assert!(matches!(err, Error::Upstream { .. }), "{err:?}");
    assert_eq!(posts.load(Ordering::SeqCst), 1, "a state-changing POST is never retried");

    let unreachable =
        kit::ServiceClient::with_base_url(&stores.config, "kit-test", "gone", "http://127.0.0.1:1").expect("client");
    let err = unreachable.get_json::<Value>("/x").await.expect_err("nothing listens on port 1");
    assert!(matches!(err, Error::Upstream { .. }), "{err:?}");
}

#[tokio::test]
async fn shutdown_drains_in_flight_requests() {
    let stores = TestStores::new().await;
    let ctx = stores.ctx("kit-test");
    let app = kit::app(&SPEC, ctx, test_routes());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kit::serve(listener, app, Duration::from_secs(5), async move {
        let _ = stop_rx.await;
    }));
    let in_flight = tokio::spawn(async move { client().get(format!("http://{addr}/slow")).send().await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop_tx.send(()).expect("signal");
    let response = in_flight.await.expect("join").expect("in-flight request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("text"), "done");
    server.await.expect("join").expect("server stops cleanly");
    assert!(client().get(format!("http://{addr}/health/live")).send().await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn verifier_fetches_jwks_and_follows_key_rotation() {
    use kit::auth::{now_secs, Claims, Jwks, KeyPair, TokenType, Verifier, USER_AUDIENCE};
    let old = KeyPair::generate("old");
    let new = KeyPair::generate("new");
    // The JWKS endpoint first publishes only the old key, then both.
    let published = Arc::new(std::sync::Mutex::new(Jwks { keys: vec![old.jwk()] }));
    let fetches = Arc::new(AtomicUsize::new(0));
    let jwks_app = {
        let published = published.clone();
        let fetches = fetches.clone();
        Router::new().route(
            "/jwks.json",
            get(move || {
                fetches.fetch_add(1, Ordering::SeqCst);
                let body = serde_json::to_value(&*published.lock().expect("lock")).unwrap_or_default();
                async move { axum::Json(body) }
            }),
        )
    };
    let server = TestServer::spawn(jwks_app).await;
    let verifier = Verifier::new("drug", "medi", &server.url("/jwks.json"));
    let token = |key: &KeyPair, sub: &str| {
        key.sign(&Claims {
            iss: "medi".into(),
            sub: sub.into(),
            aud: USER_AUDIENCE.into(),
            exp: now_secs() + 60,
            iat: now_secs(),
            jti: sub.into(),
            typ: TokenType::User,
            scope: String::new(),
            shard: Some(0),
        })
    };
    let before = token(&old, "signed-before-rotation");
    assert_eq!(verifier.verify(&before).await.expect("old key").sub, "signed-before-rotation");
    assert_eq!(verifier.verify(&before).await.expect("cached").sub, "signed-before-rotation");
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "keys are cached");

    // Rotation: the new key signs, both are published; old tokens stay valid.
    *published.lock().expect("lock") = Jwks { keys: vec![new.jwk(), old.jwk()] };
    tokio::time::sleep(Duration::from_millis(5100)).await; // past the refetch interval
    let after = token(&new, "signed-after-rotation");
    assert_eq!(verifier.verify(&after).await.expect("unknown kid triggers a refetch").sub, "signed-after-rotation");
    assert_eq!(verifier.verify(&before).await.expect("still valid").sub, "signed-before-rotation");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);

    // A token from a key nobody published is refused, and refetches are rate-limited.
    let stranger = KeyPair::generate("stranger");
    for _ in 0..5 {
        assert!(matches!(verifier.verify(&token(&stranger, "x")).await, Err(Error::Unauthorized(_))));
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "at most one refetch per interval");
}
