//! The `/ready` check: the database answers, and how many reports it holds.
//!
//! `/ready` is unauthenticated (probes carry no credentials), and counting the active reports
//! scans an index: ~85 ms of CPU on a 1,000,000-report database. Answering every probe with a
//! fresh count would let anyone who can reach the port keep a core busy with a loop of GETs. So
//! the count is shared: concurrent probes wait for one count (single flight), and a count is
//! reused for [`COUNT_TTL`]. A failed count is never reused: the next probe tries again.

use std::time::Duration;

use tokio::time::Instant;

use crate::db::{DbError, Store};

/// How long a report count answers probes.
pub const COUNT_TTL: Duration = Duration::from_secs(5);

/// Counts reports for readiness probes, at most once per TTL.
pub struct ReadinessProbe {
    store: Store,
    ttl: Duration,
    last: tokio::sync::Mutex<Option<(Instant, i64)>>,
}

impl ReadinessProbe {
    /// A probe over `store` that reuses a count for `ttl`.
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self { store, ttl, last: tokio::sync::Mutex::new(None) }
    }

    /// The number of active reports, counted at most once per TTL whatever the probe rate.
    pub async fn total_records(&self) -> Result<i64, DbError> {
        // Held across the count: probes arriving meanwhile wait and then reuse its result.
        let mut last = self.last.lock().await;
        if let Some((at, total)) = *last
            && at.elapsed() < self.ttl
        {
            return Ok(total);
        }
        let total = self.store.count_reports().await?;
        *last = Some((Instant::now(), total));
        Ok(total)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    async fn store_with_demo() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("ready.db"), 2).await.unwrap();
        crate::demo::fill_demo(&store, chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()).await.unwrap();
        (dir, store)
    }

    async fn delete_one_report(store: &Store) {
        store
            .write(|c, _| {
                let n = c.execute(
                    "UPDATE daily_reports SET deleted_at = '2026-11-01T00:00:00Z' \
                     WHERE id = (SELECT min(id) FROM daily_reports WHERE deleted_at IS NULL)",
                    [],
                )?;
                assert_eq!(n, 1);
                Ok(())
            })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_count_is_reused_within_the_ttl_and_refreshed_after() {
        let (_dir, store) = store_with_demo().await;
        let probe = ReadinessProbe::new(store.clone(), Duration::from_millis(300));
        let first = probe.total_records().await.unwrap();
        assert_eq!(first, store.count_reports().await.unwrap());
        assert!(first > 0);

        // The clock stands still from here, however slow the host: only `advance` moves it.
        tokio::time::pause();
        delete_one_report(&store).await;
        assert_eq!(probe.total_records().await.unwrap(), first, "within the TTL the count is reused");

        tokio::time::advance(Duration::from_millis(350)).await;
        assert_eq!(probe.total_records().await.unwrap(), first - 1, "after the TTL the count is fresh");
    }

    #[tokio::test]
    async fn concurrent_probes_share_one_count() {
        let (_dir, store) = store_with_demo().await;
        let probe = std::sync::Arc::new(ReadinessProbe::new(store.clone(), Duration::from_secs(60)));
        let probes: Vec<_> = (0..16)
            .map(|_| {
                let p = std::sync::Arc::clone(&probe);
                tokio::spawn(async move { p.total_records().await.unwrap() })
            })
            .collect();
        let expected = store.count_reports().await.unwrap();
        for p in probes {
            assert_eq!(p.await.unwrap(), expected);
        }
        // One count was stored and is what every later probe gets, even after a change.
        delete_one_report(&store).await;
        assert_eq!(probe.total_records().await.unwrap(), expected);
    }

    #[tokio::test]
    async fn a_failed_count_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.db");
        let store = Store::open(&path, 1).await.unwrap();
        let probe = ReadinessProbe::new(store.clone(), Duration::from_secs(60));
        // The table the count reads disappears: the probe reports the error...
        store.write(|c, _| Ok(c.execute_batch("PRAGMA foreign_keys=OFF; DROP TABLE daily_reports;")?)).await.unwrap();
        assert!(probe.total_records().await.is_err());
        // ...and once it is back the next probe counts again instead of replaying the failure.
        store
            .write(|c, _| Ok(c.execute_batch("CREATE TABLE daily_reports (id INTEGER PRIMARY KEY, deleted_at TEXT);")?))
            .await
            .unwrap();
        assert_eq!(probe.total_records().await.unwrap(), 0);
    }
}
