#[tokio::main]
async fn main() -> std::process::ExitCode {
    kit::run(category::SPEC, category::routes).await
}
