//! Routing and deadline benchmarks: the cost of one routing decision at 10 to 100,000
//! rules, of building the rule index, and of one deadline computation. Prints a table of
//! medians with their spread (p10-p90 over repeated runs).
//!
//! `cargo bench -p switchboard-shared --features server --bench decisions`

use std::hint::black_box;
use std::time::Instant;
use switchboard_shared::LiteMap;
use switchboard_shared::calendar::Target;
use switchboard_shared::config::{ConfigOptions, parse_config_with};
use switchboard_shared::inquiry::{Inquiry, Value};
use switchboard_shared::locale::Locale;
use switchboard_shared::routing::Router;
use switchboard_shared::synthetic::{self, Rng};

const RUNS: usize = 15;

/// Median and p10/p90 of `RUNS` timings of `f`, each divided by `per`, in nanoseconds.
fn measure(per: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    f(); // warm up
    let mut t: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_nanos() as f64 / per as f64
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[RUNS / 2], t[RUNS / 10], t[RUNS * 9 / 10])
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn inquiries(rules: usize, count: usize) -> Vec<Inquiry> {
    let mut rng = Rng(7);
    let words = [
        "refund", "outage", "quote", "invoice", "robot", "hello", "price", "press",
    ];
    (0..count)
        .map(|i| {
            let topic = if rng.next(2) == 0 {
                format!("t{}", rng.next(rules.max(1)))
            } else {
                ["support", "sales", "billing", "press"][rng.next(4)].to_owned()
            };
            let email = format!(
                "u{i}@{}",
                ["a.example", "b.example", "bigcorp.example", "x.example"][rng.next(4)]
            );
            let message = format!(
                "Hello, {} and {} please, order {}",
                words[rng.next(8)],
                words[rng.next(8)],
                rng.next(9999)
            );
            Inquiry {
                fields: LiteMap::from_iter([
                    ("email".to_owned(), Value::Text(email.clone())),
                    ("message".to_owned(), Value::Text(message)),
                    ("topic".to_owned(), Value::Text(topic.clone())),
                ]),
                topic: Some(topic),
                email: Some(email),
            }
        })
        .collect()
}

fn main() {
    let base = parse_config_with(
        include_str!("../../demo/site.toml"),
        ConfigOptions {
            allow_loopback_http: true,
        },
    )
    .expect("demo config is valid");
    println!("routing: one decision (median, p10-p90 of {RUNS} runs over 2,000 inquiries)");
    println!(
        "{:>9} | {:>12} | {:>22} | {:>12}",
        "rules", "per decision", "spread", "index build"
    );
    for n in [10usize, 1_000, 10_000, 100_000] {
        let config = synthetic::config(&base, n, 0x5eed);
        let batch = inquiries(n, 2_000);
        let (build, _, _) = measure(1, || {
            black_box(Router::new(black_box(&config)));
        });
        let router = Router::new(&config);
        let (med, p10, p90) = measure(batch.len(), || {
            for inq in &batch {
                black_box(router.route(black_box(inq), Locale::En));
            }
        });
        println!(
            "{n:>9} | {:>12} | {:>22} | {:>12}",
            fmt_ns(med),
            format!("{} - {}", fmt_ns(p10), fmt_ns(p90)),
            fmt_ns(build)
        );
    }

    println!();
    println!("deadlines: one computation (median, p10-p90 of {RUNS} runs over 1,000 instants)");
    println!(
        "{:>26} | {:>12} | {:>22}",
        "POC / target", "per deadline", "spread"
    );
    let mut rng = Rng(11);
    let instants: Vec<jiff::Timestamp> = (0..1_000)
        .map(|_| {
            jiff::Timestamp::from_second(1_767_225_600 + rng.next(31_536_000) as i64)
                .unwrap_or_default()
        })
        .collect();
    for (poc, target) in [
        ("support", "4h"),
        ("billing", "4h"),
        ("billing", "1d"),
        ("sales", "100h"),
        ("support-leads", "2h calendar"),
    ] {
        let cal = &base.poc(poc).expect("demo POC").calendar;
        let target = Target::try_from(target.to_owned()).expect("valid target");
        let (med, p10, p90) = measure(instants.len(), || {
            for at in &instants {
                black_box(cal.deadline(black_box(*at), target));
            }
        });
        println!(
            "{:>26} | {:>12} | {:>22}",
            format!("{poc} / {target}"),
            fmt_ns(med),
            format!("{} - {}", fmt_ns(p10), fmt_ns(p90))
        );
    }
}
