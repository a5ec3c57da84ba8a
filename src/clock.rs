//! Time is injected: everything that asks "what time is it" asks a [`Clock`], so tests can run
//! a quarter of weekly cycles in milliseconds and pin signature windows to published vectors.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Move time forward to `at`, if this clock can (the sandbox's "run the rhythm now").
    /// The wall clock cannot; it says so.
    fn jump_to(&self, _at: DateTime<Utc>) -> bool {
        false
    }
}

/// The wall clock plus an offset that only grows: time that can be fast-forwarded, as the
/// sandbox does to fire the next check-in or digest at once.
#[derive(Debug, Clone, Default)]
pub struct OffsetClock(Arc<Mutex<Duration>>);

impl OffsetClock {
    /// A clock that reads `at` now and runs on from there with the wall clock.
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        OffsetClock(Arc::new(Mutex::new(at - Utc::now())))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn jump_to(&self, at: DateTime<Utc>) -> bool {
        let mut offset = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let wanted = at - Utc::now();
        if wanted > *offset {
            *offset = wanted;
        }
        true
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn jump_to(&self, at: DateTime<Utc>) -> bool {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if at > *now {
            *now = at;
        }
        true
    }
}

pub type SharedClock = Arc<dyn Clock>;
