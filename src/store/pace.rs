//! The shared half of outbound pacing (see `crate::pace`): one row per tenant and rate bucket,
//! moved forward atomically, so that replicas sending for one workspace share its budget.

use super::{Backend, Result, Store};

impl Store {
    /// Reserve the next send of `bucket` in `scope`: the bucket's theoretical arrival time moves
    /// to `max(tat, now) + interval`, in one statement. Returns the new value (milliseconds).
    pub async fn reserve_send(
        &self,
        scope: &str,
        bucket: &str,
        now_ms: i64,
        interval_ms: i64,
    ) -> Result<i64> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "INSERT INTO send_pace (scope, bucket, tat_ms) VALUES ($1, $2, $3 + $4)
                 ON CONFLICT (scope, bucket)
                 DO UPDATE SET tat_ms = max(send_pace.tat_ms, $3) + $4
                 RETURNING tat_ms"
            }
            Backend::Postgres => {
                "INSERT INTO send_pace (scope, bucket, tat_ms) VALUES ($1, $2, $3 + $4)
                 ON CONFLICT (scope, bucket)
                 DO UPDATE SET tat_ms = GREATEST(send_pace.tat_ms, $3) + $4
                 RETURNING tat_ms"
            }
        };
        let (tat,): (i64,) = sqlx::query_as(sql)
            .bind(scope)
            .bind(bucket)
            .bind(now_ms)
            .bind(interval_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok(tat)
    }

    /// Nobody sends from `bucket` in `scope` before the theoretical arrival time `tat_ms`
    /// (a platform's Retry-After); a later time already there is kept.
    pub async fn hold_sends(&self, scope: &str, bucket: &str, tat_ms: i64) -> Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "INSERT INTO send_pace (scope, bucket, tat_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, bucket)
                 DO UPDATE SET tat_ms = max(send_pace.tat_ms, $3)"
            }
            Backend::Postgres => {
                "INSERT INTO send_pace (scope, bucket, tat_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, bucket)
                 DO UPDATE SET tat_ms = GREATEST(send_pace.tat_ms, $3)"
            }
        };
        sqlx::query(sql)
            .bind(scope)
            .bind(bucket)
            .bind(tat_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
