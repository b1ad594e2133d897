//! Verification of one request's V4 signature the way the Volcengine gateway answers it: every
//! failure maps to the gateway's error code, CodeN and HTTP status ([`ApiError`]), plus a
//! human-readable reason for the test log (the gateway itself never says why).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use http::HeaderMap;

use super::errors::ApiError;
use super::sign::{
    Authorization, AuthorizationError, SCOPE_TERMINATOR, canonical_host, canonical_query, canonical_request,
    decode_raw_query, sha256_hex, signature, signing_key, string_to_sign,
};

/// The `X-Date` format, `yyyyMMdd'T'HHmmss'Z'` in UTC.
pub const X_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// A secret (and optional STS session token) the stand-in knows for an access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Secret access key.
    pub secret_key: String,
    /// STS session token; when set, requests must carry it, signed, as `X-Security-Token`.
    pub session_token: Option<String>,
}

/// What a request must match besides the secret.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// The region the credential scope must name.
    pub region: String,
    /// The service spellings the credential scope may name (exact, case-sensitive).
    pub services: Vec<String>,
    /// How far `X-Date` may be from the stand-in's clock, either way.
    pub clock_window: TimeDelta,
}

impl Default for VerifyPolicy {
    /// Upstream's wire defaults: `cn-beijing`, `RocketMQ`, ±15 minutes.
    fn default() -> Self {
        VerifyPolicy {
            region: "cn-beijing".to_owned(),
            services: vec!["RocketMQ".to_owned()],
            clock_window: TimeDelta::minutes(15),
        }
    }
}

/// The parts of a request the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// Method, e.g. `POST`.
    pub method: &'a str,
    /// Path as sent (`/`).
    pub path: &'a str,
    /// Raw query string without `?` (empty if none).
    pub raw_query: &'a str,
    /// Headers as received.
    pub headers: &'a HeaderMap,
    /// Exact body bytes.
    pub body: &'a [u8],
}

/// A request that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key that signed it.
    pub access_key: String,
    /// The canonical request the stand-in computed.
    pub canonical_request: String,
}

/// A refused request: what the gateway answers, and why (for the test log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The error the client receives.
    pub error: ApiError,
    /// Why, in words (never sent to the client).
    pub reason: String,
}

fn reject(error: ApiError, reason: impl Into<String>) -> Rejection {
    Rejection { error, reason: reason.into() }
}

/// Parse an `X-Date` value (strictly `yyyyMMddTHHmmssZ`).
pub fn parse_x_date(value: &str) -> Option<DateTime<Utc>> {
    if value.len() != 16 {
        return None;
    }
    NaiveDateTime::parse_from_str(value, X_DATE_FORMAT).ok().map(|t| t.and_utc())
}

/// Format an instant as `X-Date`.
pub fn format_x_date(at: DateTime<Utc>) -> String {
    at.format(X_DATE_FORMAT).to_string()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, Rejection> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(reject(ApiError::signature_does_not_match(), format!("header {name} is repeated")));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| reject(ApiError::signature_does_not_match(), format!("header {name} is not visible ASCII")))
}

