//! OAuth 2.1 resource server: JWT access-token validation.

use std::str::FromStr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::jwks::Jwks;
use super::{AuthFailure, AuthSetupError, OAuthConfig};
use crate::identity::Principal;

/// URL-safe base64, padding optional (JWTs have none, but be lenient on decode).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Longest token accepted (protects the parser; real access tokens are a few KB).
const MAX_TOKEN_LEN: usize = 16 * 1024;

pub(crate) struct OAuthValidator {
    issuer: String,
    audience: String,
    algorithms: Vec<Algorithm>,
    leeway: u64,
    jwks: Jwks,
}

/// Parse a URL setting: absolute http(s) with a host.
pub(crate) fn http_url(key: &'static str, value: &str) -> Result<reqwest::Url, AuthSetupError> {
    let url = reqwest::Url::parse(value)
        .map_err(|e| AuthSetupError::new(key, format!("`{value}` is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(AuthSetupError::new(key, format!("`{value}` must be an absolute http:// or https:// URL")));
    }
    if url.fragment().is_some() {
        return Err(AuthSetupError::new(key, format!("`{value}` must not contain a fragment")));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        tracing::warn!(key, url = value, "plain http:// URL for an OAuth setting outside loopback");
    }
    Ok(url)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parse the `oauth.algorithms` allow-list: public-key algorithms only.
pub(crate) fn parse_algorithms(names: &[String]) -> Result<Vec<Algorithm>, AuthSetupError> {
    const KEY: &str = "oauth.algorithms";
    if names.is_empty() {
        return Err(AuthSetupError::new(KEY, "at least one algorithm is required (e.g. RS256, ES256)"));
    }
    let mut out = Vec::new();
    for name in names {
        let name = name.trim();
        if name.eq_ignore_ascii_case("none") {
            return Err(AuthSetupError::new(KEY, "`none` (unsigned tokens) is never allowed"));
        }
        let alg = Algorithm::from_str(name).map_err(|_| {
            AuthSetupError::new(
                KEY,
                format!(
                    "unknown algorithm `{name}`; use RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"
                ),
            )
        })?;
        if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(AuthSetupError::new(
                KEY,
                format!("`{name}` is a shared-secret algorithm; a resource server only accepts public-key algorithms"),
            ));
        }
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    Ok(out)
}

/// The JOSE header fields we look at, decoded before any key lookup.
struct JoseHeader {
    alg: String,
    kid: Option<String>,
}

fn invalid(msg: &str) -> AuthFailure {
    AuthFailure::InvalidToken(msg.to_owned())
}

fn jose_header(token: &str) -> Result<JoseHeader, AuthFailure> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid("token is too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("token is not a JWT"));
    };
    let bytes = B64URL.decode(header).map_err(|_| invalid("token is not a JWT"))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("token is not a JWT"))?;
    let obj = value.as_object().ok_or_else(|| invalid("token is not a JWT"))?;
    let alg = obj.get("alg").and_then(Value::as_str).ok_or_else(|| invalid("token header has no alg"))?.to_owned();
    let kid = match obj.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(invalid("token header kid is not a string")),
    };
    if obj.contains_key("crit") {
        return Err(invalid("token header has unsupported critical extensions"));
    }
    Ok(JoseHeader { alg, kid })
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<Value>,
    scope: Option<Value>,
    scp: Option<Value>,
}

/// Scopes from `scope` (space-separated string) and `scp` (array, or string), de-duplicated.
fn scopes_of(claims: &Claims) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    };
    for v in [&claims.scope, &claims.scp].into_iter().flatten() {
        match v {
            Value::String(s) => s.split_whitespace().for_each(&mut push),
            Value::Array(items) => {
                items.iter().filter_map(Value::as_str).flat_map(str::split_whitespace).for_each(&mut push)
            }
            _ => {}
        }
    }
    out
}

/// Unverified `iss` of a token, for the log line of a wrong-issuer rejection (never the token).
fn peek_issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = B64URL.decode(payload).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    let iss = value.get("iss")?.as_str()?;
    Some(iss.chars().take(200).collect())
}

