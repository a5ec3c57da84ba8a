//! The operating rhythm: each team's cycles open, remind and close by themselves. A tick
//! decides what is due (writing jobs in the same transaction) and then delivers due jobs.
//! `pacer serve` ticks in a loop; `pacer tick --now …` ticks once.

pub mod absence;
pub mod ahead;
mod changed;
pub mod checkin;
pub mod decision;
mod deliver;
pub mod focus;
mod plan;
pub mod prompt;

pub use deliver::{CLAIM_BATCH, IN_FLIGHT};
pub use plan::{HOLIDAYS_BEHIND, replan_closes};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::SharedClock;
use crate::messenger::Messengers;
use crate::store::{Scope, Store, StoreError};

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub opened: usize,
    pub closed: usize,
    pub reminders_queued: usize,
    pub notices_queued: usize,
    /// Priorities raised to their parent team by themselves when a cycle closed.
    pub raised: usize,
    pub sent: usize,
    pub skipped: usize,
    pub retried: usize,
    pub failed: usize,
    /// Finished jobs and old event ids deleted by housekeeping.
    pub pruned: usize,
}

impl std::ops::AddAssign for TickReport {
    fn add_assign(&mut self, r: TickReport) {
        self.opened += r.opened;
        self.closed += r.closed;
        self.reminders_queued += r.reminders_queued;
        self.notices_queued += r.notices_queued;
        self.raised += r.raised;
        self.sent += r.sent;
        self.skipped += r.skipped;
        self.retried += r.retried;
        self.failed += r.failed;
        self.pruned += r.pruned;
    }
}

/// How long before a review meeting its agenda is posted.
pub const AGENDA_LEAD: chrono::Duration = chrono::Duration::hours(1);

/// Rows deleted per statement by housekeeping, and statements per table per run.
const HOUSEKEEPING_BATCH: i64 = 500;
const HOUSEKEEPING_BATCHES: usize = 20;

