//! Volcengine credentials: access key id, secret access key and optional STS session token.
//!
//! Two sources, as the existing server has them:
//! * `credential: env`: [`EnvCredentials`] from `VOLCENGINE_ACCESS_KEY`, `VOLCENGINE_SECRET_KEY` and
//!   `VOLCENGINE_ACCESS_SESSION_TOKEN`;
//! * `credential: token`: [`parse_bearer`] of a per-request header value
//!   `Bearer base64(JSON{AccessKeyId, SecretAccessKey, SessionToken[, ExpiredTime]})`.
//!
//! The secret key and the session token are [`Secret`]s: neither `Debug` nor any error message of
//! this module ever shows them.

use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, TimeZone as _, Utc};
pub use mcp_core::Secret;
use serde_json::Value;

/// Environment variable holding the access key id.
pub const ENV_ACCESS_KEY: &str = "VOLCENGINE_ACCESS_KEY";
/// Environment variable holding the secret access key.
pub const ENV_SECRET_KEY: &str = "VOLCENGINE_SECRET_KEY";
/// Environment variable holding the STS session token (optional).
pub const ENV_SESSION_TOKEN: &str = "VOLCENGINE_ACCESS_SESSION_TOKEN";

/// Complete credentials for signing one request.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
}

impl Credentials {
    /// Credentials from their parts; an empty session token counts as none.
    ///
    /// Fails when the access key id or the secret key is empty (after trimming whitespace).
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: Secret,
        session_token: Option<Secret>,
    ) -> Result<Self, CredentialError> {
        let access_key_id = access_key_id.into();
        if access_key_id.trim().is_empty() {
            return Err(CredentialError::Empty { field: "access key id" });
        }
        if secret_access_key.expose().trim().is_empty() {
            return Err(CredentialError::Empty { field: "secret access key" });
        }
        let session_token = session_token.filter(|t| !t.expose().is_empty());
        Ok(Self { access_key_id, secret_access_key, session_token })
    }

    /// The access key id (not a secret: it appears in the `Authorization` header).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &Secret {
        &self.secret_access_key
    }

    /// The STS session token, when the credentials are temporary.
    pub fn session_token(&self) -> Option<&Secret> {
        self.session_token.as_ref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .finish()
    }
}

/// Why [`Credentials::new`] or [`EnvCredentials::into_credentials`] refused the credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// A required part is empty.
    #[error("the {field} is empty")]
    Empty {
        /// Which part.
        field: &'static str,
    },
    /// A required environment variable is not set (or empty).
    #[error("environment variable {var} is not set (credential: env needs {ENV_ACCESS_KEY} and {ENV_SECRET_KEY})")]
    MissingEnv {
        /// The variable's name.
        var: &'static str,
    },
}

/// The credentials of `credential: env`, as read from the environment (each part may be absent).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvCredentials {
    /// `VOLCENGINE_ACCESS_KEY`.
    pub access_key: Option<String>,
    /// `VOLCENGINE_SECRET_KEY`.
    pub secret_key: Option<Secret>,
    /// `VOLCENGINE_ACCESS_SESSION_TOKEN`.
    pub session_token: Option<Secret>,
}

impl EnvCredentials {
    /// Read the three variables from the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read the three variables through `lookup` (for tests and layered config); empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Self {
            access_key: get(ENV_ACCESS_KEY),
            secret_key: get(ENV_SECRET_KEY).map(Secret::new),
            session_token: get(ENV_SESSION_TOKEN).map(Secret::new),
        }
    }

    /// Whether both required parts are present.
    pub fn is_complete(&self) -> bool {
        self.access_key.is_some() && self.secret_key.is_some()
    }

    /// The signing credentials, or which variable is missing.
    pub fn into_credentials(self) -> Result<Credentials, CredentialError> {
        let access_key = self.access_key.ok_or(CredentialError::MissingEnv { var: ENV_ACCESS_KEY })?;
        let secret_key = self.secret_key.ok_or(CredentialError::MissingEnv { var: ENV_SECRET_KEY })?;
        Credentials::new(access_key, secret_key, self.session_token)
    }
}

impl fmt::Debug for EnvCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvCredentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("session_token", &self.session_token)
            .finish()
    }
}

