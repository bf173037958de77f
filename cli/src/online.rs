//! The commands that talk to the edge's admin API: `push`, `inquiries` (one page, or every
//! page by following `next_cursor`), `export` (following `x-next-cursor` past the
//! edge's per-request cap), `test-endpoints`, `erase`, and the config history (`pull`,
//! `config-versions`, `rollback`).

use crate::{emit, load, read};
use std::io::Write;
use std::path::Path;
use switchboard_shared::config::{ConfigOptions, parse_config_with};
use ureq::http::{HeaderMap, Response};

#[derive(clap::Args)]
pub struct EdgeArgs {
    /// Base URL of the edge, e.g. https://switchboard.example.workers.dev
    #[arg(long, env = "SWITCHBOARD_EDGE")]
    pub edge: String,
    /// The site's admin key.
    #[arg(long, env = "SWITCHBOARD_ADMIN_KEY", hide_env_values = true)]
    pub key: String,
}

/// What `inquiries` and `export` select; each is passed to the edge as the query
/// parameter of the same name.
#[derive(clap::Args, Default)]
pub struct Filters {
    /// pending, delivered, failed or spam.
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub poc: Option<String>,
    #[arg(long)]
    pub topic: Option<String>,
    /// RFC 3339 instant or unix ms: only inquiries at or after it.
    #[arg(long)]
    pub since: Option<String>,
    /// RFC 3339 instant or unix ms: only inquiries before it.
    #[arg(long)]
    pub until: Option<String>,
    /// Search: an email address, a reference, or text inside the field values.
    #[arg(long = "q", visible_alias = "search")]
    pub q: Option<String>,
}

impl Filters {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("status", &self.status),
            ("poc", &self.poc),
            ("topic", &self.topic),
            ("since", &self.since),
            ("until", &self.until),
            ("q", &self.q),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// One listing request: filters, page size and where to start.
pub struct Page {
    pub filters: Filters,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub all: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Ndjson,
}

/// What one `export` asks the edge for.
pub struct ExportRequest {
    pub format: ExportFormat,
    /// `bom=1`: the CSV starts with a UTF-8 byte-order mark, for Excel.
    pub bom: bool,
    pub filters: Filters,
}

impl ExportRequest {
    /// The query of one request for a part of the export.
    fn query<'a>(&'a self, cursor: Option<&'a str>) -> Vec<(&'static str, &'a str)> {
        let mut query = self.filters.pairs();
        query.push(("format", self.format.as_str()));
        if self.bom {
            query.push(("bom", "1"));
        }
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
        query
    }
}

impl ExportFormat {
    fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
        }
    }
}

/// `url` under the edge's admin API.
fn admin_url(edge: &EdgeArgs, path: &str) -> String {
    format!("{}/v1/admin/{path}", edge.edge.trim_end_matches('/'))
}

/// A request with the site's admin key, whose non-2xx answers are read, not raised.
fn authorized<B>(req: ureq::RequestBuilder<B>, edge: &EdgeArgs) -> ureq::RequestBuilder<B> {
    req.config()
        .http_status_as_error(false)
        .build()
        .header("authorization", &format!("Bearer {}", edge.key))
}

/// `GET` of an admin path with query pairs; the answer's headers and body, or an error
/// carrying the edge's own typed error.
fn get(edge: &EdgeArgs, path: &str, query: &[(&str, &str)]) -> Result<(HeaderMap, String), String> {
    let mut req = authorized(ureq::get(&admin_url(edge, path)), edge);
    for (k, v) in query {
        req = req.query(*k, *v);
    }
    answer(req.call())
}

/// The headers and body of a 2xx answer; any other status is an error with the body.
fn answer(
    result: Result<Response<ureq::Body>, ureq::Error>,
) -> Result<(HeaderMap, String), String> {
    let mut resp = result.map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status();
    let body = resp
        .body_mut()
        // Exports run to many megabytes; ureq's default cap is 10 MB.
        .with_config()
        .limit(u64::MAX)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok((resp.headers().clone(), body))
    } else {
        Err(format!("edge answered {status}: {body}"))
    }
}

/// Uploads a config; with `if_version`, only while that version is live (`If-Match`).
pub fn push(
    file: &Path,
    edge: &EdgeArgs,
    if_version: Option<u32>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let text = read(file)?;
    // Catch mistakes before the round trip; the edge checks again on its own.
    let site = match parse_config_with(
        &text,
        ConfigOptions {
            allow_loopback_http: true,
        },
    ) {
        Ok(c) => c.site,
        Err(_) => load(file, false).map(|c| c.site)?,
    };
    let url = admin_url(edge, &format!("sites/{site}/config"));
    let mut req = authorized(ureq::put(&url), edge).header("content-type", "application/toml");
    if let Some(v) = if_version {
        req = req.header("if-match", &format!("\"{v}\""));
    }
    let (_, body) = answer(req.send(&text))?;
    emit(out, &body)
}

