//! The drift rules of the contract, as pure functions of a priority's history, its
//! dependencies and the clock. A priority with at least one flag is stalled.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::{Priority, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    Blocked,
    Stuck,
    Overdue,
    Behind,
    Silent,
    Flat,
    Slipping,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Silent => "silent",
            Flag::Stuck => "stuck",
            Flag::Flat => "flat",
            Flag::Overdue => "overdue",
            Flag::Behind => "behind",
            Flag::Blocked => "blocked",
            Flag::Slipping => "slipping",
        }
    }
}

/// A flag with the one line a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub flag: Flag,
    pub text: String,
}

/// The contract's defaults; a workspace may change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub silent_cycles: usize,
    pub stuck_off_track: usize,
    pub stuck_at_risk: usize,
    pub flat_updates: usize,
    pub behind_points: i64,
    /// `slipping`: the due date moved this many times or more.
    pub slipping_moves: usize,
}

impl Thresholds {
    /// How many of a priority's latest updates the rules look at: the longest run any of
    /// `stuck` and `flat` asks for.
    pub fn update_depth(&self) -> usize {
        self.stuck_at_risk
            .max(self.flat_updates)
            .max(self.stuck_off_track)
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            silent_cycles: 2,
            stuck_off_track: 2,
            stuck_at_risk: 3,
            flat_updates: 3,
            behind_points: 25,
            slipping_moves: 3,
        }
    }
}

/// One recorded update, newest first in the slices below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateFact {
    pub status: Status,
    pub progress: u8,
}

/// The rules that look at one priority alone (all but `blocked`).
pub fn own_flags(
    p: &Priority,
    updates_newest_first: &[UpdateFact],
    today: NaiveDate,
    t: &Thresholds,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if !p.is_active() {
        return out;
    }
    let recent = |n: usize| updates_newest_first.iter().take(n);
    if updates_newest_first.len() >= t.stuck_off_track
        && recent(t.stuck_off_track).all(|u| u.status == Status::OffTrack)
    {
        out.push(Reason {
            flag: Flag::Stuck,
            text: format!("off-track in the last {} updates", t.stuck_off_track),
        });
    } else if updates_newest_first.len() >= t.stuck_at_risk
        && recent(t.stuck_at_risk)
            .all(|u| u.status.severity() >= Status::AtRisk.severity() && u.status.is_active())
    {
        out.push(Reason {
            flag: Flag::Stuck,
            text: format!("at risk or worse in the last {} updates", t.stuck_at_risk),
        });
    }
    if updates_newest_first.len() >= t.flat_updates {
        let first = updates_newest_first[0].progress;
        if recent(t.flat_updates).all(|u| u.progress == first) {
            out.push(Reason {
                flag: Flag::Flat,
                text: format!(
                    "progress stuck at {first}% over the last {} updates",
                    t.flat_updates
                ),
            });
        }
    }
    if let Some(due) = p.due {
        if due < today {
            let days = (today - due).num_days();
            out.push(Reason {
                flag: Flag::Overdue,
                text: format!(
                    "{} overdue (was due {due})",
                    if days == 1 {
                        "1 day".to_string()
                    } else {
                        format!("{days} days")
                    }
                ),
            });
        } else {
            let start = p.created_at.date_naive();
            let span = (due - start).num_days();
            let elapsed = (today - start).num_days();
            let expected = if span <= 0 {
                100
            } else {
                (elapsed * 100 / span).clamp(0, 100)
            };
            let gap = expected - p.progress.value() as i64;
            if gap > t.behind_points {
                out.push(Reason {
                    flag: Flag::Behind,
                    text: format!("{}% done, {expected}% expected by now", p.progress.value()),
                });
            }
        }
    }
    out
}

/// `silent`: no answer from the owner in the last N closed cycles that asked about it (cycles
/// while the owner was away are not in the list). `answered_newest_first` has one entry per
/// such cycle.
pub fn silent_flag(answered_newest_first: &[bool], t: &Thresholds) -> Option<Reason> {
    let n = t.silent_cycles;
    (answered_newest_first.len() >= n && answered_newest_first.iter().take(n).all(|a| !a)).then(
        || Reason {
            flag: Flag::Silent,
            text: format!("no check-in from its owner in the last {n} cycles"),
        },
    )
}

/// `slipping`: the due date moved (a date it had changed, by `edit … due:`) `moves` times or
/// more; `latest` is the reason given with the latest move, if one was.
pub fn slipping_flag(moves: usize, latest: Option<&str>, t: &Thresholds) -> Option<Reason> {
    (moves >= t.slipping_moves).then(|| Reason {
        flag: Flag::Slipping,
        text: match latest {
            Some(why) => format!("due date moved {moves} times (latest: {why})"),
            None => format!("due date moved {moves} times"),
        },
    })
}

