//! Who acknowledged a posted digest: Seen, or Discuss, which also raises the digest's worst
//! items to the parent team in the same transaction. One row per digest and person, so a
//! second click (or a platform's redelivery of the first) records nothing new.

use super::review::insert_raise;
use super::{NewRaise, Result, Store};

/// One person's acknowledgement of a digest, with the name it is shown with.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DigestAck {
    pub person_id: i64,
    pub user_id: String,
    pub display_name: String,
    pub seen_at: i64,
    /// When they took it to the parent team with Discuss (after or instead of Seen).
    pub discussed_at: Option<i64>,
}

/// How a cycle's digest stands: how many people acknowledged it, and how many discussed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct AckCount {
    pub cycle_id: i64,
    pub seen: i64,
    pub discussed: i64,
}

impl Store {
    /// Who acknowledged a cycle's digest, earliest first.
    pub async fn digest_acks(&self, ws: i64, cycle_id: i64) -> Result<Vec<DigestAck>> {
        Ok(sqlx::query_as(
            "SELECT a.person_id, p.user_id, p.display_name, a.seen_at, a.discussed_at
             FROM digest_acks a JOIN people p ON p.id = a.person_id AND p.workspace_id = a.workspace_id
             WHERE a.workspace_id = $1 AND a.cycle_id = $2
             ORDER BY a.seen_at, a.person_id",
        )
        .bind(ws)
        .bind(cycle_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How the digests of these cycles stand; a cycle nobody acknowledged has no row.
    pub async fn digest_ack_counts(&self, ws: i64, cycle_ids: &[i64]) -> Result<Vec<AckCount>> {
        if cycle_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..cycle_ids.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            "SELECT cycle_id, COUNT(*) AS seen, CAST(COALESCE(SUM(CASE WHEN discussed_at IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) AS discussed
             FROM digest_acks WHERE workspace_id = $1 AND cycle_id IN ({})
             GROUP BY cycle_id ORDER BY cycle_id",
            list.join(", ")
        );
        let mut q = sqlx::query_as(&sql).bind(ws);
        for id in cycle_ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Record that a person saw a digest; `true` the first time, `false` when they already had.
    pub async fn record_digest_seen(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO digest_acks (cycle_id, person_id, workspace_id, seen_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (cycle_id, person_id) DO NOTHING",
        )
        .bind(cycle_id)
        .bind(person_id)
        .bind(ws)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Record that a person discussed a digest and, unless someone already had, raise `raises`
    /// (a priority with an open raised item is left as it is), in one transaction. Returns how
    /// many items were raised: none on a second Discuss, even after decisions closed the first
    /// one's items.
    pub async fn record_digest_discussed(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
        raises: &[NewRaise<'_>],
        now: i64,
    ) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let before: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM digest_acks
             WHERE workspace_id = $1 AND cycle_id = $2 AND discussed_at IS NOT NULL",
        )
        .bind(ws)
        .bind(cycle_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO digest_acks (cycle_id, person_id, workspace_id, seen_at, discussed_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (cycle_id, person_id)
             DO UPDATE SET discussed_at = COALESCE(digest_acks.discussed_at, excluded.discussed_at)",
        )
        .bind(cycle_id)
        .bind(person_id)
        .bind(ws)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut raised = 0;
        if before == 0 {
            for new in raises {
                if insert_raise(&mut *tx, ws, new, now).await? {
                    raised += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(raised)
    }
}