/// Credentials taken from a `credential: token` header, with the expiry the token declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCredentials {
    /// The signing credentials.
    pub credentials: Credentials,
    /// `ExpiredTime` of the token, when it has one (already checked to lie in the future).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Why a `credential: token` header was refused. No variant ever carries the token or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The header value is empty.
    #[error("the credential header is empty; expected `Bearer <base64 JSON>`")]
    Empty,
    /// There is no `Bearer ` scheme word in front of the token.
    #[error("the credential header has no scheme; expected `Bearer <base64 JSON>`")]
    MissingScheme,
    /// The scheme is not `Bearer`.
    #[error("the credential header uses the scheme `{scheme}`; expected `Bearer <base64 JSON>`")]
    WrongScheme {
        /// The scheme word sent (only if it is a short ASCII word; otherwise `?`).
        scheme: String,
    },
    /// Nothing follows the scheme.
    #[error("the credential header has no token after `Bearer`")]
    MissingToken,
    /// The token is not base64 in the standard or URL-safe alphabet.
    #[error("the credential token is not valid base64 (standard or URL-safe alphabet, padding optional)")]
    InvalidBase64,
    /// The decoded token is not UTF-8 text.
    #[error("the decoded credential token is not UTF-8 text")]
    NotUtf8,
    /// The decoded token is not JSON.
    #[error("the decoded credential token is not valid JSON ({category} error at line {line}, column {column})")]
    InvalidJson {
        /// `syntax`, `eof` or `data`.
        category: &'static str,
        /// Line of the error (1-based).
        line: usize,
        /// Column of the error (1-based).
        column: usize,
    },
    /// The JSON is not an object.
    #[error("the decoded credential token must be a JSON object with AccessKeyId and SecretAccessKey")]
    NotAnObject,
    /// A required field is absent or `null`.
    #[error("the credential token has no {field}")]
    MissingField {
        /// `AccessKeyId` or `SecretAccessKey`.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("the credential token's {field} must be {expected}")]
    WrongType {
        /// The field's name.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// A required field is an empty string.
    #[error("the credential token's {field} is empty")]
    EmptyField {
        /// `AccessKeyId` or `SecretAccessKey`.
        field: &'static str,
    },
    /// `ExpiredTime` is in no format this server reads.
    #[error(
        "the credential token's ExpiredTime is not a time: use RFC 3339 (2025-01-15T16:30:00+08:00) \
         or Unix seconds or milliseconds"
    )]
    InvalidExpiredTime,
    /// `ExpiredTime` has passed.
    #[error("the credential token expired at {expired_at} (now {now}); fetch new STS credentials")]
    Expired {
        /// When it expired (RFC 3339, UTC).
        expired_at: String,
        /// The time of the check (RFC 3339, UTC).
        now: String,
    },
}

/// The scheme word a token header must carry (compared case-insensitively).
pub const BEARER: &str = "Bearer";

const FIELD_AK: &str = "AccessKeyId";
const FIELD_SK: &str = "SecretAccessKey";
const FIELD_TOKEN: &str = "SessionToken";
const FIELD_EXPIRED: &str = "ExpiredTime";

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Parse a `credential: token` header value at time `now`.
///
/// The value must be `Bearer <token>` (scheme case-insensitive, any run of spaces or tabs between),
/// the token base64 (standard or URL-safe alphabet, padding optional) of a JSON object with non-empty
/// string `AccessKeyId` and `SecretAccessKey`, optional string `SessionToken` (empty = none) and
/// optional `ExpiredTime` (RFC 3339 string, or Unix seconds or milliseconds as a number or a string
/// of digits) that must be later than `now`. Other fields (`CurrentTime`, ...) are ignored.
pub fn parse_bearer(header_value: &str, now: DateTime<Utc>) -> Result<TokenCredentials, TokenError> {
    let value = header_value.trim();
    if value.is_empty() {
        return Err(TokenError::Empty);
    }
    let Some((scheme, token)) = value.split_once([' ', '\t']) else {
        // One word: either a bare token or a scheme with nothing after it.
        if value.eq_ignore_ascii_case(BEARER) {
            return Err(TokenError::MissingToken);
        }
        return Err(TokenError::MissingScheme);
    };
    if !scheme.eq_ignore_ascii_case(BEARER) {
        return Err(TokenError::WrongScheme { scheme: printable_scheme(scheme) });
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenError::MissingToken);
    }
    let bytes = STANDARD_LENIENT
        .decode(token)
        .or_else(|_| URL_SAFE_LENIENT.decode(token))
        .map_err(|_| TokenError::InvalidBase64)?;
    let text = String::from_utf8(bytes).map_err(|_| TokenError::NotUtf8)?;
    let json: Value = serde_json::from_str(&text).map_err(|e| TokenError::InvalidJson {
        category: match e.classify() {
            serde_json::error::Category::Eof => "eof",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data | serde_json::error::Category::Io => "data",
        },
        line: e.line(),
        column: e.column(),
    })?;
    let Value::Object(map) = json else {
        return Err(TokenError::NotAnObject);
    };
    let ak = required_string(&map, FIELD_AK)?;
    let sk = required_string(&map, FIELD_SK)?;
    let session_token = match map.get(FIELD_TOKEN) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(Secret::new(s.clone())),
        Some(_) => return Err(TokenError::WrongType { field: FIELD_TOKEN, expected: "a string" }),
    };
    let expires_at = match map.get(FIELD_EXPIRED) {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_expired_time(v)?),
    };
    if let Some(at) = expires_at
        && at <= now
    {
        return Err(TokenError::Expired { expired_at: rfc3339(at), now: rfc3339(now) });
    }
    let credentials = Credentials { access_key_id: ak, secret_access_key: Secret::new(sk), session_token };
    Ok(TokenCredentials { credentials, expires_at })
}

