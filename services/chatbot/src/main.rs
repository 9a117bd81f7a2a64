//! The chatbot service binary (accounts under `/account`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kit::run(chatbot::SPEC, chatbot::routes).await
}
