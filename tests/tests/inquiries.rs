//! The site owner's view of their inquiries on the real Worker and D1: search by address,
//! reference and text (quotes, backslashes and LIKE wildcards taken literally; any case in
//! any script), pages that return every inquiry exactly once even when many share a
//! millisecond, CSV and NDJSON exports with formula cells neutralized, a byte-order mark
//! on request, and the per-request cap continued by cursor, typed 400s and 401s for bad
//! parameters and wrong keys, and erasure on request. Answers are checked against the
//! served OpenAPI schemas, and the `switchboard` command's online half runs in-process
//! against the Worker.

use crate::abuse::Schemas;
use crate::api::{submission, valid_fields};
use crate::env::{Env, Test};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Instant;
use switchboard_shared::api::ErrorBody;
use switchboard_tests::admin::{Admin, Answer, Site};
use switchboard_tests::fixture::hook_path;
use switchboard_tests::wrangler::{Worker, WorkerOptions};
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "inquiries::search_finds_by_address_reference_and_text",
        search,
    ),
    (
        "inquiries::search_folds_case_in_every_script",
        search_unicode,
    ),
    (
        "inquiries::long_search_terms_find_instead_of_500",
        search_long_terms,
    ),
    ("inquiries::pages_return_every_inquiry_exactly_once", pages),
    (
        "inquiries::export_holds_every_match_as_csv_and_ndjson",
        export,
    ),
    (
        "inquiries::export_past_its_cap_continues_by_cursor",
        export_cap,
    ),
    (
        "inquiries::bad_parameters_get_400_and_wrong_keys_401",
        refusals,
    ),
    (
        "inquiries::cli_searches_follows_pages_and_exports",
        cli_commands,
    ),
    (
        "inquiries::erasure_removes_a_submitter_and_their_logs_only",
        erasure,
    ),
];

/// Search terms of 49 bytes and more answered 500 once a site held an inquiry: D1 refuses
/// LIKE patterns over 50 bytes. Terms of every length up to the 200-character limit, in
/// one- to four-byte characters, in both the list and the export, on a site with rows that
/// have `search_text` and a row that does not yet: each finds what it should, never a 5xx.
fn search_long_terms(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        let name = "Maximiliane Alexandra Konstantinopoulou-Wittgenstein";
        let message = format!(
            "{} — 東京都千代田区丸の内一丁目九番二号グラントウキョウサウスタワー — 🦀🦀🦀 {}",
            "The analytical engine stopped printing after the last firmware update",
            "ö".repeat(80)
        );
        let long = submit(env, site, "long", &[("name", name), ("message", &message)]).await?;
        let legacy = submit(env, site, "legacy", &[("name", name), ("message", &message)]).await?;
        env.worker
            .d1_query(&format!(
                "UPDATE inquiries SET search_text = NULL WHERE site_id = '{site}' AND reference = '{legacy}'"
            ))
            .await?;
        let both = set(&[&long, &legacy]);
        let cut = |s: &str, bytes: usize| -> String {
            let mut end = bytes.min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s[..end].to_owned()
        };
        let cjk = "東京都千代田区丸の内一丁目九番二号グラントウキョウサウスタワー";
        let mut cases: Vec<(String, BTreeSet<String>)> = Vec::new();
        for bytes in [1, 48, 49, 50, 51, 120] {
            cases.push((cut(&message, bytes), both.clone()));
        }
        // 17 CJK characters (51 bytes), crabs (4 bytes each), and 200 characters.
        cases.push((cjk.chars().take(17).collect(), both.clone()));
        cases.push(("🦀🦀🦀".to_owned(), both.clone()));
        cases.push((message.chars().take(200).collect(), both.clone()));
        cases.push((name.to_owned(), both.clone()));
        // Long and absent: found nowhere, still a 200.
        cases.push(("x".repeat(199), set(&[])));
        for (term, expected) in &cases {
            let found = search_for(env, &admin, term).await?;
            // The older row is matched by the term as typed in ASCII case only; every term
            // here is cut from the stored text, so it is found as well.
            ensure(&found == expected, || {
                format!(
                    "q of {} bytes ({} chars): expected {expected:?}, found {found:?}",
                    term.len(),
                    term.chars().count()
                )
            })?;
            let path = format!("export?format=ndjson&q={}", encode(term));
            let (status, headers, _) = download(&env.admin, &admin, &path).await?;
            ensure(
                status == 200 && header(&headers, "x-export-rows") == expected.len().to_string(),
                || format!("export with a {}-byte q: {status} {headers:?}", term.len()),
            )?;
        }
        // Over the limit is a typed 400, not a 500.
        let over = env
            .admin
            .get(&admin, &format!("inquiries?q={}", "y".repeat(201)))
            .await?;
        ensure(
            over.status == 400 && over.body["error"]["code"] == "invalid_query",
            || format!("a 201-character q: {} {}", over.status, over.raw),
        )
    })
}

/// Inquiries one export request holds (`export::EXPORT_MAX_ROWS`).
const EXPORT_MAX_ROWS: usize = 5_000;

