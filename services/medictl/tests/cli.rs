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
