//! Signup, login, refresh rotation, logout, the profile and deletion against
//! real MariaDB (two shards) and Redis.

mod common;

use common::*;
use kit::auth::{now_secs, Claims, KeyPair, TokenType, USER_AUDIENCE};
use serde_json::json;

#[tokio::test]
async fn signup_login_refresh_rotation_and_logout() {
    let app = spawn().await;
    let signed = app.signup("  Minsu@Example.com ").await;
    assert_eq!(signed["user"]["email"], "minsu@example.com");
    assert_eq!(signed["token_type"], "Bearer");
    assert_eq!(signed["expires_in"], 900);
    let user_id = str_of(&signed["user"], "id").to_string();
    assert!(str_of(&signed, "refresh_token").starts_with(&format!("{user_id}.")));

    let (status, me) = app.get_auth("/account/me", str_of(&signed, "access_token")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], user_id.as_str());
    assert_eq!(me["health"]["allergies"], json!([]));

    // Only the hash is stored.
    let stored = app
        .count_shard(0, "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ? AND token_hash NOT LIKE '%.%'", &user_id)
        .await;
    assert_eq!(stored, 1);

    let (status, logged) = app.login("MINSU@example.com", PASSWORD).await;
    assert_eq!(status, 200, "{logged}");
    let first = str_of(&logged, "refresh_token").to_string();

    let (status, rotated) = app.post("/account/token/refresh", &json!({"refresh_token": first})).await;
    assert_eq!(status, 200, "{rotated}");
    let second = str_of(&rotated, "refresh_token").to_string();
    assert_ne!(first, second);
    assert_eq!(app.get_auth("/account/me", str_of(&rotated, "access_token")).await.0, 200);

    // Reusing the rotated token revokes the family: the new one dies too.
    let (status, body) = app.post("/account/token/refresh", &json!({"refresh_token": first})).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = app.post("/account/token/refresh", &json!({"refresh_token": second})).await;
    assert_eq!(status, 401);
    // The signup's own family is untouched.
    let (status, _) = app.post("/account/token/refresh", &json!({"refresh_token": signed["refresh_token"]})).await;
    assert_eq!(status, 200);

    // Logout revokes its family.
    let (_, again) = app.login("minsu@example.com", PASSWORD).await;
    let token = str_of(&again, "refresh_token").to_string();
    let r = app.http.post(app.url("/account/logout")).json(&json!({"refresh_token": token})).send().await;
    assert_eq!(r.expect("logout").status().as_u16(), 204);
    assert_eq!(app.post("/account/token/refresh", &json!({"refresh_token": token})).await.0, 401);

    // Garbage is a 401, not a 500.
    for bad in ["", "x", "not-a-uuid.abc", &format!("{user_id}.AAAA")] {
        let (status, body) = app.post("/account/token/refresh", &json!({"refresh_token": bad})).await;
        assert_eq!(status, 401, "{bad}: {body}");
    }

    // The JWKS publishes the key.
    let (status, jwks) = send(app.http.get(app.url("/account/.well-known/jwks.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["kid"], "k1");
}

#[tokio::test]
async fn expired_and_foreign_access_tokens_are_refused() {
    let app = spawn().await;
    let signed = app.signup("lee@example.com").await;
    let user_id = str_of(&signed["user"], "id").to_string();
    let claims = |exp: i64| Claims {
        iss: "medi".into(),
        sub: user_id.clone(),
        aud: USER_AUDIENCE.into(),
        exp,
        iat: exp - 900,
        jti: "j".into(),
        typ: TokenType::User,
        scope: "profile:read profile:write".into(),
        shard: Some(0),
    };
    let (status, body) = app.get_auth("/account/me", &app.key.sign(&claims(now_secs() - 120))).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("expired")), "{body}");
    assert_eq!(app.get_auth("/account/me", &app.key.sign(&claims(now_secs() + 60))).await.0, 200);

    // Same kid, another key: a forgery.
    let forger = KeyPair::generate("k1");
    assert_eq!(app.get_auth("/account/me", &forger.sign(&claims(now_secs() + 60))).await.0, 401);
    let (status, _) = send(app.http.get(app.url("/account/me"))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn short_lived_access_tokens_expire() {
    let app = spawn_with(kit::testing::TestStores::new().await, |mut s| {
        s.access_ttl = std::time::Duration::from_secs(1);
        s
    })
    .await;
    let signed = app.signup("park@example.com").await;
    assert_eq!(signed["expires_in"], 1);
    let token = str_of(&signed, "access_token");
    assert_eq!(app.get_auth("/account/me", token).await.0, 200);
    // The verifier allows 30 s of clock skew.
    tokio::time::sleep(std::time::Duration::from_secs(32)).await;
    assert_eq!(app.get_auth("/account/me", token).await.0, 401);
}

#[tokio::test]
async fn signup_rules_and_duplicates() {
    let app = spawn().await;
    let cases = [
        ("kim@example.com", "short", "Kim", "password"),
        ("kim@example.com", "aaaaaaaaaaaaaaa", "Kim", "password"),
        ("kimchi@example.com", "my kimchi is best", "Kim", "password"),
        ("kim@example.com", &"ab".repeat(65), "Kim", "password"),
        ("not-an-email", PASSWORD, "Kim", "email"),
        ("kim@example.com", PASSWORD, "   ", "display_name"),
        ("kim@example.com", PASSWORD, &"가".repeat(51), "display_name"),
    ];
    for (email, password, name, field) in cases {
        let (status, body) =
            app.post("/account/signup", &json!({"email": email, "password": password, "display_name": name})).await;
        assert_eq!(status, 400, "{email} {password}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
        if field == "password" {
            let message = body["error"]["message"].as_str().unwrap_or("");
            assert!(message.contains("10 to 128 characters"), "{message}");
        }
    }
    let (status, _) = app.post("/account/signup", &json!({"email": "kim@example.com"})).await;
    assert_eq!(status, 400);

    app.signup("kim@example.com").await;
    let (status, body) = app
        .post(
            "/account/signup",
            &json!({"email": " KIM@example.com", "password": "another good one", "display_name": "K2"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
}

#[tokio::test]
async fn wrong_credentials_get_one_generic_answer() {
    let app = spawn().await;
    app.signup("choi@example.com").await;
    let (s1, b1) = app.login("choi@example.com", "wrong password!").await;
    let (s2, b2) = app.login("nobody@example.com", "wrong password!").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(b1["error"]["message"], b2["error"]["message"]);
}

#[tokio::test]
async fn users_spread_over_shards_and_only_read_their_own_profile() {
    let app = spawn().await;
    let a = app.signup("a@example.com").await;
    let b = app.signup("b@example.com").await;
    let a_id = str_of(&a["user"], "id").to_string();
    let b_id = str_of(&b["user"], "id").to_string();
    let shard_a = app.ctx.db.shard_of_user(&a_id).await.expect("directory");
    let shard_b = app.ctx.db.shard_of_user(&b_id).await.expect("directory");
    assert_eq!((shard_a, shard_b), (Some(0), Some(1)));
    assert_eq!(app.count_shard(1, "SELECT COUNT(*) FROM accounts WHERE user_id = ?", &a_id).await, 0);
    assert_eq!(app.count_shard(0, "SELECT COUNT(*) FROM accounts WHERE user_id = ?", &b_id).await, 0);

    let a_token = str_of(&a, "access_token");
    let b_token = str_of(&b, "access_token");
    let patch = json!({"display_name": "Alice", "health": {
        "birth_year": 1990, "sex": "female", "pregnant": true,
        "allergies": ["penicillin"], "medications": [12, 34], "chronic_conditions": ["asthma"]}});
    let (status, updated) = send(app.http.patch(app.url("/account/me")).bearer_auth(a_token).json(&patch)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["health"]["medications"], json!([12, 34]));

    let (_, me_a) = app.get_auth("/account/me", a_token).await;
    assert_eq!(me_a["display_name"], "Alice");
    assert_eq!(me_a["health"]["sex"], "female");
    assert_eq!(me_a["health"]["allergies"], json!(["penicillin"]));
    let (_, me_b) = app.get_auth("/account/me", b_token).await;
    assert_eq!(me_b["id"], b_id.as_str());
    assert_eq!(me_b["display_name"], "Kim");
    assert_eq!(me_b["health"]["allergies"], json!([]));

    // A partial patch keeps the rest; null clears.
    let (status, partial) =
        send(app.http.patch(app.url("/account/me")).bearer_auth(a_token).json(&json!({"health": {"pregnant": null}})))
            .await;
    assert_eq!(status, 200, "{partial}");
    assert_eq!(partial["health"]["pregnant"], serde_json::Value::Null);
    assert_eq!(partial["health"]["birth_year"], 1990);

    for bad in [
        json!({"health": {"birth_year": 1800}}),
        json!({"health": {"birth_year": 3000}}),
        json!({"health": {"medications": [0]}}),
        json!({"health": {"medications": [-5]}}),
        json!({"health": {"allergies": vec!["x"; 51]}}),
        json!({"health": {"allergies": ["x".repeat(101)]}}),
        json!({"health": {"sex": "other"}}),
        json!({"display_name": ""}),
        json!({"user_id": b_id}),
    ] {
        let (status, body) = send(app.http.patch(app.url("/account/me")).bearer_auth(a_token).json(&bad)).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (_, me_b) = app.get_auth("/account/me", b_token).await;
    assert_eq!(me_b["display_name"], "Kim");
}

#[tokio::test]
async fn deleting_an_account_leaves_nothing_behind() {
    let app = spawn().await;
    let signed = app.signup("gone@example.com").await;
    let id = str_of(&signed["user"], "id").to_string();
    let token = str_of(&signed, "access_token").to_string();
    app.login("gone@example.com", PASSWORD).await;
    // A failed login (throttle counter) and some per-user keys.
    app.login("gone@example.com", "wrong password!").await;
    let mut redis = app.redis().await;
    let user_key = app.ctx.redis.key(&["user", &id, "chat", "1"]);
    let _: () = redis::cmd("SET").arg(&user_key).arg("x").query_async(&mut redis).await.expect("set");
    let shard = app.ctx.db.shard_of_user(&id).await.expect("dir").expect("known");

    let r = app.http.delete(app.url("/account/me")).bearer_auth(&token).send().await.expect("delete");
    assert_eq!(r.status().as_u16(), 204);

    assert_eq!(app.count_global("SELECT COUNT(*) FROM users WHERE id = ?", &id).await, 0);
    assert_eq!(app.count_shard(shard, "SELECT COUNT(*) FROM accounts WHERE user_id = ?", &id).await, 0);
    assert_eq!(app.count_shard(shard, "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ?", &id).await, 0);
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{}:*", app.ctx.redis.prefix())).query_async(&mut redis).await.expect("keys");
    assert!(keys.iter().all(|k| !k.contains(&id) && !k.contains(":account:")), "{keys:?}");

    assert_eq!(app.get_auth("/account/me", &token).await.0, 401);
    assert_eq!(app.login("gone@example.com", PASSWORD).await.0, 401);
    // The email is free again.
    app.signup("gone@example.com").await;
}
