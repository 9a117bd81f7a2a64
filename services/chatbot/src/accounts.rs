//! Signup, login, the profile, deletion, and the reconciler that finishes
//! signups and deletions a crash interrupted.
//!
//! The global directory and the user's shard cannot share a transaction, so
//! each change moves the directory row through states: signup writes it
//! `pending`, then the shard row, then marks it `active`; deletion marks it
//! `deleting`, removes the shard rows and Redis keys, then the directory row.
//! [`reconcile`] completes or undoes whatever a crash left in between.

use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Datelike;
use kit::auth::UserAuth;
use kit::db::ShardId;
use kit::extract::Json;
use kit::{Ctx, Error, Result};
use serde::Serialize;

use crate::model::*;
use crate::throttle::{self, ClientAddr};
use crate::tokens::{self, active_shard};
use crate::{shard_down, AppState};

/// Env var naming a crash point, for the interrupted-signup tests.
pub const FAILPOINT_VAR: &str = "MEDI_FAILPOINT";

fn failpoint(name: &str) {
    if std::env::var(FAILPOINT_VAR).is_ok_and(|v| v == name) {
        eprintln!("chatbot: failpoint {name}: aborting");
        std::process::abort();
    }
}

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(|e| Error::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Verifies off the async threads; a stored hash that does not parse fails.
async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .map_err(|e| Error::Internal(e.into()))
}

/// A hash to verify against when the email is unknown, so both cases take
/// about as long.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// Create an account; answers the first token pair.
#[utoipa::path(
    post,
    path = "/account/signup",
    tag = "account",
    request_body = SignupRequest,
    responses(
        (status = 201, body = TokenPair),
        (status = 400, description = "Invalid email, password or display name", body = kit::error::ErrorBody),
        (status = 409, description = "The email is taken", body = kit::error::ErrorBody),
    )
)]
pub async fn signup(
    State(state): State<AppState>,
    Json(req): Json<SignupRequest>,
) -> Result<(StatusCode, Json<TokenPair>)> {
    let ctx = &state.ctx;
    let email = normalise_email(&req.email)?;
    check_password(&req.password, &email)?;
    let display_name = check_display_name(&req.display_name)?;
    let password_hash = hash_password(req.password).await?;

    let user_id = uuid::Uuid::new_v4().to_string();
    let shard = ctx.db.least_filled_shard().await?;
    let inserted = sqlx::query("INSERT INTO users (id, email, shard_id, status) VALUES (?, ?, ?, 'pending')")
        .bind(&user_id)
        .bind(&email)
        .bind(shard)
        .execute(&ctx.db.global)
        .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::Conflict("an account with this email already exists".into()));
        }
        Err(e) => return Err(e.into()),
    }
    failpoint("signup_after_directory");

    let pool = ctx.db.shard(shard)?;
    let written = sqlx::query(
        "INSERT INTO accounts (user_id, email, password_hash, display_name, allergies, medications, \
         chronic_conditions) VALUES (?, ?, ?, ?, '[]', '[]', '[]')",
    )
    .bind(&user_id)
    .bind(&email)
    .bind(&password_hash)
    .bind(&display_name)
    .execute(pool)
    .await;
    if let Err(e) = written {
        // Undo the directory row so the email is free again; the reconciler
        // removes it if this fails too.
        let _ = sqlx::query("DELETE FROM users WHERE id = ? AND status = 'pending'")
            .bind(&user_id)
            .execute(&ctx.db.global)
            .await;
        return Err(shard_down(shard)(e));
    }
    failpoint("signup_after_shard");

    let activated = sqlx::query("UPDATE users SET status = 'active' WHERE id = ? AND status = 'pending'")
        .bind(&user_id)
        .execute(&ctx.db.global)
        .await?;
    if activated.rows_affected() != 1 {
        // A reconcile pass removed the pending row meanwhile (run with too
        // short an age): undo the shard row rather than leave an orphan.
        let _ = sqlx::query("DELETE FROM accounts WHERE user_id = ?").bind(&user_id).execute(pool).await;
        return Err(Error::Unavailable("the signup was interrupted; please try again".into()));
    }
    let user = UserSummary { id: user_id, email, display_name };
    let pair = tokens::issue(ctx, &state.settings, user, shard).await?;
    Ok((StatusCode::CREATED, Json(pair)))
}

