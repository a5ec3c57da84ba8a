//! `follow <team>`, `unfollow <team>` and `follow`: anyone in the workspace may follow a team's
//! digest; a follower who is not in the team gets each posted digest as a direct message (see
//! `rhythm::deliver`). Team names resolve only in the caller's workspace.

use super::execute::{Invocation, Outcome, Services, resolve_team};
use super::render::next_steps;
use super::rhythm::quoted;
use crate::domain::TeamName;
use crate::message::{Block, Message, Rich};

pub async fn follow(s: &Services<'_>, inv: &Invocation, team: Option<TeamName>) -> Outcome {
    let Some(team) = team else {
        return list(s, inv).await;
    };
    let team = resolve_team(s, inv, &team).await?;
    let arg = quoted(&team.name);
    let added = s
        .store
        .follow_digest(inv.ws(), team.id, inv.caller.id, inv.ts())
        .await?;
    if !added {
        return Ok(Message::private(vec![
            Block::Text(Rich::new().text(format!(
                "You already follow {}'s digest; nothing changed.",
                team.name
            ))),
            next_steps(inv.prefix, &["follow", &format!("unfollow {arg}")]),
        ]));
    }
    let text = if s.store.in_team(inv.ws(), team.id, inv.caller.id).await? {
        format!(
            "You now follow {}'s digest. You are in the team (a member, a lead or the owner of one of its priorities), so you see it in its channel and get no direct message of it while you are.",
            team.name
        )
    } else {
        format!(
            "You now follow {}'s digest: each one posted comes to you as a direct message.",
            team.name
        )
    };
    Ok(Message::private(vec![
        Block::Text(Rich::new().text(text)),
        next_steps(inv.prefix, &["follow", &format!("unfollow {arg}")]),
    ]))
}

pub async fn unfollow(s: &Services<'_>, inv: &Invocation, team: TeamName) -> Outcome {
    let team = resolve_team(s, inv, &team).await?;
    let removed = s
        .store
        .unfollow_digest(inv.ws(), team.id, inv.caller.id)
        .await?;
    let (text, next) = if removed {
        (
            format!("You no longer follow {}'s digest.", team.name),
            format!("follow {}", quoted(&team.name)),
        )
    } else {
        (
            format!("You do not follow {}'s digest; nothing changed.", team.name),
            "follow".to_string(),
        )
    };
    Ok(Message::private(vec![
        Block::Text(Rich::new().text(text)),
        next_steps(inv.prefix, &[&next]),
    ]))
}

/// `follow` alone: the teams whose digest the caller follows.
async fn list(s: &Services<'_>, inv: &Invocation) -> Outcome {
    let teams = s.store.followed_teams(inv.ws(), inv.caller.id).await?;
    if teams.is_empty() {
        return Ok(Message::private(vec![
            Block::Text(Rich::new().text(
                "You follow no team's digest. Following one sends you each digest it posts as a direct message.",
            )),
            next_steps(inv.prefix, &["follow <team>", "teams"]),
        ]));
    }
    Ok(Message::private(vec![
        Block::Text(Rich::new().text(format!("You follow the digests of {}.", teams.join(", ")))),
        next_steps(inv.prefix, &[&format!("unfollow {}", quoted(&teams[0]))]),
    ]))
}
