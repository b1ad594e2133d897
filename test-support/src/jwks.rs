//! A stand-in OAuth authorization server for tests: serves RFC 8414 metadata and a JWKS on
//! loopback, and signs tokens with fixture keys (see `fixtures/README.md`; they are test-only keys).
//!
//! ```no_run
//! # async fn demo() {
//! let server = test_support::jwks::JwksServer::start().await;
//! let token = server.token("alice", "http://127.0.0.1:8080/mcp", &["read"], 300);
//! # let _ = token;
//! # }
//! ```

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::standin::StandIn;

const RSA_KEYS: [&str; 3] = [
    include_str!("../fixtures/rsa-1.pem"),
    include_str!("../fixtures/rsa-2.pem"),
    include_str!("../fixtures/rsa-3.pem"),
];
/// Public half of `rsa-1.pem` (the initial signing key), PEM.
pub const RSA_1_PUBLIC_PEM: &str = include_str!("../fixtures/rsa-1.pub.pem");
const EC_KEY: &str = include_str!("../fixtures/ec-p256.pem");

/// Kid of the EC P-256 key (always published, used for `ES256`).
pub const EC_KID: &str = "ec-1";

/// A reqwest client usable in tests (installs the `ring` rustls provider once, which reqwest's
/// `rustls-no-provider` build needs before any client can be built).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().expect("build reqwest client")
}

struct SigningKey {
    kid: String,
    key: EncodingKey,
    jwk: Jwk,
}

impl SigningKey {
    fn new(kid: String, pem: &str, alg: Algorithm) -> Self {
        let key = match alg {
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
        }
        .expect("fixture key parses");
        let mut jwk = Jwk::from_encoding_key(&key, alg).expect("public JWK from fixture key");
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Self { kid, key, jwk }
    }
}

struct Ring {
    rsa: Vec<SigningKey>,
    current: usize,
    ec: SigningKey,
}

struct Shared {
    /// Set once the port is known (before any request can arrive).
    issuer: OnceLock<String>,
    ring: Mutex<Ring>,
    jwks_fetches: AtomicUsize,
    metadata_fetches: AtomicUsize,
    available: AtomicBool,
}

impl Shared {
    fn ring(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn issuer(&self) -> &str {
        self.issuer.get().map_or("", String::as_str)
    }
}

/// A running stand-in authorization server (stops when dropped), served by a [`StandIn`].
pub struct JwksServer {
    shared: Arc<Shared>,
    issuer: String,
    server: Mutex<Option<StandIn>>,
}

impl JwksServer {
    /// Bind `127.0.0.1:0` and serve `/.well-known/oauth-authorization-server` and `/jwks.json`.
    /// The initial signing key is `rsa-1` (RS256); the EC key [`EC_KID`] is published too.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            issuer: OnceLock::new(),
            ring: Mutex::new(Ring {
                rsa: vec![SigningKey::new("rsa-1".to_owned(), RSA_KEYS[0], Algorithm::RS256)],
                current: 0,
                ec: SigningKey::new(EC_KID.to_owned(), EC_KEY, Algorithm::ES256),
            }),
            jwks_fetches: AtomicUsize::new(0),
            metadata_fetches: AtomicUsize::new(0),
            available: AtomicBool::new(true),
        });
        let app = Router::new()
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route("/jwks.json", get(jwks))
            .with_state(shared.clone());
        let server = StandIn::start(app).await.expect("bind loopback");
        let issuer = server.url();
        let _ = shared.issuer.set(issuer.clone());
        Self { shared, issuer, server: Mutex::new(Some(server)) }
    }

    /// Base URL, which is also the `iss` of the tokens it signs (`http://127.0.0.1:PORT`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// URL of the JWKS document.
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks.json", self.issuer)
    }

    /// How many times the JWKS was fetched (successfully served).
    pub fn fetch_count(&self) -> usize {
        self.shared.jwks_fetches.load(Ordering::SeqCst)
    }

    /// How many times the authorization server metadata was fetched.
    pub fn metadata_fetch_count(&self) -> usize {
        self.shared.metadata_fetches.load(Ordering::SeqCst)
    }

    /// Kid of the current RSA signing key.
    pub fn current_kid(&self) -> String {
        let ring = self.shared.ring();
        ring.rsa[ring.current].kid.clone()
    }

    /// Publish a new RSA key with a new kid and make it the signing key (older keys stay
    /// published). Returns the new kid.
    pub fn rotate(&self) -> String {
        let mut ring = self.shared.ring();
        let n = ring.rsa.len();
        let kid = format!("rsa-{}", n + 1);
        ring.rsa.push(SigningKey::new(kid.clone(), RSA_KEYS[n % RSA_KEYS.len()], Algorithm::RS256));
        ring.current = n;
        kid
    }

    /// When false, both endpoints answer 503 (an outage that keeps the port open).
    pub fn set_available(&self, available: bool) {
        self.shared.available.store(available, Ordering::SeqCst);
    }

    /// Stop serving and close the port (connections are closed; later requests are refused).
    pub async fn stop(&self) {
        let server = self.server.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(server) = server {
            server.shutdown().await;
        }
    }

    /// The public JWKS as served.
    pub fn jwks(&self) -> Value {
        let ring = self.shared.ring();
        let mut keys: Vec<Value> = ring.rsa.iter().map(|k| jwk_json(&k.jwk)).collect();
        keys.push(jwk_json(&ring.ec.jwk));
        json!({ "keys": keys })
    }

    /// Standard claims: `iss` = this server, `sub`, `aud`, `scope` (space separated), `iat`,
    /// `exp` = now + `ttl_secs` (negative for an already expired token).
    pub fn claims(&self, sub: &str, audience: &str, scopes: &[&str], ttl_secs: i64) -> Value {
        let now = now_secs();
        json!({
            "iss": self.issuer(),
            "sub": sub,
            "aud": audience,
            "scope": scopes.join(" "),
            "iat": now,
            "exp": now + ttl_secs,
        })
    }

    /// Sign `claims` with RS256 and the current kid.
    pub fn sign(&self, claims: Value) -> String {
        let kid = self.current_kid();
        self.sign_with("RS256", Some(&kid), claims)
    }

    /// Convenience: [`claims`](Self::claims) signed by [`sign`](Self::sign).
    pub fn token(&self, sub: &str, audience: &str, scopes: &[&str], ttl_secs: i64) -> String {
        self.sign(self.claims(sub, audience, scopes, ttl_secs))
    }

    /// Sign with any header `alg` and `kid` (None: no `kid` header), for negative tests:
    /// - `RS*`/`PS*`: the RSA key published under `kid` if there is one, else the current one;
    /// - `ES256`: the EC P-256 key (published as [`EC_KID`]);
    /// - `HS256`/`HS384`/`HS512`: HMAC with the PEM of the public RSA key as the secret (the
    ///   algorithm-confusion forgery);
    /// - `none`: an unsigned token (empty signature).
    pub fn sign_with(&self, alg: &str, kid: Option<&str>, claims: Value) -> String {
        if alg.eq_ignore_ascii_case("none") {
            let mut header = json!({ "alg": alg, "typ": "JWT" });
            if let Some(kid) = kid {
                header["kid"] = json!(kid);
            }
            return format!("{}.{}.", b64_json(&header), b64_json(&claims));
        }
        let algorithm: Algorithm = alg.parse().expect("known JWT algorithm");
        let mut header = Header::new(algorithm);
        header.kid = kid.map(str::to_owned);
        let ring = self.shared.ring();
        let hmac_key;
        let key = match algorithm {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                hmac_key = EncodingKey::from_secret(RSA_1_PUBLIC_PEM.as_bytes());
                &hmac_key
            }
            Algorithm::ES256 => &ring.ec.key,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => {
                let by_kid = kid.and_then(|kid| ring.rsa.iter().find(|k| k.kid == kid));
                &by_kid.unwrap_or(&ring.rsa[ring.current]).key
            }
            other => panic!("sign_with: no test key for {other:?}"),
        };
        jsonwebtoken::encode(&header, &claims, key).expect("sign test token")
    }
}

