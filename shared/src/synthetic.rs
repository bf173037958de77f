//! Synthetic routing rules at any scale, for the rule-index tests and the routing
//! benchmark: deterministic for a seed, over the base config's POCs and topics.

use crate::config::SiteConfig;
use crate::routing::{Condition, Priority, Rule, Values};

/// Deterministic pseudo-random numbers (xorshift) so the generated config is stable.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A config with `n` generated rules over the base config's POCs and topics. Like real
/// large configs (per-customer or per-product rules), most rules require a topic or an
/// email domain; about `min(n / 10, 50)` are general rules every inquiry must be tried on.
pub fn config(base: &SiteConfig, n: usize, seed: u64) -> SiteConfig {
    let mut c = base.clone();
    let mut rng = Rng(seed);
    let topics = ["support", "sales", "billing", "press"];
    let words = [
        "refund", "outage", "quote", "invoice", "robot", "arm", "wheel", "crash", "price", "press",
    ];
    let domains = ["a.example", "b.example", "c.example", "d.example"];
    let pocs: Vec<String> = c.pocs.iter().map(|p| p.id.clone()).collect();
    let leaf = |rng: &mut Rng| match rng.next(6) {
        0 => Condition::Topic(Values(vec![topics[rng.next(4)].into()])),
        1 => Condition::Keywords(Values(vec![
            words[rng.next(10)].into(),
            format!("w{}", rng.next(5000)),
        ])),
        2 => Condition::EmailDomain(Values(vec![domains[rng.next(4)].into()])),
        3 => Condition::Language(Values(vec![["de", "fr", "es"][rng.next(3)].into()])),
        4 => Condition::FieldContains {
            field: "message".into(),
            value: words[rng.next(10)].into(),
        },
        _ => Condition::Topic(Values(vec![format!("t{}", rng.next(100_000))])),
    };
    c.rules = (0..n)
        .map(|i| {
            let when = match rng.next(4) {
                0 => Condition::All(vec![leaf(&mut rng), leaf(&mut rng)]),
                1 => Condition::Any(vec![leaf(&mut rng), leaf(&mut rng)]),
                2 => Condition::Not(Box::new(leaf(&mut rng))),
                _ => leaf(&mut rng),
            };
            let general = rng.next(n.max(1)) < (n / 10).clamp(1, 50);
            let when = if !general {
                Condition::All(vec![
                    Condition::Topic(Values(vec![format!("t{}", rng.next(n.max(1)))])),
                    when,
                ])
            } else {
                when
            };
            Rule {
                id: format!("r{i}"),
                when,
                route: (rng.next(4) > 0).then(|| pocs[rng.next(pocs.len())].clone()),
                priority: Some(Priority::ALL[rng.next(4)]),
                tags: vec![format!("g{i}")],
            }
        })
        .collect();
    c
}
