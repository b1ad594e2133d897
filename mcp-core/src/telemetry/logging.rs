//! Structured logs to stderr (never stdout: in stdio mode stdout carries only protocol).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Install the global subscriber. `filter` is a level (`info`) or a `RUST_LOG`-style filter.
///
/// Calling it twice is harmless (the second call is ignored), so tests may call it freely.
pub fn init_logging(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(true);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
}
