//! The operating rhythm: each team's cycles open, remind and close by themselves. A tick
//! decides what is due (writing jobs in the same transaction) and then delivers due jobs.
//! `pacer serve` ticks in a loop; `pacer tick --now …` ticks once.

pub mod checkin;
mod deliver;
mod plan;
pub mod prompt;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::SharedClock;
use crate::messenger::Messengers;
use crate::store::{Store, StoreError};

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub opened: usize,
    pub closed: usize,
    pub reminders_queued: usize,
    pub notices_queued: usize,
    pub sent: usize,
    pub skipped: usize,
    pub retried: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    messengers: Messengers,
    spacing: Duration,
    /// When dependency notices were last looked for, and the latest update id seen then.
    notices_checked: Arc<std::sync::Mutex<LastLook>>,
    /// Set on shutdown: claim nothing more, hand back what is claimed and not yet sent.
    stopping: Arc<AtomicBool>,
    lease_secs: i64,
    clock: Option<SharedClock>,
}

/// When something was last looked for, and the latest update id seen then.
type LastLook = Option<(DateTime<Utc>, i64)>;

/// How long a claimed job is ours before another worker may take it over, by default.
pub const LEASE_SECS: i64 = 120;
/// Attempts before a job is given up (with its reason logged).
pub const MAX_ATTEMPTS: i64 = 6;

impl Scheduler {
    pub fn new(store: Store, messengers: Messengers) -> Self {
        Scheduler {
            store,
            messengers,
            spacing: Duration::from_millis(1100),
            notices_checked: Arc::default(),
            stopping: Arc::default(),
            lease_secs: LEASE_SECS,
            clock: None,
        }
    }

    /// How long a claimed job is ours before another replica may take it over.
    pub fn with_lease(mut self, secs: i64) -> Self {
        self.lease_secs = secs.max(1);
        self
    }

    /// The clock to renew leases by while working through a batch.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The next moment something of a workspace's rhythm is due (it may be now or past).
    pub async fn next_due(
        &self,
        ws: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        plan::next_due(&self.store, ws, now).await
    }

    /// Least time between two messages to one person.
    pub fn with_spacing(mut self, spacing: Duration) -> Self {
        self.spacing = spacing;
        self
    }

    /// Stop: claim no more work and hand back claimed jobs not yet sent, for another replica.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Run everything due as of `now` once.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
        if self.stopping.load(Ordering::SeqCst) {
            return Ok(TickReport::default());
        }
        let mut report = self.plan(now).await?;
        // Closing queues the digest, so it goes out in this same tick.
        plan::close_cycles(&self.store, now, &mut report).await?;
        let pace = deliver::Pace {
            spacing: self.spacing,
            lease_secs: self.lease_secs,
            clock: self.clock.clone(),
        };
        deliver::run_due_jobs(
            &self.store,
            &self.messengers,
            now,
            &pace,
            &self.stopping,
            &mut report,
        )
        .await?;
        Ok(report)
    }

    /// Only decide what is due (cycles to open, reminders to queue), delivering nothing.
    pub async fn plan(&self, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
        let mut report = TickReport::default();
        plan::open_cycles(&self.store, now, &mut report).await?;
        plan::queue_reminders(&self.store, now, &mut report).await?;
        // Stalls change with updates and with time (overdue, behind): look when something was
        // recorded, and at least every few minutes, not on every tick.
        let latest = self.store.latest_update_id().await?;
        let due = match *self
            .notices_checked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
        {
            Some((at, seen)) => {
                seen != latest || now - at >= chrono::Duration::minutes(5) || now < at
            }
            None => true,
        };
        if due {
            plan::notice_stalls(&self.store, now, &mut report).await?;
            *self
                .notices_checked
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some((now, latest));
        }
        Ok(report)
    }

    /// Tick every `every` until `shutdown` resolves; a failing tick is logged and retried.
    pub async fn run(
        self: Arc<Self>,
        clock: SharedClock,
        every: Duration,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut shutdown = shutdown;
        // A shutdown during a tick stops it between two jobs, not only after it.
        let watcher = {
            let me = self.clone();
            let mut rx = shutdown.clone();
            tokio::spawn(async move {
                if rx.changed().await.is_ok() {
                    me.stop();
                }
            })
        };
        loop {
            match self.tick(clock.now()).await {
                Ok(r) if r != TickReport::default() => tracing::info!(?r, "scheduler tick"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler tick failed; will retry"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }
        self.stop();
        watcher.abort();
    }
}
