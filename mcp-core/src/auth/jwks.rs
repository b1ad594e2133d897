//! JWKS cache: discovery, fetch, TTL, rate-limited refresh on unknown `kid`, single flight.
//!
//! - A fresh key set is used without any locking beyond a short read lock.
//! - An expired set is refreshed by the first request that notices (others keep using the stale
//!   set meanwhile); if the refresh fails the stale set stays in use.
//! - An unknown `kid` triggers a refresh at most once per `jwks_min_refresh_secs`; concurrent
//!   requests wait for the one in-flight fetch instead of starting their own.
//! - With no key set at all, a failed fetch is retried at most once per `jwks_min_refresh_secs`.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::AuthFailure;

/// Per-request timeout for discovery and JWKS fetches.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest metadata/JWKS document accepted.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// The kind of a verification key, to match it against a token's `alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    EcP256,
    EcP384,
    Ed25519,
}

impl KeyKind {
    /// Can a key of this kind verify `alg`?
    pub(crate) fn fits(self, alg: Algorithm) -> bool {
        match self {
            Self::Rsa => matches!(
                alg,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ),
            Self::EcP256 => alg == Algorithm::ES256,
            Self::EcP384 => alg == Algorithm::ES384,
            Self::Ed25519 => alg == Algorithm::EdDSA,
        }
    }
}

/// One verification key from the JWKS.
pub(crate) struct VerifyKey {
    pub(crate) kid: Option<String>,
    pub(crate) kind: KeyKind,
    /// The JWK's `alg`, when it declares one.
    pub(crate) alg: Option<Algorithm>,
    pub(crate) key: DecodingKey,
}

impl VerifyKey {
    /// The key's type matches `alg`, and so does its own `alg` when it declares one.
    pub(crate) fn accepts(&self, alg: Algorithm) -> bool {
        self.kind.fits(alg) && self.alg.is_none_or(|a| a == alg)
    }
}

/// A fetched key set.
pub(crate) struct KeySet {
    keys: Vec<Arc<VerifyKey>>,
    fetched_at: Instant,
}

impl KeySet {
    /// The key named `kid`; without a `kid`, the only key that accepts `alg` (if exactly one does).
    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<Arc<VerifyKey>> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)).cloned(),
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.accepts(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(k), None) => Some(k.clone()),
                    _ => None,
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Where the JWKS comes from.
enum Source {
    /// Configured `oauth.jwks_url`.
    Fixed(String),
    /// Discovered from the issuer's metadata at first use.
    Discover { issuer: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    /// No key set yet.
    Initial,
    /// The key set is older than the cache TTL.
    Expired,
    /// A token named a `kid` that is not in the set.
    UnknownKid,
}

#[derive(Default)]
struct RefreshState {
    /// Discovered JWKS URL (kept once found).
    discovered_url: Option<String>,
    last_kid_refresh: Option<Instant>,
    last_failure: Option<Instant>,
}

pub(crate) struct Jwks {
    http: reqwest::Client,
    source: Source,
    ttl: Duration,
    min_refresh: Duration,
    current: RwLock<Option<Arc<KeySet>>>,
    /// Incremented after every fetch attempt (after `current` is updated).
    attempts: AtomicU64,
    last_error: Mutex<Option<String>>,
    refresh: tokio::sync::Mutex<RefreshState>,
}

impl Jwks {
    pub(crate) fn new(
        http: reqwest::Client,
        jwks_url: Option<String>,
        issuer: String,
        ttl: Duration,
        min_refresh: Duration,
    ) -> Self {
        let source = match jwks_url {
            Some(url) => Source::Fixed(url),
            None => Source::Discover { issuer },
        };
        Self {
            http,
            source,
            ttl,
            min_refresh,
            current: RwLock::new(None),
            attempts: AtomicU64::new(0),
            last_error: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
        }
    }

    fn snapshot(&self) -> Option<Arc<KeySet>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn last_error(&self) -> String {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| "no key set fetched yet".to_owned())
    }

