//! OAuth2 client credentials, and another service checking the tokens.

mod common;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use common::*;
use kit::auth::{now_secs, verify_with, ClientCredentials, ServiceAuth, TokenSource, TokenType};
use kit::testing::TestServer;
use kit::{Ctx, ServiceSpec};
use serde_json::{json, Value};

async fn token(app: &App, form: &[(&str, &str)]) -> (u16, Value) {
    send(app.http.post(app.url("/account/oauth/token")).form(form)).await
}

#[tokio::test]
async fn client_credentials_issue_scoped_service_tokens() {
    let app = spawn().await;
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "clinic"),
            ("client_secret", "clinic-secret"),
            ("audience", "drug"),
            ("scope", "drug:read admin"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "drug:read");
    let access = str_of(&body, "access_token");
    let claims = verify_with(access, Some(&app.key.verifying_key()), "medi", &["drug"], now_secs()).expect("valid");
    assert_eq!(claims.typ, TokenType::Service);
    assert_eq!(claims.sub, "clinic");
    assert_eq!(claims.aud, "drug");
    assert!(claims.has_scope("drug:read") && !claims.has_scope("admin"));

    // No scope asked: everything allowed.
    let base = [("grant_type", "client_credentials"), ("client_id", "clinic"), ("client_secret", "clinic-secret")];
    let (status, body) = token(&app, &[base[0], base[1], base[2], ("audience", "drug")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "drug:read drug:write");

    let (status, body) = token(&app, &[base[0], base[1], ("client_secret", "wrong"), ("audience", "drug")]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "invalid_client");
    let (status, body) = token(&app, &[base[0], ("client_id", "nobody"), base[2], ("audience", "drug")]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("invalid_client")));
    let (status, body) = token(&app, &[("grant_type", "password"), base[1], base[2], ("audience", "drug")]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("unsupported_grant_type")));
    let (status, _) = token(&app, &[base[0], base[1], base[2], ("audience", "nowhere")]).await;
    assert_eq!(status, 400);
    let (status, _) = token(&app, &[base[0], base[1], base[2]]).await;
    assert_eq!(status, 400);

    // A service token is not a user token.
    let (_, body) = token(&app, &[base[0], base[1], base[2], ("audience", "chatbot")]).await;
    let (status, _) = app.get_auth("/account/me", str_of(&body, "access_token")).await;
    assert_eq!(status, 403);
}

fn empty_doc() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}

async fn guarded(ServiceAuth(claims): ServiceAuth) -> kit::Result<axum::Json<Value>> {
    claims.require_scope("drug:read")?;
    Ok(axum::Json(json!({"caller": claims.sub})))
}

#[tokio::test]
async fn another_service_checks_tokens_and_scopes() {
    let app = spawn().await;
    let c = &app.stores.config;
    let jwks_url = app.url("/account/.well-known/jwks.json");
    let drug_config = kit::testing::config(
        &c.global_database_url,
        &c.shard_database_urls,
        &c.redis_url,
        &c.redis_prefix,
        &[("MEDI_AUTH_JWKS_URL", jwks_url.as_str())],
    );
    let drug_ctx = Ctx::new("drug", drug_config.clone()).expect("ctx");
    let spec = ServiceSpec { name: "drug", openapi: empty_doc };
    let routes = Router::new().route("/drug/guarded", get(guarded)).with_state(drug_ctx.clone());
    let drug = TestServer::spawn(kit::app(&spec, drug_ctx, routes)).await;

    // No token: 401.
    let (status, _) = send(app.http.get(drug.url("/drug/guarded"))).await;
    assert_eq!(status, 401);

    let source = |id: &str, secret: &str| {
        Some(Arc::new(TokenSource::new(ClientCredentials {
            token_url: app.url("/account/oauth/token"),
            client_id: id.into(),
            client_secret: secret.into(),
        })))
    };
    let client = |id: &str, secret: &str| {
        kit::ServiceClient::with_base_url(&drug_config, "clinic", "drug", &drug.base_url)
            .expect("client")
            .with_tokens(source(id, secret))
    };

    let ok: Value = client("clinic", "clinic-secret").get_json("/drug/guarded").await.expect("allowed");
    assert_eq!(ok["caller"], "clinic");

    // A token without the scope: 403.
    let err = client("reporter", "reporter-secret").get_json::<Value>("/drug/guarded").await.expect_err("refused");
    assert!(err.to_string().contains("403"), "{err}");
    let reporter = source("reporter", "reporter-secret").expect("source");
    let t = reporter.token("drug").await.expect("token");
    let (status, body) = send(app.http.get(drug.url("/drug/guarded")).bearer_auth(&t)).await;
    assert_eq!(status, 403, "{body}");

    // Bad credentials never reach the service.
    assert!(client("clinic", "wrong").get_json::<Value>("/drug/guarded").await.is_err());
    // A user token is not a service token.
    let user = app.signup("svc@example.com").await;
    let (status, _) = send(app.http.get(drug.url("/drug/guarded")).bearer_auth(str_of(&user, "access_token"))).await;
    assert_eq!(status, 403);
}
