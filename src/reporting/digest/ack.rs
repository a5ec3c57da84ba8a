//! Leads acknowledge a posted digest. *Seen* records who looked and when, once per person;
//! *Discuss* does the same and puts the digest's worst items (the top of "Needs attention") on
//! the parent team's agenda as raised items, which the parent's leads own until they decide.
//! Who may click is the domain's rule ([`Actor::may_acknowledge_digest`]); a forged or
//! foreign cycle id, or a cycle whose digest was never posted, is refused. The digest is then
//! drawn again as it stands, to show in place of the one clicked, and the parent's posted
//! roll-up that lists it is refreshed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Digest;
use crate::domain::PriorityNumber;
use crate::domain::permissions::{Actor, Denied};
use crate::message::Message;
use crate::messenger::{Messenger, Sent};
use crate::store::{CycleRow, NewRaise, PersonRow, Store, StoreError, TeamRow};

/// Action ids of a digest's buttons; their value is the cycle's id.
pub const ACTION_PREFIX: &str = "digest:";
pub const ACTION_SEEN: &str = "digest:seen";
pub const ACTION_DISCUSS: &str = "digest:discuss";

/// How many of the digest's worst items *Discuss* puts on the parent team's agenda.
pub const DISCUSS_ITEMS: usize = 3;

/// Why raised items put there by *Discuss* were raised (`raised_items.why`).
pub const RAISED_WHY: &str = "digest";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    Seen,
    Discuss,
}

/// A digest button's action and value as what it asks and for which cycle; `None` when it is
/// forged or not one of pacer's.
pub fn parse(action: &str, value: &str) -> Option<(AckKind, i64)> {
    let kind = match action {
        ACTION_SEEN => AckKind::Seen,
        ACTION_DISCUSS => AckKind::Discuss,
        _ => return None,
    };
    let cycle_id: i64 = value.trim().parse().ok().filter(|n| *n > 0)?;
    Some((kind, cycle_id))
}

#[derive(Debug, thiserror::Error)]
pub enum AckError {
    #[error("that button is not one of pacer's digests")]
    Foreign,
    #[error("this digest could not be found in this workspace")]
    NotFound,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("{0} has no parent team to discuss its digest with; mark it seen instead")]
    NoParent(String),
    #[error(
        "nothing in {team}'s digest of {date} still needs attention, so there is nothing to put on {parent}'s agenda; mark it seen instead"
    )]
    NothingToDiscuss {
        team: String,
        date: String,
        parent: String,
    },
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl AckError {
    /// What to tell the person who clicked: the problem and that nothing changed.
    pub fn refusal(&self) -> String {
        let text = self.to_string();
        let mut c = text.chars();
        let capitalised = c
            .next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default();
        format!("{capitalised}. Nothing was recorded.")
    }
}

/// What a click recorded, and the digest as it stands now.
#[derive(Debug)]
pub struct Acknowledged {
    pub cycle: CycleRow,
    pub team: TeamRow,
    /// Items *Discuss* put on the parent's agenda just now: none for *Seen*, for a digest
    /// discussed before, or for items already raised.
    pub raised: usize,
    /// The posted digest drawn again, with who acknowledged it: to show in place of the one
    /// clicked.
    pub message: Message,
}

/// Record `person`'s *Seen* or *Discuss* on the digest of `cycle_id`, if they may.
pub async fn acknowledge(
    store: &Store,
    ws: i64,
    (actor, person): (&Actor, &PersonRow),
    kind: AckKind,
    cycle_id: i64,
    now: DateTime<Utc>,
) -> Result<Acknowledged, AckError> {
    let (cycle, team) = posted(store, ws, cycle_id)
        .await?
        .ok_or(AckError::NotFound)?;
    if !actor.may_acknowledge_digest(team.id, team.parent_team_id) {
        return Err(Denied::NotDigestReader {
            team: team.name.clone(),
            parent: team
                .parent_name
                .as_ref()
                .map(|p| format!(" or of {p}"))
                .unwrap_or_default(),
        }
        .into());
    }
    let mut built = as_posted(store, ws, &team, &cycle).await?;
    let raised = match kind {
        AckKind::Seen => {
            store
                .record_digest_seen(ws, cycle.id, person.id, now.timestamp())
                .await?;
            0
        }
        AckKind::Discuss => {
            let raises = discussion(store, ws, &team, &built).await?;
            let new: Vec<NewRaise<'_>> = raises
                .items
                .iter()
                .map(|id| NewRaise {
                    priority_id: *id,
                    team_id: raises.parent_id,
                    raised_by: Some(person.id),
                    reason: &raises.reason,
                    why: RAISED_WHY,
                })
                .collect();
            store
                .record_digest_discussed(ws, cycle.id, person.id, &new, now.timestamp())
                .await?
        }
    };
    built.acks = super::acks(store, ws, cycle.id).await?;
    let message = crate::reporting::render::summary(&built, home_zone(store, ws, &team).await?);
    tracing::info!(
        workspace = ws,
        cycle = cycle.id,
        ?kind,
        raised,
        "digest acknowledged"
    );
    Ok(Acknowledged {
        cycle,
        team,
        raised,
        message,
    })
}

/// What *Discuss* raises: the digest's worst items still active in its team, to its parent.
struct Discussion {
    parent_id: i64,
    items: Vec<i64>,
    reason: String,
}