fn jwk_json(jwk: &Jwk) -> Value {
    serde_json::to_value(jwk).expect("JWK serializes")
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON serializes"))
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

async fn metadata(State(shared): State<Arc<Shared>>) -> Response {
    if !shared.available.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    shared.metadata_fetches.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!({
        "issuer": shared.issuer(),
        "jwks_uri": format!("{}/jwks.json", shared.issuer()),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .into_response()
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    if !shared.available.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    shared.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let ring = shared.ring();
    let mut keys: Vec<Value> = ring.rsa.iter().map(|k| jwk_json(&k.jwk)).collect();
    keys.push(jwk_json(&ring.ec.jwk));
    axum::Json(json!({ "keys": keys })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_metadata_and_jwks() {
        let server = JwksServer::start().await;
        let http = http_client();
        let meta: Value = http
            .get(format!("{}/.well-known/oauth-authorization-server", server.issuer()))
            .send()
            .await
            .expect("metadata")
            .json()
            .await
            .expect("metadata json");
        assert_eq!(meta["issuer"], server.issuer());
        assert_eq!(meta["jwks_uri"], server.jwks_url());
        let set: Value = http.get(server.jwks_url()).send().await.expect("jwks").json().await.expect("jwks json");
        assert_eq!(server.fetch_count(), 1);
        let keys = set["keys"].as_array().expect("keys array");
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0]["kid"], "rsa-1");
        assert_eq!(keys[0]["kty"], "RSA");
        assert_eq!(keys[0]["e"], "AQAB");
        assert_eq!(keys[1]["kid"], EC_KID);
        assert_eq!(keys[1]["crv"], "P-256");

        let kid = server.rotate();
        assert_eq!(kid, "rsa-2");
        assert_eq!(server.current_kid(), "rsa-2");
        assert_eq!(server.jwks()["keys"].as_array().map(Vec::len), Some(3));

        server.stop().await;
        assert!(http.get(server.jwks_url()).send().await.is_err());
    }

    #[tokio::test]
    async fn signs_verifiable_tokens() {
        let server = JwksServer::start().await;
        let token = server.token("alice", "aud-1", &["a", "b"], 60);
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(server.jwks()).expect("jwk set");
        let jwk = set.find("rsa-1").expect("rsa-1 published");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("decoding key");
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.set_audience(&["aud-1"]);
        let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).expect("valid");
        assert_eq!(data.claims["scope"], "a b");
        assert_eq!(data.header.kid.as_deref(), Some("rsa-1"));

        let none = server.sign_with("none", None, json!({"sub": "x"}));
        assert!(none.ends_with('.'));
        assert_eq!(none.matches('.').count(), 2);
    }
}
