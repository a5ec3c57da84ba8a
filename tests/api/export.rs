//! `pacer export`: the real binary against a database filled through real commands, its CSV
//! files and JSON document read back with a CSV reader and a JSON parser.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;

use crate::cli::pacer;
use crate::common::{TestApp, spawn_app};

/// Mon 2026-11-30 09:00 UTC: the first check-in of a "mon 09:00" UTC rhythm.
fn first_monday() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
}

/// As pacer keeps it (the command parser takes the quotes a title is typed with).
const HOSTILE: &str = "=HYPERLINK(http://x.example,win)";
const NOTE: &str = "waiting on legal, then QA; it's 2 days";
const DECISION: &str = "=SUM(A1) first, the vendor later";
const RAISED_WHY: &str = "-2 weeks, the vendor says";

/// Platform with #1 (due next year), #2 under #1, waiting on it and overdue, #3 with a title a
/// spreadsheet would run; two weekly cycles, each with check-ins and a digest.
async fn workspace_with_history(app: &TestApp) {
    for cmd in [
        "team add Platform <#C0PLATFORM|platform>",
        "add Payments API team:Platform due:2027-01-15",
        "add Fraud rules team:Platform parent:#1 due:2026-11-20",
        "depends #2 on #1",
        "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:off",
        "rhythm Platform digest \"fri 16:00\"",
    ] {
        app.ok("U0ANA", cmd).await;
    }
    app.ok("U0BEN", &format!("add {HOSTILE} team:Platform"))
        .await;
    // #3 gets a due date (not a slip), which then moves three times: it is slipping. (Before
    // the wall clock, which the export evaluates flags at.)
    for cmd in [
        "edit #3 due:2027-03-01",
        "edit #3 due:2027-03-15 \"vendor delay\"",
        "edit #3 due:2027-04-01 \"scope grew, again\"",
        "edit #3 due:none",
    ] {
        app.ok("U0BEN", cmd).await;
    }
    // Ana leads Platform: a decision on #1, with a follow-up for Ben, in text a spreadsheet
    // would run.
    app.ok(
        "U0ANA",
        &format!("decide #1 \"{DECISION}\" <@U0BEN> due:2027-01-10"),
    )
    .await;
    // Week one: the cycle opens, ana and ben answer, the digest is posted on Friday.
    app.clock.set(first_monday());
    assert_eq!(app.tick().await.opened, 1);
    app.clock.set(first_monday() + Duration::hours(1));
    app.ok("U0ANA", &format!("status #1 at-risk 40% {NOTE}"))
        .await;
    app.ok("U0ANA", "status #2 on-track 10%").await;
    app.ok("U0BEN", "status #3 on-track 5%").await;
    app.clock
        .set(first_monday() + Duration::days(4) + Duration::hours(7));
    assert_eq!(app.tick().await.closed, 1);
    // Week two: only #1 is answered.
    app.clock.set(first_monday() + Duration::days(7));
    assert_eq!(app.tick().await.opened, 1);
    app.clock
        .set(first_monday() + Duration::days(7) + Duration::hours(2));
    app.ok("U0ANA", "status #1 on-track 55%").await;
    app.clock
        .set(first_monday() + Duration::days(11) + Duration::hours(7));
    assert_eq!(app.tick().await.closed, 1);
}

/// Run `pacer export` into `dir` with `args` after it.
async fn export(app: &TestApp, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = dir.to_str().unwrap();
    let mut all = vec!["export", "--out", out];
    all.extend_from_slice(args);
    pacer(app, &all).await
}

/// A CSV file's rows as header → cell maps, after checking what spreadsheets need: a byte
/// order mark and CRLF line ends.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let bytes = std::fs::read(path).unwrap();
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or_else(|| panic!("{} has no byte order mark", path.display()));
    let text = std::str::from_utf8(body).unwrap();
    assert!(text.ends_with("\r\n"), "{text}");
    let mut reader = csv::Reader::from_reader(body);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn header(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.trim_start_matches('\u{feff}')
        .split("\r\n")
        .next()
        .unwrap()
        .to_string()
}

fn by_number<'a>(rows: &'a [HashMap<String, String>], n: &str) -> &'a HashMap<String, String> {
    rows.iter().find(|r| r["number"] == n).unwrap()
}

