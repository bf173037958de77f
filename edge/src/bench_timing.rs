//! Bench mode: when the var `BENCH_TIMING` is "true" (only `cargo xtask bench` sets it, on a
//! Worker of its own), a submit logs how many milliseconds each I/O step took. The line
//! holds step names and numbers only, never ids or any of the inquiry's content.
//!
//! The clock of a Worker only advances across I/O, so these deltas are the time spent
//! waiting on D1 and the queue; CPU work between them shows up as 0.

use crate::platform;
use worker::Env;

/// Collects named step durations for one request; logs nothing unless enabled.
pub struct Steps {
    enabled: bool,
    last: i64,
    steps: Vec<(&'static str, i64)>,
}

impl Steps {
    pub fn start(env: &Env) -> Steps {
        let enabled = platform::var(env, "BENCH_TIMING")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Steps {
            enabled,
            last: platform::now_ms(),
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

    /// Writes the line, e.g. `bench-timing site_read=3 insert=5 enqueue=2`.
    pub fn finish(self) {
        if self.enabled {
            platform::log(&line(&self.steps));
        }
    }
}

/// The log line for a list of steps.
pub fn line(steps: &[(&'static str, i64)]) -> String {
    let mut out = String::from("bench-timing");
    for (name, ms) in steps {
        out.push_str(&format!(" {name}={ms}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_lists_steps_in_order() {
        assert_eq!(
            line(&[("site_read", 3), ("insert", 5), ("enqueue", 2)]),
            "bench-timing site_read=3 insert=5 enqueue=2"
        );
        assert_eq!(line(&[]), "bench-timing");
    }
}
