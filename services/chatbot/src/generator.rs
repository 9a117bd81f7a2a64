//! The answer generator. The default is the offline grounded composer in
//! `conversation.rs`; with `MEDI_LLM_BASE_URL` set, an OpenAI-compatible
//! chat-completions endpoint writes the answer instead, from a prompt that
//! carries the history window and the numbered passages the services
//! returned. Citations in its answer must point at those passages; any other
//! `[n]` is removed. If the endpoint fails, the composer's answer is used and
//! the answer says so (`degraded: ["llm"]`). Triage always comes first and is
//! never left to the model: emergencies are answered before it is called.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// e.g. `https://api.example.com` (the `/v1/chat/completions` path is added).
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
}

/// A passage the answer may cite, numbered from 1 in the prompt.
#[derive(Debug, Clone, Serialize)]
pub struct Passage {
    pub citation_id: String,
    pub title: String,
    pub text: String,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'a str,
    content: String,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ReplyMessage,
}

#[derive(Deserialize)]
struct ReplyMessage {
    content: String,
}

const SYSTEM_KO: &str = "당신은 한국어로 답하는 의료 정보 도우미입니다. 아래 번호가 붙은 자료에 있는 내용만 사용해 답하고, 사용한 자료는 [1]처럼 번호로 표시하세요. 자료에 없는 내용은 모른다고 말하세요. 진단을 내리지 말고, 진료를 미루라고 하지 마세요. 분류 결과(triage)의 권고를 먼저 말하세요.";
const SYSTEM_EN: &str = "You are a medical-information assistant. Answer only from the numbered passages below and cite them like [1]. Say plainly when they do not contain the answer. Never diagnose and never tell anyone to skip care. State the triage advice first.";

fn request_body(
    config: &LlmConfig,
    lang: textmatch::Lang,
    triage_advice: &str,
    history: &[(String, String)],
    passages: &[Passage],
    question: &str,
    stream: bool,
) -> serde_json::Value {
    let mut context = format!("triage: {triage_advice}\n\n");
    for (i, p) in passages.iter().enumerate() {
        context.push_str(&format!("[{}] {}\n{}\n\n", i + 1, p.title, p.text));
    }
    let mut messages = vec![ChatMessage {
        role: "system",
        content: format!(
            "{}\n\n{context}",
            match lang {
                textmatch::Lang::Ko => SYSTEM_KO,
                textmatch::Lang::En => SYSTEM_EN,
            }
        ),
    }];
    for (role, text) in history.iter().rev().take(10).rev() {
        messages
            .push(ChatMessage { role: if role == "assistant" { "assistant" } else { "user" }, content: text.clone() });
    }
    messages.push(ChatMessage { role: "user", content: question.to_string() });
    let mut body = serde_json::json!({ "model": config.model, "messages": messages, "temperature": 0.2 });
    if stream {
        body["stream"] = serde_json::json!(true);
    }
    body
}

/// POSTs a chat-completions request; `None` on any transport or HTTP error.
/// One client (and its connection pool) serves every turn; the timeout is
/// per request.
async fn post_completion(config: &LlmConfig, body: &serde_json::Value) -> Option<reqwest::Response> {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(reqwest::Client::new);
    let mut request =
        client.post(format!("{}/v1/chat/completions", config.base_url)).timeout(config.timeout).json(body);
    if let Some(key) = &config.api_key {
        request = request.bearer_auth(key);
    }
    request.send().await.ok()?.error_for_status().ok()
}

/// Asks the endpoint for an answer; `None` when it fails (the caller falls
/// back to the composer). `history` is the recent window as (role, text).
pub async fn generate(
    config: &LlmConfig,
    lang: textmatch::Lang,
    triage_advice: &str,
    history: &[(String, String)],
    passages: &[Passage],
    question: &str,
) -> Option<(String, Vec<usize>)> {
    let body = request_body(config, lang, triage_advice, history, passages, question, false);
    let response = post_completion(config, &body).await?;
    let completion: Completion = response.json().await.ok()?;
    let text = completion.choices.into_iter().next()?.message.content;
    Some(keep_valid_citations(&text, passages.len()))
}

