//! Platform events already handled, so that retries and redeliveries have one effect.

use super::{Result, Store};

/// What a platform's delivery of an event found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Ours to handle: first seen, or an earlier attempt failed or its handler died.
    Claimed,
    /// Handled already, or being handled right now by a live claim.
    Duplicate,
}

impl Store {
    /// Remember a platform event id for good; `false` when it was seen before (a retry).
    /// For things whose effect is this row itself (an OAuth state, a greeting sent once).
    pub async fn first_delivery(&self, platform: &str, event_id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO processed_events (platform, event_id, received_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform, event_id) DO NOTHING",
        )
        .bind(platform)
        .bind(event_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Claim an event for handling for `lease_secs`: the caller then either
    /// [finishes](Store::finish_delivery) it once its effect is recorded, or
    /// [releases](Store::release_delivery) it on failure so that the platform's redelivery is
    /// handled again. A claim whose holder died expires and can be taken over.
    pub async fn claim_delivery(
        &self,
        platform: &str,
        event_id: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Delivery> {
        let done = sqlx::query(
            "INSERT INTO processed_events (platform, event_id, received_at, state, lease_until)
             VALUES ($1, $2, $3, 'processing', $4)
             ON CONFLICT (platform, event_id) DO UPDATE
                 SET state = 'processing', lease_until = excluded.lease_until
                 WHERE processed_events.state = 'processing' AND processed_events.lease_until < $3",
        )
        .bind(platform)
        .bind(event_id)
        .bind(now)
        .bind(now + lease_secs)
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
            Delivery::Claimed
        } else {
            Delivery::Duplicate
        })
    }

    /// The event's effect is recorded: later deliveries are duplicates.
    pub async fn finish_delivery(&self, platform: &str, event_id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE processed_events SET state = 'done', lease_until = NULL
             WHERE platform = $1 AND event_id = $2",
        )
        .bind(platform)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Handling failed with nothing recorded: forget the claim, so a redelivery is handled.
    pub async fn release_delivery(&self, platform: &str, event_id: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM processed_events WHERE platform = $1 AND event_id = $2 AND state = 'processing'",
        )
        .bind(platform)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Delete up to `batch` event ids received before `before` that are handled, or whose claim
    /// ran out long ago (a replica died handling it and no redelivery came).
    pub async fn prune_events(&self, before: i64, batch: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM processed_events WHERE (platform, event_id) IN (
                 SELECT platform, event_id FROM processed_events
                 WHERE received_at < $1 AND (state = 'done' OR lease_until < $1)
                 ORDER BY received_at LIMIT $2)",
        )
        .bind(before)
        .bind(batch)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
