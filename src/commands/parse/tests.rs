//! Table-driven tests of the command grammar: every form of SPEC.md's "Commands" section, the
//! specific error each kind of mistake gets, and a property that no input makes `parse` panic.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers

fn ok(input: &str) -> Command {
    parse(input).unwrap_or_else(|e| panic!("{input:?} should parse, got {e:?}"))
}

fn n(number: i64) -> PriorityNumber {
    PriorityNumber(number)
}

fn team(name: &str) -> TeamName {
    name.parse()
        .unwrap_or_else(|e| panic!("bad team name {name:?}: {e}"))
}

fn uid(id: &str, name: Option<&str>) -> UserRef {
    UserRef::Id {
        id: id.to_string(),
        name: name.map(str::to_string),
    }
}

fn uname(name: &str) -> UserRef {
    UserRef::Name(name.to_string())
}

fn on(y: i32, m: u32, d: u32) -> DueDate {
    DueDate::On(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn chan(id: Option<&str>, name: Option<&str>) -> ChannelRef {
    ChannelRef {
        id: id.map(str::to_string),
        name: name.map(str::to_string),
    }
}

fn add(
    title: &str,
    owner: Option<UserRef>,
    team: Option<TeamName>,
    due: Option<DueDate>,
    parent: Option<i64>,
) -> Command {
    Command::Add {
        title: title.to_string(),
        owner,
        team,
        due,
        parent: parent.map(PriorityNumber),
    }
}

fn add_title(title: &str) -> Command {
    add(title, None, None, None, None)
}

fn status(number: i64, status: Status, progress: Option<i64>, note: Option<&str>) -> Command {
    Command::Status {
        number: n(number),
        status,
        progress: progress.map(|p| Progress::new(p).unwrap()),
        note: note.map(str::to_string),
    }
}

#[derive(Default)]
struct EditOf {
    title: Option<&'static str>,
    owner: Option<UserRef>,
    team: Option<TeamName>,
    due: Option<Option<DueDate>>,
    parent: Option<Option<i64>>,
}

fn edit(number: i64, e: EditOf) -> Command {
    Command::Edit {
        number: n(number),
        title: e.title.map(str::to_string),
        owner: e.owner,
        team: e.team,
        due: e.due,
        parent: e.parent.map(|p| p.map(PriorityNumber)),
        reason: None,
    }
}

fn team_add(
    name: &str,
    channel: Option<ChannelRef>,
    lead: Option<UserRef>,
    parent: Option<&str>,
) -> Command {
    Command::TeamAdd {
        name: team(name),
        channel,
        lead,
        parent: parent.map(team),
    }
}

fn checkin(
    team_name: &str,
    schedule: &str,
    zone: Option<ZoneChoice>,
    remind: Option<Remind>,
) -> Command {
    Command::Rhythm {
        team: team(team_name),
        change: RhythmChange::Checkin {
            schedule: schedule.parse().unwrap(),
            zone,
            remind,
            focus: None,
            ask: None,
        },
    }
}

fn minutes(m: i64) -> Option<Remind> {
    Some(Remind::After(chrono::Duration::minutes(m)))
}

fn run_table(cases: &[(&str, Command)]) {
    let mut failures = Vec::new();
    for (input, expected) in cases {
        match parse(input) {
            Ok(got) if &got == expected => {}
            other => failures.push(format!(
                "  {input:?}\n    expected {expected:?}\n    got      {other:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

type ErrCheck = fn(&ParseError) -> bool;

fn run_error_table(cases: &[(&str, ErrCheck)]) {
    let mut failures = Vec::new();
    for (input, check) in cases {
        match parse(input) {
            Err(e) if check(&e) => {}
            other => failures.push(format!("  {input:?} got {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) did not give the expected error:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Every form of the grammar

#[test]
fn help_with_and_without_topic() {
    run_table(&[
        ("help", Command::Help { topic: None }),
        ("  help  ", Command::Help { topic: None }),
        ("?", Command::Help { topic: None }),
        ("HELP", Command::Help { topic: None }),
        ("/help", Command::Help { topic: None }),
        (
            "help add",
            Command::Help {
                topic: Some("add".into()),
            },
        ),
        (
            "help Team",
            Command::Help {
                topic: Some("team".into()),
            },
        ),
        (
            "? rhythm",
            Command::Help {
                topic: Some("rhythm".into()),
            },
        ),
    ]);
}

#[test]
fn add_titles() {
    run_table(&[
        ("add Ship the beta", add_title("Ship the beta")),
        ("ADD Ship the beta", add_title("Ship the beta")),
        ("/add Ship the beta", add_title("Ship the beta")),
        ("new Ship the beta", add_title("Ship the beta")),
        ("add   Ship   the\tbeta   ", add_title("Ship the beta")),
        ("add \"Ship the beta\"", add_title("Ship the beta")),
        ("add “Ship the beta”", add_title("Ship the beta")),
        ("add \"  Ship   the beta \"", add_title("Ship the beta")),
        ("add Café für Zürich", add_title("Café für Zürich")),
        ("add 日本語のタイトル", add_title("日本語のタイトル")),
        ("add 🚀 Launch 🎉", add_title("🚀 Launch 🎉")),
        ("add 👩‍💻👨‍👩‍👧", add_title("👩‍💻👨‍👩‍👧")),
        (
            "add R&amp;D budget &lt;3 &gt;",
            add_title("R&D budget <3 >"),
        ),
        ("add Say &quot;hi&quot;", add_title("Say \"hi\"")),
        ("add AT&amp;amp;T", add_title("AT&amp;T")),
        (
            "add Launch #12 follow-up",
            add_title("Launch #12 follow-up"),
        ),
        // A `#name` without a Slack id stays part of the title.
        ("add Talk to #eng", add_title("Talk to #eng")),
        // A colon after a word that is not an option key is title text.
        ("add Q3:launch prep", add_title("Q3:launch prep")),
        ("add Fix bug 1234: crash", add_title("Fix bug 1234: crash")),
        // Quoted text is always literal, even when it looks like an option.
        ("add \"due:Q1 is a title\"", add_title("due:Q1 is a title")),
        ("add \"@ana's thing\"", add_title("@ana's thing")),
        (
            "add @ana, please",
            add("@ana, please", None, None, None, None),
        ),
        (
            "add email@example.com setup",
            add_title("email@example.com setup"),
        ),
        (
            "add See <https://example.com|the doc>",
            add_title("See <https://example.com|the doc>"),
        ),
    ]);
    let long = "a".repeat(200);
    run_table(&[(&format!("add {long}"), add_title(&long))]);
}

#[test]
fn add_owners_teams_dues_parents() {
    run_table(&[
        (
            "add Ship the beta <@U123|ana>",
            add(
                "Ship the beta",
                Some(uid("U123", Some("ana"))),
                None,
                None,
                None,
            ),
        ),
        (
            "add Ship the beta <@U123>",
            add("Ship the beta", Some(uid("U123", None)), None, None, None),
        ),
        (
            "add Ship the beta <@U123|>",
            add("Ship the beta", Some(uid("U123", None)), None, None, None),
        ),
        (
            "add Ship the beta @ana",
            add("Ship the beta", Some(uname("ana")), None, None, None),
        ),
        (
            "add @ana.b-c_d Ship the beta",
            add("Ship the beta", Some(uname("ana.b-c_d")), None, None, None),
        ),
        (
            "add Ship the beta @Zoë",
            add("Ship the beta", Some(uname("Zoë")), None, None, None),
        ),
        (
            "add Ship the beta team:Platform",
            add("Ship the beta", None, Some(team("Platform")), None, None),
        ),
        (
            "add Ship the beta TEAM:Platform",
            add("Ship the beta", None, Some(team("Platform")), None, None),
        ),
        (
            "add Ship the beta team:\"Two Words\"",
            add("Ship the beta", None, Some(team("Two Words")), None, None),
        ),
        (
            "add Ship the beta team:“Two  Words”",
            add("Ship the beta", None, Some(team("Two Words")), None, None),
        ),
        (
            "add Ship the beta team:R&amp;D",
            add("Ship the beta", None, Some(team("R&D")), None, None),
        ),
        (
            "add Ship the beta team:Zürich",
            add("Ship the beta", None, Some(team("Zürich")), None, None),
        ),
        ("add Ship parent:#3", add("Ship", None, None, None, Some(3))),
        ("add Ship parent:3", add("Ship", None, None, None, Some(3))),
        (
            "add Ship parent:#123456789",
            add("Ship", None, None, None, Some(123_456_789)),
        ),
    ]);
}

#[test]
fn add_due_in_every_date_form() {
    let cases: &[(&str, DueDate)] = &[
        ("2026-12-31", on(2026, 12, 31)),
        ("2028-02-29", on(2028, 2, 29)),
        ("2027-01-01", on(2027, 1, 1)),
        ("Q1", DueDate::Quarter(1)),
        ("Q2", DueDate::Quarter(2)),
        ("Q3", DueDate::Quarter(3)),
        ("Q4", DueDate::Quarter(4)),
        ("q3", DueDate::Quarter(3)),
        ("+10d", DueDate::InDays(10)),
        ("+0d", DueDate::InDays(0)),
        ("+1D", DueDate::InDays(1)),
        ("+2w", DueDate::InDays(14)),
        ("+6W", DueDate::InDays(42)),
        ("+3660d", DueDate::InDays(3660)),
        ("eoq", DueDate::EndOfQuarter),
        ("EOQ", DueDate::EndOfQuarter),
        ("\"Q2\"", DueDate::Quarter(2)),
    ];
    let table: Vec<(String, Command)> = cases
        .iter()
        .map(|(text, due)| {
            (
                format!("add Ship the beta due:{text}"),
                add("Ship the beta", None, None, Some(*due), None),
            )
        })
        .collect();
    let table: Vec<(&str, Command)> = table.iter().map(|(s, c)| (s.as_str(), c.clone())).collect();
    run_table(&table);
}

#[test]
fn add_options_in_any_order() {
    let full = add(
        "Ship the beta",
        Some(uid("U1", Some("ana"))),
        Some(team("Two Words")),
        Some(DueDate::Quarter(2)),
        Some(3),
    );
    run_table(&[
        (
            "add Ship the beta <@U1|ana> team:\"Two Words\" due:Q2 parent:#3",
            full.clone(),
        ),
        (
            "add parent:#3 due:Q2 team:\"Two Words\" <@U1|ana> Ship the beta",
            full.clone(),
        ),
        (
            "add due:Q2 Ship parent:#3 the team:\"Two Words\" beta <@U1|ana>",
            full.clone(),
        ),
        (
            "add \"Ship the beta\" due:Q2 <@U1|ana> parent:#3 team:\"Two Words\"",
            full,
        ),
        (
            "add \"Hire 2 SREs\" @ana due:+6w parent:#3",
            add(
                "Hire 2 SREs",
                Some(uname("ana")),
                None,
                Some(DueDate::InDays(42)),
                Some(3),
            ),
        ),
        (
            "add Ship the beta team:Platform due:Q1",
            add(
                "Ship the beta",
                None,
                Some(team("Platform")),
                Some(DueDate::Quarter(1)),
                None,
            ),
        ),
        (
            "add 🚀 R&amp;D launch @ana team:R&amp;D due:2026-12-31",
            add(
                "🚀 R&D launch",
                Some(uname("ana")),
                Some(team("R&D")),
                Some(on(2026, 12, 31)),
                None,
            ),
        ),
    ]);
}

#[test]
fn list_filters() {
    run_table(&[
        ("list", Command::List(ListFilter::Default)),
        ("ls", Command::List(ListFilter::Default)),
        ("list mine", Command::List(ListFilter::Mine)),
        ("list MINE", Command::List(ListFilter::Mine)),
        ("list me", Command::List(ListFilter::Mine)),
        ("list my", Command::List(ListFilter::Mine)),
        ("list all", Command::List(ListFilter::All)),
        ("list everything", Command::List(ListFilter::All)),
        ("list stalled", Command::List(ListFilter::Stalled)),
        ("list drifting", Command::List(ListFilter::Stalled)),
        (
            "list team:Platform",
            Command::List(ListFilter::Team(team("Platform"))),
        ),
        (
            "list team:\"Two Words\"",
            Command::List(ListFilter::Team(team("Two Words"))),
        ),
        ("list @ana", Command::List(ListFilter::Person(uname("ana")))),
        (
            "list <@U1|x>",
            Command::List(ListFilter::Person(uid("U1", Some("x")))),
        ),
        (
            "list <@U1>",
            Command::List(ListFilter::Person(uid("U1", None))),
        ),
    ]);
}

#[test]
fn show_a_priority() {
    run_table(&[
        ("show #12", Command::Show(n(12))),
        ("show 12", Command::Show(n(12))),
        ("SHOW #1", Command::Show(n(1))),
        (
            "show #999999999999999",
            Command::Show(n(999_999_999_999_999)),
        ),
    ]);
}

#[test]
fn status_with_each_status_progress_and_note() {
    run_table(&[
        (
            "status #12 on-track",
            status(12, Status::OnTrack, None, None),
        ),
        ("status #12 at-risk", status(12, Status::AtRisk, None, None)),
        (
            "status #12 off-track",
            status(12, Status::OffTrack, None, None),
        ),
        ("status #12 done", status(12, Status::Done, None, None)),
        (
            "status #12 dropped",
            status(12, Status::Dropped, None, None),
        ),
        ("status 12 DONE", status(12, Status::Done, None, None)),
        ("update #12 done", status(12, Status::Done, None, None)),
        (
            "status #12 on_track",
            status(12, Status::OnTrack, None, None),
        ),
        ("status #12 green", status(12, Status::OnTrack, None, None)),
        ("status #12 red", status(12, Status::OffTrack, None, None)),
        // Written as two words.
        (
            "status #12 on track",
            status(12, Status::OnTrack, None, None),
        ),
        (
            "status #12 On Track",
            status(12, Status::OnTrack, None, None),
        ),
        ("status #12 at risk", status(12, Status::AtRisk, None, None)),
        (
            "status #12 off track",
            status(12, Status::OffTrack, None, None),
        ),
        (
            "status #12 \"on track\"",
            status(12, Status::OnTrack, None, None),
        ),
        // Progress.
        (
            "status #12 at-risk 40%",
            status(12, Status::AtRisk, Some(40), None),
        ),
        (
            "status #12 done 100%",
            status(12, Status::Done, Some(100), None),
        ),
        (
            "status #12 on-track 0%",
            status(12, Status::OnTrack, Some(0), None),
        ),
        (
            "status #12 on track 55%",
            status(12, Status::OnTrack, Some(55), None),
        ),
        // Notes.
        (
            "status #12 at-risk 40% waiting on legal",
            status(12, Status::AtRisk, Some(40), Some("waiting on legal")),
        ),
        (
            "status #12 at-risk waiting on legal",
            status(12, Status::AtRisk, None, Some("waiting on legal")),
        ),
        (
            "status #12 off track blocked   by vendor",
            status(12, Status::OffTrack, None, Some("blocked by vendor")),
        ),
        (
            "status #12 dropped \"no longer needed\"",
            status(12, Status::Dropped, None, Some("no longer needed")),
        ),
        (
            "status #12 on-track 100% 🎉 shipped, R&amp;D happy",
            status(
                12,
                Status::OnTrack,
                Some(100),
                Some("🎉 shipped, R&D happy"),
            ),
        ),
        (
            "status #12 at-risk 10% needs <@U9|legal> and #7",
            status(12, Status::AtRisk, Some(10), Some("needs @legal and #7")),
        ),
        (
            "status #12 at-risk 10% team:Platform said due:Q1",
            status(
                12,
                Status::AtRisk,
                Some(10),
                Some("team:Platform said due:Q1"),
            ),
        ),
    ]);
    let note = "x".repeat(2000);
    run_table(&[(
        &format!("status #3 done {note}"),
        status(3, Status::Done, None, Some(&note)),
    )]);
    let note = "é".repeat(2000);
    run_table(&[(
        &format!("status #3 done {note}"),
        status(3, Status::Done, None, Some(&note)),
    )]);
}

#[test]
fn edit_each_field_and_several_at_once() {
    run_table(&[
        (
            "edit #12 title:\"Ship the public beta\"",
            edit(
                12,
                EditOf {
                    title: Some("Ship the public beta"),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 title:“🚀  Launch ”",
            edit(
                12,
                EditOf {
                    title: Some("🚀 Launch"),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 title:Short",
            edit(
                12,
                EditOf {
                    title: Some("Short"),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 @ana",
            edit(
                12,
                EditOf {
                    owner: Some(uname("ana")),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 <@U1|ana>",
            edit(
                12,
                EditOf {
                    owner: Some(uid("U1", Some("ana"))),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 team:Growth",
            edit(
                12,
                EditOf {
                    team: Some(team("Growth")),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 team:\"Two Words\"",
            edit(
                12,
                EditOf {
                    team: Some(team("Two Words")),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 due:none",
            edit(
                12,
                EditOf {
                    due: Some(None),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 due:NONE",
            edit(
                12,
                EditOf {
                    due: Some(None),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 due:Q2",
            edit(
                12,
                EditOf {
                    due: Some(Some(DueDate::Quarter(2))),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 due:+2w",
            edit(
                12,
                EditOf {
                    due: Some(Some(DueDate::InDays(14))),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 parent:none",
            edit(
                12,
                EditOf {
                    parent: Some(None),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 parent:#3",
            edit(
                12,
                EditOf {
                    parent: Some(Some(3)),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 title:\"Ship the public beta\" due:2027-01-31",
            edit(
                12,
                EditOf {
                    title: Some("Ship the public beta"),
                    due: Some(Some(on(2027, 1, 31))),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit #12 @ana team:Growth parent:none",
            edit(
                12,
                EditOf {
                    owner: Some(uname("ana")),
                    team: Some(team("Growth")),
                    parent: Some(None),
                    ..Default::default()
                },
            ),
        ),
        (
            "edit 12 parent:#3 due:eoq team:\"Two Words\" <@U1|ana> title:\"New  title\"",
            edit(
                12,
                EditOf {
                    title: Some("New title"),
                    owner: Some(uid("U1", Some("ana"))),
                    team: Some(team("Two Words")),
                    due: Some(Some(DueDate::EndOfQuarter)),
                    parent: Some(Some(3)),
                },
            ),
        ),
    ]);
}

#[test]
fn depends_and_undepend() {
    run_table(&[
        (
            "depends #12 on #7",
            Command::Depends {
                number: n(12),
                on: n(7),
            },
        ),
        (
            "depends 12 ON 7",
            Command::Depends {
                number: n(12),
                on: n(7),
            },
        ),
        (
            "undepend #12 on #7",
            Command::Undepend {
                number: n(12),
                on: n(7),
            },
        ),
        (
            "UNDEPEND #1 On #2",
            Command::Undepend {
                number: n(1),
                on: n(2),
            },
        ),
    ]);
}

#[test]
fn team_add_forms() {
    run_table(&[
        ("team add Platform", team_add("Platform", None, None, None)),
        (
            "team create Platform",
            team_add("Platform", None, None, None),
        ),
        ("team new Platform", team_add("Platform", None, None, None)),
        ("TEAM ADD Platform", team_add("Platform", None, None, None)),
        (
            "team add Platform #platform",
            team_add("Platform", Some(chan(None, Some("platform"))), None, None),
        ),
        (
            "team add Platform <#C123|eng>",
            team_add(
                "Platform",
                Some(chan(Some("C123"), Some("eng"))),
                None,
                None,
            ),
        ),
        (
            "team add Platform <#C123>",
            team_add("Platform", Some(chan(Some("C123"), None)), None, None),
        ),
        (
            "team add Platform lead:@ana",
            team_add("Platform", None, Some(uname("ana")), None),
        ),
        (
            "team add Platform lead:<@U1|x>",
            team_add("Platform", None, Some(uid("U1", Some("x"))), None),
        ),
        (
            "team add Platform lead:<@U1>",
            team_add("Platform", None, Some(uid("U1", None)), None),
        ),
        (
            "team add Platform parent:Engineering",
            team_add("Platform", None, None, Some("Engineering")),
        ),
        (
            "team add Growth Marketing",
            team_add("Growth Marketing", None, None, None),
        ),
        (
            "team add Platform #platform lead:@ana parent:Engineering",
            team_add(
                "Platform",
                Some(chan(None, Some("platform"))),
                Some(uname("ana")),
                Some("Engineering"),
            ),
        ),
        (
            "team add Growth Marketing #growth lead:@ana parent:Engineering",
            team_add(
                "Growth Marketing",
                Some(chan(None, Some("growth"))),
                Some(uname("ana")),
                Some("Engineering"),
            ),
        ),
        (
            "team add Growth  Marketing parent:Engineering <#C9|growth> lead:<@U1|ana>",
            team_add(
                "Growth Marketing",
                Some(chan(Some("C9"), Some("growth"))),
                Some(uid("U1", Some("ana"))),
                Some("Engineering"),
            ),
        ),
        (
            "team add \"Growth Marketing\" parent:\"Go To Market\"",
            team_add("Growth Marketing", None, None, Some("Go To Market")),
        ),
        (
            "team add Zürich Ops 🚀",
            team_add("Zürich Ops 🚀", None, None, None),
        ),
        ("team add R&amp;D", team_add("R&D", None, None, None)),
    ]);
}

#[test]
fn team_join_leave_show_and_teams() {
    run_table(&[
        (
            "team join Platform",
            Command::TeamJoin {
                name: team("Platform"),
                people: vec![],
            },
        ),
        (
            "team join Platform @ben <@U2|chen> <@U3>",
            Command::TeamJoin {
                name: team("Platform"),
                people: vec![uname("ben"), uid("U2", Some("chen")), uid("U3", None)],
            },
        ),
        (
            "team join Platform @ben @ben",
            Command::TeamJoin {
                name: team("Platform"),
                people: vec![uname("ben")],
            },
        ),
        (
            "team join Growth Marketing @ana",
            Command::TeamJoin {
                name: team("Growth Marketing"),
                people: vec![uname("ana")],
            },
        ),
        (
            "team join \"Growth Marketing\" @ana",
            Command::TeamJoin {
                name: team("Growth Marketing"),
                people: vec![uname("ana")],
            },
        ),
        (
            "team leave Platform",
            Command::TeamLeave {
                name: team("Platform"),
                people: vec![],
            },
        ),
        (
            "team leave Growth Marketing <@U1|ana> @ben",
            Command::TeamLeave {
                name: team("Growth Marketing"),
                people: vec![uid("U1", Some("ana")), uname("ben")],
            },
        ),
        ("team show Platform", Command::TeamShow(team("Platform"))),
        (
            "team show Growth Marketing",
            Command::TeamShow(team("Growth Marketing")),
        ),
        (
            "team show \"Two Words\"",
            Command::TeamShow(team("Two Words")),
        ),
        ("teams", Command::Teams),
        ("TEAMS", Command::Teams),
    ]);
}

#[test]
fn rhythm_forms() {
    run_table(&[
        (
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
            checkin(
                "Platform",
                "mon 09:00",
                Some(ZoneChoice::Zone(Tz::Europe__Berlin)),
                minutes(240),
            ),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\"",
            checkin("Platform", "mon 09:00", None, None),
        ),
        (
            "rhythm Platform check-in \"weekdays 09:30\" tz:member",
            checkin("Platform", "weekdays 09:30", Some(ZoneChoice::Member), None),
        ),
        (
            "rhythm Platform checkin \"0 9 * * 1\" tz:MEMBER remind:off",
            checkin(
                "Platform",
                "0 9 * * 1",
                Some(ZoneChoice::Member),
                Some(Remind::Off),
            ),
        ),
        (
            "rhythm Platform CHECKIN \"mon,thu 09:30\" remind:1h30m tz:America/New_York",
            checkin(
                "Platform",
                "mon,thu 09:30",
                Some(ZoneChoice::Zone(Tz::America__New_York)),
                minutes(90),
            ),
        ),
        (
            "rhythm Platform checkin “daily 08:15” remind:30m",
            checkin("Platform", "daily 08:15", None, minutes(30)),
        ),
        (
            "rhythm Platform checkin \"daily 08:15\" remind:7d",
            checkin("Platform", "daily 08:15", None, minutes(7 * 24 * 60)),
        ),
        (
            "rhythm Growth Marketing checkin \"fri 10:00\" tz:UTC",
            checkin(
                "Growth Marketing",
                "fri 10:00",
                Some(ZoneChoice::Zone(Tz::UTC)),
                None,
            ),
        ),
        (
            "rhythm Platform digest \"fri 16:00\"",
            Command::Rhythm {
                team: team("Platform"),
                change: RhythmChange::Digest {
                    schedule: "fri 16:00".parse().unwrap(),
                    nudge: None,
                },
            },
        ),
        (
            "rhythm Growth Marketing digest \"0 16 * * 5\"",
            Command::Rhythm {
                team: team("Growth Marketing"),
                change: RhythmChange::Digest {
                    schedule: "0 16 * * 5".parse().unwrap(),
                    nudge: None,
                },
            },
        ),
        (
            "rhythm Growth Marketing review \"tue 10:00\"",
            Command::Rhythm {
                team: team("Growth Marketing"),
                change: RhythmChange::Review {
                    schedule: Some("tue 10:00".parse().unwrap()),
                },
            },
        ),
        (
            "rhythm Platform review off",
            Command::Rhythm {
                team: team("Platform"),
                change: RhythmChange::Review { schedule: None },
            },
        ),
        (
            "rhythm Platform off",
            Command::Rhythm {
                team: team("Platform"),
                change: RhythmChange::Off,
            },
        ),
        (
            "rhythm \"Digest Team\" OFF",
            Command::Rhythm {
                team: team("Digest Team"),
                change: RhythmChange::Off,
            },
        ),
        (
            "rhythm \"Digest Team\"",
            Command::Rhythm {
                team: team("Digest Team"),
                change: RhythmChange::Show,
            },
        ),
    ]);
}

#[test]
fn checkin_digest_away_dashboard() {
    run_table(&[
        ("checkin", Command::Checkin),
        ("check-in", Command::Checkin),
        ("CheckIn", Command::Checkin),
        ("digest", Command::Digest { team: None }),
        (
            "digest Platform",
            Command::Digest {
                team: Some(team("Platform")),
            },
        ),
        (
            "digest Growth Marketing",
            Command::Digest {
                team: Some(team("Growth Marketing")),
            },
        ),
        (
            "digest \"Two Words\"",
            Command::Digest {
                team: Some(team("Two Words")),
            },
        ),
        (
            "away 2026-12-20 2027-01-04",
            Command::Away {
                from: on(2026, 12, 20),
                to: on(2027, 1, 4),
                acting: None,
            },
        ),
        (
            "away 2026-12-20 2027-01-04 acting:<@U0BEN|ben>",
            Command::Away {
                from: on(2026, 12, 20),
                to: on(2027, 1, 4),
                acting: Some(UserRef::Id {
                    id: "U0BEN".into(),
                    name: Some("ben".into()),
                }),
            },
        ),
        (
            "away 2026-12-20 2027-01-04 acting:<@29:1a-b|Ben Smith>",
            Command::Away {
                from: on(2026, 12, 20),
                to: on(2027, 1, 4),
                acting: Some(UserRef::Id {
                    id: "29:1a-b".into(),
                    name: Some("Ben Smith".into()),
                }),
            },
        ),
        (
            "away acting:@ben +1d +2w",
            Command::Away {
                from: DueDate::InDays(1),
                to: DueDate::InDays(14),
                acting: Some(UserRef::Name("ben".into())),
            },
        ),
        (
            "away 2026-12-20 2027-01-04 ACTING: @ben",
            Command::Away {
                from: on(2026, 12, 20),
                to: on(2027, 1, 4),
                acting: Some(UserRef::Name("ben".into())),
            },
        ),
        (
            "away +1d +2w",
            Command::Away {
                from: DueDate::InDays(1),
                to: DueDate::InDays(14),
                acting: None,
            },
        ),
        ("away off", Command::AwayOff),
        ("away OFF", Command::AwayOff),
        ("dashboard", Command::Dashboard),
        ("/dashboard", Command::Dashboard),
    ]);
}

#[test]
fn every_help_example_parses() {
    for c in help::COMMANDS {
        for example in c.examples {
            ok(example);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mistakes, each with its specific error

#[test]
fn empty_unknown_and_token_errors() {
    run_error_table(&[
        ("", |e| matches!(e, ParseError::Empty)),
        ("   \t\n ", |e| matches!(e, ParseError::Empty)),
        (
            "lsit",
            |e| matches!(e, ParseError::UnknownCommand { word, suggestion: Some("list") } if word == "lsit"),
        ),
        (
            "LSIT mine",
            |e| matches!(e, ParseError::UnknownCommand { word, suggestion: Some("list") } if word == "LSIT"),
        ),
        ("stauts #1 done", |e| {
            matches!(
                e,
                ParseError::UnknownCommand {
                    suggestion: Some("status"),
                    ..
                }
            )
        }),
        ("ad Ship it", |e| {
            matches!(
                e,
                ParseError::UnknownCommand {
                    suggestion: Some("add"),
                    ..
                }
            )
        }),
        ("dashbaord", |e| {
            matches!(
                e,
                ParseError::UnknownCommand {
                    suggestion: Some("dashboard"),
                    ..
                }
            )
        }),
        (
            "xyzzy",
            |e| matches!(e, ParseError::UnknownCommand { word, suggestion: None } if word == "xyzzy"),
        ),
        ("🚀", |e| {
            matches!(
                e,
                ParseError::UnknownCommand {
                    suggestion: None,
                    ..
                }
            )
        }),
        ("add \"oops", |e| {
            matches!(e, ParseError::Token(TokenError::UnclosedQuote))
        }),
        ("add Ship team:\"Two Words", |e| {
            matches!(e, ParseError::Token(TokenError::UnclosedQuote))
        }),
        (
            "add Ship <@U1",
            |e| matches!(e, ParseError::Token(TokenError::UnclosedAngle(s)) if s == "<@U1"),
        ),
        ("list <#C1|eng", |e| {
            matches!(e, ParseError::Token(TokenError::UnclosedAngle(_)))
        }),
    ]);
}

#[test]
fn add_mistakes() {
    run_error_table(&[
        ("add", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "add",
                    what: "a title"
                }
            )
        }),
        ("add @ana team:Platform due:Q1", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "add",
                    what: "a title"
                }
            )
        }),
        ("add \"\"", |e| {
            matches!(
                e,
                ParseError::Title {
                    command: "add",
                    source: TitleError::Empty
                }
            )
        }),
        ("add \"   \"", |e| {
            matches!(
                e,
                ParseError::Title {
                    command: "add",
                    source: TitleError::Empty
                }
            )
        }),
        (
            "add Ship @ana @ben",
            |e| matches!(e, ParseError::Repeated { command: "add", option } if option == "@owner"),
        ),
        (
            "add Ship <@U1|ana> <@U2>",
            |e| matches!(e, ParseError::Repeated { command: "add", option } if option == "@owner"),
        ),
        (
            "add Ship due:2027-02-30",
            |e| matches!(e, ParseError::Due { command: "add", source: DueDateError::NoSuchDay(s) } if s == "2027-02-30"),
        ),
        ("add Ship due:2026-13-01", |e| {
            matches!(
                e,
                ParseError::Due {
                    command: "add",
                    source: DueDateError::NoSuchDay(_)
                }
            )
        }),
        (
            "add Ship due:tomorrow",
            |e| matches!(e, ParseError::Due { command: "add", source: DueDateError::Unrecognised(s) } if s == "tomorrow"),
        ),
        (
            "add Ship due:Q5",
            |e| matches!(e, ParseError::Due { command: "add", source: DueDateError::Unrecognised(s) } if s == "Q5"),
        ),
        ("add Ship due:Q0", |e| {
            matches!(
                e,
                ParseError::Due {
                    source: DueDateError::Unrecognised(_),
                    ..
                }
            )
        }),
        (
            "add Ship due:+3m",
            |e| matches!(e, ParseError::Due { command: "add", source: DueDateError::Unrecognised(s) } if s == "+3m"),
        ),
        ("add Ship due:+d", |e| {
            matches!(
                e,
                ParseError::Due {
                    source: DueDateError::Unrecognised(_),
                    ..
                }
            )
        }),
        ("add Ship due:31/12/2026", |e| {
            matches!(
                e,
                ParseError::Due {
                    source: DueDateError::Unrecognised(_),
                    ..
                }
            )
        }),
        ("add Ship due:", |e| {
            matches!(
                e,
                ParseError::Due {
                    source: DueDateError::Unrecognised(_),
                    ..
                }
            )
        }),
        ("add Ship due:+9999w", |e| {
            matches!(
                e,
                ParseError::Due {
                    command: "add",
                    source: DueDateError::TooFar(_)
                }
            )
        }),
        // A multi-byte character after `+N` must be an error, not a panic.
        (
            "add Ship due:+3é",
            |e| matches!(e, ParseError::Due { command: "add", source: DueDateError::Unrecognised(s) } if s == "+3é"),
        ),
        ("add Ship due:+🚀", |e| {
            matches!(
                e,
                ParseError::Due {
                    command: "add",
                    source: DueDateError::Unrecognised(_)
                }
            )
        }),
        (
            "add Ship team:A team:B",
            |e| matches!(e, ParseError::Repeated { command: "add", option } if option == "team"),
        ),
        (
            "add Ship due:Q1 due:Q2",
            |e| matches!(e, ParseError::Repeated { command: "add", option } if option == "due"),
        ),
        (
            "add Ship parent:#1 parent:#2",
            |e| matches!(e, ParseError::Repeated { command: "add", option } if option == "parent"),
        ),
        (
            "add Ship tz:Europe/Berlin",
            |e| matches!(e, ParseError::UnknownOption { command: "add", option } if option == "tz"),
        ),
        (
            "add Ship remind:4h",
            |e| matches!(e, ParseError::UnknownOption { command: "add", option } if option == "remind"),
        ),
        (
            "add Ship lead:@ana",
            |e| matches!(e, ParseError::UnknownOption { command: "add", option } if option == "lead"),
        ),
        (
            "add Ship title:Other",
            |e| matches!(e, ParseError::UnknownOption { command: "add", option } if option == "title"),
        ),
        ("add Ship parent:#0", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "add",
                    source: PriorityNumberError::Zero
                }
            )
        }),
        (
            "add Ship parent:abc",
            |e| matches!(e, ParseError::Priority { command: "add", source: PriorityNumberError::NotANumber(s) } if s == "abc"),
        ),
        ("add Ship parent:none", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "add",
                    source: PriorityNumberError::NotANumber(_)
                }
            )
        }),
        ("add Ship team:#eng", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "add",
                    source: TeamNameError::BadCharacter('#')
                }
            )
        }),
        ("add Ship team:", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "add",
                    source: TeamNameError::Empty
                }
            )
        }),
        (
            "add Ship <#C123|eng>",
            |e| matches!(e, ParseError::Unexpected { command: "add", got } if got == "#eng"),
        ),
    ]);
    let long = "a".repeat(201);
    let input = format!("add {long}");
    assert!(matches!(
        parse(&input),
        Err(ParseError::Title {
            command: "add",
            source: TitleError::TooLong
        })
    ));
    let long_team = "x".repeat(51);
    let input = format!("add Ship team:{long_team}");
    assert!(matches!(
        parse(&input),
        Err(ParseError::TeamName {
            command: "add",
            source: TeamNameError::TooLong
        })
    ));
}

#[test]
fn list_show_status_mistakes() {
    run_error_table(&[
        (
            "list al",
            |e| matches!(e, ParseError::UnknownSubcommand { command: "list", got, suggestion: Some("all") } if got == "al"),
        ),
        ("list stalld", |e| {
            matches!(
                e,
                ParseError::UnknownSubcommand {
                    command: "list",
                    suggestion: Some("stalled"),
                    ..
                }
            )
        }),
        ("list mien", |e| {
            matches!(
                e,
                ParseError::UnknownSubcommand {
                    command: "list",
                    suggestion: Some("mine"),
                    ..
                }
            )
        }),
        ("list zebras", |e| {
            matches!(
                e,
                ParseError::UnknownSubcommand {
                    command: "list",
                    suggestion: None,
                    ..
                }
            )
        }),
        (
            "list due:Q1",
            |e| matches!(e, ParseError::UnknownOption { command: "list", option } if option == "due"),
        ),
        (
            "list mine all",
            |e| matches!(e, ParseError::Unexpected { command: "list", got } if got == "all"),
        ),
        ("list #eng", |e| {
            matches!(
                e,
                ParseError::Unexpected {
                    command: "list",
                    ..
                }
            )
        }),
        ("list team:", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "list",
                    source: TeamNameError::Empty
                }
            )
        }),
        ("show", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "show",
                    ..
                }
            )
        }),
        ("show #0", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "show",
                    source: PriorityNumberError::Zero
                }
            )
        }),
        (
            "show #abc",
            |e| matches!(e, ParseError::Priority { command: "show", source: PriorityNumberError::NotANumber(s) } if s == "#abc"),
        ),
        ("show #", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "show",
                    source: PriorityNumberError::NotANumber(_)
                }
            )
        }),
        ("show #-3", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "show",
                    source: PriorityNumberError::NotANumber(_)
                }
            )
        }),
        ("show #99999999999999999999", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "show",
                    source: PriorityNumberError::NotANumber(_)
                }
            )
        }),
        ("show #١٢", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "show",
                    source: PriorityNumberError::NotANumber(_)
                }
            )
        }),
        (
            "show #12 #13",
            |e| matches!(e, ParseError::Unexpected { command: "show", got } if got == "#13"),
        ),
        ("status", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "status",
                    ..
                }
            )
        }),
        (
            "status #12",
            |e| matches!(e, ParseError::Missing { command: "status", what } if what.contains("status")),
        ),
        (
            "status #12 maybe",
            |e| matches!(e, ParseError::Status { command: "status", source: UnknownStatus(s), .. } if s == "maybe"),
        ),
        ("status #12 on risk", |e| {
            matches!(
                e,
                ParseError::Status {
                    command: "status",
                    ..
                }
            )
        }),
        (
            "status #12 40%",
            |e| matches!(e, ParseError::Status { command: "status", source: UnknownStatus(s), .. } if s == "40%"),
        ),
        (
            "status done #12",
            |e| matches!(e, ParseError::Priority { command: "status", source: PriorityNumberError::NotANumber(s) } if s == "done"),
        ),
        ("status #0 done", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "status",
                    source: PriorityNumberError::Zero
                }
            )
        }),
        ("status #12 on-track 150%", |e| {
            matches!(
                e,
                ParseError::Progress {
                    command: "status",
                    source: ProgressError::OutOfRange(150)
                }
            )
        }),
        ("status #12 on track 101%", |e| {
            matches!(
                e,
                ParseError::Progress {
                    command: "status",
                    source: ProgressError::OutOfRange(101)
                }
            )
        }),
        ("status #12 done 4.5%", |e| {
            matches!(
                e,
                ParseError::Progress {
                    command: "status",
                    source: ProgressError::NotAPercentage(_)
                }
            )
        }),
        ("status #12 done %", |e| {
            matches!(
                e,
                ParseError::Progress {
                    command: "status",
                    source: ProgressError::NotAPercentage(_)
                }
            )
        }),
        ("status #12 done 99999999999999%", |e| {
            matches!(
                e,
                ParseError::Progress {
                    command: "status",
                    source: ProgressError::NotAPercentage(_)
                }
            )
        }),
    ]);
    for len in [2001, 5000] {
        let input = format!("status #12 at-risk 40% {}", "x".repeat(len));
        assert!(
            matches!(
                parse(&input),
                Err(ParseError::NoteTooLong { command: "status" })
            ),
            "note of {len} characters"
        );
    }
    // Counted in characters across several words: 1000 + space + 1000 = 2001.
    let input = format!("status #12 done {} {}", "é".repeat(1000), "é".repeat(1000));
    assert!(matches!(
        parse(&input),
        Err(ParseError::NoteTooLong { command: "status" })
    ));
}

