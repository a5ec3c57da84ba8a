//! One CSV table as spreadsheets open it without an import dialog: UTF-8 with a byte order
//! mark (without it Excel reads the file as the local code page and breaks accents), CRLF
//! line ends and quoting per RFC 4180, a header row, and every cell that a spreadsheet would
//! take for a formula neutralised, since titles, notes and names are whatever people typed.

use std::borrow::Cow;
use std::io::Write;

use super::rows::{ExportRow, RowSink};

/// What Excel and LibreOffice look for to read a CSV file as UTF-8.
const BOM: &[u8] = "\u{feff}".as_bytes();

pub struct CsvTable<W: Write> {
    writer: ::csv::Writer<W>,
}

impl<W: Write> CsvTable<W> {
    /// Start a table on `out`: the byte order mark, then the header row.
    pub fn new(mut out: W, header: &[&str]) -> anyhow::Result<Self> {
        out.write_all(BOM)?;
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(header)?;
        Ok(CsvTable { writer })
    }

    /// Flush everything written and hand back the destination.
    pub fn finish(self) -> anyhow::Result<W> {
        self.writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))
    }
}

impl<W: Write> RowSink for CsvTable<W> {
    fn row<R: ExportRow>(&mut self, row: &R) -> anyhow::Result<()> {
        let cells = row.cells();
        self.writer
            .write_record(cells.iter().map(|c| neutralise(c).into_owned()))?;
        Ok(())
    }
}

/// A cell a spreadsheet would evaluate (`=`, `+`, `-`, `@`, or a tab or carriage return
/// before one) gets a leading apostrophe, which spreadsheets show as text and do not run
/// (OWASP's advice on CSV injection). Cells pacer writes itself never start so: numbers are
/// not negative and dates start with a digit.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two(&'static str, &'static str);

    impl serde::Serialize for Two {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            (self.0, self.1).serialize(s)
        }
    }

    impl ExportRow for Two {
        const HEADER: &'static [&'static str] = &["a", "b"];
        fn cells(&self) -> Vec<String> {
            vec![self.0.to_string(), self.1.to_string()]
        }
    }

    fn table(rows: &[Two]) -> String {
        let mut t = CsvTable::new(Vec::new(), Two::HEADER).unwrap();
        for r in rows {
            t.row(r).unwrap();
        }
        String::from_utf8(t.finish().unwrap()).unwrap()
    }

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for hostile in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise(hostile), format!("'{hostile}"));
        }
        for plain in ["Payments API", "2026-11-30", "40", "", "a=b", "'quoted"] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn a_table_has_a_bom_a_header_crlf_and_rfc_4180_quoting() {
        let text = table(&[
            Two("Zoë, \"the\" lead", "line one\nline two"),
            Two("=2", "x"),
        ]);
        assert_eq!(
            text,
            "\u{feff}a,b\r\n\"Zoë, \"\"the\"\" lead\",\"line one\nline two\"\r\n'=2,x\r\n"
        );
    }
}
