//! Authentication of HTTP requests: none, static bearer keys, or OAuth 2.1 access tokens (JWT).
//!
//! One [`Authenticator`] is built at startup; [`Authenticator::authenticate`] runs on **every**
//! HTTP request (never cached per session). Tokens are never logged, echoed, or passed upstream.

mod bearer;
mod config;
mod jwks;
mod metadata;
mod oauth;

use std::borrow::Cow;
use std::sync::Arc;

use axum::response::Response;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

pub use config::{AuthMode, NamedToken, OAuthConfig};

use crate::identity::Principal;
use bearer::BearerKeys;
use oauth::OAuthValidator;

/// `realm` of every challenge.
pub const REALM: &str = "mcp";

/// A configuration problem found while building the [`Authenticator`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{key}`: {reason}")]
pub struct AuthSetupError {
    /// Dotted config key at fault (`auth_tokens`, `oauth.issuer`, `public_url`, ...).
    pub key: &'static str,
    /// What is wrong and, where possible, what would be right. Never contains a secret.
    pub reason: String,
}

impl AuthSetupError {
    pub(crate) fn new(key: &'static str, reason: impl Into<String>) -> Self {
        Self { key, reason: reason.into() }
    }
}

/// Why a request was not authenticated. Never carries the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    /// No `Authorization` header.
    #[error("no bearer token")]
    Missing,
    /// `Authorization` present but not a usable `Bearer <token>` (other scheme, empty, several).
    #[error("malformed Authorization header (expected `Bearer <token>`)")]
    Malformed,
    /// The token is not valid (unknown key, bad signature, disallowed algorithm, bad claims...).
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// The token's `exp` has passed.
    #[error("token expired")]
    Expired,
    /// The token's `aud` does not include this resource.
    #[error("token audience does not match this resource")]
    WrongAudience,
    /// The token's `iss` is not the configured issuer.
    #[error("token issuer is not trusted")]
    WrongIssuer,
    /// The token's `kid` is not in the authorization server's key set (even after a refresh).
    #[error("token signed by an unknown key")]
    UnknownKey,
    /// The key set could not be fetched and none is cached (still a 401; logged as an error).
    #[error("authorization server keys unavailable: {0}")]
    Unavailable(String),
}

impl AuthFailure {
    /// Stable metric/log label.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::InvalidToken(_) => "invalid",
            Self::Expired => "expired",
            Self::WrongAudience => "audience",
            Self::WrongIssuer => "issuer",
            Self::UnknownKey => "unknown_key",
            Self::Unavailable(_) => "jwks_unavailable",
        }
    }

    /// Did the request carry a bearer token? (Decides `error="invalid_token"` in the challenge;
    /// RFC 6750 §3.1: no error code when no credentials or another scheme were sent.)
    pub fn token_sent(&self) -> bool {
        !matches!(self, Self::Missing | Self::Malformed)
    }

    /// Text safe to show the client (no internal URLs or errors).
    pub fn description(&self) -> Cow<'_, str> {
        match self {
            Self::Missing => "Authorization: Bearer <token> is required".into(),
            Self::Unavailable(_) => "the token could not be validated right now; try again later".into(),
            other => other.to_string().into(),
        }
    }
}

/// Does `granted` include every scope in `required`? (Empty `required` is always satisfied.)
pub fn scopes_satisfied(granted: &[String], required: &[String]) -> bool {
    required.iter().all(|r| granted.iter().any(|g| g == r))
}

struct Inner {
    mode: AuthMode,
    bearer: Option<BearerKeys>,
    oauth: Option<OAuthValidator>,
    resource_uri: String,
    metadata_url: Option<String>,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
}

