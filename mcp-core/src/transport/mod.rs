//! Transports: stdio, and one HTTP server for Streamable HTTP, legacy SSE and the compat shim.

mod caller;
mod compat;
mod guard;
mod http;
mod sse;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

pub use caller::IdentityResolver;
pub use guard::HostGuard;
pub use http::{HttpState, app};

use crate::app::App;
use crate::server::{Core, Handler};

/// Serve MCP over stdin/stdout until the client closes stdin or a signal arrives.
pub async fn serve_stdio<A: App>(core: Arc<Core<A>>) -> anyhow::Result<()> {
    serve_io(core, rmcp::transport::stdio()).await
}

/// Serve MCP as newline-delimited JSON-RPC over any reader/writer pair (stdio, or a pipe in tests)
/// until the reader ends or `core.shutdown` is cancelled.
pub async fn serve_io<A, R, W>(core: Arc<Core<A>>, io: (R, W)) -> anyhow::Result<()>
where
    A: App,
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let shutdown = core.shutdown.clone();
    let core_grace = core.config.core.shutdown_timeout_secs;
    let running = Handler(core.clone()).serve(io).await?;
    let cancel = running.cancellation_token();
    tokio::select! {
        r = running.waiting() => { r?; return Ok(()); }
        () = shutdown.cancelled() => {}
    }
    // Let in-flight calls answer before closing the session (bounded).
    let grace = Duration::from_secs(core_grace);
    if tokio::time::timeout(grace, core.wait_idle()).await.is_err() {
        tracing::warn!("tool calls still running after the grace period; closing anyway");
    }
    cancel.cancel();
    Ok(())
}

/// Serve the HTTP app on `listener` until `shutdown` is cancelled; in-flight requests then get
/// `grace` to finish.
pub async fn serve_http<A: App>(
    state: Arc<HttpState<A>>,
    listener: tokio::net::TcpListener,
    grace: Duration,
) -> anyhow::Result<()> {
    let shutdown = state.core.shutdown.clone();
    let router = app(state);
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    let server = tokio::spawn(async move { server.await });
    shutdown.cancelled().await;
    match tokio::time::timeout(grace, server).await {
        Ok(joined) => joined??,
        Err(_) => {
            tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish in time; exiting anyway")
        }
    }
    Ok(())
}

/// Cancel `token` on SIGINT or SIGTERM.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    token.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
        token.cancel();
    });
}
