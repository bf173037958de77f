//! `GET /v1/admin/sites/{site}/export?format=csv|ndjson`: every inquiry matching the list's
//! filters, with its field values, as one download (a CSV with a byte-order mark for
//! Excel under `bom=1`). Read from D1 in batches of
//! [`EXPORT_BATCH`] and capped at [`EXPORT_MAX_ROWS`] per request, so a large site stays
//! within a Worker's memory and D1 query limits; past the cap the answer names the cursor
//! to continue from (`x-next-cursor`). The documents are built by plain functions.

use crate::admin::{self, InquiryDetail, InquiryView};
use crate::error::EdgeError;
use crate::http::{Reply, query_pairs};
use crate::inquiry_query;
use crate::payload::rfc3339;
use crate::{platform, site_config, store};
use std::borrow::Cow;
use std::collections::BTreeSet;
use worker::{Env, Request};

/// Inquiries read from D1 per query.
pub const EXPORT_BATCH: u32 = 500;
/// Inquiries per export request: 10 D1 queries, and a few tens of MB at most even with
/// long messages, within a Worker's 128 MB.
pub const EXPORT_MAX_ROWS: usize = 5_000;
/// Columns every CSV export starts with, in this order.
pub const FIXED_COLUMNS: [&str; 12] = [
    "reference",
    "submitted_at",
    "status",
    "poc",
    "topic",
    "priority",
    "locale",
    "deadline",
    "acknowledged_at",
    "acknowledged_by",
    "target_met",
    "escalations",
];
/// Field columns are named `fields.<field id>`, as in the NDJSON lines, so a field whose
/// id is also a fixed column's name (a `topic` field) stays distinct.
pub const FIELD_COLUMN_PREFIX: &str = "fields.";
/// U+FEFF, the byte-order mark (EF BB BF in UTF-8) a CSV starts with under `bom=1`: Excel
/// reads a CSV without it in the system's legacy code page, so `Müller` shows as `MÃ¼ller`.
pub const BOM: char = '\u{FEFF}';

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// `format`: `csv` (the default) or `ndjson`.
    pub fn parse(value: Option<&str>) -> Result<Format, EdgeError> {
        match value.filter(|v| !v.is_empty()) {
            None | Some("csv") => Ok(Format::Csv),
            Some("ndjson") => Ok(Format::Ndjson),
            Some(_) => Err(inquiry_query::invalid_query(
                "format",
                "format must be csv or ndjson".to_owned(),
            )),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// `bom`: absent (or empty) for none, `1` to start the CSV with [`BOM`]. Opt-in, as most
/// CSV readers other than Excel take the mark for part of the first column's name. Any
/// other value, or any value with NDJSON (which has no header to protect and is read by
/// programs), is refused naming `bom`.
pub fn parse_bom(value: Option<&str>, format: Format) -> Result<bool, EdgeError> {
    match (value.filter(|v| !v.is_empty()), format) {
        (None, _) => Ok(false),
        (Some("1"), Format::Csv) => Ok(true),
        (Some("1"), Format::Ndjson) => Err(inquiry_query::invalid_query(
            "bom",
            "bom applies only to format=csv".to_owned(),
        )),
        (Some(_), _) => Err(inquiry_query::invalid_query(
            "bom",
            "bom must be 1 (or left out)".to_owned(),
        )),
    }
}

/// The download's file name: the site and the day of the export.
pub fn file_name(site: &str, now_ms: i64, format: Format) -> String {
    let day = rfc3339(now_ms).get(..10).unwrap_or("export").to_owned();
    format!("{site}-inquiries-{day}.{}", format.extension())
}

/// The export handler: admin auth as every admin route, the list's filters (`limit` is
/// refused: the export returns every match), then batches until the end or the cap.
pub async fn export(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let site_row = admin::authorize(req, env, &db, site).await?;
    let pairs = query_pairs(req)?;
    if pairs.iter().any(|(k, _)| k == "limit") {
        return Err(inquiry_query::invalid_query(
            "limit",
            format!(
                "limit does not apply to the export; it returns every match, {EXPORT_MAX_ROWS} per request"
            ),
        ));
    }
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let format = Format::parse(param("format"))?;
    let bom = parse_bom(param("bom"), format)?;
    let mut filter = inquiry_query::parse_filter(&pairs)?;
    let mut details = Vec::new();
    let next = loop {
        let mut batch = store::select_inquiries(&db, site, &filter, EXPORT_BATCH + 1).await?;
        let next = admin::next_cursor(&mut batch, EXPORT_BATCH as usize);
        details.extend(batch.iter().map(InquiryDetail::from_row));
        match next {
            Some(cursor) if details.len() < EXPORT_MAX_ROWS => filter.after = Some(cursor),
            other => break other,
        }
    };
    let body = match format {
        Format::Ndjson => ndjson(&details)?,
        Format::Csv => {
            let config = site_config::decode(&site_row, platform::allow_loopback_http(env))?;
            let form_ids: Vec<String> = config
                .map(|c| c.form.fields.into_iter().map(|f| f.id).collect())
                .unwrap_or_default();
            csv_document(&details, &form_ids, bom)?
        }
    };
    let name = file_name(site, platform::now_ms(), format);
    let reply = Reply::text(200, format.content_type(), body)
        .with_header(
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .with_header("cache-control", "no-store")
        .with_header("x-export-rows", details.len().to_string());
    Ok(match next {
        Some(cursor) => reply.with_header("x-next-cursor", cursor.encode()),
        None => reply,
    })
}

/// One JSON object per line, each the single-inquiry view without its delivery log.
pub fn ndjson(details: &[InquiryDetail]) -> Result<String, EdgeError> {
    let mut out = String::new();
    for d in details {
        out.push_str(&serde_json::to_string(d)?);
        out.push('\n');
    }
    Ok(out)
}

/// The field ids the CSV has columns for: the form's fields in form order, then any other
/// id found in the inquiries (fields since removed from the config, a spam draft's keys),
/// sorted.
pub fn field_columns(details: &[InquiryDetail], form_ids: &[String]) -> Vec<String> {
    let others: BTreeSet<&String> = details
        .iter()
        .filter_map(|d| d.fields.as_object())
        .flat_map(|fields| fields.keys())
        .filter(|id| !form_ids.contains(id))
        .collect();
    form_ids
        .iter()
        .cloned()
        .chain(others.into_iter().cloned())
        .collect()
}

/// The CSV: [`BOM`] when `bom` asks for it, a header row, then one row per inquiry, RFC
/// 4180 quoting with CRLF line ends, and every cell guarded against formula injection.
pub fn csv_document(
    details: &[InquiryDetail],
    form_ids: &[String],
    bom: bool,
) -> Result<String, EdgeError> {
    let fields = field_columns(details, form_ids);
    let start = if bom { BOM.to_string() } else { String::new() };
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(start.into_bytes());
    let header = FIXED_COLUMNS
        .iter()
        .map(|c| (*c).to_owned())
        .chain(fields.iter().map(|id| format!("{FIELD_COLUMN_PREFIX}{id}")));
    write_row(&mut writer, header)?;
    for d in details {
        write_row(&mut writer, csv_row(d, &fields))?;
    }
    let bytes = writer.into_inner().map_err(EdgeError::internal)?;
    String::from_utf8(bytes).map_err(EdgeError::internal)
}

fn write_row(
    writer: &mut csv::Writer<Vec<u8>>,
    cells: impl Iterator<Item = String>,
) -> Result<(), EdgeError> {
    writer
        .write_record(cells.map(|c| neutralize_formula(&c).into_owned()))
        .map_err(EdgeError::internal)
}

/// The cells of one inquiry: the fixed columns, then its value for each field column.
pub fn csv_row<'a>(
    d: &'a InquiryDetail,
    fields: &'a [String],
) -> impl Iterator<Item = String> + 'a {
    let InquiryView {
        reference,
        submitted_at,
        status,
        poc,
        topic,
        priority,
        locale,
        deadline,
        acknowledged_at,
        acknowledged_by,
        target_met,
        escalations,
        ..
    } = &d.inquiry;
    [
        reference.clone(),
        submitted_at.clone(),
        status.clone(),
        poc.clone(),
        topic.clone().unwrap_or_default(),
        priority.clone(),
        locale.clone(),
        deadline.clone(),
        acknowledged_at.clone().unwrap_or_default(),
        acknowledged_by.clone().unwrap_or_default(),
        target_met.map(|m| m.to_string()).unwrap_or_default(),
        escalations.to_string(),
    ]
    .into_iter()
    .chain(fields.iter().map(|id| cell(d.fields.get(id))))
}

/// A stored field value as one cell: text as is, a multiple choice joined by `; `, a
/// checkbox as `true`/`false`, a missing value empty.
pub fn cell(value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

/// A cell a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) gets a leading `'`, so it shows as the text the visitor typed
/// (OWASP's advice for CSV injection).
pub fn neutralize_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detail(reference: &str, fields: serde_json::Value) -> InquiryDetail {
        InquiryDetail {
            inquiry: InquiryView {
                reference: reference.to_owned(),
                poc: "support".to_owned(),
                priority: "normal".to_owned(),
                tags: json!([]),
                topic: Some("support".to_owned()),
                status: "delivered".to_owned(),
                locale: "en".to_owned(),
                submitted_at: "2026-11-27T10:00:00Z".to_owned(),
                deadline: "2026-11-27T14:00:00Z".to_owned(),
                acknowledged_at: None,
                target_met: None,
                acknowledged_by: None,
                escalations: 0,
            },
            webhook_id: "msg_x".to_owned(),
            fields,
            routing: json!(null),
            answer: json!(null),
        }
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn formulas_are_neutralized_and_plain_text_kept() {
        for risky in ["=1+1", "+49 30", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralize_formula(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["Ada", "", "a=b", "1+1", " =x"] {
            assert_eq!(neutralize_formula(plain), plain);
        }
    }

    #[test]
    fn columns_are_the_form_fields_then_any_others_sorted() {
        let details = [
            detail("SB-2222-2222", json!({"name": "A", "zeta": "z"})),
            detail("SB-3333-3333", json!({"message": "m", "alpha": "a"})),
        ];
        assert_eq!(
            field_columns(&details, &ids(&["name", "email", "message"])),
            ids(&["name", "email", "message", "alpha", "zeta"])
        );
    }

    #[test]
    fn csv_quotes_per_rfc_4180_and_guards_every_cell() {
        let details = [detail(
            "SB-2222-2222",
            json!({"name": "=HYPERLINK(\"x\")", "message": "line one\nsaid \"hi\", then left",
                   "tags": ["a", "b"], "agree": true}),
        )];
        let doc = csv_document(&details, &ids(&["name", "message", "topic"]), false).unwrap();
        let lines: Vec<&str> = doc.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "reference,submitted_at,status,poc,topic,priority,locale,deadline,acknowledged_at,\
             acknowledged_by,target_met,escalations,\
             fields.name,fields.message,fields.topic,fields.agree,fields.tags"
        );
        assert_eq!(
            lines[1],
            "SB-2222-2222,2026-11-27T10:00:00Z,delivered,support,support,normal,en,\
             2026-11-27T14:00:00Z,,,,0,\"'=HYPERLINK(\"\"x\"\")\",\"line one\nsaid \"\"hi\"\", then left\",,true,a; b"
        );
        assert_eq!(lines[2], "", "the document ends with CRLF");
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn bom_starts_the_csv_only_when_asked() {
        let details = [detail("SB-2222-2222", json!({"name": "Jürgen Müller"}))];
        let plain = csv_document(&details, &ids(&["name"]), false).unwrap();
        let marked = csv_document(&details, &ids(&["name"]), true).unwrap();
        assert!(plain.starts_with("reference,"));
        assert_eq!(&marked.as_bytes()[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(marked.strip_prefix(BOM), Some(plain.as_str()));
        assert_eq!(plain.matches(BOM).count(), 0);
    }

    #[test]
    fn bom_is_1_or_absent_and_only_for_csv() {
        assert!(!parse_bom(None, Format::Csv).unwrap());
        assert!(!parse_bom(Some(""), Format::Ndjson).unwrap());
        assert!(parse_bom(Some("1"), Format::Csv).unwrap());
        for (value, format) in [
            ("1", Format::Ndjson),
            ("0", Format::Csv),
            ("true", Format::Csv),
            ("yes", Format::Ndjson),
        ] {
            let (status, body) = parse_bom(Some(value), format).unwrap_err().to_http();
            assert_eq!(
                (
                    status,
                    body.error.code.as_str(),
                    body.error.fields[0].field.as_str()
                ),
                (400, "invalid_query", "bom"),
                "bom={value} with {format:?}"
            );
            assert!(body.error.message.starts_with("bom"), "{body:?}");
        }
    }

    #[test]
    fn ndjson_has_one_detail_per_line() {
        let details = [
            detail("SB-2222-2222", json!({"name": "A\nB"})),
            detail("SB-3333-3333", json!({})),
        ];
        let doc = ndjson(&details).unwrap();
        let lines: Vec<serde_json::Value> = doc
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["inquiry"]["reference"], "SB-2222-2222");
        assert_eq!(lines[0]["fields"]["name"], "A\nB");
        assert_eq!(lines[1]["webhook_id"], "msg_x");
    }

    #[test]
    fn formats_and_file_names() {
        assert_eq!(Format::parse(None).unwrap(), Format::Csv);
        assert_eq!(Format::parse(Some("ndjson")).unwrap(), Format::Ndjson);
        let (status, body) = Format::parse(Some("xlsx")).unwrap_err().to_http();
        assert_eq!(
            (status, body.error.fields[0].field.as_str()),
            (400, "format")
        );
        assert_eq!(
            file_name("demo", 1_795_600_000_000, Format::Ndjson),
            "demo-inquiries-2026-11-25.ndjson"
        );
    }
}
