//! `pacer export`: one workspace's data out, as CSV files a spreadsheet opens as they are or as
//! one JSON document. Rows are streamed from the database to the files through buffered
//! writers, table by table, so a large workspace is never held in memory; the only things held
//! are the current drift flags of active priorities (see [`current_flags`]) and the team list.
//!
//! Files are written beside their final names (`.<name>.partial`) and renamed into place only
//! when every table is complete, so a failed export leaves no half-written file behind and an
//! earlier export untouched.

mod csv;
mod files;
mod json;
mod review_rows;
mod rows;

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::{Stream, StreamExt, TryStreamExt};

use crate::store::{ExportWorkspace, PriorityQuery, Store, TeamRow};
use csv::CsvTable;
pub use files::{Staged, existing};
use json::JsonDoc;
use review_rows::{DecisionOut, RaisedOut};
use rows::{CheckinOut, CycleOut, DigestOut, ExportRow, PriorityOut, RowSink, SlipOut, iso};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

/// The tables of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Priorities,
    Checkins,
    Cycles,
    Digests,
    Slips,
    Decisions,
    Raised,
}

/// The tables in the order they are written.
pub const TABLES: [Table; 7] = [
    Table::Priorities,
    Table::Checkins,
    Table::Cycles,
    Table::Digests,
    Table::Slips,
    Table::Decisions,
    Table::Raised,
];

impl Table {
    /// The CSV file's stem and the JSON document's key.
    pub fn name(self) -> &'static str {
        match self {
            Table::Priorities => "priorities",
            Table::Checkins => "checkins",
            Table::Cycles => "cycles",
            Table::Digests => "digests",
            Table::Slips => "slips",
            Table::Decisions => "decisions",
            Table::Raised => "raised",
        }
    }

    fn header(self) -> &'static [&'static str] {
        match self {
            Table::Priorities => PriorityOut::HEADER,
            Table::Checkins => CheckinOut::HEADER,
            Table::Cycles => CycleOut::HEADER,
            Table::Digests => DigestOut::HEADER,
            Table::Slips => SlipOut::HEADER,
            Table::Decisions => DecisionOut::HEADER,
            Table::Raised => RaisedOut::HEADER,
        }
    }
}

/// The JSON document's name.
pub const JSON_FILE: &str = "pacer-export.json";

/// The files an export in `format` writes into its directory.
pub fn file_names(format: Format) -> Vec<String> {
    match format {
        Format::Csv => TABLES.iter().map(|t| format!("{}.csv", t.name())).collect(),
        Format::Json => vec![JSON_FILE.to_string()],
    }
}

/// What to export, already checked.
#[derive(Debug, Clone)]
pub struct Options {
    pub workspace: i64,
    /// Check-ins, cycles and digests from this day on (00:00 UTC); priorities are always all.
    pub since: Option<NaiveDate>,
    pub format: Format,
    pub out: PathBuf,
    /// The moment the export describes: drift flags are evaluated as of it.
    pub now: DateTime<Utc>,
}

impl Options {
    fn since_ts(&self) -> i64 {
        self.since
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(i64::MIN)
    }
}

/// A written file and how many rows it holds (all tables', for the JSON document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub rows: u64,
}

/// Write the export into `opts.out` (which must exist), replacing files of the same names.
pub async fn run(store: &Store, opts: &Options) -> anyhow::Result<Vec<Written>> {
    let ws = store
        .export_workspace(opts.workspace)
        .await?
        .with_context(|| format!("workspace {} vanished", opts.workspace))?;
    let mut staged = Staged::new(&opts.out);
    let written = match opts.format {
        Format::Csv => export_csv(store, opts, &mut staged).await?,
        Format::Json => export_json(store, opts, &ws, &mut staged).await?,
    };
    staged.commit()?;
    Ok(written)
}

/// One CSV file per table.
async fn export_csv(
    store: &Store,
    opts: &Options,
    staged: &mut Staged,
) -> anyhow::Result<Vec<Written>> {
    let mut written = Vec::new();
    for table in TABLES {
        let name = format!("{}.csv", table.name());
        let (file, path) = staged.create(&name)?;
        let mut sink = CsvTable::new(BufWriter::new(file), table.header())?;
        let rows = write_table(store, opts, table, &mut sink).await?;
        finish_file(sink.finish()?, &path)?;
        written.push(Written { path, rows });
    }
    Ok(written)
}

/// One JSON document with every table as an array.
async fn export_json(
    store: &Store,
    opts: &Options,
    ws: &ExportWorkspace,
    staged: &mut Staged,
) -> anyhow::Result<Vec<Written>> {
    let (file, path) = staged.create(JSON_FILE)?;
    let mut doc = JsonDoc::begin(BufWriter::new(file), &json_header(opts, ws))?;
    let mut rows = 0;
    for table in TABLES {
        doc.section(table.name())?;
        rows += write_table(store, opts, table, &mut doc).await?;
        doc.end_section()?;
    }
    finish_file(doc.finish()?, &path)?;
    Ok(vec![Written { path, rows }])
}

/// The document's fields before its tables.
fn json_header(opts: &Options, ws: &ExportWorkspace) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("format", json!("pacer-export")),
        ("version", json!(1)),
        ("exported_at", json!(iso(opts.now.timestamp()))),
        (
            "since",
            json!(opts.since.map(|d| d.format("%Y-%m-%d").to_string())),
        ),
        (
            "workspace",
            json!({
                "id": ws.id,
                "platform": ws.platform,
                "external_id": ws.external_id,
                "name": ws.name,
                "created_at": iso(ws.created_at),
            }),
        ),
    ]
}

