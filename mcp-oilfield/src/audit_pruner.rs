//! Background pruning of the audit log by the configured retention (`audit_retention_days`,
//! `audit_max_rows`): a tokio task that removes a bounded number of rows per run
//! ([`crate::db::PRUNE_BATCH`], one short write transaction), runs at start and then every
//! `audit_prune_interval_secs` (after one second when a run hit the bound), and stops on shutdown.

use std::time::Duration;

use crate::background::BackgroundTask;
use crate::config::OilfieldConfig;
use crate::db::{PRUNE_BATCH, Store};

/// Pause after a run that removed a full batch (more rows are due).
const AGAIN_AFTER: Duration = Duration::from_secs(1);

/// The running pruner.
pub(crate) struct AuditPruner(BackgroundTask);

impl AuditPruner {
    /// Start pruning on the current runtime; `None` when no retention is configured.
    pub(crate) fn start(store: Store, config: &OilfieldConfig) -> Option<Self> {
        let days = config.audit_retention_days;
        let max_rows = config.audit_max_rows;
        if days.is_none() && max_rows.is_none() {
            return None;
        }
        let every = Duration::from_secs(config.audit_prune_interval_secs);
        Some(Self(BackgroundTask::spawn(|stopped| async move {
            loop {
                let cutoff = days.map(|d| chrono::Utc::now() - chrono::Duration::days(i64::from(d)));
                let pause = tokio::select! {
                    () = stopped.cancelled() => return,
                    removed = store.prune_audit(cutoff, max_rows) => match removed {
                        Ok(n) if n >= PRUNE_BATCH => AGAIN_AFTER,
                        Ok(n) => {
                            if n > 0 {
                                tracing::info!(removed = n, "audit log pruned by the configured retention");
                            }
                            every
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "could not prune the audit log; trying again later");
                            every
                        }
                    },
                };
                tokio::select! {
                    () = stopped.cancelled() => return,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        })))
    }

    /// Stop the task and wait for it (a run in progress is abandoned: its write rolls back).
    pub(crate) async fn stop(&self) {
        self.0.stop().await;
    }

    /// Whether the task has ended.
    #[cfg(test)]
    pub(crate) fn finished(&self) -> bool {
        self.0.finished()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::db::{AuditEntry, AuditQuery, Scope};

    fn entry(days_ago: i64) -> AuditEntry {
        AuditEntry {
            id: None,
            ts: chrono::Utc::now() - chrono::Duration::days(days_ago),
            caller_id: None,
            caller_email: None,
            caller_role: None,
            tool: format!("t{days_ago}"),
            arguments: serde_json::json!({}),
            outcome: "ok".into(),
            rows_affected: None,
            duration_ms: 0,
            message: None,
            arguments_digest: None,
            blocks: Vec::new(),
            fields: Vec::new(),
        }
    }

    async fn rows(store: &Store) -> u64 {
        store.query_audit(&Scope::all(), AuditQuery { limit: 1, ..AuditQuery::default() }).await.unwrap().total
    }

    #[tokio::test]
    async fn prunes_by_age_in_the_background_and_stops_on_shutdown() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("prune.db"), 1).await.unwrap();
        for days_ago in [0, 1, 29, 31, 400] {
            store.record_audit(entry(days_ago)).await.unwrap();
        }
        assert!(AuditPruner::start(store.clone(), &OilfieldConfig::default()).is_none(), "no retention, no task");
        let config = OilfieldConfig { audit_retention_days: Some(30), ..OilfieldConfig::default() };
        let pruner = AuditPruner::start(store.clone(), &config).unwrap();
        tokio::time::timeout(Duration::from_secs(10), async {
            while rows(&store).await > 3 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the first run prunes at start");
        let left = store.query_audit(&Scope::all(), AuditQuery::default()).await.unwrap();
        let mut tools: Vec<String> = left.items.into_iter().map(|e| e.tool).collect();
        tools.sort();
        assert_eq!(tools, ["t0", "t1", "t29"]);
        assert!(!pruner.finished(), "it waits for its next run");
        tokio::time::timeout(Duration::from_secs(5), pruner.stop()).await.expect("stop returns promptly");
        assert!(pruner.finished());
    }
}
