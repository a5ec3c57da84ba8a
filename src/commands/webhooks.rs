//! `webhook add|list|remove`: admins register URLs that receive pacer's signed events. The
//! URL is checked against the address policy (`crate::webhooks::target`) before anything is
//! stored; the signing secret is shown once, in a reply only the admin sees, and kept sealed.

use chrono::DateTime;

use super::execute::{CommandError, Invocation, Outcome, Services, actor};
use super::render;
use crate::keyring::Keyring;
use crate::message::{Block, Message, Rich};
use crate::store::{AddedHook, HookRef, MAX_HOOKS, StoreError, WebhookRow};
use crate::webhooks::target;

/// What `webhook` needs beside the store: the keyring that seals secrets, and whether the
/// operator allows private receivers (`PACER_WEBHOOK_ALLOW_PRIVATE`).
#[derive(Clone, Copy)]
pub struct WebhookSetup<'a> {
    pub keyring: &'a Keyring,
    pub allow_private: bool,
}

/// Only admins manage webhooks: they send the workspace's data out of it.
async fn require_admin(s: &Services<'_>, inv: &Invocation) -> Result<(), CommandError> {
    if actor(s, inv).await?.is_admin {
        return Ok(());
    }
    Err(CommandError::Invalid {
        problem: "only an admin can manage webhooks: they send this workspace's data out of it"
            .into(),
        example: "help webhook".into(),
    })
}

fn setup<'a>(s: &Services<'a>) -> Result<WebhookSetup<'a>, CommandError> {
    s.webhooks.ok_or(CommandError::NotAvailable("webhook"))
}

fn invalid(problem: String) -> CommandError {
    CommandError::Invalid {
        problem,
        example: "webhook add https://hooks.example.com/pacer".into(),
    }
}

/// `webhook add <url>`: check the URL (form, scheme, and every address its host resolves to),
/// then store it with a fresh secret, sealed; the secret is shown this once.
pub async fn add(s: &Services<'_>, inv: &Invocation, url: String) -> Outcome {
    require_admin(s, inv).await?;
    let setup = setup(s)?;
    let checked = target::check_url(&url, setup.allow_private)
        .map_err(|e| invalid(format!("{e}; no webhook was added")))?;
    target::resolve(&checked, setup.allow_private)
        .await
        .map_err(|e| invalid(format!("{e}; no webhook was added")))?;
    let url = checked.url.to_string();
    let secret = crate::webhooks::new_secret();
    let sealed = setup
        .keyring
        .encrypt(secret.expose())
        .await
        .map_err(|e| CommandError::Store(StoreError::Corrupt(e.to_string())))?;
    let id = match s
        .store
        .add_webhook(inv.ws(), &url, &sealed, inv.caller.id, inv.ts())
        .await?
    {
        AddedHook::Added(id) => id,
        AddedHook::Duplicate(id) => {
            return Err(CommandError::Invalid {
                problem: format!(
                    "{url} is already webhook {id}; remove it first to get a new secret"
                ),
                example: "webhook list".into(),
            });
        }
        AddedHook::TooMany => {
            return Err(CommandError::Invalid {
                problem: format!(
                    "this workspace has {MAX_HOOKS} webhooks already; remove one first"
                ),
                example: "webhook list".into(),
            });
        }
    };
    Ok(Message::confidential(vec![
        Block::Text(
            Rich::new()
                .text(format!("Webhook {id} added: "))
                .text(url)
                .line_break()
                .text("Its signing secret (shown only now; keep it with the receiver): ")
                .code(secret.expose()),
        ),
        Block::Context(Rich::new().text(
            "Each request carries X-Pacer-Signature: v0=HMAC-SHA256(secret, \"v0:\" + X-Pacer-Request-Timestamp + \":\" + body), as Slack signs its own requests.",
        )),
        render::next_steps(inv.prefix, &["webhook list", "help webhook"]),
    ]))
}

/// `webhook list`: the active hooks, when they were added and by whom, and how the latest
/// delivery went. Secrets are never shown again.
pub async fn list(s: &Services<'_>, inv: &Invocation) -> Outcome {
    require_admin(s, inv).await?;
    let hooks = s.store.webhooks(inv.ws()).await?;
    let mut blocks = vec![Block::Header(format!("Webhooks ({})", hooks.len()))];
    if hooks.is_empty() {
        blocks.push(Block::Text(Rich::new().text("No webhooks yet.")));
    }
    for hook in &hooks {
        blocks.push(Block::Text(line(hook)));
    }
    blocks.push(render::next_steps(
        inv.prefix,
        &[
            "webhook add https://hooks.example.com/pacer",
            "webhook remove 1",
        ],
    ));
    Ok(Message::private(blocks))
}

fn line(hook: &WebhookRow) -> Rich {
    let date = |t: i64| {
        DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let last = match (&hook.last_outcome, hook.last_attempt_at) {
        (Some(outcome), Some(at)) => format!("last delivery {}: {outcome}", date(at)),
        _ => "nothing delivered yet".into(),
    };
    Rich::new()
        .bold(format!("{}", hook.id))
        .text(" ")
        .text(hook.url.clone())
        .line_break()
        .text(format!(
            "added {} by {} · {last}",
            date(hook.created_at),
            hook.created_by_name
        ))
}

/// `webhook remove <url or id>`: stop sending to a hook; events queued for it are dropped.
pub async fn remove(s: &Services<'_>, inv: &Invocation, target: String) -> Outcome {
    require_admin(s, inv).await?;
    let which = match target.trim_start_matches('#').parse::<i64>() {
        Ok(id) => HookRef::Id(id),
        Err(_) => HookRef::Url(
            url::Url::parse(&target)
                .map(|u| u.to_string())
                .unwrap_or(target.clone()),
        ),
    };
    let Some(hook) = s.store.remove_webhook(inv.ws(), &which, inv.ts()).await? else {
        return Err(CommandError::Invalid {
            problem: format!(
                "there is no webhook {} here",
                target.chars().take(100).collect::<String>()
            ),
            example: "webhook list".into(),
        });
    };
    Ok(Message::private(vec![
        Block::Text(Rich::new().text(format!(
            "Webhook {} removed: {} gets nothing more, including events not yet sent.",
            hook.id, hook.url
        ))),
        render::next_steps(inv.prefix, &["webhook list"]),
    ]))
}
