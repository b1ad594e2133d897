//! When an upstream request is tried again, and how long to wait first.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// How a rate-limited upstream says when its window resets, besides `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitReset {
    /// Only the standard `Retry-After` (seconds or an HTTP date).
    RetryAfter,
    /// A header holding the reset instant in epoch milliseconds (`X-RateLimit-Reset`).
    EpochMillis(&'static str),
    /// A header holding the reset instant in epoch seconds.
    EpochSeconds(&'static str),
}

impl RateLimitReset {
    /// How long until the upstream accepts requests again, if its answer says.
    pub fn wait(self, headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
        if let Some(wait) = retry_after(headers, now) {
            return Some(wait);
        }
        let (name, millis) = match self {
            Self::RetryAfter => return None,
            Self::EpochMillis(name) => (name, true),
            Self::EpochSeconds(name) => (name, false),
        };
        let raw: u64 = headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
        let at = if millis { Duration::from_millis(raw) } else { Duration::from_secs(raw) };
        let now = now.duration_since(SystemTime::UNIX_EPOCH).ok()?;
        Some(at.saturating_sub(now))
    }
}

/// `Retry-After` as a wait: delta seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Full-jitter exponential backoff: a random wait in `[0, min(cap, base * 2^attempt)]`, at least 10 ms.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    let fraction = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    ceiling.mul_f64(fraction).max(Duration::from_millis(10))
}

/// A fresh random number without a crate: std's hasher keys are random per `RandomState`.
fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64));
    hasher.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(&headers(&[("retry-after", "7")]), now), Some(Duration::from_secs(7)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&[("retry-after", &date)]), now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn an_epoch_millisecond_reset_becomes_the_time_left() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000);
        let h = headers(&[("x-ratelimit-reset", "1700000002500")]);
        assert_eq!(RateLimitReset::EpochMillis("x-ratelimit-reset").wait(&h, now), Some(Duration::from_millis(2500)));
        // A reset in the past means "now".
        let h = headers(&[("x-ratelimit-reset", "1600000000000")]);
        assert_eq!(RateLimitReset::EpochMillis("x-ratelimit-reset").wait(&h, now), Some(Duration::ZERO));
        // Retry-After wins when both are present; RetryAfter alone ignores other headers.
        let h = headers(&[("x-ratelimit-reset", "1700000002500"), ("retry-after", "1")]);
        assert_eq!(RateLimitReset::EpochMillis("x-ratelimit-reset").wait(&h, now), Some(Duration::from_secs(1)));
        let h = headers(&[("x-ratelimit-reset", "1700000002500")]);
        assert_eq!(RateLimitReset::RetryAfter.wait(&h, now), None);
        let h = headers(&[("x-reset", "1700000003")]);
        assert_eq!(RateLimitReset::EpochSeconds("x-reset").wait(&h, now), Some(Duration::from_secs(3)));
    }

    #[test]
    fn backoff_stays_within_its_ceiling_and_varies() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        let mut seen = std::collections::HashSet::new();
        for attempt in 0..8 {
            for _ in 0..20 {
                let d = backoff(attempt, base, cap);
                let ceiling = (base * (1 << attempt)).min(cap).max(Duration::from_millis(10));
                assert!(d <= ceiling, "attempt {attempt}: {d:?} > {ceiling:?}");
                seen.insert(d.as_micros());
            }
        }
        assert!(seen.len() > 50, "jitter should spread the waits: {} distinct values", seen.len());
    }
}
