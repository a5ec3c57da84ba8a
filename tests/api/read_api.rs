//! The read API (`/api/v1/…`) as a BI tool and an attacker use it: tokens made in chat, one
//! workspace per token, filters, cursors, refusals, and the OpenAPI document checked against
//! every route it describes.

use serde_json::{Value, json};

use crate::common::{ADMIN, TestApp, spawn_app};

/// `token add <label>` by an admin; the token as shown once.
pub(crate) async fn token_in(app: &TestApp, team: &str, label: &str) -> String {
    let reply = app
        .slash_in(team, ADMIN, "C0GENERAL1", &format!("token add {label}"))
        .await;
    let text = reply.all_text();
    let start = text
        .find("pacer_")
        .unwrap_or_else(|| panic!("a token in {text}"));
    text[start..start + 49].to_string()
}

pub(crate) async fn get(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = app.http.get(format!("{}{path}", app.url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("pacer answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body, headers)
}

fn numbers(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["number"].as_i64().expect("number"))
        .collect()
}

#[tokio::test]
async fn only_admins_make_tokens_which_are_shown_once_stored_hashed_and_revocable() {
    let app = spawn_app().await;
    app.slash(ADMIN, "team add Platform").await;
    let refused = app.slash("U0ANA", "token add sneaky").await;
    assert!(
        refused.all_text().to_lowercase().contains("only an admin"),
        "{}",
        refused.all_text()
    );
    assert!(!refused.all_text().contains("pacer_"));
    assert_eq!(app.count("api_tokens").await, 0);
    assert!(
        app.slash("U0ANA", "token list")
            .await
            .all_text()
            .to_lowercase()
            .contains("only an admin")
    );

    let token = token_in(&app, "T0001", "Finance BI").await;
    // Shown privately, and never stored: only its hash is.
    let stored: Vec<(String, String)> = sqlx::query_as("SELECT token_hash, hint FROM api_tokens")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, token);
    assert!(!stored[0].0.contains(&token[6..]) && token.starts_with(&stored[0].1));

    let (status, _, _) = get(&app, Some(&token), "/api/v1/teams").await;
    assert_eq!(status, 200);
    let list = app.slash(ADMIN, "token list").await.all_text();
    assert!(
        list.contains("Finance BI") && list.contains(&token[..10]),
        "{list}"
    );
    assert!(
        !list.contains(&token),
        "the list never shows a token: {list}"
    );
    assert!(list.contains("last used"), "{list}");

    let again = app.slash(ADMIN, "token add finance bi").await.all_text();
    assert!(again.contains("exists already"), "{again}");
    assert!(
        app.slash("U0ANA", "token revoke Finance BI")
            .await
            .all_text()
            .to_lowercase()
            .contains("only an admin")
    );
    assert_eq!(get(&app, Some(&token), "/api/v1/teams").await.0, 200);

    let revoked = app.slash(ADMIN, "token revoke Finance BI").await.all_text();
    assert!(revoked.contains("Revoked"), "{revoked}");
    let (status, body, headers) = get(&app, Some(&token), "/api/v1/teams").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert!(
        app.slash(ADMIN, "token revoke Finance BI")
            .await
            .all_text()
            .contains("no live token")
    );
    // The label is free again, for a new token.
    let fresh = token_in(&app, "T0001", "Finance BI").await;
    assert_ne!(fresh, token);
    assert_eq!(get(&app, Some(&fresh), "/api/v1/teams").await.0, 200);
    assert_eq!(get(&app, Some(&token), "/api/v1/teams").await.0, 401);
}

#[tokio::test]
async fn a_token_reads_its_own_workspace_and_nothing_of_another() {
    let app = spawn_app().await;
    app.slash_in("T0001", ADMIN, "C0GENERAL1", "team add Platform")
        .await;
    app.slash_in(
        "T0001",
        "U0ANA",
        "C0GENERAL1",
        "add Secret merger team:Platform",
    )
    .await;
    app.slash_in(
        "T0001",
        "U0ANA",
        "C0GENERAL1",
        "status #1 at-risk 40% lawyers are slow",
    )
    .await;
    app.slash_in("T0OTHER", ADMIN, "C0OTHER", "team add Growth")
        .await;
    app.slash_in("T0OTHER", "U0BEN", "C0OTHER", "add Launch ads team:Growth")
        .await;
    let ours = token_in(&app, "T0OTHER", "ours").await;

    let (_, page, _) = get(&app, Some(&ours), "/api/v1/priorities").await;
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Launch ads"]);
    // Numbers are per workspace: #1 here is ours, never the other workspace's #1.
    let (status, one, _) = get(&app, Some(&ours), "/api/v1/priorities/1").await;
    assert_eq!((status, one["title"].as_str()), (200, Some("Launch ads")));
    assert_eq!(get(&app, Some(&ours), "/api/v1/priorities/2").await.0, 404);
    let (_, teams, _) = get(&app, Some(&ours), "/api/v1/teams").await;
    assert_eq!(teams["items"].as_array().unwrap().len(), 1);
    assert_eq!(teams["items"][0]["name"], "Growth");
    let (_, checkins, _) = get(&app, Some(&ours), "/api/v1/checkins").await;
    assert_eq!(
        checkins["items"],
        json!([]),
        "the other workspace's update is not ours"
    );
    // Naming the other workspace's team or people finds nothing here.
    let (status, body, _) = get(&app, Some(&ours), "/api/v1/priorities?team=Platform").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
    assert_eq!(
        get(&app, Some(&ours), "/api/v1/checkins?owner=U0ANA")
            .await
            .0,
        400
    );
    // A cursor carries no workspace: one forged to start anywhere still reads only ours.
    use base64::Engine;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("u:0");
    let (status, body, _) = get(
        &app,
        Some(&ours),
        &format!("/api/v1/checkins?cursor={forged}"),
    )
    .await;
    assert_eq!((status, body["items"].clone()), (200, json!([])));
}

#[tokio::test]
async fn lists_filter_and_page_through_everything_once() {
    let app = spawn_app().await;
    app.slash(ADMIN, "team add Platform").await;
    app.slash(ADMIN, "team add Growth").await;
    for i in 1..=7 {
        let (who, team) = if i % 2 == 0 {
            ("U0BEN", "Growth")
        } else {
            ("U0ANA", "Platform")
        };
        app.slash(who, &format!("add \"Work, item {i}\" team:{team}"))
            .await;
    }
    app.slash("U0ANA", "edit #3 due:2026-11-01").await;
    app.slash("U0ANA", "depends #5 on #1").await;
    app.slash("U0ANA", "status #1 off-track 10% vendor late, again")
        .await;
    app.slash("U0BEN", "status #2 done").await;
    let token = token_in(&app, "T0001", "bi").await;

    // Pages of 3: every priority exactly once, in number order.
    let mut seen = Vec::new();
    let mut path = "/api/v1/priorities?limit=3".to_string();
    loop {
        let (status, page, _) = get(&app, Some(&token), &path).await;
        assert_eq!(status, 200, "{page}");
        assert!(page["items"].as_array().unwrap().len() <= 3);
        seen.extend(numbers(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/priorities?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, (1..=7).collect::<Vec<_>>());

    let (_, one, _) = get(&app, Some(&token), "/api/v1/priorities/5").await;
    assert_eq!(one["depends_on"], json!([1]));
    assert_eq!(one["team"], "Platform");
    assert_eq!(one["owner"]["user_id"], "U0ANA");
    let (_, three, _) = get(&app, Some(&token), "/api/v1/priorities/3").await;
    assert_eq!(three["due"], "2026-11-01");
    let flags: Vec<&str> = three["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flag"].as_str().unwrap())
        .collect();
    assert!(flags.contains(&"overdue"), "{three}");

    let (_, growth, _) = get(&app, Some(&token), "/api/v1/priorities?team=growth").await;
    assert_eq!(numbers(&growth), [2, 4, 6]);
    let (_, ana, _) = get(
        &app,
        Some(&token),
        "/api/v1/priorities?owner=U0ANA&status=active",
    )
    .await;
    assert_eq!(numbers(&ana), [1, 3, 5, 7]);
    let (_, done, _) = get(
        &app,
        Some(&token),
        "/api/v1/priorities?status=done,off-track",
    )
    .await;
    assert_eq!(numbers(&done), [1, 2]);

    let (_, updates, _) = get(&app, Some(&token), "/api/v1/checkins?priority=1").await;
    let items = updates["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], "off-track");
    assert_eq!(items[0]["progress"], 10);
    assert_eq!(items[0]["note"], "vendor late, again");
    assert_eq!(items[0]["author"]["user_id"], "U0ANA");
    assert_eq!(items[0]["cycle"], Value::Null);
    let (_, today, _) = get(
        &app,
        Some(&token),
        "/api/v1/checkins?from=2026-11-23&to=2026-11-23",
    )
    .await;
    assert_eq!(today["items"].as_array().unwrap().len(), 2);
    let (_, before, _) = get(&app, Some(&token), "/api/v1/checkins?to=2026-11-22").await;
    assert_eq!(before["items"], json!([]));

    // Cycles: a rhythm's first check-in opens one.
    app.slash(ADMIN, "rhythm Platform checkin \"mon 09:00\" tz:UTC")
        .await;
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 9, 0, 0).unwrap());
    app.tick().await;
    let (_, cycles, _) = get(
        &app,
        Some(&token),
        "/api/v1/cycles?team=Platform&state=open",
    )
    .await;
    let items = cycles["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{cycles}");
    assert_eq!(items[0]["team"], "Platform");
    assert_eq!(items[0]["asked"], 1);
    assert_eq!(items[0]["answered"], 0);
    let (_, none, _) = get(&app, Some(&token), "/api/v1/cycles?state=closed").await;
    assert_eq!(none["items"], json!([]));
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_and_nothing_can_be_written() {
    let app = spawn_app().await;
    app.slash(ADMIN, "team add Platform").await;
    app.slash("U0ANA", "add Payments API team:Platform").await;
    let token = token_in(&app, "T0001", "bi").await;

    for (token, why) in [
        (None, "no token"),
        (Some("pacer_"), "too short"),
        (Some("Bearer"), "garbage"),
        (
            Some(&*format!("{}x", &token[..48])),
            "one character changed",
        ),
        (Some(&*"x".repeat(5000)), "absurdly long"),
    ] {
        let (status, body, headers) = get(&app, token, "/api/v1/priorities").await;
        assert_eq!(status, 401, "{why}");
        assert_eq!(body["error"], "unauthorized", "{why}");
        assert!(headers.contains_key("www-authenticate"), "{why}");
    }
    let basic = app
        .http
        .get(format!("{}/api/v1/priorities", app.url))
        .basic_auth("admin", Some(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);

    let (status, body, _) = get(&app, Some(&token), "/api/v1/priorities?colour=red").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unknown_filter");
    assert_eq!(
        body["accepted"],
        json!(["team", "owner", "status", "cursor", "limit"])
    );
    let (status, body, _) = get(&app, Some(&token), "/api/v1/raised?status=open").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unknown_filter"))
    );
    assert_eq!(
        body["accepted"],
        json!(["team", "priority", "state", "cursor", "limit"])
    );
    let (_, body, _) = get(&app, Some(&token), "/api/v1/decisions?done=true").await;
    assert_eq!(
        body["accepted"],
        json!([
            "team", "priority", "owner", "open", "from", "to", "cursor", "limit"
        ])
    );
    for bad in [
        "/api/v1/priorities?limit=0",
        "/api/v1/priorities?limit=100000",
        "/api/v1/priorities?limit=-5",
        "/api/v1/priorities?cursor=not-a-cursor",
        "/api/v1/priorities?status=late",
        "/api/v1/priorities?team=Platform&team=Growth",
        "/api/v1/priorities?owner=%3Cscript%3E",
        "/api/v1/priorities/abc",
        "/api/v1/priorities/0",
        "/api/v1/priorities/99999999999999999999999",
        "/api/v1/checkins?from=yesterday",
        "/api/v1/checkins?from=2026-12-01&to=2026-11-01",
        "/api/v1/checkins?priority=-1",
        "/api/v1/cycles?state=half",
        "/api/v1/decisions?open=maybe",
        "/api/v1/decisions?open=true&open=false",
        "/api/v1/decisions?owner=UNOBODY",
        "/api/v1/decisions?team=Nowhere",
        "/api/v1/decisions?priority=%231x",
        "/api/v1/decisions?from=2026-12-01&to=2026-11-01",
        "/api/v1/decisions?cursor=cjow",
        "/api/v1/raised?state=half",
        "/api/v1/raised?team=Nowhere",
        "/api/v1/raised?priority=0",
        "/api/v1/raised?limit=201",
    ] {
        let (status, body, _) = get(&app, Some(&token), bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{bad}"
        );
    }
    assert_eq!(
        get(&app, Some(&token), "/api/v1/priorities/999").await.0,
        404
    );
    assert_eq!(get(&app, Some(&token), "/api/v1/people").await.0, 404);

    // Read only: every write method is refused and changes nothing.
    for path in [
        "/api/v1/priorities",
        "/api/v1/priorities/1",
        "/api/v1/teams",
        "/api/v1/checkins",
        "/api/v1/decisions",
        "/api/v1/raised",
    ] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::PATCH,
            reqwest::Method::DELETE,
        ] {
            let resp = app
                .http
                .request(method.clone(), format!("{}{path}", app.url))
                .bearer_auth(&token)
                .json(&json!({"title": "hijacked", "status": "done"}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 405, "{method} {path}");
        }
    }
    let (_, one, headers) = get(&app, Some(&token), "/api/v1/priorities/1").await;
    assert_eq!(
        (one["title"].as_str(), one["status"].as_str()),
        (Some("Payments API"), Some("on-track"))
    );
    assert_eq!(headers["cache-control"], "no-store");
}

/// The OpenAPI document describes exactly the routes there are: every path in it answers its
/// documented 200 with a body its schema accepts, and 401 without a token; routes beside
/// them are not there.
#[tokio::test]
async fn every_route_answers_as_its_openapi_document_says() {
    let app = spawn_app().await;
    app.slash(ADMIN, "team add Leadership").await;
    app.slash(ADMIN, "team add Platform lead:@UADMIN01 parent:Leadership")
        .await;
    app.slash("U0ANA", "add Payments API team:Platform due:2026-11-01")
        .await;
    app.slash("U0ANA", "add Fraud rules team:Platform").await;
    app.slash("U0ANA", "depends #2 on #1").await;
    app.slash("U0ANA", "status #1 at-risk 30% waiting").await;
    app.slash("U0ANA", "raise #2 \"needs a rules engine\"")
        .await;
    app.slash(
        ADMIN,
        "decide #1 \"pay the vendor\" <@U0ANA> due:2026-12-10",
    )
    .await;
    app.slash(ADMIN, "rhythm Platform checkin \"mon 09:00\" tz:UTC")
        .await;
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 9, 0, 0).unwrap());
    app.tick().await;
    let token = token_in(&app, "T0001", "bi").await;

    let (status, doc, _) = get(&app, None, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().expect("paths");
    let mut listed: Vec<&str> = paths.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        [
            "/api/v1/checkins",
            "/api/v1/cycles",
            "/api/v1/decisions",
            "/api/v1/priorities",
            "/api/v1/priorities/{number}",
            "/api/v1/raised",
            "/api/v1/teams",
        ]
    );
    for (path, item) in paths {
        let ops = item.as_object().unwrap();
        assert_eq!(
            ops.keys().collect::<Vec<_>>(),
            ["get"],
            "{path} is read-only"
        );
        let op = &ops["get"];
        assert_eq!(op["security"], json!([{"bearer": []}]), "{path}");
        let url = path.replace("{number}", "1");
        let (status, body, _) = get(&app, Some(&token), &url).await;
        assert_eq!(status, 200, "{path}: {body}");
        validate(&doc, &op["responses"]["200"], &body, path);
        assert!(
            !valid(&doc, &op["responses"]["200"], &json!({"items": 5})),
            "{path}: the check can fail"
        );
        if body.get("items").is_some() {
            assert!(
                !body["items"].as_array().unwrap().is_empty(),
                "{path} has something to show"
            );
        }
        let (status, body, _) = get(&app, None, &url).await;
        assert_eq!(status, 401, "{path}");
        validate(&doc, &op["responses"]["401"], &body, path);
        // Each documented query parameter is accepted; an undocumented one is not.
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] == "query" {
                let name = p["name"].as_str().unwrap();
                let (status, body, _) = get(&app, Some(&token), &format!("{url}?{name}=")).await;
                assert_ne!(body["error"], "unknown_filter", "{path}?{name}: {status}");
            }
        }
        if op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"))
        {
            let (status, body, _) = get(&app, Some(&token), &format!("{url}?undocumented=1")).await;
            assert_eq!(status, 400);
            validate(&doc, &op["responses"]["400"], &body, path);
        }
    }
}