fn bad_login() -> Error {
    Error::Unauthorized("the email or password is incorrect".into())
}

/// Sign in with email and password.
#[utoipa::path(
    post,
    path = "/account/login",
    tag = "account",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "Wrong email or password", body = kit::error::ErrorBody),
        (status = 429, description = "Too many failed logins; see Retry-After", body = kit::error::ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(req): Json<LoginRequest>,
) -> Result<Json<TokenPair>> {
    let ctx = &state.ctx;
    let email = req.email.trim().to_lowercase();
    if email.is_empty() || email.chars().count() > MAX_EMAIL_CHARS || req.password.chars().count() > PASSWORD_MAX_CHARS
    {
        return Err(bad_login());
    }
    throttle::check(&ctx.redis, &email, &addr).await?;

    let found: Option<(String, u16)> =
        sqlx::query_as("SELECT id, shard_id FROM users WHERE email = ? AND status = 'active'")
            .bind(&email)
            .fetch_optional(&ctx.db.global)
            .await?;
    let account = match &found {
        Some((id, shard)) => {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT password_hash, display_name FROM accounts WHERE user_id = ?")
                    .bind(id)
                    .fetch_optional(ctx.db.shard(*shard)?)
                    .await
                    .map_err(shard_down(*shard))?;
            row.map(|(hash, name)| (id.clone(), *shard, hash, name))
        }
        None => None,
    };
    let ok = match &account {
        Some((_, _, hash, _)) => verify_password(req.password, hash.clone()).await?,
        None => {
            let dummy = match DUMMY_HASH.get() {
                Some(h) => h.clone(),
                None => {
                    let h = hash_password("not a real password".into()).await?;
                    DUMMY_HASH.get_or_init(|| h).clone()
                }
            };
            let _ = verify_password(req.password, dummy).await?;
            false
        }
    };
    let Some((id, shard, _, display_name)) = account.filter(|_| ok) else {
        throttle::record_failure(&ctx.redis, &email, &addr).await;
        return Err(bad_login());
    };
    throttle::clear_account(&ctx.redis, &email).await;
    let user = UserSummary { id, email, display_name };
    Ok(Json(tokens::issue(ctx, &state.settings, user, shard).await?))
}

/// Id, email and display name from the shard.
pub async fn load_summary(ctx: &Ctx, shard: ShardId, user_id: &str) -> Result<Option<UserSummary>> {
    let row: Option<(String, String)> = sqlx::query_as("SELECT email, display_name FROM accounts WHERE user_id = ?")
        .bind(user_id)
        .fetch_optional(ctx.db.shard(shard)?)
        .await
        .map_err(shard_down(shard))?;
    Ok(row.map(|(email, display_name)| UserSummary { id: user_id.to_string(), email, display_name }))
}

type AccountRow =
    (String, String, Option<i16>, Option<String>, Option<bool>, Option<String>, Option<String>, Option<String>);