#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    messengers: Messengers,
    /// When dependency notices were last looked for, and the latest update id seen then.
    notices_checked: Arc<std::sync::Mutex<LastLook>>,
    /// Set on shutdown: claim nothing more, hand back what is claimed and not yet sent.
    stopping: Arc<AtomicBool>,
    lease_secs: i64,
    clock: Option<SharedClock>,
    /// Finished jobs and handled event ids older than this are pruned.
    retention: chrono::Duration,
    /// When housekeeping last ran (by the scheduler's clock).
    housekept: Arc<std::sync::Mutex<Option<DateTime<Utc>>>>,
    /// A platform whose workspaces run on a clock of their own (the sandbox), and that clock.
    separate: Option<(&'static str, SharedClock)>,
    /// Sends outgoing webhook events.
    webhooks: Option<Arc<crate::webhooks::Sender>>,
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
            notices_checked: Arc::default(),
            stopping: Arc::default(),
            lease_secs: LEASE_SECS,
            clock: None,
            retention: chrono::Duration::days(30),
            housekept: Arc::default(),
            separate: None,
            webhooks: None,
        }
    }

    /// The platforms' messengers the scheduler sends with.
    pub fn messengers(&self) -> &Messengers {
        &self.messengers
    }

    /// Deliver outgoing webhook events with `sender`.
    pub fn with_webhooks(mut self, sender: crate::webhooks::Sender) -> Self {
        self.webhooks = Some(Arc::new(sender));
        self
    }

    /// How long finished jobs and handled event ids are kept.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = chrono::Duration::from_std(retention).unwrap_or(self.retention);
        self
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

    /// Stop: claim no more work and hand back claimed jobs not yet sent, for another replica.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Leave the workspaces of `platform` to a clock of their own (the sandbox's): the
    /// process's ticks skip them, and [`Scheduler::run`] ticks them by `clock`.
    pub fn with_separate_clock(mut self, platform: &'static str, clock: SharedClock) -> Self {
        self.separate = Some((platform, clock));
        self
    }

    /// The workspaces that live on a clock of their own.
    async fn separate_workspaces(&self) -> Result<Vec<i64>, StoreError> {
        let Some((platform, _)) = &self.separate else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .workspaces()
            .await?
            .into_iter()
            .filter(|(_, p, _)| p == platform)
            .map(|(id, _, _)| id)
            .collect())
    }

    /// Run everything due as of `now` once, for every workspace on the process's clock.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
        let scope = Scope::Except(self.separate_workspaces().await?);
        let mut report = self.tick_scoped(now, scope).await?;
        if !self.stopping.load(Ordering::SeqCst) {
            self.housekeep(now, &mut report).await?;
        }
        Ok(report)
    }

    /// Run everything due in one workspace as of `now` (the sandbox's "run the rhythm now").
    pub async fn tick_workspace(
        &self,
        ws: i64,
        now: DateTime<Utc>,
    ) -> Result<TickReport, StoreError> {
        self.tick_scoped(now, Scope::Only(ws)).await
    }

    async fn tick_scoped(
        &self,
        now: DateTime<Utc>,
        scope: Scope,
    ) -> Result<TickReport, StoreError> {
        if self.stopping.load(Ordering::SeqCst) {
            return Ok(TickReport::default());
        }
        let mut report = self.plan_scoped(now, &scope).await?;
        // Closing queues the digest, so it goes out in this same tick.
        plan::close_cycles(&self.store, &scope, now, &mut report).await?;
        let pace = deliver::Pace {
            lease_secs: self.lease_secs,
            clock: self.clock.clone(),
            scope,
            webhooks: self.webhooks.clone(),
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

    /// Prune finished jobs and handled event ids past the retention, at most every ten
    /// minutes and in small batches, so no tick holds the database for long.
    pub async fn housekeep(
        &self,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        {
            let mut last = self.housekept.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|at| now >= at && now - at < chrono::Duration::minutes(10)) {
                return Ok(());
            }
            *last = Some(now);
        }
        let before = (now - self.retention).timestamp();
        for _ in 0..HOUSEKEEPING_BATCHES {
            let n = self.store.prune_jobs(before, HOUSEKEEPING_BATCH).await?;
            report.pruned += n as usize;
            if n < HOUSEKEEPING_BATCH as u64 || self.stopping.load(Ordering::SeqCst) {
                break;
            }
        }
        for _ in 0..HOUSEKEEPING_BATCHES {
            let n = self.store.prune_events(before, HOUSEKEEPING_BATCH).await?;
            report.pruned += n as usize;
            if n < HOUSEKEEPING_BATCH as u64 || self.stopping.load(Ordering::SeqCst) {
                break;
            }
        }
        Ok(())
    }

    /// Only decide what is due (cycles to open, reminders to queue), delivering nothing.
    pub async fn plan(&self, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
        let scope = Scope::Except(self.separate_workspaces().await?);
        self.plan_scoped(now, &scope).await
    }

    async fn plan_scoped(
        &self,
        now: DateTime<Utc>,
        scope: &Scope,
    ) -> Result<TickReport, StoreError> {
        let mut report = TickReport::default();
        plan::open_cycles(&self.store, scope, now, &mut report).await?;
        plan::queue_reminders(&self.store, scope, now, &mut report).await?;
        plan::queue_agendas(&self.store, scope, now, &mut report).await?;
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
            plan::notice_stalls(&self.store, scope, now, &mut report).await?;
            *self
                .notices_checked
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some((now, latest));
        }
        Ok(report)
    }

    /// Tick every `every` until `cancel`; a failing tick is logged and retried. Ticks fall on
    /// multiples of `every` since the epoch, so replicas tick together and share a fan-out.
    /// A cancel during a tick stops it between two jobs and hands back what it claimed.
    pub async fn run(
        self: Arc<Self>,
        clock: SharedClock,
        every: Duration,
        cancel: tokio_util::sync::CancellationToken,
    ) {
        let stopper = async {
            cancel.cancelled().await;
            self.stop();
            std::future::pending::<()>().await
        };
        tokio::pin!(stopper);
        loop {
            let result = tokio::select! {
                r = self.tick_all(&clock) => r,
                _ = &mut stopper => unreachable!("the stopper never completes"),
            };
            match result {
                Ok(r) if r != TickReport::default() => tracing::info!(?r, "scheduler tick"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler tick failed; will retry"),
            }
            if cancel.is_cancelled() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(until_next_multiple(every)) => {}
                _ = cancel.cancelled() => break,
            }
        }
        self.stop();
    }
}

impl Scheduler {
    /// One tick of the process's workspaces by `clock`, then of those on a clock of their own.
    async fn tick_all(&self, clock: &SharedClock) -> Result<TickReport, StoreError> {
        let mut report = self.tick(clock.now()).await?;
        if let Some((_, own)) = &self.separate {
            for ws in self.separate_workspaces().await? {
                report += self.tick_workspace(ws, own.now()).await?;
            }
        }
        Ok(report)
    }
}

/// Time from now to the next multiple of `every` since the Unix epoch (wall clock).
fn until_next_multiple(every: Duration) -> Duration {
    let every_ms = every.as_millis().max(1);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let rest = every_ms - now_ms % every_ms;
    Duration::from_millis(rest as u64)
}