/// Verify `request` against the known `credentials` at the stand-in's `now`.
///
/// Checks, in order: an `Authorization` header exists and parses; `X-Date` is well-formed and
/// within the clock window; the access key is known; the session token matches the credentials
/// (present, equal and signed if they have one, absent if not); the scope names the same date as
/// `X-Date`, the expected region and service and ends in `request`; `host`, `x-date` and every
/// present `content-type`, `x-content-sha256`, `x-security-token` are signed, and every signed
/// header exists; `X-Content-Sha256`, if sent, is the hash of the exact body; finally the signature
/// recomputed over the canonical request equals the one sent.
pub fn verify(
    request: &SignedRequest<'_>,
    credentials: &HashMap<String, Credentials>,
    policy: &VerifyPolicy,
    now: DateTime<Utc>,
) -> Result<Verified, Rejection> {
    let headers = request.headers;
    let Some(authorization) = header(headers, "authorization")? else {
        return Err(reject(ApiError::missing_authentication_token(), "no Authorization header"));
    };
    let auth = Authorization::parse(authorization).map_err(|e| {
        let error = match e {
            AuthorizationError::MissingSignature => ApiError::missing_signature(),
            AuthorizationError::BadCredential(_) | AuthorizationError::MissingCredential => {
                ApiError::invalid_credential()
            }
            AuthorizationError::Algorithm | AuthorizationError::MissingSignedHeaders => {
                ApiError::invalid_authorization()
            }
        };
        reject(error, e.to_string())
    })?;

    let Some(x_date) = header(headers, "x-date")? else {
        return Err(reject(ApiError::invalid_timestamp(), "no X-Date header"));
    };
    let Some(signed_at) = parse_x_date(x_date) else {
        return Err(reject(ApiError::invalid_timestamp(), format!("X-Date {x_date:?} is not yyyyMMddTHHmmssZ")));
    };
    let skew = signed_at - now;
    if skew.abs() > policy.clock_window {
        return Err(reject(
            ApiError::invalid_timestamp(),
            format!(
                "X-Date {x_date} is {}s away from the stand-in clock (window ±{}s)",
                skew.num_seconds(),
                policy.clock_window.num_seconds()
            ),
        ));
    }

    let Some(known) = credentials.get(&auth.access_key) else {
        return Err(reject(ApiError::invalid_access_key(&auth.access_key), "unknown access key"));
    };
    let token = header(headers, "x-security-token")?;
    match (&known.session_token, token) {
        (Some(expected), Some(sent)) if expected == sent => {}
        (Some(_), Some(_)) => return Err(reject(ApiError::invalid_credential(), "X-Security-Token differs")),
        (Some(_), None) => {
            return Err(reject(
                ApiError::invalid_credential(),
                "the credentials have a session token; no X-Security-Token sent",
            ));
        }
        (None, Some(_)) => {
            return Err(reject(
                ApiError::invalid_credential(),
                "X-Security-Token sent for credentials without a session token",
            ));
        }
        (None, None) => {}
    }

    let mismatch = |reason: String| reject(ApiError::signature_does_not_match(), reason);
    if auth.short_date != x_date[..8] {
        return Err(mismatch(format!("scope date {} is not the date of X-Date {x_date}", auth.short_date)));
    }
    if auth.region != policy.region {
        return Err(mismatch(format!("scope region {:?}, expected {:?}", auth.region, policy.region)));
    }
    if !policy.services.contains(&auth.service) {
        return Err(mismatch(format!("scope service {:?}, expected one of {:?}", auth.service, policy.services)));
    }
    if auth.terminator != SCOPE_TERMINATOR {
        return Err(reject(
            ApiError::invalid_credential(),
            format!("scope ends in {:?}, not request", auth.terminator),
        ));
    }

    let signed = &auth.signed_headers;
    let mut sorted = signed.clone();
    sorted.sort();
    sorted.dedup();
    if *signed != sorted || signed.iter().any(|n| *n != n.to_ascii_lowercase()) {
        return Err(mismatch(format!("SignedHeaders {signed:?} are not lowercase, sorted and unique")));
    }
    for must in ["host", "x-date", "content-type", "x-content-sha256", "x-security-token"] {
        let required = matches!(must, "host" | "x-date") || headers.contains_key(must);
        if required && !signed.iter().any(|n| n == must) {
            return Err(mismatch(format!("header {must} is not signed")));
        }
    }
    let mut canonical_headers = Vec::with_capacity(signed.len());
    for name in signed {
        let Some(value) = header(headers, name)? else {
            return Err(mismatch(format!("signed header {name} is not in the request")));
        };
        let value = if name == "host" { canonical_host(value) } else { value };
        canonical_headers.push((name.clone(), value.to_owned()));
    }

    let body_hash = sha256_hex(request.body);
    if let Some(sent) = header(headers, "x-content-sha256")?
        && sent != body_hash
    {
        return Err(mismatch(format!("X-Content-Sha256 {sent} is not the body's hash {body_hash}")));
    }
    let query = canonical_query(&decode_raw_query(request.raw_query));
    let canonical = canonical_request(request.method, request.path, &query, &canonical_headers, &body_hash);
    let scope = auth.scope();
    let key = signing_key(&known.secret_key, &auth.short_date, &auth.region, &auth.service);
    let expected = signature(&key, &string_to_sign(x_date, &scope, &canonical));
    if expected != auth.signature {
        return Err(mismatch(format!("signature differs; the stand-in's canonical request was:\n{canonical}")));
    }
    Ok(Verified { access_key: auth.access_key, canonical_request: canonical })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::volcengine::sign::{credential_scope, rfc3986_encode};
    use http::{HeaderName, HeaderValue};
    use serde_json::Value;

    type Pairs = Vec<(String, String)>;

    const VECTORS: &str = include_str!("../../fixtures/volcengine/sign-vectors.json");

    fn vectors() -> Vec<Value> {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        all["vectors"].as_array().unwrap().clone()
    }

    fn s(v: &Value) -> &str {
        v.as_str().unwrap()
    }

    /// The vector's wire request, rebuilt from its inputs only (headers before signing plus the
    /// X-Date, body hash and token the algorithm adds), and the signed subset, sorted.
    fn rebuild(input: &Value) -> (Pairs, Pairs) {
        let mut wire: Vec<(String, String)> = input["headers_before_signing"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), s(v).to_owned()))
            .collect();
        wire.push(("X-Date".into(), s(&input["x_date"]).to_owned()));
        wire.push(("X-Content-Sha256".into(), sha256_hex(s(&input["body"]).as_bytes())));
        if let Some(token) = input["session_token"].as_str().filter(|t| !t.is_empty()) {
            wire.push(("X-Security-Token".into(), token.to_owned()));
        }
        let mut signed: Vec<(String, String)> = wire
            .iter()
            .filter(|(k, _)| ["Content-Type", "Content-Md5", "Host"].contains(&k.as_str()) || k.starts_with("X-"))
            .map(|(k, v)| {
                let name = k.to_ascii_lowercase();
                let value = if name == "host" { canonical_host(v).to_owned() } else { v.clone() };
                (name, value)
            })
            .collect();
        signed.sort();
        (wire, signed)
    }

    fn query_pairs(input: &Value) -> Vec<(String, String)> {
        input["query"].as_array().unwrap().iter().map(|p| (s(&p[0]).to_owned(), s(&p[1]).to_owned())).collect()
    }

    #[test]
    fn every_vector_is_recomputed_step_by_step() {
        let vectors = vectors();
        assert_eq!(vectors.len(), 7);
        for vector in &vectors {
            let name = s(&vector["name"]);
            let (input, expected) = (&vector["input"], &vector["expected"]);
            let (_, signed) = rebuild(input);
            let body_hash = sha256_hex(s(&input["body"]).as_bytes());
            assert_eq!(body_hash, s(&expected["x_content_sha256"]), "{name}: body hash");
            let query = canonical_query(&query_pairs(input));
            if let Some(q) = expected["canonical_query"].as_str() {
                assert_eq!(query, q, "{name}: canonical query");
            }
            let canonical = canonical_request(s(&input["method"]), s(&input["path"]), &query, &signed, &body_hash);
            assert_eq!(canonical, s(&expected["canonical_request"]), "{name}: canonical request");
            let names = signed.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
            assert_eq!(names, s(&expected["signed_headers"]), "{name}: signed headers");
            let x_date = s(&input["x_date"]);
            let scope = credential_scope(&x_date[..8], s(&input["region"]), s(&input["service"]));
            assert_eq!(scope, s(&expected["credential_scope"]), "{name}: scope");
            let to_sign = string_to_sign(x_date, &scope, &canonical);
            assert_eq!(to_sign, s(&expected["string_to_sign"]), "{name}: string to sign");
            let key =
                signing_key(s(&input["secret_access_key"]), &x_date[..8], s(&input["region"]), s(&input["service"]));
            assert_eq!(hex::encode(key), s(&expected["signing_key_hex"]), "{name}: signing key");
            let sig = signature(&key, &to_sign);
            assert_eq!(sig, s(&expected["signature"]), "{name}: signature");
            let authorization = format!(
                "HMAC-SHA256 Credential={}/{scope}, SignedHeaders={names}, Signature={sig}",
                s(&input["access_key_id"])
            );
            assert_eq!(authorization, s(&expected["authorization"]), "{name}: Authorization");
        }
    }

    /// The vector as a request the verifier sees: rebuilt headers plus the vector's Authorization.
    fn request_parts(vector: &Value) -> (String, String, HeaderMap, Vec<u8>) {
        let input = &vector["input"];
        let (wire, _) = rebuild(input);
        let mut headers = HeaderMap::new();
        for (k, v) in wire {
            headers.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(&v).unwrap());
        }
        headers.insert("authorization", HeaderValue::from_str(s(&vector["expected"]["authorization"])).unwrap());
        let raw_query = query_pairs(input)
            .iter()
            .map(|(k, v)| format!("{}={}", rfc3986_encode(k.as_bytes()), rfc3986_encode(v.as_bytes())))
            .collect::<Vec<_>>()
            .join("&");
        (s(&input["method"]).to_owned(), raw_query, headers, s(&input["body"]).as_bytes().to_vec())
    }

    fn known(vector: &Value) -> HashMap<String, Credentials> {
        let input = &vector["input"];
        HashMap::from([(
            s(&input["access_key_id"]).to_owned(),
            Credentials {
                secret_key: s(&input["secret_access_key"]).to_owned(),
                session_token: input["session_token"].as_str().map(str::to_owned),
            },
        )])
    }

    #[test]
    fn every_vector_verifies_and_a_changed_byte_does_not() {
        let policy = VerifyPolicy::default();
        for vector in &vectors() {
            let name = s(&vector["name"]);
            let (method, raw_query, headers, body) = request_parts(vector);
            let now = parse_x_date(s(&vector["input"]["x_date"])).unwrap() + TimeDelta::minutes(14);
            let request =
                SignedRequest { method: &method, path: "/", raw_query: &raw_query, headers: &headers, body: &body };
            let verified = verify(&request, &known(vector), &policy, now).unwrap_or_else(|r| panic!("{name}: {r:?}"));
            assert_eq!(verified.canonical_request, s(&vector["expected"]["canonical_request"]), "{name}");

            // Same headers, the query changed: the signature no longer covers it.
            let other_query = format!("{raw_query}&Extra=1");
            let changed = SignedRequest { raw_query: &other_query, ..request };
            let err = verify(&changed, &known(vector), &policy, now).unwrap_err();
            assert_eq!(err.error.code, "SignatureDoesNotMatch", "{name}");
            // The body changed: X-Content-Sha256 no longer matches.
            let other_body = [body.as_slice(), b" "].concat();
            let changed = SignedRequest { body: &other_body, ..request };
            assert_eq!(verify(&changed, &known(vector), &policy, now).unwrap_err().error.code, "SignatureDoesNotMatch");
            // Fifteen minutes and one second later the signature is stale.
            let late = now + TimeDelta::minutes(1) + TimeDelta::seconds(1);
            assert_eq!(verify(&request, &known(vector), &policy, late).unwrap_err().error.code, "InvalidTimestamp");
        }
    }

    #[test]
    fn token_and_key_failures() {
        let policy = VerifyPolicy::default();
        let sts = vectors().into_iter().find(|v| v["input"]["session_token"].is_string()).unwrap();
        let (method, raw_query, headers, body) = request_parts(&sts);
        let now = parse_x_date(s(&sts["input"]["x_date"])).unwrap();
        let request =
            SignedRequest { method: &method, path: "/", raw_query: &raw_query, headers: &headers, body: &body };
        let mut creds = known(&sts);
        let ak = s(&sts["input"]["access_key_id"]).to_owned();
        creds.get_mut(&ak).unwrap().session_token = Some("another".into());
        assert_eq!(verify(&request, &creds, &policy, now).unwrap_err().error.code, "InvalidCredential");
        creds.get_mut(&ak).unwrap().session_token = None;
        assert_eq!(verify(&request, &creds, &policy, now).unwrap_err().error.code, "InvalidCredential");
        let unknown = verify(&request, &HashMap::new(), &policy, now).unwrap_err().error;
        assert_eq!((unknown.status, unknown.code.as_str(), unknown.code_n), (401, "InvalidAccessKey", Some(100009)));
        assert!(unknown.message.contains(&ak));
        let lower = VerifyPolicy { services: vec!["rocketmq".into()], ..VerifyPolicy::default() };
        assert_eq!(verify(&request, &known(&sts), &lower, now).unwrap_err().error.code, "SignatureDoesNotMatch");
        let mut no_auth = headers.clone();
        no_auth.remove("authorization");
        let request = SignedRequest { headers: &no_auth, ..request };
        let missing = verify(&request, &known(&sts), &policy, now).unwrap_err().error;
        assert_eq!((missing.status, missing.code.as_str()), (401, "MissingAuthenticationToken"));
    }
}
