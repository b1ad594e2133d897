//! Shared test helpers: a generic recording, fault-injecting loopback stand-in ([`standin`]) and the
//! upstream stand-ins built on it (JWKS issuer, later Rocket.Chat and Volcengine),
//! raw MCP HTTP clients for exact status-code assertions, and process helpers.
pub mod fuzz;
pub mod hostile;
pub mod jwks;
pub mod mcp_http;
pub mod process;
pub mod rocketchat;
pub mod standin;
pub mod volcengine;

/// Install the TLS crypto provider reqwest needs (idempotent).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