/// Submits an inquiry with `edits` applied to the valid fields; returns its reference.
async fn submit(env: &Env, site: &str, key: &str, edits: &[(&str, &str)]) -> Result<String> {
    let mut fields = valid_fields();
    for (k, v) in edits {
        fields[*k] = json!(v);
    }
    let answer = env
        .submit(site, &submission(&format!("{site}-{key}"), fields))
        .await?
        .expect_status(202, &format!("submitting {key}"))?;
    answer.body["reference"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::msg(format!("no reference in {}", answer.raw)))
}

/// `GET .../inquiries?<query>` as the site admin: the references listed and the next cursor.
async fn list(env: &Env, site: &Site, query: &str) -> Result<(Vec<String>, Option<String>)> {
    let answer = env
        .admin
        .get(site, &format!("inquiries?{query}"))
        .await?
        .expect_status(200, &format!("listing ?{query}"))?;
    let refs = answer.body["inquiries"]
        .as_array()
        .ok_or_else(|| Error::msg(format!("no inquiries in {}", answer.raw)))?
        .iter()
        .filter_map(|i| i["reference"].as_str().map(str::to_owned))
        .collect();
    Ok((refs, answer.body["next_cursor"].as_str().map(str::to_owned)))
}

/// The references `?q=<term>` finds, as a sorted set.
async fn search_for(env: &Env, site: &Site, term: &str) -> Result<BTreeSet<String>> {
    let query = format!("q={}", encode(term));
    Ok(list(env, site, &query).await?.0.into_iter().collect())
}

fn encode(s: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", &[("v", s)])
        .map(|u| {
            u.query()
                .unwrap_or_default()
                .trim_start_matches("v=")
                .to_owned()
        })
        .unwrap_or_default()
}

fn set(refs: &[&String]) -> BTreeSet<String> {
    refs.iter().map(|r| (*r).clone()).collect()
}

fn search(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        let ada = submit(env, site, "ada", &[]).await?;
        let ada_again = submit(
            env,
            site,
            "ada-2",
            &[
                ("email", "Ada@EXAMPLE.com"),
                ("message", "Still nothing printed."),
            ],
        )
        .await?;
        let anna = submit(
            env,
            site,
            "anna",
            &[
                ("email", "Anna@Bücher.Example"),
                ("topic", "billing"),
                ("message", "She wrote \"50% off\" and left"),
            ],
        )
        .await?;
        let bob = submit(
            env,
            site,
            "bob",
            &[
                ("email", "bob@example.org"),
                ("name", r"C:\temp Bob"),
                ("message", "A note about item 5_0 please"),
            ],
        )
        .await?;
        // The negative control for wildcards: `50%` and `5_0` unescaped would match 500.
        let cara = submit(
            env,
            site,
            "cara",
            &[
                ("email", "cara@example.net"),
                ("message", "It costs 500 euros"),
            ],
        )
        .await?;
        let bob_lowercase = bob.to_lowercase();
        let cases: Vec<(&str, BTreeSet<String>)> = vec![
            ("ada@example.com", set(&[&ada, &ada_again])),
            ("  ADA@example.COM ", set(&[&ada, &ada_again])),
            // Typed in Unicode, stored with its domain in A-labels.
            ("anna@bücher.example", set(&[&anna])),
            ("anna@xn--bcher-kva.example", set(&[&anna])),
            ("nobody@example.com", set(&[])),
            (bob_lowercase.as_str(), set(&[&bob])),
            ("ENGINE", set(&[&ada])),
            ("\"50% off\"", set(&[&anna])),
            ("50%", set(&[&anna])),
            ("5_0", set(&[&bob])),
            (r"C:\temp", set(&[&bob])),
            ("500", set(&[&cara])),
            // Field ids are not values: every row has a `message` key.
            ("message", set(&[])),
        ];
        for (term, expected) in &cases {
            let found = search_for(env, &admin, term).await?;
            ensure(&found == expected, || {
                format!("q={term:?}: expected {expected:?}, found {found:?}")
            })?;
        }
        let (billing, _) = list(env, &admin, "topic=billing").await?;
        ensure(billing == vec![anna.clone()], || {
            format!("topic=billing listed {billing:?}, not [{anna}]")
        })?;
        let (combined, _) = list(env, &admin, "topic=support&q=ada%40example.com&limit=1").await?;
        ensure(combined == vec![ada_again.clone()], || {
            format!("the newest of Ada's support inquiries should come first: {combined:?}")
        })?;
        admin_answers_match_their_schemas(env, &admin, &ada).await
    })
}

