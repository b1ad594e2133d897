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
        LogFormat::Json => {
            let installed = builder.json().flatten_event(true).with_current_span(true).try_init();
            if installed.is_ok() {
                JSON_LOGS.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            installed
        }
    };
}

/// Set once JSON logs are installed: the JSON formatter escapes every value itself.
static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A caller-supplied value in a log field (email, user id, role, session owner): printed as is
/// when it is a plain token, quoted and escaped otherwise, so that in text logs
/// `eve@x.com role=ADMIN` cannot pass for a second `role` field (nor a newline for a new line).
/// In JSON logs (which escape values themselves) it is printed as is.
#[derive(Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plain = JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed)
            || !self.0.is_empty()
                && self
                    .0
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '-' | ':' | '/' | '+'));
        if plain { f.write_str(self.0) } else { write!(f, "{:?}", self.0) }
    }
}

impl std::fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
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
    use super::{Escaped, env_filter};

    #[test]
    fn caller_values_cannot_forge_fields() {
        assert_eq!(Escaped("eve@x.com").to_string(), "eve@x.com");
        assert_eq!(Escaped("u-1").to_string(), "u-1");
        assert_eq!(Escaped("eve@x.com role=ADMIN").to_string(), "\"eve@x.com role=ADMIN\"");
        assert_eq!(Escaped("a\nb").to_string(), "\"a\\nb\"");
        assert_eq!(Escaped("say \"hi\"").to_string(), "\"say \\\"hi\\\"\"");
        assert_eq!(Escaped("").to_string(), "\"\"");
    }

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