/// How urgent a stalled priority is, for "worst first": its status, then its worst flag, then
/// how many flags it has.
pub fn urgency(status: Status, reasons: &[Reason]) -> (u8, u8, usize) {
    let worst = reasons
        .iter()
        .map(|r| match r.flag {
            Flag::Blocked => 7,
            Flag::Stuck => 6,
            Flag::Overdue => 5,
            Flag::Slipping => 4,
            Flag::Behind => 3,
            Flag::Silent => 2,
            Flag::Flat => 1,
        })
        .max()
        .unwrap_or(0);
    (status.severity(), worst, reasons.len())
}

/// What `blocked` needs to know of each priority: its number, team and status, and what it
/// depends on.
pub struct Node<'a> {
    pub priority: &'a Priority,
    pub depends_on: Vec<i64>,
    pub own: Vec<Reason>,
}

/// Add `blocked` to every active priority that depends on one that is stalled, off-track or
/// dropped. Stalled includes being blocked itself, so blocking spreads back along dependency
/// chains: a walk from every priority that is in trouble by itself to what waits on it, each
/// visited once, so long chains cost linear time and loops settle instead of spinning.
pub fn with_blocked(nodes: Vec<Node<'_>>) -> HashMap<i64, Vec<Reason>> {
    let by_id: HashMap<i64, &Node> = nodes.iter().map(|n| (n.priority.id, n)).collect();
    let bad_by_itself = |n: &Node| {
        matches!(n.priority.status, Status::OffTrack | Status::Dropped)
            || (n.priority.is_active() && !n.own.is_empty())
    };
    let mut waiting_on: HashMap<i64, Vec<i64>> = HashMap::new();
    for n in &nodes {
        for d in &n.depends_on {
            if *d != n.priority.id {
                waiting_on.entry(*d).or_default().push(n.priority.id);
            }
        }
    }
    let mut blocked_set: HashSet<i64> = HashSet::new();
    let mut queue: std::collections::VecDeque<i64> = nodes
        .iter()
        .filter(|n| bad_by_itself(n))
        .map(|n| n.priority.id)
        .collect();
    while let Some(id) = queue.pop_front() {
        for dependent in waiting_on.get(&id).into_iter().flatten() {
            let Some(n) = by_id.get(dependent) else {
                continue;
            };
            if n.priority.is_active() && blocked_set.insert(*dependent) {
                queue.push_back(*dependent);
            }
        }
    }
    // The reason names the first dependency (in id order) that is in trouble.
    let mut blocked: HashMap<i64, i64> = HashMap::new();
    for id in &blocked_set {
        let Some(n) = by_id.get(id) else { continue };
        let mut deps = n.depends_on.clone();
        deps.sort_unstable();
        if let Some(dep) = deps.into_iter().find(|d| {
            *d != *id
                && by_id
                    .get(d)
                    .is_some_and(|dn| bad_by_itself(dn) || blocked_set.contains(d))
        }) {
            blocked.insert(*id, dep);
        }
    }
    let mut out = HashMap::new();
    for n in &nodes {
        let mut reasons = n.own.clone();
        if let Some(dep) = blocked.get(&n.priority.id).and_then(|d| by_id.get(d)) {
            let d = dep.priority;
            let why = match d.status {
                Status::OffTrack | Status::Dropped => d.status.label().to_lowercase(),
                _ if !dep.own.is_empty() => format!("stalled: {}", dep.own[0].text),
                _ => "itself blocked".to_string(),
            };
            reasons.push(Reason {
                flag: Flag::Blocked,
                text: format!("waits on {} ({}), {why}", d.number, d.team_name),
            });
        }
        reasons.sort_by_key(|r| r.flag);
        out.insert(n.priority.id, reasons);
    }
    out
}

