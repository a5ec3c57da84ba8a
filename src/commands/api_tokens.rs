//! `token add|list|revoke`: the bearer tokens that read this workspace through the API.
//! Admins only; a new token is shown once, privately, and only its hash is kept.

use chrono::DateTime;

use super::execute::{CommandError, Invocation, Outcome, Services, actor};
use super::parse::TokenAction;
use super::render;
use crate::domain::api_token;
use crate::domain::permissions::Denied;
use crate::message::{Block, Message, Rich};
use crate::store::NewApiToken;

pub async fn run(s: &Services<'_>, inv: &Invocation, action: TokenAction) -> Outcome {
    if !actor(s, inv).await?.may_manage_integrations() {
        return Err(Denied::AdminOnly {
            what: "manage API tokens",
        }
        .into());
    }
    match action {
        TokenAction::Add(label) => add(s, inv, &label).await,
        TokenAction::List => list(s, inv).await,
        TokenAction::Revoke(label) => revoke(s, inv, &label).await,
    }
}

async fn add(s: &Services<'_>, inv: &Invocation, label: &str) -> Outcome {
    let token = api_token::mint();
    let new = NewApiToken {
        label,
        token_hash: &api_token::hash(&token),
        hint: &api_token::hint(&token),
        created_by: inv.caller.id,
    };
    if !s.store.create_api_token(inv.ws(), new, inv.ts()).await? {
        return Err(CommandError::Invalid {
            problem: format!(
                "a token called \"{label}\" exists already; revoke it first or pick another label"
            ),
            example: "token list".into(),
        });
    }
    tracing::info!(workspace = inv.ws(), label, "API token created");
    Ok(Message::confidential(vec![
        Block::Text(
            Rich::new()
                .text(format!("Token \"{label}\" reads this workspace through pacer's API:"))
                .line_break()
                .code(token),
        ),
        Block::Context(Rich::new().text(
            "This is the only time it is shown: keep it in your tool's secret store. Send it as `Authorization: Bearer <token>`; anyone who has it can read every team and priority here, nothing can be written with it.",
        )),
        render::next_steps(inv.prefix, &["token list", &format!("token revoke {label}")]),
    ]))
}

async fn list(s: &Services<'_>, inv: &Invocation) -> Outcome {
    let tokens = s.store.api_tokens(inv.ws()).await?;
    let mut blocks = vec![Block::Header("API tokens".into())];
    if tokens.is_empty() {
        blocks.push(Block::Text(Rich::new().text("No live tokens.")));
    }
    let day = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    for t in &tokens {
        let used = t
            .last_used_at
            .map(|at| format!("last used {}", day(at)))
            .unwrap_or_else(|| "never used".into());
        blocks.push(Block::Text(
            Rich::new()
                .bold(t.label.clone())
                .text(" ")
                .code(format!("{}…", t.hint))
                .text(format!(
                    " by {} on {}, {used}",
                    t.created_by_name,
                    day(t.created_at)
                )),
        ));
    }
    blocks.push(render::next_steps(
        inv.prefix,
        &["token add \"Finance BI\"", "token revoke Finance BI"],
    ));
    Ok(Message::private(blocks))
}

async fn revoke(s: &Services<'_>, inv: &Invocation, label: &str) -> Outcome {
    if !s
        .store
        .revoke_api_token(inv.ws(), label, inv.caller.id, inv.ts())
        .await?
    {
        return Err(CommandError::Invalid {
            problem: format!("there is no live token called \"{label}\""),
            example: "token list".into(),
        });
    }
    tracing::info!(workspace = inv.ws(), label, "API token revoked");
    Ok(Message::private(vec![Block::Text(Rich::new().text(
        format!("Revoked \"{label}\": requests that present it are refused from now on."),
    ))]))
}
