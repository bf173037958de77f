//! What the admin list and export select: query parameters parsed into an
//! [`InquiryFilter`], the search term classified (address, reference or text), the opaque
//! page cursor, and the one SQL statement all of them become. Plain values only, so every
//! rule here runs under `cargo test`; `store::select_inquiries` binds and runs the result.

use crate::auth::email_hash;
use crate::error::EdgeError;
use crate::ids;
use crate::payload::parse_rfc3339_ms;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use switchboard_shared::inquiry::stored_email;
use switchboard_shared::search;
use switchboard_shared::text::{self, Lines};

/// Inquiries per list page unless `limit` asks for fewer.
pub const LIST_LIMIT: u32 = 100;
pub const STATUSES: [&str; 4] = ["pending", "delivered", "failed", "spam"];
/// Longest search term, in characters: longer than any address or reference, short enough
/// that a substring scan over every stored row stays cheap.
pub const MAX_SEARCH_CHARS: usize = 200;

/// What the list and the export select; every part optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InquiryFilter {
    pub status: Option<String>,
    pub poc: Option<String>,
    pub topic: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub search: Option<Search>,
    /// Only inquiries after this one in the list's order (newest first).
    pub after: Option<Cursor>,
    pub limit: u32,
}

/// A search term, classified by what it looks like.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    /// An email address: the hex SHA-256 intake stores for the same address, so the
    /// indexed `email_hash` column answers without the address itself being stored.
    Email { hash: String },
    /// A reference number, in the uppercase it is stored in.
    Reference(String),
    /// Any other text, matched inside the stored field values: in any case and any script
    /// through `search_text`, and in rows stored before it (migration 0007) as before,
    /// ASCII letters in any case and others as typed.
    Text(TextSearch),
}

/// The substrings a text search looks for, matched with SQLite's `instr`: literal, and
/// without the 50-byte limit D1 puts on LIKE patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct TextSearch {
    /// The term folded as intake folds values (`switchboard_shared::search::fold`):
    /// found in the `search_text` column.
    pub folded: String,
    /// For rows whose `search_text` is NULL: the term as it appears in the stored
    /// `fields_json` text, where values are JSON-escaped, a quick filter that reads no
    /// JSON...
    pub raw: String,
    /// ...then the term as typed, in one decoded string value (`json_tree`), so field ids
    /// never match. Both compare through SQLite's `lower`, ASCII letters in any case, as
    /// LIKE did.
    pub value: String,
}

/// Where a page ended: the last inquiry's submission time and id. `(submitted_ms, id)` is
/// unique and is the list's order, so no inquiry is skipped or shown twice across pages,
/// even when several share one millisecond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub submitted_ms: i64,
    pub id: String,
}

impl Cursor {
    /// The opaque form handed to clients: base64url of `<ms>.<id>`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.submitted_ms, self.id))
    }

    /// A cursor this edge handed out, or `None` for anything else.
    pub fn decode(s: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (ms, id) = text.split_once('.')?;
        let submitted_ms = ms.parse::<i64>().ok().filter(|ms| *ms >= 0)?;
        ids::looks_like_inquiry_id(id).then(|| Cursor {
            submitted_ms,
            id: id.to_owned(),
        })
    }
}

/// A 400 `invalid_query` naming the parameter, in the message and in `fields`.
pub fn invalid_query(param: &str, message: String) -> EdgeError {
    EdgeError::invalid_value("invalid_query", param, &message)
}