fn required_string(map: &serde_json::Map<String, Value>, field: &'static str) -> Result<String, TokenError> {
    match map.get(field) {
        None | Some(Value::Null) => Err(TokenError::MissingField { field }),
        Some(Value::String(s)) if s.trim().is_empty() => Err(TokenError::EmptyField { field }),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(TokenError::WrongType { field, expected: "a string" }),
    }
}

/// A scheme word safe to echo: short and plain ASCII, else `?`.
fn printable_scheme(scheme: &str) -> String {
    if scheme.len() <= 16 && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        scheme.to_string()
    } else {
        "?".to_string()
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Epoch values above this are milliseconds (1e11 s is the year 5138).
const MILLIS_THRESHOLD: i64 = 100_000_000_000;

/// Parse `ExpiredTime`: an RFC 3339 string (offset required), or Unix seconds or milliseconds as
/// an integer or a string of digits.
pub fn parse_expired_time(value: &Value) -> Result<DateTime<Utc>, TokenError> {
    match value {
        Value::Number(n) => n.as_i64().and_then(from_epoch).ok_or(TokenError::InvalidExpiredTime),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                return s.parse::<i64>().ok().and_then(from_epoch).ok_or(TokenError::InvalidExpiredTime);
            }
            DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| TokenError::InvalidExpiredTime)
        }
        _ => Err(TokenError::InvalidExpiredTime),
    }
}

