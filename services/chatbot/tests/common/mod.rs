//! Shared helpers of the account tests: an accounts server over fresh
//! stores with generated keys and two OAuth clients.

#![allow(dead_code)]

use chatbot::{AccountSettings, OAuthClient};
use kit::auth::KeyPair;
use kit::testing::{TestServer, TestStores};
use kit::Ctx;
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery";

pub struct App {
    pub server: TestServer,
    pub ctx: Ctx,
    pub key: KeyPair,
    pub http: reqwest::Client,
    pub stores: TestStores,
}

pub fn clients() -> Vec<OAuthClient> {
    vec![
        OAuthClient::new("clinic", "clinic-secret", &["drug:read", "drug:write"]),
        OAuthClient::new("reporter", "reporter-secret", &["clinic:read"]),
    ]
}

pub fn settings(key: &KeyPair) -> AccountSettings {
    AccountSettings::new(vec![key.clone()], clients())
}

pub async fn spawn() -> App {
    spawn_with(TestStores::new().await, |s| s).await
}

pub async fn spawn_with(stores: TestStores, tweak: impl FnOnce(AccountSettings) -> AccountSettings) -> App {
    let key = KeyPair::generate("k1");
    let ctx = stores.ctx("chatbot");
    let app = chatbot::routes_with(ctx.clone(), tweak(settings(&key)));
    let server = TestServer::spawn(kit::app(&chatbot::SPEC, ctx.clone(), app)).await;
    App { server, ctx, key, http: reqwest::Client::new(), stores }
}

/// An app over the same stores and keys (another instance).
pub async fn instance(ctx: Ctx, key: &KeyPair) -> TestServer {
    let app = chatbot::routes_with(ctx.clone(), settings(key));
    TestServer::spawn(kit::app(&chatbot::SPEC, ctx, app)).await
}

pub async fn send(r: reqwest::RequestBuilder) -> (u16, Value) {
    let r = r.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

impl App {
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        send(self.http.post(self.url(path)).json(body)).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> (u16, Value) {
        send(self.http.get(self.url(path)).bearer_auth(token)).await
    }

    pub async fn signup(&self, email: &str) -> Value {
        let (status, body) =
            self.post("/account/signup", &json!({"email": email, "password": PASSWORD, "display_name": "Kim"})).await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        self.post("/account/login", &json!({"email": email, "password": password})).await
    }

    pub async fn count_global(&self, sql: &str, id: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).bind(id).fetch_one(&self.ctx.db.global).await.expect("query");
        n
    }

    pub async fn count_shard(&self, shard: u16, sql: &str, id: &str) -> i64 {
        let pool = self.ctx.db.shard(shard).expect("shard");
        let (n,): (i64,) = sqlx::query_as(sql).bind(id).fetch_one(pool).await.expect("query");
        n
    }

    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(kit::testing::redis_url())
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("redis")
    }
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))
}
