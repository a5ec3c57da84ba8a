//! Outbound pacing: sending at the rates a platform publishes instead of finding them by 429s.
//!
//! Each limit is a [`Rate`] enforced with the generic cell rate algorithm (GCRA): a bucket keeps
//! the theoretical arrival time (TAT) of its next send; a sender reserves a slot by moving the
//! TAT forward by one interval, then waits until its slot comes. Workspace-wide limits (per
//! Web API method) are kept in the database, so every replica draws on one budget; per-channel
//! limits are kept in memory (one replica sends a given job, and a 429 still holds the line).
//! A 429 holds the bucket until its Retry-After has passed, for every sender of that bucket.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::{Store, StoreError};

/// At most `burst` sends at once, then one every `interval_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub interval_ms: i64,
    pub burst: i64,
}

impl Rate {
    /// `n` sends in any 60 seconds, `burst` of them at once: the sustained interval leaves room
    /// for the burst, so no 60-second window ever holds more than `n`.
    pub const fn per_minute(n: i64, burst: i64) -> Rate {
        Rate::per(n, burst, 60_000)
    }

    /// `n` sends in any `window_ms`, `burst` of them at once.
    pub const fn per(n: i64, burst: i64, window_ms: i64) -> Rate {
        Rate {
            interval_ms: (window_ms + (n - burst) - 1) / (n - burst),
            burst,
        }
    }

    /// One send every `interval_ms`, `burst` at once.
    pub const fn every(interval_ms: i64, burst: i64) -> Rate {
        Rate { interval_ms, burst }
    }

    /// How far ahead of the TAT a send may go (the burst allowance).
    fn tolerance_ms(self) -> i64 {
        (self.burst - 1).max(0) * self.interval_ms
    }

    /// When a send whose reservation moved the TAT to `tat` may go.
    fn slot(self, tat: i64, now: i64) -> i64 {
        (tat - self.interval_ms - self.tolerance_ms()).max(now)
    }
}

