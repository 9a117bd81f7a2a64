//! Conversations (`/chatbot`): sessions, the Redis history window, and the
//! answer pipeline — triage first, then the other services over REST, then
//! a grounded answer with citations and the disclaimer.
//!
//! This is the first slice of the chatbot: history is a bounded window per
//! session written atomically (RPUSH + LTRIM + EXPIRE in one MULTI) plus a
//! small entity memory for follow-ups; every answer is composed from service
//! results. Still to come (see the issue): the durable archive in the shard,
//! streaming (SSE), the LLM generator, feedback. Retrieval over the
//! knowledge index (FAISS + keywords) adds cited passages to each answer.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use textmatch::Lang;
use utoipa::ToSchema;

use kit::auth::UserAuth;
use kit::extract::{Json, Path};
use kit::{Ctx, Error, Result};

use crate::AppState;

/// Messages kept in the Redis window (user and assistant turns together).
pub const WINDOW_MESSAGES: isize = 40;
/// How long an anonymous session lives after its last message.
pub const ANON_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a signed-in user's window lives after its last message.
pub const USER_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
pub const MAX_TEXT_CHARS: usize = 2000;

pub const DISCLAIMER_KO: &str = "이 답변은 일반적인 건강 정보이며 진단이나 치료를 대신하지 않습니다. 증상이 있거나 걱정되면 의사·약사와 상담하세요. 응급 상황이면 바로 119에 전화하세요.";
pub const DISCLAIMER_EN: &str = "This is general health information, not a diagnosis or treatment. See a doctor or pharmacist about symptoms or concerns. In an emergency, call 119 now.";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionCreated {
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionSummary {
    pub id: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MessageRequest {
    /// The question, Korean or English (1..=2000 characters).
    pub text: String,
    /// Where the person is, for the nearest emergency rooms.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TriageSummary {
    pub level: String,
    pub call_119: bool,
    pub matched_rules: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Citation {
    pub id: String,
    pub title: String,
    pub source: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistantMessage {
    pub id: String,
    pub role: String,
    pub text: String,
    pub triage: TriageSummary,
    pub departments: Vec<String>,
    pub citations: Vec<Citation>,
    pub clinics: Vec<serde_json::Value>,
    pub drugs: Vec<serde_json::Value>,
    pub guides: Vec<String>,
    pub disclaimer: String,
    pub suggestions: Vec<String>,
    /// Parts that could not be used for this answer (a service was down).
    pub degraded: Vec<String>,
    pub lang: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessageResponse {
    pub message: AssistantMessage,
}

/// One stored turn.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Turn {
    pub id: String,
    pub role: String,
    pub text: String,
    /// Unix time in milliseconds.
    pub at: i64,
    /// The whole answer (triage, citations, departments, clinics…) of an
    /// assistant turn, so a reopened conversation shows what was shown.
    /// Absent for user turns and for turns restored from the archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Box<AssistantMessage>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct History {
    pub session_id: String,
    pub messages: Vec<Turn>,
}

/// Whose session it is; decides the key space (users' keys live under
/// `user:<id>:` so deleting an account removes them).
#[derive(Debug, Clone)]
enum Owner {
    /// User id and shard (from the token, so archiving needs no lookup).
    User(String, Option<u16>),
    Anonymous,
}

fn session_key(ctx: &Ctx, owner: &Owner, session: &str, part: &str) -> String {
    match owner {
        Owner::User(uid, _) => ctx.redis.key(&["user", uid, "chat", session, part]),
        Owner::Anonymous => ctx.redis.key(&["anon", "chat", session, part]),
    }
}

fn ttl(owner: &Owner) -> Duration {
    match owner {
        Owner::User(..) => USER_TTL,
        Owner::Anonymous => ANON_TTL,
    }
}

fn valid_session_id(id: &str) -> Result<()> {
    if uuid::Uuid::parse_str(id).is_ok() {
        Ok(())
    } else {
        Err(Error::validation("id", "id must be a session id returned by POST /chatbot/sessions"))
    }
}

fn redis_down(e: redis::RedisError) -> Error {
    tracing::warn!(error = %e, "conversation store unavailable");
    Error::Unavailable("conversations are temporarily unavailable; please try again shortly".into())
}

/// The caller's identity when a bearer token is sent; anonymous otherwise.
async fn owner_of(ctx: &Ctx, headers: &axum::http::HeaderMap) -> Result<Owner> {
    Ok(match kit::auth::claims_from_headers(ctx, headers, kit::auth::TokenType::User).await? {
        Some(claims) => Owner::User(claims.sub, claims.shard),
        None => Owner::Anonymous,
    })
}

/// Start a conversation (anonymous, or the signed-in user's with a token).
#[utoipa::path(post, path = "/chatbot/sessions", tag = "chatbot", responses((status = 201, body = SessionCreated)))]
pub async fn create_session(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<(StatusCode, axum::Json<SessionCreated>)> {
    let ctx = &state.ctx;
    let owner = owner_of(ctx, &headers).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now().timestamp();
    let meta = session_key(ctx, &owner, &id, "meta");
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    let mut pipe = redis::pipe();
    pipe.atomic().hset(&meta, "created_at", now).expire(&meta, ttl(&owner).as_secs() as i64);
    if let Owner::User(uid, _) = &owner {
        let index = ctx.redis.key(&["user", uid, "chat", "index"]);
        pipe.zadd(&index, &id, now).expire(&index, USER_TTL.as_secs() as i64);
    }
    pipe.query_async::<()>(&mut conn).await.map_err(redis_down)?;
    Ok((StatusCode::CREATED, axum::Json(SessionCreated { id })))
}

/// The signed-in user's conversations, newest first.
#[utoipa::path(get, path = "/chatbot/sessions", tag = "chatbot", responses((status = 200, body = Vec<SessionSummary>)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    UserAuth(claims): UserAuth,
) -> Result<Json<Vec<SessionSummary>>> {
    let ctx = &state.ctx;
    let index = ctx.redis.key(&["user", &claims.sub, "chat", "index"]);
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    let ids: Vec<(String, i64)> = conn.zrevrange_withscores(&index, 0, 199).await.map_err(redis_down)?;
    Ok(Json(ids.into_iter().map(|(id, created_at)| SessionSummary { id, created_at }).collect()))
}

async fn require_session(ctx: &Ctx, owner: &Owner, id: &str) -> Result<()> {
    valid_session_id(id)?;
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    let exists: bool = conn.exists(session_key(ctx, owner, id, "meta")).await.map_err(redis_down)?;
    if exists {
        let window: i64 = conn.llen(session_key(ctx, owner, id, "turns")).await.map_err(redis_down)?;
        if window == 0 {
            restore_from_archive(ctx, owner, id).await?;
        }
        return Ok(());
    }
    // The window is gone (expiry, a Redis restart): a signed-in user's
    // conversation comes back from the archive.
    if restore_from_archive(ctx, owner, id).await? {
        return Ok(());
    }
    Err(Error::not_found(format!("no conversation {id} (it may have expired)")))
}

/// Refills the Redis window from the shard archive; false when there is
/// nothing to restore.
async fn restore_from_archive(ctx: &Ctx, owner: &Owner, id: &str) -> Result<bool> {
    let Owner::User(uid, Some(shard)) = owner else { return Ok(false) };
    let rows = crate::archive::recent(ctx, *shard, uid, id, WINDOW_MESSAGES as i64)
        .await
        .map_err(|e| Error::Unavailable(format!("your conversation archive is temporarily unavailable ({e})")))?;
    if rows.is_empty() {
        return Ok(false);
    }
    let turns_key = session_key(ctx, owner, id, "turns");
    let meta = session_key(ctx, owner, id, "meta");
    let ttl_secs = USER_TTL.as_secs() as i64;
    let mut pipe = redis::pipe();
    pipe.atomic().del(&turns_key);
    for (message_id, role, text, at) in &rows {
        let turn = Turn { id: message_id.clone(), role: role.clone(), text: text.clone(), at: *at, message: None };
        pipe.rpush(&turns_key, serde_json::to_string(&turn).map_err(|e| Error::Internal(e.into()))?);
    }
    let created = rows.first().map(|r| r.3 / 1000).unwrap_or_default();
    pipe.hset(&meta, "created_at", created).expire(&meta, ttl_secs).expire(&turns_key, ttl_secs);
    pipe.zadd(ctx.redis.key(&["user", uid, "chat", "index"]), id, created);
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    pipe.query_async::<()>(&mut conn).await.map_err(redis_down)?;
    Ok(true)
}

/// Delete a conversation and its history.
#[utoipa::path(delete, path = "/chatbot/sessions/{id}", tag = "chatbot", responses((status = 204), (status = 404, body = kit::error::ErrorBody)))]
pub async fn delete_session(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let ctx = &state.ctx;
    let owner = owner_of(ctx, &headers).await?;
    require_session(ctx, &owner, &id).await?;
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    let mut pipe = redis::pipe();
    pipe.atomic();
    for part in ["meta", "turns", "entities"] {
        pipe.del(session_key(ctx, &owner, &id, part));
    }
    if let Owner::User(uid, _) = &owner {
        pipe.zrem(ctx.redis.key(&["user", uid, "chat", "index"]), &id);
    }
    pipe.query_async::<()>(&mut conn).await.map_err(redis_down)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The conversation's recent history (the window kept in Redis).
#[utoipa::path(get, path = "/chatbot/sessions/{id}/messages", tag = "chatbot", responses((status = 200, body = History), (status = 404, body = kit::error::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<History>> {
    let ctx = &state.ctx;
    let owner = owner_of(ctx, &headers).await?;
    require_session(ctx, &owner, &id).await?;
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    let raw: Vec<String> = conn.lrange(session_key(ctx, &owner, &id, "turns"), 0, -1).await.map_err(redis_down)?;
    let messages = raw.iter().filter_map(|r| serde_json::from_str(r).ok()).collect();
    Ok(Json(History { session_id: id, messages }))
}

/// Appends turns to the window atomically: the cost of a turn is constant
/// however long the conversation grows.
async fn append_turns(
    ctx: &Ctx,
    owner: &Owner,
    session: &str,
    turns: &[Turn],
    entities: &[(&str, String)],
) -> Result<()> {
    let key = session_key(ctx, owner, session, "turns");
    let ents = session_key(ctx, owner, session, "entities");
    let meta = session_key(ctx, owner, session, "meta");
    let ttl_secs = ttl(owner).as_secs() as i64;
    let mut pipe = redis::pipe();
    pipe.atomic();
    for t in turns {
        pipe.rpush(&key, serde_json::to_string(t).map_err(|e| Error::Internal(e.into()))?);
    }
    pipe.ltrim(&key, -WINDOW_MESSAGES, -1).expire(&key, ttl_secs).expire(&meta, ttl_secs);
    // Signed-in users' turns also go to the archive stream, in the same
    // MULTI: a turn Redis accepted cannot miss the archive.
    if let Owner::User(uid, Some(shard)) = owner {
        let stream = crate::archive::stream_key(ctx);
        for t in turns {
            let archived = crate::archive::ArchivedTurn {
                message_id: t.id.clone(),
                user_id: uid.clone(),
                shard: *shard,
                session_id: session.to_string(),
                role: t.role.clone(),
                text: t.text.clone(),
                created_at: t.at,
            };
            pipe.xadd(&stream, "*", &archived.fields());
        }
    }
    if !entities.is_empty() {
        pipe.hset_multiple(&ents, entities).expire(&ents, ttl_secs);
    }
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    pipe.query_async::<()>(&mut conn).await.map_err(redis_down)
}

/// What a rating refers to, kept as long as the session.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AnswerRecord {
    session_id: String,
    question: String,
    answer: String,
    citations: Vec<Citation>,
}

fn answer_key(ctx: &Ctx, owner: &Owner, message_id: &str) -> String {
    match owner {
        Owner::User(uid, _) => ctx.redis.key(&["user", uid, "chat", "answer", message_id]),
        Owner::Anonymous => ctx.redis.key(&["anon", "chat", "answer", message_id]),
    }
}

async fn remember_answer(
    ctx: &Ctx,
    owner: &Owner,
    session: &str,
    message_id: &str,
    question: &str,
    answer: &str,
    citations: &[Citation],
) -> Result<()> {
    let record = AnswerRecord {
        session_id: session.to_string(),
        question: question.to_string(),
        answer: answer.to_string(),
        citations: citations.to_vec(),
    };
    let json = serde_json::to_string(&record).map_err(|e| Error::Internal(e.into()))?;
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    conn.set_ex::<_, _, ()>(answer_key(ctx, owner, message_id), json, ttl(owner).as_secs()).await.map_err(redis_down)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// `up` or `down`.
    pub rating: String,
    /// Optional, at most 1000 characters.
    pub comment: Option<String>,
}

/// Rate an answer (up or down) with an optional comment. Signed-in users'
/// feedback is stored in their shard; anonymous feedback stays with the
/// session in Redis. Rating the same answer again replaces the rating.
#[utoipa::path(
    post,
    path = "/chatbot/messages/{id}/feedback",
    tag = "chatbot",
    request_body = FeedbackRequest,
    responses((status = 204), (status = 400, body = kit::error::ErrorBody), (status = 404, body = kit::error::ErrorBody))
)]
pub async fn feedback(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(message_id): Path<String>,
    Json(req): Json<FeedbackRequest>,
) -> Result<StatusCode> {
    let ctx = &state.ctx;
    if uuid::Uuid::parse_str(&message_id).is_err() {
        return Err(Error::validation("id", "id must be the id of an assistant message"));
    }
    if !matches!(req.rating.as_str(), "up" | "down") {
        return Err(Error::validation("rating", "rating must be `up` or `down`"));
    }
    let comment = req.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    if comment.as_ref().is_some_and(|c| c.chars().count() > 1000) {
        return Err(Error::validation("comment", "comment must be at most 1000 characters"));
    }
    let owner = owner_of(ctx, &headers).await?;
    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
    let raw: Option<String> = conn.get(answer_key(ctx, &owner, &message_id)).await.map_err(redis_down)?;
    let record: AnswerRecord = raw.and_then(|r| serde_json::from_str(&r).ok()).ok_or_else(|| {
        Error::not_found(format!("no answer {message_id} in your conversations (it may have expired)"))
    })?;
    match &owner {
        Owner::User(uid, _) => {
            let shard = ctx
                .db
                .shard_of_user(uid)
                .await?
                .ok_or_else(|| Error::Unauthorized("the account no longer exists".into()))?;
            let pool = ctx.db.shard(shard)?;
            sqlx::query(
                "INSERT INTO feedback (user_id, message_id, session_id, rating, comment, question, answer, citations) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE rating = VALUES(rating), comment = VALUES(comment)",
            )
            .bind(uid)
            .bind(&message_id)
            .bind(&record.session_id)
            .bind(&req.rating)
            .bind(&comment)
            .bind(&record.question)
            .bind(&record.answer)
            .bind(serde_json::to_string(&record.citations).unwrap_or_default())
            .execute(pool)
            .await
            .map_err(crate::shard_down(shard))?;
        }
        Owner::Anonymous => {
            let key = ctx.redis.key(&["anon", "chat", &record.session_id, "feedback"]);
            let entry = serde_json::json!({
                "message_id": message_id, "rating": req.rating, "comment": comment,
                "question": record.question, "answer": record.answer, "citations": record.citations,
            });
            let mut pipe = redis::pipe();
            pipe.atomic().hset(&key, &message_id, entry.to_string()).expire(&key, ANON_TTL.as_secs() as i64);
            pipe.query_async::<()>(&mut conn).await.map_err(redis_down)?;
        }
    }
    metrics::counter!("chatbot_feedback_total", "service" => "chatbot", "rating" => req.rating.clone()).increment(1);
    Ok(StatusCode::NO_CONTENT)
}

/// One feedback row for review (`medictl feedback export`).
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackExport {
    pub shard: u16,
    pub user_id: String,
    pub message_id: String,
    pub session_id: String,
    pub rating: String,
    pub comment: Option<String>,
    pub question: String,
    pub answer: String,
    pub citations: serde_json::Value,
    pub created_at: String,
}

type FeedbackRow =
    (String, String, String, String, Option<String>, String, String, String, chrono::DateTime<chrono::Utc>);

/// Every signed-in user's feedback from every shard, oldest first per shard.
pub async fn export_feedback(ctx: &Ctx) -> anyhow::Result<Vec<FeedbackExport>> {
    let mut out = Vec::new();
    for (shard, pool) in ctx.db.shards() {
        let rows: Vec<FeedbackRow> = sqlx::query_as(
            "SELECT user_id, message_id, session_id, rating, comment, question, answer, citations, created_at \
                 FROM feedback ORDER BY created_at",
        )
        .fetch_all(pool)
        .await?;
        for (user_id, message_id, session_id, rating, comment, question, answer, citations, created_at) in rows {
            out.push(FeedbackExport {
                shard,
                user_id,
                message_id,
                session_id,
                rating,
                comment,
                question,
                answer,
                citations: serde_json::from_str(&citations).unwrap_or(serde_json::Value::Null),
                created_at: created_at.to_rfc3339(),
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
struct TriageOut {
    level: String,
    call_119: bool,
    #[serde(default)]
    departments: Vec<String>,
    #[serde(default)]
    matched_rules: Vec<serde_json::Value>,
    advice: String,
    #[serde(default)]
    guides: Vec<String>,
}

/// Triage over REST; if emergency-support is unreachable the same bundled
/// rules run in process, so triage is never skipped.
async fn triage(
    ctx: &Ctx,
    text: &str,
    profile: Option<&crate::model::Profile>,
    degraded: &mut Vec<String>,
) -> TriageOut {
    // The health profile's age and pregnancy inform the rules (an infant's
    // fever, a pregnancy), the text can still add them.
    let age = profile
        .and_then(|p| p.health.birth_year)
        .map(|y| f64::from((chrono::Datelike::year(&chrono::Utc::now()) - y).max(0)));
    let pregnant = profile.and_then(|p| p.health.pregnant).filter(|p| *p);
    let mut body = serde_json::json!({ "text": text });
    if let Some(age) = age {
        body["age_years"] = serde_json::json!(age);
    }
    if let Some(p) = pregnant {
        body["pregnant"] = serde_json::json!(p);
    }
    let remote = match ctx.client("emergency-support") {
        Ok(client) => client.post_json_idempotent::<_, TriageOut>("/emergency-support/triage", &body).await.ok(),
        Err(_) => None,
    };
    if let Some(t) = remote {
        return t;
    }
    degraded.push("triage_service".into());
    let o = emergency_support::triage::Engine::bundled().evaluate(&emergency_support::triage::Input {
        text,
        age_years: age,
        sex: None,
        pregnant,
    });
    TriageOut {
        level: o.level.as_str().to_string(),
        call_119: o.call_119,
        departments: o.departments.clone(),
        matched_rules: o
            .matched_rules
            .iter()
            .map(|r| serde_json::json!({"id": r.id, "description": r.description}))
            .collect(),
        advice: o.advice,
        guides: o.guides,
    }
}

/// Warnings from the user's own health profile: an allergy to the drug or
/// one of its ingredients, and interactions with the medicines they take.
async fn personal_warnings(ctx: &Ctx, drug: &serde_json::Value, profile: &crate::model::Profile, lang: Lang) -> String {
    let mut out = String::new();
    let mut names: Vec<String> = vec![
        drug["name_ko"].as_str().unwrap_or_default().to_lowercase(),
        drug["name_en"].as_str().unwrap_or_default().to_lowercase(),
    ];
    for i in drug["ingredients"].as_array().into_iter().flatten() {
        for k in ["name_ko", "name_en", "slug"] {
            names.push(i[k].as_str().unwrap_or_default().to_lowercase());
        }
    }
    for allergy in &profile.health.allergies {
        let a = allergy.trim().to_lowercase();
        if a.chars().count() >= 2 && names.iter().any(|n| !n.is_empty() && (n.contains(&a) || a.contains(n.as_str()))) {
            out.push_str(&match lang {
                Lang::Ko => format!("\n\n⚠️ 건강 프로필에 '{allergy}' 알레르기가 있습니다. 이 약을 복용하지 말고 의사·약사와 먼저 상담하세요."),
                Lang::En => format!("\n\n⚠️ Your health profile lists an allergy to '{allergy}'. Do not take this medicine; ask a doctor or pharmacist first."),
            });
        }
    }
    let Some(drug_id) = drug["id"].as_u64() else { return out };
    let meds: Vec<u64> = profile.health.medications.iter().copied().filter(|m| *m != drug_id).take(19).collect();
    if meds.is_empty() {
        return out;
    }
    let mut list = vec![serde_json::json!(drug_id)];
    list.extend(meds.iter().map(|m| serde_json::json!(m)));
    let Ok(client) = ctx.client("drug") else { return out };
    let Ok(report) = client
        .post_json_idempotent::<_, serde_json::Value>("/drug/interactions", &serde_json::json!({ "drugs": list }))
        .await
    else {
        return out;
    };
    for x in report["interactions"].as_array().into_iter().flatten() {
        let involves = x["a"]["drug_id"].as_u64() == Some(drug_id) || x["b"]["drug_id"].as_u64() == Some(drug_id);
        if !involves {
            continue;
        }
        let other = if x["a"]["drug_id"].as_u64() == Some(drug_id) { &x["b"] } else { &x["a"] };
        let desc = pick(x, "description_ko", "description_en", lang);
        out.push_str(&match lang {
            Lang::Ko => format!(
                "\n\n⚠️ 복용 중인 {}와(과) 상호작용({}): {desc}",
                other["name_ko"].as_str().unwrap_or_default(),
                x["severity"].as_str().unwrap_or_default()
            ),
            Lang::En => format!(
                "\n\n⚠️ Interaction ({}) with {} that you take: {desc}",
                x["severity"].as_str().unwrap_or_default(),
                other["name_en"].as_str().or(other["name_ko"].as_str()).unwrap_or_default()
            ),
        });
    }
    out
}

/// Passages used in one answer.
pub const RETRIEVED_PASSAGES: usize = 3;

/// The knowledge-index passages for the question: none when retrieval is
/// off; on failure (no index yet, embedder down) the answer goes on
/// without them and says so (`degraded: ["retrieval"]`).
async fn retrieve(
    state: &AppState,
    text: &str,
    lang: Lang,
    skip_doc: Option<&str>,
    degraded: &mut Vec<String>,
) -> Vec<knowledge::Hit> {
    let Some(k) = &state.knowledge else { return Vec::new() };
    let hits = match k.search(text, lang.as_str(), 8).await {
        Ok(hits) => hits,
        Err(e) => {
            tracing::warn!(error = %e, "retrieval failed; answering without the knowledge index");
            metrics::counter!("chatbot_retrievals_total", "service" => "chatbot", "result" => "error").increment(1);
            degraded.push("retrieval".into());
            return Vec::new();
        }
    };
    let limit = if skip_doc.is_some() { 2 } else { RETRIEVED_PASSAGES };
    let used: Vec<knowledge::Hit> = hits
        .into_iter()
        .filter(knowledge::Hit::is_relevant)
        .filter(|h| Some(h.passage.doc_id()) != skip_doc)
        .take(limit)
        .collect();
    let result = if used.is_empty() { "miss" } else { "hit" };
    metrics::counter!("chatbot_retrievals_total", "service" => "chatbot", "result" => result).increment(1);
    metrics::counter!("chatbot_retrieved_passages_total", "service" => "chatbot").increment(used.len() as u64);
    used
}

/// The first lines of a passage, at most about 220 characters, cut at a
/// line or sentence end: what the composer quotes (the citation links the rest).
fn grounded_excerpt(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.trim_start_matches("- ");
        if !out.is_empty() && out.chars().count() + line.chars().count() > 220 {
            break;
        }
        if !out.is_empty() {
            out.push_str(" / ");
        }
        out.push_str(line);
        if out.chars().count() > 220 {
            break;
        }
    }
    if out.chars().count() > 260 {
        let cut: String = out.chars().take(250).collect();
        let end = cut.rfind(['.', '。', '다']).map(|i| i + cut[i..].chars().next().map_or(1, char::len_utf8));
        out = match end {
            Some(e) if e > 80 => cut[..e].to_string(),
            _ => format!("{cut}…"),
        };
    }
    out
}

/// Time spent in one stage of an answer (triage, tools, retrieval, generation).
fn record_stage(stage: &'static str, started: Instant) {
    metrics::histogram!("chatbot_stage_duration_seconds", "service" => "chatbot", "stage" => stage)
        .record(started.elapsed().as_secs_f64());
}

/// Words that point back at something said earlier.
fn refers_back(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "그거",
        "그 약",
        "그약",
        "이 약",
        "그건",
        "그것",
        " it ",
        "it?",
        "that one",
        "this one",
        "that medicine",
        "that drug",
    ]
    .iter()
    .any(|w| t.contains(w) || t.starts_with(w.trim()))
}

async fn find_drug(ctx: &Ctx, text: &str, degraded: &mut Vec<String>) -> Option<serde_json::Value> {
    let client = ctx.client("drug").ok()?;
    // Try the longest words first: product names are rarely short.
    let mut words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || ",.?!".contains(c))
        .map(|w| w.trim_end_matches(['은', '는', '이', '가', '을', '를', '의', '도', '요']).to_string())
        .filter(|w| w.chars().count() >= 2)
        .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    for w in words.iter().take(6) {
        let q: String = url_encode(w);
        match client.get_json::<serde_json::Value>(&format!("/drug?q={q}&size=1")).await {
            Ok(page) => {
                if let Some(hit) = page["items"].get(0) {
                    let id = hit["id"].as_u64()?;
                    return client.get_json::<serde_json::Value>(&format!("/drug/{id}")).await.ok();
                }
            }
            Err(_) => {
                degraded.push("drug_service".into());
                return None;
            }
        }
    }
    None
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The drug whose product name the dictionary found.
async fn drug_by_name(ctx: &Ctx, name: &str) -> Option<serde_json::Value> {
    let client = ctx.client("drug").ok()?;
    let page = client.get_json::<serde_json::Value>(&format!("/drug?q={}&size=5", url_encode(name))).await.ok()?;
    let items = page["items"].as_array()?;
    let hit = items.iter().find(|d| d["name_ko"].as_str() == Some(name)).or_else(|| items.first())?;
    let id = hit["id"].as_u64()?;
    client.get_json::<serde_json::Value>(&format!("/drug/{id}")).await.ok()
}

async fn drug_by_id(ctx: &Ctx, id: u64) -> Option<serde_json::Value> {
    ctx.client("drug").ok()?.get_json::<serde_json::Value>(&format!("/drug/{id}")).await.ok()
}

async fn route(ctx: &Ctx, text: &str, degraded: &mut Vec<String>) -> Option<serde_json::Value> {
    let client = ctx.client("internal_external").ok()?;
    match client
        .post_json_idempotent::<_, serde_json::Value>("/internal_external/route", &serde_json::json!({ "text": text }))
        .await
    {
        Ok(v) => Some(v),
        Err(_) => {
            degraded.push("routing_service".into());
            None
        }
    }
}

/// Up to three facilities from the clinic service for a [`ClinicAsk`],
/// nearest first when the location is known. `None` (and a degradation
/// note) when the clinic service cannot answer.
async fn find_clinics(
    ctx: &Ctx,
    department: Option<&str>,
    ask: &crate::places::ClinicAsk,
    near: Option<(f64, f64)>,
    degraded: &mut Vec<String>,
) -> Option<Vec<serde_json::Value>> {
    let mut query = vec![("size", "3".to_string())];
    if let Some(d) = department {
        query.push(("department", d.to_string()));
    }
    if let Some(r) = &ask.region {
        query.push(("region", r.clone()));
    }
    if ask.open_now {
        query.push(("open_now", "true".to_string()));
    }
    if let Some((lat, lon)) = near {
        query.push(("lat", lat.to_string()));
        query.push(("lon", lon.to_string()));
    }
    let path = format!(
        "/clinic?{}",
        query.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
    );
    let found = match ctx.client("clinic") {
        Ok(client) => client.get_json::<serde_json::Value>(&path).await.ok(),
        Err(_) => None,
    };
    match found {
        Some(page) => Some(page["items"].as_array().cloned().unwrap_or_default()),
        None => {
            degraded.push("clinic_service".into());
            None
        }
    }
}

fn clinics_text(
    found: &[serde_json::Value],
    department: Option<&str>,
    ask: &crate::places::ClinicAsk,
    lang: Lang,
) -> String {
    let dept = department.and_then(kit::departments::names).map(|(ko, en)| match lang {
        Lang::Ko => ko,
        Lang::En => en,
    });
    let mut out = match (lang, dept) {
        (Lang::Ko, Some(d)) => format!("\n\n{d} 진료를 하는 곳:"),
        (Lang::Ko, None) => "\n\n찾아갈 수 있는 곳:".to_string(),
        (Lang::En, Some(d)) => format!("\n\nPlaces with {d}:"),
        (Lang::En, None) => "\n\nPlaces you can go:".to_string(),
    };
    if found.is_empty() {
        out.push_str(match (lang, ask.open_now) {
            (Lang::Ko, true) => {
                " 지금 문을 연 곳을 찾지 못했습니다. 급하면 가까운 응급실로 가거나 119에 전화해 안내를 받으세요."
            }
            (Lang::Ko, false) => " 조건에 맞는 곳을 찾지 못했습니다. 지역을 넓혀 다시 물어봐 주세요.",
            (Lang::En, true) => {
                " I found none open now. If it is urgent, go to the nearest emergency room or call 119 for advice."
            }
            (Lang::En, false) => " I found none that match. Try a wider area.",
        });
        return out;
    }
    for c in found {
        out.push_str(&format!("\n- {}", c["name"].as_str().unwrap_or_default()));
        if let Some(km) = c["distance_km"].as_f64() {
            out.push_str(&format!(" · {km:.1} km"));
        }
        if let Some(phone) = c["phone"].as_str() {
            out.push_str(&format!(" · {phone}"));
        }
        out.push_str(match (c["open_now"].as_bool(), lang) {
            (Some(true), Lang::Ko) => " · 지금 진료 중",
            (Some(false), Lang::Ko) => " · 지금은 진료 시간이 아님",
            (None, Lang::Ko) => " · 진료 시간은 전화로 확인",
            (Some(true), Lang::En) => " · open now",
            (Some(false), Lang::En) => " · closed now",
            (None, Lang::En) => " · call to check the hours",
        });
    }
    out
}

fn pick<'a>(v: &'a serde_json::Value, ko: &'a str, en: &'a str, lang: Lang) -> &'a str {
    let (a, b) = match lang {
        Lang::Ko => (ko, en),
        Lang::En => (en, ko),
    };
    v[a].as_str().filter(|s| !s.is_empty()).or_else(|| v[b].as_str()).unwrap_or("")
}

/// Send a message and get the answer.
#[utoipa::path(
    post,
    path = "/chatbot/sessions/{id}/messages",
    tag = "chatbot",
    request_body = MessageRequest,
    responses(
        (status = 200, description = "The answer; with `Accept: text/event-stream`, events `triage`, `delta`..., `done`", body = MessageResponse),
        (status = 400, body = kit::error::ErrorBody),
        (status = 404, body = kit::error::ErrorBody)
    )
)]
pub async fn send_message(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    Json(req): Json<MessageRequest>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let wants_stream = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !wants_stream {
        let message = answer(&state, &headers, &id, req, None).await?;
        return Ok(axum::Json(MessageResponse { message }).into_response());
    }
    stream(state, headers, id, req).await
}

