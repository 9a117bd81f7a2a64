//! The durable archive: turns of signed-in users reach their shard through
//! the Redis stream, once each, even when a consumer dies mid-way; a lost
//! Redis window comes back from the archive.

use std::time::Duration;

use chatbot::archive::{self, ArchivedTurn};
use chatbot::AccountSettings;
use kit::auth::KeyPair;
use kit::testing::{TestServer, TestStores};
use redis::AsyncCommands;
use serde_json::{json, Value};

async fn count(ctx: &kit::Ctx, shard: u16) -> i64 {
    let pool = ctx.db.shard(shard).expect("shard");
    sqlx::query_scalar("SELECT COUNT(*) FROM chat_messages").fetch_one(pool).await.expect("count")
}

fn turn(i: usize, shard: u16) -> ArchivedTurn {
    ArchivedTurn {
        message_id: uuid::Uuid::new_v4().to_string(),
        user_id: format!("user-{}", i % 3),
        shard,
        session_id: uuid::Uuid::new_v4().to_string(),
        role: if i % 2 == 0 { "user".into() } else { "assistant".into() },
        text: format!("turn {i}"),
        created_at: 1_700_000_000_000 + i as i64,
    }
}

#[tokio::test]
async fn a_consumer_killed_mid_way_loses_nothing_and_doubles_nothing() {
    let stores = TestStores::new().await;
    let ctx = stores.ctx("chatbot");
    archive::ensure_group(&ctx).await.expect("group");
    let key = archive::stream_key(&ctx);
    let mut conn = ctx.redis.conn().await.expect("redis");
    let turns: Vec<ArchivedTurn> = (0..20).map(|i| turn(i, (i % 2) as u16)).collect();
    for t in &turns {
        let _: String = conn.xadd(&key, "*", &t.fields()).await.expect("xadd");
    }

    // Consumer A stores 8 entries and dies before acknowledging them.
    let a = archive::pass(&ctx, "consumer-a", 8, Duration::from_millis(100), false).await.expect("pass a");
    assert_eq!(a.stored, 8);
    // Consumer B reads 5 more and dies before even writing them.
    let _: redis::streams::StreamReadReply = conn
        .xread_options(
            &[&key],
            &[">"],
            &redis::streams::StreamReadOptions::default().group(archive::GROUP, "consumer-b").count(5),
        )
        .await
        .expect("read b");
    // Consumer C takes over everything pending and the rest of the stream.
    for _ in 0..5 {
        archive::pass_with_idle(&ctx, "consumer-c", 50, Duration::from_millis(100), true, Duration::ZERO)
            .await
            .expect("pass c");
    }
    assert_eq!(count(&ctx, 0).await + count(&ctx, 1).await, 20, "every turn stored exactly once");
    let remaining: u64 = conn.xlen(&key).await.expect("xlen");
    assert_eq!(remaining, 0, "acknowledged entries leave the stream");
    assert_eq!(archive::lag(&ctx).await.expect("lag"), 0);
    // Turns went to their own shard.
    assert_eq!(count(&ctx, 0).await, 10);
}

#[tokio::test]
async fn signed_in_turns_are_archived_and_restore_a_lost_window() {
    let stores = TestStores::new().await;
    let ctx = stores.ctx("chatbot");
    let mut config = stores.config.clone();
    for name in ["drug", "internal_external", "emergency-support"] {
        if let Some(e) = config.services.get_mut(name) {
            e.url = "http://127.0.0.1:1".to_string(); // answers degrade; archiving is what is tested
        }
    }
    let app_ctx = kit::Ctx::new("chatbot", config).expect("ctx");
    let app = chatbot::routes_with(app_ctx.clone(), AccountSettings::new(vec![KeyPair::generate("k")], vec![]));
    let server = TestServer::spawn(kit::app(&chatbot::SPEC, app_ctx, app)).await;
    let http = reqwest::Client::new();

    let signup: Value = http
        .post(server.url("/account/signup"))
        .json(&json!({"email": "archive@example.com", "password": "correct horse battery", "display_name": "A"}))
        .send()
        .await
        .expect("signup")
        .json()
        .await
        .expect("json");
    let token = signup["access_token"].as_str().expect("token").to_string();
    let sid = http.post(server.url("/chatbot/sessions")).bearer_auth(&token).send().await.expect("session");
    let sid = sid.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_string();
    for text in ["콧물이 나요", "열은 없어요", "목이 조금 아파요"] {
        let r = http
            .post(server.url(&format!("/chatbot/sessions/{sid}/messages")))
            .bearer_auth(&token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .expect("message");
        assert_eq!(r.status(), 200);
    }
    // The background consumer archives the 6 turns.
    let shard = ctx.db.shard_of_user(signup["user"]["id"].as_str().expect("uid")).await.expect("dir").expect("shard");
    let mut archived = 0;
    for _ in 0..50 {
        archived = count(&ctx, shard).await;
        if archived == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(archived, 6);

    // Redis loses the conversation (expiry, restart): it comes back from the archive.
    let mut conn = ctx.redis.conn().await.expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:user:*:chat:*", stores.redis_prefix))
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert!(!keys.is_empty());
    let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.expect("del");
    let history: Value = http
        .get(server.url(&format!("/chatbot/sessions/{sid}/messages")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    let texts: Vec<&str> =
        history["messages"].as_array().into_iter().flatten().filter_map(|t| t["text"].as_str()).collect();
    assert_eq!(texts.len(), 6, "{history}");
    assert_eq!(texts[0], "콧물이 나요");
    assert_eq!(texts[4], "목이 조금 아파요");
    let roles: Vec<&str> =
        history["messages"].as_array().into_iter().flatten().filter_map(|t| t["role"].as_str()).collect();
    assert_eq!(roles, vec!["user", "assistant", "user", "assistant", "user", "assistant"]);
}