#[test]
fn edit_and_depends_mistakes() {
    run_error_table(&[
        ("edit", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "edit",
                    ..
                }
            )
        }),
        (
            "edit #12",
            |e| matches!(e, ParseError::Missing { command: "edit", what } if what.contains("change")),
        ),
        ("edit #abc due:Q1", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "edit",
                    ..
                }
            )
        }),
        (
            "edit #12 parent:abc",
            |e| matches!(e, ParseError::Priority { command: "edit", source: PriorityNumberError::NotANumber(s) } if s == "abc"),
        ),
        ("edit #12 parent:#0", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "edit",
                    source: PriorityNumberError::Zero
                }
            )
        }),
        (
            "edit #12 due:soon",
            |e| matches!(e, ParseError::Due { command: "edit", source: DueDateError::Unrecognised(s) } if s == "soon"),
        ),
        ("edit #12 due:2027-02-30", |e| {
            matches!(
                e,
                ParseError::Due {
                    command: "edit",
                    source: DueDateError::NoSuchDay(_)
                }
            )
        }),
        (
            "edit #12 Ship it",
            |e| matches!(e, ParseError::Unexpected { command: "edit", got } if got == "Ship"),
        ),
        (
            "edit #12 \"New title\"",
            |e| matches!(e, ParseError::Unexpected { command: "edit", got } if got == "New title"),
        ),
        (
            "edit #12 tz:UTC",
            |e| matches!(e, ParseError::UnknownOption { command: "edit", option } if option == "tz"),
        ),
        (
            "edit #12 @ana @ben",
            |e| matches!(e, ParseError::Repeated { command: "edit", option } if option == "@owner"),
        ),
        (
            "edit #12 due:none due:Q1",
            |e| matches!(e, ParseError::Repeated { command: "edit", option } if option == "due"),
        ),
        ("edit #12 title:\"\"", |e| {
            matches!(
                e,
                ParseError::Title {
                    command: "edit",
                    source: TitleError::Empty
                }
            )
        }),
        ("edit #12 team:\"a|b\"", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "edit",
                    source: TeamNameError::BadCharacter('|')
                }
            )
        }),
        ("depends #12 to #7", |e| {
            matches!(e, ParseError::MissingOn { command: "depends" })
        }),
        ("depends #12 #7", |e| {
            matches!(e, ParseError::MissingOn { command: "depends" })
        }),
        ("undepend #12 #7", |e| {
            matches!(
                e,
                ParseError::MissingOn {
                    command: "undepend"
                }
            )
        }),
        ("depends #12", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "depends",
                    ..
                }
            )
        }),
        ("depends", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "depends",
                    ..
                }
            )
        }),
        ("depends #12 on", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "depends",
                    ..
                }
            )
        }),
        (
            "undepend #12 on #7 #8",
            |e| matches!(e, ParseError::Unexpected { command: "undepend", got } if got == "#8"),
        ),
        (
            "depends #x on #7",
            |e| matches!(e, ParseError::Priority { command: "depends", source: PriorityNumberError::NotANumber(s) } if s == "#x"),
        ),
        ("depends #12 on #0", |e| {
            matches!(
                e,
                ParseError::Priority {
                    command: "depends",
                    source: PriorityNumberError::Zero
                }
            )
        }),
    ]);
    let input = format!("edit #12 title:\"{}\"", "t".repeat(201));
    assert!(matches!(
        parse(&input),
        Err(ParseError::Title {
            command: "edit",
            source: TitleError::TooLong
        })
    ));
}

