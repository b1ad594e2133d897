//! Building the [`Caller`] of one HTTP request from its principal and identity headers.

use http::{HeaderMap, HeaderName};

use crate::config::{IdentityConfig, TrustHeaders};
use crate::identity::{Caller, Principal, Secret, TransportKind, is_placeholder};
use crate::telemetry::Metrics;

/// Longest identity header value accepted (longer values count as absent).
const MAX_IDENTITY_VALUE: usize = 512;
/// Longest credential header value accepted (an STS token in base64 JSON fits with room to spare).
pub const MAX_CREDENTIAL_VALUE: usize = 16 * 1024;

/// Resolves identity headers per request. Built once at startup.
#[derive(Debug, Clone)]
pub struct IdentityResolver {
    trust: TrustHeaders,
    user_id: HeaderName,
    email: HeaderName,
    role: HeaderName,
    name: HeaderName,
    /// (credential name, header carrying it).
    credentials: Vec<(String, HeaderName)>,
}

impl IdentityResolver {
    /// From the `identity` config and the server's per-request credentials.
    pub fn new(
        config: &IdentityConfig,
        credentials: &[crate::app::CredentialSource],
    ) -> Result<Self, crate::config::ConfigError> {
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
            credentials: credentials
                .iter()
                .filter_map(|c| c.header.as_deref().map(|h| (c.name.to_ascii_lowercase(), h)))
                .map(|(name, h)| parse("credential header", h).map(|h| (name, h)))
                .collect::<Result<_, _>>()?,
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
            single_value(headers, name, MAX_IDENTITY_VALUE, metrics).map(str::to_owned)
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
        for (credential, header) in &self.credentials {
            if let Some(value) = single_value(headers, header, MAX_CREDENTIAL_VALUE, metrics) {
                caller.set_credential(credential, Secret::new(value));
            }
        }
        caller
    }
}

/// The one usable value of an identity or credential header, or `None`: absent, empty, too
/// long, not visible ASCII, an unreplaced placeholder (`{{...}}`, counted), or sent more than once
/// with different values (ambiguous, counted). Values are never logged.
fn single_value<'h>(headers: &'h HeaderMap, name: &HeaderName, max: usize, metrics: &Metrics) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.any(|other| other != first) {
        tracing::warn!(header = %name, "header sent more than once with different values; treating it as absent");
        metrics.ambiguous_header(name.as_str());
        return None;
    }
    let Ok(raw) = first.to_str() else {
        tracing::warn!(header = %name, "header value is not visible ASCII; treating it as absent");
        return None;
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if raw.len() > max {
        tracing::warn!(header = %name, bytes = raw.len(), max, "header value too long; treating it as absent");
        return None;
    }
    if is_placeholder(raw) {
        tracing::warn!(header = %name, "header holds an unreplaced placeholder; treating it as absent");
        metrics.unresolved_placeholder(name.as_str());
        return None;
    }
    Some(raw)
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
        let credential = crate::app::CredentialSource::new("upstream-token", Some("X-Upstream-Token"), None);
        IdentityResolver::new(&config, &[credential]).unwrap()
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
        assert_eq!(c.credential("upstream-token").map(Secret::expose), Some("s3cr3t"));
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn credential_placeholders_overlong_and_ambiguous_values_count_as_absent() {
        let m = Metrics::new("t", "0");
        let r = resolver(TrustHeaders::Authenticated);
        let c =
            r.resolve(&headers(&[("x-upstream-token", "{{UPSTREAM_TOKEN}}")]), None, TransportKind::StreamableHttp, &m);
        assert!(c.credential("upstream-token").is_none());
        assert!(m.encode().contains(r#"mcp_unresolved_placeholders_total{server="t",header="x-upstream-token"} 1"#));

        let mut long = HeaderMap::new();
        long.insert("x-upstream-token", "a".repeat(MAX_CREDENTIAL_VALUE + 1).parse().unwrap());
        assert!(r.resolve(&long, None, TransportKind::Sse, &m).credential("upstream-token").is_none());
        let mut fits = HeaderMap::new();
        fits.insert("x-upstream-token", "a".repeat(MAX_CREDENTIAL_VALUE).parse().unwrap());
        assert!(r.resolve(&fits, None, TransportKind::Sse, &m).credential("upstream-token").is_some());

        let mut twice = HeaderMap::new();
        twice.append("x-upstream-token", "one".parse().unwrap());
        twice.append("x-upstream-token", "two".parse().unwrap());
        assert!(r.resolve(&twice, None, TransportKind::Sse, &m).credential("upstream-token").is_none());
        assert!(m.encode().contains(r#"mcp_ambiguous_headers_total{server="t",header="x-upstream-token"} 1"#));
    }

    #[test]
    fn two_different_values_of_an_identity_header_fall_back_to_no_role() {
        let m = Metrics::new("t", "0");
        let mut h = HeaderMap::new();
        h.append("x-user-role", "ADMIN".parse().unwrap());
        h.append("x-user-role", "GUEST".parse().unwrap());
        h.insert("x-user-id", "u1".parse().unwrap());
        let c = resolver(TrustHeaders::Authenticated).resolve(&h, principal(), TransportKind::StreamableHttp, &m);
        assert_eq!(c.role, None, "an ambiguous role header is absent: the fallback role applies");
        assert_eq!(c.user_id.as_deref(), Some("u1"));
        // The same value twice is not ambiguous.
        let mut same = HeaderMap::new();
        same.append("x-user-role", "USER".parse().unwrap());
        same.append("x-user-role", "USER".parse().unwrap());
        let c = resolver(TrustHeaders::Authenticated).resolve(&same, principal(), TransportKind::StreamableHttp, &m);
        assert_eq!(c.role.as_deref(), Some("USER"));
    }
}
