//! Access tokens (Ed25519 JWTs) and opaque rotating refresh tokens.

use axum::extract::State;
use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use kit::auth::{now_secs, Claims, Jwks, TokenType, USER_AUDIENCE};
use kit::db::ShardId;
use kit::extract::Json;
use kit::{Ctx, Error, Result};
use rand::RngCore;
use sqlx::MySqlPool;

use crate::model::{RefreshRequest, TokenPair, UserSummary};
use crate::settings::sha256_hex;
use crate::{shard_down, AccountSettings, AppState};

pub const USER_SCOPES: &str = "profile:read profile:write";

/// A signed access token for a user.
pub fn access_token(ctx: &Ctx, settings: &AccountSettings, user_id: &str, shard: ShardId) -> String {
    let now = now_secs();
    let claims = Claims {
        iss: ctx.config.auth_issuer.clone(),
        sub: user_id.to_string(),
        aud: USER_AUDIENCE.to_string(),
        exp: now + settings.access_ttl.as_secs() as i64,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        typ: TokenType::User,
        scope: USER_SCOPES.to_string(),
        shard: Some(shard),
    };
    settings.signing_key().sign(&claims)
}

/// Stores a new refresh token of `family` and returns it.
async fn new_refresh_token(
    pool: &MySqlPool,
    shard: ShardId,
    settings: &AccountSettings,
    user_id: &str,
    family: &str,
) -> Result<String> {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!("{user_id}.{}", URL_SAFE_NO_PAD.encode(secret));
    sqlx::query(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) \
         VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(family)
    .bind(sha256_hex(&token))
    .bind(settings.refresh_ttl.as_secs())
    .execute(pool)
    .await
    .map_err(shard_down(shard))?;
    Ok(token)
}

/// A fresh token pair starting a new family (signup, login).
pub async fn issue(ctx: &Ctx, settings: &AccountSettings, user: UserSummary, shard: ShardId) -> Result<TokenPair> {
    let family = uuid::Uuid::new_v4().to_string();
    issue_in_family(ctx, settings, user, shard, &family).await
}

async fn issue_in_family(
    ctx: &Ctx,
    settings: &AccountSettings,
    user: UserSummary,
    shard: ShardId,
    family: &str,
) -> Result<TokenPair> {
    let pool = ctx.db.shard(shard)?;
    let refresh_token = new_refresh_token(pool, shard, settings, &user.id, family).await?;
    Ok(TokenPair {
        access_token: access_token(ctx, settings, &user.id, shard),
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: settings.access_ttl.as_secs(),
        user,
    })
}

fn refused() -> Error {
    Error::Unauthorized("the refresh token is invalid, expired or revoked; sign in again".into())
}

/// The user id a refresh token names, if it is shaped like one of ours.
fn token_user(token: &str) -> Option<String> {
    let (user, secret) = token.split_once('.')?;
    let user = uuid::Uuid::parse_str(user).ok()?.hyphenated().to_string();
    (secret.len() == 43).then_some(user)
}

/// The active user's shard from the directory.
pub async fn active_shard(ctx: &Ctx, user_id: &str) -> Result<Option<ShardId>> {
    let row: Option<(u16,)> = sqlx::query_as("SELECT shard_id FROM users WHERE id = ? AND status = 'active'")
        .bind(user_id)
        .fetch_optional(&ctx.db.global)
        .await?;
    Ok(row.map(|(s,)| s))
}

async fn revoke_family(pool: &MySqlPool, shard: ShardId, family: &str) -> Result<()> {
    sqlx::query("UPDATE refresh_tokens SET revoked_at = UTC_TIMESTAMP(3) WHERE family_id = ? AND revoked_at IS NULL")
        .bind(family)
        .execute(pool)
        .await
        .map_err(shard_down(shard))?;
    Ok(())
}

struct StoredToken {
    id: String,
    family: String,
    used: bool,
    revoked: bool,
    expired: bool,
}

async fn find_token(ctx: &Ctx, token: &str) -> Result<(String, ShardId, StoredToken)> {
    let user_id = token_user(token).ok_or_else(refused)?;
    let shard = active_shard(ctx, &user_id).await?.ok_or_else(refused)?;
    let pool = ctx.db.shard(shard)?;
    let row: Option<(String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, user_id, family_id, CAST(used_at IS NOT NULL AS SIGNED), CAST(revoked_at IS NOT NULL AS SIGNED), \
         CAST(expires_at <= UTC_TIMESTAMP(3) AS SIGNED) FROM refresh_tokens WHERE token_hash = ?",
    )
    .bind(sha256_hex(token))
    .fetch_optional(pool)
    .await
    .map_err(shard_down(shard))?;
    let (id, owner, family, used, revoked, expired) = row.ok_or_else(refused)?;
    if owner != user_id {
        return Err(refused());
    }
    Ok((user_id, shard, StoredToken { id, family, used: used != 0, revoked: revoked != 0, expired: expired != 0 }))
}

/// Exchange a refresh token for a new pair; the old token is used up.
/// Presenting a used token again revokes every token of its family.
#[utoipa::path(
    post,
    path = "/account/token/refresh",
    tag = "account",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "Invalid, expired, revoked or reused token", body = kit::error::ErrorBody),
    )
)]
pub async fn refresh(State(state): State<AppState>, Json(req): Json<RefreshRequest>) -> Result<Json<TokenPair>> {
    let ctx = &state.ctx;
    let (user_id, shard, stored) = find_token(ctx, req.refresh_token.trim()).await?;
    let pool = ctx.db.shard(shard)?;
    if stored.used {
        tracing::warn!(user_id, family = stored.family, "refresh token reused: revoking its family");
        revoke_family(pool, shard, &stored.family).await?;
        return Err(refused());
    }
    if stored.revoked || stored.expired {
        return Err(refused());
    }
    let marked = sqlx::query(
        "UPDATE refresh_tokens SET used_at = UTC_TIMESTAMP(3) \
         WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(&stored.id)
    .execute(pool)
    .await
    .map_err(shard_down(shard))?;
    if marked.rows_affected() != 1 {
        // Another request used it first: treat as reuse.
        revoke_family(pool, shard, &stored.family).await?;
        return Err(refused());
    }
    let user = crate::accounts::load_summary(ctx, shard, &user_id).await?.ok_or_else(refused)?;
    Ok(Json(issue_in_family(ctx, &state.settings, user, shard, &stored.family).await?))
}

/// Sign out: revokes the refresh token's whole family.
#[utoipa::path(
    post,
    path = "/account/logout",
    tag = "account",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out"), (status = 401, body = kit::error::ErrorBody))
)]
pub async fn logout(State(state): State<AppState>, Json(req): Json<RefreshRequest>) -> Result<StatusCode> {
    let ctx = &state.ctx;
    let (_, shard, stored) = find_token(ctx, req.refresh_token.trim()).await?;
    revoke_family(ctx.db.shard(shard)?, shard, &stored.family).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The public keys that verify access tokens, current and previous.
#[utoipa::path(get, path = "/account/.well-known/jwks.json", tag = "account", responses((status = 200, description = "JWKS")))]
pub async fn jwks(State(state): State<AppState>) -> Json<Jwks> {
    Json(state.settings.jwks())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_name_their_user() {
        let id = uuid::Uuid::new_v4().to_string();
        let token = format!("{id}.{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
        assert_eq!(token_user(&token), Some(id));
        assert_eq!(token_user("nope"), None);
        assert_eq!(token_user("not-a-uuid.abc"), None);
    }
}
