//! The Volcengine OpenAPI V4 request signature (`HMAC-SHA256`), as `volcenginesdkcore` computes it.
//!
//! The signer signs exactly the headers it is given (typically `Content-Type`), plus the ones it
//! adds itself: `Host`, `X-Date`, `X-Content-Sha256` and, with a session token, `X-Security-Token`.
//! It hashes the exact body bytes it is given: send those same bytes.
//!
//! ```text
//! CanonicalRequest = METHOD \n PATH \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
//! StringToSign     = "HMAC-SHA256" \n X-Date \n date/region/service/request \n hex(sha256(CanonicalRequest))
//! kSigning         = HMAC(HMAC(HMAC(HMAC(sk, date), region), service), "request")
//! Authorization    = HMAC-SHA256 Credential=AK/scope, SignedHeaders=..., Signature=hex(HMAC(kSigning, StringToSign))
//! ```

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::credentials::Credentials;

type HmacSha256 = Hmac<Sha256>;

/// The algorithm word of the `Authorization` header and the string to sign.
pub const ALGORITHM: &str = "HMAC-SHA256";

/// Header carrying the signing time.
pub const X_DATE: &str = "X-Date";
/// Header carrying the hex SHA-256 of the body.
pub const X_CONTENT_SHA256: &str = "X-Content-Sha256";
/// Header carrying the STS session token.
pub const X_SECURITY_TOKEN: &str = "X-Security-Token";
/// The `Authorization` header.
pub const AUTHORIZATION: &str = "Authorization";
/// The `Host` header.
pub const HOST: &str = "Host";

/// RFC 3986 unreserved characters stay as they are; everything else is `%XX` (upper-case hex).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

const X_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// The signing time in the `X-Date` form `yyyyMMdd'T'HHmmss'Z'` (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XDate(String);

impl XDate {
    /// The `X-Date` of an instant.
    pub fn from_datetime(t: DateTime<Utc>) -> Self {
        Self(t.format(X_DATE_FORMAT).to_string())
    }

    /// The `X-Date` of now.
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// Parse an explicit `X-Date` string (must be a real UTC time in exactly that form).
    pub fn parse(s: &str) -> Result<Self, SignError> {
        let ok = s.len() == 16 && NaiveDateTime::parse_from_str(s, X_DATE_FORMAT).is_ok();
        if ok { Ok(Self(s.to_string())) } else { Err(SignError::InvalidXDate { value: s.chars().take(32).collect() }) }
    }

    /// The full value, e.g. `20250115T083000Z`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date part of the credential scope, e.g. `20250115`.
    pub fn short_date(&self) -> &str {
        &self.0[..8]
    }
}

impl fmt::Display for XDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The request to sign.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method, e.g. `POST` (upper-cased for the canonical form).
    pub method: &'a str,
    /// The `Host` header value: host name with the port if the URL has one.
    pub host: &'a str,
    /// The URL path, already in its wire form (`/` for every RocketMQ action).
    pub path: &'a str,
    /// Query parameters, in any order (e.g. `Action`, `Version`); raw, not yet encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// Extra headers to sign and send, e.g. `("Content-Type", "application/json")`. Must not
    /// repeat a header the signer sets itself.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes sent (empty for none).
    pub body: &'a [u8],
}

/// Where and when the request is signed for.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Region of the credential scope, e.g. `cn-beijing`.
    pub region: &'a str,
    /// Service of the credential scope, e.g. [`crate::SERVICE`].
    pub service: &'a str,
    /// The signing time.
    pub x_date: &'a XDate,
}

/// The result of signing: the headers to add, and the intermediate strings.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// `X-Date` value.
    pub x_date: String,
    /// `X-Content-Sha256` value (hex SHA-256 of the body).
    pub x_content_sha256: String,
    /// `X-Security-Token` value (the session token), when the credentials have one.
    pub x_security_token: Option<mcp_core::Secret>,
    /// `Authorization` value.
    pub authorization: String,
    /// `Host` value as sent (port kept); the canonical form drops `:80`/`:443`.
    pub host: String,
    /// e.g. `content-type;host;x-content-sha256;x-date`.
    pub signed_headers: String,
    /// e.g. `20250115/cn-beijing/RocketMQ/request`.
    pub credential_scope: String,
    /// The canonical query string (also the query to put on the URL).
    pub canonical_query: String,
    /// The canonical request. Contains the session token, if any: never log it.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The hex signature.
    pub signature: String,
}

