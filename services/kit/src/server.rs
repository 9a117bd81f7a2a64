//! The server: the kit's routes and layers around a service's routes, and a
//! listener with graceful shutdown and a bounded drain.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{middleware, Json, Router};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::config::{Config, ServiceInfo};
use crate::error::Error;
use crate::{health, metrics, openapi, request_id, telemetry, Ctx};

/// What a service tells the kit about itself.
#[derive(Clone, Copy)]
pub struct ServiceSpec {
    /// One of [`crate::config::SERVICES`]; picks the port and metric label.
    pub name: &'static str,
    /// The service's OpenAPI document (its paths and schemas).
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

/// The full application: the service's routes plus `/health/*`, `/metrics`,
/// `/openapi.json`, a JSON 404 fallback, and the kit's layers (request id,
/// metrics, timeout, panic catcher, body limit).
pub fn app(spec: &ServiceSpec, ctx: Ctx, routes: Router) -> Router {
    // Install the recorder before the first request is counted.
    metrics::handle();
    let doc = openapi::with_kit((spec.openapi)());
    let kit_routes = Router::new()
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .with_state(ctx.clone())
        .route("/openapi.json", get(move || async move { Json(doc) }));

    let limit = ctx.config.body_limit_bytes;
    routes.merge(kit_routes).fallback(not_found).layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(request_id::middleware))
            .layer(middleware::from_fn_with_state(spec.name, metrics::track_http))
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, ctx.config.request_timeout))
            .layer(CatchPanicLayer::new())
            .layer(RequestBodyLimitLayer::new(limit))
            .layer(DefaultBodyLimit::max(limit)),
    )
}

async fn not_found(uri: Uri) -> Error {
    Error::NotFound(format!("no route for {}", uri.path()))
}

/// Serves `app` until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish for at most `drain`, and returns.
pub async fn serve<F>(listener: TcpListener, app: Router, drain: Duration, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(
        async move {
            let _ = stop_rx.await;
        },
    );
    let mut task = tokio::spawn(async move { server.await });
    tokio::select! {
        finished = &mut task => return finished.unwrap_or_else(|e| Err(std::io::Error::other(e))),
        () = shutdown => {}
    }
    tracing::info!(drain_secs = drain.as_secs(), "shutting down: draining in-flight requests");
    let _ = stop_tx.send(());
    match tokio::time::timeout(drain, &mut task).await {
        Ok(finished) => finished.unwrap_or_else(|e| Err(std::io::Error::other(e))),
        Err(_) => {
            tracing::warn!("drain time exceeded; closing remaining connections");
            task.abort();
            Ok(())
        }
    }
}

/// Resolves on SIGTERM or ctrl-c.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// The whole `main` of a service: config, telemetry, metrics, pools, the
/// app from `routes`, and the server on the service's configured port.
pub async fn run(spec: ServiceSpec, routes: fn(Ctx) -> Router) -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {e}", spec.name);
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_filter);
    match run_with(spec, routes, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "service stopped with an error");
            eprintln!("{}: {e:#}", spec.name);
            ExitCode::FAILURE
        }
    }
}

async fn run_with(spec: ServiceSpec, routes: fn(Ctx) -> Router, config: Config) -> anyhow::Result<()> {
    let info = ServiceInfo::by_name(spec.name).ok_or_else(|| anyhow::anyhow!("unknown service {}", spec.name))?;
    metrics::handle();
    metrics::record_build_info(info.name);
    metrics::register_error_counters(info.name);
    let port = config.endpoint(info.name).map(|e| e.port).unwrap_or(info.default_port);
    let addr = SocketAddr::new(config.bind_host, port);
    let drain = config.shutdown_drain;
    let ctx = Ctx::new(info.name, config)?;
    let app = app(&spec, ctx.clone(), routes(ctx));
    let listener = TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    tracing::info!(service = info.name, %addr, "listening");
    serve(listener, app, drain, shutdown_signal()).await?;
    tracing::info!(service = info.name, "stopped");
    Ok(())
}
