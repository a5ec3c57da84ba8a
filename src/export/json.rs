//! The export as one JSON document, written as it goes: the header fields first, then each
//! section as an array whose rows are serialised one at a time, with the brackets and commas
//! between them written here. Nothing is escaped for spreadsheets: JSON readers get the text
//! people typed, exactly.

use std::io::Write;

use serde::Serialize;

use super::rows::{ExportRow, RowSink};

pub struct JsonDoc<W: Write> {
    out: W,
    /// Whether the document has a field yet (the next one needs a comma before it).
    has_fields: bool,
    /// Whether the open section has had a row yet (the next one needs a comma before it).
    rows_in_section: bool,
}

impl<W: Write> JsonDoc<W> {
    /// Open the document with the `header` fields, in their order (a reader sees `format`
    /// first), leaving it open for sections.
    pub fn begin(mut out: W, header: &[(&str, serde_json::Value)]) -> anyhow::Result<Self> {
        out.write_all(b"{")?;
        for (i, (key, value)) in header.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(b"\n")?;
            write_field(&mut out, key, value)?;
        }
        Ok(JsonDoc {
            out,
            has_fields: !header.is_empty(),
            rows_in_section: false,
        })
    }

    /// Open an array field `name`; rows go into it until [`JsonDoc::end_section`].
    pub fn section(&mut self, name: &str) -> anyhow::Result<()> {
        self.out
            .write_all(if self.has_fields { b",\n" } else { b"\n" })?;
        self.has_fields = true;
        serde_json::to_writer(&mut self.out, name)?;
        self.out.write_all(b":[")?;
        self.rows_in_section = false;
        Ok(())
    }

    pub fn end_section(&mut self) -> anyhow::Result<()> {
        if self.rows_in_section {
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(b"]")?;
        Ok(())
    }

    /// Close the document, flush it, and hand back the destination.
    pub fn finish(mut self) -> anyhow::Result<W> {
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> RowSink for JsonDoc<W> {
    fn row<R: ExportRow>(&mut self, row: &R) -> anyhow::Result<()> {
        self.out
            .write_all(if self.rows_in_section { b",\n" } else { b"\n" })?;
        serde_json::to_writer(&mut self.out, row)?;
        self.rows_in_section = true;
        Ok(())
    }
}

fn write_field<W: Write>(out: &mut W, key: &str, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, key)?;
    out.write_all(b":")?;
    serde_json::to_writer(&mut *out, value)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        title: String,
    }

    impl ExportRow for Row {
        const HEADER: &'static [&'static str] = &["title"];
        fn cells(&self) -> Vec<String> {
            vec![self.title.clone()]
        }
    }

    #[test]
    fn sections_with_and_without_rows_make_one_valid_document() {
        let header = [
            ("format", serde_json::json!("pacer-export")),
            ("version", serde_json::json!(1)),
        ];
        let mut doc = JsonDoc::begin(Vec::new(), &header).unwrap();
        doc.section("empty").unwrap();
        doc.end_section().unwrap();
        doc.section("rows").unwrap();
        for title in ["=HYPERLINK(\"x\")", "a,\"b\"\nc"] {
            doc.row(&Row {
                title: title.into(),
            })
            .unwrap();
        }
        doc.end_section().unwrap();
        let bytes = doc.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["format"], "pacer-export");
        assert_eq!(v["empty"], serde_json::json!([]));
        assert_eq!(v["rows"][0]["title"], "=HYPERLINK(\"x\")");
        assert_eq!(v["rows"][1]["title"], "a,\"b\"\nc");
    }
}