/// The longest a sender waits for its slot in line; beyond it the send is handed back to be
/// retried when the slot comes (a job is not held for minutes).
pub const MAX_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum PaceError {
    /// The bucket is booked (or held by a 429) further ahead than [`MAX_WAIT`].
    #[error("rate budget booked for {0:?}")]
    Busy(Duration),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Shared (database) and local (memory) buckets.
#[derive(Clone)]
pub struct Pacer {
    store: Store,
    local: Arc<Mutex<HashMap<String, i64>>>,
    /// Send times by key, for limits over several windows at once (`windows`).
    logs: Arc<Mutex<HashMap<String, VecDeque<i64>>>>,
    /// Shared buckets this process saw a 429 for, and until when: a sender whose slot was
    /// booked before the 429 still waits it out.
    held: Arc<Mutex<HashMap<String, i64>>>,
}

impl Pacer {
    pub fn new(store: Store) -> Self {
        Pacer {
            store,
            local: Arc::default(),
            logs: Arc::default(),
            held: Arc::default(),
        }
    }

    /// Wait for a slot of a key this process alone sends to, under several limits at once:
    /// at most `n` sends in any `window_ms`, for each `(window_ms, n)`. The send is logged
    /// when its slot has come, not booked ahead, so that [`Pacer::sent`] can move an earlier
    /// send to when it was answered before later ones are let through. Returns the time the
    /// send is logged at.
    pub async fn windows(&self, key: &str, limits: &[(i64, usize)]) -> Result<i64, PaceError> {
        loop {
            let now = now_ms();
            let slot = {
                let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
                let longest = limits.iter().map(|(w, _)| *w).max().unwrap_or(0);
                if logs.len() > 10_000 {
                    logs.retain(|_, sent| sent.back().is_some_and(|t| *t > now - longest));
                }
                let sent = logs.entry(key.to_string()).or_default();
                while sent.front().is_some_and(|t| *t <= now - longest) {
                    sent.pop_front();
                }
                let slot = earliest_slot(sent, limits, now);
                if slot <= now {
                    sent.push_back(now);
                    return Ok(now);
                }
                slot
            };
            wait_until(slot, now).await?;
        }
    }

    /// A send logged at `at` by [`Pacer::windows`] has been answered: count it from now on.
    /// The platform counts a request when it arrives, which may be well after it was sent
    /// when the network or either side is slow; it has surely arrived by the time it is
    /// answered, so counting it from then keeps every window without a margin for latency.
    pub fn sent(&self, key: &str, at: i64) {
        let now = now_ms();
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sent) = logs.get_mut(key) {
            answered(sent, at, now);
        }
    }

    /// After a 429 for a key of [`Pacer::windows`]: no send before `after` has passed.
    pub fn hold_windows(&self, key: &str, limits: &[(i64, usize)], after: Duration) {
        let until = now_ms() + after.as_millis() as i64;
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let sent = logs.entry(key.to_string()).or_default();
        // Fill the tightest window up to `until`: its next slot is then after the wait.
        let Some((window, n)) = limits.iter().min_by_key(|(w, _)| *w) else {
            return;
        };
        let start = until - window;
        if sent.back().is_some_and(|t| *t > start) {
            return;
        }
        for _ in 0..*n {
            sent.push_back(start);
        }
    }

    /// Wait for a slot of a bucket shared by every replica.
    pub async fn shared(&self, scope: &str, bucket: &str, rate: Rate) -> Result<(), PaceError> {
        let now = now_ms();
        let tat = self
            .store
            .reserve_send(scope, bucket, now, rate.interval_ms)
            .await?;
        wait_until(rate.slot(tat, now), now).await?;
        let key = format!("{scope}/{bucket}");
        loop {
            let held = self.held_until(&key);
            let now = now_ms();
            if held <= now {
                return Ok(());
            }
            wait_until(held, now).await?;
        }
    }

    fn held_until(&self, key: &str) -> i64 {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.get(key).copied().unwrap_or(0)
    }

    /// Wait for a slot of a bucket this process alone sends from (a channel).
    pub async fn local(&self, key: &str, rate: Rate) -> Result<(), PaceError> {
        let now = now_ms();
        let slot = {
            let mut buckets = self.local.lock().unwrap_or_else(|e| e.into_inner());
            if buckets.len() > 10_000 {
                // Buckets idle for a minute are empty again: forget them.
                buckets.retain(|_, tat| *tat > now - 60_000);
            }
            let tat = buckets.entry(key.to_string()).or_insert(now);
            *tat = (*tat).max(now) + rate.interval_ms;
            rate.slot(*tat, now)
        };
        wait_until(slot, now).await
    }

    /// After a 429: no send of the shared bucket before `after` has passed.
    pub async fn hold_shared(
        &self,
        scope: &str,
        bucket: &str,
        rate: Rate,
        after: Duration,
    ) -> Result<(), PaceError> {
        let until = now_ms() + after.as_millis() as i64;
        {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            if held.len() > 10_000 {
                let now = now_ms();
                held.retain(|_, t| *t > now);
            }
            let entry = held.entry(format!("{scope}/{bucket}")).or_insert(until);
            *entry = (*entry).max(until);
        }
        // For every replica: the next slot is at TAT - interval - tolerance; put it at `until`.
        let tat = until + rate.interval_ms + rate.tolerance_ms();
        self.store.hold_sends(scope, bucket, tat).await?;
        Ok(())
    }

    /// After a 429 on a channel: no send into it before `after` has passed.
    pub fn hold_local(&self, key: &str, rate: Rate, after: Duration) {
        let tat = now_ms() + after.as_millis() as i64 + rate.interval_ms + rate.tolerance_ms();
        let mut buckets = self.local.lock().unwrap_or_else(|e| e.into_inner());
        let entry = buckets.entry(key.to_string()).or_insert(tat);
        *entry = (*entry).max(tat);
    }
}

/// Move one send logged at `at` to `now`, when it was answered, keeping the log in order.
fn answered(sent: &mut VecDeque<i64>, at: i64, now: i64) {
    if let Some(entry) = sent.iter_mut().rev().find(|t| **t == at) {
        *entry = now.max(at);
        sent.make_contiguous().sort_unstable();
    }
}

