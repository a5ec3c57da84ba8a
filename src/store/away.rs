//! Away periods (`away <from> <to> [acting:@x]`, `away off`) and the notices that tell an
//! acting person they act for someone, or no longer do. Each notice is a job queued in the
//! same transaction as the change, so it is sent exactly once, and only for a real change.

use super::{JobPayload, Result, Store, jobs};

/// A person's away period as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AwayPeriod {
    pub id: i64,
    pub person_id: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub acting_person_id: Option<i64>,
    pub created_at: i64,
}

const AWAY_COLUMNS: &str = "id, person_id, starts_on, ends_on, acting_person_id, created_at";

/// The key of the notice telling `acting` about the period `id` set at `created_at`: unique
/// even where SQLite hands a deleted period's id to the next one.
fn notice_key(kind: &str, id: i64, created_at: i64, acting: i64) -> String {
    format!("{kind}:{id}:{created_at}:{acting}")
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl Store {
    /// Replace a person's away period with `from`..`to` (dates, both included), with someone
    /// acting for them or not. The acting person is told (and one who is replaced or dropped is
    /// told they no longer act); setting the same period again changes and tells nothing.
    pub async fn set_away(
        &self,
        ws: i64,
        person_id: i64,
        (from, to): (&str, &str),
        acting: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let previous = current(&mut tx, ws, person_id).await?;
        if previous.as_ref().is_some_and(|p| {
            (p.starts_on.as_str(), p.ends_on.as_str(), p.acting_person_id) == (from, to, acting)
        }) {
            tx.commit().await?;
            return Ok(());
        }
        delete(&mut tx, ws, person_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO away_periods (workspace_id, person_id, starts_on, ends_on, created_at, acting_person_id)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(ws)
        .bind(person_id)
        .bind(from)
        .bind(to)
        .bind(now)
        .bind(acting)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(old) = &previous
            && old.acting_person_id.is_some()
            && old.acting_person_id != acting
        {
            no_longer_acting(&mut tx, ws, old, now).await?;
        }
        if let Some(acting_id) = acting {
            let payload = JobPayload::Acting {
                away_id: id,
                owner_id: person_id,
                person_id: acting_id,
                starts_on: from.to_string(),
                ends_on: to.to_string(),
                ended: false,
            };
            let key = notice_key("acting", id, now, acting_id);
            jobs::insert_job(&mut tx, ws, &key, &payload, now, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// End a person's away period (`away off`): `true` if there was one. Whoever acted for
    /// them is told they no longer do.
    pub async fn clear_away(&self, ws: i64, person_id: i64, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let previous = current(&mut tx, ws, person_id).await?;
        delete(&mut tx, ws, person_id).await?;
        if let Some(old) = &previous
            && old.acting_person_id.is_some()
        {
            no_longer_acting(&mut tx, ws, old, now).await?;
        }
        tx.commit().await?;
        Ok(previous.is_some())
    }

    /// The away period `id` of this workspace, if it still stands.
    pub async fn away_period(&self, ws: i64, id: i64) -> Result<Option<AwayPeriod>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AWAY_COLUMNS} FROM away_periods WHERE workspace_id = $1 AND id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }
}

async fn current(tx: &mut Tx<'_>, ws: i64, person_id: i64) -> Result<Option<AwayPeriod>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {AWAY_COLUMNS} FROM away_periods WHERE workspace_id = $1 AND person_id = $2
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(ws)
    .bind(person_id)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn delete(tx: &mut Tx<'_>, ws: i64, person_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM away_periods WHERE workspace_id = $1 AND person_id = $2")
        .bind(ws)
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Tell the person who acted in `old` that they no longer do: only when they were told they
/// did (their notice went out, or may have), and only while the period had not ended anyway.
async fn no_longer_acting(tx: &mut Tx<'_>, ws: i64, old: &AwayPeriod, now: i64) -> Result<()> {
    let Some(acting_id) = old.acting_person_id else {
        return Ok(());
    };
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default();
    if old.ends_on < today {
        return Ok(());
    }
    let told: Option<String> =
        sqlx::query_scalar("SELECT state FROM jobs WHERE workspace_id = $1 AND key = $2")
            .bind(ws)
            .bind(notice_key("acting", old.id, old.created_at, acting_id))
            .fetch_optional(&mut **tx)
            .await?;
    if !matches!(told.as_deref(), Some("done" | "running")) {
        return Ok(());
    }
    let payload = JobPayload::Acting {
        away_id: old.id,
        owner_id: old.person_id,
        person_id: acting_id,
        starts_on: old.starts_on.clone(),
        ends_on: old.ends_on.clone(),
        ended: true,
    };
    let key = notice_key("acting-end", old.id, old.created_at, acting_id);
    jobs::insert_job(tx, ws, &key, &payload, now, now).await?;
    Ok(())
}