/// Reads `status`, `poc`, `topic`, `since`, `until` (RFC 3339 or unix ms), `q`, `cursor`
/// and `limit` from the query's pairs. Empty values count as absent; the first of repeated
/// names wins; other names are ignored.
pub fn parse_filter(pairs: &[(String, String)]) -> Result<InquiryFilter, EdgeError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let status = get("status");
    if let Some(s) = status
        && !STATUSES.contains(&s)
    {
        return Err(invalid_query(
            "status",
            "status must be one of pending, delivered, failed, spam".to_owned(),
        ));
    }
    Ok(InquiryFilter {
        status: status.map(str::to_owned),
        poc: get("poc").map(str::to_owned),
        topic: get("topic").map(str::to_owned),
        since_ms: parse_time("since", get("since"))?,
        until_ms: parse_time("until", get("until"))?,
        search: get("q").map(classify).transpose()?.flatten(),
        after: get("cursor")
            .map(|c| {
                Cursor::decode(c).ok_or_else(|| {
                    invalid_query(
                        "cursor",
                        "cursor must be a next_cursor from an earlier page".to_owned(),
                    )
                })
            })
            .transpose()?,
        limit: parse_limit(get("limit"))?,
    })
}

pub(crate) fn parse_time(name: &str, value: Option<&str>) -> Result<Option<i64>, EdgeError> {
    value
        .map(|s| {
            s.parse::<i64>()
                .ok()
                .or_else(|| parse_rfc3339_ms(s))
                .ok_or_else(|| {
                    invalid_query(
                        name,
                        format!("{name} must be an rfc 3339 time or unix milliseconds"),
                    )
                })
        })
        .transpose()
}

fn parse_limit(value: Option<&str>) -> Result<u32, EdgeError> {
    match value {
        None => Ok(LIST_LIMIT),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=LIST_LIMIT).contains(n))
            .ok_or_else(|| {
                invalid_query("limit", format!("limit must be between 1 and {LIST_LIMIT}"))
            }),
    }
}

