//! Signed download URLs (HTTP modes with `public_url`): `GET {public_url}/downloads/{token}`.
//!
//! A token is the authorization (a person clicks it in a browser: no bearer token): base64url of
//! `version (1) | expiry (u64 BE, unix seconds) | nonce (16 random bytes) | file id`, followed by
//! the HMAC-SHA256 of all that under the signing key. A token that does not verify is refused
//! (403), one past its expiry or its uses is gone (410). Uses are counted in memory, per nonce.
//! The file id means what the server says it means ([`crate::App::download`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::{ConfigError, CoreConfig};
use crate::identity::Secret;

type HmacSha256 = Hmac<Sha256>;

/// Signed download URLs (the `downloads` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DownloadsConfig {
    /// Seconds a download URL stays valid after it was issued (1 to 604800, default 900;
    /// `MCP_DOWNLOADS_TTL_SECS`).
    pub ttl_secs: u64,
    /// How many times one download URL may be fetched (1 to 1000, default 1;
    /// `MCP_DOWNLOADS_MAX_USES`). Counted in memory by each server process.
    pub max_uses: u32,
    /// Key signing the URLs (HMAC-SHA256), at least 32 characters (`MCP_DOWNLOADS_SIGNING_KEY`).
    /// Absent: a random key is generated at start, so URLs end with the process. Set it to keep
    /// URLs valid across restarts or replicas (uses are still counted per process).
    pub signing_key: Option<Secret>,
}

impl Default for DownloadsConfig {
    fn default() -> Self {
        Self { ttl_secs: 900, max_uses: 1, signing_key: None }
    }
}

/// Shortest accepted signing key, in bytes.
const MIN_KEY: usize = 32;
/// Longest file id a token carries, in bytes.
const MAX_ID: usize = 512;
/// Longest token accepted in a URL (longer ones are refused before decoding).
const MAX_TOKEN: usize = 1024;
const VERSION: u8 = 1;
const NONCE: usize = 16;
const TAG: usize = 32;
const HEADER: usize = 1 + 8 + NONCE;

/// Check the `downloads` keys (also when downloads are off, so a bad value is found early).
pub fn validate(config: &DownloadsConfig) -> Result<(), ConfigError> {
    if !(1..=604_800).contains(&config.ttl_secs) {
        return Err(ConfigError::new("downloads.ttl_secs", "must be between 1 and 604800"));
    }
    if !(1..=1000).contains(&config.max_uses) {
        return Err(ConfigError::new("downloads.max_uses", "must be between 1 and 1000"));
    }
    if let Some(key) = &config.signing_key
        && key.expose().len() < MIN_KEY
    {
        return Err(ConfigError::new("downloads.signing_key", format!("must be at least {MIN_KEY} characters")));
    }
    Ok(())
}

/// A signed URL handed to a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadLink {
    /// `{public_url}/downloads/{token}`.
    pub url: String,
    /// When it stops working.
    pub expires: SystemTime,
    /// How many fetches it allows.
    pub max_uses: u32,
}

impl DownloadLink {
    /// Expiry in unix seconds.
    pub fn expires_unix(&self) -> u64 {
        self.expires.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }
}

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a token of this server (malformed, tampered, other key): 403.
    #[error("this download link is not valid (it was altered or belongs to another server)")]
    Invalid,
    /// Past its expiry: 410.
    #[error("this download link has expired; ask for a new one")]
    Expired,
    /// Used as often as allowed: 410.
    #[error("this download link has already been used as often as it allows; ask for a new one")]
    UsedUp,
}

/// A token that verified: its file id and what its uses are counted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The file id it was issued for.
    pub file_id: String,
    nonce: [u8; NONCE],
    expiry: u64,
}

/// Issues and checks download tokens; one per process.
pub struct Downloads {
    key: Vec<u8>,
    ttl: Duration,
    max_uses: u32,
    base: String,
    uses: Mutex<HashMap<[u8; NONCE], (u32, u64)>>,
}

