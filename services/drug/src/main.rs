//! The drug service binary.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kit::run(drug::SPEC, drug::routes).await
}
