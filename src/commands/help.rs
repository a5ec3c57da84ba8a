//! The one table every "how do I…" answer comes from: the help command, the usage shown with
//! a mistake, and the did-you-mean suggestions.

pub struct CommandHelp {
    pub name: &'static str,
    pub synopsis: &'static str,
    pub summary: &'static str,
    pub examples: &'static [&'static str],
}

pub const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "help",
        synopsis: "help [command]",
        summary: "Show what pacer can do, or the details of one command.",
        examples: &["help", "help add"],
    },
    CommandHelp {
        name: "add",
        synopsis: "add <title…> [@owner] [team:<name>] [due:<date>] [parent:#N]",
        summary: "Add a priority. You own it unless you name an owner; it lands in this channel's team or your only team.",
        examples: &[
            "add Ship the beta team:Platform due:Q1",
            "add \"Hire 2 SREs\" @ana due:+6w parent:#3",
        ],
    },
    CommandHelp {
        name: "list",
        synopsis: "list [mine | all | stalled | team:<name> | @person]",
        summary: "List priorities: yours, everyone's, the stalled ones, a team's or a person's.",
        examples: &["list", "list all", "list team:Platform", "list @ana"],
    },
    CommandHelp {
        name: "show",
        synopsis: "show #N",
        summary: "Show one priority with its dependencies and its history.",
        examples: &["show #12"],
    },
    CommandHelp {
        name: "status",
        synopsis: "status #N <on-track|at-risk|off-track|done|dropped> [<progress>%] [note…]",
        summary: "Record where a priority stands, with progress and a note.",
        examples: &["status #12 at-risk 40% waiting on legal", "status #7 done"],
    },
    CommandHelp {
        name: "edit",
        synopsis: "edit #N [title:\"…\"] [@owner] [team:<name>] [due:<date>|due:none [\"reason\"]] [parent:#N|parent:none]",
        summary: "Change a priority's title, owner, team, due date or parent.",
        examples: &[
            "edit #12 title:\"Ship the public beta\" due:2027-01-31",
            "edit #12 due:2027-02-15 \"vendor delay\"",
            "edit #12 @ana team:Growth parent:none",
        ],
    },
    CommandHelp {
        name: "depends",
        synopsis: "depends #N on #M",
        summary: "Record that #N waits on #M.",
        examples: &["depends #12 on #7"],
    },
    CommandHelp {
        name: "undepend",
        synopsis: "undepend #N on #M",
        summary: "Remove a dependency.",
        examples: &["undepend #12 on #7"],
    },
    CommandHelp {
        name: "team",
        synopsis: "team add <name> [#channel] [lead:@person] [parent:<team>] | team join <name> [@person…] | team leave <name> [@person…] | team show <name>",
        summary: "Create a team, change who is in it, or look at it.",
        examples: &[
            "team add Platform #platform lead:@ana parent:Engineering",
            "team join Platform @ben @chen",
            "team leave Platform",
            "team show Platform",
        ],
    },
    CommandHelp {
        name: "teams",
        synopsis: "teams",
        summary: "List the workspace's teams.",
        examples: &["teams"],
    },
    CommandHelp {
        name: "rhythm",
        synopsis: "rhythm <team> checkin \"<schedule>\" [tz:<zone>|tz:member] [remind:<duration>|remind:off] [focus:on|focus:off] | rhythm <team> digest \"<schedule>\" [nudge:quiet|nudge:mention] | rhythm <team> review \"<schedule>\"|off | rhythm <team> off | rhythm <team>",
        summary: "Set when a team is prompted for check-ins, when its digest is posted, and when its review meets (its agenda is posted an hour before). `focus:off` stops the check-in asking how much of the week went to the priorities. The digest names who has not answered without notifying them unless you add `nudge:mention`; a later time without `focus:` or `nudge:` keeps the setting. `rhythm <team>` alone shows it, with the next firings as holidays move them.",
        examples: &[
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
            "rhythm Platform digest \"fri 16:00\"",
            "rhythm Platform checkin \"mon 09:00\" focus:off",
            "rhythm Platform digest \"fri 16:00\" nudge:mention",
            "rhythm Platform review \"tue 10:00\"",
            "rhythm Platform off",
            "rhythm Platform",
        ],
    },
    CommandHelp {
        name: "raise",
        synopsis: "raise #N \"<why>\"",
        summary: "Put a priority before its team's parent team (owner, lead or admin); the parent team's leads own it until they decide.",
        examples: &["raise #12 \"need a decision on the vendor\""],
    },
    CommandHelp {
        name: "decide",
        synopsis: "decide #N \"<text>\" [@owner] [due:<date>] | decide done #N",
        summary: "Record a decision on a priority (leads of its team or of the team it is raised to, admins), with an optional follow-up; its owner and the owners who wait on it get it as a direct message. `decide done` marks the follow-ups done.",
        examples: &[
            "decide #12 \"drop the vendor, build in-house\" @ben due:+2w",
            "decide done #12",
        ],
    },
    CommandHelp {
        name: "agenda",
        synopsis: "agenda [team]",
        summary: "What a team's next review should cover, worst first: raised items, stalled priorities, work waiting on other teams, follow-ups due. Leads get the buttons Decide…, Assign… and Later on each item.",
        examples: &["agenda", "agenda Leadership"],
    },
    CommandHelp {
        name: "assign",
        synopsis: "assign #N @someone [due:<date>] [\"<what to bring back>\"]",
        summary: "Give an agenda item to someone who brings it back to the review (leads of the agenda's team, or who may decide on it); they get it as a direct message, and the agenda shows it until a decision is taken.",
        examples: &["assign #12 @ben due:+1w \"two vendor quotes\""],
    },
    CommandHelp {
        name: "holiday",
        synopsis: "holiday add <team> <date>[..<date>] \"<name>\" | holiday list <team> | holiday remove <team> <date>",
        summary: "A team's days off (leads and admins add and remove them): a check-in or digest that falls on one comes on the next working day, at the same local time.",
        examples: &[
            "holiday add Platform 2026-12-24..2026-12-26 \"Christmas\"",
            "holiday list Platform",
            "holiday remove Platform 2026-12-24",
        ],
    },
    CommandHelp {
        name: "checkin",
        synopsis: "checkin",
        summary: "Open your check-in now.",
        examples: &["checkin"],
    },
    CommandHelp {
        name: "digest",
        synopsis: "digest [team]",
        summary: "Preview a team's digest, visible only to you.",
        examples: &["digest", "digest Platform"],
    },
    CommandHelp {
        name: "away",
        synopsis: "away <from> <to> [acting:@someone] | away off",
        summary: "Pause your check-in prompts and reminders while you are away, or hand them to someone who answers for you.",
        examples: &[
            "away 2026-12-20 2027-01-04",
            "away 2026-12-20 2027-01-04 acting:@ben",
            "away off",
        ],
    },
    CommandHelp {
        name: "follow",
        synopsis: "follow <team> | follow",
        summary: "Get a team's posted digests as direct messages (if you are not in the team, where you see them in its channel); `follow` alone lists the teams you follow.",
        examples: &["follow Platform", "follow"],
    },
    CommandHelp {
        name: "unfollow",
        synopsis: "unfollow <team>",
        summary: "Stop getting a team's digests as direct messages.",
        examples: &["unfollow Platform"],
    },
    CommandHelp {
        name: "settings",
        synopsis: "settings | settings drift [silent:N] [off-track:N] [at-risk:N] [flat:N] [behind:N] [slipping:N]",
        summary: "Show or change (admins) this workspace's drift thresholds.",
        examples: &["settings", "settings drift silent:3 behind:30"],
    },
    CommandHelp {
        name: "token",
        synopsis: "token add <label> | token list | token revoke <label>",
        summary: "Create (shown once), list or revoke the bearer tokens that read this workspace through pacer's API (admins).",
        examples: &[
            "token add \"Finance BI\"",
            "token list",
            "token revoke Finance BI",
        ],
    },
    CommandHelp {
        name: "webhook",
        synopsis: "webhook add <url> | webhook list | webhook remove <url or id>",
        summary: "Send signed events (check-ins, status and flag changes, digests) to a URL of yours (admins).",
        examples: &[
            "webhook add https://hooks.example.com/pacer",
            "webhook list",
            "webhook remove 1",
        ],
    },
    CommandHelp {
        name: "dashboard",
        synopsis: "dashboard",
        summary: "Get a private, expiring link to the leaders' dashboard.",
        examples: &["dashboard"],
    },
];

pub fn find(name: &str) -> Option<&'static CommandHelp> {
    let name = name.to_ascii_lowercase();
    COMMANDS.iter().find(|c| c.name == name)
}

/// The closest known word, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::damerau_levenshtein(&word, &c.to_lowercase())))
        .filter(|(c, d)| {
            let len = c.chars().count().max(word.chars().count());
            *d > 0 && (*d <= 1 || (*d <= 2 && len >= 5) || (*d <= 3 && len >= 9))
        })
        .min_by_key(|(_, d)| *d)
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_suggest_the_nearest_command() {
        let names = || COMMANDS.iter().map(|c| c.name);
        assert_eq!(did_you_mean("lsit", names()), Some("list"));
        assert_eq!(did_you_mean("stauts", names()), Some("status"));
        assert_eq!(did_you_mean("ad", names()), Some("add"));
        assert_eq!(did_you_mean("xyzzy", names()), None);
    }

    #[test]
    fn every_command_has_an_example_that_starts_with_its_name() {
        for c in COMMANDS {
            assert!(!c.examples.is_empty());
            for e in c.examples {
                assert!(e.starts_with(c.name), "{e}");
            }
        }
    }
}