#[tokio::test]
async fn csv_export_writes_every_table_as_spreadsheets_open_it() {
    let app = spawn_app().await;
    workspace_with_history(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = export(&app, dir.path(), &["--format", "csv"]).await;
    assert_eq!(code, 0, "{err}");
    for file in [
        "priorities.csv",
        "checkins.csv",
        "cycles.csv",
        "digests.csv",
        "slips.csv",
        "decisions.csv",
        "raised.csv",
    ] {
        assert!(out.contains(file), "{out}");
    }
    let names = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(names, 7, "nothing but the seven files is left behind");
    assert!(
        read_csv(&dir.path().join("raised.csv")).is_empty(),
        "nothing was raised"
    );

    let decisions = read_csv(&dir.path().join("decisions.csv"));
    assert_eq!(decisions.len(), 1);
    let d = &decisions[0];
    assert_eq!(d["priority"], "1");
    assert_eq!(
        d["decision"],
        format!("'{DECISION}"),
        "a formula is written as text"
    );
    assert_eq!(
        (
            d["decided_by_user_id"].as_str(),
            d["follow_up_owner_user_id"].as_str()
        ),
        ("U0ANA", "U0BEN")
    );
    assert_eq!(
        (d["follow_up_due"].as_str(), d["follow_up_done_at"].as_str()),
        ("2027-01-10", "")
    );

    let slips = read_csv(&dir.path().join("slips.csv"));
    let moves: Vec<(&str, &str, &str)> = slips
        .iter()
        .map(|s| {
            (
                s["old_due"].as_str(),
                s["new_due"].as_str(),
                s["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("2027-03-01", "2027-03-15", "vendor delay"),
            ("2027-03-15", "2027-04-01", "scope grew, again"),
            ("2027-04-01", "", ""),
        ]
    );
    assert!(
        slips
            .iter()
            .all(|s| s["priority"] == "3" && s["moved_by_user_id"] == "U0BEN")
    );

    let path = dir.path().join("priorities.csv");
    assert_eq!(
        header(&path),
        "number,title,team,owner,owner_user_id,status,progress,due,parent,depends_on,drift_flags,created_at,updated_at"
    );
    let priorities = read_csv(&path);
    assert_eq!(priorities.len(), 3);
    let one = by_number(&priorities, "1");
    assert_eq!(
        (
            one["title"].as_str(),
            one["team"].as_str(),
            one["owner_user_id"].as_str()
        ),
        ("Payments API", "Platform", "U0ANA")
    );
    assert_eq!(
        (one["status"].as_str(), one["progress"].as_str()),
        ("on-track", "55")
    );
    assert_eq!(one["due"], "2027-01-15");
    assert_eq!(one["created_at"], "2026-11-23T09:00:00Z");
    let two = by_number(&priorities, "2");
    assert_eq!(
        (two["parent"].as_str(), two["depends_on"].as_str()),
        ("1", "1")
    );
    let flags: Vec<&str> = two["drift_flags"].split(' ').collect();
    assert!(flags.contains(&"overdue"), "{flags:?}");
    let three = by_number(&priorities, "3");
    assert_eq!(three["drift_flags"], "slipping", "{three:?}");
    assert!(one["drift_flags"].is_empty(), "{one:?}");
    // The title a spreadsheet would run is shown as text.
    assert_eq!(by_number(&priorities, "3")["title"], format!("'{HOSTILE}"));

    let checkins = read_csv(&dir.path().join("checkins.csv"));
    assert_eq!(checkins.len(), 4);
    let first = &checkins[0];
    assert_eq!(
        (
            first["priority"].as_str(),
            first["status"].as_str(),
            first["progress"].as_str()
        ),
        ("1", "at-risk", "40")
    );
    assert_eq!(first["note"], NOTE, "commas round-trip");
    assert_eq!(
        (first["late"].as_str(), first["author_user_id"].as_str()),
        ("false", "U0ANA")
    );
    assert_eq!(first["recorded_at"], "2026-11-30T10:00:00Z");
    assert!(!first["cycle"].is_empty());

    let cycles = read_csv(&dir.path().join("cycles.csv"));
    assert_eq!(cycles.len(), 2);
    assert_eq!(cycles[0]["id"], first["cycle"]);
    assert_eq!(
        (
            cycles[0]["state"].as_str(),
            cycles[0]["asked"].as_str(),
            cycles[0]["answered"].as_str()
        ),
        ("closed", "2", "2")
    );
    assert_eq!(cycles[1]["answered"], "1");
    assert_eq!(cycles[0]["opens_at"], "2026-11-30T09:00:00Z");

    let digests = read_csv(&dir.path().join("digests.csv"));
    assert_eq!(digests.len(), 2);
    let d = &digests[0];
    assert_eq!(
        (d["cycle"].as_str(), d["team"].as_str()),
        (cycles[0]["id"].as_str(), "Platform")
    );
    assert_eq!(
        (d["checked_in"].as_str(), d["expected"].as_str()),
        ("2", "2")
    );
    assert_eq!(
        (
            d["on_track"].as_str(),
            d["at_risk"].as_str(),
            d["active"].as_str()
        ),
        ("2", "1", "3")
    );
    // Posted (the time is the send's, which the fake clock does not drive).
    assert!(
        chrono::DateTime::parse_from_rfc3339(&d["posted_at"]).is_ok(),
        "{d:?}"
    );
    assert_eq!(d["period_end"], "2026-12-04T16:00:00Z");
}

#[tokio::test]
async fn since_limits_checkins_cycles_and_digests_but_not_priorities() {
    let app = spawn_app().await;
    workspace_with_history(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let args = ["--format", "csv", "--since", "2026-12-01"];
    let (code, _, err) = export(&app, dir.path(), &args).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_csv(&dir.path().join("priorities.csv")).len(), 3);
    let checkins = read_csv(&dir.path().join("checkins.csv"));
    assert_eq!(checkins.len(), 1);
    assert_eq!(checkins[0]["progress"], "55");
    let cycles = read_csv(&dir.path().join("cycles.csv"));
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0]["opens_at"], "2026-12-07T09:00:00Z");
    let digests = read_csv(&dir.path().join("digests.csv"));
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0]["cycle"], cycles[0]["id"]);
    assert!(
        read_csv(&dir.path().join("decisions.csv")).is_empty(),
        "decided before --since"
    );
}

