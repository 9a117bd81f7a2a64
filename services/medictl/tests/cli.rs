//! The operator CLI end to end: `migrate`, `seed` and every `import`, run as
//! the real binary against fresh databases and a Redis prefix.

use std::process::Command;

use kit::testing::TestStores;

fn medictl(stores: &TestStores, args: &[&str]) -> (bool, String) {
    let c = &stores.config;
    let out = Command::new(env!("CARGO_BIN_EXE_medictl"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MEDI_ENV", "test")
        .env("MEDI_GLOBAL_DATABASE_URL", &c.global_database_url)
        .env("MEDI_SHARD_DATABASE_URLS", c.shard_database_urls.join(","))
        .env("MEDI_REDIS_URL", &c.redis_url)
        .env("MEDI_REDIS_PREFIX", &c.redis_prefix)
        // No .env from the work tree.
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run medictl");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

async fn count(stores: &TestStores, table: &str) -> i64 {
    let ctx = stores.ctx("medictl");
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&ctx.db.global).await.expect("count")
}

fn sample(name: &str) -> String {
    format!("{}/../../data/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn migrate_seed_and_import_every_public_format() {
    let stores = TestStores::new().await;
    let (ok, out) = medictl(&stores, &["migrate"]);
    assert!(ok, "{out}");
    assert!(out.contains("2 shard DB(s)"), "{out}");

    let (ok, out) = medictl(&stores, &["seed"]);
    assert!(ok, "{out}");
    for table in ["drugs", "conditions", "first_aid_guides", "emergency_rooms", "clinics", "categories", "departments"]
    {
        assert!(count(&stores, table).await > 0, "{table} seeded: {out}");
    }
    let drugs = count(&stores, "drugs").await;
    let (ok, out) = medictl(&stores, &["seed"]);
    assert!(ok, "{out}");
    assert_eq!(count(&stores, "drugs").await, drugs, "seeding twice changes nothing");

    let (ok, out) = medictl(&stores, &["reconcile", "--older-than-secs", "0"]);
    assert!(ok && out.contains("0 activated, 0 removed"), "{out}");

    let (ok, out) = medictl(&stores, &["import", "drugs", &sample("edrug_sample.json")]);
    assert!(ok && out.contains("4 new"), "{out}");
    let (ok, out) = medictl(&stores, &["import", "emergency-rooms", &sample("emergency_rooms.json")]);
    assert!(ok && out.contains("0 new"), "re-import of the seeded list only updates: {out}");
    let clinics = count(&stores, "clinics").await;
    let (ok, out) = medictl(
        &stores,
        &[
            "import",
            "clinics",
            &sample("hira_hospitals_sample.csv"),
            "--departments",
            &sample("hira_departments_sample.csv"),
        ],
    );
    assert!(ok, "{out}");
    assert!(count(&stores, "clinics").await > clinics, "{out}");
}

#[tokio::test]
async fn bad_files_and_configuration_fail_clearly() {
    let stores = TestStores::new().await;
    let (ok, out) = medictl(&stores, &["import", "drugs", "/nonexistent/file.json"]);
    assert!(!ok);
    assert!(out.contains("cannot read /nonexistent/file.json"), "{out}");

    let out = Command::new(env!("CARGO_BIN_EXE_medictl"))
        .arg("migrate")
        .env_clear()
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MEDI_GLOBAL_DATABASE_URL is required"), "{err}");
}

#[test]
fn generated_signing_keys_parse() {
    let out = Command::new(env!("CARGO_BIN_EXE_medictl"))
        .args(["keys", "generate", "--kid", "k2026"])
        .env_clear()
        .output()
        .expect("run");
    assert!(out.status.success());
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let keys = kit::auth::parse_signing_keys(&line).expect("the printed key parses");
    assert_eq!(keys[0].kid, "k2026");
}

// Multi-threaded: the in-process services answer while the test waits for the CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_build_writes_the_knowledge_index_from_the_running_services() {
    use kit::testing::TestServer;
    let stores = TestStores::new().await;
    let (ok, out) = medictl(&stores, &["seed"]);
    assert!(ok, "{out}");
    // With the signing keys in the environment, medictl signs a dictionary
    // token, so the index gets the drug aliases; the drug service trusts the key.
    let key = kit::auth::KeyPair::generate("k1");
    let ctx = stores.ctx("drug");
    ctx.auth.set_keys(&kit::auth::Jwks { keys: vec![key.jwk()] }).await;
    let drug_server = TestServer::spawn(kit::app(&drug::SPEC, ctx.clone(), drug::routes(ctx))).await;
    let ctx = stores.ctx("internal_external");
    let ie = TestServer::spawn(kit::app(&internal_external::SPEC, ctx.clone(), internal_external::routes(ctx))).await;
    let ctx = stores.ctx("emergency-support");
    let es = TestServer::spawn(kit::app(&emergency_support::SPEC, ctx.clone(), emergency_support::routes(ctx))).await;
    let ctx = stores.ctx("category");
    let cat = TestServer::spawn(kit::app(&category::SPEC, ctx.clone(), category::routes(ctx))).await;

    let dir = std::env::temp_dir().join(format!("medictl-index-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.to_string_lossy().to_string();
    let c = &stores.config;
    let run = |urls: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_medictl"));
        cmd.args(["index", "build", "--out", &dir_s])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MEDI_ENV", "test")
            .env("MEDI_GLOBAL_DATABASE_URL", &c.global_database_url)
            .env("MEDI_SHARD_DATABASE_URLS", c.shard_database_urls.join(","))
            .env("MEDI_REDIS_URL", &c.redis_url)
            .env("MEDI_REDIS_PREFIX", &c.redis_prefix)
            .current_dir(std::env::temp_dir());
        for (k, v) in urls {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run medictl");
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };

    // The services are not where the configuration says: a clear failure.
    let (ok, out) = run(&[("MEDI_DRUG_URL", "http://127.0.0.1:1")]);
    assert!(!ok && out.contains("must be running"), "{out}");

    let keys = format!("k1:{}", key.seed_b64());
    let (ok, out) = run(&[
        ("MEDI_JWT_SIGNING_KEYS", &keys),
        ("MEDI_DRUG_URL", &drug_server.base_url),
        ("MEDI_INTERNAL_EXTERNAL_URL", &ie.base_url),
        ("MEDI_EMERGENCY_SUPPORT_URL", &es.base_url),
        ("MEDI_CATEGORY_URL", &cat.base_url),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("passages"), "{out}");
    let index = knowledge::KnowledgeIndex::load(&dir, &knowledge::HashedNgramEmbedder::default()).expect("loads");
    let ids: Vec<&str> = index.meta.passages.iter().map(|p| p.id.as_str()).collect();
    for want in
        ["drug:tylenol-500#usage", "condition:migraine#symptoms", "guide:cpr-adult#steps", "department:dermatology"]
    {
        assert!(ids.contains(&want), "{want} missing");
    }
    // The same content as the seeds give (the services publish what was
    // seeded): the benchmark searches what the live index holds.
    assert_eq!(knowledge::corpus::SEED_DRUG_SOURCE, drug::load::SEED_SOURCE);
    let seed = knowledge::seed_corpus().expect("seed");
    assert_eq!(index.len(), seed.len());
    let differing: Vec<String> = index
        .meta
        .passages
        .iter()
        .zip(&seed)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            format!(
                "{}@{}: {:?} vs {:?}",
                a.id,
                a.lang,
                (&a.title, &a.source, &a.keywords),
                (&b.title, &b.source, &b.keywords)
            )
        })
        .take(3)
        .collect();
    assert!(differing.is_empty(), "{differing:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}
