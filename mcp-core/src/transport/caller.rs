//! Building the [`Caller`] of one HTTP request from its principal and identity headers.

use http::{HeaderMap, HeaderName};

use crate::config::{IdentityConfig, TrustHeaders};
use crate::identity::{Caller, Principal, Secret, TransportKind, is_placeholder};
use crate::telemetry::Metrics;

/// Longest identity header value accepted (longer values count as absent).
const MAX_IDENTITY_VALUE: usize = 512;

/// Resolves identity headers per request. Built once at startup.
#[derive(Debug, Clone)]
pub struct IdentityResolver {
    trust: TrustHeaders,
    user_id: HeaderName,
    email: HeaderName,
    role: HeaderName,
    name: HeaderName,
    credentials: Vec<HeaderName>,
}

impl IdentityResolver {
    /// From the `identity` config and the server's credential header names.
    pub fn new(config: &IdentityConfig, credential_headers: &[String]) -> Result<Self, crate::config::ConfigError> {
        let parse = |key: &str, name: &str| {
            HeaderName::try_from(name.trim())
                .map_err(|_| crate::config::ConfigError::new(key, format!("`{name}` is not a valid HTTP header name")))
        };
        Ok(Self {
            trust: config.trust_headers,
            user_id: parse("identity.headers.user_id", &config.headers.user_id)?,
            email: parse("identity.headers.email", &config.headers.email)?,
            role: parse("identity.headers.role", &config.headers.role)?,
            name: parse("identity.headers.name", &config.headers.name)?,
            credentials: credential_headers.iter().map(|h| parse("credential header", h)).collect::<Result<_, _>>()?,
        })
    }

    /// The caller of one request. Identity headers count only when trusted; a value that is an
    /// unreplaced placeholder (`{{...}}`) counts as absent, is warned about and counted.
    pub fn resolve(
        &self,
        headers: &HeaderMap,
        principal: Option<Principal>,
        transport: TransportKind,
        metrics: &Metrics,
    ) -> Caller {
        let trusted = principal.is_some() || self.trust == TrustHeaders::Always;
        let read = |name: &HeaderName| -> Option<String> {
            let raw = headers.get(name)?.to_str().ok()?.trim();
            if raw.is_empty() || raw.len() > MAX_IDENTITY_VALUE {
                return None;
            }
            if is_placeholder(raw) {
                tracing::warn!(header = %name, "identity header holds an unreplaced placeholder; treating it as absent");
                metrics.unresolved_placeholder(name.as_str());
                return None;
            }
            Some(raw.to_owned())
        };
        let mut caller = Caller::default();
        caller.principal = principal;
        caller.transport = Some(transport);
        if trusted {
            caller.user_id = read(&self.user_id);
            caller.email = read(&self.email);
            caller.role = read(&self.role);
            caller.name = read(&self.name);
        } else if headers.contains_key(&self.role) || headers.contains_key(&self.user_id) {
            tracing::debug!(
                "identity headers ignored on an unauthenticated request (identity.trust_headers = authenticated)"
            );
        }
        for name in &self.credentials {
            if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
                && !value.is_empty()
                && !is_placeholder(value)
            {
                caller.set_credential(name.as_str(), Secret::new(value));
            }
        }
        caller
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, http::HeaderValue::from_static(v));
        }
        h
    }

    fn resolver(trust: TrustHeaders) -> IdentityResolver {
        let config = IdentityConfig { trust_headers: trust, ..IdentityConfig::default() };
        IdentityResolver::new(&config, &["X-Upstream-Token".to_owned()]).unwrap()
    }

    fn principal() -> Option<Principal> {
        Some(Principal { subject: "librechat".into(), scopes: vec![] })
    }

    #[test]
    fn headers_count_only_on_authenticated_requests_by_default() {
        let m = Metrics::new("t", "0");
        let h = headers(&[("x-user-role", "ADMIN"), ("x-user-id", "u1")]);
        let anon = resolver(TrustHeaders::Authenticated).resolve(&h, None, TransportKind::StreamableHttp, &m);
        assert_eq!(anon.role, None);
        assert_eq!(anon.user_id, None);
        let authed = resolver(TrustHeaders::Authenticated).resolve(&h, principal(), TransportKind::StreamableHttp, &m);
        assert_eq!(authed.role.as_deref(), Some("ADMIN"));
        assert_eq!(authed.id(), "u1");
        let always = resolver(TrustHeaders::Always).resolve(&h, None, TransportKind::Sse, &m);
        assert_eq!(always.role.as_deref(), Some("ADMIN"));
    }

    #[test]
    fn placeholders_are_absent_and_counted() {
        let m = Metrics::new("t", "0");
        let h = headers(&[("x-user-role", "{{LIBRECHAT_USER_ROLE}}"), ("x-user-email", "a@b.c")]);
        let c = resolver(TrustHeaders::Authenticated).resolve(&h, principal(), TransportKind::StreamableHttp, &m);
        assert_eq!(c.role, None);
        assert_eq!(c.email.as_deref(), Some("a@b.c"));
        assert!(m.encode().contains(r#"mcp_unresolved_placeholders_total{server="t",header="x-user-role"} 1"#));
    }

    #[test]
    fn credential_headers_are_kept_but_never_printed() {
        let m = Metrics::new("t", "0");
        let h = headers(&[("x-upstream-token", "s3cr3t")]);
        let c = resolver(TrustHeaders::Authenticated).resolve(&h, None, TransportKind::StreamableHttp, &m);
        assert_eq!(c.credential("X-Upstream-Token").map(Secret::expose), Some("s3cr3t"));
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }
}
