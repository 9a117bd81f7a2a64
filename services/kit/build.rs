// `sqlx::migrate!` embeds the migration files at compile time; a new file in
// the folders must trigger a rebuild too.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
