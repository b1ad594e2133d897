//! A background tokio task the server stops on shutdown: the audit pruner and the export sweeper.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A spawned task with its stop signal.
pub(crate) struct BackgroundTask {
    stop: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl BackgroundTask {
    /// Spawn `body` on the current runtime; it gets the token that is cancelled by [`Self::stop`].
    pub(crate) fn spawn<F>(body: impl FnOnce(CancellationToken) -> F) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let stop = CancellationToken::new();
        let task = tokio::spawn(body(stop.clone()));
        Self { stop, task: Mutex::new(Some(task)) }
    }

    /// Signal the task to stop and wait for it.
    pub(crate) async fn stop(&self) {
        self.stop.cancel();
        let task = self.task.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Whether the task has ended.
    #[cfg(test)]
    pub(crate) fn finished(&self) -> bool {
        self.task.lock().unwrap_or_else(PoisonError::into_inner).as_ref().is_none_or(JoinHandle::is_finished)
    }
}