fn valid(doc: &Value, response: &Value, body: &Value) -> bool {
    let mut root = response["content"]["application/json"]["schema"].clone();
    root.as_object_mut()
        .unwrap()
        .insert("components".into(), doc["components"].clone());
    jsonschema::validator_for(&root)
        .expect("compiles")
        .is_valid(body)
}

/// `body` against the JSON schema of a documented response (its `$ref`s into the document's
/// components resolved by the validator).
fn validate(doc: &Value, response: &Value, body: &Value, path: &str) {
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{path}: no documented schema in {response}"
    );
    let mut root = schema.clone();
    root.as_object_mut()
        .unwrap()
        .insert("components".into(), doc["components"].clone());
    let validator = jsonschema::validator_for(&root).expect("the documented schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(problems.is_empty(), "{path}: {problems:?}\n{body}");
}

/// Leadership (lead: the admin) over Platform (lead ana) and Growth (lead ben). Platform's #1
/// is raised and still open; Growth's #2 was raised and closed by a decision with an open
/// follow-up for ben; Platform's #3 has a decision whose follow-up is done.
async fn reviewed_organisation(app: &TestApp) {
    for (who, cmd) in [
        (ADMIN, "team add Leadership"),
        (ADMIN, "team add Platform parent:Leadership lead:<@U0ANA>"),
        (ADMIN, "team add Growth parent:Leadership lead:<@U0BEN>"),
        ("U0ANA", "add Vendor integration team:Platform"),
        ("U0BEN", "add Ads budget team:Growth"),
        ("U0ANA", "add Docs site team:Platform"),
        ("U0ANA", "raise #1 \"need a vendor call\""),
        ("U0BEN", "raise #2 \"budget is gone\""),
        (
            ADMIN,
            "decide #2 \"double the budget\" <@U0BEN> due:2026-12-01",
        ),
        (
            "U0ANA",
            "decide #3 \"write it later\" <@U0ANA> due:2026-12-20",
        ),
        ("U0ANA", "decide done #3"),
    ] {
        let r = app.slash(who, cmd).await;
        assert_eq!(r.status, 200, "{cmd}: {}", r.text);
        assert!(!r.all_text().contains("⚠"), "{cmd}: {}", r.all_text());
    }
}