/// Non-ASCII names and messages found by terms in another case, through the list and the
/// export (migration 0007's `search_text`); a row stored before it (`search_text` NULL)
/// is still found the old way.
fn search_unicode(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        let muller = submit(
            env,
            site,
            "muller",
            &[
                ("name", "Jürgen MÜLLER"),
                ("message", "Grüße aus der Hauptstraße, das Gerät druckt nicht."),
            ],
        )
        .await?;
        // The accent typed as a combining mark; intake stores it precomposed.
        let elodie = submit(
            env,
            site,
            "elodie",
            &[
                ("name", "e\u{301}lodie Dupont"),
                ("message", "ÇA NE MARCHE PLUS DEPUIS CE MATIN."),
            ],
        )
        .await?;
        let greek = submit(
            env,
            site,
            "greek",
            &[
                ("name", "ΟΔΥΣΣΕΥΣ ΠΑΠΑΔΟΠΟΥΛΟΣ"),
                ("message", "Ο εκτυπωτής δεν τυπώνει τίποτα."),
            ],
        )
        .await?;
        let legacy = submit(
            env,
            site,
            "legacy",
            &[("name", "Björk Legacy"), ("message", "Stored before the search column.")],
        )
        .await?;
        env.worker
            .d1_query(&format!(
                "UPDATE inquiries SET search_text = NULL WHERE site_id = '{site}' AND reference = '{legacy}'"
            ))
            .await?;
        let cases: Vec<(&str, BTreeSet<String>)> = vec![
            ("müller", set(&[&muller])),
            ("JÜRGEN MÜLLER", set(&[&muller])),
            ("GRÜSSE", set(&[&muller])),
            ("HAUPTSTRASSE", set(&[&muller])),
            ("ÉLODIE", set(&[&elodie])),
            ("E\u{301}LODIE", set(&[&elodie])),
            ("ça ne marche", set(&[&elodie])),
            // A word's start in capitals: lowercasing alone would end it in a final sigma.
            ("ΟΔΥΣ", set(&[&greek])),
            ("οδυσσευς", set(&[&greek])),
            ("ΕΚΤΥΠΩΤΉΣ", set(&[&greek])),
            // Accents still count, and field ids are not values.
            ("muller", set(&[])),
            ("elodie", set(&[])),
            ("message", set(&[])),
            // The older row: ASCII letters in any case, other letters as typed (whether or
            // not a cron run of another trial has filled its column meanwhile).
            ("LEGACY", set(&[&legacy])),
            ("Björk", set(&[&legacy])),
        ];
        for (term, expected) in &cases {
            let found = search_for(env, &admin, term).await?;
            ensure(&found == expected, || {
                format!("q={term:?}: expected {expected:?}, found {found:?}")
            })?;
        }
        for (format, term, expected) in [
            ("ndjson", "MÜLLER", &muller),
            ("csv", "élodie", &elodie),
            ("csv", "Οδυσσευς", &greek),
        ] {
            let path = format!("export?format={format}&q={}", encode(term));
            let (status, headers, text) = download(&env.admin, &admin, &path).await?;
            ensure(
                status == 200
                    && header(&headers, "x-export-rows") == "1"
                    && text.contains(expected.as_str()),
                || format!("{path}: expected {expected} alone, got {status} {headers:?} {text}"),
            )?;
        }
        // The cron fills the older row's column: then it is found in any case too.
        env.fire_cron().await?;
        let started = Instant::now();
        loop {
            let found = search_for(env, &admin, "BJÖRK").await?;
            if found == set(&[&legacy]) {
                return Ok(());
            }
            if started.elapsed() > std::time::Duration::from_secs(30) {
                return Err(Error::msg(format!(
                    "30 s after the cron, q=BJÖRK still finds {found:?}, not the older row {legacy}"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    })
}

/// The list, one inquiry, its redelivery and acknowledgement, and the endpoints answer with
/// the bodies /openapi.json documents.
async fn admin_answers_match_their_schemas(env: &Env, admin: &Site, reference: &str) -> Result<()> {
    let schemas = Schemas::fetch(env).await?;
    let one = format!("inquiries/{reference}");
    let redeliver = format!("{one}/redeliver");
    let ack = format!("{one}/ack");
    // Method, path, status, schema; in this order, as the redelivery comes before the ack.
    let calls: [(&str, &str, u16, &str); 6] = [
        ("GET", "inquiries?limit=2", 200, "InquiryList"),
        ("GET", &one, 200, "Inquiry"),
        ("POST", &redeliver, 202, "Redelivery"),
        ("POST", &ack, 200, "Acknowledgement"),
        ("GET", "endpoints", 200, "Endpoints"),
        ("POST", "redeliver-failed", 202, "FailedRedelivery"),
    ];
    for (method, path, status, schema) in calls {
        let answer = match method {
            "GET" => env.admin.get(admin, path).await?,
            _ => env.admin.post(admin, path, None).await?,
        };
        let what = format!("{method} {path}");
        schemas.check(schema, &answer.expect_status(status, &what)?, &what)?;
    }
    Ok(())
}

/// Follows `next_cursor` from the first page of `query`; every page's references in order.
async fn all_pages(env: &Env, site: &Site, query: &str) -> Result<Vec<Vec<String>>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_owned(),
        };
        let (refs, next) = list(env, site, &q).await?;
        pages.push(refs);
        ensure(pages.len() <= 50, || format!("paging {query} does not end"))?;
        match next {
            Some(c) => cursor = Some(c),
            None => return Ok(pages),
        }
    }
}

