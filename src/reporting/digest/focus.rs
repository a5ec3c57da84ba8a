//! A team's focus in its digest: how its people answered the focus question in the cycle, the
//! team's level and its trend over its recent cycles with answers, and the team-level drift
//! signal `unfocused` (Little or below in each of its last two cycles with answers).

use serde::Serialize;

use crate::domain::focus::{FocusLevel, team_level, unfocused, unfocused_reason};
use crate::store::{CycleRow, FocusHistoryRow, Store, StoreError};

/// How many answers of each level a cycle had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FocusCounts {
    pub most: usize,
    pub half: usize,
    pub little: usize,
    pub none: usize,
}

impl FocusCounts {
    fn add(&mut self, l: FocusLevel) {
        match l {
            FocusLevel::Most => self.most += 1,
            FocusLevel::Half => self.half += 1,
            FocusLevel::Little => self.little += 1,
            FocusLevel::None => self.none += 1,
        }
    }

    /// The levels answered, most focused first, with how many gave each (none left out).
    pub fn by_level(&self) -> Vec<(FocusLevel, usize)> {
        [
            (FocusLevel::Most, self.most),
            (FocusLevel::Half, self.half),
            (FocusLevel::Little, self.little),
            (FocusLevel::None, self.none),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

/// A team's focus as its digest shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamFocus {
    /// This cycle's answers.
    pub counts: FocusCounts,
    /// The team's level this cycle; none without answers.
    pub level: Option<FocusLevel>,
    /// Its level in the cycle with answers before this one.
    pub previous: Option<FocusLevel>,
    /// Its level in its recent cycles with answers, oldest first (this one last, if answered).
    pub trend: Vec<FocusLevel>,
    /// Why the team is `unfocused`, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfocused: Option<String>,
}

/// One cycle's answers in a team's history, newest cycle first.
struct CycleFocus {
    cycle_id: i64,
    levels: Vec<FocusLevel>,
    words: Vec<String>,
}

fn by_cycle(rows: Vec<FocusHistoryRow>) -> Vec<CycleFocus> {
    let mut out: Vec<CycleFocus> = Vec::new();
    for r in rows {
        let Some(level) = FocusLevel::from_value(r.level) else {
            continue;
        };
        if out.last().is_none_or(|c| c.cycle_id != r.cycle_id) {
            out.push(CycleFocus {
                cycle_id: r.cycle_id,
                levels: Vec::new(),
                words: Vec::new(),
            });
        }
        if let Some(c) = out.last_mut() {
            c.levels.push(level);
            c.words.extend(r.rest);
        }
    }
    out
}

/// The team's focus as of `cycle` (its answers and those of the team's cycles before it), or
/// none when the team's rhythm does not ask the question or nobody has answered it yet.
pub async fn team_focus(
    store: &Store,
    ws: i64,
    cycle: &CycleRow,
) -> Result<Option<TeamFocus>, StoreError> {
    if !store.rhythm_asks_focus(ws, cycle.team_id).await? {
        return Ok(None);
    }
    let history = by_cycle(
        store
            .focus_history(ws, cycle.team_id, cycle.opens_at)
            .await?,
    );
    if history.is_empty() {
        return Ok(None);
    }
    let mut counts = FocusCounts::default();
    let this = history.first().filter(|c| c.cycle_id == cycle.id);
    for l in this.iter().flat_map(|c| c.levels.iter()) {
        counts.add(*l);
    }
    let levels: Vec<FocusLevel> = history
        .iter()
        .filter_map(|c| team_level(&c.levels))
        .collect();
    let level = this.and_then(|c| team_level(&c.levels));
    let previous = if this.is_some() {
        levels.get(1).copied()
    } else {
        levels.first().copied()
    };
    let unfocused = unfocused(&levels).then(|| {
        let words: Vec<String> = history
            .iter()
            .take(crate::domain::focus::UNFOCUSED_CYCLES)
            .flat_map(|c| c.words.iter().cloned())
            .collect();
        unfocused_reason(&words)
    });
    let mut trend = levels;
    trend.reverse();
    Ok(Some(TeamFocus {
        counts,
        level,
        previous,
        trend,
        unfocused,
    }))
}
