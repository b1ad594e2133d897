//! Building blocks of the Volcengine OpenAPI V4 signature (HMAC-SHA256), written from the
//! algorithm in `/work/shared/upstreams/volcengine-rocketmq.md` §2 and checked against every vector
//! of `fixtures/volcengine/sign-vectors.json` (produced by the official SDK signer).
//!
//! This is the stand-in's own code, independent of any server signer: it is the test oracle.

use hmac::{Hmac, Mac as _};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha2::{Digest as _, Sha256};

/// The algorithm word that opens the `Authorization` header and the string to sign.
pub const ALGORITHM: &str = "HMAC-SHA256";

/// The last element of every credential scope.
pub const SCOPE_TERMINATOR: &str = "request";

/// RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` is encoded (uppercase hex).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

type HmacSha256 = Hmac<Sha256>;

/// Lowercase hex SHA-256 of `bytes` (the `X-Content-Sha256` of a body).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Percent-encode bytes the RFC 3986 way the signature uses.
pub fn rfc3986_encode(bytes: &[u8]) -> String {
    percent_encode(bytes, RFC3986).to_string()
}

/// The canonical query string of already-decoded `(key, value)` pairs: each side RFC 3986-encoded,
/// sorted by encoded key then encoded value, joined as `k=v` with `&`.
pub fn canonical_query<K: AsRef<[u8]>, V: AsRef<[u8]>>(pairs: &[(K, V)]) -> String {
    let mut encoded: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (rfc3986_encode(k.as_ref()), rfc3986_encode(v.as_ref()))).collect();
    encoded.sort();
    encoded.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Split a raw query string (as it came over the wire, without `?`) into percent-decoded pairs.
/// Only `%XX` is decoded: a `+` stays a `+` (RFC 3986), so a client that encodes a space as `+`
/// signs something else than it sends.
pub fn decode_raw_query(raw: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    raw.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (percent_decode_str(k).collect(), percent_decode_str(v).collect())
        })
        .collect()
}

/// The canonical form of a `Host` value: a `:80` or `:443` suffix is dropped.
pub fn canonical_host(host: &str) -> &str {
    host.strip_suffix(":80").or_else(|| host.strip_suffix(":443")).unwrap_or(host)
}

/// The canonical request: `METHOD\nPATH\nQUERY\nHEADERS\nSIGNED_HEADERS\nBODY_HASH`, where
/// `headers` are the signed `(lowercase name, value)` pairs already sorted by name (each line ends
/// in `\n`, so a blank line precedes the signed-header list).
pub fn canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    headers: &[(String, String)],
    body_hash: &str,
) -> String {
    let canonical_headers: String = headers.iter().map(|(name, value)| format!("{name}:{value}\n")).collect();
    let signed_headers = headers.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(";");
    format!("{method}\n{path}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{body_hash}")
}

/// `short_date/region/service/request`.
pub fn credential_scope(short_date: &str, region: &str, service: &str) -> String {
    format!("{short_date}/{region}/{service}/{SCOPE_TERMINATOR}")
}

/// `HMAC-SHA256\nX-Date\nscope\nhex(sha256(canonical_request))`.
pub fn string_to_sign(x_date: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{x_date}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The signing key: HMAC chain over short date, region, service and `request`, keyed by the
/// secret's UTF-8 bytes (no prefix).
pub fn signing_key(secret_key: &str, short_date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(secret_key.as_bytes(), short_date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, SCOPE_TERMINATOR.as_bytes())
}

/// Lowercase hex HMAC of the string to sign under the signing key.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// The parts of an `Authorization: HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Access key id (first scope element).
    pub access_key: String,
    /// `yyyyMMdd` of the scope.
    pub short_date: String,
    /// Region of the scope.
    pub region: String,
    /// Service of the scope, exactly as written.
    pub service: String,
    /// The scope's terminator (should be `request`).
    pub terminator: String,
    /// The signed header names, in the order given.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Why an `Authorization` header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// The header does not start with `HMAC-SHA256 `.
    #[error("authorization does not start with {ALGORITHM}")]
    Algorithm,
    /// `Credential=` is absent or empty.
    #[error("authorization has no Credential")]
    MissingCredential,
    /// The credential is not `ak/date/region/service/request`.
    #[error("credential {0:?} is not AK/date/region/service/request")]
    BadCredential(String),
    /// `SignedHeaders=` is absent or empty.
    #[error("authorization has no SignedHeaders")]
    MissingSignedHeaders,
    /// `Signature=` is absent or empty.
    #[error("authorization has no Signature")]
    MissingSignature,
}