fn json_list<T: serde::de::DeserializeOwned>(text: Option<String>) -> Vec<T> {
    text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

pub async fn load_profile(ctx: &Ctx, shard: ShardId, user_id: &str) -> Result<Option<Profile>> {
    let row: Option<AccountRow> = sqlx::query_as(
        "SELECT email, display_name, birth_year, CAST(sex AS CHAR), pregnant, allergies, medications, \
         chronic_conditions FROM accounts WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_optional(ctx.db.shard(shard)?)
    .await
    .map_err(shard_down(shard))?;
    Ok(row.map(|(email, display_name, birth_year, sex, pregnant, allergies, medications, chronic)| Profile {
        id: user_id.to_string(),
        email,
        display_name,
        health: Health {
            birth_year: birth_year.map(i32::from),
            sex: sex.as_deref().and_then(Sex::parse),
            pregnant,
            allergies: json_list(allergies),
            medications: json_list(medications),
            chronic_conditions: json_list(chronic),
        },
    }))
}

/// The signed-in user's id and shard, from the token (the directory when
/// the token lacks the shard).
async fn whoami(ctx: &Ctx, auth: &UserAuth) -> Result<(String, ShardId)> {
    let user_id = auth.0.sub.clone();
    let shard = match auth.0.shard {
        Some(s) => s,
        None => active_shard(ctx, &user_id).await?.ok_or_else(gone)?,
    };
    Ok((user_id, shard))
}

fn gone() -> Error {
    Error::Unauthorized("this account no longer exists".into())
}

/// The signed-in user's profile.
#[utoipa::path(
    get,
    path = "/account/me",
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Profile),
        (status = 401, body = kit::error::ErrorBody),
        (status = 503, description = "The user's shard is down", body = kit::error::ErrorBody),
    )
)]
pub async fn me(State(state): State<AppState>, auth: UserAuth) -> Result<Json<Profile>> {
    auth.0.require_scope("profile:read")?;
    let (user_id, shard) = whoami(&state.ctx, &auth).await?;
    load_profile(&state.ctx, shard, &user_id).await?.map(Json).ok_or_else(gone)
}

/// Change the display name and health fields.
#[utoipa::path(
    patch,
    path = "/account/me",
    tag = "account",
    security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, body = Profile),
        (status = 400, body = kit::error::ErrorBody),
        (status = 401, body = kit::error::ErrorBody),
        (status = 503, description = "The user's shard is down", body = kit::error::ErrorBody),
    )
)]
pub async fn update_me(
    State(state): State<AppState>,
    auth: UserAuth,
    Json(patch): Json<ProfilePatch>,
) -> Result<Json<Profile>> {
    auth.0.require_scope("profile:write")?;
    let ctx = &state.ctx;
    let display_name = patch.display_name.as_deref().map(check_display_name).transpose()?;
    let (user_id, shard) = whoami(ctx, &auth).await?;
    let mut profile = load_profile(ctx, shard, &user_id).await?.ok_or_else(gone)?;
    if let Some(health) = patch.health {
        health.apply(&mut profile.health, chrono::Utc::now().year())?;
    }
    if let Some(name) = display_name {
        profile.display_name = name;
    }
    let h = &profile.health;
    sqlx::query(
        "UPDATE accounts SET display_name = ?, birth_year = ?, sex = ?, pregnant = ?, allergies = ?, \
         medications = ?, chronic_conditions = ? WHERE user_id = ?",
    )
    .bind(&profile.display_name)
    .bind(h.birth_year)
    .bind(h.sex.map(Sex::as_str))
    .bind(h.pregnant)
    .bind(list_json(&h.allergies))
    .bind(list_json(&h.medications))
    .bind(list_json(&h.chronic_conditions))
    .bind(&user_id)
    .execute(ctx.db.shard(shard)?)
    .await
    .map_err(shard_down(shard))?;
    Ok(Json(profile))
}

/// JSON text of a list column.
fn list_json<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_string())
}

