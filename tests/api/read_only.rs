//! A command that only reads writes nothing: every row of every table is the same before and
//! after `list`, `show`, `help` and `digest`, asked through the router with signed requests
//! by a person pacer already knows.

use pacer::store::Backend;

use crate::common::{TestApp, spawn_app};

/// Every row of every table, as text, sorted.
async fn dump(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let pool = app.store.pool();
    let tables: Vec<String> = match app.store.backend() {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> = match app.store.backend() {
            Backend::Sqlite => sqlx::query_scalar(&format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            ))
            .fetch_all(pool)
            .await
            .unwrap(),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap(),
        };
        // SQLite's quote() writes blobs as hex, which text would not hold.
        let row = columns
            .iter()
            .map(|c| match app.store.backend() {
                Backend::Sqlite => format!("quote({c})"),
                Backend::Postgres => format!("COALESCE(CAST({c} AS TEXT), '-')"),
            })
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row} FROM {table}"))
            .fetch_all(pool)
            .await
            .unwrap();
        rows.sort();
        out.push((table, rows));
    }
    out
}

#[tokio::test]
async fn read_only_commands_write_nothing() {
    let app = spawn_app().await;
    for text in [
        "team add Platform <#C0PLATFORM|platform>",
        "add Ship the public beta team:Platform due:2026-12-05",
        "add Migrate billing team:Platform",
        "status #1 at-risk 30% waiting on legal",
        "depends #1 on #2",
    ] {
        let r = app.slash("U0ANA", text).await;
        assert_eq!(r.status, 200, "{text}: {}", r.text);
    }
    let before = dump(&app).await;
    assert!(
        before
            .iter()
            .any(|(t, rows)| t == "priorities" && rows.len() == 2)
    );
    for text in [
        "list all",
        "list",
        "list stalled",
        "show #1",
        "help",
        "digest Platform",
    ] {
        let r = app.slash("U0ANA", text).await;
        assert_eq!(r.status, 200, "{text}: {}", r.text);
        let after = dump(&app).await;
        for ((table, was), (_, now)) in before.iter().zip(&after) {
            assert_eq!(was, now, "`{text}` wrote to {table}");
        }
        assert_eq!(before.len(), after.len(), "`{text}` made a table");
    }
}
