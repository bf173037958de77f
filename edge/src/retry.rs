//! The retry schedule as plain values: how an endpoint's answer is judged, how long to wait
//! before the next round (backoff, jitter, `Retry-After`), and how a long wait is split into
//! hops Cloudflare Queues accept (one delay is capped at 12 hours).

/// The longest delay Cloudflare Queues accept for one message.
pub const MAX_HOP_SECONDS: u32 = 12 * 60 * 60;
/// A `Retry-After` longer than this is not honoured in full: the schedule must end.
pub const MAX_RETRY_AFTER_SECONDS: u32 = 24 * 60 * 60;
/// Jitter adds up to this share of a step (1/5 = 20 %), so endpoints that came back up are
/// not hit by every waiting message in the same second.
pub const JITTER_DIVISOR: u32 = 5;
/// Seconds before each retry when `RETRY_SCHEDULE` is unset or unreadable: 5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. Ten attempts over about three days.
pub const DEFAULT_SCHEDULE: &[u32] = &[
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

/// Reads `RETRY_SCHEDULE` ("5,300,1800"): seconds before each retry, in order.
pub fn parse_schedule(s: &str) -> Vec<u32> {
    let parsed: Option<Vec<u32>> = s.split(',').map(|p| p.trim().parse().ok()).collect();
    match parsed {
        Some(v) if !v.is_empty() => v,
        _ => DEFAULT_SCHEDULE.to_vec(),
    }
}

/// What one answer (or the lack of one) means for an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: the endpoint has the inquiry.
    Delivered,
    /// 410 Gone: the endpoint asked never to be called again; it is disabled.
    Gone,
    /// The request was never sent (the URL guard refused the URL, or signing failed):
    /// trying again cannot help, so this endpoint is not retried.
    Refused,
    /// Everything else (3xx, 4xx, 429, 5xx, timeout, network error): try again later.
    Retry,
}

/// Judges one attempt: `status` is `None` when no HTTP answer came back; `sent` is false
/// when the request was never made.
pub fn verdict(status: Option<u16>, sent: bool) -> Verdict {
    match status {
        _ if !sent => Verdict::Refused,
        Some(s) if (200..300).contains(&s) => Verdict::Delivered,
        Some(410) => Verdict::Gone,
        _ => Verdict::Retry,
    }
}

/// What to do after a round in which some endpoint still wants a retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Wait this many seconds in total, in hops of at most [`MAX_HOP_SECONDS`].
    Wait(Vec<u32>),
    /// The schedule is used up: the message goes to the dead-letter queue.
    Exhausted,
}

/// The wait after failed round `round` (1 for the first attempt). `retry_after` is the
/// largest `Retry-After` the endpoints sent (seconds), `jitter` a random value in `0..=255`.
/// The wait is the schedule step plus up to 20 % jitter, and never shorter than
/// `Retry-After` (capped at a day so the schedule still ends).
pub fn next(schedule: &[u32], round: u32, retry_after: Option<u32>, jitter: u8) -> Next {
    let Some(&step) = schedule.get(round.max(1) as usize - 1) else {
        return Next::Exhausted;
    };
    let spread = u64::from(step / JITTER_DIVISOR) * u64::from(jitter) / 255;
    let jittered = u32::try_from(u64::from(step) + spread).unwrap_or(u32::MAX);
    let floor = retry_after.unwrap_or(0).min(MAX_RETRY_AFTER_SECONDS);
    Next::Wait(hops(jittered.max(floor)))
}

/// `total` seconds as Queue delays of at most 12 hours each: `[12h, 12h, rest]`.
pub fn hops(total: u32) -> Vec<u32> {
    let mut left = total;
    let mut out = Vec::new();
    while left > MAX_HOP_SECONDS {
        out.push(MAX_HOP_SECONDS);
        left -= MAX_HOP_SECONDS;
    }
    out.push(left);
    out
}