/// Priority ids reachable from `from` along dependency edges (for loop warnings).
pub fn reaches(edges: &[(i64, i64)], from: i64, target: i64) -> bool {
    let mut next: HashMap<i64, Vec<i64>> = HashMap::new();
    for (a, b) in edges {
        next.entry(*a).or_default().push(*b);
    }
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(n) = stack.pop() {
        if n == target {
            return true;
        }
        if seen.insert(n) {
            stack.extend(next.get(&n).into_iter().flatten().copied());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PriorityNumber, Progress};
    use chrono::{TimeZone, Utc};

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn priority(
        id: i64,
        status: Status,
        progress: u8,
        created: &str,
        due: Option<&str>,
    ) -> Priority {
        let created = date(created).and_hms_opt(9, 0, 0).unwrap();
        Priority {
            id,
            number: PriorityNumber(id),
            title: format!("P{id}"),
            owner_person_id: 1,
            owner_user_id: "U1".into(),
            owner_name: "ana".into(),
            team_id: 1,
            team_name: "Platform".into(),
            due: due.map(date),
            parent: None,
            status,
            progress: Progress::new(progress as i64).unwrap(),
            created_at: Utc.from_utc_datetime(&created),
            updated_at: Utc.from_utc_datetime(&created),
        }
    }

    fn u(status: Status, progress: u8) -> UpdateFact {
        UpdateFact { status, progress }
    }

    fn flags(p: &Priority, ups: &[UpdateFact], today: &str) -> Vec<Flag> {
        own_flags(p, ups, date(today), &Thresholds::default())
            .into_iter()
            .map(|r| r.flag)
            .collect()
    }

    #[test]
    fn stuck_after_two_off_track_not_one() {
        let p = priority(1, Status::OffTrack, 10, "2026-01-01", None);
        assert_eq!(flags(&p, &[u(Status::OffTrack, 10)], "2026-02-01"), vec![]);
        assert_eq!(
            flags(
                &p,
                &[u(Status::OffTrack, 10), u(Status::OffTrack, 5)],
                "2026-02-01"
            ),
            vec![Flag::Stuck]
        );
    }

    #[test]
    fn stuck_after_three_at_risk_or_worse_not_two() {
        let p = priority(1, Status::AtRisk, 10, "2026-01-01", None);
        let two = [u(Status::AtRisk, 12), u(Status::AtRisk, 11)];
        assert_eq!(flags(&p, &two, "2026-02-01"), vec![]);
        let three = [
            u(Status::AtRisk, 12),
            u(Status::OffTrack, 11),
            u(Status::AtRisk, 10),
        ];
        assert_eq!(flags(&p, &three, "2026-02-01"), vec![Flag::Stuck]);
    }

    #[test]
    fn flat_over_three_unchanged_updates_not_two() {
        let p = priority(1, Status::OnTrack, 40, "2026-01-01", None);
        let two = [u(Status::OnTrack, 40), u(Status::OnTrack, 40)];
        assert_eq!(flags(&p, &two, "2026-02-01"), vec![]);
        let three = [
            u(Status::OnTrack, 40),
            u(Status::OnTrack, 40),
            u(Status::OnTrack, 40),
        ];
        assert_eq!(flags(&p, &three, "2026-02-01"), vec![Flag::Flat]);
        let moved = [
            u(Status::OnTrack, 40),
            u(Status::OnTrack, 40),
            u(Status::OnTrack, 35),
        ];
        assert_eq!(flags(&p, &moved, "2026-02-01"), vec![]);
    }

    #[test]
    fn overdue_from_the_day_after_the_due_date() {
        let p = priority(1, Status::OnTrack, 100, "2026-01-01", Some("2026-03-01"));
        assert_eq!(flags(&p, &[], "2026-03-01"), vec![]);
        assert_eq!(flags(&p, &[], "2026-03-02"), vec![Flag::Overdue]);
        let done = priority(1, Status::Done, 100, "2026-01-01", Some("2026-03-01"));
        assert_eq!(flags(&done, &[], "2026-04-01"), vec![]);
    }

    #[test]
    fn behind_when_more_than_25_points_below_the_line() {
        // 100 days, 50 elapsed: 50% expected.
        let at = |progress| {
            priority(
                1,
                Status::OnTrack,
                progress,
                "2026-01-01",
                Some("2026-04-11"),
            )
        };
        assert_eq!(flags(&at(26), &[], "2026-02-20"), vec![]);
        assert_eq!(flags(&at(24), &[], "2026-02-20"), vec![Flag::Behind]);
    }

    #[test]
    fn blocked_follows_chains_and_survives_loops() {
        let a = priority(1, Status::OnTrack, 10, "2026-01-01", None);
        let b = priority(2, Status::OnTrack, 10, "2026-01-01", None);
        let c = priority(3, Status::OffTrack, 10, "2026-01-01", None);
        let d = priority(4, Status::OnTrack, 10, "2026-01-01", None);
        let e = priority(5, Status::OnTrack, 10, "2026-01-01", None);
        let nodes = vec![
            Node {
                priority: &a,
                depends_on: vec![2],
                own: vec![],
            },
            Node {
                priority: &b,
                depends_on: vec![3],
                own: vec![],
            },
            Node {
                priority: &c,
                depends_on: vec![],
                own: vec![],
            },
            Node {
                priority: &d,
                depends_on: vec![5],
                own: vec![],
            },
            Node {
                priority: &e,
                depends_on: vec![4],
                own: vec![],
            },
        ];
        let out = with_blocked(nodes);
        assert_eq!(out[&1][0].flag, Flag::Blocked);
        assert_eq!(out[&2][0].text, "waits on #3 (Platform), off track");
        assert!(out[&3].is_empty());
        assert!(out[&4].is_empty() && out[&5].is_empty());
    }

    #[test]
    fn silent_after_two_unanswered_cycles_not_one() {
        let t = Thresholds::default();
        assert_eq!(silent_flag(&[false], &t), None);
        assert_eq!(silent_flag(&[false, true], &t), None);
        assert_eq!(silent_flag(&[false, false], &t).unwrap().flag, Flag::Silent);
        assert_eq!(
            silent_flag(&[false, false, true], &t).unwrap().flag,
            Flag::Silent
        );
        assert_eq!(silent_flag(&[], &t), None);
    }

    #[test]
    fn reaches_detects_loops() {
        let edges = [(1, 2), (2, 3), (3, 1)];
        assert!(reaches(&edges, 3, 2));
        assert!(!reaches(&[(1, 2)], 2, 1));
    }
}
