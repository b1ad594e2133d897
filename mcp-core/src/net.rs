//! Outbound HTTP: one client configuration for every upstream (TLS via rustls + ring).

use std::sync::Once;
use std::time::Duration;

static PROVIDER: Once = Once::new();

/// Install the process-wide TLS crypto provider (idempotent).
pub fn install_crypto_provider() {
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client with sane timeouts for upstream calls (JWKS, REST APIs).
pub fn http_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("mcp-suite/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}
