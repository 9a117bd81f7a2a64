//! `medictl`: the operators' CLI.
//!
//! ```text
//! medictl migrate [--create]     global + every shard
//! medictl seed                   load the bundled reference data
//! medictl import drugs <file>    e약은요 JSON (body.items[])
//! medictl import clinics <hospitals.csv> [--departments <departments.csv>]
//! medictl import emergency-rooms <file>   E-Gen JSON
//! medictl reconcile [--older-than-secs N]   finish or undo half-done signups and deletions
//! medictl keys generate          a new token-signing key
//! medictl feedback export [--out FILE]      chatbot ratings as JSONL
//! medictl index build [--out DIR] [--from-seed]   the chatbot's knowledge index
//! medictl up                     migrate, seed, run every built service
//! ```
//!
//! Configuration comes from the environment (and `.env`), like the services.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use kit::config::SERVICES;
use kit::{Config, Ctx};

#[derive(Parser)]
#[command(name = "medictl", version, about = "Operate the medi platform: migrations, reference data, local runs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the migrations to the global DB and every shard DB.
    Migrate {
        /// Create the databases first when they do not exist (local set-ups).
        #[arg(long)]
        create: bool,
    },
    /// Load the bundled reference data (idempotent).
    Seed,
    /// Import a public data set.
    Import {
        #[command(subcommand)]
        what: ImportKind,
    },
    /// Finish or undo half-done signups and finish interrupted account
    /// deletions (idempotent; run it on a schedule).
    Reconcile {
        /// Only touch rows at least this old, so signups in flight are left alone.
        #[arg(long, default_value_t = 600)]
        older_than_secs: u64,
    },
    /// Chatbot feedback for review.
    Feedback {
        #[command(subcommand)]
        what: FeedbackCommand,
    },
    /// The chatbot's knowledge index (FAISS + keywords over what the services publish).
    Index {
        #[command(subcommand)]
        what: IndexCommand,
    },
    /// Token-signing keys for the accounts service.
    Keys {
        #[command(subcommand)]
        what: KeysCommand,
    },
    /// Migrate, seed and run every service built so far until ctrl-c.
    Up {
        /// Directory holding the service binaries (default: next to medictl).
        #[arg(long)]
        bin_dir: Option<PathBuf>,
        /// Skip creating databases, migrating and seeding.
        #[arg(long)]
        no_setup: bool,
    },
}