/// What the answer pipeline tells a streaming client, in order.
enum StreamEvent {
    Triage(TriageSummary),
    Delta(String),
    Done(Box<AssistantMessage>),
    Error(Error),
}

/// Where a streaming answer sends its events; remembers the text sent.
pub(crate) struct Sink {
    tx: tokio::sync::mpsc::UnboundedSender<StreamEvent>,
    sent: String,
}

impl Sink {
    fn triage(&self, t: &TriageSummary) {
        let _ = self.tx.send(StreamEvent::Triage(t.clone()));
    }

    fn delta(&mut self, piece: &str) {
        if piece.is_empty() {
            return;
        }
        self.sent.push_str(piece);
        let _ = self.tx.send(StreamEvent::Delta(piece.to_string()));
    }

    /// Sends what the client has not seen of the final text, in lines (all
    /// of it for a composed answer; the part after the streamed tokens for a
    /// generated one). If the text no longer continues what was streamed
    /// (the model failed mid-answer and the composer answered), `done`
    /// carries the text to show.
    fn finish(&mut self, text: &str) {
        if let Some(rest) = text.strip_prefix(self.sent.as_str()) {
            let rest = rest.to_string();
            for piece in rest.split_inclusive('\n') {
                self.delta(piece);
            }
        }
    }
}

