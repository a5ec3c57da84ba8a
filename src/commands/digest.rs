//! `digest [team]`: a preview of a team's digest as it stands, visible only to the caller.

use chrono_tz::Tz;

use super::execute::{CommandError, Invocation, Outcome, Services, resolve_team};
use crate::domain::TeamName;
use crate::message::{Block, Visibility};
use crate::reporting::{digest, render};

pub async fn preview(s: &Services<'_>, inv: &Invocation, team: Option<TeamName>) -> Outcome {
    let team = match &team {
        Some(name) => resolve_team(s, inv, name).await?,
        None => {
            let here = match &inv.channel {
                Some(ch) => s.store.team_by_channel(inv.ws(), &ch.id).await?,
                None => None,
            };
            match here {
                Some(t) => t,
                None => {
                    let mut mine = s.store.teams_of(inv.ws(), inv.caller.id).await?;
                    if mine.len() != 1 {
                        return Err(CommandError::TeamNeeded {
                            hint: "Name the team whose digest you want to see.".into(),
                            example: "digest Platform".into(),
                        });
                    }
                    mine.remove(0)
                }
            }
        }
    };
    let cycle = s.store.open_cycle_of_team(inv.ws(), team.id).await?;
    let built = digest::build(s.store, inv.ws(), &team, cycle.as_ref(), inv.now, true).await?;
    let tz: Tz = inv
        .caller
        .tz
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(Tz::UTC);
    let mut message = render::summary(&built, tz);
    message.blocks.push(Block::Divider);
    message.blocks.extend(render::thread(&built).blocks);
    message.visibility = Visibility::Private;
    Ok(message)
}