/// Classifies a search term: an address the form would accept, a reference number, or
/// text. `None` for a blank term (no search).
pub fn classify(q: &str) -> Result<Option<Search>, EdgeError> {
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(invalid_query(
            "q",
            format!("q must be at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    // Stored values went through the same normalization; a term with characters no
    // value may hold could never match. This also keeps `search::SEPARATOR` (a control
    // character) out of every term, so no term matches across two values.
    let term = text::normalize(q, Lines::Multi).map_err(|_| {
        invalid_query(
            "q",
            "q holds control or bidi characters no stored value can hold".to_owned(),
        )
    })?;
    if term.is_empty() {
        return Ok(None);
    }
    let upper = term.to_ascii_uppercase();
    if ids::looks_like_reference(&upper) {
        return Ok(Some(Search::Reference(upper)));
    }
    if term.contains('@')
        && let Some(email) = stored_email(&term)
    {
        return Ok(Some(Search::Email {
            hash: email_hash(&email),
        }));
    }
    Ok(Some(Search::Text(TextSearch {
        folded: search::fold(&term),
        raw: json_escaped(&term),
        value: term,
    })))
}

/// `s` as it appears inside a JSON string written by `serde_json` (which `fields_json`
/// is): quotes, backslashes and control characters escaped, everything else as is. The
/// escaping is per character, so a value's substring stays a substring once escaped.
pub fn json_escaped(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Int(i64),
}

/// SQL text and its arguments, `?1`, `?2`, ... in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub args: Vec<Arg>,
}

/// The SELECT of a site's inquiries matching `f`, newest first, at most `limit` rows.
/// Only the filters present are written into the SQL, so SQLite sees plain conditions it
/// can answer from an index (`?n IS NULL OR ...` would hide them), and the cursor is a
/// row-value range over `inquiries_by_site_date_id` (migration 0006).
pub fn select(columns: &str, site: &str, f: &InquiryFilter, limit: u32) -> Statement {
    let mut sql = format!("SELECT {columns} FROM inquiries WHERE site_id = ?1");
    let mut args = vec![Arg::Text(site.to_owned())];
    let mut cond = |sql_with_params: &str, new: Vec<Arg>| {
        let mut part = sql_with_params.to_owned();
        for (i, _) in new.iter().enumerate() {
            part = part.replacen('#', &(args.len() + 1 + i).to_string(), 1);
        }
        sql.push_str(" AND ");
        sql.push_str(&part);
        args.extend(new);
    };
    let text = |s: &str| Arg::Text(s.to_owned());
    if let Some(s) = &f.status {
        cond("status = ?#", vec![text(s)]);
    }
    if let Some(p) = &f.poc {
        cond("poc = ?#", vec![text(p)]);
    }
    if let Some(t) = &f.topic {
        cond("topic = ?#", vec![text(t)]);
    }
    if let Some(ms) = f.since_ms {
        cond("submitted_ms >= ?#", vec![Arg::Int(ms)]);
    }
    if let Some(ms) = f.until_ms {
        cond("submitted_ms < ?#", vec![Arg::Int(ms)]);
    }
    match &f.search {
        None => {}
        Some(Search::Email { hash }) => cond("email_hash = ?#", vec![text(hash)]),
        Some(Search::Reference(r)) => cond("reference = ?#", vec![text(r)]),
        Some(Search::Text(t)) => cond(
            "(instr(search_text, ?#) > 0 OR (search_text IS NULL \
             AND instr(lower(fields_json), lower(?#)) > 0 AND EXISTS (SELECT 1 FROM json_tree(fields_json) AS v \
             WHERE v.type = 'text' AND instr(lower(v.value), lower(?#)) > 0)))",
            vec![text(&t.folded), text(&t.raw), text(&t.value)],
        ),
    }
    if let Some(c) = &f.after {
        cond(
            "(submitted_ms, id) < (?#, ?#)",
            vec![Arg::Int(c.submitted_ms), text(&c.id)],
        );
    }
    sql.push_str(&format!(
        " ORDER BY submitted_ms DESC, id DESC LIMIT ?{}",
        args.len() + 1
    ));
    args.push(Arg::Int(i64::from(limit)));
    Statement { sql, args }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn refused_param(p: &[(&str, &str)]) -> String {
        let (status, body) = parse_filter(&pairs(p)).unwrap_err().to_http();
        assert_eq!((status, body.error.code.as_str()), (400, "invalid_query"));
        assert!(
            body.error.message.starts_with(&body.error.fields[0].field),
            "{body:?}"
        );
        body.error.fields[0].field.clone()
    }

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn filters() {
        let f = parse_filter(&pairs(&[
            ("status", "failed"),
            ("poc", "billing"),
            ("topic", "billing"),
            ("since", "2026-11-24T00:00:00Z"),
            ("until", "1795600000000"),
        ]))
        .unwrap();
        assert_eq!(f.status.as_deref(), Some("failed"));
        assert_eq!(f.poc.as_deref(), Some("billing"));
        assert_eq!(f.topic.as_deref(), Some("billing"));
        assert_eq!(f.since_ms, Some(1_795_478_400_000));
        assert_eq!(f.until_ms, Some(1_795_600_000_000));
        assert_eq!(f.limit, LIST_LIMIT);
        assert_eq!(parse_filter(&pairs(&[("limit", "5")])).unwrap().limit, 5);
        assert_eq!(
            parse_filter(&pairs(&[("status", ""), ("poc", ""), ("q", "  ")])).unwrap(),
            InquiryFilter {
                limit: LIST_LIMIT,
                ..Default::default()
            }
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(refused_param(&[("status", "lost")]), "status");
        assert_eq!(refused_param(&[("since", "tuesday")]), "since");
        assert_eq!(refused_param(&[("until", "soon")]), "until");
        assert_eq!(refused_param(&[("limit", "0")]), "limit");
        assert_eq!(refused_param(&[("limit", "1000")]), "limit");
        assert_eq!(refused_param(&[("cursor", "!!")]), "cursor");
        assert_eq!(refused_param(&[("q", &"x".repeat(201))]), "q");
        assert_eq!(refused_param(&[("q", "a\u{202E}b")]), "q");
    }

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let c = Cursor {
            submitted_ms: 1_795_600_000_123,
            id: ID.to_owned(),
        };
        let encoded = c.encode();
        assert!(!encoded.contains(ID), "the cursor should be opaque");
        assert_eq!(Cursor::decode(&encoded), Some(c));
        for bad in [
            "",
            "not base64!",
            &URL_SAFE_NO_PAD.encode("12.xyz"),
            &URL_SAFE_NO_PAD.encode(format!("-1.{ID}")),
            &URL_SAFE_NO_PAD.encode(format!("ms.{ID}")),
            &URL_SAFE_NO_PAD.encode(ID),
            &URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn search_terms_are_classified() {
        assert_eq!(
            classify(" sb-7kq2-m9xd ").unwrap(),
            Some(Search::Reference("SB-7KQ2-M9XD".to_owned()))
        );
        // The address as typed finds the hash intake stored for it.
        let stored = stored_email("Anna@Bücher.Example").unwrap();
        assert_eq!(stored, "Anna@xn--bcher-kva.example");
        assert_eq!(
            classify("ANNA@bücher.example").unwrap(),
            Some(Search::Email {
                hash: email_hash(&stored)
            })
        );
        assert!(matches!(
            classify("@example.com").unwrap(),
            Some(Search::Text(_))
        ));
        assert!(matches!(
            classify("SB-7KQ2").unwrap(),
            Some(Search::Text(_))
        ));
        assert_eq!(classify("   ").unwrap(), None);
    }

    #[test]
    fn text_terms_match_values_as_stored() {
        let Some(Search::Text(t)) = classify(r#"say "50%" \ off_now"#).unwrap() else {
            panic!("text expected");
        };
        // Substrings, not patterns: `%`, `_` and `\` need no escaping.
        assert_eq!(t.value, r#"say "50%" \ off_now"#);
        assert_eq!(t.folded, t.value, "ASCII folds to itself here");
        assert_eq!(t.raw, r#"say \"50%\" \\ off_now"#);
        // Control characters as serde_json writes them into fields_json.
        assert_eq!(json_escaped("a\nb\u{1}"), r"a\nb\u0001");
        let stored = serde_json::json!({"message": "x a\nb\u{1} y"}).to_string();
        assert!(stored.contains(&json_escaped("a\nb\u{1}")));
    }

    #[test]
    fn text_terms_are_folded_for_the_search_column() {
        let folded = |q: &str| match classify(q).unwrap() {
            Some(Search::Text(t)) => t.folded,
            other => panic!("text expected, got {other:?}"),
        };
        assert_eq!(folded("MÜLLER"), "müller");
        assert_eq!(folded("E\u{301}LODIE"), "élodie");
        assert_eq!(folded("STRAẞE_1"), "strasse_1");
        assert_eq!(folded("ΟΔΥΣ"), "οδυσ");
        // The fallback for older rows keeps the term as typed.
        let Some(Search::Text(t)) = classify("MÜLLER").unwrap() else {
            panic!("text expected");
        };
        assert_eq!(t.value, "MÜLLER");
    }

    #[test]
    fn only_present_filters_reach_the_sql() {
        let plain = select("id", "demo", &InquiryFilter::default(), 10);
        assert_eq!(
            plain.sql,
            "SELECT id FROM inquiries WHERE site_id = ?1 ORDER BY submitted_ms DESC, id DESC LIMIT ?2"
        );
        assert_eq!(plain.args, vec![Arg::Text("demo".into()), Arg::Int(10)]);
        let f = InquiryFilter {
            status: Some("failed".into()),
            search: classify("hello").unwrap(),
            after: Some(Cursor {
                submitted_ms: 5,
                id: ID.into(),
            }),
            ..Default::default()
        };
        let s = select("id", "demo", &f, 3);
        assert_eq!(
            s.sql,
            "SELECT id FROM inquiries WHERE site_id = ?1 AND status = ?2 \
             AND (instr(search_text, ?3) > 0 OR (search_text IS NULL \
             AND instr(lower(fields_json), lower(?4)) > 0 AND EXISTS (SELECT 1 FROM json_tree(fields_json) AS v \
             WHERE v.type = 'text' AND instr(lower(v.value), lower(?5)) > 0))) \
             AND (submitted_ms, id) < (?6, ?7) ORDER BY submitted_ms DESC, id DESC LIMIT ?8"
        );
        assert_eq!(s.args.len(), 8);
        assert_eq!(s.args[5], Arg::Int(5));
        assert_eq!(s.args[7], Arg::Int(3));
    }
}