fn ids(page: &Value, key: &str) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {page}"))
        .iter()
        .map(|i| i[key].as_i64().expect("a number"))
        .collect()
}

#[tokio::test]
async fn decisions_and_raised_items_list_with_their_filters_and_pages() {
    let app = spawn_app().await;
    reviewed_organisation(&app).await;
    let token = token_in(&app, "T0001", "bi").await;
    let decisions = |q: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let (status, page, _) = get(app, Some(&token), &format!("/api/v1/decisions{q}")).await;
            assert_eq!(status, 200, "{q}: {page}");
            ids(&page, "priority")
        }
    };
    assert_eq!(decisions("").await, [2, 3]);
    assert_eq!(decisions("?team=growth").await, [2]);
    assert_eq!(
        decisions("?team=Leadership").await,
        [2],
        "it closed an item raised to Leadership"
    );
    assert_eq!(decisions("?team=Platform").await, [3]);
    assert_eq!(decisions("?owner=U0BEN").await, [2]);
    assert_eq!(decisions("?open=true").await, [2]);
    assert_eq!(decisions("?open=false").await, [3]);
    assert_eq!(decisions("?priority=3").await, [3]);
    assert_eq!(decisions("?from=2026-11-23&to=2026-11-23").await, [2, 3]);
    assert!(decisions("?from=2026-11-24").await.is_empty());

    let (_, page, _) = get(&app, Some(&token), "/api/v1/decisions?limit=1").await;
    assert_eq!(ids(&page, "priority"), [2]);
    let d = &page["items"][0];
    assert_eq!(d["text"], "double the budget");
    assert_eq!(
        (d["title"].as_str(), d["team"].as_str()),
        (Some("Ads budget"), Some("Growth"))
    );
    assert_eq!(d["decided_by"]["user_id"], ADMIN);
    assert_eq!(d["decided_at"], "2026-11-23T09:00:00Z");
    assert_eq!(
        d["follow_up"],
        json!({"owner": {"user_id": "U0BEN", "name": d["follow_up"]["owner"]["name"]},
               "due": "2026-12-01", "done_at": null})
    );
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let (_, next, _) = get(
        &app,
        Some(&token),
        &format!("/api/v1/decisions?limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(ids(&next, "priority"), [3]);
    assert_eq!(next["next_cursor"], Value::Null);
    assert_eq!(
        next["items"][0]["follow_up"]["done_at"],
        "2026-11-23T09:00:00Z"
    );
    // A decision's cursor does not continue the raised list.
    let (status, _, _) = get(
        &app,
        Some(&token),
        &format!("/api/v1/raised?cursor={cursor}"),
    )
    .await;
    assert_eq!(status, 400);

    let raised = |q: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let (status, page, _) = get(app, Some(&token), &format!("/api/v1/raised{q}")).await;
            assert_eq!(status, 200, "{q}: {page}");
            page
        }
    };
    let all = raised("").await;
    assert_eq!(ids(&all, "priority"), [1, 2]);
    let one = &all["items"][0];
    assert_eq!(
        (
            one["from_team"].as_str(),
            one["to_team"].as_str(),
            one["state"].as_str()
        ),
        (Some("Platform"), Some("Leadership"), Some("open"))
    );
    assert_eq!(
        (one["reason_kind"].as_str(), one["why"].as_str()),
        (Some("manual"), Some("need a vendor call"))
    );
    assert_eq!(one["raised_by"]["user_id"], "U0ANA");
    assert_eq!(one["closed_by_decision"], Value::Null);
    let two = &all["items"][1];
    assert_eq!(two["state"], "closed");
    assert_eq!(two["closed_at"], "2026-11-23T09:00:00Z");
    let (_, closing, _) = get(&app, Some(&token), "/api/v1/decisions?priority=2").await;
    assert_eq!(two["closed_by_decision"], closing["items"][0]["id"]);
    assert_eq!(ids(&raised("?state=open").await, "priority"), [1]);
    assert_eq!(ids(&raised("?state=closed").await, "priority"), [2]);
    assert_eq!(ids(&raised("?team=leadership").await, "priority"), [1, 2]);
    assert!(
        ids(&raised("?team=Platform").await, "priority").is_empty(),
        "nothing is raised to Platform"
    );
    assert_eq!(ids(&raised("?priority=2").await, "priority"), [2]);
    let (_, first, _) = get(&app, Some(&token), "/api/v1/raised?limit=1").await;
    assert_eq!(ids(&first, "priority"), [1]);
    assert!(first["next_cursor"].is_string());
}