/// Prints a site's config as TOML with webhook secrets redacted: the live one, or a kept
/// version.
pub fn pull(
    edge: &EdgeArgs,
    site: &str,
    version: Option<u32>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let v = version.map(|v| v.to_string());
    let query: Vec<(&str, &str)> = v.iter().map(|v| ("version", v.as_str())).collect();
    let (_, body) = get(edge, &format!("sites/{site}/config"), &query)?;
    write!(out, "{body}").map_err(|e| format!("writing the output: {e}"))
}

/// Prints one line per kept config version, newest first: `v7  2026-11-27T10:00:00Z  live`.
pub fn config_versions(edge: &EdgeArgs, site: &str, out: &mut dyn Write) -> Result<(), String> {
    let (_, body) = get(edge, &format!("sites/{site}/config/versions"), &[])?;
    let answer = parse_json(&body)?;
    for v in answer["versions"].as_array().into_iter().flatten() {
        let mut line = format!(
            "v{:<4} {}",
            v["version"].as_i64().unwrap_or_default(),
            v["pushed_at"].as_str().unwrap_or_default()
        );
        if let Some(from) = v["restored_from"].as_i64() {
            line.push_str(&format!("  restores v{from}"));
        }
        if v["live"] == true {
            line.push_str("  live");
        }
        emit(out, &line)?;
    }
    Ok(())
}

/// Makes a kept version live again (as a new version) and prints the edge's answer.
pub fn rollback(
    edge: &EdgeArgs,
    site: &str,
    version: u32,
    if_version: Option<u32>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let url = admin_url(edge, &format!("sites/{site}/config/rollback"));
    let mut req = authorized(ureq::post(&url), edge).header("content-type", "application/json");
    if let Some(v) = if_version {
        req = req.header("if-match", &format!("\"{v}\""));
    }
    let (_, body) = answer(req.send(serde_json::json!({ "version": version }).to_string()))?;
    emit(out, &body)
}