#[test]
fn team_mistakes() {
    run_error_table(&[
        ("team", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "team",
                    ..
                }
            )
        }),
        (
            "team jion Platform",
            |e| matches!(e, ParseError::UnknownSubcommand { command: "team", got, suggestion: Some("join") } if got == "jion"),
        ),
        ("team laeve Platform", |e| {
            matches!(
                e,
                ParseError::UnknownSubcommand {
                    command: "team",
                    suggestion: Some("leave"),
                    ..
                }
            )
        }),
        ("team shwo Platform", |e| {
            matches!(
                e,
                ParseError::UnknownSubcommand {
                    command: "team",
                    suggestion: Some("show"),
                    ..
                }
            )
        }),
        ("team frobnicate", |e| {
            matches!(
                e,
                ParseError::UnknownSubcommand {
                    command: "team",
                    suggestion: None,
                    ..
                }
            )
        }),
        ("team add", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "team",
                    what: "a team name"
                }
            )
        }),
        // `#eng` is a channel, so there is no name before it.
        ("team add #eng", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "team",
                    what: "a team name"
                }
            )
        }),
        ("team add #12", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "team",
                    what: "a team name"
                }
            )
        }),
        ("team add @ana", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "team",
                    what: "a team name"
                }
            )
        }),
        ("team add \"#eng\"", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "team",
                    source: TeamNameError::BadCharacter('#')
                }
            )
        }),
        ("team add \"@eng\"", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "team",
                    source: TeamNameError::BadCharacter('@')
                }
            )
        }),
        ("team add Foo:bar", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "team",
                    source: TeamNameError::BadCharacter(':')
                }
            )
        }),
        (
            "team add Platform lead:ana",
            |e| matches!(e, ParseError::Missing { command: "team", what } if what.contains("lead:")),
        ),
        (
            "team add Platform lead:",
            |e| matches!(e, ParseError::Missing { command: "team", what } if what.contains("lead:")),
        ),
        ("team add Platform lead:<@U1", |e| {
            matches!(e, ParseError::Token(TokenError::UnclosedAngle(_)))
        }),
        (
            "team add Platform lead:@a lead:@b",
            |e| matches!(e, ParseError::Repeated { command: "team", option } if option == "lead"),
        ),
        (
            "team add Platform #a #b",
            |e| matches!(e, ParseError::Repeated { command: "team", option } if option == "#channel"),
        ),
        (
            "team add Platform parent:A parent:B",
            |e| matches!(e, ParseError::Repeated { command: "team", option } if option == "parent"),
        ),
        ("team add Platform parent:#eng", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "team",
                    source: TeamNameError::BadCharacter('#')
                }
            )
        }),
        (
            "team add Platform tz:UTC",
            |e| matches!(e, ParseError::UnknownOption { command: "team", option } if option == "tz"),
        ),
        (
            "team add Platform @ana",
            |e| matches!(e, ParseError::Unexpected { command: "team", got } if got == "@ana"),
        ),
        ("team join", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "team",
                    ..
                }
            )
        }),
        (
            "team join Platform #eng",
            |e| matches!(e, ParseError::Unexpected { command: "team", got } if got == "#eng"),
        ),
        ("team leave Platform team:X", |e| {
            matches!(
                e,
                ParseError::Unexpected {
                    command: "team",
                    ..
                }
            )
        }),
        ("team show", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "team",
                    ..
                }
            )
        }),
        (
            "team show Platform @ana",
            |e| matches!(e, ParseError::Unexpected { command: "team", got } if got == "@ana"),
        ),
        (
            "teams now",
            |e| matches!(e, ParseError::Unexpected { command: "teams", got } if got == "now"),
        ),
    ]);
    let input = format!("team add {}", "x".repeat(51));
    assert!(matches!(
        parse(&input),
        Err(ParseError::TeamName {
            command: "team",
            source: TeamNameError::TooLong
        })
    ));
}

