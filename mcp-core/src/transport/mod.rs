//! Transports: stdio, and one HTTP server for Streamable HTTP, legacy SSE and the compat shim.

mod caller;
mod compat;
mod guard;
mod http;
mod sse;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt as _;
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

/// Time given to the last responses to reach their streams before the streams are closed.
const STREAM_FLUSH: Duration = Duration::from_millis(250);

/// Serve the HTTP app on `listener` until `core.shutdown` is cancelled. Then: stop accepting
/// connections, let in-flight tool calls finish (at most `grace`), close the remaining streams
/// (sessions, SSE) and return.
pub async fn serve_http<A: App>(
    state: Arc<HttpState<A>>,
    listener: tokio::net::TcpListener,
    grace: Duration,
) -> anyhow::Result<()> {
    let core = state.core.clone();
    let router = app(state);
    // Responses are small and often written in several pieces (SSE priming event, then the
    // message): without TCP_NODELAY, Nagle + delayed ACK stall each one by ~40 ms.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(core.shutdown.clone().cancelled_owned());
    let server = tokio::spawn(async move { server.await });
    core.shutdown.cancelled().await;
    let deadline = tokio::time::Instant::now() + grace;
    if tokio::time::timeout_at(deadline, core.wait_idle()).await.is_err() {
        tracing::warn!(
            in_flight = core.calls_in_flight(),
            grace_secs = grace.as_secs(),
            "tool calls still running after the grace period; closing anyway"
        );
    }
    // A finished call's response is still on its way to the socket (session channel, SSE
    // framing): give it a moment before closing the streams it travels on.
    tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + STREAM_FLUSH)).await;
    core.streams.cancel();
    match tokio::time::timeout_at(deadline + Duration::from_secs(1), server).await {
        Ok(joined) => joined??,
        Err(_) => tracing::warn!("connections still open after the grace period; exiting anyway"),
    }
    Ok(())
}

/// Cancel `token` on SIGINT or SIGTERM. The handlers are installed before this returns, so a
/// signal arriving right after startup is never handled by the default action (instant death).
pub fn cancel_on_signal(token: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::spawn(async move {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                    tracing::info!("shutdown requested; finishing in-flight requests");
                    token.cancel();
                });
            }
            (Err(e), _) | (_, Err(e)) => tracing::error!(error = %e, "cannot install signal handlers"),
        }
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown requested; finishing in-flight requests");
        token.cancel();
    });
}