fn pages(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        let mut submitted = BTreeSet::new();
        for n in 0..7 {
            submitted.insert(submit(env, site, &format!("p{n}"), &[]).await?);
        }
        // Five of the seven in one millisecond: ties the cursor must neither skip nor repeat.
        env.worker
            .d1_query(&format!(
                "UPDATE inquiries SET submitted_ms = 1795600000000 WHERE site_id = '{site}' \
                 AND id IN (SELECT id FROM inquiries WHERE site_id = '{site}' ORDER BY id LIMIT 5)"
            ))
            .await?;
        let pages = all_pages(env, &admin, "limit=2").await?;
        let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
        ensure(sizes == [2, 2, 2, 1], || format!("page sizes {sizes:?}"))?;
        let seen: Vec<&String> = pages.iter().flatten().collect();
        let unique: BTreeSet<String> = seen.iter().map(|r| (*r).clone()).collect();
        ensure(seen.len() == 7 && unique == submitted, || {
            format!("pages {pages:?} are not the 7 submitted {submitted:?} once each")
        })?;
        let (whole, next) = list(env, &admin, "limit=7").await?;
        let in_pages: Vec<String> = pages.concat();
        ensure(whole == in_pages && next.is_none(), || {
            format!("one page of 7 {whole:?} (next {next:?}) differs from the pages {in_pages:?}")
        })?;
        // A filter holds across pages.
        let tied = all_pages(
            env,
            &admin,
            "limit=2&until=1795600000001&since=1795600000000",
        )
        .await?;
        let tied: Vec<String> = tied.concat();
        ensure(
            tied.len() == 5 && tied.iter().collect::<BTreeSet<_>>().len() == 5,
            || format!("the five tied inquiries, paged: {tied:?}"),
        )
    })
}

/// An admin `GET` to the Worker `api` talks to whose body is not JSON: status, headers
/// and text.
async fn download(
    api: &Admin,
    site: &Site,
    path: &str,
) -> Result<(u16, reqwest::header::HeaderMap, String)> {
    let resp = api.get_response(site, path).await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Ok((status, headers, resp.text().await?))
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Header and records of a CSV document.
fn read_csv(text: &str) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| Error::msg(format!("csv header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|e| Error::msg(format!("csv record: {e}")))
        })
        .collect::<Result<Vec<Vec<String>>>>()?;
    Ok((header, rows))
}

fn export(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        let formula = submit(
            env,
            site,
            "formula",
            &[
                ("name", "=HYPERLINK(\"http://x.example\",\"click\")"),
                ("message", "-5 degrees, \"cold\"\nand a second line"),
            ],
        )
        .await?;
        let plain = submit(env, site, "plain", &[("topic", "billing")]).await?;
        let (status, headers, text) = download(&env.admin, &admin, "export?format=csv").await?;
        ensure(status == 200, || format!("csv export: {status} {text}"))?;
        let disposition = header(&headers, "content-disposition");
        ensure(
            disposition.starts_with(&format!("attachment; filename=\"{site}-inquiries-"))
                && disposition.ends_with(".csv\""),
            || format!("content-disposition {disposition:?}"),
        )?;
        ensure(
            header(&headers, "content-type").starts_with("text/csv"),
            || format!("content-type {:?}", header(&headers, "content-type")),
        )?;
        ensure(
            text.contains("\r\n") && header(&headers, "x-next-cursor").is_empty(),
            || format!("rows should end in CRLF and nothing be left: {headers:?}"),
        )?;
        let (columns, rows) = read_csv(&text)?;
        let expected: Vec<&str> = vec![
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
            "fields.name",
            "fields.email",
            "fields.topic",
            "fields.message",
        ];
        ensure(columns == expected, || format!("csv columns {columns:?}"))?;
        let col = |name: &str| columns.iter().position(|c| c == name).unwrap_or(usize::MAX);
        let row = |reference: &str| rows.iter().find(|r| r[0] == reference).cloned();
        let f =
            row(&formula).ok_or_else(|| Error::msg(format!("{formula} missing from {text}")))?;
        ensure(
            f[col("fields.name")] == "'=HYPERLINK(\"http://x.example\",\"click\")"
                && f[col("fields.message")] == "'-5 degrees, \"cold\"\nand a second line"
                && f[col("fields.email")] == "ada@example.com",
            || format!("formula row {f:?}"),
        )?;
        let p = row(&plain).ok_or_else(|| Error::msg(format!("{plain} missing from {text}")))?;
        ensure(
            p[col("topic")] == "billing" && p[col("poc")] == "billing",
            || format!("plain row {p:?}"),
        )?;
        ensure(rows.len() == 2, || format!("{} rows in {text}", rows.len()))?;
        // For Excel: the same document after a UTF-8 byte-order mark. Read as bytes, as
        // a text decoder would drop the mark.
        let marked = env
            .admin
            .get_response(&admin, "export?format=csv&bom=1")
            .await?
            .bytes()
            .await?;
        // A status may change between the two exports (pending, then delivered), so the
        // rest is compared by its header and its rows, not byte for byte.
        let (marked_header, marked_rows) = marked
            .strip_prefix(&[0xEF, 0xBB, 0xBF])
            .and_then(|rest| std::str::from_utf8(rest).ok())
            .and_then(|rest| read_csv(rest).ok())
            .unwrap_or_default();
        ensure(
            marked_header == columns && marked_rows.len() == rows.len(),
            || {
                format!(
                    "bom=1 should put EF BB BF before the same CSV: {:?}",
                    &marked[..marked.len().min(16)]
                )
            },
        )?;
        ensure(!text.starts_with('\u{FEFF}'), || {
            "the CSV has a mark unasked".to_owned()
        })?;

        // NDJSON: the single-inquiry view without its log, one per line.
        let (status, headers, text) =
            download(&env.admin, &admin, "export?format=ndjson&topic=billing").await?;
        ensure(
            status == 200 && header(&headers, "content-type") == "application/x-ndjson",
            || format!("ndjson export: {status} {headers:?} {text}"),
        )?;
        let lines: Vec<Value> = text
            .lines()
            .map(serde_json::from_str)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::msg(format!("ndjson line: {e}: {text}")))?;
        ensure(
            lines.len() == 1 && header(&headers, "x-export-rows") == "1",
            || format!("topic=billing exported {text}"),
        )?;
        let one = env
            .admin
            .get(&admin, &format!("inquiries/{plain}"))
            .await?
            .expect_status(200, "one inquiry")?;
        for key in ["fields", "webhook_id", "routing", "answer"] {
            ensure(lines[0][key] == one.body[key], || {
                format!(
                    "ndjson `{key}` {} differs from the inquiry view {}",
                    lines[0][key], one.body[key]
                )
            })?;
        }
        ensure(
            lines[0]["inquiry"]["reference"] == one.body["inquiry"]["reference"],
            || format!("ndjson line {} is not {plain}", lines[0]),
        )?;
        let schemas = Schemas::fetch(env).await?;
        let line = Answer {
            status: 200,
            body: lines[0].clone(),
            raw: text.clone(),
        };
        schemas.check("InquiryExportLine", &line, "ndjson line")?;
        // The search filter applies to the export too.
        let (_, _, found) = download(
            &env.admin,
            &admin,
            &format!("export?format=ndjson&q={}", formula.to_lowercase()),
        )
        .await?;
        ensure(
            found.lines().count() == 1 && found.contains(&formula),
            || format!("q={formula} exported {found}"),
        )
    })
}

