//! Transports: stdio, and one HTTP server for Streamable HTTP, legacy SSE and the compat shim.

mod caller;
mod compat;
mod download;
mod guard;
mod http;
mod lines;
mod sessions;
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
    // Lines are bounded like HTTP bodies; one over the limit is answered with an error.
    let lines = lines::start(io.0, io.1, core.config.core.body_limit_bytes);
    let (reader, writer) = (lines.reader, lines.writer);
    let served = serve_lines(core.clone(), (lines.to_client, lines.from_client), shutdown, core_grace).await;
    // Nothing more will be read; the writer ends once rmcp has dropped its sender, after
    // writing (and flushing) every response.
    reader.abort();
    if tokio::time::timeout(STDIO_FLUSH, writer).await.is_err() {
        tracing::warn!("the output stream did not take the last responses in time");
    }
    served
}

/// Longest wait for the last stdio responses to be written after the session ended.
const STDIO_FLUSH: Duration = Duration::from_secs(5);

async fn serve_lines<A: App>(
    core: Arc<Core<A>>,
    channels: (
        futures::channel::mpsc::Sender<rmcp::model::ServerJsonRpcMessage>,
        futures::channel::mpsc::Receiver<rmcp::model::ClientJsonRpcMessage>,
    ),
    shutdown: CancellationToken,
    core_grace: u64,
) -> anyhow::Result<()> {
    let running = Handler(core.clone()).serve(channels).await?;
    let cancel = running.cancellation_token();
    let waiting = running.waiting();
    let mut waiting = std::pin::pin!(waiting);
    tokio::select! {
        r = waiting.as_mut() => { r?; return Ok(()); }
        () = shutdown.cancelled() => {}
    }
    // Let in-flight calls answer before closing the session (bounded).
    let grace = Duration::from_secs(core_grace);
    if tokio::time::timeout(grace, core.wait_idle()).await.is_err() {
        tracing::warn!("tool calls still running after the grace period; closing anyway");
    }
    cancel.cancel();
    let _ = tokio::time::timeout(STDIO_FLUSH, waiting).await;
    Ok(())
}

/// Time given to the last responses to reach their streams before the streams are closed.
const STREAM_FLUSH: Duration = Duration::from_millis(250);

/// Serve the HTTP app on `listener` until `core.shutdown` is cancelled. Then: stop accepting
/// connections, let in-flight tool calls finish (at most `grace`), close the remaining streams
/// (sessions, SSE) and return.
///
/// Connections are served by hyper directly (not `axum::serve`) so that a client has
/// `header_read_timeout_secs` to send its request headers: one trickling a byte a second is cut off.
pub async fn serve_http<A: App>(
    state: Arc<HttpState<A>>,
    listener: tokio::net::TcpListener,
    grace: Duration,
) -> anyhow::Result<()> {
    let core = state.core.clone();
    let header_timeout = Duration::from_secs(core.config.core.header_read_timeout_secs);
    let router = app(state);
    let connections = tokio_util::task::TaskTracker::new();
    let accepting = {
        let connections = connections.clone();
        let shutdown = core.shutdown.clone();
        tokio::spawn(async move {
            loop {
                let (tcp, peer) = tokio::select! {
                    () = shutdown.cancelled() => break,
                    accepted = listener.accept() => match accepted {
                        Ok(pair) => pair,
                        Err(e) => {
                            // Out of file descriptors and the like: back off instead of spinning.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                connections.spawn(serve_connection(router.clone(), tcp, peer, header_timeout, shutdown.clone()));
            }
            // Dropping the listener here refuses new connections.
        })
    };
    core.shutdown.cancelled().await;
    connections.close();
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
    accepting.await?;
    if tokio::time::timeout_at(deadline + Duration::from_secs(1), connections.wait()).await.is_err() {
        tracing::warn!("connections still open after the grace period; exiting anyway");
    }
    Ok(())
}

/// One HTTP/1.1 connection: headers within `header_timeout`, graceful close on shutdown (the
/// request in progress is answered, an idle keep-alive connection is closed).
async fn serve_connection(
    router: axum::Router,
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    header_timeout: Duration,
    shutdown: CancellationToken,
) {
    // Responses are small and often written in several pieces (SSE priming event, then the
    // message): without TCP_NODELAY, Nagle + delayed ACK stall each one by ~40 ms.
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    let service = hyper::service::service_fn(move |request: ::http::Request<hyper::body::Incoming>| {
        let mut request = request.map(axum::body::Body::new);
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        tower::ServiceExt::oneshot(router.clone(), request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
    let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
    let mut connection = std::pin::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        // Header read timeouts, resets, malformed requests: the client's problem, not ours.
        tracing::debug!(error = %e, %peer, "connection ended with an error");
    }
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
