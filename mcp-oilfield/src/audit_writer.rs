//! Background persistence of audit records: a tool call never waits for (or pays a transaction
//! for) its audit row, yet a reader of the log can still see every call that finished before it.

use tokio::sync::{mpsc, oneshot};

use crate::db::{AuditEntry, Store};

/// Audit records buffered before callers fall back to writing their own.
const AUDIT_QUEUE: usize = 8192;
/// Records written per transaction at most.
const AUDIT_BATCH: usize = 256;
/// How long the writer gathers records after the first of a batch before it commits them: one
/// commit per linger under load instead of one per few calls. Each commit also changes the WAL,
/// and a change makes every read connection drop its page cache at its next read, so fewer
/// commits keep the readers' caches warm. [`AuditWriter::settle`] cuts the wait short.
const AUDIT_LINGER: std::time::Duration = std::time::Duration::from_millis(10);
/// Attempts at writing a batch (the database may be locked by another process for a while).
const ATTEMPTS: u32 = 4;
/// Pause between attempts.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// What travels down the queue, in order.
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every message is an entry: boxing would add an allocation per call"
)]
enum Message {
    /// A record to persist.
    Entry(AuditEntry),
    /// Answered once everything queued before it is written.
    Barrier(oneshot::Sender<()>),
}

/// Writes queued records in batches, many per transaction. Flushed on shutdown.
pub(crate) struct AuditWriter {
    store: Store,
    /// Ends the writer's linger at once (a reader waits for the log to be written).
    hurry: std::sync::Arc<tokio::sync::Notify>,
    tx: std::sync::Mutex<Option<mpsc::Sender<Message>>>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Write one batch, trying again a few times: audit inserts cannot be invalid, so a failure is
/// the database's (locked by another process past the busy timeout, disk full) and may pass.
async fn write_batch(store: &Store, entries: Vec<AuditEntry>) {
    let entries = std::sync::Arc::new(entries);
    for attempt in 1..=ATTEMPTS {
        match store.record_audit_batch(std::sync::Arc::clone(&entries)).await {
            Ok(_) => return,
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!(error = %e, records = entries.len(), attempt, "could not write audit records; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
            }
            Err(e) => {
                tracing::error!(error = %e, records = entries.len(), attempts = ATTEMPTS, "audit records lost: the database refused them");
            }
        }
    }
}

impl AuditWriter {
    /// Start the writer task on the current runtime.
    pub(crate) fn start(store: Store) -> Self {
        let (tx, mut rx) = mpsc::channel::<Message>(AUDIT_QUEUE);
        let writer = store.clone();
        let hurry = std::sync::Arc::new(tokio::sync::Notify::new());
        let hurried = hurry.clone();
        let task = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(AUDIT_BATCH);
            while rx.recv_many(&mut batch, AUDIT_BATCH).await > 0 {
                let waiting = batch.iter().any(|m| matches!(m, Message::Barrier(_)));
                if !waiting && batch.len() < AUDIT_BATCH && rx.len() < AUDIT_BATCH && !rx.is_closed() {
                    tokio::select! {
                        () = tokio::time::sleep(AUDIT_LINGER) => {}
                        () = hurried.notified() => {}
                    }
                    let room = AUDIT_BATCH - batch.len();
                    if !rx.is_empty() {
                        rx.recv_many(&mut batch, room).await;
                    }
                }
                let mut entries = Vec::with_capacity(batch.len());
                let mut barriers = Vec::new();
                for message in batch.drain(..) {
                    match message {
                        Message::Entry(e) => entries.push(e),
                        Message::Barrier(done) => barriers.push(done),
                    }
                }
                if !entries.is_empty() {
                    write_batch(&writer, entries).await;
                }
                for done in barriers {
                    let _ = done.send(());
                }
            }
        });
        Self { store, hurry, tx: std::sync::Mutex::new(Some(tx)), task: std::sync::Mutex::new(Some(task)) }
    }

    fn sender(&self) -> Option<mpsc::Sender<Message>> {
        self.tx.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Queue `entry`; when the queue is full or closed, write it directly (with the same
    /// retries) rather than lose it.
    pub(crate) fn record(&self, entry: AuditEntry) {
        let message = Message::Entry(entry);
        let refused = match self.sender() {
            Some(tx) => match tx.try_send(message) {
                Ok(()) => return,
                Err(e) => e.into_inner(),
            },
            None => message,
        };
        if let Message::Entry(entry) = refused {
            let store = self.store.clone();
            tokio::spawn(async move { write_batch(&store, vec![entry]).await });
        }
    }

    /// Wait until every record queued before this call is written (a reader of the audit log
    /// then sees every tool call that had finished when it asked).
    pub(crate) async fn settle(&self) {
        let Some(tx) = self.sender() else { return };
        let (done, written) = oneshot::channel();
        if tx.send(Message::Barrier(done)).await.is_ok() {
            // The barrier is queued: a lingering writer stops waiting, writes, and answers it.
            self.hurry.notify_one();
            let _ = written.await;
        }
    }

    /// Close the queue and wait until everything queued is written.
    pub(crate) async fn flush(&self) {
        drop(self.tx.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take());
        self.hurry.notify_one();
        let task = self.task.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::AuditQuery;

    fn entry(n: usize) -> AuditEntry {
        AuditEntry {
            id: None,
            ts: chrono::Utc::now(),
            caller_id: Some(format!("caller-{n}")),
            caller_email: None,
            caller_role: Some("USER".into()),
            tool: "list_wells".into(),
            arguments: serde_json::json!({}),
            outcome: "ok".into(),
            rows_affected: None,
            duration_ms: 1,
            message: None,
            arguments_digest: None,
            blocks: Vec::new(),
            fields: Vec::new(),
        }
    }

    async fn logged(store: &Store) -> u64 {
        store
            .query_audit(&crate::db::Scope::all(), AuditQuery { limit: 1, ..AuditQuery::default() })
            .await
            .unwrap()
            .total
    }

    #[tokio::test]
    async fn settle_waits_for_everything_queued_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("audit.db"), 2).await.unwrap();
        let writer = AuditWriter::start(store.clone());
        // More than one batch, so the writer is still busy when settle is called.
        for n in 0..(AUDIT_BATCH * 4 + 7) {
            writer.record(entry(n));
        }
        writer.settle().await;
        assert_eq!(logged(&store).await, (AUDIT_BATCH * 4 + 7) as u64);
        // A barrier on an idle writer returns at once; after shutdown it does not hang.
        writer.settle().await;
        writer.flush().await;
        writer.settle().await;
        writer.record(entry(0));
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while logged(&store).await < (AUDIT_BATCH * 4 + 8) as u64 {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("a record after shutdown is written directly");
    }
}