impl Signed {
    /// The headers to add to the request, in the order the SDK sends them: `X-Date`,
    /// `X-Content-Sha256`, `X-Security-Token` (if any), `Authorization`; `Host` first when
    /// `include_host` (HTTP clients usually derive it from the URL, which gives the same value).
    pub fn headers(&self, include_host: bool) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(5);
        if include_host {
            out.push((HOST, self.host.clone()));
        }
        out.push((X_DATE, self.x_date.clone()));
        out.push((X_CONTENT_SHA256, self.x_content_sha256.clone()));
        if let Some(token) = &self.x_security_token {
            out.push((X_SECURITY_TOKEN, token.expose().to_string()));
        }
        out.push((AUTHORIZATION, self.authorization.clone()));
        out
    }
}

/// Debug shows neither the session token nor the canonical request (which contains it).
impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("x_date", &self.x_date)
            .field("x_content_sha256", &self.x_content_sha256)
            .field("x_security_token", &self.x_security_token)
            .field("authorization", &self.authorization)
            .field("host", &self.host)
            .field("signed_headers", &self.signed_headers)
            .field("credential_scope", &self.credential_scope)
            .field("canonical_query", &self.canonical_query)
            .field("canonical_request", &"<omitted>")
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
}

/// Why a request could not be signed (all are caller mistakes, caught before any call).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The `X-Date` is not `yyyyMMdd'T'HHmmss'Z'`.
    #[error("X-Date `{value}` is not of the form yyyyMMddTHHmmssZ (UTC), e.g. 20250115T083000Z")]
    InvalidXDate {
        /// The value given (at most 32 characters).
        value: String,
    },
    /// The method is not an HTTP token.
    #[error("`{0}` is not an HTTP method")]
    InvalidMethod(String),
    /// The path does not start with `/` or contains whitespace.
    #[error("the path must start with `/` and contain no whitespace")]
    InvalidPath,
    /// The host is empty or contains characters a host cannot have.
    #[error("the host must be a non-empty host name (with an optional port)")]
    InvalidHost,
    /// Region or service is empty or contains `/` or whitespace.
    #[error("the {part} of the credential scope must be non-empty, without `/` or whitespace")]
    InvalidScope {
        /// `region` or `service`.
        part: &'static str,
    },
    /// A header name is not an HTTP token.
    #[error("`{0}` is not a valid header name")]
    InvalidHeaderName(String),
    /// A header value contains a control character (CR, LF, ...).
    #[error("the value of header `{0}` contains a control character")]
    InvalidHeaderValue(String),
    /// A header appears twice, or is one the signer sets itself.
    #[error("header `{0}` is given twice or is set by the signer")]
    DuplicateHeader(String),
}

/// Percent-encode one query key or value the way the canonical query does (RFC 3986).
pub fn rfc3986_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// The canonical query string: pairs percent-encoded (RFC 3986), sorted by encoded key then
/// encoded value, joined `k=v` by `&`. Use it for the URL as well, so wire and signature agree.
pub fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (rfc3986_encode(k), rfc3986_encode(v))).collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// The signing key `HMAC(HMAC(HMAC(HMAC(sk, short_date), region), service), "request")`.
/// Secret material: do not log it.
pub fn signing_key(secret_key: &str, short_date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(secret_key.as_bytes(), short_date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"request")
}

/// The host as it enters the canonical headers: `:80` and `:443` dropped.
pub fn canonical_host(host: &str) -> &str {
    host.strip_suffix(":80").or_else(|| host.strip_suffix(":443")).unwrap_or(host)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn check_scope_part(value: &str, part: &'static str) -> Result<(), SignError> {
    if value.is_empty() || value.contains('/') || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SignError::InvalidScope { part });
    }
    Ok(())
}

