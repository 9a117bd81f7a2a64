//! The chatbot service (port 8101). This crate holds the accounts part under
//! `/account`: signup, login, rotating refresh tokens, the profile with its
//! health fields, account deletion, the JWKS, and OAuth2 client credentials
//! for services; and the conversations under `/chatbot` (`conversation.rs`),
//! which retrieve from the knowledge index (`knowledge` crate).

pub mod accounts;
pub mod archive;
pub mod conversation;
pub mod generator;
pub mod model;
pub mod oauth;
pub mod places;
pub mod settings;
pub mod throttle;
pub mod tokens;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;
use kit::{Ctx, Error, ServiceSpec};
use utoipa::OpenApi;

pub use accounts::{reconcile, ReconcileReport};
pub use settings::{AccountSettings, KnowledgeSettings, OAuthClient};

use crate::model::*;

pub const SPEC: ServiceSpec = ServiceSpec { name: "chatbot", openapi };

#[derive(OpenApi)]
#[openapi(
    info(title = "medi chatbot service", description = "Accounts: signup, login, tokens, profile, client credentials."),
    paths(
        accounts::signup, accounts::login, tokens::refresh, tokens::logout, tokens::jwks,
        accounts::me, accounts::update_me, accounts::delete_me, oauth::token,
        conversation::create_session, conversation::list_sessions, conversation::delete_session,
        conversation::history, conversation::send_message, conversation::feedback
    ),
    components(schemas(
        SignupRequest, LoginRequest, RefreshRequest, TokenPair, UserSummary, Profile, Health, Sex,
        ProfilePatch, HealthPatch, oauth::ServiceToken, conversation::SessionCreated, conversation::SessionSummary,
        conversation::MessageRequest, conversation::MessageResponse, conversation::AssistantMessage,
        conversation::TriageSummary, conversation::Citation, conversation::Turn, conversation::History,
        conversation::FeedbackRequest
    )),
    modifiers(&BearerAuth),
    tags((name = "account", description = "User accounts and tokens"))
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the profile routes use.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// State of the account routes.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    pub settings: Arc<AccountSettings>,
    /// The knowledge index answers retrieve from (when retrieval is on).
    pub knowledge: Option<Arc<knowledge::Knowledge>>,
}

impl FromRef<AppState> for Ctx {
    fn from_ref(state: &AppState) -> Ctx {
        state.ctx.clone()
    }
}

/// The routes, with the settings read from the environment. A bad or
/// missing setting stops the process with a message naming the variable.
pub fn routes(ctx: Ctx) -> Router {
    match AccountSettings::from_env() {
        Ok(settings) => routes_with(ctx, settings),
        Err(e) => {
            eprintln!("chatbot: {e}");
            tracing::error!(error = %e, "bad account configuration");
            std::process::exit(2);
        }
    }
}

/// The routes with explicit settings. With retrieval configured, the
/// knowledge index is loaded or built in the background and kept fresh.
pub fn routes_with(ctx: Ctx, settings: AccountSettings) -> Router {
    let knowledge = settings.knowledge.as_ref().map(|k| {
        let knowledge = knowledge::Knowledge::new(ctx.clone(), k.embedder.clone(), k.index_path.clone());
        knowledge.set_dictionary_token(dictionary_token_minter(&ctx, &settings));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(knowledge.clone().run(k.refresh));
        }
        knowledge
    });
    routes_with_knowledge(ctx, settings, knowledge)
}

/// The chatbot issues tokens, so it signs its own short-lived service token
/// for the drug dictionary (aliases and misspellings for the index and the
/// entity dictionary) instead of asking itself over OAuth.
pub fn dictionary_token_minter(ctx: &Ctx, settings: &AccountSettings) -> knowledge::live::TokenMinter {
    let key = settings.signing_key().clone();
    let issuer = ctx.config.auth_issuer.clone();
    Arc::new(move || {
        let now = kit::auth::now_secs();
        key.sign(&kit::auth::Claims {
            iss: issuer.clone(),
            sub: "chatbot".into(),
            aud: "drug".into(),
            exp: now + 300,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: kit::auth::TokenType::Service,
            scope: drug::DICTIONARY_SCOPE.into(),
            shard: None,
        })
    })
}

/// The routes over a knowledge index the caller builds and refreshes (tests).
pub fn routes_with_knowledge(
    ctx: Ctx,
    settings: AccountSettings,
    knowledge: Option<Arc<knowledge::Knowledge>>,
) -> Router {
    // Verify our own user tokens with our own keys instead of fetching the
    // JWKS from ourselves. The lock is fresh and uncontended, so this
    // completes on the first poll.
    futures::executor::block_on(ctx.auth.set_keys(&settings.jwks()));
    // The in-process triage fallback (used when emergency-support is down)
    // trains its model once; do it now, off the request path.
    std::thread::spawn(|| {
        emergency_support::triage::Engine::bundled();
    });
    // The archive consumer runs beside the routes, one per process.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let consumer = format!("chatbot-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        runtime.spawn(archive::run(ctx.clone(), consumer));
    }
    let state = AppState { ctx, settings: Arc::new(settings), knowledge };
    Router::new()
        .route("/account/signup", post(accounts::signup))
        .route("/account/login", post(accounts::login))
        .route("/account/token/refresh", post(tokens::refresh))
        .route("/account/logout", post(tokens::logout))
        .route("/account/.well-known/jwks.json", get(tokens::jwks))
        .route("/account/me", get(accounts::me).patch(accounts::update_me).delete(accounts::delete_me))
        .route("/account/oauth/token", post(oauth::token))
        .route("/chatbot/sessions", post(conversation::create_session).get(conversation::list_sessions))
        .route("/chatbot/sessions/{id}", axum::routing::delete(conversation::delete_session))
        .route("/chatbot/sessions/{id}/messages", post(conversation::send_message).get(conversation::history))
        .route("/chatbot/messages/{id}/feedback", post(conversation::feedback))
        .with_state(state)
}

/// A failing shard query: only that shard's users are affected, and they
/// get a 503 rather than a 500.
pub(crate) fn shard_down(shard: u16) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| {
        tracing::warn!(shard, error = %e, "shard query failed");
        Error::Unavailable("your account data is temporarily unavailable".into())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_the_account_routes() {
        let doc = serde_json::to_value(super::openapi()).unwrap_or_default();
        for path in
            ["/account/signup", "/account/login", "/account/token/refresh", "/account/me", "/account/oauth/token"]
        {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    }
}