async fn discussion(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    built: &Digest,
) -> Result<Discussion, AckError> {
    let parent = match team.parent_team_id {
        Some(id) => store.team(ws, id).await?,
        None => None,
    }
    .ok_or_else(|| AckError::NoParent(team.name.clone()))?;
    let date = built
        .period_end
        .with_timezone(&home_zone(store, ws, team).await?)
        .format("%-d %b")
        .to_string();
    let mut items = Vec::new();
    // The worst as the digest showed them; one finished or moved since is left out.
    for s in built.needs_attention.iter().take(DISCUSS_ITEMS) {
        if let Some(p) = store.priority(ws, PriorityNumber(s.item.number)).await?
            && p.is_active()
            && p.team_id == team.id
        {
            items.push(p.id);
        }
    }
    if items.is_empty() {
        return Err(AckError::NothingToDiscuss {
            team: team.name.clone(),
            date,
            parent: parent.name,
        });
    }
    Ok(Discussion {
        parent_id: parent.id,
        items,
        reason: format!("Discuss: from {}'s digest of {date}", team.name),
    })
}

/// The cycle and its team, if the cycle is this workspace's and its digest was posted.
async fn posted(
    store: &Store,
    ws: i64,
    cycle_id: i64,
) -> Result<Option<(CycleRow, TeamRow)>, StoreError> {
    if store.digest_post(ws, cycle_id).await?.is_none() {
        return Ok(None);
    }
    let Some(cycle) = store.cycle(ws, cycle_id).await? else {
        return Ok(None);
    };
    Ok(store.team(ws, cycle.team_id).await?.map(|t| (cycle, t)))
}

/// The zone a team's digests are written in.
async fn home_zone(store: &Store, ws: i64, team: &TeamRow) -> Result<Tz, StoreError> {
    Ok(store
        .rhythm(ws, team.id)
        .await?
        .and_then(|r| r.home_zone.parse().ok())
        .unwrap_or(Tz::UTC))
}

/// A closed cycle's digest as it was posted: as things stood at the close, with who has
/// acknowledged it (and its sub-teams' digests) as things stand now.
async fn as_posted(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    cycle: &CycleRow,
) -> Result<Digest, StoreError> {
    let closed_at = DateTime::from_timestamp(cycle.closes_at, 0).unwrap_or_default();
    super::build(store, ws, team, Some(cycle), closed_at, false).await
}

/// The channel message of a posted digest, drawn again as it stands now.
pub async fn posted_message(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    cycle: &CycleRow,
) -> Result<Message, StoreError> {
    let built = as_posted(store, ws, team, cycle).await?;
    Ok(crate::reporting::render::summary(
        &built,
        home_zone(store, ws, team).await?,
    ))
}

/// The parent team's posted roll-up whose "Team digests" lists this cycle's digest (the
/// parent's latest), drawn again as it stands now; `None` when there is none.
pub async fn rollup_listing(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    cycle: &CycleRow,
) -> Result<Option<(Sent, Message)>, StoreError> {
    let Some(parent) = (match team.parent_team_id {
        Some(id) => store.team(ws, id).await?,
        None => None,
    }) else {
        return Ok(None);
    };
    let Some(latest) = store.last_closed_cycle(ws, parent.id, i64::MAX).await? else {
        return Ok(None);
    };
    // The roll-up lists the sub-team's latest digest as of its own close.
    let listed = store
        .last_closed_cycle(ws, team.id, latest.closes_at)
        .await?;
    if listed.map(|c| c.id) != Some(cycle.id) {
        return Ok(None);
    }
    let Some((channel, ts, _)) = store.digest_post(ws, latest.id).await? else {
        return Ok(None);
    };
    let message = posted_message(store, ws, &parent, &latest).await?;
    Ok(Some((Sent { channel, ts }, message)))
}

/// Show an acknowledgement in the parent's roll-up, in place. Best effort: a roll-up that
/// cannot be updated now is right again the next time anything refreshes it.
pub async fn refresh_rollup(
    store: &Store,
    messenger: &dyn Messenger,
    workspace_key: &str,
    ws: i64,
    (team, cycle): (&TeamRow, &CycleRow),
) {
    match rollup_listing(store, ws, team, cycle).await {
        Ok(Some((sent, message))) => {
            if let Err(e) = messenger.update(workspace_key, &sent, &message).await {
                tracing::warn!(error = %e, "could not refresh the parent's roll-up");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not draw the parent's roll-up again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_buttons_parse_and_forgeries_do_not() {
        assert_eq!(parse(ACTION_SEEN, "42"), Some((AckKind::Seen, 42)));
        assert_eq!(parse(ACTION_DISCUSS, " 7 "), Some((AckKind::Discuss, 7)));
        for (action, value) in [
            (ACTION_SEEN, "0"),
            (ACTION_SEEN, "-3"),
            (ACTION_SEEN, "12:5"),
            (ACTION_SEEN, ""),
            ("digest:approve", "42"),
            ("checkin:done", "42"),
        ] {
            assert_eq!(parse(action, value), None, "{action} {value}");
        }
    }

    #[test]
    fn refusals_say_why_and_that_nothing_changed() {
        assert_eq!(
            AckError::NoParent("Growth".into()).refusal(),
            "Growth has no parent team to discuss its digest with; mark it seen instead. Nothing was recorded."
        );
        let denied: AckError = Denied::NotDigestReader {
            team: "Platform".into(),
            parent: " or of Leadership".into(),
        }
        .into();
        assert_eq!(
            denied.refusal(),
            "Only a lead of Platform or of Leadership, or an admin, can mark Platform's digest seen or discuss it. Nothing was recorded."
        );
    }
}
