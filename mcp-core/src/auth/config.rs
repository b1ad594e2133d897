//! Authentication settings (part of the server config; the doc comments become the schema docs).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::identity::Secret;

/// How HTTP requests are authenticated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication: every request is accepted (loopback or behind a trusted proxy only).
    #[default]
    None,
    /// Static bearer keys from `auth_tokens` (`Authorization: Bearer <token>`).
    Bearer,
    /// OAuth 2.1 resource server: JWT access tokens checked against the issuer's JWKS.
    Oauth,
}

impl AuthMode {
    /// Stable lowercase label (`none`, `bearer`, `oauth`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Bearer => "bearer",
            Self::Oauth => "oauth",
        }
    }
}

/// A named static bearer key.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NamedToken {
    /// Name of the key: becomes the authenticated subject in logs and audit (never the token).
    pub name: String,
    /// The token clients send as `Authorization: Bearer <token>` (never printed).
    pub token: Secret,
}

/// OAuth 2.1 resource-server settings (used when `auth` = `oauth`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthConfig {
    /// Issuer URL of the authorization server; tokens must carry exactly this `iss`.
    /// Required when `auth` = `oauth`.
    pub issuer: Option<String>,
    /// Expected `aud` of access tokens. Default: this server's resource URI (from `public_url`).
    pub audience: Option<String>,
    /// JWKS URL. Default: the `jwks_uri` discovered at first use from the issuer's
    /// `/.well-known/oauth-authorization-server` (RFC 8414) or `/.well-known/openid-configuration`.
    pub jwks_url: Option<String>,
    /// Allowed JWT signature algorithms (`RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`,
    /// `ES256`, `ES384`, `EdDSA`). `none` and the symmetric `HS*` algorithms are refused.
    pub algorithms: Vec<String>,
    /// Authorization servers advertised in the protected resource metadata (RFC 9728).
    /// Default: `[issuer]`.
    pub authorization_servers: Vec<String>,
    /// Scopes advertised in the protected resource metadata.
    pub scopes_supported: Vec<String>,
    /// How long a fetched JWKS is used before it is refreshed, in seconds.
    pub jwks_cache_secs: u64,
    /// Minimum seconds between JWKS refreshes triggered by an unknown `kid` (and between retries
    /// after a failed fetch); protects the authorization server against kid spraying.
    pub jwks_min_refresh_secs: u64,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: None,
            jwks_url: None,
            algorithms: vec!["RS256".to_owned(), "ES256".to_owned()],
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            jwks_cache_secs: 3600,
            jwks_min_refresh_secs: 10,
            leeway_secs: 30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_missing_keys() {
        let cfg: OAuthConfig =
            serde_json::from_value(serde_json::json!({"issuer": "https://as.example"})).expect("parses");
        assert_eq!(cfg.issuer.as_deref(), Some("https://as.example"));
        assert_eq!(cfg.algorithms, ["RS256", "ES256"]);
        assert_eq!(cfg.jwks_cache_secs, 3600);
        assert_eq!(cfg.jwks_min_refresh_secs, 10);
        assert_eq!(cfg.leeway_secs, 30);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = serde_json::from_value::<OAuthConfig>(serde_json::json!({"isuer": "x"})).expect_err("typo must fail");
        assert!(err.to_string().contains("isuer"), "{err}");
        assert!(
            serde_json::from_value::<NamedToken>(serde_json::json!({"name": "a", "token": "t", "extra": 1})).is_err()
        );
    }

    #[test]
    fn mode_is_lowercase() {
        let mode: AuthMode = serde_json::from_value(serde_json::json!("oauth")).expect("parses");
        assert_eq!(mode, AuthMode::Oauth);
        assert_eq!(serde_json::to_value(AuthMode::Bearer).expect("serializes"), "bearer");
        assert!(serde_json::from_value::<AuthMode>(serde_json::json!("Basic")).is_err());
    }

    #[test]
    fn token_never_serializes() {
        let t = NamedToken { name: "ci".into(), token: Secret::new("s3cret") };
        let out = serde_json::to_string(&t).expect("serializes");
        assert!(!out.contains("s3cret"), "{out}");
        assert!(!format!("{t:?}").contains("s3cret"));
    }

    #[test]
    fn schema_documents_fields() {
        let schema = schemars::schema_for!(OAuthConfig);
        let text = serde_json::to_string(&schema).expect("schema serializes");
        assert!(text.contains("jwks_min_refresh_secs"));
        assert!(text.contains("kid spraying"));
    }
}