fn from_epoch(n: i64) -> Option<DateTime<Utc>> {
    if n < 0 {
        return None;
    }
    if n >= MILLIS_THRESHOLD { Utc.timestamp_millis_opt(n).single() } else { Utc.timestamp_opt(n, 0).single() }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use serde_json::json;

    const SK: &str = "TestSecretAccessKey/0123456789+abcdefghijKLMNOPQR==";
    const TOKEN: &str = "STSeyJBY2NvdW50SWQiOiIyMTAwMDAwMDAwIn0=nCHm0abcDEF/ghi+JKL==";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 15, 8, 30, 0).unwrap()
    }

    fn bearer(json: &Value) -> String {
        format!("Bearer {}", STANDARD.encode(json.to_string()))
    }

    fn full() -> Value {
        json!({"AccessKeyId": "AKLTak", "SecretAccessKey": SK, "SessionToken": TOKEN})
    }

    /// Every error's message and Debug, checked for the secret and the token.
    fn assert_no_secret(e: &TokenError) {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(SK), "{text}");
            assert!(!text.contains("TestSecret"), "{text}");
            assert!(!text.contains(TOKEN), "{text}");
        }
    }

    #[test]
    fn parses_a_full_token() {
        let t = parse_bearer(&bearer(&full()), now()).unwrap();
        assert_eq!(t.credentials.access_key_id(), "AKLTak");
        assert_eq!(t.credentials.secret_access_key().expose(), SK);
        assert_eq!(t.credentials.session_token().unwrap().expose(), TOKEN);
        assert_eq!(t.expires_at, None);
    }

    #[test]
    fn empty_or_absent_session_token_is_none() {
        for v in [
            json!({"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": ""}),
            json!({"AccessKeyId": "a", "SecretAccessKey": "s"}),
            json!({"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": null}),
        ] {
            let t = parse_bearer(&bearer(&v), now()).unwrap();
            assert!(t.credentials.session_token().is_none(), "{v}");
        }
    }

    #[test]
    fn scheme_is_case_insensitive_and_spacing_tolerated() {
        let b64 = STANDARD.encode(full().to_string());
        for header in
            [format!("bearer {b64}"), format!("BEARER  {b64}"), format!("Bearer\t{b64} "), format!(" Bearer {b64}")]
        {
            assert_eq!(parse_bearer(&header, now()).unwrap().credentials.access_key_id(), "AKLTak", "{header}");
        }
    }

    #[test]
    fn all_base64_variants_are_accepted() {
        // A JSON whose encoding has '+' / '/' in the standard alphabet and needs padding.
        let v = json!({"AccessKeyId": "ak?>>", "SecretAccessKey": "s~~~??>", "x": "ÿÿ"});
        let raw = v.to_string();
        let encodings =
            [STANDARD.encode(&raw), STANDARD_NO_PAD.encode(&raw), URL_SAFE.encode(&raw), URL_SAFE_NO_PAD.encode(&raw)];
        assert!(encodings[0].contains(['+', '/']), "fixture must exercise the alphabets: {}", encodings[0]);
        assert!(encodings[0].ends_with('='), "fixture must exercise padding: {}", encodings[0]);
        for enc in encodings {
            let t = parse_bearer(&format!("Bearer {enc}"), now()).unwrap();
            assert_eq!(t.credentials.access_key_id(), "ak?>>", "{enc}");
        }
    }

    #[test]
    fn scheme_errors() {
        let b64 = STANDARD.encode(full().to_string());
        assert_eq!(parse_bearer("", now()), Err(TokenError::Empty));
        assert_eq!(parse_bearer("   ", now()), Err(TokenError::Empty));
        assert_eq!(parse_bearer(&b64, now()), Err(TokenError::MissingScheme));
        assert_eq!(parse_bearer("Bearer", now()), Err(TokenError::MissingToken));
        assert_eq!(parse_bearer("Bearer   ", now()), Err(TokenError::MissingToken));
        assert_eq!(
            parse_bearer(&format!("Basic {b64}"), now()),
            Err(TokenError::WrongScheme { scheme: "Basic".into() })
        );
        // A scheme word that could itself be a secret is not echoed.
        let e = parse_bearer(&format!("{SK} {b64}"), now()).unwrap_err();
        assert_eq!(e, TokenError::WrongScheme { scheme: "?".into() });
        assert_no_secret(&e);
        assert!(parse_bearer(&b64, now()).unwrap_err().to_string().contains("Bearer <base64 JSON>"));
    }

    #[test]
    fn decoding_errors_are_precise() {
        assert_eq!(parse_bearer("Bearer not*base64!", now()), Err(TokenError::InvalidBase64));
        // Mixed alphabets are neither standard nor URL-safe.
        assert_eq!(parse_bearer("Bearer ab+_", now()), Err(TokenError::InvalidBase64));
        assert_eq!(
            parse_bearer(&format!("Bearer {}", STANDARD.encode([0xff, 0xfe, 0x00])), now()),
            Err(TokenError::NotUtf8)
        );
        let e = parse_bearer(&format!("Bearer {}", STANDARD.encode(format!("{{\"SecretAccessKey\": \"{SK}\""))), now())
            .unwrap_err();
        assert!(matches!(e, TokenError::InvalidJson { category: "eof", line: 1, .. }), "{e:?}");
        assert_no_secret(&e);
        let e =
            parse_bearer(&format!("Bearer {}", STANDARD.encode(format!("{{\"SecretAccessKey\" \"{SK}\"}}"))), now())
                .unwrap_err();
        assert!(matches!(e, TokenError::InvalidJson { category: "syntax", .. }), "{e:?}");
        assert_no_secret(&e);
        assert_eq!(parse_bearer(&bearer(&json!([SK])), now()), Err(TokenError::NotAnObject));
    }

    #[test]
    fn field_errors_are_precise_and_never_show_the_secret() {
        let cases = [
            (json!({"SecretAccessKey": SK}), TokenError::MissingField { field: "AccessKeyId" }),
            (json!({"AccessKeyId": null, "SecretAccessKey": SK}), TokenError::MissingField { field: "AccessKeyId" }),
            (json!({"AccessKeyId": "ak"}), TokenError::MissingField { field: "SecretAccessKey" }),
            (json!({"AccessKeyId": "", "SecretAccessKey": SK}), TokenError::EmptyField { field: "AccessKeyId" }),
            (json!({"AccessKeyId": "ak", "SecretAccessKey": " "}), TokenError::EmptyField { field: "SecretAccessKey" }),
            (
                json!({"AccessKeyId": 42, "SecretAccessKey": SK}),
                TokenError::WrongType { field: "AccessKeyId", expected: "a string" },
            ),
            (
                json!({"AccessKeyId": "ak", "SecretAccessKey": [SK]}),
                TokenError::WrongType { field: "SecretAccessKey", expected: "a string" },
            ),
            (
                json!({"AccessKeyId": "ak", "SecretAccessKey": SK, "SessionToken": 1}),
                TokenError::WrongType { field: "SessionToken", expected: "a string" },
            ),
            (
                json!({"AccessKeyId": "ak", "SecretAccessKey": SK, "ExpiredTime": "tomorrow"}),
                TokenError::InvalidExpiredTime,
            ),
        ];
        for (v, want) in cases {
            let got = parse_bearer(&bearer(&v), now()).unwrap_err();
            assert_eq!(got, want, "{v}");
            assert_no_secret(&got);
        }
    }

    #[test]
    fn expired_time_formats() {
        let ok = |v: Value| parse_expired_time(&v).unwrap();
        let at = Utc.with_ymd_and_hms(2025, 1, 15, 8, 30, 0).unwrap();
        assert_eq!(ok(json!("2025-01-15T16:30:00+08:00")), at);
        assert_eq!(ok(json!("2025-01-15T08:30:00Z")), at);
        assert_eq!(ok(json!("2025-01-15T08:30:00.000Z")), at);
        assert_eq!(ok(json!(1_736_929_800)), at);
        assert_eq!(ok(json!("1736929800")), at);
        assert_eq!(ok(json!(1_736_929_800_000_i64)), at);
        assert_eq!(ok(json!("1736929800000")), at);
        for bad in
            [json!("2025-01-15 08:30:00"), json!("2025-01-15T08:30:00"), json!(""), json!(-1), json!(1.5), json!(true)]
        {
            assert_eq!(parse_expired_time(&bad), Err(TokenError::InvalidExpiredTime), "{bad}");
        }
    }

    #[test]
    fn expiry_is_enforced() {
        let mut v = full();
        v["ExpiredTime"] = json!("2025-01-15T16:30:01+08:00");
        let t = parse_bearer(&bearer(&v), now()).unwrap();
        assert_eq!(t.expires_at, Some(now() + chrono::Duration::seconds(1)));

        v["ExpiredTime"] = json!("2025-01-15T16:30:00+08:00");
        let e = parse_bearer(&bearer(&v), now()).unwrap_err();
        assert_eq!(
            e,
            TokenError::Expired { expired_at: "2025-01-15T08:30:00Z".into(), now: "2025-01-15T08:30:00Z".into() }
        );
        assert_no_secret(&e);

        v["ExpiredTime"] = json!(1_700_000_000);
        assert!(matches!(parse_bearer(&bearer(&v), now()), Err(TokenError::Expired { .. })));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let t = parse_bearer(&bearer(&full()), now()).unwrap();
        let dbg = format!("{t:?}");
        assert!(dbg.contains("AKLTak"), "{dbg}");
        assert!(!dbg.contains(SK) && !dbg.contains(TOKEN), "{dbg}");
        assert!(dbg.contains("***"), "{dbg}");
    }

    #[test]
    fn credentials_new_requires_ak_and_sk() {
        assert_eq!(
            Credentials::new("", Secret::new("s"), None),
            Err(CredentialError::Empty { field: "access key id" })
        );
        assert_eq!(
            Credentials::new("ak", Secret::new(" "), None),
            Err(CredentialError::Empty { field: "secret access key" })
        );
        let c = Credentials::new("ak", Secret::new("s"), Some(Secret::new(""))).unwrap();
        assert!(c.session_token().is_none());
    }

    #[test]
    fn env_credentials() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let env = EnvCredentials::from_lookup(vars(&[
            (ENV_ACCESS_KEY, "AKLTak"),
            (ENV_SECRET_KEY, SK),
            (ENV_SESSION_TOKEN, TOKEN),
        ]));
        assert!(env.is_complete());
        let dbg = format!("{env:?}");
        assert!(!dbg.contains(SK) && !dbg.contains(TOKEN), "{dbg}");
        let c = env.into_credentials().unwrap();
        assert_eq!(c.access_key_id(), "AKLTak");
        assert_eq!(c.secret_access_key().expose(), SK);
        assert_eq!(c.session_token().unwrap().expose(), TOKEN);

        let env = EnvCredentials::from_lookup(vars(&[
            (ENV_ACCESS_KEY, "AKLTak"),
            (ENV_SECRET_KEY, ""),
            (ENV_SESSION_TOKEN, ""),
        ]));
        assert!(!env.is_complete());
        assert!(env.session_token.is_none());
        assert_eq!(env.into_credentials(), Err(CredentialError::MissingEnv { var: ENV_SECRET_KEY }));
        assert_eq!(
            EnvCredentials::from_lookup(vars(&[])).into_credentials(),
            Err(CredentialError::MissingEnv { var: ENV_ACCESS_KEY })
        );
    }
}