#[test]
fn rhythm_mistakes() {
    run_error_table(&[
        (
            "rhythm Platform checkin \"mon 09:00\" tz:Mars/Base",
            |e| matches!(e, ParseError::Zone { command: "rhythm", got } if got == "Mars/Base"),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" tz:",
            |e| matches!(e, ParseError::Zone { command: "rhythm", got } if got.is_empty()),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" remind:soon",
            |e| matches!(e, ParseError::Duration { command: "rhythm", got } if got == "soon"),
        ),
        ("rhythm Platform checkin \"mon 09:00\" remind:4", |e| {
            matches!(
                e,
                ParseError::Duration {
                    command: "rhythm",
                    ..
                }
            )
        }),
        ("rhythm Platform checkin \"mon 09:00\" remind:0m", |e| {
            matches!(
                e,
                ParseError::Duration {
                    command: "rhythm",
                    ..
                }
            )
        }),
        ("rhythm Platform checkin \"mon 09:00\" remind:8d", |e| {
            matches!(
                e,
                ParseError::Duration {
                    command: "rhythm",
                    ..
                }
            )
        }),
        (
            "rhythm Platform checkin \"mon 09:00\" remind:999999h",
            |e| {
                matches!(
                    e,
                    ParseError::Duration {
                        command: "rhythm",
                        ..
                    }
                )
            },
        ),
        ("rhythm Platform checkin \"mon 09:00\" remind:4ч", |e| {
            matches!(
                e,
                ParseError::Duration {
                    command: "rhythm",
                    ..
                }
            )
        }),
        (
            "rhythm Platform checkin",
            |e| matches!(e, ParseError::Missing { command: "rhythm", what } if what.contains("schedule")),
        ),
        (
            "rhythm Platform digest",
            |e| matches!(e, ParseError::Missing { command: "rhythm", what } if what.contains("schedule")),
        ),
        (
            "rhythm Platform checkin tz:UTC",
            |e| matches!(e, ParseError::Missing { command: "rhythm", what } if what.contains("schedule")),
        ),
        ("rhythm", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "rhythm",
                    what: "a team name"
                }
            )
        }),
        ("rhythm checkin \"mon 09:00\"", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "rhythm",
                    what: "a team name"
                }
            )
        }),
        (
            "rhythm Platform checkin \"mon 09:00\" tz:UTC tz:UTC",
            |e| matches!(e, ParseError::Repeated { command: "rhythm", option } if option == "tz"),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" remind:1h remind:off",
            |e| matches!(e, ParseError::Repeated { command: "rhythm", option } if option == "remind"),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" due:Q1",
            |e| matches!(e, ParseError::UnknownOption { command: "rhythm", option } if option == "due"),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" extra",
            |e| matches!(e, ParseError::Unexpected { command: "rhythm", got } if got == "extra"),
        ),
        (
            "rhythm Platform off now",
            |e| matches!(e, ParseError::Unexpected { command: "rhythm", got } if got == "now"),
        ),
        (
            "rhythm Platform digest \"fri 16:00\" extra",
            |e| matches!(e, ParseError::Unexpected { command: "rhythm", got } if got == "extra"),
        ),
        (
            "rhythm @ana off",
            |e| matches!(e, ParseError::Unexpected { command: "rhythm", got } if got == "@ana"),
        ),
        ("rhythm Foo:bar off", |e| {
            matches!(
                e,
                ParseError::TeamName {
                    command: "rhythm",
                    source: TeamNameError::BadCharacter(':')
                }
            )
        }),
    ]);
}