/// Bulk rows written straight into D1: three per millisecond, ids `ffff` + 28 hex digits.
fn bulk_insert(site: &str, count: usize) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
         INSERT INTO inquiries (id, site_id, idempotency_key, reference, poc, priority, tags, fields_json,
             email_hash, topic, locale, routing_explanation_json, deadline_ms, submitted_ms, status,
             response_status, response_json)
         SELECT printf('ffff%028x', i), '{site}', 'bulk-' || i, '{site}-' || i, 'support', 'normal', '[]',
             json_object('name', 'Bulk ' || i, 'message', 'row ' || i), NULL, 'support', 'en', 'null',
             1795600000000 + i, 1795500000000 + i / 3, 'delivered', 202, '{{}}'
         FROM n"
    )
}

/// On a Worker of its own: the bulk insert beside it holds SQLite's write lock for a
/// moment, and the shared Worker's writes for other trials would meet it as SQLITE_BUSY.
fn export_cap(env: &Env, site: &str) -> Result<()> {
    const TOTAL: usize = EXPORT_MAX_ROWS + 50;
    let (worker, api, admin) = env.block_on(async {
        let worker = Worker::start(WorkerOptions::default()).await?;
        let api = Admin::new(&worker.origin, env.http.clone())?;
        let admin = api.provision(site, &env.site_config(site)?).await?;
        worker.d1_query(&bulk_insert(site, TOTAL)).await?;
        let started = Instant::now();
        let (status, headers, first) = download(&api, &admin, "export?format=csv").await?;
        let took = started.elapsed();
        ensure(status == 200, || {
            format!(
                "export: {status} {}",
                first.chars().take(300).collect::<String>()
            )
        })?;
        let cursor = header(&headers, "x-next-cursor").to_owned();
        ensure(
            !cursor.is_empty() && header(&headers, "x-export-rows") == EXPORT_MAX_ROWS.to_string(),
            || format!("past the cap the export should name a cursor: {headers:?}"),
        )?;
        let (_, rows) = read_csv(&first)?;
        let (status, headers, rest) =
            download(&api, &admin, &format!("export?format=csv&cursor={cursor}")).await?;
        ensure(
            status == 200 && header(&headers, "x-next-cursor").is_empty(),
            || format!("the rest: {status} {headers:?}"),
        )?;
        let (_, more) = read_csv(&rest)?;
        let refs: BTreeSet<&String> = rows.iter().chain(&more).map(|r| &r[0]).collect();
        ensure(
            rows.len() == EXPORT_MAX_ROWS && more.len() == 50 && refs.len() == TOTAL,
            || {
                format!(
                    "{} + {} rows, {} distinct, of {TOTAL}",
                    rows.len(),
                    more.len(),
                    refs.len()
                )
            },
        )?;
        eprintln!(
            "export of {EXPORT_MAX_ROWS} rows as CSV took {} ms ({} bytes)",
            took.as_millis(),
            first.len()
        );
        Ok::<_, Error>((worker, api, admin))
    })?;
    // The command follows the cursor itself and keeps one header row.
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("all.csv");
    let file_arg = file.display().to_string();
    cli(
        &api,
        &admin,
        &["export", "--format", "csv", "--out", &file_arg],
    )?;
    let (_, rows) = read_csv(&std::fs::read_to_string(&file)?)?;
    let distinct: BTreeSet<&String> = rows.iter().map(|r| &r[0]).collect();
    drop(worker);
    ensure(rows.len() == TOTAL && distinct.len() == TOTAL, || {
        format!(
            "switchboard export wrote {} rows, {} distinct, of {TOTAL}",
            rows.len(),
            distinct.len()
        )
    })
}

