#[tokio::main]
async fn main() -> std::process::ExitCode {
    kit::run(clinic::SPEC, clinic::routes).await
}