/// The earliest time at or after `now` at which one more send keeps every limit, given the
/// earlier sends (ascending).
fn earliest_slot(sent: &VecDeque<i64>, limits: &[(i64, usize)], now: i64) -> i64 {
    let mut at = now.max(sent.back().copied().unwrap_or(now));
    loop {
        let mut moved = false;
        for (window, n) in limits {
            let inside: Vec<i64> = sent.iter().copied().filter(|t| *t > at - window).collect();
            if inside.len() >= *n {
                // The send that has to leave the window first.
                at = inside[inside.len() - n] + window;
                moved = true;
            }
        }
        if !moved {
            return at;
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

async fn wait_until(slot: i64, now: i64) -> Result<(), PaceError> {
    let wait = Duration::from_millis((slot - now).max(0) as u64);
    if wait > MAX_WAIT {
        return Err(PaceError::Busy(wait));
    }
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Send times of `n` back-to-back reservations at time 0, by the rule the buckets apply.
    fn schedule(rate: Rate, n: usize, start: i64) -> Vec<i64> {
        let mut tat = start;
        (0..n)
            .map(|_| {
                tat = tat.max(start) + rate.interval_ms;
                rate.slot(tat, start)
            })
            .collect()
    }

    #[test]
    fn several_windows_hold_at_once() {
        let limits = [(1000, 3), (10_000, 5)];
        let mut sent = VecDeque::new();
        let times: Vec<i64> = (0..7)
            .map(|_| {
                let t = earliest_slot(&sent, &limits, 0);
                sent.push_back(t);
                t
            })
            .collect();
        assert_eq!(times, vec![0, 0, 0, 1000, 1000, 10_000, 10_000]);
        for (i, t) in times.iter().enumerate() {
            for (window, n) in limits {
                let inside = times[i..].iter().filter(|u| **u < t + window).count();
                assert!(inside <= n, "{inside} in {window} ms from {t}");
            }
        }
    }

    /// Three sends at 0, the last answered only at 900 ms (it may have arrived as late): of the
    /// next three, the third waits until that one has been inside the window for a second.
    #[test]
    fn a_send_counts_from_when_it_was_answered() {
        let limits = [(1000, 3)];
        let next_three = |mut sent: VecDeque<i64>| -> Vec<i64> {
            (0..3)
                .map(|_| {
                    let t = earliest_slot(&sent, &limits, 950);
                    sent.push_back(t);
                    t
                })
                .collect()
        };
        let sent: VecDeque<i64> = [0, 0, 0].into();
        assert_eq!(next_three(sent.clone()), vec![1000, 1000, 1000]);
        let mut late = sent;
        answered(&mut late, 0, 900);
        assert_eq!(Vec::from(late.clone()), vec![0, 0, 900]);
        assert_eq!(next_three(late.clone()), vec![1000, 1000, 1900]);
        // Answered before it was logged (a clock step): never moved earlier.
        answered(&mut late, 900, 100);
        assert_eq!(Vec::from(late), vec![0, 0, 900]);
    }

    #[test]
    fn a_burst_goes_at_once_then_one_per_interval() {
        let rate = Rate::every(1000, 3);
        assert_eq!(schedule(rate, 5, 0), vec![0, 0, 0, 1000, 2000]);
        let single = Rate::every(500, 1);
        assert_eq!(schedule(single, 3, 0), vec![0, 500, 1000]);
    }

    #[test]
    fn no_sixty_seconds_ever_hold_more_than_the_rate_allows() {
        for (n, burst) in [(600, 10), (50, 5), (100, 1), (20, 19), (7, 3)] {
            let rate = Rate::per_minute(n, burst);
            let times = schedule(rate, 3 * n as usize, 0);
            for (i, t) in times.iter().enumerate() {
                let in_window = times[i..].iter().take_while(|u| **u < t + 60_000).count();
                assert!(in_window as i64 <= n, "{n}/min burst {burst}: {in_window}");
            }
            // And the budget is used: a burst is paid for by a sustained rate of n - burst.
            let last = *times.last().unwrap();
            let per_minute = (times.len() as i64 - burst) as f64 * 60_000.0 / last as f64;
            assert!(
                per_minute >= 0.99 * (n - burst) as f64,
                "{n}/min burst {burst}: {per_minute}"
            );
        }
    }
}
