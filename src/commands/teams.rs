//! The team commands: team add/join/leave/show, teams.

use super::execute::{
    CommandError, Invocation, Outcome, Services, actor, resolve_person, resolve_team,
};
use super::render::next_steps;
use crate::domain::permissions::Denied;
use crate::domain::{ChannelRef, Status, TeamName, UserRef};
use crate::message::{Block, Message, Rich};
use crate::store::{PriorityQuery, TeamRow};

pub async fn add(
    s: &Services<'_>,
    inv: &Invocation,
    name: TeamName,
    channel: Option<ChannelRef>,
    lead: Option<UserRef>,
    parent: Option<TeamName>,
) -> Outcome {
    let ws = inv.ws();
    if let Some(existing) = s.store.team_by_name(ws, &name.key()).await? {
        return Err(CommandError::TeamExists(existing.name));
    }
    let lead = match &lead {
        Some(u) => resolve_person(s, inv, u).await?,
        None => inv.caller.clone(),
    };
    let parent = match &parent {
        Some(p) => {
            let team = resolve_team(s, inv, p).await?;
            let who = actor(s, inv).await?;
            if !who.may_manage_team(team.id) {
                return Err(CommandError::Denied(Denied::NotTeamLead {
                    team: team.name,
                    what: "child teams",
                }));
            }
            Some(team)
        }
        None => None,
    };
    let (channel_id, channel_name) = digest_channel(s, inv, &name, channel.as_ref()).await?;
    let created = s
        .store
        .create_team(
            ws,
            crate::store::NewTeamArgs {
                name: name.as_str(),
                name_key: &name.key(),
                channel_id: channel_id.as_deref(),
                channel_name: channel_name.as_deref(),
                parent_team_id: parent.as_ref().map(|p| p.id),
                lead_person_id: lead.id,
                created_by: inv.caller.id,
            },
            inv.ts(),
        )
        .await;
    let team = match created {
        Ok(t) => t,
        // Two people creating the same team at once: the second learns it exists.
        Err(e) if e.is_unique_violation() => {
            return Err(CommandError::TeamExists(name.to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(created_reply(inv, &team, &lead, parent.as_ref()))
}

/// The channel (id and name) a new team's digests go to, checked to be one pacer can post in.
async fn digest_channel(
    s: &Services<'_>,
    inv: &Invocation,
    name: &TeamName,
    channel: Option<&ChannelRef>,
) -> Result<(Option<String>, Option<String>), CommandError> {
    // Without a #channel the team's digests go to the channel the command came from.
    let (channel_id, channel_name) = match (channel, &inv.channel) {
        // `#name` typed in that very channel: the channel we are in.
        (Some(c), Some(here)) if c.id.is_none() && c.name.is_some() && c.name == here.name => {
            (Some(here.id.clone()), here.name.clone())
        }
        (Some(c), _) => (c.id.clone().or_else(|| c.name.clone()), c.name.clone()),
        (None, Some(here)) => (Some(here.id.clone()), here.name.clone()),
        (None, None) => (None, None),
    };
    // A channel named in the command (not the one we are in) must be one pacer can post in:
    // on Teams, one it holds a conversation reference for in this tenant.
    let elsewhere = inv.channel.as_ref().map(|h| &h.id) != channel_id.as_ref();
    if channel.is_some()
        && elsewhere
        && let Some(id) = &channel_id
        && !s.directory.can_post_in(id).await
    {
        return Err(CommandError::Invalid {
            problem: "pacer is not in that channel, so it cannot post the team's digests there"
                .into(),
            example: format!("team add {} (typed in the team's channel)", name.as_str()),
        });
    }
    Ok((channel_id, channel_name))
}

/// What the creator of a team is told, with the next steps for filling it.
fn created_reply(
    inv: &Invocation,
    team: &TeamRow,
    lead: &crate::store::PersonRow,
    parent: Option<&TeamRow>,
) -> Message {
    let mut line = Rich::new()
        .text("Created team ")
        .bold(&team.name)
        .text(", led by ")
        .user(&lead.user_id, &lead.display_name);
    if team.channel_id.is_some() {
        line = line
            .text(", digests in ")
            .channel(team.channel_id.clone(), team.channel_name.clone());
    }
    if let Some(p) = &parent {
        line = line.text(format!(", part of {}", p.name));
    }
    let arg = quoted(&team.name);
    Message::private(vec![
        Block::Text(line.text(".")),
        next_steps(
            inv.prefix,
            &[
                &format!("team join {arg} @…"),
                &format!("add <title> team:{arg}"),
                &format!("team show {arg}"),
            ],
        ),
    ])
}

fn quoted(name: &str) -> String {
    if name.contains(' ') {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

async fn people_or_me(
    s: &Services<'_>,
    inv: &Invocation,
    people: &[UserRef],
) -> Result<Vec<crate::store::PersonRow>, CommandError> {
    if people.is_empty() {
        return Ok(vec![inv.caller.clone()]);
    }
    let mut out = Vec::new();
    for u in people {
        let p = resolve_person(s, inv, u).await?;
        if !out.iter().any(|o: &crate::store::PersonRow| o.id == p.id) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Anyone may join or leave by themself; adding or removing others is for leads and admins.
async fn check_membership_change(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
    people: &[crate::store::PersonRow],
) -> Result<(), CommandError> {
    if people.iter().all(|p| p.id == inv.caller.id) {
        return Ok(());
    }
    if actor(s, inv).await?.may_manage_team(team.id) {
        Ok(())
    } else {
        Err(CommandError::Denied(Denied::NotTeamLead {
            team: team.name.clone(),
            what: "members",
        }))
    }
}

fn names(people: &[&crate::store::PersonRow]) -> Rich {
    let mut r = Rich::new();
    for (i, p) in people.iter().enumerate() {
        if i > 0 {
            r = r.text(if i + 1 == people.len() { " and " } else { ", " });
        }
        r = r.user(&p.user_id, &p.display_name);
    }
    r
}

pub async fn join(
    s: &Services<'_>,
    inv: &Invocation,
    name: TeamName,
    people: Vec<UserRef>,
) -> Outcome {
    let team = resolve_team(s, inv, &name).await?;
    let people = people_or_me(s, inv, &people).await?;
    check_membership_change(s, inv, &team, &people).await?;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let added = s
        .store
        .add_members(inv.ws(), team.id, &ids, inv.ts())
        .await?;
    let (new, already): (Vec<_>, Vec<_>) = people.iter().partition(|p| added.contains(&p.id));
    let mut blocks = Vec::new();
    if !new.is_empty() {
        blocks.push(Block::Text(
            names(&new).text(format!(" joined {}.", team.name)),
        ));
    }
    if !already.is_empty() {
        blocks.push(Block::Text(names(&already).text(format!(
            " {} already in {}; nothing changed.",
            if already.len() == 1 { "was" } else { "were" },
            team.name,
        ))));
    }
    blocks.push(next_steps(
        inv.prefix,
        &[&format!("team show {}", quoted(&team.name))],
    ));
    Ok(Message::private(blocks))
}

pub async fn leave(
    s: &Services<'_>,
    inv: &Invocation,
    name: TeamName,
    people: Vec<UserRef>,
) -> Outcome {
    let team = resolve_team(s, inv, &name).await?;
    let people = people_or_me(s, inv, &people).await?;
    check_membership_change(s, inv, &team, &people).await?;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let removed = s.store.remove_members(inv.ws(), team.id, &ids).await?;
    let (gone, absent): (Vec<_>, Vec<_>) = people.iter().partition(|p| removed.contains(&p.id));
    let mut blocks = Vec::new();
    if !gone.is_empty() {
        blocks.push(Block::Text(
            names(&gone).text(format!(" left {}.", team.name)),
        ));
    }
    if !absent.is_empty() {
        blocks.push(Block::Text(names(&absent).text(format!(
            " {} not in {}; nothing changed.",
            if absent.len() == 1 { "was" } else { "were" },
            team.name
        ))));
    }
    let members = s.store.members(inv.ws(), team.id).await?;
    if !gone.is_empty() && !members.iter().any(|m| m.role == "lead") {
        blocks.push(Block::Context(Rich::new().text(format!(
            "{} has no lead now; an admin can still manage it.",
            team.name
        ))));
    }
    blocks.push(next_steps(
        inv.prefix,
        &[&format!("team show {}", quoted(&team.name))],
    ));
    Ok(Message::private(blocks))
}

pub async fn show(s: &Services<'_>, inv: &Invocation, name: TeamName) -> Outcome {
    let ws = inv.ws();
    let team = resolve_team(s, inv, &name).await?;
    let members = s.store.members(ws, team.id).await?;
    let children = s.store.child_teams(ws, team.id).await?;
    let priorities = s
        .store
        .priorities(
            ws,
            &PriorityQuery {
                teams: Some(vec![team.id]),
                ..Default::default()
            },
        )
        .await?;
    let mut blocks = vec![Block::Header(format!("Team {}", team.name))];
    blocks.push(team_fields(&team, &members, &children, &priorities));
    let today = inv.today();
    if !priorities.is_empty() {
        let lines = priorities
            .iter()
            .map(|p| super::render::priority_line(p, today))
            .collect();
        blocks.extend(super::render::chunked_lines(lines, 30));
    }
    let arg = quoted(&team.name);
    blocks.push(next_steps(
        inv.prefix,
        &[
            &format!("list team:{arg}"),
            &format!("team join {arg}"),
            &format!("add <title> team:{arg}"),
        ],
    ));
    Ok(Message::private(blocks))
}

/// The facts about a team shown side by side: leads, members, channel, place in the tree and
/// its priorities by status.
fn team_fields(
    team: &TeamRow,
    members: &[crate::store::MemberRow],
    children: &[TeamRow],
    priorities: &[crate::domain::Priority],
) -> Block {
    let mut leads = Rich::new();
    let mut plain = Rich::new();
    for m in members {
        let target = if m.role == "lead" {
            &mut leads
        } else {
            &mut plain
        };
        if !target.is_empty() {
            *target = std::mem::take(target).text(", ");
        }
        *target = std::mem::take(target).user(&m.user_id, &m.display_name);
    }
    let none = || Rich::new().text("none");
    Block::Fields(vec![
        Rich::new()
            .bold("Leads")
            .line_break()
            .append(if leads.is_empty() { none() } else { leads }),
        Rich::new()
            .bold("Members")
            .line_break()
            .append(if plain.is_empty() { none() } else { plain }),
        Rich::new()
            .bold("Channel")
            .line_break()
            .append(match &team.channel_id {
                Some(_) => Rich::new().channel(team.channel_id.clone(), team.channel_name.clone()),
                None => none(),
            }),
        Rich::new().bold("Part of").line_break().text(
            team.parent_name
                .clone()
                .unwrap_or_else(|| "none (top level)".into()),
        ),
        Rich::new()
            .bold("Sub-teams")
            .line_break()
            .text(if children.is_empty() {
                "none".to_string()
            } else {
                children
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        Rich::new()
            .bold("Active priorities")
            .line_break()
            .append(status_counts(priorities)),
    ])
}

fn status_counts(priorities: &[crate::domain::Priority]) -> Rich {
    if priorities.is_empty() {
        return Rich::new().text("none");
    }
    let mut r = Rich::new().text(format!("{}: ", priorities.len()));
    let mut first = true;
    for st in [Status::OnTrack, Status::AtRisk, Status::OffTrack] {
        let n = priorities.iter().filter(|p| p.status == st).count();
        if n > 0 {
            if !first {
                r = r.text(", ");
            }
            r = r.text(format!("{n} ")).status(st);
            first = false;
        }
    }
    r
}

pub async fn list(s: &Services<'_>, inv: &Invocation) -> Outcome {
    let ws = inv.ws();
    let teams = s.store.teams(ws).await?;
    if teams.is_empty() {
        return Ok(Message::private(vec![
            Block::Text(Rich::new().text("There are no teams yet.")),
            next_steps(inv.prefix, &["team add Platform #platform lead:@…"]),
        ]));
    }
    let active = s.store.priorities(ws, &PriorityQuery::default()).await?;
    // Top-level teams first, each followed by its sub-teams, indented.
    let mut lines = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let roots: Vec<&TeamRow> = teams
        .iter()
        .filter(|t| {
            t.parent_team_id
                .is_none_or(|p| !teams.iter().any(|x| x.id == p))
        })
        .collect();
    let mut stack: Vec<(&TeamRow, usize)> = roots.into_iter().rev().map(|t| (t, 0)).collect();
    while let Some((team, depth)) = stack.pop() {
        if !seen.insert(team.id) {
            continue;
        }
        let members = s.store.members(ws, team.id).await?;
        let own: Vec<_> = active
            .iter()
            .filter(|p| p.team_id == team.id)
            .cloned()
            .collect();
        let mut line = Rich::new().text("    ".repeat(depth)).bold(&team.name);
        if team.channel_id.is_some() {
            line = line
                .text(" · ")
                .channel(team.channel_id.clone(), team.channel_name.clone());
        }
        if let Some(lead) = members.iter().find(|m| m.role == "lead") {
            line = line
                .text(" · lead ")
                .user(&lead.user_id, &lead.display_name);
        }
        line = line
            .text(format!(
                " · {} {} · ",
                members.len(),
                if members.len() == 1 {
                    "person"
                } else {
                    "people"
                }
            ))
            .append(status_counts(&own));
        lines.push(line);
        for child in teams
            .iter()
            .filter(|t| t.parent_team_id == Some(team.id))
            .rev()
        {
            stack.push((child, depth + 1));
        }
    }
    // Teams caught in a parent loop are still listed.
    for team in teams.iter().filter(|t| !seen.contains(&t.id)) {
        lines.push(Rich::new().bold(&team.name));
    }
    let mut blocks = vec![Block::Header(format!("Teams ({})", teams.len()))];
    blocks.extend(super::render::chunked_lines(lines, 40));
    blocks.push(next_steps(
        inv.prefix,
        &["team show <name>", "team add <name> #channel"],
    ));
    Ok(Message::private(blocks))
}