/// The same exchange as server-sent events: `triage` first (so a client can
/// show the 119 banner at once), then the text in `delta` pieces (the
/// model's tokens as they arrive when an LLM writes the answer), then
/// `done` with the whole message, whose text is authoritative. An error
/// before anything was sent is an ordinary error response; a later one is
/// an `error` event.
async fn stream(
    state: AppState,
    headers: axum::http::HeaderMap,
    id: String,
    req: MessageRequest,
) -> Result<axum::response::Response> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::IntoResponse;
    use futures::StreamExt;
    use tracing::Instrument;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The answer runs beside the response body, in the request's span and
    // with its request id (sent on to the other services).
    let request_id = kit::request_id::current();
    let task = async move {
        let mut sink = Sink { tx: tx.clone(), sent: String::new() };
        match answer(&state, &headers, &id, req, Some(&mut sink)).await {
            Ok(message) => {
                sink.finish(&message.text);
                let _ = tx.send(StreamEvent::Done(Box::new(message)));
            }
            Err(e) => {
                let _ = tx.send(StreamEvent::Error(e));
            }
        }
    };
    tokio::spawn(kit::request_id::scope(request_id, task).instrument(tracing::Span::current()));
    let first = rx.recv().await.ok_or_else(|| Error::Internal(anyhow::anyhow!("the answer task ended early")))?;
    if let StreamEvent::Error(e) = first {
        return Err(e);
    }
    let rest = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    let events = futures::stream::once(async move { first }).chain(rest).map(|e| {
        Ok::<_, std::convert::Infallible>(match e {
            StreamEvent::Triage(t) => {
                Event::default().event("triage").data(serde_json::to_string(&t).unwrap_or_default())
            }
            StreamEvent::Delta(piece) => {
                Event::default().event("delta").data(serde_json::to_string(&piece).unwrap_or_default())
            }
            StreamEvent::Done(message) => Event::default()
                .event("done")
                .data(serde_json::to_string(&MessageResponse { message: *message }).unwrap_or_default()),
            StreamEvent::Error(e) => {
                tracing::warn!(error = %e, "streamed answer failed");
                Event::default().event("error").data(
                    serde_json::json!({"error": {"message": "the answer could not be completed; please try again"}})
                        .to_string(),
                )
            }
        })
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}

async fn answer(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    id: &str,
    req: MessageRequest,
    mut sink: Option<&mut Sink>,
) -> Result<AssistantMessage> {
    let id = id.to_string();
    let ctx = &state.ctx;
    let started = Instant::now();
    let text = req.text.trim().to_string();
    if text.is_empty() {
        return Err(Error::validation("text", "text must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::validation("text", format!("text must be at most {MAX_TEXT_CHARS} characters")));
    }
    match (req.lat, req.lon) {
        (Some(lat), Some(lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
        (None, None) => {}
        _ => return Err(Error::validation("lat", "lat and lon must be given together, as valid coordinates")),
    }
    let owner = owner_of(ctx, headers).await?;
    require_session(ctx, &owner, &id).await?;
    let lang = textmatch::detect_lang(&text);
    let mut degraded = Vec::new();

    // The signed-in user's health profile (from their shard); a shard that
    // is down only costs the personal warnings.
    let profile = match &owner {
        Owner::User(uid, Some(shard)) => match crate::accounts::load_profile(ctx, *shard, uid).await {
            Ok(p) => p,
            Err(_) => {
                degraded.push("health_profile".into());
                None
            }
        },
        _ => None,
    };

    // 1. Triage first, always.
    let stage = Instant::now();
    let t = triage(ctx, &text, profile.as_ref(), &mut degraded).await;
    record_stage("triage", stage);
    if let Some(sink) = sink.as_deref_mut() {
        sink.triage(&TriageSummary {
            level: t.level.clone(),
            call_119: t.call_119,
            matched_rules: t.matched_rules.clone(),
        });
    }
    let mut out = String::new();
    let mut citations = Vec::new();
    let mut drugs = Vec::new();
    let mut clinics = Vec::new();
    let mut entities: Vec<(&str, String)> = Vec::new();
    let mut departments = t.departments.clone();
    let mut guides = t.guides.clone();
    let mut passages: Vec<crate::generator::Passage> = Vec::new();
    // Personal warnings survive whichever generator writes the answer.
    let mut warnings = String::new();

    if t.call_119 {
        // An emergency is answered at once: 119 first, then what to do now.
        out.push_str(&t.advice);
        if guides.is_empty() {
            // A learned emergency has no rule to name a first-aid guide; the
            // knowledge index may hold the one that fits.
            if let Some(k) = &state.knowledge {
                // The question must hit the library squarely (a relevant top
                // passage); a guide among the top three is then the one to show.
                let hits = k.search(&text, lang.as_str(), 3).await.unwrap_or_default();
                if hits.first().is_some_and(knowledge::Hit::is_relevant) {
                    if let Some(slug) =
                        hits.iter().find_map(|h| h.passage.doc_id().strip_prefix("guide:").map(str::to_string))
                    {
                        guides.push(slug);
                    }
                }
            }
        }
        if let Some(slug) = guides.first() {
            if let Ok(client) = ctx.client("emergency-support") {
                if let Ok(g) = client.get_json::<serde_json::Value>(&format!("/emergency-support/guides/{slug}")).await
                {
                    out.push_str(match lang {
                        Lang::Ko => "\n\n지금 할 일:",
                        Lang::En => "\n\nWhat to do now:",
                    });
                    for (i, step) in g["steps"].as_array().into_iter().flatten().take(6).enumerate() {
                        out.push_str(&format!("\n{}. {}", i + 1, pick(step, "ko", "en", lang)));
                    }
                    citations.push(Citation {
                        id: format!("guide:{slug}"),
                        title: pick(&g, "title_ko", "title_en", lang).to_string(),
                        source: g["sources"][0]["publisher"].as_str().unwrap_or("medi first-aid guides").to_string(),
                        url: g["sources"][0]["url"].as_str().map(str::to_string),
                    });
                }
            }
        }
        if let (Some(lat), Some(lon)) = (req.lat, req.lon) {
            if let Ok(client) = ctx.client("emergency-support") {
                if let Ok(rooms) = client
                    .get_json::<serde_json::Value>(&format!("/emergency-support/rooms?lat={lat}&lon={lon}&limit=3"))
                    .await
                {
                    clinics = rooms["items"].as_array().cloned().unwrap_or_default();
                }
            }
        }
    } else {
        // 2. Understand and use the services.
        let stage = Instant::now();
        // Names from the knowledge dictionary first (misspellings, no
        // spaces, particles attached), then the drug service's search.
        let named = state.knowledge.as_ref().map(|k| k.entities(&text)).unwrap_or_default();
        let mut drug = None;
        if let Some(e) = named.iter().find(|e| e.kind == knowledge::entities::Kind::Drug) {
            drug = drug_by_name(ctx, &e.name).await;
        }
        if drug.is_none() {
            drug = find_drug(ctx, &text, &mut degraded).await;
        }
        if drug.is_none() && refers_back(&format!(" {text} ")) {
            let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
            let last: Option<String> =
                conn.hget(session_key(ctx, &owner, &id, "entities"), "last_drug_id").await.map_err(redis_down)?;
            if let Some(last_id) = last.and_then(|s| s.parse::<u64>().ok()) {
                drug = drug_by_id(ctx, last_id).await;
            }
        }
        let routed = route(ctx, &text, &mut degraded).await;
        record_stage("tools", stage);

        // 3. Retrieve passages from the knowledge index (label sections of a
        // drug already answered above are not repeated).
        let stage = Instant::now();
        let skip_doc = drug.as_ref().map(|d| format!("drug:{}", d["slug"].as_str().unwrap_or_default()));
        let retrieved = retrieve(state, &text, lang, skip_doc.as_deref(), &mut degraded).await;
        record_stage("retrieval", stage);
        let stage = Instant::now();

        if t.level != "self_care" || drug.is_none() {
            out.push_str(&t.advice);
        }
        if let Some(d) = &drug {
            let name = pick(d, "name_ko", "name_en", lang).to_string();
            entities.push(("last_drug_id", d["id"].to_string()));
            let section = |label_ko: &str, label_en: &str, ko: &str, en: &str| -> Option<String> {
                let body = pick(d, ko, en, lang);
                (!body.is_empty()).then(|| {
                    format!(
                        "\n- {}: {body}",
                        match lang {
                            Lang::Ko => label_ko,
                            Lang::En => label_en,
                        }
                    )
                })
            };
            out.push_str(&match lang {
                Lang::Ko => format!("\n\n{name}에 대해 알려 드릴게요."),
                Lang::En => format!("\n\nAbout {name}:"),
            });
            let label_start = out.len();
            for s in [
                section("효능", "Used for", "efficacy_ko", "efficacy_en"),
                section("복용법(최대 용량 포함)", "How to take (incl. maximum dose)", "usage_ko", "usage_en"),
                section("주의사항", "Warnings", "warnings_ko", "warnings_en"),
                section("부작용", "Side effects", "side_effects_ko", "side_effects_en"),
            ]
            .into_iter()
            .flatten()
            {
                out.push_str(&s);
            }
            passages.push(crate::generator::Passage {
                citation_id: format!("drug:{}", d["slug"].as_str().unwrap_or_default()),
                title: name.clone(),
                text: out[label_start..].trim().to_string(),
            });
            if let Some(p) = &profile {
                let w = personal_warnings(ctx, d, p, lang).await;
                out.push_str(&w);
                warnings.push_str(&w);
            }
            citations.push(Citation {
                id: format!("drug:{}", d["slug"].as_str().unwrap_or_default()),
                title: name,
                source: d["source"].as_str().unwrap_or_default().to_string(),
                url: None,
            });
            drugs.push(serde_json::json!({"id": d["id"], "name_ko": d["name_ko"], "name_en": d["name_en"]}));
        }
        // A department named in the question ("피부과 가야 하나요") is kept.
        let named_departments: Vec<String> =
            named.iter().filter(|e| e.kind == knowledge::entities::Kind::Department).map(|e| e.slug.clone()).collect();
        for slug in named_departments.iter().rev() {
            if !departments.contains(slug) {
                departments.insert(0, slug.clone());
            }
        }
        departments.truncate(3);
        if let Some(r) = &routed {
            if r["recognised"].as_bool() == Some(true) {
                let names: Vec<String> = r["departments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(3)
                    .map(|d| pick(d, "name_ko", "name_en", lang).to_string())
                    .collect();
                if departments.is_empty() || t.matched_rules.is_empty() {
                    departments = r["departments"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .take(3)
                        .filter_map(|d| d["slug"].as_str().map(str::to_string))
                        .collect();
                }
                if drug.is_none() && !names.is_empty() {
                    out.push_str(&match lang {
                        Lang::Ko => format!("\n\n진료과는 {}을(를) 고려해 보세요.", names.join(", ")),
                        Lang::En => format!("\n\nDepartments to consider: {}.", names.join(", ")),
                    });
                }
                for c in r["conditions"].as_array().into_iter().flatten().take(2) {
                    passages.push(crate::generator::Passage {
                        citation_id: format!("condition:{}", c["slug"].as_str().unwrap_or_default()),
                        title: pick(c, "name_ko", "name_en", lang).to_string(),
                        text: format!(
                            "{} ({}: {}); departments: {}",
                            pick(c, "name_ko", "name_en", lang),
                            "typical urgency",
                            c["urgency"].as_str().unwrap_or_default(),
                            names.join(", ")
                        ),
                    });
                    citations.push(Citation {
                        id: format!("condition:{}", c["slug"].as_str().unwrap_or_default()),
                        title: pick(c, "name_ko", "name_en", lang).to_string(),
                        source: "medi conditions (질병관리청 국가건강정보포털 요약)".into(),
                        url: None,
                    });
                }
            }
        }
        // Where to go: the clinic service, when the question asks for a
        // place and says where (a region, or the person's location).
        let symptoms_this_turn = !t.matched_rules.is_empty()
            || !named_departments.is_empty()
            || routed.as_ref().and_then(|r| r["recognised"].as_bool()) == Some(true);
        let department_now = departments.iter().find(|d| *d != "emergency_medicine").cloned();
        if symptoms_this_turn {
            if let Some(d) = &department_now {
                entities.push(("last_department", d.clone()));
            }
        }
        let clinic_ask = crate::places::clinic_ask(&text);
        if let Some(ask) = &clinic_ask {
            let near = req.lat.zip(req.lon);
            if ask.region.is_some() || near.is_some() {
                let department = if symptoms_this_turn {
                    department_now
                } else {
                    // "근처 병원 알려줘" after describing symptoms: the department of that turn.
                    let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
                    conn.hget(session_key(ctx, &owner, &id, "entities"), "last_department").await.map_err(redis_down)?
                };
                if let Some(found) = find_clinics(ctx, department.as_deref(), ask, near, &mut degraded).await {
                    out.push_str(&clinics_text(&found, department.as_deref(), ask, lang));
                    clinics = found;
                }
            } else {
                out.push_str(match lang {
                    Lang::Ko => {
                        "\n\n지역(예: 강남구)을 알려 주시거나 위치 공유를 허용하시면 가까운 병원을 찾아 드릴게요."
                    }
                    Lang::En => {
                        "\n\nTell me the area (e.g. Gangnam-gu) or share your location and I will find clinics nearby."
                    }
                });
            }
        }
        if !retrieved.is_empty() {
            out.push_str(match lang {
                Lang::Ko => "\n\n관련 건강 정보:",
                Lang::En => "\n\nFrom the health library:",
            });
            for h in &retrieved {
                let p = &h.passage;
                out.push_str(&format!("\n- {}: {}", p.title, grounded_excerpt(&p.text)));
                passages.push(crate::generator::Passage {
                    citation_id: p.id.clone(),
                    title: p.title.clone(),
                    text: p.text.clone(),
                });
                if !citations.iter().any(|c: &Citation| c.id == p.id) {
                    citations.push(Citation {
                        id: p.id.clone(),
                        title: p.title.clone(),
                        source: p.source.clone(),
                        url: p.url.clone(),
                    });
                }
            }
        }
        if drug.is_none()
            && routed.as_ref().and_then(|r| r["recognised"].as_bool()) != Some(true)
            && t.matched_rules.is_empty()
            && retrieved.is_empty()
            && clinic_ask.is_none()
        {
            out.push_str(match lang {
                Lang::Ko => "\n\n이 질문에 대해서는 확실한 정보를 찾지 못했습니다. 증상이나 약 이름을 조금 더 자세히 알려 주세요.",
                Lang::En => "\n\nI could not find reliable information for this question. Please tell me more about the symptoms or the medicine's name.",
            });
        }
        // An OpenAI-compatible model may write the answer from the same
        // passages; triage advice stays first and is not the model's to change.
        if let Some(llm) = &state.settings.llm {
            let mut conn = ctx.redis.conn().await.map_err(redis_down)?;
            let raw: Vec<String> =
                conn.lrange(session_key(ctx, &owner, &id, "turns"), -10, -1).await.map_err(redis_down)?;
            let history: Vec<(String, String)> =
                raw.iter().filter_map(|r| serde_json::from_str::<Turn>(r).ok()).map(|t| (t.role, t.text)).collect();
            let generated = match sink {
                None => crate::generator::generate(llm, lang, &t.advice, &history, &passages, &text).await,
                Some(sink) => {
                    // Triage advice first, then the model's tokens as they come.
                    sink.delta(&format!("{}\n\n", t.advice));
                    let mut on_delta = |piece: &str| sink.delta(piece);
                    crate::generator::generate_stream(llm, lang, &t.advice, &history, &passages, &text, &mut on_delta)
                        .await
                }
            };
            match generated {
                Some((generated, cited)) => {
                    out = format!("{}\n\n{}{warnings}", t.advice, generated.trim());
                    let keep: Vec<String> =
                        cited.iter().filter_map(|n| passages.get(n - 1)).map(|p| p.citation_id.clone()).collect();
                    citations.retain(|c| keep.contains(&c.id));
                }
                None => degraded.push("llm".into()),
            }
        }
        record_stage("generation", stage);
    }
    for cause in &degraded {
        metrics::counter!("chatbot_degraded_answers_total", "service" => "chatbot", "cause" => cause.clone())
            .increment(1);
    }
    if !degraded.is_empty() {
        out.push_str(match lang {
            Lang::Ko => "\n\n(일부 정보 서비스에 연결하지 못해 답변이 제한적일 수 있습니다.)",
            Lang::En => "\n\n(Some information services could not be reached, so this answer may be incomplete.)",
        });
    }
    let disclaimer = match lang {
        Lang::Ko => DISCLAIMER_KO,
        Lang::En => DISCLAIMER_EN,
    }
    .to_string();
    let now = chrono::Utc::now().timestamp_millis();
    let message_id = uuid::Uuid::new_v4().to_string();
    let suggestions = match lang {
        Lang::Ko => vec!["근처에 지금 문 연 병원 알려줘".to_string(), "이 약을 다른 약과 같이 먹어도 돼?".to_string()],
        Lang::En => vec![
            "Which clinics near me are open now?".to_string(),
            "Can I take this with my other medicines?".to_string(),
        ],
    };
    let level = t.level.clone();
    let message = AssistantMessage {
        id: message_id.clone(),
        role: "assistant".into(),
        text: out,
        triage: TriageSummary { level: t.level, call_119: t.call_119, matched_rules: t.matched_rules },
        departments,
        citations,
        clinics,
        drugs,
        guides,
        disclaimer,
        suggestions,
        degraded,
        lang: lang.as_str().into(),
    };
    let user_turn =
        Turn { id: uuid::Uuid::new_v4().to_string(), role: "user".into(), text: text.clone(), at: now, message: None };
    let assistant_turn = Turn {
        id: message_id.clone(),
        role: "assistant".into(),
        text: message.text.clone(),
        at: now + 1,
        message: Some(Box::new(message.clone())),
    };
    append_turns(ctx, &owner, &id, &[user_turn, assistant_turn], &entities).await?;
    remember_answer(ctx, &owner, &id, &message_id, &text, &message.text, &message.citations).await?;
    metrics::counter!("chatbot_turns_total", "service" => "chatbot", "lang" => lang.as_str(), "level" => level)
        .increment(1);
    metrics::histogram!("chatbot_answer_duration_seconds", "service" => "chatbot")
        .record(started.elapsed().as_secs_f64());
    Ok(message)
}
