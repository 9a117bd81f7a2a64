#[tokio::main]
async fn main() -> std::process::ExitCode {
    kit::run(emergency_support::SPEC, emergency_support::routes).await
}
