//! `Authorization: Bearer` parsing and static bearer keys.

use std::collections::HashSet;

use http::HeaderMap;
use http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::{AuthFailure, AuthSetupError, NamedToken};
use crate::identity::Principal;

/// The bearer token of a request: `Missing` without an `Authorization` header, `Malformed` for
/// another scheme, several headers, non-ASCII, or a token that is empty or contains spaces.
/// The scheme is case-insensitive and surrounding spaces are tolerated.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthFailure> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(AuthFailure::Missing);
    };
    if values.next().is_some() {
        return Err(AuthFailure::Malformed);
    }
    let value = value.to_str().map_err(|_| AuthFailure::Malformed)?.trim();
    let (scheme, rest) = value.split_once([' ', '\t']).ok_or(AuthFailure::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthFailure::Malformed);
    }
    let token = rest.trim_matches([' ', '\t']);
    if token.is_empty() || token.contains([' ', '\t']) {
        return Err(AuthFailure::Malformed);
    }
    Ok(token)
}

/// Configured static keys, kept only as SHA-256 digests.
pub(crate) struct BearerKeys {
    keys: Vec<(String, [u8; 32])>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl BearerKeys {
    pub(crate) fn new(tokens: &[NamedToken]) -> Result<Self, AuthSetupError> {
        const KEY: &str = "auth_tokens";
        if tokens.is_empty() {
            return Err(AuthSetupError::new(KEY, "auth = bearer needs at least one token (`name:token`)"));
        }
        let mut names = HashSet::new();
        let mut digests = HashSet::new();
        let mut keys = Vec::with_capacity(tokens.len());
        for t in tokens {
            let name = t.name.trim();
            if name.is_empty() {
                return Err(AuthSetupError::new(KEY, "a token has an empty name"));
            }
            if !names.insert(name.to_owned()) {
                return Err(AuthSetupError::new(KEY, format!("duplicate token name `{name}`")));
            }
            let token = t.token.expose();
            if token.trim().is_empty() {
                return Err(AuthSetupError::new(KEY, format!("token `{name}` is empty")));
            }
            if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(AuthSetupError::new(
                    KEY,
                    format!(
                        "token `{name}` contains spaces or control characters and could not be sent in a Bearer header"
                    ),
                ));
            }
            if !token.is_ascii() {
                return Err(AuthSetupError::new(KEY, format!("token `{name}` must be ASCII")));
            }
            let d = digest(token);
            if !digests.insert(d) {
                return Err(AuthSetupError::new(KEY, format!("token `{name}` has the same value as another token")));
            }
            if token.len() < 16 {
                tracing::warn!(
                    token_name = name,
                    "bearer token is shorter than 16 characters; use a long random value"
                );
            }
            keys.push((name.to_owned(), d));
        }
        Ok(Self { keys })
    }

    /// Compare against every key in constant time (digests, so the length does not leak either).
    pub(crate) fn verify(&self, token: &str) -> Result<Principal, AuthFailure> {
        let presented = digest(token);
        let mut found = subtle::Choice::from(0);
        let mut index = 0u32;
        for (i, (_, d)) in self.keys.iter().enumerate() {
            let eq = presented.ct_eq(d);
            found |= eq;
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            index = u32::conditional_select(&index, &i, eq);
        }
        if bool::from(found) {
            let name = usize::try_from(index)
                .ok()
                .and_then(|i| self.keys.get(i))
                .map(|(n, _)| n.clone())
                .ok_or_else(|| AuthFailure::InvalidToken("unknown token".into()))?;
            Ok(Principal { subject: name, scopes: Vec::new() })
        } else {
            Err(AuthFailure::InvalidToken("unknown token".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Secret;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(AUTHORIZATION, HeaderValue::from_str(v).expect("header value"));
        }
        h
    }

    #[test]
    fn parses_scheme_case_insensitively_with_spaces() {
        assert_eq!(bearer_token(&headers(&["Bearer abc"])).ok(), Some("abc"));
        assert_eq!(bearer_token(&headers(&["bearer abc"])).ok(), Some("abc"));
        assert_eq!(bearer_token(&headers(&["BEARER   abc  "])).ok(), Some("abc"));
        assert_eq!(bearer_token(&headers(&["Bearer\tabc"])).ok(), Some("abc"));
    }

    #[test]
    fn rejects_bad_headers() {
        assert!(matches!(bearer_token(&HeaderMap::new()), Err(AuthFailure::Missing)));
        for bad in ["Basic abc", "Bearer", "Bearer   ", "Bearerabc", "Bearer a b", "", "Token abc"] {
            assert!(matches!(bearer_token(&headers(&[bad])), Err(AuthFailure::Malformed)), "{bad:?}");
        }
        assert!(matches!(bearer_token(&headers(&["Bearer a", "Bearer b"])), Err(AuthFailure::Malformed)));
    }

    fn named(name: &str, token: &str) -> NamedToken {
        NamedToken { name: name.into(), token: Secret::new(token) }
    }

    #[test]
    fn verifies_each_key() {
        let keys = BearerKeys::new(&[named("alpha", "alpha-token-0123456789"), named("beta", "beta-token-0123456789")])
            .expect("valid keys");
        assert_eq!(keys.verify("beta-token-0123456789").expect("ok").subject, "beta");
        assert_eq!(keys.verify("alpha-token-0123456789").expect("ok").subject, "alpha");
        assert!(matches!(keys.verify("alpha-token-012345678"), Err(AuthFailure::InvalidToken(_))));
    }

    #[test]
    fn setup_errors_name_the_key() {
        let err = |t: &[NamedToken]| BearerKeys::new(t).err().expect("must fail").to_string();
        assert!(err(&[]).contains("auth_tokens"));
        assert!(err(&[named("a", "")]).contains("empty"));
        assert!(err(&[named("a", "x y")]).contains("spaces"));
        assert!(err(&[named("", "xyz")]).contains("empty name"));
        assert!(err(&[named("a", "t1"), named("a", "t2")]).contains("duplicate token name `a`"));
        let same = err(&[named("a", "t1"), named("b", "t1")]);
        assert!(same.contains("same value"));
        assert!(!same.contains("t1"), "{same}");
    }
}