impl OAuthValidator {
    pub(crate) fn new(cfg: &OAuthConfig, resource_uri: &str, http: reqwest::Client) -> Result<Self, AuthSetupError> {
        let issuer = cfg.issuer.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
            AuthSetupError::new("oauth.issuer", "required when auth = oauth (the authorization server's issuer URL)")
        })?;
        http_url("oauth.issuer", issuer)?;
        let audience = match cfg.audience.as_deref().map(str::trim) {
            Some("") => {
                return Err(AuthSetupError::new(
                    "oauth.audience",
                    "must not be empty (leave it unset to use the resource URI)",
                ));
            }
            Some(aud) => aud.to_owned(),
            None => resource_uri.to_owned(),
        };
        let jwks_url = match cfg.jwks_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => {
                http_url("oauth.jwks_url", url)?;
                Some(url.to_owned())
            }
        };
        let algorithms = parse_algorithms(&cfg.algorithms)?;
        if cfg.jwks_cache_secs == 0 {
            return Err(AuthSetupError::new("oauth.jwks_cache_secs", "must be at least 1 second"));
        }
        let jwks = Jwks::new(
            http,
            jwks_url,
            issuer.to_owned(),
            Duration::from_secs(cfg.jwks_cache_secs),
            Duration::from_secs(cfg.jwks_min_refresh_secs),
        );
        Ok(Self { issuer: issuer.to_owned(), audience, algorithms, leeway: cfg.leeway_secs, jwks })
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }

    pub(crate) async fn validate(&self, token: &str) -> Result<Principal, AuthFailure> {
        let header = match jose_header(token) {
            Ok(h) => h,
            Err(f) => {
                tracing::debug!(reason = f.reason(), detail = %f, "access token rejected");
                return Err(f);
            }
        };
        let kid = header.kid.as_deref();
        let result = self.validate_with(token, &header).await;
        if let Err(f) = &result {
            match f {
                AuthFailure::Unavailable(_) => {}
                AuthFailure::WrongIssuer => tracing::info!(
                    reason = f.reason(),
                    kid,
                    iss = ?peek_issuer(token),
                    expected = %self.issuer,
                    "access token rejected"
                ),
                _ => tracing::debug!(reason = f.reason(), kid, detail = %f, "access token rejected"),
            }
        }
        result
    }

    async fn validate_with(&self, token: &str, header: &JoseHeader) -> Result<Principal, AuthFailure> {
        if header.alg.eq_ignore_ascii_case("none") {
            return Err(invalid("unsigned tokens (alg none) are not accepted"));
        }
        let alg = Algorithm::from_str(&header.alg).map_err(|_| invalid("token algorithm is not supported"))?;
        if !self.algorithms.contains(&alg) {
            return Err(AuthFailure::InvalidToken(format!("token algorithm {alg:?} is not allowed")));
        }
        let key = self.jwks.key(header.kid.as_deref(), alg).await?;
        if !key.accepts(alg) {
            return Err(AuthFailure::InvalidToken(format!("token algorithm {alg:?} does not match its key")));
        }

        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.leeway = self.leeway;

        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => AuthFailure::Expired,
            ErrorKind::InvalidAudience => AuthFailure::WrongAudience,
            ErrorKind::InvalidIssuer => AuthFailure::WrongIssuer,
            ErrorKind::MissingRequiredClaim(c) if c == "aud" => AuthFailure::WrongAudience,
            ErrorKind::MissingRequiredClaim(c) if c == "iss" => AuthFailure::WrongIssuer,
            ErrorKind::MissingRequiredClaim(c) => {
                AuthFailure::InvalidToken(format!("token has no `{}` claim", claim_name(c)))
            }
            ErrorKind::InvalidClaimFormat(c) => {
                AuthFailure::InvalidToken(format!("token claim `{}` is malformed", claim_name(c)))
            }
            ErrorKind::ImmatureSignature => invalid("token is not valid yet (nbf)"),
            ErrorKind::InvalidSignature => invalid("token signature is invalid"),
            ErrorKind::InvalidAlgorithm => invalid("token algorithm does not match its key"),
            _ => invalid("token is malformed"),
        })?;
        let subject = match &data.claims.sub {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => return Err(invalid("token has no `sub` claim")),
        };
        Ok(Principal { subject, scopes: scopes_of(&data.claims) })
    }
}

/// Claim names come from our own required list; never echo anything else.
fn claim_name(c: &str) -> &'static str {
    match c {
        "exp" => "exp",
        "nbf" => "nbf",
        "sub" => "sub",
        "iss" => "iss",
        "aud" => "aud",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose;
    use serde_json::json;

    fn b64(v: &Value) -> String {
        general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
    }

    #[test]
    fn algorithm_allow_list() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_algorithms(&names(&["RS256", "ES256", "RS256"])).expect("ok"),
            [Algorithm::RS256, Algorithm::ES256]
        );
        for bad in ["none", "NONE", "HS256", "HS512", "RS1", ""] {
            let err = parse_algorithms(&names(&[bad])).expect_err(bad);
            assert_eq!(err.key, "oauth.algorithms");
        }
        assert!(parse_algorithms(&[]).is_err());
    }

    #[test]
    fn header_parsing() {
        let t = format!("{}.{}.sig", b64(&json!({"alg": "RS256", "kid": "k1"})), b64(&json!({})));
        let h = jose_header(&t).expect("header");
        assert_eq!(h.alg, "RS256");
        assert_eq!(h.kid.as_deref(), Some("k1"));
        for bad in ["", "abc", "a.b", "a.b.c.d", "!!.e30.x"] {
            assert!(matches!(jose_header(bad), Err(AuthFailure::InvalidToken(_))), "{bad}");
        }
        let crit = format!("{}.e30.x", b64(&json!({"alg": "RS256", "crit": ["exp"]})));
        assert!(jose_header(&crit).is_err());
        let numeric_kid = format!("{}.e30.x", b64(&json!({"alg": "RS256", "kid": 7})));
        assert!(jose_header(&numeric_kid).is_err());
    }

    #[test]
    fn scopes_from_scope_and_scp() {
        let c = Claims { sub: None, scope: Some(json!("read  write")), scp: Some(json!(["write", "admin"])) };
        assert_eq!(scopes_of(&c), ["read", "write", "admin"]);
        let c = Claims { sub: None, scope: Some(json!(42)), scp: Some(json!("a b")) };
        assert_eq!(scopes_of(&c), ["a", "b"]);
    }
}