/// Authenticates requests according to the configured [`AuthMode`]. Cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
    resource_name: Option<Arc<str>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("mode", &self.inner.mode)
            .field("resource_uri", &self.inner.resource_uri)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Build once at startup. `resource_uri` is this server's public MCP endpoint URL (the OAuth
    /// resource identifier and default audience; only checked in `oauth` mode). `http` is used
    /// for discovery and JWKS fetches (each with a 5 s timeout).
    pub fn new(
        mode: AuthMode,
        tokens: &[NamedToken],
        oauth: &OAuthConfig,
        resource_uri: &str,
        http: reqwest::Client,
    ) -> Result<Self, AuthSetupError> {
        let resource_uri = resource_uri.trim();
        let mut inner = Inner {
            mode,
            bearer: None,
            oauth: None,
            resource_uri: resource_uri.to_owned(),
            metadata_url: None,
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
        };
        match mode {
            AuthMode::None => {
                if !tokens.is_empty() {
                    tracing::warn!("auth_tokens are set but auth = none: they are ignored");
                }
            }
            AuthMode::Bearer => inner.bearer = Some(BearerKeys::new(tokens)?),
            AuthMode::Oauth => {
                let url = oauth::http_url("public_url", resource_uri).map_err(|e| {
                    AuthSetupError::new(
                        e.key,
                        format!("the OAuth resource URI must be this server's absolute public URL: {}", e.reason),
                    )
                })?;
                let validator = OAuthValidator::new(oauth, resource_uri, http)?;
                let servers = if oauth.authorization_servers.is_empty() {
                    vec![validator.issuer().to_owned()]
                } else {
                    for s in &oauth.authorization_servers {
                        oauth::http_url("oauth.authorization_servers", s)?;
                    }
                    oauth.authorization_servers.clone()
                };
                inner.metadata_url = Some(metadata::resource_metadata_url(&url));
                inner.authorization_servers = servers;
                inner.scopes_supported = oauth.scopes_supported.clone();
                tracing::info!(
                    issuer = validator.issuer(),
                    audience = validator.audience(),
                    "OAuth resource server enabled"
                );
                inner.oauth = Some(validator);
            }
        }
        Ok(Self { inner: Arc::new(inner), resource_name: None })
    }

    /// Human-readable `resource_name` for the protected resource metadata.
    pub fn with_resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(Arc::from(name.into()));
        self
    }

    /// The configured mode.
    pub fn mode(&self) -> AuthMode {
        self.inner.mode
    }

    /// The resource URI this authenticator was built for.
    pub fn resource_uri(&self) -> &str {
        &self.inner.resource_uri
    }

    /// The expected token audience (oauth mode).
    pub fn audience(&self) -> Option<&str> {
        self.inner.oauth.as_ref().map(OAuthValidator::audience)
    }

    /// `Ok(None)` in mode none (no credentials checked). `Ok(Some(principal))` when valid.
    /// Checks every call, no caching by session.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>, AuthFailure> {
        let result = match self.inner.mode {
            AuthMode::None => return Ok(None),
            AuthMode::Bearer => match &self.inner.bearer {
                Some(keys) => bearer::bearer_token(headers).and_then(|t| keys.verify(t)),
                None => Err(AuthFailure::InvalidToken("no keys configured".into())),
            },
            AuthMode::Oauth => match &self.inner.oauth {
                Some(v) => match bearer::bearer_token(headers) {
                    Ok(t) => v.validate(t).await,
                    Err(f) => Err(f),
                },
                None => Err(AuthFailure::Unavailable("OAuth is not configured".into())),
            },
        };
        match &result {
            Err(f @ AuthFailure::Unavailable(_)) => {
                tracing::error!(reason = f.reason(), error = %f, "request rejected: cannot validate tokens");
            }
            Err(f) if self.inner.mode == AuthMode::Bearer => {
                tracing::debug!(reason = f.reason(), "request rejected");
            }
            _ => {}
        }
        result.map(Some)
    }

    fn challenge_params<'a>(&'a self, mut params: Vec<(&'a str, &'a str)>) -> String {
        params.insert(0, ("realm", REALM));
        if let Some(url) = self.resource_metadata_url() {
            params.push(("resource_metadata", url));
        }
        metadata::challenge(&params)
    }

    /// 401 with `WWW-Authenticate: Bearer realm="mcp"[, error="invalid_token",
    /// error_description="..."][, resource_metadata="<url>"]` (the error only when a token was
    /// sent; `resource_metadata` in oauth mode) and a JSON body `{"error","error_description"}`.
    pub fn unauthorized(&self, failure: &AuthFailure) -> Response {
        let description = failure.description();
        let (error, header) = if failure.token_sent() {
            (
                "invalid_token",
                self.challenge_params(vec![("error", "invalid_token"), ("error_description", &description)]),
            )
        } else {
            ("unauthorized", self.challenge_params(Vec::new()))
        };
        metadata::challenge_response(StatusCode::UNAUTHORIZED, &header, error, &description)
    }

    /// 403 with `WWW-Authenticate: Bearer realm="mcp", error="insufficient_scope", scope="a b"[,
    /// resource_metadata="<url>"]`.
    pub fn insufficient_scope(&self, required: &[String]) -> Response {
        let scope = required.join(" ");
        let description = format!("this request needs scope: {scope}");
        let header = self.challenge_params(vec![
            ("error", "insufficient_scope"),
            ("scope", &scope),
            ("error_description", &description),
        ]);
        metadata::challenge_response(StatusCode::FORBIDDEN, &header, "insufficient_scope", &description)
    }

    /// RFC 9728 protected resource metadata (oauth mode only).
    pub fn resource_metadata(&self) -> Option<Value> {
        self.inner.oauth.as_ref()?;
        Some(metadata::resource_metadata(
            &self.inner.resource_uri,
            &self.inner.authorization_servers,
            &self.inner.scopes_supported,
            self.resource_name.as_deref(),
        ))
    }

    /// `{origin}/.well-known/oauth-protected-resource{path-of-resource}` (oauth mode only).
    pub fn resource_metadata_url(&self) -> Option<&str> {
        self.inner.metadata_url.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn scopes() {
        assert!(scopes_satisfied(&s(&["a", "b"]), &s(&["b"])));
        assert!(scopes_satisfied(&s(&["a", "b"]), &s(&["a", "b"])));
        assert!(scopes_satisfied(&[], &[]));
        assert!(!scopes_satisfied(&s(&["a"]), &s(&["a", "b"])));
        assert!(!scopes_satisfied(&[], &s(&["a"])));
        assert!(!scopes_satisfied(&s(&["ab"]), &s(&["a"])));
    }

    #[test]
    fn reasons_are_stable() {
        let all = [
            (AuthFailure::Missing, "missing"),
            (AuthFailure::Malformed, "malformed"),
            (AuthFailure::InvalidToken("x".into()), "invalid"),
            (AuthFailure::Expired, "expired"),
            (AuthFailure::WrongAudience, "audience"),
            (AuthFailure::WrongIssuer, "issuer"),
            (AuthFailure::UnknownKey, "unknown_key"),
            (AuthFailure::Unavailable("down".into()), "jwks_unavailable"),
        ];
        for (f, r) in all {
            assert_eq!(f.reason(), r);
        }
        let d = AuthFailure::Unavailable("http://10.0.0.1/jwks: refused".into()).description().into_owned();
        assert!(!d.contains("10.0.0.1"), "{d}");
    }
}