/// Sends a signed test event to the site's endpoints (every one, one POC's, or one URL)
/// and prints a line per endpoint; an error when any of them did not answer 2xx.
pub fn test_endpoints(
    edge: &EdgeArgs,
    site: &str,
    poc: Option<&str>,
    url: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let mut selection = serde_json::Map::new();
    if let Some(poc) = poc {
        selection.insert("poc".to_owned(), poc.into());
    }
    if let Some(url) = url {
        selection.insert("url".to_owned(), url.into());
    }
    let path = format!("sites/{site}/endpoints/test");
    let (_, body) = answer(
        authorized(ureq::post(&admin_url(edge, &path)), edge)
            .header("content-type", "application/json")
            .send(serde_json::Value::Object(selection).to_string()),
    )?;
    let results = parse_json(&body)?["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut failed = 0;
    for r in &results {
        failed += usize::from(r["ok"] != true);
        emit(out, &test_line(r))?;
    }
    match failed {
        0 => Ok(()),
        n => Err(format!(
            "{n} of {} endpoints did not answer 2xx",
            results.len()
        )),
    }
}

/// What `erase` deletes.
pub enum Erase {
    /// Every inquiry from this address.
    Submitter(String),
    /// The inquiry with this reference.
    Inquiry(String),
}

/// Erases inquiries on the edge and prints how many, with their references.
pub fn erase(
    edge: &EdgeArgs,
    site: &str,
    which: &Erase,
    out: &mut dyn Write,
) -> Result<(), String> {
    let (_, body) = match which {
        Erase::Submitter(email) => answer(
            authorized(
                ureq::post(&admin_url(edge, &format!("sites/{site}/erase"))),
                edge,
            )
            .header("content-type", "application/json")
            .send(serde_json::json!({ "email": email }).to_string()),
        )?,
        Erase::Inquiry(reference) => answer(
            authorized(
                ureq::delete(&admin_url(
                    edge,
                    &format!("sites/{site}/inquiries/{reference}"),
                )),
                edge,
            )
            .call(),
        )?,
    };
    let erased = parse_json(&body)?;
    let references: Vec<&str> = erased["references"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    let line = match references.len() {
        0 => "erased nothing: no inquiry matched".to_owned(),
        1 => format!("erased 1 inquiry: {}", references[0]),
        n => format!("erased {n} inquiries: {}", references.join(", ")),
    };
    emit(out, &line)
}

/// Turns a POC's away switch on (`until`, with an optional note) or, with `None`, off,
/// and prints where its inquiries go meanwhile.
pub fn away(
    edge: &EdgeArgs,
    site: &str,
    poc: &str,
    until: Option<(&str, Option<&str>)>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let url = admin_url(edge, &format!("sites/{site}/pocs/{poc}/away"));
    let setting = until.is_some();
    let (_, body) = match until {
        Some((until, note)) => answer(
            authorized(ureq::put(&url), edge)
                .header("content-type", "application/json")
                .send(serde_json::json!({ "until": until, "note": note }).to_string()),
        )?,
        None => answer(authorized(ureq::delete(&url), edge).call())?,
    };
    let away = parse_json(&body)?;
    let note = away["note"]
        .as_str()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let line = match (setting, away["until"].as_str()) {
        (true, Some(until)) => format!(
            "{poc} is away until {until}{note}: new inquiries go to the first of its backups who is present"
        ),
        (false, Some(until)) => {
            format!("{poc}'s switch is off, but its config has it away until {until}{note}")
        }
        (_, None) => format!("{poc} is back: new inquiries go to it again"),
    };
    emit(out, &line)
}

/// `ok   support  200   25 ms  https://…`, with the error after a failed one.
fn test_line(r: &serde_json::Value) -> String {
    let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
    let status = r["status_code"]
        .as_u64()
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    let mut line = format!(
        "{:<4} {:<12} {:>3} {:>5} ms  {}",
        if r["ok"] == true { "ok" } else { "FAIL" },
        text("poc"),
        status,
        r["latency_ms"].as_i64().unwrap_or_default(),
        text("url"),
    );
    if r["state"] == "disabled" {
        line.push_str("  (disabled)");
    }
    if let Some(error) = r["error"].as_str() {
        line.push_str("  ");
        line.push_str(error);
    }
    line
}

fn parse_json(body: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(body).map_err(|e| format!("edge answered with invalid JSON: {e}"))
}

/// Prints one page as the edge answered it, or with `all` every page's inquiries in one
/// `{site, inquiries, next_cursor: null}`.
pub fn inquiries(
    edge: &EdgeArgs,
    site: &str,
    page: &Page,
    out: &mut dyn Write,
) -> Result<(), String> {
    let path = format!("sites/{site}/inquiries");
    let limit = page.limit.map(|l| l.to_string());
    let mut cursor = page.cursor.clone();
    let mut all = Vec::new();
    loop {
        let mut query = page.filters.pairs();
        if let Some(l) = &limit {
            query.push(("limit", l));
        }
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let (_, body) = get(edge, &path, &query)?;
        let mut value = parse_json(&body)?;
        if !page.all {
            return emit(out, &pretty(&value));
        }
        if let Some(items) = value["inquiries"].as_array_mut() {
            all.append(items);
        }
        match value["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let whole = serde_json::json!({"site": site, "inquiries": all, "next_cursor": null});
    emit(out, &pretty(&whole))
}

/// `30d`, `12h`, `2w` or `90m` in milliseconds.
pub fn span_ms(text: &str) -> Result<i64, String> {
    let err = || format!("invalid span `{text}`, expected e.g. 30d, 2w, 12h or 90m");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (n, unit) = text.split_at(split);
    let n: i64 = n.parse().map_err(|_| err())?;
    let unit_ms = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(err()),
    };
    n.checked_mul(unit_ms).filter(|ms| *ms > 0).ok_or_else(err)
}

/// Prints the report of the last `since` (e.g. `30d`) grouped `by` as a table.
pub fn report(
    edge: &EdgeArgs,
    site: &str,
    since: &str,
    by: &str,
    out: &mut dyn Write,
) -> Result<(), String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis() as i64;
    let from = (now - span_ms(since)?).to_string();
    let (_, body) = get(
        edge,
        &format!("sites/{site}/report"),
        &[("from", &from), ("by", by)],
    )?;
    let report = parse_json(&body)?;
    emit(
        out,
        &format!(
            "{} to {}, by {}",
            report["from"].as_str().unwrap_or_default(),
            report["to"].as_str().unwrap_or_default(),
            by
        ),
    )?;
    emit(
        out,
        &format!(
            "{:<16} {:>9} {:>6} {:>9} {:>7} {:>12} {:>12} {:>9} {:>6} {:>6}",
            by,
            "inquiries",
            "acked",
            "in target",
            "%",
            "ack median",
            "ack p90",
            "open late",
            "escal",
            "failed"
        ),
    )?;
    for g in report["groups"].as_array().into_iter().flatten() {
        let n = |k: &str| g[k].as_i64().unwrap_or_default();
        let minutes = |v: &serde_json::Value| {
            v.as_i64()
                .map_or_else(|| "-".to_owned(), |m| format!("{}h{:02}", m / 60, m % 60))
        };
        let pct = g["within_target_pct"]
            .as_f64()
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.1}"));
        emit(
            out,
            &format!(
                "{:<16} {:>9} {:>6} {:>9} {:>7} {:>12} {:>12} {:>9} {:>6} {:>6}",
                g["key"].as_str().unwrap_or_default(),
                n("inquiries"),
                n("acknowledged"),
                n("within_target"),
                pct,
                minutes(&g["ack_business_minutes"]["median"]),
                minutes(&g["ack_business_minutes"]["p90"]),
                n("open_past_deadline"),
                n("escalations"),
                n("failed_deliveries"),
            ),
        )?;
    }
    if report["complete"] == false {
        emit(
            out,
            "(more inquiries than one report reads: narrow the span)",
        )?;
    }
    Ok(())
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Downloads the export, part after part while the edge names a next cursor, into `file`
/// or `out`. A CSV part repeats the header row (after the byte-order mark, if asked for);
/// it is kept once, and a part whose columns differ (a field seen only in later
/// inquiries) stops the export with a hint.
pub fn export(
    edge: &EdgeArgs,
    site: &str,
    request: &ExportRequest,
    file: Option<&Path>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let path = format!("sites/{site}/export");
    let mut document = String::new();
    let mut header: Option<String> = None;
    let mut cursor: Option<String> = None;
    let mut rows = 0usize;
    loop {
        let (headers, body) = get(edge, &path, &request.query(cursor.as_deref()))?;
        rows += header_value(&headers, "x-export-rows")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let part = match request.format {
            ExportFormat::Ndjson => body.as_str(),
            ExportFormat::Csv => csv_rows_after_header(&body, &mut header)?,
        };
        document.push_str(part);
        match header_value(&headers, "x-next-cursor") {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    match file {
        Some(f) => {
            std::fs::write(f, &document).map_err(|e| format!("{}: {e}", f.display()))?;
            eprintln!("{rows} inquiries written to {}", f.display());
            Ok(())
        }
        None => out
            .write_all(document.as_bytes())
            .map_err(|e| format!("writing the output: {e}")),
    }
}

fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The part of a CSV export to append: all of the first part; of later ones, the rows
/// after a header row that must equal the first. (Header cells are column names without
/// line breaks, so the header is the first CRLF-terminated line; with `bom=1` every part
/// starts with the mark, so it is kept once with the first header.)
pub fn csv_rows_after_header<'a>(
    part: &'a str,
    first_header: &mut Option<String>,
) -> Result<&'a str, String> {
    let end = part.find("\r\n").map_or(part.len(), |i| i + 2);
    let (header, rows) = part.split_at(end);
    match first_header {
        None => {
            *first_header = Some(header.to_owned());
            Ok(part)
        }
        Some(first) if first == header => Ok(rows),
        Some(_) => Err(
            "the export's columns changed between parts (a field appears only in later inquiries); \
             export smaller ranges with --since and --until"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_csv_parts_lose_their_header_and_must_match_the_first() {
        let mut header = None;
        assert_eq!(
            csv_rows_after_header("a,b\r\n1,2\r\n", &mut header).unwrap(),
            "a,b\r\n1,2\r\n"
        );
        assert_eq!(
            csv_rows_after_header("a,b\r\n3,\"x\r\ny\"\r\n", &mut header).unwrap(),
            "3,\"x\r\ny\"\r\n"
        );
        assert!(csv_rows_after_header("a,b,c\r\n4,5,6\r\n", &mut header).is_err());
        let mut marked = None;
        assert_eq!(
            csv_rows_after_header("\u{FEFF}a,b\r\n1,2\r\n", &mut marked).unwrap(),
            "\u{FEFF}a,b\r\n1,2\r\n"
        );
        assert_eq!(
            csv_rows_after_header("\u{FEFF}a,b\r\n3,4\r\n", &mut marked).unwrap(),
            "3,4\r\n"
        );
    }

    #[test]
    fn the_export_asks_for_the_mark_only_with_bom() {
        let request = |bom| ExportRequest {
            format: ExportFormat::Csv,
            bom,
            filters: Filters {
                q: Some("müller".into()),
                ..Filters::default()
            },
        };
        assert_eq!(
            request(true).query(Some("c1")),
            vec![
                ("q", "müller"),
                ("format", "csv"),
                ("bom", "1"),
                ("cursor", "c1")
            ]
        );
        assert_eq!(
            request(false).query(None),
            vec![("q", "müller"), ("format", "csv")]
        );
    }

    #[test]
    fn only_given_filters_are_sent() {
        let f = Filters {
            topic: Some("billing".into()),
            q: Some("ada@example.com".into()),
            ..Filters::default()
        };
        assert_eq!(
            f.pairs(),
            vec![("topic", "billing"), ("q", "ada@example.com")]
        );
    }
}
