//! Shared test helpers: stand-in upstream servers (JWKS issuer, later Rocket.Chat and Volcengine),
//! raw MCP HTTP clients for exact status-code assertions, and process helpers.
pub mod jwks;
pub mod mcp_http;
pub mod process;

/// Install the TLS crypto provider reqwest needs (idempotent).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