/// Flush a finished file to disk before it is renamed into place.
fn finish_file(out: BufWriter<File>, path: &std::path::Path) -> anyhow::Result<()> {
    let file = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", path.display()))
}

/// Write one table's rows into `sink`; the number of rows.
async fn write_table<S: RowSink>(
    store: &Store,
    opts: &Options,
    table: Table,
    sink: &mut S,
) -> anyhow::Result<u64> {
    let (ws, since) = (opts.workspace, opts.since_ts());
    match table {
        Table::Priorities => {
            let mut flags = current_flags(store, ws, opts.now).await?;
            let rows = store.export_priorities(ws).map_ok(move |p| {
                let f = flags.remove(&p.id).unwrap_or_default();
                PriorityOut::new(p, f)
            });
            copy_rows(sink, rows).await
        }
        Table::Checkins => {
            copy_rows(
                sink,
                store.export_checkins(ws, since).map_ok(CheckinOut::from),
            )
            .await
        }
        Table::Cycles => {
            copy_rows(sink, store.export_cycles(ws, since).map_ok(CycleOut::from)).await
        }
        Table::Digests => write_digests(store, ws, since, sink).await,
        Table::Slips => copy_rows(sink, store.export_slips(ws, since).map_ok(SlipOut::from)).await,
        Table::Decisions => {
            let rows = store.export_decisions(ws, since).map_ok(DecisionOut::from);
            copy_rows(sink, rows).await
        }
        Table::Raised => {
            let rows = store.export_raised(ws, since).map_ok(RaisedOut::from);
            copy_rows(sink, rows).await
        }
    }
}

/// Copy a stream of rows into `sink` as they arrive: the streaming the export promises.
pub async fn copy_rows<S, R, E>(
    sink: &mut S,
    rows: impl Stream<Item = Result<R, E>>,
) -> anyhow::Result<u64>
where
    S: RowSink,
    R: ExportRow,
    E: Into<anyhow::Error>,
{
    let mut rows = std::pin::pin!(rows);
    let mut n = 0;
    while let Some(row) = rows.next().await {
        sink.row(&row.map_err(Into::into)?)?;
        n += 1;
    }
    Ok(n)
}

/// The drift flags every active priority carries now, by priority id. Evaluated once for all
/// active priorities, as the dashboard does: the rules look across dependencies and teams, so
/// the workspace's active priorities are held while they are evaluated (then dropped; only
/// the flags are kept). Closed priorities carry none. Due dates are measured against today in
/// UTC, since an export spans every team's zone.
async fn current_flags(
    store: &Store,
    ws: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<i64, Vec<&'static str>>> {
    let active = store.priorities(ws, &PriorityQuery::default()).await?;
    let thresholds = store.drift_thresholds(ws).await?;
    let flags =
        crate::reporting::drift::evaluate(store, ws, &active, now, now.date_naive(), &thresholds)
            .await?;
    Ok(flags
        .into_iter()
        .map(|(id, reasons)| (id, reasons.iter().map(|r| r.flag.as_str()).collect()))
        .collect())
}

/// Closed cycles read per page of this many: a page of rows is small, and each cycle's digest
/// is drawn up before the next page is read.
const DIGEST_PAGE: i64 = 200;

/// The figures of each closed cycle's digest, drawn up as `pacer digest` does (as of the
/// cycle's close, each priority as it stood then). This costs a few queries per cycle and is
/// the slowest part of a large export; `--since` bounds it.
async fn write_digests<S: RowSink>(
    store: &Store,
    ws: i64,
    since: i64,
    sink: &mut S,
) -> anyhow::Result<u64> {
    let teams: HashMap<i64, TeamRow> = store
        .teams(ws)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let (mut after, mut n) = (0, 0);
    loop {
        let page = store
            .closed_cycles_page(ws, since, after, DIGEST_PAGE)
            .await?;
        let Some(last) = page.last() else {
            return Ok(n);
        };
        after = last.cycle.id;
        for closed in &page {
            let Some(team) = teams.get(&closed.cycle.team_id) else {
                continue;
            };
            let at = DateTime::from_timestamp(closed.cycle.closes_at, 0).unwrap_or_default();
            let digest =
                crate::reporting::digest::build(store, ws, team, Some(&closed.cycle), at, false)
                    .await?;
            sink.row(&DigestOut::new(closed, &digest))?;
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A destination that shares what reached it, so the rows' source can look.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn checkin(i: i64) -> CheckinOut {
        CheckinOut {
            id: i,
            priority: 1,
            cycle: None,
            author: "ana".into(),
            author_user_id: "U0ANA".into(),
            status: "on-track".into(),
            progress: 40,
            note: Some(format!("note {i}")),
            blocker: None,
            late: false,
            recorded_at: iso(i),
        }
    }

    /// Rows reach the file while the source is still producing them: by the last of 5,000
    /// rows, all but the writers' buffers' worth is already written (nothing is collected
    /// first and written at the end).
    #[tokio::test]
    async fn rows_are_written_as_they_arrive() {
        let dest = Shared::default();
        let mut sink = CsvTable::new(BufWriter::new(dest.clone()), CheckinOut::HEADER).unwrap();
        let seen = dest.clone();
        let rows = futures_util::stream::iter(0..5_000).map(move |i| {
            if i == 4_999 {
                let reached = seen.0.lock().unwrap().len();
                assert!(reached > 200_000, "only {reached} bytes written so far");
            }
            Ok::<_, anyhow::Error>(checkin(i))
        });
        assert_eq!(copy_rows(&mut sink, rows).await.unwrap(), 5_000);
        sink.finish().unwrap().flush().unwrap();
        let text = String::from_utf8(dest.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("\r\n").count(), 5_001);
    }
}