/// The same request with `stream: true`: the endpoint's server-sent
/// `chat.completion.chunk` events are passed to `on_delta` as they arrive,
/// with citation markers that do not point at a given passage removed
/// (a marker split across chunks is held back until it is complete).
/// `None` when the endpoint fails before or during the stream.
pub async fn generate_stream(
    config: &LlmConfig,
    lang: textmatch::Lang,
    triage_advice: &str,
    history: &[(String, String)],
    passages: &[Passage],
    question: &str,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Option<(String, Vec<usize>)> {
    let body = request_body(config, lang, triage_advice, history, passages, question, true);
    let mut response = post_completion(config, &body).await?;
    let mut pending = Vec::<u8>::new();
    let mut text = String::new();
    let mut filter = CitationFilter::new(passages.len());
    let mut done = false;
    while !done {
        let Some(chunk) = response.chunk().await.ok()? else { break };
        pending.extend_from_slice(&chunk);
        // Events end with a blank line; lines may arrive split across chunks.
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim().strip_prefix("data:") else { continue };
            let data = data.trim();
            if data == "[DONE]" {
                done = true;
                break;
            }
            let Ok(v) = serde_json::from_str::<serde_json::Value>(data) else { continue };
            if let Some(piece) = v["choices"][0]["delta"]["content"].as_str() {
                text.push_str(piece);
                let out = filter.push(piece);
                if !out.is_empty() {
                    on_delta(&out);
                }
            }
        }
    }
    let rest = filter.finish();
    if !rest.is_empty() {
        on_delta(&rest);
    }
    if text.trim().is_empty() {
        return None;
    }
    Some(keep_valid_citations(&text, passages.len()))
}

/// Streams text through [`keep_valid_citations`] piece by piece.
pub struct CitationFilter {
    passages: usize,
    held: String,
}

impl CitationFilter {
    pub fn new(passages: usize) -> CitationFilter {
        CitationFilter { passages, held: String::new() }
    }

    /// What can be shown now; an unfinished `[12` stays held.
    pub fn push(&mut self, piece: &str) -> String {
        self.held.push_str(piece);
        let cut = match self.held.rfind('[') {
            Some(i) => {
                let tail = &self.held[i + 1..];
                let unfinished = !tail.contains(']') && tail.len() <= 3 && tail.bytes().all(|b| b.is_ascii_digit());
                if unfinished {
                    i
                } else {
                    self.held.len()
                }
            }
            None => self.held.len(),
        };
        let ready: String = self.held.drain(..cut).collect();
        keep_valid_citations(&ready, self.passages).0
    }

    pub fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.held);
        keep_valid_citations(&rest, self.passages).0
    }
}

/// Removes `[n]` markers that do not point at a given passage and returns
/// the passages actually cited (1-based).
pub fn keep_valid_citations(text: &str, passages: usize) -> (String, Vec<usize>) {
    let re = regex::Regex::new(r"\[(\d{1,3})\]").expect("static regex");
    let mut cited = Vec::new();
    let cleaned = re
        .replace_all(text, |c: &regex::Captures<'_>| match c.get(1).and_then(|m| m.as_str().parse::<usize>().ok()) {
            Some(n) if (1..=passages).contains(&n) => {
                if !cited.contains(&n) {
                    cited.push(n);
                }
                c.get(0).map(|m| m.as_str().to_string()).unwrap_or_default()
            }
            _ => String::new(),
        })
        .to_string();
    (cleaned, cited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_loses_invalid_citations_even_when_split_across_pieces() {
        let mut f = CitationFilter::new(2);
        let mut out = String::new();
        for piece in ["See [", "1] and [", "9", "] or [2", "]; [x] ok [1"] {
            out.push_str(&f.push(piece));
        }
        out.push_str(&f.finish());
        assert_eq!(out, "See [1] and  or [2]; [x] ok [1");
    }

    #[test]
    fn citations_must_point_at_given_passages() {
        let (text, cited) = keep_valid_citations("A [1], B [3], C [2] [1]", 2);
        assert_eq!(text, "A [1], B , C [2] [1]");
        assert_eq!(cited, vec![1, 2]);
    }
}
