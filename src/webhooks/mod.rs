//! Outgoing webhooks: signed JSON events sent to URLs an admin registered.
//!
//! Events are queued as jobs in the transaction that records their fact (`crate::store`), one
//! per active hook, keyed by the hook and an event id derived from the fact, so an event is
//! queued exactly once however often the work around it is retried. The scheduler delivers
//! them (`send`), signed the way Slack signs its own requests, only to addresses the policy in
//! `target` allows. This file builds the events and their envelope and signs bodies.

pub mod send;
pub mod target;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::domain::Priority;
use crate::store::{FlagSnapshot, OutgoingEvent, UpdateInput};

pub use send::{Delivery, Sender};

pub const CHECKIN_RECORDED: &str = "checkin.recorded";
pub const STATUS_CHANGED: &str = "priority.status_changed";
pub const FLAGS_CHANGED: &str = "priority.flags_changed";
pub const DIGEST_POSTED: &str = "digest.posted";

/// How a signing secret is shown: this prefix and 32 random bytes in hex.
pub const SECRET_PREFIX: &str = "whsec_";

/// A fresh signing secret: 32 random bytes, shown once when the hook is added.
pub fn new_secret() -> crate::secret::Secret {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    crate::secret::Secret::new(format!("{SECRET_PREFIX}{}", hex::encode(bytes)))
}

/// `v0=<hex HMAC-SHA256(secret, "v0:<timestamp>:<body>")>`: Slack's request signature, with
/// the hook's secret (its whole text) as the key, so receivers can reuse a Slack verifier.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body.as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// The JSON body of an event as sent: its id, type, workspace, time and data. Built once when
/// the event is queued; retries send these same bytes.
pub fn envelope(event: &OutgoingEvent, (platform, workspace): (&str, &str), now: i64) -> String {
    let occurred_at = DateTime::<Utc>::from_timestamp(now, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "id": event.id,
        "type": event.kind,
        "workspace": {"platform": platform, "id": workspace},
        "occurred_at": occurred_at,
        "data": event.data,
    })
    .to_string()
}

/// A priority as events describe it.
pub fn priority_json(p: &Priority) -> Value {
    json!({
        "number": p.number.0,
        "title": p.title,
        "team": p.team_name,
        "owner": {"user_id": p.owner_user_id, "name": p.owner_name},
    })
}

/// A recorded status update and what events need to tell of it.
pub struct UpdateFact<'a> {
    pub update_id: i64,
    /// The priority as it was before the update.
    pub priority: &'a Priority,
    /// The status stored before the update (read under its lock).
    pub old_status: &'a str,
    pub update: &'a UpdateInput<'a>,
    /// Who recorded it: (user id, name).
    pub by: (&'a str, &'a str),
}

/// The events of one status update: `checkin.recorded` when it answers a cycle, and
/// `priority.status_changed` when its status differs from the stored one.
pub fn update_events(fact: &UpdateFact<'_>) -> Vec<OutgoingEvent> {
    let u = fact.update;
    let by = json!({"user_id": fact.by.0, "name": fact.by.1});
    let mut events = Vec::new();
    if let Some(cycle_id) = u.cycle_id {
        events.push(OutgoingEvent {
            id: format!("evt_checkin_{}", fact.update_id),
            kind: CHECKIN_RECORDED,
            data: json!({
                "update_id": fact.update_id,
                "cycle_id": cycle_id,
                "late": u.late,
                "priority": priority_json(fact.priority),
                "status": u.status.as_str(),
                "progress": u.progress.value(),
                "note": u.note,
                "blocker": u.blocker,
                "by": by,
            }),
        });
    }
    if u.status.as_str() != fact.old_status {
        events.push(OutgoingEvent {
            id: format!("evt_status_{}", fact.update_id),
            kind: STATUS_CHANGED,
            data: json!({
                "update_id": fact.update_id,
                "priority": priority_json(fact.priority),
                "from": fact.old_status,
                "to": u.status.as_str(),
                "progress": u.progress.value(),
                "note": u.note,
                "via": if u.cycle_id.is_some() { "checkin" } else { "update" },
                "by": by,
            }),
        });
    }
    events
}

