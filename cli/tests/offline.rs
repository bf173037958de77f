//! The offline commands as a site owner runs them: the built `switchboard` binary on the
//! fixture configs in `tests/fixtures`, checking output, messages and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs the binary with `args` (no edge settings from the environment).
fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env_remove("SWITCHBOARD_EDGE")
        .env_remove("SWITCHBOARD_ADMIN_KEY")
        .output()
        .expect("the switchboard binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn check_accepts_a_valid_config() {
    let o = switchboard(&["check", &path("site.toml")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "{}: ok: site `acme`, 4 fields, 2 POCs, 1 rules\n",
            path("site.toml")
        )
    );
}

#[test]
fn check_names_the_problem_with_file_line_and_column() {
    let o = switchboard(&["check", &path("unknown-poc.toml")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("{}:6:", path("unknown-poc.toml"))),
        "{err}"
    );
    assert!(first.contains("unknown POC `nobody`"), "{err}");
    assert!(err.ends_with("1 problem(s) found\n"), "{err}");
    assert_eq!(stdout(&o), "");
}

#[test]
fn check_of_a_missing_file_fails_naming_it() {
    let missing = path("no-such-site.toml");
    let o = switchboard(&["check", &missing]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with(&format!("{missing}: ")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn route_explains_the_decision_and_the_deadline() {
    let o = switchboard(&[
        "route",
        &path("site.toml"),
        &path("outage.json"),
        "--at",
        "2026-11-27T12:00:00Z",
        "--tz",
        "Europe/Berlin",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let line = |key: &str| {
        out.lines()
            .find(|l| l.starts_with(key))
            .map(|l| l[key.len()..].trim().to_owned())
            .unwrap_or_else(|| panic!("no {key} line in {out}"))
    };
    // The billing topic picks the billing POC; the word "down" makes it urgent.
    assert_eq!(line("poc:"), "billing (Billing)");
    assert_eq!(line("priority:"), "urgent");
    assert!(line("why:").contains("outage-is-urgent"), "{out}");
    // Billing is always open and has no urgent target, so its 1 day applies: 24 h on,
    // worded for the visitor in Berlin (UTC+1).
    assert!(
        line("deadline:").starts_with("2026-11-28T12:00:00Z ("),
        "{out}"
    );
    assert_eq!(line("open now:"), "yes");
    assert!(line("visitor:").ends_with("tomorrow at 13:00."), "{out}");
}

#[test]
fn route_refuses_what_the_form_would_refuse() {
    let o = switchboard(&["route", &path("site.toml"), &path("bad-email.json")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("the form would refuse this inquiry:\nemail: invalid_email: "),
        "{err}"
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn route_refuses_a_bad_instant() {
    let o = switchboard(&[
        "route",
        &path("site.toml"),
        &path("outage.json"),
        "--at",
        "yesterday",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("--at yesterday: "), "{}", stderr(&o));
}

#[test]
fn schema_is_the_published_one() {
    let o = switchboard(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let published_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema/site-config.schema.json");
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(published_path).expect("published schema"))
            .expect("published schema is JSON");
    assert_eq!(printed, published);
}

/// Runs an online command against loopback port 9 (discard), where nothing listens.
fn against_nothing(command: &str, args: &[&str]) -> Output {
    let mut all = vec![
        command,
        "--site",
        "acme",
        "--edge",
        "http://127.0.0.1:9",
        "--key",
        "k",
    ];
    all.extend(args);
    switchboard(&all)
}

#[test]
fn online_commands_need_an_edge_and_a_valid_format() {
    let o = switchboard(&["inquiries", "--site", "acme", "--key", "k"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--edge"), "{}", stderr(&o));
    let o = against_nothing("export", &["--format", "xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("xlsx"), "{}", stderr(&o));
}

#[test]
fn bom_is_a_csv_flag_refused_with_ndjson_before_any_request() {
    // Refused as usage (exit 2) before any request: nothing listens on the edge's port.
    let o = against_nothing("export", &["--format", "ndjson", "--bom"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--bom applies only to --format csv"),
        "{}",
        stderr(&o)
    );
    // With CSV it is accepted and the command goes on to ask the edge.
    let o = against_nothing("export", &["--bom"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("request failed: "), "{}", stderr(&o));
    let help = switchboard(&["export", "--help"]);
    assert!(stdout(&help).contains("--bom"), "{}", stdout(&help));
    assert!(stdout(&help).contains("Excel"), "{}", stdout(&help));
}

#[test]
fn an_unreachable_edge_is_an_error_not_a_panic() {
    for (command, args) in [
        ("inquiries", ["--q", "ada@example.com"]),
        ("export", ["--format", "ndjson"]),
    ] {
        let o = against_nothing(command, &args);
        assert_eq!(o.status.code(), Some(1), "{command}");
        assert!(stderr(&o).starts_with("request failed: "), "{}", stderr(&o));
    }
}

#[test]
fn an_https_edge_gets_a_tls_handshake() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut first = [0u8; 1];
            let _ = std::io::Read::read_exact(&mut conn, &mut first);
            let _ = tx.send(first[0]);
        }
    });
    let edge = format!("https://127.0.0.1:{port}");
    let o = switchboard(&["inquiries", "--site", "acme", "--edge", &edge, "--key", "k"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // 0x16 opens a TLS handshake record: the client's hello.
    let first = rx.recv_timeout(std::time::Duration::from_secs(5));
    assert_eq!(
        first,
        Ok(0x16),
        "no TLS hello; the CLI said: {}",
        stderr(&o)
    );
}

#[test]
fn erase_needs_one_selection_and_a_confirmation() {
    // Without --yes nothing is sent: the edge here would be unreachable (exit 1, "request
    // failed"), so the refusal shows the edge was never asked.
    let o = against_nothing("erase", &["--email", "ada@example.com"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    let o = against_nothing("erase", &["--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = against_nothing(
        "erase",
        &[
            "--email",
            "ada@example.com",
            "--reference",
            "SB-2222-3333",
            "--yes",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = against_nothing("erase", &["--reference", "SB-2222-3333", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("request failed: "), "{}", stderr(&o));
}