    /// The key for a token with this `kid` and `alg`, fetching or refreshing the JWKS as needed.
    pub(crate) async fn key(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<VerifyKey>, AuthFailure> {
        // Read the attempt counter before the set: a fetch that finishes after this point is
        // noticed as a counter change, one that finished before is in the snapshot.
        let seen = self.attempts.load(Ordering::Acquire);
        let mut snapshot = self.snapshot();
        let mut refreshed = false;
        match &snapshot {
            None => {
                let state = self.refresh.lock().await;
                self.refresh_locked(state, seen, Reason::Initial).await;
                refreshed = true;
                snapshot = self.snapshot();
            }
            Some(set) if set.fetched_at.elapsed() >= self.ttl => {
                // Whoever is not first keeps using the stale set instead of waiting.
                if let Ok(state) = self.refresh.try_lock() {
                    self.refresh_locked(state, seen, Reason::Expired).await;
                    refreshed = true;
                    snapshot = self.snapshot();
                }
            }
            Some(_) => {}
        }
        let Some(set) = snapshot else {
            return Err(AuthFailure::Unavailable(self.last_error()));
        };
        if let Some(key) = set.find(kid, alg) {
            return Ok(key);
        }
        if refreshed {
            return Err(AuthFailure::UnknownKey);
        }
        let state = self.refresh.lock().await;
        self.refresh_locked(state, seen, Reason::UnknownKid).await;
        self.snapshot().and_then(|set| set.find(kid, alg)).ok_or(AuthFailure::UnknownKey)
    }

    async fn refresh_locked(&self, mut state: tokio::sync::MutexGuard<'_, RefreshState>, seen: u64, reason: Reason) {
        if self.attempts.load(Ordering::Acquire) != seen {
            // Someone fetched while we waited for the lock: use their result.
            return;
        }
        let now = Instant::now();
        let recent = |at: Option<Instant>| at.is_some_and(|t| now.duration_since(t) < self.min_refresh);
        match reason {
            Reason::UnknownKid => {
                if recent(state.last_kid_refresh) {
                    tracing::debug!("JWKS refresh for an unknown kid skipped (rate limited)");
                    return;
                }
                state.last_kid_refresh = Some(now);
            }
            Reason::Initial | Reason::Expired => {
                if recent(state.last_failure) {
                    return;
                }
            }
        }
        match self.fetch(&mut state).await {
            Ok(set) => {
                tracing::debug!(keys = set.len(), ?reason, "JWKS fetched");
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(set));
                state.last_failure = None;
                *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
            }
            Err(err) => {
                let cached = self.snapshot().is_some();
                tracing::error!(error = %err, ?reason, keeping_cached_keys = cached, "JWKS fetch failed");
                state.last_failure = Some(now);
                *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(err);
            }
        }
        self.attempts.fetch_add(1, Ordering::Release);
    }

    async fn fetch(&self, state: &mut RefreshState) -> Result<KeySet, String> {
        let url = match &self.source {
            Source::Fixed(url) => url.clone(),
            Source::Discover { issuer } => match &state.discovered_url {
                Some(url) => url.clone(),
                None => {
                    let url = self.discover(issuer).await?;
                    tracing::info!(%issuer, jwks_uri = %url, "discovered JWKS URL");
                    state.discovered_url = Some(url.clone());
                    url
                }
            },
        };
        let doc = self.get_json(&url).await?;
        parse_key_set(&doc).map_err(|e| format!("{url}: {e}"))
    }