/// A `Retry-After` header in seconds: delta-seconds or an HTTP date (RFC 9110), relative
/// to `now_ms`. Dates in the past mean "now"; unreadable values are ignored.
pub fn parse_retry_after(value: &str, now_ms: i64) -> Option<u32> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(u32::try_from(secs).unwrap_or(u32::MAX));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let secs = (at.as_millisecond() - now_ms).max(0) / 1000;
    Some(u32::try_from(secs).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u32 = 3600;

    #[test]
    fn schedules_parse() {
        assert_eq!(parse_schedule("1, 1,2"), vec![1, 1, 2]);
        assert_eq!(parse_schedule(""), DEFAULT_SCHEDULE);
        assert_eq!(parse_schedule("5,x"), DEFAULT_SCHEDULE);
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(Some(200), true), Verdict::Delivered);
        assert_eq!(verdict(Some(204), true), Verdict::Delivered);
        assert_eq!(verdict(Some(410), true), Verdict::Gone);
        for s in [301, 302, 307, 308, 400, 404, 408, 429, 500, 502, 503] {
            assert_eq!(verdict(Some(s), true), Verdict::Retry, "{s}");
        }
        assert_eq!(verdict(None, true), Verdict::Retry);
        assert_eq!(verdict(None, false), Verdict::Refused);
    }

    #[test]
    fn the_default_schedule_step_by_step() {
        let waits: Vec<Next> = (1..=10)
            .map(|r| next(DEFAULT_SCHEDULE, r, None, 0))
            .collect();
        assert_eq!(
            waits,
            vec![
                Next::Wait(vec![5]),
                Next::Wait(vec![300]),
                Next::Wait(vec![1800]),
                Next::Wait(vec![2 * H]),
                Next::Wait(vec![5 * H]),
                Next::Wait(vec![10 * H]),
                Next::Wait(vec![12 * H, 2 * H]),
                Next::Wait(vec![12 * H, 8 * H]),
                Next::Wait(vec![12 * H, 12 * H]),
                Next::Exhausted,
            ]
        );
    }

    #[test]
    fn jitter_adds_at_most_a_fifth() {
        assert_eq!(next(&[100], 1, None, 0), Next::Wait(vec![100]));
        assert_eq!(next(&[100], 1, None, 255), Next::Wait(vec![120]));
        assert_eq!(next(&[100], 1, None, 128), Next::Wait(vec![110]));
        // A one-second step has no room for jitter: compressed test schedules stay exact.
        assert_eq!(next(&[1], 1, None, 255), Next::Wait(vec![1]));
        // 20 h + 20 % = 24 h, split in two hops.
        assert_eq!(
            next(&[20 * H], 1, None, 255),
            Next::Wait(vec![12 * H, 12 * H])
        );
    }

    #[test]
    fn retry_after_is_a_floor_capped_at_a_day() {
        assert_eq!(next(&[5], 1, Some(120), 0), Next::Wait(vec![120]));
        assert_eq!(next(&[300], 1, Some(2), 0), Next::Wait(vec![300]));
        assert_eq!(
            next(&[5], 1, Some(u32::MAX), 0),
            Next::Wait(vec![12 * H, 12 * H])
        );
        // Retry-After does not extend the schedule past its end.
        assert_eq!(next(&[5], 2, Some(60), 0), Next::Exhausted);
    }

    #[test]
    fn round_zero_counts_as_the_first() {
        assert_eq!(next(&[7, 9], 0, None, 0), Next::Wait(vec![7]));
    }

    #[test]
    fn hops_never_exceed_twelve_hours() {
        assert_eq!(hops(0), vec![0]);
        assert_eq!(hops(12 * H), vec![12 * H]);
        assert_eq!(hops(12 * H + 1), vec![12 * H, 1]);
        assert_eq!(hops(30 * H), vec![12 * H, 12 * H, 6 * H]);
        for total in [1, 43_199, 43_200, 43_201, 86_400, 200_000, u32::MAX] {
            let h = hops(total);
            assert!(h.iter().all(|&x| x <= MAX_HOP_SECONDS), "{total}: {h:?}");
            assert_eq!(
                h.iter().map(|&x| u64::from(x)).sum::<u64>(),
                u64::from(total)
            );
        }
    }

    #[test]
    fn retry_after_headers() {
        let now = 1_445_412_480_000; // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after("120", now), Some(120));
        assert_eq!(parse_retry_after(" 0 ", now), Some(0));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(120)
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(0)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
