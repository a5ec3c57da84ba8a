//! Why an owner was not asked in a cycle, as it is kept with the cycle and read back for the
//! digest: an away period they set, the same with someone acting for them, or the platform
//! status that said they were away.

/// The reason an owner was away in a cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwayReason {
    /// `away <from> <to>`.
    Period,
    /// `away <from> <to> acting:@x`: the person (by id) who was asked instead.
    Acting(i64),
    /// Their Slack status or Teams presence said so, in these words.
    Status(String),
}

impl AwayReason {
    /// How the reason is kept (`cycle_owners.away_reason`).
    pub fn stored(&self) -> String {
        match self {
            AwayReason::Period => "period".into(),
            AwayReason::Acting(id) => format!("acting:{id}"),
            AwayReason::Status(label) => format!("status:{label}"),
        }
    }

    /// A kept reason read back; anything unreadable (or none, from before reasons were kept)
    /// is an away period.
    pub fn read(stored: Option<&str>) -> AwayReason {
        let Some(s) = stored else {
            return AwayReason::Period;
        };
        if let Some(id) = s.strip_prefix("acting:").and_then(|i| i.parse().ok()) {
            return AwayReason::Acting(id);
        }
        if let Some(label) = s.strip_prefix("status:") {
            return AwayReason::Status(label.to_string());
        }
        AwayReason::Period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_and_old_rows_read_as_periods() {
        for r in [
            AwayReason::Period,
            AwayReason::Acting(42),
            AwayReason::Status(":palm_tree: Vacationing: back 4 Jan".into()),
        ] {
            assert_eq!(AwayReason::read(Some(&r.stored())), r);
        }
        assert_eq!(AwayReason::read(None), AwayReason::Period);
        assert_eq!(AwayReason::read(Some("acting:x")), AwayReason::Period);
    }
}
