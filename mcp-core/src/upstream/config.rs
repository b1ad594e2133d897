//! The upstream client block a server embeds in its own config section.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::identity::Secret;

/// How one upstream API is reached: base URL, timeouts, TLS trust, proxy, pool and limits.
///
/// A server embeds it in its section with `#[serde(flatten)]` (so `chat.url`,
/// `chat.connect_timeout_secs`, ...); the section itself denies unknown fields, which covers
/// these keys too. The base URL is fixed by the operator: no request can change where calls go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct UpstreamConfig {
    /// Base URL of the upstream API (`https://host[:port][/prefix]`), set by the operator.
    pub url: String,
    /// Seconds to wait for a TCP + TLS connection to the upstream.
    pub connect_timeout_secs: u64,
    /// Seconds one upstream request attempt may take (a tool call's own deadline still applies).
    pub request_timeout_secs: u64,
    /// Extra CA certificates (PEM bundle) trusted besides the system's, e.g. for a self-signed server.
    pub ca_file: Option<PathBuf>,
    /// Proxy URL for upstream requests (`http://proxy:3128`, may carry credentials); `none` ignores
    /// the `HTTPS_PROXY`/`HTTP_PROXY` environment; unset uses that environment.
    pub proxy: Option<Secret>,
    /// Idle pooled connections kept per upstream host.
    pub pool_max_idle_per_host: usize,
    /// Accept any TLS certificate (testing only: anyone on the path can read and change the
    /// traffic). Logged as a warning at startup and shown in `/ready`.
    pub tls_insecure_skip_verify: bool,
    /// Largest upstream response body read, in bytes; larger answers fail the call.
    pub max_response_bytes: usize,
    /// How many times a request that is safe to repeat is retried (connect errors, timeouts,
    /// 502/503/504, and 429 when the wait fits the call's time).
    pub max_retries: u32,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            connect_timeout_secs: 5,
            request_timeout_secs: 30,
            ca_file: None,
            proxy: None,
            pool_max_idle_per_host: 16,
            tls_insecure_skip_verify: false,
            max_response_bytes: 16 * 1024 * 1024,
            max_retries: 3,
        }
    }
}

impl UpstreamConfig {
    /// The same block with another base URL (a server's default, e.g. a public API endpoint).
    pub fn with_url(url: impl Into<String>) -> Self {
        Self { url: url.into(), ..Self::default() }
    }

    /// Check every key; `prefix` is the section key the block lives in (errors name `prefix.key`).
    /// An empty URL is refused with `missing_url`, the server's advice on how to set it.
    pub fn validate(&self, prefix: &str, missing_url: &str) -> Result<(), ConfigError> {
        let key = |k: &str| if prefix.is_empty() { k.to_owned() } else { format!("{prefix}.{k}") };
        self.base_url(prefix, missing_url)?;
        if self.connect_timeout_secs == 0 {
            return Err(ConfigError::new(key("connect_timeout_secs"), "must be at least 1"));
        }
        if self.request_timeout_secs == 0 {
            return Err(ConfigError::new(key("request_timeout_secs"), "must be at least 1"));
        }
        if self.max_response_bytes < 1024 {
            return Err(ConfigError::new(key("max_response_bytes"), "must be at least 1024"));
        }
        if self.max_retries > 10 {
            return Err(ConfigError::new(key("max_retries"), "must be at most 10"));
        }
        self.ca_certificates(prefix)?;
        self.proxy_setting(prefix)?;
        Ok(())
    }