impl std::fmt::Debug for Downloads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloads").field("base", &self.base).field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    // uuid v4 draws from the operating system's CSPRNG (getrandom).
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(16) {
        let r = uuid::Uuid::new_v4();
        chunk.copy_from_slice(&r.as_bytes()[..chunk.len()]);
    }
    out
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Downloads {
    /// Downloads for this config: `None` unless an HTTP transport and `public_url` are set.
    pub fn from_config(core: &CoreConfig) -> Option<Self> {
        let public = core.public_url.as_deref().filter(|_| core.transport.is_http())?;
        let key = match &core.downloads.signing_key {
            Some(k) => k.expose().as_bytes().to_vec(),
            None => random_bytes::<32>().to_vec(),
        };
        Some(Self::new(key, public, Duration::from_secs(core.downloads.ttl_secs), core.downloads.max_uses))
    }

    /// Downloads signed with `key`, under `public_url`.
    pub fn new(key: Vec<u8>, public_url: &str, ttl: Duration, max_uses: u32) -> Self {
        let base = format!("{}/downloads/", public_url.trim_end_matches('/'));
        Self { key, ttl, max_uses, base, uses: Mutex::new(HashMap::new()) }
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
    }

    /// A fresh signed URL for `file_id` (at most 512 bytes; `None` when longer).
    pub fn link(&self, file_id: &str) -> Option<DownloadLink> {
        if file_id.len() > MAX_ID {
            return None;
        }
        // Whole seconds, rounded up: a link is valid for at least `ttl_secs`.
        let exact = (SystemTime::now() + self.ttl).duration_since(UNIX_EPOCH).unwrap_or_default();
        let expiry = exact.as_secs() + u64::from(exact.subsec_nanos() > 0);
        let expires = UNIX_EPOCH + Duration::from_secs(expiry);
        let token = self.token(file_id, expiry);
        Some(DownloadLink { url: format!("{}{token}", self.base), expires, max_uses: self.max_uses })
    }

    /// The signed token of `file_id`, valid until `expiry` (unix seconds), with a fresh nonce.
    fn token(&self, file_id: &str, expiry: u64) -> String {
        let mut payload = Vec::with_capacity(HEADER + file_id.len() + TAG);
        payload.push(VERSION);
        payload.extend_from_slice(&expiry.to_be_bytes());
        payload.extend_from_slice(&random_bytes::<NONCE>());
        payload.extend_from_slice(file_id.as_bytes());
        let mut mac = self.mac();
        mac.update(&payload);
        payload.extend_from_slice(&mac.finalize().into_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&payload)
    }

    /// Check a token's signature and expiry (uses are not counted here: see [`Self::consume`]).
    pub fn verify(&self, token: &str) -> Result<Verified, Refusal> {
        if token.len() > MAX_TOKEN {
            return Err(Refusal::Invalid);
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| Refusal::Invalid)?;
        if bytes.len() < HEADER + TAG {
            return Err(Refusal::Invalid);
        }
        let (payload, tag) = bytes.split_at(bytes.len() - TAG);
        let mut mac = self.mac();
        mac.update(payload);
        mac.verify_slice(tag).map_err(|_| Refusal::Invalid)?;
        if payload[0] != VERSION {
            return Err(Refusal::Invalid);
        }
        let mut expiry = [0u8; 8];
        expiry.copy_from_slice(&payload[1..9]);
        let expiry = u64::from_be_bytes(expiry);
        let mut nonce = [0u8; NONCE];
        nonce.copy_from_slice(&payload[9..HEADER]);
        let file_id = std::str::from_utf8(&payload[HEADER..]).map_err(|_| Refusal::Invalid)?.to_owned();
        if now_unix() >= expiry {
            return Err(Refusal::Expired);
        }
        Ok(Verified { file_id, nonce, expiry })
    }

    /// Count one use of a verified token; refused once it has been used `max_uses` times.
    pub fn consume(&self, token: &Verified) -> Result<(), Refusal> {
        let now = now_unix();
        let mut uses = self.uses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget the tokens that expired: they are refused by their expiry anyway.
        uses.retain(|_, (_, expiry)| *expiry > now);
        let entry = uses.entry(token.nonce).or_insert((0, token.expiry));
        if entry.0 >= self.max_uses {
            return Err(Refusal::UsedUp);
        }
        entry.0 += 1;
        Ok(())
    }

    /// Has this verified token uses left (without counting one)?
    pub fn has_uses_left(&self, token: &Verified) -> bool {
        let uses = self.uses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        uses.get(&token.nonce).is_none_or(|(n, _)| *n < self.max_uses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn downloads(max_uses: u32) -> Downloads {
        Downloads::new(b"k".repeat(32), "https://mcp.example.com/base/", Duration::from_secs(60), max_uses)
    }

    #[test]
    fn a_link_verifies_for_its_file_and_counts_its_uses() {
        let d = downloads(2);
        let link = d.link("files/a.csv").unwrap();
        assert!(link.url.starts_with("https://mcp.example.com/base/downloads/"), "{}", link.url);
        let token = link.url.rsplit('/').next().unwrap();
        let v = d.verify(token).unwrap();
        assert_eq!(v.file_id, "files/a.csv");
        assert_eq!(d.consume(&v), Ok(()));
        assert!(d.has_uses_left(&v));
        assert_eq!(d.consume(&v), Ok(()));
        assert_eq!(d.consume(&v), Err(Refusal::UsedUp));
        assert!(!d.has_uses_left(&v));
        // Another link for the same file has its own uses.
        let other = d.link("files/a.csv").unwrap();
        assert_ne!(other.url, link.url, "nonces differ");
        assert_eq!(d.consume(&d.verify(other.url.rsplit('/').next().unwrap()).unwrap()), Ok(()));
    }

    #[test]
    fn tampered_foreign_and_malformed_tokens_are_invalid() {
        let d = downloads(1);
        let token = d.link("a.csv").unwrap().url.rsplit('/').next().unwrap().to_owned();
        let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&token).unwrap();
        let last = bytes.len() - TAG - 1;
        bytes[last] ^= 1; // a.csv → a.csw
        let tampered = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(d.verify(&tampered), Err(Refusal::Invalid));
        let foreign = Downloads::new(b"x".repeat(32), "https://h", Duration::from_secs(60), 1);
        assert_eq!(foreign.verify(&token), Err(Refusal::Invalid));
        for bad in ["", "!!", "AAAA", &"A".repeat(2000)] {
            assert_eq!(d.verify(bad), Err(Refusal::Invalid), "{bad}");
        }
        assert!(d.link(&"x".repeat(513)).is_none());
    }

    #[test]
    fn an_expired_token_is_expired_not_invalid() {
        let d = downloads(1);
        assert_eq!(d.verify(&d.token("a.csv", now_unix() - 1)), Err(Refusal::Expired));
        assert_eq!(d.verify(&d.token("a.csv", now_unix() + 5)).map(|v| v.file_id), Ok("a.csv".to_owned()));
        let link = d.link("a.csv").unwrap();
        assert!(link.expires_unix() >= now_unix() + 60, "valid for at least ttl_secs");
    }

    #[test]
    fn config_is_validated() {
        assert!(validate(&DownloadsConfig::default()).is_ok());
        let key = |c: DownloadsConfig| validate(&c).unwrap_err().key;
        assert_eq!(key(DownloadsConfig { ttl_secs: 0, ..Default::default() }), "downloads.ttl_secs");
        assert_eq!(key(DownloadsConfig { max_uses: 0, ..Default::default() }), "downloads.max_uses");
        assert_eq!(
            key(DownloadsConfig { signing_key: Some(Secret::new("short")), ..Default::default() }),
            "downloads.signing_key"
        );
    }
}
