//! Everything the server runs beside its requests: tracked, cancelled together on shutdown,
//! and waited for. Long-running loops (the scheduler, the inbound worker) are supervised: a
//! loop that panics or ends by itself is restarted with backoff, and `/readyz` says so while
//! it is down.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Background work of one server: spawn through it, never with a bare `tokio::spawn`.
#[derive(Clone, Default)]
pub struct Background {
    tracker: TaskTracker,
    cancel: CancellationToken,
}

impl Background {
    /// Run `fut` in the background; shutdown waits for it.
    pub fn spawn<F>(&self, fut: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tracker.spawn(fut)
    }

    /// Cancelled when the server shuts down.
    pub fn token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    pub fn is_stopping(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Tell every task to stop, then wait for them, at most `grace`. `true` when all ended.
    pub async fn shutdown(&self, grace: Duration) -> bool {
        self.cancel.cancel();
        self.tracker.close();
        tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok()
    }
}

/// How a supervised loop is doing, for `/readyz` and `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Health(Arc<HealthInner>);

#[derive(Debug, Default)]
struct HealthInner {
    state: AtomicU8,
    restarts: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopState {
    /// Not started (configured off, or not yet).
    Off,
    Running,
    /// It died and waits to be started again.
    Restarting,
    /// Stopped for shutdown.
    Stopped,
}

impl Health {
    pub fn state(&self) -> LoopState {
        match self.0.state.load(Ordering::SeqCst) {
            1 => LoopState::Running,
            2 => LoopState::Restarting,
            3 => LoopState::Stopped,
            _ => LoopState::Off,
        }
    }

    pub fn restarts(&self) -> u64 {
        self.0.restarts.load(Ordering::SeqCst)
    }

    fn set(&self, s: LoopState) {
        let n = match s {
            LoopState::Off => 0,
            LoopState::Running => 1,
            LoopState::Restarting => 2,
            LoopState::Stopped => 3,
        };
        self.0.state.store(n, Ordering::SeqCst);
    }
}

/// Run the loop `make()` builds until `cancel`; if it panics or returns before that, log it,
/// wait (doubling from `backoff`, at most a minute) and start a new one.
pub async fn supervise<F, Fut>(
    name: &'static str,
    health: Health,
    cancel: CancellationToken,
    backoff: Duration,
    make: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut wait = backoff;
    loop {
        health.set(LoopState::Running);
        let ended = tokio::spawn(make()).await;
        if cancel.is_cancelled() {
            break;
        }
        health.set(LoopState::Restarting);
        health.0.restarts.fetch_add(1, Ordering::SeqCst);
        match ended {
            Err(e) if e.is_panic() => {
                tracing::error!(task = name, "background loop panicked; restarting it")
            }
            _ => tracing::error!(
                task = name,
                "background loop ended by itself; restarting it"
            ),
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => break,
        }
        wait = (wait * 2).min(Duration::from_secs(60));
    }
    health.set(LoopState::Stopped);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn a_loop_that_panics_is_restarted_and_stops_on_cancel() {
        let runs = Arc::new(AtomicUsize::new(0));
        let health = Health::default();
        let cancel = CancellationToken::new();
        let sup = {
            let (runs, health, cancel) = (runs.clone(), health.clone(), cancel.clone());
            let stop = cancel.clone();
            tokio::spawn(supervise(
                "test",
                health,
                cancel,
                Duration::from_millis(1),
                move || {
                    let n = runs.fetch_add(1, Ordering::SeqCst);
                    let stop = stop.clone();
                    async move {
                        if n < 2 {
                            panic!("injected failure {n}");
                        }
                        stop.cancelled().await;
                    }
                },
            ))
        };
        for _ in 0..500 {
            if runs.load(Ordering::SeqCst) >= 3 && health.state() == LoopState::Running {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(health.restarts(), 2);
        assert_eq!(health.state(), LoopState::Running);
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), sup)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(health.state(), LoopState::Stopped);
    }

    #[tokio::test]
    async fn shutdown_waits_for_tracked_work_and_reports_stragglers() {
        let bg = Background::default();
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..5 {
            let (done, token) = (done.clone(), bg.token());
            bg.spawn(async move {
                token.cancelled().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        assert!(bg.shutdown(Duration::from_secs(5)).await);
        assert_eq!(done.load(Ordering::SeqCst), 5);

        let stuck = Background::default();
        stuck.spawn(std::future::pending::<()>());
        assert!(!stuck.shutdown(Duration::from_millis(50)).await);
    }
}
