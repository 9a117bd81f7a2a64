#[tokio::main]
async fn main() -> std::process::ExitCode {
    kit::run(internal_external::SPEC, internal_external::routes).await
}
