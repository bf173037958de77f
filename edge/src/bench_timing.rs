//! Bench mode. Two vars, set only by `cargo xtask bench` on Workers of its own:
//!
//! - `BENCH_TIMING = "true"`: a submit logs how many milliseconds each step took and how
//!   many storage trips (D1 calls and queue sends) it made before its answer. The line
//!   holds step names and numbers only, never ids or any of the inquiry's content.
//! - `BENCH_STORAGE_RTT_MS = "50"`: every D1 call and queue send first waits that long,
//!   so each trip a request makes one after another shows in its latency, as it would on
//!   Cloudflare with the database far away. Unset or 0 in production.
//!
//! The clock of a Worker only advances across I/O, so these deltas are the time spent
//! waiting on D1 and the queue; CPU work between them shows up as 0.

use crate::platform;
use std::cell::Cell;
use std::time::Duration;
use worker::Env;

thread_local! {
    /// `BENCH_STORAGE_RTT_MS` of this isolate; every event handler sets it from its `Env`.
    static STORAGE_RTT_MS: Cell<u64> = const { Cell::new(0) };
}

/// Reads `BENCH_STORAGE_RTT_MS` for [`storage_delay`]; called at the start of every event.
pub fn configure(env: &Env) {
    let ms = platform::var(env, "BENCH_STORAGE_RTT_MS")
        .as_deref()
        .and_then(parse_rtt)
        .unwrap_or(0);
    STORAGE_RTT_MS.with(|c| c.set(ms));
}

/// The var's value in milliseconds: a whole number up to 10 s, else none.
pub fn parse_rtt(value: &str) -> Option<u64> {
    value.trim().parse::<u64>().ok().filter(|ms| *ms <= 10_000)
}

/// Awaited before every D1 call and queue send: the bench's stand-in for the distance to
/// the database. Returns at once unless bench mode set a delay.
pub async fn storage_delay() {
    let ms = STORAGE_RTT_MS.with(Cell::get);
    if ms > 0 {
        worker::Delay::from(Duration::from_millis(ms)).await;
    }
}

/// Collects named step durations for one request; logs nothing unless enabled.
pub struct Steps {
    enabled: bool,
    last: i64,
    trips: u32,
    steps: Vec<(&'static str, i64)>,
}

impl Steps {
    pub fn start(env: &Env) -> Steps {
        let enabled = platform::var(env, "BENCH_TIMING")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Steps {
            enabled,
            last: platform::now_ms(),
            trips: 0,
            steps: Vec::new(),
        }
    }

    /// Records the time since the previous mark under `name`.
    pub fn mark(&mut self, name: &'static str) {
        if self.enabled {
            let now = platform::now_ms();
            self.steps.push((name, now - self.last));
            self.last = now;
        }
    }

    /// Like [`Steps::mark`], for a step that was one storage trip (a D1 call or batch, or a
    /// queue send) on the way to the answer.
    pub fn trip(&mut self, name: &'static str) {
        self.trips += 1;
        self.mark(name);
    }

    /// A timer for work that runs after the answer (`wait_until`), logged on its own line.
    pub fn after_answer(&self) -> AfterAnswer {
        AfterAnswer {
            enabled: self.enabled,
            started: platform::now_ms(),
        }
    }

    /// Writes the line, e.g. `bench-timing site_read=0 store=5 trips=1`.
    pub fn finish(self) {
        if self.enabled {
            platform::log(&line(&self.steps, self.trips));
        }
    }
}

/// Times one step that runs after the answer was sent.
pub struct AfterAnswer {
    enabled: bool,
    started: i64,
}

impl AfterAnswer {
    /// Writes e.g. `bench-timing-after enqueue=1`.
    pub fn finish(self, name: &'static str) {
        if self.enabled {
            platform::log(&format!(
                "bench-timing-after {name}={}",
                platform::now_ms() - self.started
            ));
        }
    }
}

/// The log line for a list of steps and the request's storage trips before its answer.
pub fn line(steps: &[(&'static str, i64)], trips: u32) -> String {
    let mut out = String::from("bench-timing");
    for (name, ms) in steps {
        out.push_str(&format!(" {name}={ms}"));
    }
    out.push_str(&format!(" trips={trips}"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_lists_steps_in_order_then_trips() {
        assert_eq!(
            line(&[("site_read", 3), ("store", 5)], 1),
            "bench-timing site_read=3 store=5 trips=1"
        );
        assert_eq!(line(&[], 0), "bench-timing trips=0");
    }

    #[test]
    fn rtt_values() {
        assert_eq!(parse_rtt(" 50 "), Some(50));
        assert_eq!(parse_rtt("0"), Some(0));
        assert_eq!(parse_rtt("-1"), None);
        assert_eq!(parse_rtt("fast"), None);
        assert_eq!(parse_rtt("10001"), None);
    }
}