#[test]
fn no_arg_commands_digest_and_away_mistakes() {
    run_error_table(&[
        (
            "checkin now",
            |e| matches!(e, ParseError::Unexpected { command: "checkin", got } if got == "now"),
        ),
        (
            "dashboard please",
            |e| matches!(e, ParseError::Unexpected { command: "dashboard", got } if got == "please"),
        ),
        (
            "help add extra",
            |e| matches!(e, ParseError::Unexpected { command: "help", got } if got == "extra"),
        ),
        (
            "digest Platform @ana",
            |e| matches!(e, ParseError::Unexpected { command: "digest", got } if got == "@ana"),
        ),
        ("digest #eng", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "digest",
                    what: "a team name"
                }
            )
        }),
        ("away", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "away",
                    ..
                }
            )
        }),
        ("away 2026-12-20", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "away",
                    ..
                }
            )
        }),
        (
            "away 2026-12-20 someday",
            |e| matches!(e, ParseError::Due { command: "away", source: DueDateError::Unrecognised(s) } if s == "someday"),
        ),
        ("away 2026-12-20 2026-12-32", |e| {
            matches!(
                e,
                ParseError::Due {
                    command: "away",
                    source: DueDateError::NoSuchDay(_)
                }
            )
        }),
        ("away yesterday 2026-12-20", |e| {
            matches!(
                e,
                ParseError::Due {
                    command: "away",
                    source: DueDateError::Unrecognised(_)
                }
            )
        }),
        (
            "away 2026-12-20 2027-01-04 2027-01-05",
            |e| matches!(e, ParseError::Unexpected { command: "away", got } if got == "2027-01-05"),
        ),
        (
            "away 2026-12-20 2027-01-04 acting:ben",
            |e| matches!(e, ParseError::Unexpected { command: "away", got } if got == "acting:ben"),
        ),
        ("away 2026-12-20 2027-01-04 acting:", |e| {
            matches!(
                e,
                ParseError::Missing {
                    command: "away",
                    ..
                }
            )
        }),
        ("away 2026-12-20 2027-01-04 acting:@ben acting:@chen", |e| {
            matches!(
                e,
                ParseError::Repeated {
                    command: "away",
                    ..
                }
            )
        }),
        ("away off acting:@ben", |e| {
            matches!(
                e,
                ParseError::Unexpected {
                    command: "away",
                    ..
                }
            )
        }),
        ("away 2026-12-20 2027-01-04 tz:UTC", |e| {
            matches!(
                e,
                ParseError::UnknownOption {
                    command: "away",
                    ..
                }
            )
        }),
    ]);
}

