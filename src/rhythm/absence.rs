//! Absence pacer learns without being told: a person whose Slack status or Teams presence says
//! they are on vacation, on sick leave or out of office is not prompted or reminded while it
//! says so. What the platform said is kept for [`STATUS_TTL_SECS`], so a fan-out to a whole
//! team asks about each person once, and a status with an end is not believed past it.

use crate::messenger::{Availability, Messenger};
use crate::store::{PersonRow, Store, StoreError};

/// How long a status read from the platform is trusted before asking again.
pub const STATUS_TTL_SECS: i64 = 3600;

/// What the person's status says they are, now: `Some(label)` when away. A platform that cannot
/// tell, or does not answer, leaves the person present (a prompt too many beats a silent one).
pub async fn away_by_status(
    store: &Store,
    messenger: &dyn Messenger,
    workspace_key: &str,
    ws: i64,
    person: &PersonRow,
    now: i64,
) -> Result<Option<String>, StoreError> {
    let cached = store.cached_availability(ws, person.id).await?;
    let (label, until) = match cached {
        Some((label, until, at)) if (0..STATUS_TTL_SECS).contains(&(now - at)) => (label, until),
        _ => match messenger.availability(workspace_key, &person.user_id).await {
            Ok(Some(Availability::Away { label, until })) => {
                store
                    .save_availability(ws, person.id, Some(&label), until, now)
                    .await?;
                (Some(label), until)
            }
            Ok(Some(Availability::Present)) => {
                store
                    .save_availability(ws, person.id, None, None, now)
                    .await?;
                (None, None)
            }
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!(error = %e, "could not read a status; taking the person as present");
                return Ok(None);
            }
        },
    };
    Ok(label.filter(|_| until.is_none_or(|u| u > now)))
}
