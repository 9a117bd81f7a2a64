//! Throttling, a shard outage, and signups interrupted by a crash (the real
//! binary, aborted at a failpoint) finished by `reconcile`.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use kit::testing::TestStores;
use serde_json::json;

#[tokio::test]
async fn repeated_failures_are_throttled_per_account() {
    let app = spawn().await;
    app.signup("han@example.com").await;
    for i in 0..5 {
        let (status, body) = app.login("han@example.com", "wrong password!").await;
        assert_eq!(status, 401, "attempt {i}: {body}");
    }
    let r = app
        .http
        .post(app.url("/account/login"))
        .json(&json!({"email": "han@example.com", "password": "wrong password!"}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 =
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((1..=900).contains(&retry), "{retry}");
    // Even the right password waits.
    assert_eq!(app.login("han@example.com", PASSWORD).await.0, 429);
    // Another account is not affected.
    app.signup("yoon@example.com").await;
    assert_eq!(app.login("yoon@example.com", PASSWORD).await.0, 200);
}

#[tokio::test]
async fn a_successful_login_clears_the_account_counter() {
    let app = spawn().await;
    app.signup("seo@example.com").await;
    for _ in 0..4 {
        assert_eq!(app.login("seo@example.com", "wrong password!").await.0, 401);
    }
    assert_eq!(app.login("seo@example.com", PASSWORD).await.0, 200);
    for _ in 0..4 {
        assert_eq!(app.login("seo@example.com", "wrong password!").await.0, 401);
    }
    assert_eq!(app.login("seo@example.com", PASSWORD).await.0, 200);
}

#[tokio::test]
async fn one_address_is_throttled_across_accounts() {
    let app = spawn().await;
    app.signup("jang@example.com").await;
    let from = |addr: &str, email: &str, password: &str| {
        app.http
            .post(app.url("/account/login"))
            .header("x-forwarded-for", format!("{addr}, 10.0.0.1"))
            .json(&json!({"email": email, "password": password}))
    };
    for i in 0..20 {
        let (status, _) = send(from("203.0.113.7", &format!("user{i}@example.com"), "wrong password!")).await;
        assert_eq!(status, 401);
    }
    let (status, body) = send(from("203.0.113.7", "jang@example.com", PASSWORD)).await;
    assert_eq!(status, 429, "{body}");
    let (status, _) = send(from("198.51.100.2", "jang@example.com", PASSWORD)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn logins_work_when_redis_is_down() {
    let stores = TestStores::with_env(2, &[]).await;
    let mut config = stores.config.clone();
    config.redis_url = "redis://127.0.0.1:1".into();
    let ctx = kit::Ctx::new("chatbot", config).expect("ctx");
    let key = kit::auth::KeyPair::generate("k1");
    let server = instance(ctx, &key).await;
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(server.url("/account/signup"))
            .json(&json!({"email": "oh@example.com", "password": PASSWORD, "display_name": "Oh"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let login = |password: &str| {
        http.post(server.url("/account/login")).json(&json!({"email": "oh@example.com", "password": password}))
    };
    assert_eq!(send(login("wrong password!")).await.0, 401);
    assert_eq!(send(login(PASSWORD)).await.0, 200);
}

#[tokio::test]
async fn a_shard_outage_only_affects_its_users() {
    let app = spawn().await;
    let zero = app.signup("zero@example.com").await;
    let one = app.signup("one@example.com").await;
    let one_id = str_of(&one["user"], "id").to_string();
    assert_eq!(app.ctx.db.shard_of_user(&one_id).await.expect("dir"), Some(1));

    let mut config = app.stores.config.clone();
    config.shard_database_urls[1] = "mysql://root@127.0.0.1:1/x".into();
    config.db.acquire_timeout = Duration::from_millis(500);
    let ctx = kit::Ctx::new("chatbot", config).expect("ctx");
    let server = instance(ctx, &app.key).await;
    let http = reqwest::Client::new();

    let (status, me) = send(http.get(server.url("/account/me")).bearer_auth(str_of(&zero, "access_token"))).await;
    assert_eq!(status, 200, "{me}");
    let login =
        |email: &str| http.post(server.url("/account/login")).json(&json!({"email": email, "password": PASSWORD}));
    assert_eq!(send(login("zero@example.com")).await.0, 200);

    let (status, body) = send(http.get(server.url("/account/me")).bearer_auth(str_of(&one, "access_token"))).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["message"], "your account data is temporarily unavailable");
    let (status, body) = send(login("one@example.com")).await;
    assert_eq!(status, 503, "{body}");
    let (status, _) =
        send(http.post(server.url("/account/token/refresh")).json(&json!({"refresh_token": one["refresh_token"]})))
            .await;
    assert_eq!(status, 503);

    // A signup that lands on the broken shard fails cleanly and frees the email.
    app.signup("zero2@example.com").await;
    let (status, body) = send(
        http.post(server.url("/account/signup"))
            .json(&json!({"email": "late@example.com", "password": PASSWORD, "display_name": "Late"})),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    let left: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE email = 'late@example.com'")
        .fetch_one(&app.ctx.db.global)
        .await
        .expect("count");
    assert_eq!(left.0, 0);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// Runs the real binary with a failpoint, sends one signup, and waits for
/// the process to abort.
async fn crash_during_signup(app: &App, failpoint: &str, email: &str) {
    let c = &app.stores.config;
    let port = free_port();
    let keys = format!("{}:{}", app.key.kid, app.key.seed_b64());
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatbot"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MEDI_ENV", "test")
        .env("MEDI_GLOBAL_DATABASE_URL", &c.global_database_url)
        .env("MEDI_SHARD_DATABASE_URLS", c.shard_database_urls.join(","))
        .env("MEDI_REDIS_URL", &c.redis_url)
        .env("MEDI_REDIS_PREFIX", &c.redis_prefix)
        .env("MEDI_CHATBOT_PORT", port.to_string())
        .env("MEDI_JWT_SIGNING_KEYS", keys)
        .env("MEDI_OAUTH_CLIENTS", format!("clinic:{}:drug:read", chatbot::settings::sha256_hex("s")))
        .env("MEDI_FAILPOINT", failpoint)
        .env("MEDI_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chatbot");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http.get(format!("{base}/health/live")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !up {
        let _ = child.kill();
        panic!("chatbot did not start");
    }
    let answer = http
        .post(format!("{base}/account/signup"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": "Crash"}))
        .send()
        .await;
    assert!(answer.is_err(), "the signup should not have been answered: {answer:?}");
    let mut status = None;
    for _ in 0..100 {
        if let Ok(Some(s)) = child.try_wait() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("chatbot did not abort");
    };
    assert!(!status.success(), "{status:?}");
}

async fn directory_status(app: &App, email: &str) -> Option<String> {
    let row: Option<(String,)> = sqlx::query_as("SELECT CAST(status AS CHAR) FROM users WHERE email = ?")
        .bind(email)
        .fetch_optional(&app.ctx.db.global)
        .await
        .expect("query");
    row.map(|(s,)| s)
}

#[tokio::test]
async fn a_crash_after_the_directory_row_is_undone_by_reconcile() {
    let app = spawn().await;
    crash_during_signup(&app, "signup_after_directory", "crash1@example.com").await;
    assert_eq!(directory_status(&app, "crash1@example.com").await.as_deref(), Some("pending"));
    // The email is blocked until reconciled; logins fail.
    assert_eq!(app.login("crash1@example.com", PASSWORD).await.0, 401);
    // Too young to touch.
    let report = chatbot::reconcile(&app.ctx, Duration::from_secs(3600)).await.expect("reconcile");
    assert_eq!(report, chatbot::ReconcileReport::default());

    let report = chatbot::reconcile(&app.ctx, Duration::ZERO).await.expect("reconcile");
    assert_eq!(report.removed, 1, "{report:?}");
    assert_eq!(directory_status(&app, "crash1@example.com").await, None);
    let again = chatbot::reconcile(&app.ctx, Duration::ZERO).await.expect("reconcile");
    assert_eq!(again, chatbot::ReconcileReport::default());
    app.signup("crash1@example.com").await;
}

#[tokio::test]
async fn a_crash_after_the_shard_row_is_completed_by_reconcile() {
    let app = spawn().await;
    crash_during_signup(&app, "signup_after_shard", "crash2@example.com").await;
    assert_eq!(directory_status(&app, "crash2@example.com").await.as_deref(), Some("pending"));
    let report = chatbot::reconcile(&app.ctx, Duration::ZERO).await.expect("reconcile");
    assert_eq!(report.activated, 1, "{report:?}");
    assert_eq!(directory_status(&app, "crash2@example.com").await.as_deref(), Some("active"));
    let (status, body) = app.login("crash2@example.com", PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let again = chatbot::reconcile(&app.ctx, Duration::ZERO).await.expect("reconcile");
    assert_eq!(again, chatbot::ReconcileReport::default());
}

#[tokio::test]
async fn reconcile_finishes_an_interrupted_deletion() {
    let app = spawn().await;
    let signed = app.signup("half@example.com").await;
    let id = str_of(&signed["user"], "id").to_string();
    sqlx::query("UPDATE users SET status = 'deleting' WHERE id = ?")
        .bind(&id)
        .execute(&app.ctx.db.global)
        .await
        .expect("mark");
    let report = chatbot::reconcile(&app.ctx, Duration::ZERO).await.expect("reconcile");
    assert_eq!(report.deleted, 1, "{report:?}");
    assert_eq!(app.count_global("SELECT COUNT(*) FROM users WHERE id = ?", &id).await, 0);
    assert_eq!(app.count_shard(0, "SELECT COUNT(*) FROM accounts WHERE user_id = ?", &id).await, 0);
    assert_eq!(app.count_shard(0, "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ?", &id).await, 0);
}