#[tokio::test]
async fn decisions_and_raised_items_of_another_workspace_are_never_read() {
    let app = spawn_app().await;
    reviewed_organisation(&app).await;
    for cmd in [
        "team add Board",
        "team add Ops parent:Board",
        "add Secret merger team:Ops",
        "raise #1 \"board must know\"",
        "add Secret layoffs team:Ops",
        "decide #2 \"keep it quiet\" <@U0CHEN> due:2026-12-01",
    ] {
        let r = app.slash_in("T0OTHER", ADMIN, "C0OTHER", cmd).await;
        assert_eq!(r.status, 200, "{cmd}: {}", r.text);
    }
    let ours = token_in(&app, "T0001", "ours").await;
    let theirs = token_in(&app, "T0OTHER", "theirs").await;
    let (_, mine, _) = get(&app, Some(&ours), "/api/v1/decisions").await;
    assert_eq!(ids(&mine, "priority"), [2, 3]);
    let (_, other, _) = get(&app, Some(&theirs), "/api/v1/decisions").await;
    assert_eq!(ids(&other, "priority"), [2]);
    assert_eq!(other["items"][0]["text"], "keep it quiet");
    let (_, mine, _) = get(&app, Some(&ours), "/api/v1/raised").await;
    assert_eq!(ids(&mine, "priority"), [1, 2]);
    let text = format!("{mine}");
    assert!(
        !text.contains("board must know") && !text.contains("Secret"),
        "{text}"
    );
    // Their team and their follow-up owner are nobody here.
    for path in [
        "/api/v1/decisions?team=Ops",
        "/api/v1/raised?team=Board",
        "/api/v1/decisions?owner=U0CHEN",
    ] {
        let (status, body, _) = get(&app, Some(&ours), path).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_request")),
            "{path}"
        );
    }
    // A cursor forged to start before everything still reads only ours.
    use base64::Engine;
    for (list, kind) in [("decisions", "d"), ("raised", "r")] {
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:0"));
        let (status, page, _) = get(
            &app,
            Some(&ours),
            &format!("/api/v1/{list}?cursor={forged}"),
        )
        .await;
        assert_eq!(status, 200);
        assert!(!format!("{page}").contains("Secret"), "{page}");
    }
}
