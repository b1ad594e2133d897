//! The REST rate limiter (`api.ts` `enforceRateLimit`): fixed windows per bucket, a default
//! rule of 10 calls per 60 000 ms, per-route overrides (rocketchat.md §3 "Rate limiting").

use std::collections::HashMap;
use std::time::Duration;

/// A rate-limit rule: at most `limit` calls per `window`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    pub(crate) limit: u32,
    pub(crate) window: Duration,
}

/// What the limiter decided for one call.
pub(crate) enum RateVerdict {
    /// Exempt user or disabled rule: no headers.
    Exempt,
    /// Counted: headers `(limit, remaining, reset epoch ms)`; `allowed` false means 429.
    Counted { limit: u32, remaining: u32, reset: i64, allowed: bool },
}

/// Rules and buckets.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// The rule of every route without one of its own (None: off, like `TEST_MODE`).
    pub(crate) default_rule: Option<Rule>,
    /// Per-route rules (None: off for that route), keyed by the route template.
    pub(crate) route_rules: HashMap<String, Option<Rule>>,
    /// Bucket key to `(window start epoch ms, calls in the window)`.
    buckets: HashMap<String, (i64, u32)>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            default_rule: Some(Rule { limit: 10, window: Duration::from_millis(60_000) }),
            route_rules: HashMap::new(),
            buckets: HashMap::new(),
        }
    }
}

impl RateLimiter {
    /// Count a call at `now` (epoch ms) against `key`'s bucket under the rule for `route`. The
    /// call is counted first, then compared (RC increments before it checks), so `limit` calls
    /// pass per window and `remaining` runs from `limit - 1` down to 0.
    pub(crate) fn check(&mut self, route: &str, key: &str, now: i64) -> RateVerdict {
        let rule = match self.route_rules.get(route) {
            Some(rule) => *rule,
            None => self.default_rule,
        };
        let Some(rule) = rule else { return RateVerdict::Exempt };
        let window = rule.window.as_millis() as i64;
        let bucket = self.buckets.entry(key.to_owned()).or_insert((now, 0));
        if now - bucket.0 >= window {
            *bucket = (now, 0);
        }
        bucket.1 = bucket.1.saturating_add(1);
        RateVerdict::Counted {
            limit: rule.limit,
            remaining: rule.limit.saturating_sub(bucket.1),
            reset: bucket.0 + window,
            allowed: bucket.1 <= rule.limit,
        }
    }

    /// Forget every count (after a rule change).
    pub(crate) fn reset(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(v: RateVerdict) -> (u32, i64, bool) {
        match v {
            RateVerdict::Counted { remaining, reset, allowed, .. } => (remaining, reset, allowed),
            RateVerdict::Exempt => panic!("exempt"),
        }
    }

    #[test]
    fn fixed_window_counts_down_then_refuses_then_refills() {
        let mut l = RateLimiter::default();
        l.route_rules.insert("me".into(), Some(Rule { limit: 2, window: Duration::from_millis(1000) }));
        assert_eq!(counted(l.check("me", "me-get", 100)), (1, 1100, true));
        assert_eq!(counted(l.check("me", "me-get", 200)), (0, 1100, true));
        assert_eq!(counted(l.check("me", "me-get", 300)), (0, 1100, false));
        assert_eq!(counted(l.check("me", "me-post", 300)), (1, 1300, true), "another bucket");
        assert_eq!(counted(l.check("me", "me-get", 1100)), (1, 2100, true), "a new window");
        assert_eq!(counted(l.check("other", "other-get", 0)).0, 9, "the default rule");
        l.default_rule = None;
        assert!(matches!(l.check("other", "other-get", 0), RateVerdict::Exempt));
    }
}