#[test]
fn errors_name_their_command_and_suggestion() {
    let e = parse("lsit").unwrap_err();
    assert_eq!(e.command(), None);
    assert_eq!(e.suggestion(), Some("list"));
    let e = parse("team jion Platform").unwrap_err();
    assert_eq!(e.command(), Some("team"));
    assert_eq!(e.suggestion(), Some("join"));
    let e = parse("add Ship due:tomorrow").unwrap_err();
    assert_eq!(e.command(), Some("add"));
    assert_eq!(e.suggestion(), None);
    assert!(e.to_string().contains("tomorrow"), "{e}");
    assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
    let e = parse("depends #12 to #7").unwrap_err();
    assert_eq!(e.command(), Some("depends"));
    assert!(e.to_string().contains("on"), "{e}");
    assert_eq!(parse("").unwrap_err().command(), None);
}

// ---------------------------------------------------------------------------------------------
// Properties

#[rustfmt::skip]
const COMMAND_WORDS: &[&str] = &[
    "add", "new", "list", "ls", "show", "status", "update", "edit", "depends", "undepend",
    "team", "team add", "team join", "team leave", "team show", "teams", "rhythm", "checkin",
    "digest", "away", "dashboard", "help", "?", "edit #1", "status #1", "status #1 at-risk",
    "rhythm Platform checkin", "rhythm Platform digest",
];