/// Sign `request` with `credentials` for `scope`.
pub fn sign(request: &Request<'_>, credentials: &Credentials, scope: &Scope<'_>) -> Result<Signed, SignError> {
    if !is_token(request.method) {
        return Err(SignError::InvalidMethod(request.method.chars().take(32).collect()));
    }
    if !request.path.starts_with('/') || request.path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SignError::InvalidPath);
    }
    let host_ok =
        !request.host.is_empty() && request.host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b));
    if !host_ok {
        return Err(SignError::InvalidHost);
    }
    check_scope_part(scope.region, "region")?;
    check_scope_part(scope.service, "service")?;

    let body_hash = sha256_hex(request.body);
    let x_date = scope.x_date.as_str();

    // (lower-case name, value); the signer's own headers first, then the caller's.
    let mut headers: Vec<(String, &str)> = vec![
        ("host".into(), canonical_host(request.host)),
        ("x-date".into(), x_date),
        ("x-content-sha256".into(), &body_hash),
    ];
    let token = credentials.session_token();
    if let Some(token) = token {
        headers.push(("x-security-token".into(), token.expose()));
    }
    for (name, value) in request.headers {
        if !is_token(name) {
            return Err(SignError::InvalidHeaderName(name.chars().take(64).collect()));
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(SignError::InvalidHeaderValue((*name).to_string()));
        }
        let lower = name.to_ascii_lowercase();
        if lower == "authorization" || headers.iter().any(|(n, _)| *n == lower) {
            return Err(SignError::DuplicateHeader((*name).to_string()));
        }
        headers.push((lower, value));
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));

    let mut canonical_headers = String::new();
    for (name, value) in &headers {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
    }
    let signed_headers = headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_query = canonical_query(request.query);
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method.to_ascii_uppercase(),
        request.path,
        canonical_query,
        canonical_headers,
        signed_headers,
        body_hash
    );
    let credential_scope = format!("{}/{}/{}/request", scope.x_date.short_date(), scope.region, scope.service);
    let string_to_sign =
        format!("{ALGORITHM}\n{x_date}\n{credential_scope}\n{}", sha256_hex(canonical_request.as_bytes()));
    let key =
        signing_key(credentials.secret_access_key().expose(), scope.x_date.short_date(), scope.region, scope.service);
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id()
    );
    Ok(Signed {
        x_date: x_date.to_string(),
        x_content_sha256: body_hash,
        x_security_token: token.cloned(),
        authorization,
        host: request.host.to_string(),
        signed_headers,
        credential_scope,
        canonical_query,
        canonical_request,
        string_to_sign,
        signature,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::credentials::Secret;
    use chrono::TimeZone as _;

    const SK: &str = "TestSecretAccessKey/0123456789+abcdefghijKLMNOPQR==";
    const AK: &str = "AKLTtestaccesskeyid0000000000000000000000";

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new(AK, Secret::new(SK), token.map(Secret::new)).unwrap()
    }

    fn post(body: &[u8]) -> Request<'_> {
        Request {
            method: "POST",
            host: "open.volcengineapi.com",
            path: "/",
            query: &[("Action", "DescribeRegions"), ("Version", "2023-01-01")],
            headers: &[("Content-Type", "application/json")],
            body,
        }
    }

    fn date() -> XDate {
        XDate::parse("20250115T083000Z").unwrap()
    }

    fn scope(x_date: &XDate) -> Scope<'_> {
        Scope { region: "cn-beijing", service: "RocketMQ", x_date }
    }

    #[test]
    fn describe_regions_matches_the_sdk() {
        // Vector mcp_DescribeRegions_no_args_static_ak (all vectors run in tests/sign_vectors.rs).
        let d = date();
        let s = sign(&post(b"{}"), &creds(None), &scope(&d)).unwrap();
        assert_eq!(s.signature, "3d23dbae3b4fd0bfc8c82d6e17e45a9632e6cc22f4512174bcebf76ced5befe3");
        assert_eq!(s.x_content_sha256, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
        assert_eq!(s.signed_headers, "content-type;host;x-content-sha256;x-date");
        assert_eq!(
            hex::encode(signing_key(SK, "20250115", "cn-beijing", "RocketMQ")),
            "de29311e5a7364962dd048205812f63bde2cbb431512d837a4e5e6266f6e13c8"
        );
    }

    #[test]
    fn x_date_from_time_and_string() {
        let t = Utc.with_ymd_and_hms(2025, 2, 28, 12, 0, 0).unwrap();
        let d = XDate::from_datetime(t);
        assert_eq!(d.as_str(), "20250228T120000Z");
        assert_eq!(d.short_date(), "20250228");
        assert_eq!(XDate::parse("20250228T120000Z").unwrap(), d);
        for bad in
            ["", "20250228T120000", "2025-02-28T12:00:00Z", "20251328T120000Z", "20250228T250000Z", "20250228t120000z"]
        {
            assert!(matches!(XDate::parse(bad), Err(SignError::InvalidXDate { .. })), "{bad}");
        }
        assert_eq!(XDate::now().as_str().len(), 16);
    }

    #[test]
    fn canonical_query_encodes_and_sorts() {
        assert_eq!(
            canonical_query(&[("Version", "2023-01-01"), ("Action", "X"), ("b", "2"), ("b", "1"), ("E", "")]),
            "Action=X&E=&Version=2023-01-01&b=1&b=2"
        );
        assert_eq!(rfc3986_encode("a b/c*d+e=f~g-_.北"), "a%20b%2Fc%2Ad%2Be%3Df~g-_.%E5%8C%97");
        assert_eq!(canonical_query(&[]), "");
    }

    #[test]
    fn host_port_dropped_only_in_canonical_form() {
        let d = date();
        let mut r = post(b"{}");
        r.host = "open.volcengineapi.com:443";
        let with_port = sign(&r, &creds(None), &scope(&d)).unwrap();
        let plain = sign(&post(b"{}"), &creds(None), &scope(&d)).unwrap();
        assert_eq!(with_port.signature, plain.signature);
        assert_eq!(with_port.host, "open.volcengineapi.com:443");
        assert_eq!(canonical_host("h:80"), "h");
        assert_eq!(canonical_host("127.0.0.1:8080"), "127.0.0.1:8080");
        r.host = "127.0.0.1:8080";
        let local = sign(&r, &creds(None), &scope(&d)).unwrap();
        assert!(local.canonical_request.contains("\nhost:127.0.0.1:8080\n"), "{}", local.canonical_request);
    }

    #[test]
    fn body_hash_covers_the_exact_bytes() {
        let d = date();
        let a = sign(&post(br#"{"A": 1}"#), &creds(None), &scope(&d)).unwrap();
        let b = sign(&post(br#"{"A":1}"#), &creds(None), &scope(&d)).unwrap();
        assert_ne!(a.x_content_sha256, b.x_content_sha256);
        assert_ne!(a.signature, b.signature);
        let empty = sign(&post(b""), &creds(None), &scope(&d)).unwrap();
        assert_eq!(empty.x_content_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn session_token_is_signed_and_sent_but_not_debugged() {
        let d = date();
        let s = sign(&post(b"{}"), &creds(Some("SESSION-TOKEN-VALUE")), &scope(&d)).unwrap();
        assert_eq!(s.signed_headers, "content-type;host;x-content-sha256;x-date;x-security-token");
        assert!(s.canonical_request.contains("\nx-security-token:SESSION-TOKEN-VALUE\n"));
        let headers = s.headers(false);
        let names: Vec<_> = headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, [X_DATE, X_CONTENT_SHA256, X_SECURITY_TOKEN, AUTHORIZATION]);
        assert_eq!(headers[2].1, "SESSION-TOKEN-VALUE");
        assert_eq!(s.headers(true)[0], (HOST, "open.volcengineapi.com".to_string()));
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("SESSION-TOKEN-VALUE"), "{dbg}");
        assert!(!dbg.contains(SK), "{dbg}");
        // Without a token there is no X-Security-Token header.
        let plain = sign(&post(b"{}"), &creds(None), &scope(&d)).unwrap();
        assert!(plain.headers(true).iter().all(|(n, _)| *n != X_SECURITY_TOKEN));
    }

    #[test]
    fn only_given_headers_are_signed_and_names_are_case_folded() {
        let d = date();
        let mut r = post(b"{}");
        r.headers = &[("content-TYPE", "application/json"), ("X-Custom", " spaced  value ")];
        let s = sign(&r, &creds(None), &scope(&d)).unwrap();
        assert_eq!(s.signed_headers, "content-type;host;x-content-sha256;x-custom;x-date");
        assert!(s.canonical_request.contains("\nx-custom: spaced  value \n"), "values are verbatim");
        r.headers = &[];
        let s = sign(&r, &creds(None), &scope(&d)).unwrap();
        assert_eq!(s.signed_headers, "host;x-content-sha256;x-date");
    }

    #[test]
    fn the_signature_depends_on_every_input() {
        let d = date();
        let base = sign(&post(b"{}"), &creds(None), &scope(&d)).unwrap().signature;
        let other_sk = Credentials::new(AK, Secret::new("other"), None).unwrap();
        assert_ne!(sign(&post(b"{}"), &other_sk, &scope(&d)).unwrap().signature, base);
        let lower = Scope { service: "rocketmq", ..scope(&d) };
        assert_ne!(sign(&post(b"{}"), &creds(None), &lower).unwrap().signature, base);
        let sh = Scope { region: "cn-shanghai", ..scope(&d) };
        assert_ne!(sign(&post(b"{}"), &creds(None), &sh).unwrap().signature, base);
        let later = XDate::parse("20250115T083001Z").unwrap();
        assert_ne!(sign(&post(b"{}"), &creds(None), &scope(&later)).unwrap().signature, base);
        let mut get = post(b"{}");
        get.method = "get";
        let g = sign(&get, &creds(None), &scope(&d)).unwrap();
        assert!(g.canonical_request.starts_with("GET\n/\n"));
        assert_ne!(g.signature, base);
    }

    #[test]
    fn rejects_bad_input() {
        let d = date();
        let c = creds(None);
        let mut r = post(b"{}");
        r.method = "PO ST";
        assert!(matches!(sign(&r, &c, &scope(&d)), Err(SignError::InvalidMethod(_))));
        let mut r = post(b"{}");
        r.path = "";
        assert_eq!(sign(&r, &c, &scope(&d)), Err(SignError::InvalidPath));
        r.path = "/a b";
        assert_eq!(sign(&r, &c, &scope(&d)), Err(SignError::InvalidPath));
        let mut r = post(b"{}");
        r.host = "";
        assert_eq!(sign(&r, &c, &scope(&d)), Err(SignError::InvalidHost));
        r.host = "evil\r\nX-Injected: 1";
        assert_eq!(sign(&r, &c, &scope(&d)), Err(SignError::InvalidHost));
        let bad_region = Scope { region: "cn/beijing", ..scope(&d) };
        assert_eq!(sign(&post(b"{}"), &c, &bad_region), Err(SignError::InvalidScope { part: "region" }));
        let bad_service = Scope { service: "", ..scope(&d) };
        assert_eq!(sign(&post(b"{}"), &c, &bad_service), Err(SignError::InvalidScope { part: "service" }));
        for (headers, want) in [
            (&[("Bad Name", "v")][..], SignError::InvalidHeaderName("Bad Name".into())),
            (&[("X-A", "v\r\nX-B: w")][..], SignError::InvalidHeaderValue("X-A".into())),
            (&[("x-date", "20200101T000000Z")][..], SignError::DuplicateHeader("x-date".into())),
            (&[("Host", "other")][..], SignError::DuplicateHeader("Host".into())),
            (&[("Authorization", "x")][..], SignError::DuplicateHeader("Authorization".into())),
            (&[("X-A", "1"), ("x-a", "2")][..], SignError::DuplicateHeader("x-a".into())),
        ] {
            let mut r = post(b"{}");
            r.headers = headers;
            assert_eq!(sign(&r, &c, &scope(&d)), Err(want));
        }
        // A session token header given by the caller clashes with the credentials' one.
        let mut r = post(b"{}");
        r.headers = &[("X-Security-Token", "t")];
        let t = creds(Some("tok"));
        assert_eq!(sign(&r, &t, &scope(&d)), Err(SignError::DuplicateHeader("X-Security-Token".into())));
    }
}