/// `priority.flags_changed` for one priority at a digest: which flags appeared and went.
pub fn flags_changed(
    cycle_id: i64,
    snap: &FlagSnapshot,
    before: &[String],
    now: &[String],
) -> OutgoingEvent {
    let added: Vec<&String> = now.iter().filter(|f| !before.contains(f)).collect();
    let removed: Vec<&String> = before.iter().filter(|f| !now.contains(f)).collect();
    OutgoingEvent {
        id: format!("evt_flags_{cycle_id}_{}", snap.number),
        kind: FLAGS_CHANGED,
        data: json!({
            "cycle_id": cycle_id,
            "priority": snap.priority,
            "flags": now,
            "added": added,
            "removed": removed,
        }),
    }
}

/// `digest.posted` for a closed cycle's digest, and the flags of its team's priorities (what
/// `priority.flags_changed` is decided from).
pub fn digest_events(
    digest: &crate::reporting::digest::Digest,
    cycle_id: i64,
) -> (OutgoingEvent, Vec<FlagSnapshot>) {
    let event = OutgoingEvent {
        id: format!("evt_digest_{cycle_id}"),
        kind: DIGEST_POSTED,
        data: json!({
            "team": digest.team,
            "cycle_id": cycle_id,
            "period_start": digest.period_start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "period_end": digest.period_end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "counts": digest.counts,
            "participation": digest.participation,
            "drift": digest.drift,
            "needs_attention": digest.needs_attention.iter().map(|s| s.item.number).collect::<Vec<_>>(),
        }),
    };
    let flags = digest
        .priorities
        .iter()
        .map(|line| FlagSnapshot {
            number: line.item.number,
            priority: json!({
                "number": line.item.number,
                "title": line.item.title,
                "team": line.item.team,
                "owner": {"user_id": line.item.owner.user_id, "name": line.item.owner.name},
            }),
            // Lines carry "flag: why"; the flag's name is what is compared and reported.
            flags: line
                .flags
                .iter()
                .map(|f| f.split(':').next().unwrap_or(f).trim().to_string())
                .collect(),
        })
        .collect();
    (event, flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's documented example: the same scheme, so the same signature.
    #[test]
    fn webhook_signatures_follow_slacks_scheme() {
        let secret = "8f742231b10e8888abcd99yyyzzz85a5";
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            signature(secret, 1531420618, body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
        assert_eq!(
            signature(secret, 1531420618, body),
            crate::slack::signature::sign(secret, "1531420618", body.as_bytes())
        );
    }

    #[test]
    fn secrets_are_32_random_bytes_shown_with_a_prefix() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        let hex = a.expose().strip_prefix(SECRET_PREFIX).unwrap();
        assert_eq!(hex::decode(hex).unwrap().len(), 32);
        assert!(!format!("{a:?}").contains(hex));
    }

    #[test]
    fn the_envelope_names_the_event_and_its_workspace() {
        let e = OutgoingEvent {
            id: "evt_checkin_7".into(),
            kind: CHECKIN_RECORDED,
            data: json!({"x": 1}),
        };
        let body: Value = serde_json::from_str(&envelope(&e, ("slack", "T1"), 0)).unwrap();
        assert_eq!(body["id"], "evt_checkin_7");
        assert_eq!(body["type"], "checkin.recorded");
        assert_eq!(body["workspace"], json!({"platform": "slack", "id": "T1"}));
        assert_eq!(body["occurred_at"], "1970-01-01T00:00:00Z");
        assert_eq!(body["data"]["x"], 1);
    }

    #[test]
    fn flag_changes_name_what_appeared_and_what_went() {
        let snap = FlagSnapshot {
            number: 4,
            priority: json!({"number": 4}),
            flags: vec![],
        };
        let e = flags_changed(
            9,
            &snap,
            &["silent".into()],
            &["blocked".into(), "stuck".into()],
        );
        assert_eq!(e.id, "evt_flags_9_4");
        assert_eq!(e.data["added"], json!(["blocked", "stuck"]));
        assert_eq!(e.data["removed"], json!(["silent"]));
    }
}
