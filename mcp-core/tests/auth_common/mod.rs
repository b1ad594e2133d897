//! Shared helpers for the `auth_*` integration tests: a tiny protected axum app on loopback.
#![allow(dead_code)]

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mcp_core::auth::{AuthMode, Authenticator, NamedToken, OAuthConfig, scopes_satisfied};
use serde_json::json;

pub use test_support::jwks::{JwksServer, http_client};

/// Header naming the scopes the protected route requires (space separated), for tests.
pub const NEED_SCOPE: &str = "x-test-need-scope";

/// A resource URI that is never contacted (the authenticator only uses it as identifier).
pub const RESOURCE: &str = "http://127.0.0.1:9/mcp";

/// `Authorization: <value>`.
pub fn auth_header(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).expect("header value"));
    h
}

/// `Authorization: Bearer <token>`.
pub fn bearer(token: &str) -> HeaderMap {
    auth_header(&format!("Bearer {token}"))
}

/// OAuth settings trusting `server` (JWKS discovered from its metadata).
pub fn oauth_config(server: &JwksServer) -> OAuthConfig {
    OAuthConfig { issuer: Some(server.issuer().to_owned()), ..OAuthConfig::default() }
}

/// OAuth authenticator for [`RESOURCE`].
pub fn oauth_auth(cfg: &OAuthConfig) -> Authenticator {
    Authenticator::new(AuthMode::Oauth, &[], cfg, RESOURCE, http_client()).expect("valid oauth setup")
}

/// Bearer authenticator with the given `(name, token)` pairs.
pub fn bearer_auth(tokens: &[(&str, &str)]) -> Authenticator {
    Authenticator::new(AuthMode::Bearer, &named(tokens), &OAuthConfig::default(), RESOURCE, http_client())
        .expect("valid bearer setup")
}

pub fn named(tokens: &[(&str, &str)]) -> Vec<NamedToken> {
    tokens
        .iter()
        .map(|(name, token)| NamedToken { name: (*name).to_owned(), token: mcp_core::identity::Secret::new(*token) })
        .collect()
}

/// A bound loopback listener, so the resource URI is known before the authenticator is built.
pub async fn listener() -> (tokio::net::TcpListener, SocketAddr) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    (l, addr)
}

/// Serve `/mcp` protected by `auth` (200 `{subject, scopes}`; 401/403 from the authenticator) and
/// the protected resource metadata at `/.well-known/oauth-protected-resource/mcp`.
pub fn serve(listener: tokio::net::TcpListener, auth: Authenticator) {
    let app = Router::new()
        .route("/mcp", get(protected))
        .route("/.well-known/oauth-protected-resource/mcp", get(metadata))
        .with_state(auth);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}

async fn protected(State(auth): State<Authenticator>, headers: HeaderMap) -> Response {
    let principal = match auth.authenticate(&headers).await {
        Ok(p) => p,
        Err(failure) => return auth.unauthorized(&failure),
    };
    let required: Vec<String> = headers
        .get(NEED_SCOPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let granted = principal.as_ref().map(|p| p.scopes.clone()).unwrap_or_default();
    if !scopes_satisfied(&granted, &required) {
        return auth.insufficient_scope(&required);
    }
    axum::Json(json!({
        "subject": principal.as_ref().map(|p| p.subject.clone()),
        "scopes": granted,
    }))
    .into_response()
}

async fn metadata(State(auth): State<Authenticator>) -> Response {
    match auth.resource_metadata() {
        Some(doc) => axum::Json(doc).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}
