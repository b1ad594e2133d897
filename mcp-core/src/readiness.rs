//! `/ready` for servers whose readiness costs something (a database count, an upstream call):
//! the answer is cached for `readiness.cache_secs`, one check runs at a time (probes arriving
//! meanwhile wait for it and share its answer), and a check is bounded by
//! `readiness.timeout_secs`. An unavailable answer is never reused: the next probe checks again.
//! Nothing here runs on the path of `initialize` or a tool call.

use std::future::Future;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::app::{Readiness, ReadyState};

/// The `readiness` config block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReadinessConfig {
    /// Seconds a ready or degraded answer is reused for `/ready` probes (0: check on every probe).
    pub cache_secs: u64,
    /// Seconds one readiness check may take before `/ready` answers unavailable.
    pub timeout_secs: u64,
}

impl Default for ReadinessConfig {
    fn default() -> Self {
        Self { cache_secs: 5, timeout_secs: 5 }
    }
}

/// The cached answer of a server's readiness check.
pub struct ReadinessCache {
    ttl: Duration,
    timeout: Duration,
    last: tokio::sync::Mutex<Option<(Instant, Readiness)>>,
}

impl ReadinessCache {
    /// A cache reusing answers for `ttl` and bounding each check by `timeout`.
    pub fn new(ttl: Duration, timeout: Duration) -> Self {
        Self { ttl, timeout, last: tokio::sync::Mutex::new(None) }
    }

    /// From the `readiness` config block.
    pub fn from_config(config: &ReadinessConfig) -> Self {
        Self::new(Duration::from_secs(config.cache_secs), Duration::from_secs(config.timeout_secs.max(1)))
    }

    /// The current answer: a recent one, or the result of `check` (one at a time).
    pub async fn get<F, Fut>(&self, check: F) -> Readiness
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Readiness>,
    {
        // Held across the check: probes arriving meanwhile wait and then reuse its answer.
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref()
            && at.elapsed() < self.ttl
        {
            return answer.clone();
        }
        let answer = match tokio::time::timeout(self.timeout, check()).await {
            Ok(answer) => answer,
            Err(_) => Readiness::unavailable(
                format!("the readiness check did not finish within {}s", self.timeout.as_secs()),
                serde_json::json!({}),
            ),
        };
        *last = (answer.state != ReadyState::Unavailable).then(|| (Instant::now(), answer.clone()));
        answer
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(n: &Arc<AtomicUsize>, state: ReadyState) -> impl Future<Output = Readiness> + use<> {
        let n = n.clone();
        async move {
            let seen = n.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            let details = serde_json::json!({"checks": seen});
            match state {
                ReadyState::Ready => Readiness::ready(details),
                ReadyState::Degraded => Readiness::degraded("slow", details),
                ReadyState::Unavailable => Readiness::unavailable("down", details),
            }
        }
    }

    #[tokio::test]
    async fn an_answer_is_reused_within_the_ttl_and_refreshed_after() {
        tokio::time::pause();
        let cache = ReadinessCache::new(Duration::from_millis(300), Duration::from_secs(5));
        let n = Arc::new(AtomicUsize::new(0));
        assert_eq!(cache.get(|| counting(&n, ReadyState::Ready)).await.details["checks"], 1);
        assert_eq!(cache.get(|| counting(&n, ReadyState::Ready)).await.details["checks"], 1);
        tokio::time::advance(Duration::from_millis(350)).await;
        assert_eq!(cache.get(|| counting(&n, ReadyState::Ready)).await.details["checks"], 2);
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_probes_share_one_check() {
        let cache = Arc::new(ReadinessCache::new(Duration::from_secs(60), Duration::from_secs(5)));
        let n = Arc::new(AtomicUsize::new(0));
        let probes: Vec<_> = (0..16)
            .map(|_| {
                let (cache, n) = (cache.clone(), n.clone());
                tokio::spawn(async move { cache.get(|| counting(&n, ReadyState::Degraded)).await })
            })
            .collect();
        for p in probes {
            let answer = p.await.unwrap();
            assert_eq!(answer.state, ReadyState::Degraded);
            assert_eq!(answer.details["checks"], 1);
        }
        assert_eq!(n.load(Ordering::SeqCst), 1, "sixteen concurrent probes ran one check");
    }

    #[tokio::test]
    async fn an_unavailable_answer_is_not_reused_and_a_slow_check_times_out() {
        let cache = ReadinessCache::new(Duration::from_secs(60), Duration::from_secs(5));
        let n = Arc::new(AtomicUsize::new(0));
        assert_eq!(cache.get(|| counting(&n, ReadyState::Unavailable)).await.state, ReadyState::Unavailable);
        assert_eq!(cache.get(|| counting(&n, ReadyState::Ready)).await.state, ReadyState::Ready);
        assert_eq!(n.load(Ordering::SeqCst), 2);

        tokio::time::pause();
        let slow = ReadinessCache::new(Duration::from_secs(60), Duration::from_secs(1));
        let answer = slow
            .get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Readiness::ready(serde_json::json!({}))
            })
            .await;
        assert_eq!(answer.state, ReadyState::Unavailable);
        assert!(answer.reason.unwrap().contains("within 1s"));
    }
}
