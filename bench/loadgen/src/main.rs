//! A bounded HTTP load generator for the benchmarks in `bench/`.
//!
//! Sends GET requests (rotating through the given URLs) from N concurrent
//! workers for a fixed time or request count, then prints throughput and
//! latency percentiles. It refuses non-loopback targets unless told
//! otherwise, and always stops by itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "loadgen", about = "Bounded HTTP load generator (loopback only by default)")]
struct Args {
    /// Target URL; repeat to rotate through several (e.g. different queries).
    /// `{n}` in a URL becomes a request counter (1..=10000), which makes
    /// every request distinct, e.g. to measure without the cache.
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    /// Concurrent workers (connections).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Measured run time in seconds (at most 300).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Warm-up seconds before measuring (fills caches and connection pools).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Stop after this many measured requests (0: no limit besides time).
    #[arg(long, default_value_t = 0)]
    max_requests: u64,
    /// Print one JSON line instead of text.
    #[arg(long)]
    json: bool,
    /// Allow targets outside 127.0.0.0/8 and ::1.
    #[arg(long)]
    allow_remote: bool,
    /// Send this JSON body with POST instead of GET.
    #[arg(long)]
    body: Option<String>,
    /// Extra header `Name: value`; repeat for several.
    #[arg(long = "header")]
    headers: Vec<String>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, serde::Serialize)]
struct Report {
    requests: u64,
    errors: u64,
    seconds: f64,
    throughput_rps: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    concurrency: usize,
}

fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else { return false };
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[derive(Clone)]
struct RequestShape {
    body: Option<String>,
    headers: Vec<(String, String)>,
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    client: reqwest::Client,
    shape: RequestShape,
    urls: Arc<Vec<String>>,
    offset: usize,
    until: Instant,
    measure_from: Instant,
    budget: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
) -> Vec<f64> {
    let mut latencies = Vec::new();
    let mut i = offset;
    while Instant::now() < until {
        let measuring = Instant::now() >= measure_from;
        if measuring && budget.fetch_sub(1, Ordering::SeqCst) == 0 {
            budget.store(0, Ordering::SeqCst);
            break;
        }
        let template = &urls[i % urls.len()];
        i += 1;
        let url = if template.contains("{n}") {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed) % 10_000 + 1;
            template.replace("{n}", &n.to_string())
        } else {
            template.clone()
        };
        let started = Instant::now();
        let mut request = match &shape.body {
            Some(body) => client.post(&url).header("content-type", "application/json").body(body.clone()),
            None => client.get(&url),
        };
        for (name, value) in &shape.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let ok = match request.send().await {
            Ok(r) => {
                let ok = r.status().is_success();
                let _ = r.bytes().await;
                ok
            }
            Err(_) => false,
        };
        if measuring {
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            if !ok {
                errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    latencies
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.duration > 0 && args.duration <= 300, "--duration must be 1..=300 seconds");
    anyhow::ensure!(args.concurrency > 0 && args.concurrency <= 512, "--concurrency must be 1..=512");
    if !args.allow_remote {
        for u in &args.urls {
            anyhow::ensure!(is_loopback(u), "{u} is not on loopback; pass --allow-remote to load another host");
        }
    }
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).timeout(Duration::from_secs(10)).build()?;
    let urls = Arc::new(args.urls.clone());
    let headers = args
        .headers
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| anyhow::anyhow!("--header {h:?} is not `Name: value`"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let shape = RequestShape { body: args.body.clone(), headers };
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let until = measure_from + Duration::from_secs(args.duration);
    let budget = Arc::new(AtomicU64::new(if args.max_requests == 0 { u64::MAX } else { args.max_requests }));
    let errors = Arc::new(AtomicU64::new(0));

    let tasks: Vec<_> = (0..args.concurrency)
        .map(|w| {
            tokio::spawn(worker(
                client.clone(),
                shape.clone(),
                urls.clone(),
                w,
                until,
                measure_from,
                budget.clone(),
                errors.clone(),
            ))
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await?);
    }
    let seconds = Instant::now().saturating_duration_since(measure_from).as_secs_f64().max(0.001);
    latencies.sort_by(f64::total_cmp);
    let report = Report {
        requests: latencies.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        seconds: (seconds * 100.0).round() / 100.0,
        throughput_rps: (latencies.len() as f64 / seconds * 10.0).round() / 10.0,
        p50_ms: percentile(&latencies, 50.0),
        p90_ms: percentile(&latencies, 90.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(0.0),
        concurrency: args.concurrency,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} requests in {:.1} s ({} errors), {:.0} req/s, latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}, concurrency {}",
            report.requests,
            report.seconds,
            report.errors,
            report.throughput_rps,
            report.p50_ms,
            report.p90_ms,
            report.p99_ms,
            report.max_ms,
            report.concurrency
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_by_default() {
        assert!(is_loopback("http://127.0.0.1:8104/drug"));
        assert!(is_loopback("http://[::1]:8104/drug"));
        assert!(is_loopback("http://localhost:8104/drug"));
        assert!(!is_loopback("http://10.0.0.5:8104/drug"));
        assert!(!is_loopback("http://example.com/"));
    }

    #[test]
    fn percentiles_pick_ranks() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 51.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }
}