impl Authorization {
    /// The credential scope as written (`date/region/service/terminator`).
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/{}", self.short_date, self.region, self.service, self.terminator)
    }

    /// Parse the header value. Parameters are separated by `,` with optional spaces, as the
    /// SDK writes them (`, `).
    pub fn parse(value: &str) -> Result<Authorization, AuthorizationError> {
        let rest =
            value.strip_prefix(ALGORITHM).and_then(|r| r.strip_prefix(' ')).ok_or(AuthorizationError::Algorithm)?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',').map(str::trim) {
            if let Some(v) = part.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                signature = Some(v);
            }
        }
        let credential = credential.filter(|c| !c.is_empty()).ok_or(AuthorizationError::MissingCredential)?;
        let fields: Vec<&str> = credential.split('/').collect();
        let [access_key, short_date, region, service, terminator] = fields[..] else {
            return Err(AuthorizationError::BadCredential(credential.to_owned()));
        };
        if [access_key, short_date, region, service, terminator].iter().any(|f| f.is_empty()) {
            return Err(AuthorizationError::BadCredential(credential.to_owned()));
        }
        let signed = signed.filter(|s| !s.is_empty()).ok_or(AuthorizationError::MissingSignedHeaders)?;
        let signature = signature.filter(|s| !s.is_empty()).ok_or(AuthorizationError::MissingSignature)?;
        Ok(Authorization {
            access_key: access_key.to_owned(),
            short_date: short_date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            terminator: terminator.to_owned(),
            signed_headers: signed.split(';').map(str::to_owned).collect(),
            signature: signature.to_owned(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_braces_body_hashes() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"{}"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }

    #[test]
    fn query_is_rfc3986_encoded_and_sorted() {
        let pairs = [("Zh", "北京"), ("Name", "a b/c*d+e=f~g"), ("Empty", ""), ("Action", "X")];
        assert_eq!(canonical_query(&pairs), "Action=X&Empty=&Name=a%20b%2Fc%2Ad%2Be%3Df~g&Zh=%E5%8C%97%E4%BA%AC");
        let decoded = decode_raw_query("a=1+2&b=%2F&c");
        assert_eq!(
            decoded,
            vec![(b"a".to_vec(), b"1+2".to_vec()), (b"b".to_vec(), b"/".to_vec()), (b"c".to_vec(), vec![])]
        );
    }

    #[test]
    fn host_drops_default_ports_only() {
        assert_eq!(canonical_host("open.volcengineapi.com:443"), "open.volcengineapi.com");
        assert_eq!(canonical_host("h:80"), "h");
        assert_eq!(canonical_host("127.0.0.1:8080"), "127.0.0.1:8080");
    }

    #[test]
    fn authorization_parses_and_rejects() {
        let a = Authorization::parse(
            "HMAC-SHA256 Credential=AK/20250115/cn-beijing/RocketMQ/request, SignedHeaders=host;x-date, Signature=ab",
        )
        .unwrap();
        assert_eq!(a.access_key, "AK");
        assert_eq!(a.scope(), "20250115/cn-beijing/RocketMQ/request");
        assert_eq!(a.signed_headers, vec!["host", "x-date"]);
        assert_eq!(a.signature, "ab");
        assert_eq!(Authorization::parse("Bearer x"), Err(AuthorizationError::Algorithm));
        assert_eq!(
            Authorization::parse(
                "HMAC-SHA256 Credential=AK/20250115/cn-beijing/request, SignedHeaders=host, Signature=ab"
            ),
            Err(AuthorizationError::BadCredential("AK/20250115/cn-beijing/request".into()))
        );
        assert_eq!(
            Authorization::parse("HMAC-SHA256 Credential=AK/d/r/s/request, Signature=ab"),
            Err(AuthorizationError::MissingSignedHeaders)
        );
        assert_eq!(
            Authorization::parse("HMAC-SHA256 Credential=AK/d/r/s/request, SignedHeaders=host"),
            Err(AuthorizationError::MissingSignature)
        );
    }
}