    /// `jwks_uri` from RFC 8414 metadata, else from OpenID Connect discovery.
    async fn discover(&self, issuer: &str) -> Result<String, String> {
        let mut last_err = String::from("no discovery document");
        for url in discovery_urls(issuer) {
            match self.get_json(&url).await {
                Ok(doc) => match jwks_uri_from_metadata(&doc, issuer) {
                    Ok(uri) => return Ok(uri),
                    Err(e) => last_err = format!("{url}: {e}"),
                },
                Err(e) => last_err = e,
            }
        }
        Err(format!("cannot discover the JWKS URL of `{issuer}`: {last_err}"))
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let mut resp = self
            .http
            .get(url)
            .header(http::header::ACCEPT, "application/json")
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .map_err(|e| format!("{url}: {}", error_chain(&e)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("{url}: HTTP {status}"));
        }
        if resp.content_length().is_some_and(|len| len > MAX_DOCUMENT_BYTES as u64) {
            return Err(format!("{url}: document larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("{url}: {}", error_chain(&e)))? {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(format!("{url}: document larger than {MAX_DOCUMENT_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| format!("{url}: invalid JSON: {e}"))
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Metadata URLs to try for `issuer`: RFC 8414 (well-known inserted before the issuer's path),
/// then OpenID Connect discovery (appended to the issuer), without duplicates.
pub(crate) fn discovery_urls(issuer: &str) -> Vec<String> {
    let trimmed = issuer.trim_end_matches('/');
    let mut urls = Vec::new();
    if let Ok(url) = reqwest::Url::parse(trimmed) {
        let origin = url.origin().ascii_serialization();
        let path = url.path().trim_end_matches('/');
        urls.push(format!("{origin}/.well-known/oauth-authorization-server{path}"));
    }
    urls.push(format!("{trimmed}/.well-known/openid-configuration"));
    if !urls.contains(&format!("{trimmed}/.well-known/oauth-authorization-server")) {
        urls.push(format!("{trimmed}/.well-known/oauth-authorization-server"));
    }
    urls.dedup();
    urls
}

fn jwks_uri_from_metadata(doc: &Value, issuer: &str) -> Result<String, String> {
    let Some(advertised) = doc.get("issuer").and_then(Value::as_str) else {
        return Err("metadata has no `issuer`".to_owned());
    };
    if advertised.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(format!("metadata is for issuer `{advertised}`, not `{issuer}`"));
    }
    let uri = doc.get("jwks_uri").and_then(Value::as_str).ok_or("metadata has no `jwks_uri`")?;
    match reqwest::Url::parse(uri) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(uri.to_owned()),
        _ => Err(format!("`jwks_uri` {uri:?} is not an http(s) URL")),
    }
}

/// Keep the signature keys we can use; skip (and count) the rest.
pub(crate) fn parse_key_set(doc: &Value) -> Result<KeySet, String> {
    let entries = doc.get("keys").and_then(Value::as_array).ok_or("JWKS has no `keys` array")?;
    let mut keys = Vec::new();
    let mut skipped = 0usize;
    for entry in entries {
        match parse_key(entry) {
            Some(k) => keys.push(Arc::new(k)),
            None => skipped += 1,
        }
    }
    if skipped > 0 {
        tracing::debug!(skipped, "JWKS entries skipped (not usable signature keys)");
    }
    if keys.is_empty() {
        return Err("JWKS has no usable signature keys".to_owned());
    }
    Ok(KeySet { keys, fetched_at: Instant::now() })
}

fn parse_key(entry: &Value) -> Option<VerifyKey> {
    let jwk: Jwk = serde_json::from_value(entry.clone()).ok()?;
    if jwk.common.public_key_use.as_ref().is_some_and(|u| *u != PublicKeyUse::Signature) {
        return None;
    }
    if jwk.common.key_operations.as_ref().is_some_and(|ops| !ops.contains(&KeyOperations::Verify)) {
        return None;
    }
    let alg = match jwk.common.key_algorithm {
        // A declared algorithm we cannot verify with (e.g. RSA-OAEP) marks a non-signing key.
        Some(a) => Some(Algorithm::from_str(&a.to_string()).ok()?),
        None => None,
    };
    let kind = match &jwk.algorithm {
        AlgorithmParameters::RSA(p) => {
            let n = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &p.n).ok()?;
            let significant = n.iter().skip_while(|b| **b == 0).count();
            if significant < MIN_RSA_MODULUS_BYTES {
                tracing::warn!(kid = ?jwk.common.key_id, "JWKS RSA key shorter than 2048 bits ignored");
                return None;
            }
            KeyKind::Rsa
        }
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => KeyKind::EcP256,
            EllipticCurve::P384 => KeyKind::EcP384,
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => KeyKind::Ed25519,
        // Symmetric (`oct`) keys are never accepted from a JWKS.
        _ => return None,
    };
    if alg.is_some_and(|a| !kind.fits(a)) {
        return None;
    }
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(VerifyKey { kid: jwk.common.key_id, kind, alg, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn discovery_urls_follow_rfc8414_then_oidc() {
        assert_eq!(
            discovery_urls("https://as.example"),
            [
                "https://as.example/.well-known/oauth-authorization-server",
                "https://as.example/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            discovery_urls("https://as.example/tenant/"),
            [
                "https://as.example/.well-known/oauth-authorization-server/tenant",
                "https://as.example/tenant/.well-known/openid-configuration",
                "https://as.example/tenant/.well-known/oauth-authorization-server",
            ]
        );
    }

    #[test]
    fn metadata_must_name_the_issuer() {
        let doc = json!({"issuer": "https://as.example/", "jwks_uri": "https://as.example/keys"});
        assert_eq!(jwks_uri_from_metadata(&doc, "https://as.example").as_deref(), Ok("https://as.example/keys"));
        assert!(jwks_uri_from_metadata(&doc, "https://evil.example").is_err());
        let doc = json!({"issuer": "https://as.example", "jwks_uri": "file:///etc/passwd"});
        assert!(jwks_uri_from_metadata(&doc, "https://as.example").is_err());
    }

    #[test]
    fn key_set_keeps_only_usable_signature_keys() {
        let ec = json!({"kty": "EC", "crv": "P-256", "kid": "ec",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        let doc = json!({"keys": [
            ec,
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "RSA", "kid": "tiny", "n": "AQAB", "e": "AQAB"},
            {"kty": "weird"},
        ]});
        let set = parse_key_set(&doc).expect("one usable key");
        assert_eq!(set.len(), 1);
        let key = set.find(Some("ec"), Algorithm::ES256).expect("ec key");
        assert!(key.accepts(Algorithm::ES256));
        assert!(!key.accepts(Algorithm::RS256));
        assert!(set.find(Some("hmac"), Algorithm::HS256).is_none());
        // Without a kid, the single fitting key is used.
        assert!(set.find(None, Algorithm::ES256).is_some());
        assert!(set.find(None, Algorithm::RS256).is_none());

        assert!(parse_key_set(&json!({"keys": []})).is_err());
        assert!(parse_key_set(&json!({"nope": 1})).is_err());
    }
}