#[derive(Subcommand)]
enum FeedbackCommand {
    /// Write every rating with its question, answer and citations as JSONL
    /// (to a file, or standard output when none is given).
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Fetch every drug label, condition, first-aid guide, category and
    /// department from the running services (REST), chunk, embed (the
    /// MEDI_EMBEDDINGS_* endpoint, or the offline embedder) and write
    /// index.faiss + passages.json. The chatbot loads it at start.
    Build {
        /// Output directory (default: MEDI_KNOWLEDGE_INDEX_PATH, else var/knowledge).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Build from the bundled seed files instead of the services.
        #[arg(long)]
        from_seed: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a new Ed25519 signing key as `kid:seed` for MEDI_JWT_SIGNING_KEYS.
    /// To rotate, put the new key first and keep the old one until the
    /// longest access token signed with it has expired.
    Generate {
        /// Key id (default: key-<date>).
        #[arg(long)]
        kid: Option<String>,
    },
}

#[derive(Subcommand)]
enum ImportKind {
    /// The Korean drug authority's e약은요 JSON (`body.items[]`, `items[]` or an array).
    Drugs { file: PathBuf },
    /// The national hospital list (HIRA CSV, CP949 or UTF-8), with its departments file.
    Clinics {
        file: PathBuf,
        /// The departments file keyed by 암호화요양기호 (진료과목코드).
        #[arg(long)]
        departments: Option<PathBuf>,
    },
    /// The national emergency-room list (E-Gen JSON: response.body.items.item[]).
    EmergencyRooms { file: PathBuf },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Generating a key needs no configuration.
    if let Command::Keys { what: KeysCommand::Generate { kid } } = &cli.command {
        let kid = kid.clone().unwrap_or_else(|| format!("key-{}", chrono::Utc::now().format("%Y%m%d%H%M%S")));
        let key = kit::auth::KeyPair::generate(&kid);
        println!("{}:{}", key.kid, key.seed_b64());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("medictl: {e}");
            return ExitCode::from(2);
        }
    };
    kit::telemetry::init(kit::config::LogFormat::Pretty, "warn");
    match run(cli.command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("medictl: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Migrate { create } => migrate(&config, create).await,
        Command::Seed => seed(&config).await,
        Command::Import { what: ImportKind::Drugs { file } } => import_drugs(&config, &file).await,
        Command::Import { what: ImportKind::Clinics { file, departments } } => {
            import_clinics(&config, &file, departments.as_deref()).await
        }
        Command::Import { what: ImportKind::EmergencyRooms { file } } => import_rooms(&config, &file).await,
        Command::Keys { .. } => Ok(()),
        Command::Index { what: IndexCommand::Build { out, from_seed } } => build_index(&config, out, from_seed).await,
        Command::Feedback { what: FeedbackCommand::Export { out } } => {
            let ctx = Ctx::new("chatbot", config.clone())?;
            let rows = chatbot::conversation::export_feedback(&ctx).await?;
            let mut text = String::new();
            for row in &rows {
                text.push_str(&serde_json::to_string(row)?);
                text.push('\n');
            }
            match out {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    eprintln!("wrote {} ratings to {}", rows.len(), path.display());
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Reconcile { older_than_secs } => {
            let ctx = Ctx::new("chatbot", config.clone())?;
            let report = chatbot::reconcile(&ctx, Duration::from_secs(older_than_secs)).await?;
            println!(
                "reconciled: {} activated, {} removed, {} deletions finished, {} left for the next pass",
                report.activated, report.removed, report.deleted, report.failed
            );
            if report.failed > 0 {
                anyhow::bail!("{} rows could not be reconciled (a store is down); run again later", report.failed);
            }
            Ok(())
        }
        Command::Up { bin_dir, no_setup } => {
            if !no_setup {
                migrate(&config, true).await?;
                seed(&config).await?;
            }
            up(&config, bin_dir).await
        }
    }
}

fn ctx(config: &Config) -> anyhow::Result<Ctx> {
    Ok(Ctx::new("medictl", config.clone())?)
}

async fn migrate(config: &Config, create: bool) -> anyhow::Result<()> {
    if create {
        kit::db::create_databases(config).await?;
    }
    let ctx = ctx(config)?;
    ctx.db.migrate().await?;
    println!("migrated the global DB and {} shard DB(s)", ctx.db.shard_count());
    Ok(())
}

async fn build_index(config: &Config, out: Option<PathBuf>, from_seed: bool) -> anyhow::Result<()> {
    let out = out
        .or_else(|| std::env::var("MEDI_KNOWLEDGE_INDEX_PATH").ok().filter(|p| !p.trim().is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("var/knowledge"));
    let embedder = knowledge::embed::from_lookup(&|k| std::env::var(k).ok()).map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let passages = if from_seed {
        knowledge::seed_corpus()?
    } else {
        let ctx = Ctx::new("medictl", config.clone())?;
        // With the accounts signing keys at hand (a local .env), sign a
        // dictionary token so the index gets the drug aliases too.
        let token = std::env::var("MEDI_JWT_SIGNING_KEYS")
            .ok()
            .and_then(|spec| kit::auth::parse_signing_keys(&spec).ok())
            .and_then(|keys| keys.into_iter().next())
            .map(|key| {
                let settings = chatbot::AccountSettings::new(vec![key], vec![]);
                chatbot::dictionary_token_minter(&ctx, &settings)()
            });
        knowledge::corpus::fetch_with(&ctx, token)
            .await
            .map_err(|e| anyhow::anyhow!("{e} (the services must be running, e.g. `make up`; or use --from-seed)"))?
    };
    let docs: std::collections::BTreeSet<&str> = passages.iter().map(|p| p.doc_id()).collect();
    let docs = docs.len();
    let index = knowledge::KnowledgeIndex::build(embedder.as_ref(), passages).await?;
    index.save(&out)?;
    println!(
        "wrote {} passages from {docs} documents to {} (embedder {}, fingerprint {}) in {:.1}s",
        index.len(),
        out.display(),
        index.meta.embedder,
        index.fingerprint(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Invalidates cached reads after data changed; a Redis outage only delays
/// freshness until the cache TTL, so it is a warning, not a failure.
async fn invalidate(ctx: &Ctx, namespace: &str) {
    if let Err(e) = ctx.cache().bump(namespace).await {
        eprintln!("warning: could not invalidate the {namespace} cache ({e}); entries expire within the cache TTL");
    }
}

/// Loads every bundled data set, in dependency order, then invalidates the
/// caches that show them.
async fn seed(config: &Config) -> anyhow::Result<()> {
    let ctx = ctx(config)?;
    let pool = &ctx.db.global;

    let drugs = drug::load::parse_seed(drug::load::BUNDLED_SEED)?;
    let report = drug::load::load_seed(pool, &drugs).await?;
    println!(
        "seeded drugs: {} drugs, {} ingredients, {} interactions",
        report.drugs, report.ingredients, report.interactions
    );

    let conditions = internal_external::load::parse_seed(internal_external::load::BUNDLED_SEED)?;
    println!("seeded conditions: {}", internal_external::load::load_seed(pool, &conditions).await?);

    let guides = emergency_support::load::parse_guides(emergency_support::load::BUNDLED_GUIDES)?;
    println!("seeded first-aid guides: {}", emergency_support::load::load_guides(pool, &guides).await?);
    let rooms = emergency_support::load::parse_rooms(emergency_support::load::SAMPLE_ROOMS)?;
    let report = emergency_support::load::import_rooms(pool, &rooms).await?;
    println!("seeded emergency rooms (sample list): {} new, {} updated", report.inserted, report.updated);

    let clinics = clinic::load::parse_seed(clinic::load::BUNDLED_SEED)?;
    println!("seeded clinics: {}", clinic::load::load_seed(pool, &clinics).await?);

    let categories = category::load::parse_seed(category::load::BUNDLED_SEED)?;
    let report = category::load::load_seed(pool, &categories).await?;
    println!("seeded categories: {} categories, {} departments", report.categories, report.departments);
    if !report.stale.is_empty() {
        eprintln!("warning: categories no longer in the seed are still served: {}", report.stale.join(", "));
    }

    for namespace in [
        drug::CACHE_NAMESPACE,
        internal_external::CACHE_NAMESPACE,
        emergency_support::CACHE_NAMESPACE,
        clinic::CACHE_NAMESPACE,
        category::CACHE_NAMESPACE,
    ] {
        invalidate(&ctx, namespace).await;
    }
    Ok(())
}

async fn import_drugs(config: &Config, file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let items = drug::load::parse_edrug(&text)?;
    let ctx = ctx(config)?;
    let report = drug::load::import_edrug(&ctx.db.global, &items).await?;
    invalidate(&ctx, drug::CACHE_NAMESPACE).await;
    // Category pages show drug names.
    invalidate(&ctx, category::CACHE_NAMESPACE).await;
    print_report(file, report.inserted, report.updated, &report.skipped);
    Ok(())
}

async fn import_clinics(config: &Config, file: &Path, departments: Option<&Path>) -> anyhow::Result<()> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()));
    let hospitals = read(file)?;
    let departments = departments.map(read).transpose()?;
    let ctx = ctx(config)?;
    let report = clinic::load::import_hira(&ctx.db.global, &hospitals, departments.as_deref()).await?;
    invalidate(&ctx, clinic::CACHE_NAMESPACE).await;
    print_report(file, report.inserted, report.updated, &report.skipped);
    Ok(())
}

async fn import_rooms(config: &Config, file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let items = emergency_support::load::parse_rooms(&text)?;
    let ctx = ctx(config)?;
    let report = emergency_support::load::import_rooms(&ctx.db.global, &items).await?;
    invalidate(&ctx, emergency_support::CACHE_NAMESPACE).await;
    print_report(file, report.inserted, report.updated, &report.skipped);
    Ok(())
}

fn print_report(file: &Path, inserted: usize, updated: usize, skipped: &[(usize, String)]) {
    println!("imported {}: {} new, {} updated, {} skipped", file.display(), inserted, updated, skipped.len());
    for (position, reason) in skipped.iter().take(20) {
        println!("  item #{position}: {reason}");
    }
    if skipped.len() > 20 {
        println!("  ... and {} more", skipped.len() - 20);
    }
}

struct Running {
    name: &'static str,
    url: String,
    child: tokio::process::Child,
}

async fn up(config: &Config, bin_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let bin_dir = match bin_dir {
        Some(d) => d,
        None => std::env::current_exe()?
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| anyhow::anyhow!("cannot locate the service binaries"))?,
    };
    let mut running: Vec<Running> = Vec::new();
    for service in SERVICES {
        let binary = bin_dir.join(service.name);
        if !binary.is_file() {
            continue;
        }
        let port = config.endpoint(service.name).map(|e| e.port).unwrap_or(service.default_port);
        let child = tokio::process::Command::new(&binary)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", binary.display()))?;
        running.push(Running { name: service.name, url: format!("http://{}:{port}", config.bind_host), child });
    }
    anyhow::ensure!(!running.is_empty(), "no service binaries in {}; run `cargo build` first", bin_dir.display());

    let http = reqwest::Client::new();
    for svc in &mut running {
        wait_until_ready(&http, svc).await?;
    }
    println!();
    println!("medi is up:");
    for svc in &running {
        println!("  {:<20} {}   (ready: {}/health/ready, metrics: {}/metrics)", svc.name, svc.url, svc.url, svc.url);
    }
    println!("press ctrl-c to stop");

    tokio::select! {
        () = kit::server::shutdown_signal() => {}
        exited = first_exit(&mut running) => {
            eprintln!("medictl: {exited}; stopping the others");
        }
    }
    stop_all(&mut running).await;
    println!("stopped");
    Ok(())
}

async fn wait_until_ready(http: &reqwest::Client, svc: &mut Running) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        if let Some(status) = svc.child.try_wait()? {
            anyhow::bail!("{} exited during start-up ({status})", svc.name);
        }
        let live = http.get(format!("{}/health/ready", svc.url)).timeout(Duration::from_secs(2)).send().await;
        match live {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) if started.elapsed() > Duration::from_secs(30) => {
                anyhow::bail!("{} is not ready after 30 s: {}", svc.name, r.text().await.unwrap_or_default())
            }
            Err(e) if started.elapsed() > Duration::from_secs(30) => {
                anyhow::bail!("{} did not answer within 30 s: {e}", svc.name)
            }
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn first_exit(running: &mut [Running]) -> String {
    loop {
        for svc in running.iter_mut() {
            if let Ok(Some(status)) = svc.child.try_wait() {
                return format!("{} exited ({status})", svc.name);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// SIGTERM to each service (they drain in-flight requests), then wait.
async fn stop_all(running: &mut [Running]) {
    for svc in running.iter() {
        if let Some(pid) = svc.child.id() {
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        }
    }
    for svc in running.iter_mut() {
        if tokio::time::timeout(Duration::from_secs(25), svc.child.wait()).await.is_err() {
            let _ = svc.child.kill().await;
        }
    }
}
