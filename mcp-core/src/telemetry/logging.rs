//! Structured logs to stderr (never stdout: in stdio mode stdout carries only protocol).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

use crate::config::LogFormat;

/// Install the global subscriber. `filter` is a level (`info`) or a `RUST_LOG`-style filter.
///
/// Calling it twice is harmless (the second call is ignored), so tests may call it freely.
pub fn init_logging(filter: &str, format: LogFormat) {
    let builder =
        tracing_subscriber::fmt().with_env_filter(env_filter(filter)).with_writer(std::io::stderr).with_target(true);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
}

/// The filter for `filter`, with rmcp's per-request INFO lines turned off.
///
/// rmcp logs three INFO lines for every stateless HTTP request ("Service initialized as server"
/// with the client's capabilities, "input stream terminated", "serve finished"), three times
/// more lines than the server's own, and formatting them costs CPU on every call. When the filter
/// does not name `rmcp` and is no more verbose than `info`, `rmcp=warn` is added; rmcp's warnings
/// and errors still show. `debug`, `trace` or an explicit `rmcp=...` directive keep rmcp as asked.
fn env_filter(filter: &str) -> EnvFilter {
    let parsed = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let quiet_rmcp = !filter.contains("rmcp") && parsed.max_level_hint().is_none_or(|l| l <= LevelFilter::INFO);
    match "rmcp=warn".parse() {
        Ok(directive) if quiet_rmcp => parsed.add_directive(directive),
        _ => parsed,
    }
}

#[cfg(test)]
mod tests {
    use super::env_filter;

    #[test]
    fn rmcp_info_is_quiet_at_info_and_below() {
        for level in ["info", "warn", "error", "mcp_core=info", "info,mcp_example=info"] {
            let f = env_filter(level).to_string();
            assert!(f.contains("rmcp=warn"), "{level}: {f}");
        }
    }

    #[test]
    fn verbose_or_explicit_filters_keep_rmcp_as_asked() {
        for level in ["debug", "trace", "info,mcp_core=debug", "info,rmcp=info", "rmcp=debug"] {
            let f = env_filter(level).to_string();
            assert!(!f.contains("rmcp=warn"), "{level}: {f}");
        }
    }
}
