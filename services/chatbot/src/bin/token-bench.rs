//! In-process token throughput: how many access tokens one core signs and
//! verifies per second (the work every service does on every authenticated
//! request). `cargo run --release -p chatbot --bin token-bench [count]`.

use std::time::Instant;

use kit::auth::{now_secs, verify_with, Claims, KeyPair, TokenType, USER_AUDIENCE};

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let key = KeyPair::generate("bench");
    let verifying = key.verifying_key();
    let now = now_secs();
    let claims = |i: usize| Claims {
        iss: "medi".into(),
        sub: format!("user-{i}"),
        aud: USER_AUDIENCE.into(),
        exp: now + 900,
        iat: now,
        jti: format!("jti-{i}"),
        typ: TokenType::User,
        scope: "profile:read profile:write".into(),
        shard: Some(0),
    };
    let started = Instant::now();
    let tokens: Vec<String> = (0..count).map(|i| key.sign(&claims(i))).collect();
    let sign_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut ok = 0usize;
    for t in &tokens {
        if verify_with(t, Some(&verifying), "medi", &[USER_AUDIENCE], now).is_ok() {
            ok += 1;
        }
    }
    let verify_secs = started.elapsed().as_secs_f64();
    assert_eq!(ok, count, "every token verifies");
    println!(
        "{count} tokens: sign {:.0}/s ({:.1} µs each), verify {:.0}/s ({:.1} µs each), one core",
        count as f64 / sign_secs,
        sign_secs * 1e6 / count as f64,
        count as f64 / verify_secs,
        verify_secs * 1e6 / count as f64
    );
}
