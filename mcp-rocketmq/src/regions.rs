//! The documented RocketMQ regions and the endpoint a call goes to.
//!
//! Upstream signs every call for `cn-beijing` and sends it to `https://open.volcengineapi.com`.
//! The regional endpoints `https://rocketmq.<region>.volcengineapi.com` are documented too
//! (docs/6410/1112339); with them the call is signed for that region.

use std::fmt;

use crate::signer;

/// The regions the RocketMQ docs list (docs/6410/1112339), in the docs' order.
pub const KNOWN_REGIONS: [&str; 6] =
    ["cn-beijing", "cn-guangzhou", "cn-shanghai", "cn-hongkong", "ap-southeast-1", "ap-southeast-3"];

/// The region upstream hard-codes.
pub const DEFAULT_REGION: &str = "cn-beijing";

/// The endpoint upstream hard-codes.
pub const DEFAULT_ENDPOINT: &str = "https://open.volcengineapi.com";

/// A validated region id (one of [`KNOWN_REGIONS`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(&'static str);

impl Region {
    /// Validate a region id: surrounding whitespace is ignored, case must match
    /// (the error suggests the lower-case spelling).
    pub fn parse(s: &str) -> Result<Self, RegionError> {
        let t = s.trim();
        if let Some(known) = KNOWN_REGIONS.iter().find(|r| **r == t) {
            return Ok(Self(known));
        }
        let suggestion = KNOWN_REGIONS.iter().find(|r| r.eq_ignore_ascii_case(t)).map(|r| (*r).to_string());
        Err(RegionError { given: t.chars().take(64).collect(), suggestion })
    }

    /// The upstream default, `cn-beijing`.
    pub fn default_region() -> Self {
        Self(DEFAULT_REGION)
    }

    /// The region id.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Default for Region {
    fn default() -> Self {
        Self::default_region()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::str::FromStr for Region {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A region id that is not one of [`KNOWN_REGIONS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown region `{given}`{}; known regions: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), KNOWN_REGIONS.join(", "))]
pub struct RegionError {
    /// What was given (trimmed, at most 64 characters).
    pub given: String,
    /// A known region that differs only in case.
    pub suggestion: Option<String>,
}

/// Which host a call goes to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EndpointMode {
    /// `https://open.volcengineapi.com` for every region (upstream's choice).
    #[default]
    Global,
    /// `https://rocketmq.<region>.volcengineapi.com`.
    Regional,
    /// A fixed base URL (e.g. `VOLCENGINE_ENDPOINT`, or a local stand-in in tests).
    Custom(Endpoint),
}

/// A base URL: scheme and host (with port, if any); the path is always `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    host: String,
}

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (local stand-ins only).
    Http,
    /// HTTPS.
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A base URL this module cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("endpoint `{given}` is not usable: {reason} (expected e.g. {DEFAULT_ENDPOINT})")]
pub struct EndpointError {
    /// What was given (at most 128 characters).
    pub given: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Endpoint {
    /// Parse a base URL `http(s)://host[:port][/]`. A path other than `/`, a query, a fragment
    /// or user info are refused: every action is `POST /?Action=...&Version=...`. A missing
    /// scheme means `https`.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let given = url.trim();
        let err = |reason| EndpointError { given: given.chars().take(128).collect(), reason };
        let (scheme, rest) = match given.split_once("://") {
            Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
            Some((s, rest)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
            Some(_) => return Err(err("the scheme must be http or https")),
            None => (Scheme::Https, given),
        };
        let host = rest.strip_suffix('/').unwrap_or(rest);
        if host.is_empty() {
            return Err(err("there is no host"));
        }
        if host.contains(['/', '?', '#']) {
            return Err(err("it must not have a path, query or fragment"));
        }
        if host.contains('@') {
            return Err(err("it must not carry user info"));
        }
        if !host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b)) {
            return Err(err("the host has characters a host name cannot have"));
        }
        if let Some((_, port)) = host.rsplit_once(':')
            && !host.ends_with(']')
            && port.parse::<u16>().is_err()
        {
            return Err(err("the port is not a number 0-65535"));
        }
        Ok(Self { scheme, host: host.to_ascii_lowercase() })
    }

    /// `https://open.volcengineapi.com`.
    pub fn global() -> Self {
        Self { scheme: Scheme::Https, host: "open.volcengineapi.com".into() }
    }

    /// `https://rocketmq.<region>.volcengineapi.com`.
    pub fn regional(region: &Region) -> Self {
        Self { scheme: Scheme::Https, host: format!("rocketmq.{}.volcengineapi.com", region.as_str()) }
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host as sent in `Host` (port included if given).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The base URL, e.g. `https://open.volcengineapi.com`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme.as_str(), self.host)
    }

    /// The URL of an action: `<base>/?Action=<action>&Version=<version>`, with the query in its
    /// canonical (signed) form.
    pub fn action_url(&self, action: &str, version: &str) -> String {
        format!("{}/?{}", self.base_url(), signer::canonical_query(&[("Action", action), ("Version", version)]))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

/// Where one call goes and which region it is signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The endpoint to send to.
    pub endpoint: Endpoint,
    /// The region of the credential scope.
    pub region: Region,
}