    /// The parsed base URL (always ending in `/`, so relative paths join below it).
    pub(crate) fn base_url(&self, prefix: &str, missing_url: &str) -> Result<reqwest::Url, ConfigError> {
        let key = if prefix.is_empty() { "url".to_owned() } else { format!("{prefix}.url") };
        let text = self.url.trim();
        if text.is_empty() {
            return Err(ConfigError::new(key, missing_url.to_owned()));
        }
        let mut url = reqwest::Url::parse(text)
            .map_err(|e| ConfigError::new(&key, format!("`{text}` is not a valid URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ConfigError::new(&key, format!("`{text}` must start with http:// or https://")));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ConfigError::new(&key, format!("`{text}` has no host")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ConfigError::new(
                &key,
                "must not carry credentials (user:password@); set the server's credential keys instead",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ConfigError::new(&key, format!("`{text}` must not have a query or fragment")));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(url)
    }

    /// The extra CA certificates, read and parsed.
    pub(crate) fn ca_certificates(&self, prefix: &str) -> Result<Vec<reqwest::Certificate>, ConfigError> {
        let Some(path) = &self.ca_file else { return Ok(Vec::new()) };
        let key = if prefix.is_empty() { "ca_file".to_owned() } else { format!("{prefix}.ca_file") };
        let pem =
            std::fs::read(path).map_err(|e| ConfigError::new(&key, format!("cannot read {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|_| ConfigError::new(&key, format!("{} is not a PEM certificate bundle", path.display())))?;
        if certs.is_empty() {
            return Err(ConfigError::new(&key, format!("{} holds no PEM certificate", path.display())));
        }
        Ok(certs)
    }

    /// The proxy: `None` for the environment's, `Some(None)` for none at all.
    pub(crate) fn proxy_setting(&self, prefix: &str) -> Result<Option<Option<reqwest::Proxy>>, ConfigError> {
        let Some(proxy) = &self.proxy else { return Ok(None) };
        let key = if prefix.is_empty() { "proxy".to_owned() } else { format!("{prefix}.proxy") };
        let text = proxy.expose().trim();
        if text.eq_ignore_ascii_case("none") {
            return Ok(Some(None));
        }
        let parsed = reqwest::Url::parse(text)
            .map_err(|_| ConfigError::new(&key, "is not a valid URL (e.g. http://proxy.example.com:3128)"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::new(&key, "must be an http:// or https:// proxy URL, or `none`"));
        }
        let proxy = reqwest::Proxy::all(parsed).map_err(|_| ConfigError::new(&key, "is not a usable proxy URL"))?;
        Ok(Some(Some(proxy)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut UpstreamConfig)) -> UpstreamConfig {
        let mut c = UpstreamConfig::with_url("https://chat.example.com");
        f(&mut c);
        c
    }

    #[test]
    fn base_url_gets_a_trailing_slash_so_paths_join_below_it() {
        let c = with(|c| c.url = "https://chat.example.com/rc".into());
        let base = c.base_url("x", "").unwrap();
        assert_eq!(base.join("api/v1/me").unwrap().as_str(), "https://chat.example.com/rc/api/v1/me");
    }

    #[test]
    fn each_bad_key_is_named() {
        let cases: Vec<(UpstreamConfig, &str, &str)> = vec![
            (with(|c| c.url = String::new()), "rc.url", "set CHAT_URL"),
            (with(|c| c.url = "chat.example.com".into()), "rc.url", "not a valid URL"),
            (with(|c| c.url = "ftp://chat.example.com".into()), "rc.url", "http:// or https://"),
            (with(|c| c.url = "https://u:p@chat.example.com".into()), "rc.url", "credentials"),
            (with(|c| c.url = "https://chat.example.com/?a=b".into()), "rc.url", "query"),
            (with(|c| c.connect_timeout_secs = 0), "rc.connect_timeout_secs", "at least 1"),
            (with(|c| c.request_timeout_secs = 0), "rc.request_timeout_secs", "at least 1"),
            (with(|c| c.max_response_bytes = 10), "rc.max_response_bytes", "at least 1024"),
            (with(|c| c.ca_file = Some("/nonexistent/ca.pem".into())), "rc.ca_file", "cannot read"),
            (with(|c| c.proxy = Some(Secret::new("not a url"))), "rc.proxy", "not a valid URL"),
            (with(|c| c.proxy = Some(Secret::new("ftp://p:1"))), "rc.proxy", "http://"),
        ];
        for (config, key, needle) in cases {
            let err = config.validate("rc", "set CHAT_URL").unwrap_err();
            assert_eq!(err.key, key, "{err}");
            assert!(err.reason.contains(needle), "{key}: {err}");
        }
    }

    #[test]
    fn a_file_that_is_not_pem_is_refused_and_a_real_bundle_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "hello").unwrap();
        let err = with(|c| c.ca_file = Some(bad)).validate("rc", "").unwrap_err();
        assert_eq!(err.key, "rc.ca_file");
        assert!(err.reason.contains("no PEM certificate") || err.reason.contains("not a PEM"), "{err}");
    }

    #[test]
    fn proxy_none_turns_the_environment_off_and_a_proxy_password_never_prints() {
        let c = with(|c| c.proxy = Some(Secret::new("NONE")));
        assert!(matches!(c.proxy_setting("rc").unwrap(), Some(None)));
        let c = with(|c| c.proxy = Some(Secret::new("http://user:hunter2@proxy:3128")));
        assert!(matches!(c.proxy_setting("rc").unwrap(), Some(Some(_))));
        assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
