//! DNS-rebinding and cross-origin protection: `Host` and `Origin` allow-lists (403 when refused).

use http::HeaderMap;

/// Host/Origin policy, built once at startup.
#[derive(Debug, Clone)]
pub struct HostGuard {
    any_host: bool,
    hosts: Vec<(String, Option<u16>)>,
    any_origin: bool,
    origins: Vec<OriginRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct OriginRule {
    scheme: String,
    host: String,
    port: PortRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortRule {
    Any,
    Exact(u16),
}

const LOOPBACK_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1"];

impl HostGuard {
    /// `allowed_hosts` empty → loopback names only; `*` → any. `allowed_origins` empty → loopback
    /// origins only; `*` → any. Requests without `Origin` are always accepted.
    pub fn new(allowed_hosts: &[String], allowed_origins: &[String]) -> Self {
        let any_host = allowed_hosts.iter().any(|h| h.trim() == "*");
        let hosts = if allowed_hosts.is_empty() {
            LOOPBACK_NAMES.iter().map(|h| ((*h).to_owned(), None)).collect()
        } else {
            allowed_hosts.iter().filter(|h| h.trim() != "*").map(|h| split_host_port(h.trim())).collect()
        };
        let any_origin = allowed_origins.iter().any(|o| o.trim() == "*");
        let origins = if allowed_origins.is_empty() {
            ["http", "https"]
                .iter()
                .flat_map(|s| {
                    LOOPBACK_NAMES.iter().map(move |h| OriginRule {
                        scheme: (*s).into(),
                        host: (*h).into(),
                        port: PortRule::Any,
                    })
                })
                .collect()
        } else {
            allowed_origins.iter().filter_map(|o| parse_origin_rule(o.trim())).collect()
        };
        Self { any_host, hosts, any_origin, origins }
    }

    /// Check a request's headers; `Err` carries the reason for the 403 body.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        if !self.any_host {
            let Some(host) = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()) else {
                return Err("Forbidden: missing Host header");
            };
            let (name, port) = split_host_port(host);
            if !self.hosts.iter().any(|(h, p)| *h == name && p.is_none_or(|p| Some(p) == port)) {
                return Err("Forbidden: Host not allowed (configure allowed_hosts)");
            }
        }
        if let Some(origin) = headers.get(http::header::ORIGIN) {
            if self.any_origin {
                return Ok(());
            }
            let Ok(origin) = origin.to_str() else { return Err("Forbidden: invalid Origin header") };
            if origin == "null" {
                return if self.origins.iter().any(|r| r.scheme == "null") {
                    Ok(())
                } else {
                    Err("Forbidden: Origin not allowed")
                };
            }
            let Some((scheme, host, port)) = parse_origin(origin) else {
                return Err("Forbidden: invalid Origin header");
            };
            let allowed = self.origins.iter().any(|r| {
                r.scheme == scheme
                    && r.host == host
                    && match r.port {
                        PortRule::Any => true,
                        PortRule::Exact(p) => p == port,
                    }
            });
            if !allowed {
                return Err("Forbidden: Origin not allowed (configure allowed_origins)");
            }
        }
        Ok(())
    }
}

fn split_host_port(authority: &str) -> (String, Option<u16>) {
    let authority = authority.trim().to_ascii_lowercase();
    if let Some(rest) = authority.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host.to_owned(), port);
        }
        return (rest.to_owned(), None);
    }
    if authority.matches(':').count() > 1 {
        return (authority, None); // bare IPv6
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => match port.parse() {
            Ok(port) => (host.to_owned(), Some(port)),
            Err(_) => (authority.clone(), None),
        },
        None => (authority, None),
    }
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

fn parse_origin(origin: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.trim_end_matches('/');
    let (host, port) = split_host_port(rest);
    Some((scheme.clone(), host, port.unwrap_or_else(|| default_port(&scheme))))
}

fn parse_origin_rule(rule: &str) -> Option<OriginRule> {
    if rule == "null" {
        return Some(OriginRule { scheme: "null".into(), host: String::new(), port: PortRule::Any });
    }
    let (scheme, rest) = rule.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.trim_end_matches('/');
    if let Some(host) = rest.strip_suffix(":*") {
        return Some(OriginRule { scheme, host: split_host_port(host).0, port: PortRule::Any });
    }
    let (host, port) = split_host_port(rest);
    let port = PortRule::Exact(port.unwrap_or_else(|| default_port(&scheme)));
    Some(OriginRule { scheme, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(http::header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            m.insert(http::header::ORIGIN, o.parse().unwrap());
        }
        m
    }

    #[test]
    fn default_allows_loopback_hosts_on_any_port_only() {
        let g = HostGuard::new(&[], &[]);
        assert!(g.check(&h("127.0.0.1:8080", None)).is_ok());
        assert!(g.check(&h("localhost", None)).is_ok());
        assert!(g.check(&h("[::1]:9", None)).is_ok());
        assert!(g.check(&h("evil.example:8080", None)).is_err());
    }

    #[test]
    fn configured_hosts_with_and_without_port() {
        let g = HostGuard::new(&["mcp.example.com".into(), "proxy.local:8443".into()], &[]);
        assert!(g.check(&h("MCP.example.com:443", None)).is_ok());
        assert!(g.check(&h("proxy.local:8443", None)).is_ok());
        assert!(g.check(&h("proxy.local:80", None)).is_err());
        assert!(g.check(&h("127.0.0.1", None)).is_err());
        assert!(HostGuard::new(&["*".into()], &[]).check(&h("anything", None)).is_ok());
    }

    #[test]
    fn origins_absent_allowed_present_checked() {
        let g = HostGuard::new(&[], &["https://chat.example.com".into(), "http://localhost:*".into()]);
        assert!(g.check(&h("localhost", None)).is_ok());
        assert!(g.check(&h("localhost", Some("https://chat.example.com"))).is_ok());
        assert!(g.check(&h("localhost", Some("https://chat.example.com:443"))).is_ok());
        assert!(g.check(&h("localhost", Some("https://chat.example.com:8443"))).is_err());
        assert!(g.check(&h("localhost", Some("http://localhost:3000"))).is_ok());
        assert!(g.check(&h("localhost", Some("https://evil.example"))).is_err());
        assert!(g.check(&h("localhost", Some("null"))).is_err());
        let default = HostGuard::new(&[], &[]);
        assert!(default.check(&h("localhost", Some("http://localhost:6274"))).is_ok());
        assert!(default.check(&h("localhost", Some("https://evil.example"))).is_err());
    }
}