impl Target {
    /// The target of a call: the call's `region` argument if given, else `default_region`; the
    /// endpoint from `mode`.
    pub fn resolve(
        region_arg: Option<&str>,
        default_region: &Region,
        mode: &EndpointMode,
    ) -> Result<Self, RegionError> {
        let region = match region_arg {
            Some(r) => Region::parse(r)?,
            None => default_region.clone(),
        };
        let endpoint = match mode {
            EndpointMode::Global => Endpoint::global(),
            EndpointMode::Regional => Endpoint::regional(&region),
            EndpointMode::Custom(e) => e.clone(),
        };
        Ok(Self { endpoint, region })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_parse() {
        for r in KNOWN_REGIONS {
            assert_eq!(Region::parse(r).unwrap().as_str(), r);
        }
        assert_eq!(Region::parse(" cn-shanghai ").unwrap().as_str(), "cn-shanghai");
        assert_eq!(Region::default().as_str(), "cn-beijing");
        assert_eq!("ap-southeast-3".parse::<Region>().unwrap().to_string(), "ap-southeast-3");
    }

    #[test]
    fn unknown_region_lists_the_known_ones() {
        let e = Region::parse("cn-hangzhou").unwrap_err();
        assert_eq!(e.suggestion, None);
        let msg = e.to_string();
        assert!(msg.starts_with("unknown region `cn-hangzhou`; known regions: "), "{msg}");
        for r in KNOWN_REGIONS {
            assert!(msg.contains(r), "{msg}");
        }
        let e = Region::parse("CN-Beijing").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("cn-beijing"));
        assert!(e.to_string().contains("(did you mean `cn-beijing`?)"), "{e}");
        assert!(Region::parse("").is_err());
    }

    #[test]
    fn endpoints() {
        assert_eq!(Endpoint::global().base_url(), DEFAULT_ENDPOINT);
        assert_eq!(Endpoint::parse(DEFAULT_ENDPOINT).unwrap(), Endpoint::global());
        let sh = Region::parse("cn-shanghai").unwrap();
        assert_eq!(Endpoint::regional(&sh).base_url(), "https://rocketmq.cn-shanghai.volcengineapi.com");
        assert_eq!(
            Endpoint::global().action_url("DescribeRegions", crate::API_VERSION),
            "https://open.volcengineapi.com/?Action=DescribeRegions&Version=2023-01-01"
        );
        let local = Endpoint::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(local.scheme(), Scheme::Http);
        assert_eq!(local.host(), "127.0.0.1:8080");
        assert_eq!(Endpoint::parse("open.volcengineapi.com").unwrap(), Endpoint::global());
        assert_eq!(Endpoint::parse("HTTPS://Open.VolcengineAPI.com").unwrap(), Endpoint::global());
        assert_eq!(Endpoint::parse("http://[::1]:9000").unwrap().host(), "[::1]:9000");
    }

    #[test]
    fn bad_endpoints() {
        for (url, reason) in [
            ("ftp://x", "the scheme must be http or https"),
            ("https://", "there is no host"),
            ("https://h/api", "it must not have a path, query or fragment"),
            ("https://h/?a=1", "it must not have a path, query or fragment"),
            ("https://u:p@h", "it must not carry user info"),
            ("https://h:99999", "the port is not a number 0-65535"),
            ("https://h h", "the host has characters a host name cannot have"),
        ] {
            let e = Endpoint::parse(url).unwrap_err();
            assert_eq!(e.reason, reason, "{url}");
            assert!(e.to_string().contains(DEFAULT_ENDPOINT));
        }
    }

    #[test]
    fn targets() {
        let bj = Region::default();
        let t = Target::resolve(None, &bj, &EndpointMode::Global).unwrap();
        assert_eq!((t.endpoint.host(), t.region.as_str()), ("open.volcengineapi.com", "cn-beijing"));
        let t = Target::resolve(Some("cn-guangzhou"), &bj, &EndpointMode::Global).unwrap();
        assert_eq!((t.endpoint.host(), t.region.as_str()), ("open.volcengineapi.com", "cn-guangzhou"));
        let t = Target::resolve(Some("cn-guangzhou"), &bj, &EndpointMode::Regional).unwrap();
        assert_eq!(t.endpoint.host(), "rocketmq.cn-guangzhou.volcengineapi.com");
        let local = Endpoint::parse("http://127.0.0.1:1").unwrap();
        let t = Target::resolve(Some("cn-hongkong"), &bj, &EndpointMode::Custom(local.clone())).unwrap();
        assert_eq!((t.endpoint, t.region.as_str()), (local, "cn-hongkong"));
        assert!(Target::resolve(Some("mars-1"), &bj, &EndpointMode::Regional).is_err());
    }
}