#[tokio::test]
async fn json_export_is_one_document_with_text_exactly_as_typed() {
    let app = spawn_app().await;
    workspace_with_history(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = export(&app, dir.path(), &["--format", "json"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pacer-export.json"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("pacer-export.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(text.starts_with("{\n\"format\":\"pacer-export\""), "{text}");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["workspace"]["external_id"], "T0001");
    assert_eq!(doc["since"], Value::Null);
    let priorities = doc["priorities"].as_array().unwrap();
    assert_eq!(priorities.len(), 3);
    assert_eq!(
        priorities[2]["title"], HOSTILE,
        "no spreadsheet escaping in JSON"
    );
    assert_eq!(priorities[1]["parent"], 1);
    assert_eq!(priorities[1]["depends_on"], serde_json::json!([1]));
    assert!(
        priorities[1]["drift_flags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("overdue"))
    );
    assert_eq!(priorities[0]["parent"], Value::Null);
    assert_eq!(doc["checkins"][0]["note"], NOTE);
    assert_eq!(doc["checkins"][0]["late"], false);
    assert_eq!(doc["checkins"].as_array().unwrap().len(), 4);
    assert_eq!(doc["cycles"].as_array().unwrap().len(), 2);
    assert_eq!(doc["digests"][0]["checked_in"], 2);
    assert_eq!(doc["digests"][1]["expected"], 2);
    assert_eq!(doc["decisions"][0]["decision"], DECISION);
    assert_eq!(doc["decisions"][0]["follow_up_done_at"], Value::Null);
    assert_eq!(doc["raised"], serde_json::json!([]));
    let slips = doc["slips"].as_array().unwrap();
    assert_eq!(slips.len(), 3);
    assert_eq!(slips[0]["reason"], "vendor delay");
    assert_eq!(slips[2]["new_due"], Value::Null);
}

/// Raise priority #`number` to Leadership as the scheduler does after two bad cycles (no one
/// raises it), now.
async fn raise_by_itself(app: &TestApp, number: i64) {
    let (ws, priority_id): (i64, i64) =
        sqlx::query_as("SELECT workspace_id, id FROM priorities WHERE number = $1")
            .bind(number)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    let team_id: i64 = sqlx::query_scalar("SELECT id FROM teams WHERE name = 'Leadership'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let new = pacer::store::NewRaise {
        priority_id,
        team_id,
        raised_by: None,
        reason: "off-track in the last 2 cycles",
        why: "off-track",
    };
    assert!(app.store.raise(ws, new, app.clock_now()).await.unwrap());
}

/// Platform under Leadership: #1 raised and decided on (which closes it), #3 raised with a
/// reason a spreadsheet would run, both on Nov 23; #2 raised by itself a week later.
async fn workspace_with_raised_items(app: &TestApp) {
    for (who, cmd) in [
        ("U0ANA", "team add Leadership"),
        ("U0ANA", "team add Platform parent:Leadership"),
        ("U0ANA", "add Payments API team:Platform"),
        ("U0ANA", "add Fraud rules team:Platform"),
        ("U0BEN", "add Docs site team:Platform"),
        ("U0ANA", "raise #1 \"need a vendor call\""),
        (
            "U0ANA",
            "decide #1 \"pay the vendor\" <@U0BEN> due:2027-01-10",
        ),
    ] {
        app.ok(who, cmd).await;
    }
    app.ok("U0BEN", &format!("raise #3 \"{RAISED_WHY}\"")).await;
    app.clock.set(first_monday());
    raise_by_itself(app, 2).await;
}

#[tokio::test]
async fn raised_items_are_exported_with_who_raised_them_and_what_closed_them() {
    let app = spawn_app().await;
    workspace_with_raised_items(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = export(&app, dir.path(), &["--format", "csv"]).await;
    assert_eq!(code, 0, "{err}");
    let path = dir.path().join("raised.csv");
    assert_eq!(
        header(&path),
        "id,priority,from_team,to_team,raised_by,raised_by_user_id,reason_kind,why,raised_at,closed_at,closed_by_decision"
    );
    let raised = read_csv(&path);
    let quoted = format!("'{RAISED_WHY}");
    let keys = [
        "priority",
        "from_team",
        "to_team",
        "raised_by_user_id",
        "reason_kind",
        "why",
    ];
    let rows: Vec<Vec<&str>> = raised
        .iter()
        .map(|r| keys.iter().map(|k| r[*k].as_str()).collect())
        .collect();
    assert_eq!(
        rows,
        [
            [
                "1",
                "Platform",
                "Leadership",
                "U0ANA",
                "manual",
                "need a vendor call"
            ],
            [
                "3",
                "Platform",
                "Leadership",
                "U0BEN",
                "manual",
                quoted.as_str()
            ],
            [
                "2",
                "Platform",
                "Leadership",
                "",
                "off-track",
                "off-track in the last 2 cycles"
            ],
        ],
        "oldest first, a formula-like reason as text, nobody for an automatic raise"
    );
    assert_eq!(raised[2]["raised_by"], "", "raised by itself");
    assert_eq!(raised[0]["raised_at"], "2026-11-23T09:00:00Z");
    assert_eq!(raised[2]["raised_at"], "2026-11-30T09:00:00Z");
    let decisions = read_csv(&dir.path().join("decisions.csv"));
    assert_eq!(
        (
            raised[0]["closed_at"].as_str(),
            raised[0]["closed_by_decision"].as_str()
        ),
        ("2026-11-23T09:00:00Z", decisions[0]["id"].as_str()),
        "closed by the decision"
    );
    for open in &raised[1..] {
        assert_eq!(
            (
                open["closed_at"].as_str(),
                open["closed_by_decision"].as_str()
            ),
            ("", "")
        );
    }

    // --since keeps the raise made after it; JSON keeps the text as typed.
    let since = tempfile::tempdir().unwrap();
    let args = ["--format", "json", "--since", "2026-11-24"];
    let (code, _, err) = export(&app, since.path(), &args).await;
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(since.path().join("pacer-export.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let raised = doc["raised"].as_array().unwrap();
    assert_eq!(raised.len(), 1, "{text}");
    assert_eq!(raised[0]["priority"], 2);
    assert_eq!(
        (&raised[0]["raised_by"], &raised[0]["reason_kind"]),
        (&Value::Null, &Value::from("off-track"))
    );
    let all = tempfile::tempdir().unwrap();
    let (code, _, err) = export(&app, all.path(), &["--format", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(all.path().join("pacer-export.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc["raised"][1]["why"], RAISED_WHY,
        "no spreadsheet escaping in JSON"
    );
    assert_eq!(
        doc["raised"][0]["closed_by_decision"],
        doc["decisions"][0]["id"]
    );
}

#[tokio::test]
async fn text_with_newlines_and_quotes_round_trips_through_csv() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform").await;
    app.ok("U0ANA", "add Payments API team:Platform").await;
    let note = "line one, \"quoted\"\nline two; Zoë -1";
    let id: i64 = sqlx::query_scalar("SELECT id FROM priorities WHERE number = 1")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE priorities SET title = $1 WHERE id = $2")
        .bind(note)
        .bind(id)
        .execute(app.store.pool())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = export(&app, dir.path(), &["--format", "csv"]).await;
    assert_eq!(code, 0, "{err}");
    let priorities = read_csv(&dir.path().join("priorities.csv"));
    assert_eq!(priorities[0]["title"], note);
}

#[tokio::test]
async fn a_chosen_workspace_exports_only_its_own_data() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform").await;
    app.ok("U0ANA", "add Payments API team:Platform").await;
    app.ok("U0ANA", "status #1 at-risk 30% ours").await;
    for cmd in [
        "team add Board",
        "team add Growth parent:Board",
        "add Secret merger team:Growth",
        "status #1 off-track 5% theirs",
        "raise #1 \"theirs, raised\"",
        "decide #1 \"theirs, decided\"",
    ] {
        let r = app.slash_in("T0OTHER", "U0BEN", "C0OTHER", cmd).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = export(&app, dir.path(), &["--format", "json"]).await;
    assert_eq!(code, 2, "two workspaces and none chosen");
    assert!(
        err.contains("choose one with --workspace") && err.contains("T0OTHER"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let (code, _, err) = export(
        &app,
        dir.path(),
        &["--format", "json", "--workspace", "T0001"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("pacer-export.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["priorities"].as_array().unwrap().len(), 1);
    assert_eq!(doc["priorities"][0]["title"], "Payments API");
    assert_eq!(doc["checkins"].as_array().unwrap().len(), 1);
    assert_eq!(doc["raised"], serde_json::json!([]));
    assert_eq!(doc["decisions"], serde_json::json!([]));
    for theirs in ["Secret merger", "Growth", "theirs", "U0BEN", "T0OTHER"] {
        assert!(!text.contains(theirs), "{theirs} leaked: {text}");
    }
}

#[tokio::test]
async fn bad_arguments_exit_2_with_a_clear_message_and_touch_nothing() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform").await;
    app.ok("U0ANA", "add Payments API team:Platform").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/nested");

    let (code, _, err) = export(&app, &out, &["--format", "csv", "--since", "last week"]).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("--since must be a date like 2026-11-01"),
        "{err}"
    );
    let (code, _, err) = export(&app, &out, &["--format", "csv", "--since", "2026-02-30"]).await;
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = export(&app, &out, &["--format", "csv", "--workspace", "T0NOPE"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("no such workspace"), "{err}");
    let (code, _, err) = export(&app, &out, &["--format", "xlsx"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("xlsx"), "{err}");
    assert!(!out.exists(), "nothing created for a refused export");
    let (code, _, err) = export(&app, &out, &["--format", "csv", "--since", "2026-13-01"]).await;
    assert_eq!(code, 2);
    assert!(!err.contains("panicked"), "{err}");
    for (code, _, err) in [
        export(&app, &out, &["--format", "csv"]).await,
        export(&app, &out, &["--format", "json"]).await,
    ] {
        assert_eq!(code, 0, "{err}");
    }
    assert!(!partial_files_left(&out));

    // A second export into the same directory is refused, then allowed with --force.
    let before = std::fs::read(out.join("priorities.csv")).unwrap();
    let (code, _, err) = export(&app, &out, &["--format", "csv"]).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("already holds an export (priorities.csv") && err.contains("--force"),
        "{err}"
    );
    app.ok("U0ANA", "add Fraud rules team:Platform").await;
    assert_eq!(std::fs::read(out.join("priorities.csv")).unwrap(), before);
    let (code, _, err) = export(&app, &out, &["--format", "csv", "--force"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_csv(&out.join("priorities.csv")).len(), 2);

    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let (code, _, err) = export(&app, &file, &["--format", "csv"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("must be a directory"), "{err}");
}

/// No temporary file is left beside a finished export.
fn partial_files_left(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")
    })
}

/// Thousands of check-ins all reach the file (they are streamed, never collected first; see
/// the unit test `export::tests::rows_are_written_as_they_arrive` for the streaming itself).
#[tokio::test]
async fn thousands_of_checkins_are_exported() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform").await;
    app.ok("U0ANA", "add Payments API team:Platform").await;
    let (ws, pid, author): (i64, i64, i64) =
        sqlx::query_as("SELECT workspace_id, id, owner_id FROM priorities WHERE number = 1")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    for batch in 0..10 {
        let values: Vec<String> = (0..500)
            .map(|i| {
                let n = batch * 500 + i;
                format!(
                    "({ws}, {pid}, {author}, 'on-track', {}, 'note {n}', 0, {})",
                    n % 100,
                    1_800_000_000 + n
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO priority_updates (workspace_id, priority_id, author_id, status, progress, note, late, created_at) VALUES {}",
            values.join(", ")
        ))
        .execute(app.store.pool())
        .await
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = export(&app, dir.path(), &["--format", "csv"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("checkins.csv (5000 rows)"), "{out}");
    let checkins = read_csv(&dir.path().join("checkins.csv"));
    assert_eq!(checkins.len(), 5_000);
    assert_eq!(checkins[4_999]["note"], "note 4999");
    let (code, _, err) = export(&app, dir.path(), &["--format", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("pacer-export.json")).unwrap())
            .unwrap();
    assert_eq!(doc["checkins"].as_array().unwrap().len(), 5_000);
}
