use super::{Result, Store};

impl Store {
    /// Remember a platform event id; `false` when it was seen before (a retry).
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
}