#[rustfmt::skip]
const FRAGMENTS: &[&str] = &[
    "add", "list", "show", "status", "edit", "depends", "team", "rhythm", "away", "join",
    "leave", "off", "on", "track", "risk", "mine", "all", "none", "member", "checkin", "digest",
    "#", "#1", "#0", "#12", "#eng", "@", "@ana", "<@", "<@U1", "<@U1|ana>", "<@U1>", "<#",
    "<#C1|eng>", "<", ">", "|", "\"", "“", "”", "„", ":", "team:", "due:", "due:+", "due:+3",
    "due:Q", "parent:", "parent:#", "title:", "lead:", "lead:<@", "tz:", "remind:", "remind:4",
    "%", "40%", "150%", "+", "+3", "+3d", "+2w", "Q", "Q3", "eoq", "2026-12-31", "2027-02-30",
    "-", "&amp;", "&lt;", "&", ";", "Europe/Berlin", "4h", "1h30m", "🚀", "é", "👩‍💻", "日本",
    "\u{0}", "\u{200b}", "\u{3000}", "\u{301}", "\t", "\n", "/",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => "\\PC{0,3}",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn grammarish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (fragment(), prop::sample::select(&["", "", " ", "  "][..])),
        0..14,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(f, sep)| [f, sep.to_string()])
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_any_string(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_grammar_fragments(s in grammarish()) {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_after_a_command_word(
        word in prop::sample::select(COMMAND_WORDS),
        s in grammarish(),
    ) {
        let _ = parse(&format!("{word} {s}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn status_with_any_number_and_progress_round_trips(
        number in 1i64..=999_999_999_999_999,
        which in 0usize..5,
        progress in 0i64..=100,
    ) {
        let s = Status::ALL[which];
        let input = format!("status #{number} {} {progress}% all good", s.as_str());
        prop_assert_eq!(
            parse(&input),
            Ok(status(number, s, Some(progress), Some("all good")))
        );
    }

    #[test]
    fn add_with_any_plain_title_keeps_it(words in prop::collection::vec("[A-Za-z0-9éü🚀]{1,8}", 1..8)) {
        let title = words.join(" ");
        prop_assert_eq!(parse(&format!("add {title} due:Q1")), Ok(add(
            &title,
            None,
            None,
            Some(DueDate::Quarter(1)),
            None,
        )));
    }
}

#[test]
fn a_due_date_change_carries_its_reason_for_the_slip_log() {
    let Ok(Command::Edit { due, reason, .. }) = parse("edit #12 due:2027-02-15 \"vendor delay\"")
    else {
        panic!("edit with a reason parses");
    };
    assert!(matches!(due, Some(Some(_))));
    assert_eq!(reason.as_deref(), Some("vendor delay"));
    let Ok(Command::Edit { reason, .. }) = parse("edit #12 “legal review” due:none") else {
        panic!("the reason may come first, in typographic quotes");
    };
    assert_eq!(reason.as_deref(), Some("legal review"));
    // A reason needs a due date to explain, is given once, and is short.
    assert!(matches!(
        parse("edit #12 @ana \"why\""),
        Err(ParseError::Unexpected {
            command: "edit",
            ..
        })
    ));
    assert!(matches!(
        parse("edit #12 due:Q2 \"a\" \"b\""),
        Err(ParseError::Repeated {
            command: "edit",
            ..
        })
    ));
    assert!(matches!(
        parse(&format!("edit #12 due:Q2 \"{}\"", "x".repeat(301))),
        Err(ParseError::NoteTooLong { command: "edit" })
    ));
}

#[test]
fn rhythm_checkin_focus_on_and_off() {
    let focus_of = |input: &str| match ok(input) {
        Command::Rhythm {
            change: RhythmChange::Checkin { focus, .. },
            ..
        } => focus,
        other => panic!("{input:?} parsed as {other:?}"),
    };
    assert_eq!(
        focus_of("rhythm Platform checkin \"mon 09:00\" focus:off"),
        Some(false)
    );
    assert_eq!(
        focus_of("rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin focus:ON remind:4h"),
        Some(true)
    );
    // Not given: the current setting stays.
    assert_eq!(focus_of("rhythm Platform checkin \"mon 09:00\""), None);
    assert!(matches!(
        parse("rhythm Platform checkin \"mon 09:00\" focus:maybe"),
        Err(ParseError::Focus { command: "rhythm", ref got }) if got == "maybe"
    ));
    assert_eq!(
        parse("rhythm Platform checkin \"mon 09:00\" focus:maybe")
            .unwrap_err()
            .to_string(),
        "`focus:maybe` is not a setting; use focus:on or focus:off"
    );
    assert!(matches!(
        parse("rhythm Platform checkin \"mon 09:00\" focus:off focus:on"),
        Err(ParseError::Repeated { command: "rhythm", ref option }) if option == "focus"
    ));
    // Only a check-in takes it.
    assert!(matches!(
        parse("rhythm Platform digest \"fri 16:00\" focus:off"),
        Err(ParseError::UnknownOption {
            command: "rhythm",
            ..
        })
    ));
}

#[test]
fn rhythm_ask_changed_or_all() {
    let with_ask = |ask| Command::Rhythm {
        team: team("Platform"),
        change: RhythmChange::Checkin {
            schedule: "mon 09:00".parse().unwrap(),
            zone: None,
            remind: None,
            focus: None,
            ask: Some(ask),
        },
    };
    run_table(&[
        (
            "rhythm Platform checkin \"mon 09:00\" ask:changed",
            with_ask(Ask::Changed),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" ASK:Changed",
            with_ask(Ask::Changed),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" ask:all",
            with_ask(Ask::All),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" tz:UTC ask:changed remind:off",
            Command::Rhythm {
                team: team("Platform"),
                change: RhythmChange::Checkin {
                    schedule: "mon 09:00".parse().unwrap(),
                    zone: Some(ZoneChoice::Zone(Tz::UTC)),
                    remind: Some(Remind::Off),
                    focus: None,
                    ask: Some(Ask::Changed),
                },
            },
        ),
    ]);
    run_error_table(&[
        (
            "rhythm Platform checkin \"mon 09:00\" ask:sometimes",
            |e| matches!(e, ParseError::Ask { command: "rhythm", got } if got == "sometimes"),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" ask:",
            |e| matches!(e, ParseError::Ask { command: "rhythm", got } if got.is_empty()),
        ),
        (
            "rhythm Platform checkin \"mon 09:00\" ask:changed ask:all",
            |e| matches!(e, ParseError::Repeated { command: "rhythm", option } if option == "ask"),
        ),
        ("rhythm Platform digest \"fri 16:00\" ask:changed", |e| {
            matches!(
                e,
                ParseError::UnknownOption {
                    command: "rhythm",
                    ..
                }
            )
        }),
    ]);
    assert_eq!(
        parse("rhythm Platform checkin \"mon 09:00\" ask:sometimes")
            .unwrap_err()
            .to_string(),
        "`ask:sometimes` is not a way to ask; use `ask:changed` or `ask:all`"
    );
}