/// Runs `switchboard <command> --edge <this Worker> --key <site's key> --site <site>
/// <args>` in-process; its standard output.
pub fn cli(api: &Admin, site: &Site, args: &[&str]) -> Result<String> {
    let (command, rest) = args.split_first().ok_or_else(|| Error::msg("no command"))?;
    let mut argv = vec![
        "switchboard",
        command,
        "--edge",
        &api.origin,
        "--key",
        &site.admin_key,
        "--site",
        &site.id,
    ];
    argv.extend(rest);
    let mut out = Vec::new();
    switchboard_cli::run_args(argv, &mut out)
        .map_err(|e| Error::msg(format!("switchboard {args:?}: {e}")))?;
    String::from_utf8(out)
        .map_err(|e| Error::msg(format!("switchboard {args:?} printed non-UTF-8: {e}")))
}

/// The references of a `switchboard inquiries` answer, and its `next_cursor`.
fn listed(json: &str) -> Result<(Vec<String>, Option<String>)> {
    let value: Value = serde_json::from_str(json)?;
    let refs = value["inquiries"]
        .as_array()
        .ok_or_else(|| Error::msg(format!("no inquiries in {json}")))?
        .iter()
        .filter_map(|i| i["reference"].as_str().map(str::to_owned))
        .collect();
    Ok((refs, value["next_cursor"].as_str().map(str::to_owned)))
}

/// The command's blocking HTTP client runs outside the trial's async runtime.
fn cli_commands(env: &Env, site: &str) -> Result<()> {
    let (admin, submitted, zoe) = env.block_on(async {
        let admin = env.provision(site).await?;
        let mut submitted = BTreeSet::new();
        for n in 0..4 {
            submitted.insert(submit(env, site, &format!("c{n}"), &[]).await?);
        }
        let zoe = submit(
            env,
            site,
            "zoe",
            &[("email", "zoe@example.com"), ("topic", "billing")],
        )
        .await?;
        submitted.insert(zoe.clone());
        Ok::<_, Error>((admin, submitted, zoe))
    })?;
    let (all, next) = listed(&cli(
        &env.admin,
        &admin,
        &["inquiries", "--all", "--limit", "2"],
    )?)?;
    let unique: BTreeSet<String> = all.iter().cloned().collect();
    ensure(
        all.len() == 5 && unique == submitted && next.is_none(),
        || format!("--all listed {all:?} (next {next:?}), submitted {submitted:?}"),
    )?;
    let (first, next) = listed(&cli(&env.admin, &admin, &["inquiries", "--limit", "3"])?)?;
    let cursor = next.ok_or_else(|| Error::msg("a page of 3 of 5 has no next_cursor"))?;
    let (second, last) = listed(&cli(
        &env.admin,
        &admin,
        &["inquiries", "--limit", "3", "--cursor", &cursor],
    )?)?;
    ensure(
        [first.clone(), second.clone()].concat() == all && last.is_none(),
        || format!("pages {first:?} then {second:?} (next {last:?}) are not {all:?}"),
    )?;
    let (found, _) = listed(&cli(
        &env.admin,
        &admin,
        &["inquiries", "--q", "ZOE@example.com"],
    )?)?;
    ensure(found == vec![zoe.clone()], || {
        format!("--q zoe found {found:?}")
    })?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("inquiries.ndjson");
    let file_arg = file.display().to_string();
    let printed = cli(
        &env.admin,
        &admin,
        &["export", "--format", "ndjson", "--out", &file_arg],
    )?;
    let written = std::fs::read_to_string(&file)?;
    let exported: BTreeSet<String> = written
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .map(|v| v["inquiry"]["reference"].as_str().unwrap_or("").to_owned())
        })
        .collect::<std::result::Result<_, _>>()?;
    ensure(
        printed.is_empty() && exported == submitted && written.lines().count() == 5,
        || format!("the ndjson file holds {written}; printed {printed:?}"),
    )?;
    let (header, rows) = read_csv(&cli(&env.admin, &admin, &["export", "--topic", "billing"])?)?;
    ensure(
        header[0] == "reference" && rows.len() == 1 && rows[0][0] == zoe,
        || format!("--topic billing exported {rows:?}"),
    )?;
    let marked = cli(
        &env.admin,
        &admin,
        &["export", "--bom", "--topic", "billing"],
    )?;
    ensure(
        marked.starts_with("\u{FEFF}reference,") && marked.contains(&zoe),
        || format!("--bom exported {marked:?}"),
    )
}

/// Fails unless `answer` is a 400 `invalid_query` whose message and `fields` name `param`.
fn expect_invalid(answer: &Answer, param: &str) -> Result<()> {
    let body: ErrorBody = serde_json::from_value(answer.body.clone())
        .map_err(|e| Error::msg(format!("{param}: not an error body ({e}): {}", answer.raw)))?;
    ensure(
        answer.status == 400
            && body.error.code == "invalid_query"
            && body.error.message.starts_with(param)
            && body.error.fields.iter().any(|f| f.field == param),
        || {
            format!(
                "bad {param}: expected 400 invalid_query naming it, got {} {}",
                answer.status, answer.raw
            )
        },
    )
}