/// Delete the account and everything stored about the user.
#[utoipa::path(
    delete,
    path = "/account/me",
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = kit::error::ErrorBody),
        (status = 503, description = "The user's shard is down", body = kit::error::ErrorBody),
    )
)]
pub async fn delete_me(State(state): State<AppState>, auth: UserAuth) -> Result<StatusCode> {
    auth.0.require_scope("profile:write")?;
    let ctx = &state.ctx;
    let user_id = auth.0.sub.clone();
    let row: Option<(u16, String)> = sqlx::query_as("SELECT shard_id, email FROM users WHERE id = ?")
        .bind(&user_id)
        .fetch_optional(&ctx.db.global)
        .await?;
    let (shard, email) = row.ok_or_else(gone)?;
    sqlx::query("UPDATE users SET status = 'deleting' WHERE id = ?").bind(&user_id).execute(&ctx.db.global).await?;
    finish_deletion(ctx, &user_id, shard, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the shard rows, the Redis keys and then the directory row of a
/// user whose directory row is `deleting`. Safe to repeat.
async fn finish_deletion(ctx: &Ctx, user_id: &str, shard: ShardId, email: &str) -> Result<()> {
    let pool = ctx.db.shard(shard)?;
    let mut tx = pool.begin().await.map_err(shard_down(shard))?;
    for table in ["refresh_tokens", "feedback"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = ?"))
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(shard_down(shard))?;
    }
    sqlx::query("DELETE FROM accounts WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(shard_down(shard))?;
    tx.commit().await.map_err(shard_down(shard))?;
    delete_redis_keys(ctx, user_id, email).await?;
    sqlx::query("DELETE FROM users WHERE id = ? AND status = 'deleting'").bind(user_id).execute(&ctx.db.global).await?;
    Ok(())
}

async fn delete_redis_keys(ctx: &Ctx, user_id: &str, email: &str) -> Result<()> {
    let mut conn = ctx
        .redis
        .conn()
        .await
        .map_err(|_| Error::Unavailable("cannot delete the account right now; try again shortly".into()))?;
    let pattern = format!("{}:*", ctx.redis.key(&["user", user_id]));
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(500)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL").arg(keys).query_async(&mut conn).await?;
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let _: () = redis::cmd("DEL").arg(throttle::account_key(&ctx.redis, email)).query_async(&mut conn).await?;
    Ok(())
}

/// What one [`reconcile`] pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Pending signups whose shard row exists, now active.
    pub activated: u64,
    /// Pending signups without a shard row, removed from the directory.
    pub removed: u64,
    /// Interrupted deletions finished.
    pub deleted: u64,
    /// Rows left for the next pass because a store failed.
    pub failed: u64,
}

/// Completes or undoes signups and deletions that were interrupted, for
/// directory rows last changed at least `older_than` ago. Idempotent.
pub async fn reconcile(ctx: &Ctx, older_than: Duration) -> anyhow::Result<ReconcileReport> {
    let micros = i64::try_from(older_than.as_micros()).unwrap_or(i64::MAX);
    let rows: Vec<(String, String, u16, String)> = sqlx::query_as(
        "SELECT id, email, shard_id, CAST(status AS CHAR) FROM users \
         WHERE status IN ('pending', 'deleting') AND TIMESTAMPDIFF(MICROSECOND, updated_at, NOW(3)) >= ?",
    )
    .bind(micros)
    .fetch_all(&ctx.db.global)
    .await?;
    let mut report = ReconcileReport::default();
    for (id, email, shard, status) in rows {
        let outcome: Result<()> = async {
            if status == "deleting" {
                finish_deletion(ctx, &id, shard, &email).await?;
                report.deleted += 1;
                return Ok(());
            }
            let exists: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM accounts WHERE user_id = ?")
                .bind(&id)
                .fetch_optional(ctx.db.shard(shard)?)
                .await
                .map_err(shard_down(shard))?;
            if exists.is_some() {
                let r = sqlx::query("UPDATE users SET status = 'active' WHERE id = ? AND status = 'pending'")
                    .bind(&id)
                    .execute(&ctx.db.global)
                    .await?;
                report.activated += r.rows_affected();
            } else {
                let r = sqlx::query("DELETE FROM users WHERE id = ? AND status = 'pending'")
                    .bind(&id)
                    .execute(&ctx.db.global)
                    .await?;
                report.removed += r.rows_affected();
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            tracing::warn!(user_id = id, shard, error = %e, "reconcile: left for the next pass");
            report.failed += 1;
        }
    }
    Ok(report)
}