fn refusals(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        submit(env, site, "one", &[]).await?;
        let too_long = format!("inquiries?q={}", "x".repeat(201));
        for (query, param) in [
            ("inquiries?limit=0", "limit"),
            ("inquiries?limit=101", "limit"),
            ("inquiries?limit=ten", "limit"),
            ("inquiries?cursor=not-a-cursor", "cursor"),
            // Well-formed base64 of `<ms>.<something that is no inquiry id>`.
            ("inquiries?cursor=MTc5NTYwMDAwMDAwMC56enp6", "cursor"),
            ("inquiries?since=tuesday", "since"),
            ("inquiries?until=2026-13-01", "until"),
            ("inquiries?status=lost", "status"),
            (too_long.as_str(), "q"),
            ("inquiries?q=%E2%80%AEevil", "q"),
            ("export?format=xlsx", "format"),
            ("export?format=csv&bom=yes", "bom"),
            ("export?bom=0", "bom"),
            ("export?format=ndjson&bom=1", "bom"),
            ("export?limit=10", "limit"),
            ("export?cursor=%00", "cursor"),
        ] {
            expect_invalid(&env.admin.get(&admin, query).await?, param)?;
        }
        let forged = Site {
            id: admin.id.clone(),
            admin_key: format!("{}x", admin.admin_key),
        };
        for path in ["inquiries?q=ada%40example.com", "export?format=csv"] {
            let answer = env.admin.get(&forged, path).await?;
            ensure(
                answer.status == 401 && answer.body["error"]["code"] == "unauthorized",
                || format!("{path} with a wrong key: {} {}", answer.status, answer.raw),
            )?;
        }
        let (status, _, body) = download(&env.admin, &forged, "export?format=ndjson").await?;
        ensure(status == 401 && !body.contains("ada@example.com"), || {
            format!("the export with a wrong key answered {status}: {body}")
        })
    })
}

/// Rows left in every per-inquiry table (and `inquiries`) for these inquiry ids.
async fn rows_of(env: &Env, ids: &[String]) -> Result<Vec<(String, i64)>> {
    let list = ids
        .iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let tables = env
        .worker
        .d1_query(
            "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'inquiry_id' AND m.name <> 'disabled_endpoints'",
        )
        .await?;
    let mut counts = Vec::new();
    for table in tables.iter().filter_map(|t| t["name"].as_str()) {
        let n = env
            .worker
            .d1_query(&format!(
                "SELECT COUNT(*) AS n FROM {table} WHERE inquiry_id IN ({list})"
            ))
            .await?;
        counts.push((table.to_owned(), n[0]["n"].as_i64().unwrap_or(-1)));
    }
    let n = env
        .worker
        .d1_query(&format!(
            "SELECT COUNT(*) AS n FROM inquiries WHERE id IN ({list})"
        ))
        .await?;
    counts.push(("inquiries".to_owned(), n[0]["n"].as_i64().unwrap_or(-1)));
    Ok(counts)
}

/// The stored ids of these references.
async fn ids_of(env: &Env, site: &str, refs: &[&String]) -> Result<Vec<String>> {
    let list = refs
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(",");
    Ok(env
        .worker
        .d1_query(&format!(
            "SELECT id FROM inquiries WHERE site_id = '{site}' AND reference IN ({list})"
        ))
        .await?
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect())
}

/// A submitter asks to be forgotten: erasing by address removes each of their inquiries
/// (whatever case they typed) with its delivery log, and nobody else's; erasing one
/// reference removes that one; the answers match the OpenAPI schema, and bad requests get
/// typed 4xx answers. `switchboard erase` erases the last one.
fn erasure(env: &Env, site: &str) -> Result<()> {
    let (admin, cara) = env.block_on(async {
        let admin = env.provision(site).await?;
        let ada = submit(env, site, "ada", &[("email", "ada@example.com")]).await?;
        let ada_again = submit(env, site, "ada-2", &[("email", "Ada@EXAMPLE.com")]).await?;
        let bob = submit(env, site, "bob", &[("email", "bob@example.org")]).await?;
        let cara = submit(env, site, "cara", &[("email", "cara@example.net")]).await?;
        // Delivered first, so each has a delivery log to erase.
        env.receiver
            .wait_for(&hook_path(site, ""), 4, std::time::Duration::from_secs(60))
            .await?;
        let ada_ids = ids_of(env, site, &[&ada, &ada_again]).await?;
        let others = ids_of(env, site, &[&bob, &cara]).await?;
        ensure(ada_ids.len() == 2 && others.len() == 2, || {
            format!("stored ids: {ada_ids:?} {others:?}")
        })?;
        let logged = rows_of(env, &ada_ids).await?;
        ensure(
            logged
                .iter()
                .any(|(t, n)| t == "delivery_attempts" && *n >= 2),
            || format!("no delivery log to erase: {logged:?}"),
        )?;

        let schemas = Schemas::fetch(env).await?;
        let erased = env
            .admin
            .post(
                &admin,
                "erase",
                Some(&json!({"email": "  ADA@example.COM "})),
            )
            .await?
            .expect_status(200, "erasing Ada")?;
        schemas.check("Erased", &erased, "POST erase")?;
        let mut listed: Vec<String> = erased.body["references"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
        listed.sort();
        let mut expected = vec![ada.clone(), ada_again.clone()];
        expected.sort();
        ensure(erased.body["erased"] == 2 && listed == expected, || {
            format!("erasing Ada should name {expected:?}: {}", erased.raw)
        })?;
        let left = rows_of(env, &ada_ids).await?;
        ensure(left.iter().all(|(_, n)| *n == 0), || {
            format!("rows of Ada's inquiries survived the erasure: {left:?}")
        })?;
        let kept = rows_of(env, &others).await?;
        ensure(
            kept.iter().any(|(t, n)| t == "inquiries" && *n == 2)
                && kept
                    .iter()
                    .any(|(t, n)| t == "delivery_attempts" && *n >= 2),
            || format!("erasing Ada touched other submitters: {kept:?}"),
        )?;
        for r in [&ada, &ada_again] {
            env.admin
                .get(&admin, &format!("inquiries/{r}"))
                .await?
                .expect_status(404, "an erased inquiry")?;
        }
        ensure(
            search_for(env, &admin, "ada@example.com").await?.is_empty(),
            || "the search still finds Ada".to_owned(),
        )?;
        // Nothing left to erase is not an error.
        let again = env
            .admin
            .post(&admin, "erase", Some(&json!({"email": "ada@example.com"})))
            .await?
            .expect_status(200, "erasing Ada again")?;
        ensure(again.body["erased"] == 0, || {
            format!("second erasure: {}", again.raw)
        })?;

        // One inquiry by reference.
        let url = format!(
            "{}/v1/admin/sites/{}/inquiries/{bob}",
            env.worker.origin, admin.id
        );
        let one = Answer::read(
            env.http
                .delete(&url)
                .bearer_auth(&admin.admin_key)
                .send()
                .await?,
        )
        .await?
        .expect_status(200, "erasing Bob's inquiry")?;
        schemas.check("Erased", &one, "DELETE inquiry")?;
        ensure(one.body["references"] == json!([bob]), || {
            format!("DELETE should name {bob}: {}", one.raw)
        })?;
        let gone = Answer::read(
            env.http
                .delete(&url)
                .bearer_auth(&admin.admin_key)
                .send()
                .await?,
        )
        .await?;
        expect_error(&gone, 404, "inquiry_not_found", None)?;
        let (still, _) = list(env, &admin, "").await?;
        ensure(still == vec![cara.clone()], || {
            format!("only Cara's inquiry should be left: {still:?}")
        })?;

        // Refusals: typed, naming the field; nothing erased.
        let bad = env
            .admin
            .post(&admin, "erase", Some(&json!({"email": "not an address"})))
            .await?;
        expect_error(&bad, 400, "invalid_email", Some("email"))?;
        let no_body = env.admin.post(&admin, "erase", Some(&json!({}))).await?;
        expect_error(&no_body, 400, "invalid_body", None)?;
        let text = Answer::read(
            env.http
                .post(format!(
                    "{}/v1/admin/sites/{}/erase",
                    env.worker.origin, admin.id
                ))
                .bearer_auth(&admin.admin_key)
                .body(r#"{"email": "cara@example.net"}"#)
                .send()
                .await?,
        )
        .await?;
        expect_error(&text, 415, "unsupported_media_type", None)?;
        let stranger = Answer::read(
            env.http
                .post(format!(
                    "{}/v1/admin/sites/{}/erase",
                    env.worker.origin, admin.id
                ))
                .bearer_auth("sbk_wrong")
                .json(&json!({"email": "cara@example.net"}))
                .send()
                .await?,
        )
        .await?;
        expect_error(&stranger, 401, "unauthorized", None)?;
        let (still, _) = list(env, &admin, "").await?;
        ensure(still == vec![cara.clone()], || {
            format!("a refused erasure changed something: {still:?}")
        })?;
        Ok::<_, Error>((admin, cara))
    })?;
    let printed = cli(
        &env.admin,
        &admin,
        &["erase", "--email", "Cara@Example.net", "--yes"],
    )?;
    ensure(
        printed.trim() == format!("erased 1 inquiry: {cara}"),
        || format!("switchboard erase printed {printed:?}"),
    )?;
    let left = env.block_on(list(env, &admin, ""))?.0;
    ensure(left.is_empty(), || {
        format!("inquiries left after switchboard erase: {left:?}")
    })
}

/// `answer` is the typed error `code` with `status`, naming `field` when given.
fn expect_error(answer: &Answer, status: u16, code: &str, field: Option<&str>) -> Result<()> {
    let body: ErrorBody = serde_json::from_value(answer.body.clone())
        .map_err(|e| Error::msg(format!("not an error body ({e}): {}", answer.raw)))?;
    let named = body
        .error
        .fields
        .iter()
        .map(|f| f.field.as_str())
        .collect::<Vec<_>>();
    ensure(
        answer.status == status
            && body.error.code == code
            && field.is_none_or(|f| named.contains(&f)),
        || {
            format!(
                "expected {status} {code} naming {field:?}: {} {}",
                answer.status, answer.raw
            )
        },
    )
}
