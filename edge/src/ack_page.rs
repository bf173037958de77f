//! The acknowledgement page a POC works from, and the pages that say what went wrong with a
//! link: plain HTML from plain values, drawn with the widget's own stylesheet
//! (`/widget.css`, served by the edge with the widget's assets) under a CSP that allows
//! nothing else, no script.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The pages' Content-Security-Policy: the stylesheet from this origin, a form that posts
/// back here, nothing more.
pub const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// What the page shows of one inquiry.
#[derive(Debug, Clone, PartialEq)]
pub struct InquiryPage {
    pub reference: String,
    pub team: String,
    pub scope: String,
    /// Label and value of each submitted field, in form order.
    pub fields: Vec<(String, String)>,
    /// Why it was routed to this POC (the routing explanation).
    pub why: String,
    /// The deadline in the POC's own time zone, e.g. "Tue 1 Dec 2026, 09:00 (Europe/London)".
    pub deadline: String,
    /// "3 h 20 min left", or "late by 1 d 2 h".
    pub left: String,
    pub late: bool,
    pub acknowledged: Option<Acknowledged>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Acknowledged {
    pub by: Option<String>,
    /// When, in the POC's time zone.
    pub at: String,
    pub in_time: Option<bool>,
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// An instant in `tz`, as the page writes it.
pub fn local_time(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            let z = t.to_zoned_datetime(tz.clone());
            format!(
                "{} ({})",
                z.strftime("%a %-d %b %Y, %H:%M"),
                tz.iana_name().unwrap_or("UTC")
            )
        })
        .unwrap_or_default()
}

/// "2 h 5 min left" before `deadline_ms`, "late by 1 d 3 h" after it.
pub fn time_left(now_ms: i64, deadline_ms: i64) -> (String, bool) {
    let late = now_ms > deadline_ms;
    let minutes = (deadline_ms - now_ms).abs() / 60_000;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let span = match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    };
    if late {
        (format!("late by {span}"), true)
    } else {
        (format!("{span} left"), false)
    }
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/widget.css\"></head>\
         <body class=\"sb-page\"><main class=\"sb\">{body}</main></body></html>\n"
    )
}

/// The page of one inquiry. `just_now`: it answers the acknowledging POST.
pub fn page(p: &InquiryPage, just_now: bool) -> String {
    let reference = escape(&p.reference);
    let scope = if p.scope.is_empty() {
        String::new()
    } else {
        format!("<p class=\"scope\">{}</p>", escape(&p.scope))
    };
    let fields: String = p
        .fields
        .iter()
        .map(|(label, value)| {
            format!(
                "<dt>{}</dt><dd class=\"value\">{}</dd>",
                escape(label),
                escape(value)
            )
        })
        .collect();
    let status = match &p.acknowledged {
        Some(a) => {
            let lead = if just_now {
                "Thank you: acknowledged."
            } else {
                "Already acknowledged."
            };
            let by =
                a.by.as_deref()
                    .map(|n| format!(" by {}", escape(n)))
                    .unwrap_or_default();
            let verdict = match a.in_time {
                Some(true) => ", within the promised time",
                Some(false) => ", after the promised time",
                None => "",
            };
            format!(
                "<p class=\"confirmation\" role=\"status\"><strong>{lead}</strong> Acknowledged{by} at {}{verdict}.</p>",
                escape(&a.at)
            )
        }
        None => format!(
            "<form method=\"post\" class=\"ack-form\">\
             <div class=\"field\"><label for=\"name\">Your name</label>\
             <input id=\"name\" name=\"name\" autocomplete=\"name\" maxlength=\"{max}\"></div>\
             <div class=\"actions\"><button type=\"submit\">Acknowledge {reference}</button></div></form>",
            max = crate::ack::MAX_NAME_CHARS
        ),
    };
    let left_class = if p.late { "error" } else { "note" };
    document(
        &format!("Inquiry {reference}"),
        &format!(
            "<h1 class=\"success-title\">Inquiry {reference}</h1>\
             <p>For <strong>{team}</strong></p>{scope}\
             <h2>Promised to the visitor</h2>\
             <p>A reply by <strong>{deadline}</strong>: <span class=\"{left_class}\">{left}</span>.</p>\
             <h2>Why it came to you</h2><p>{why}</p>\
             <h2>What they wrote</h2><dl>{fields}</dl>\
             {status}",
            team = escape(&p.team),
            deadline = escape(&p.deadline),
            left = escape(&p.left),
            why = escape(&p.why),
        ),
    )
}

/// Why a link does not lead to an inquiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not signed by this edge: cut short, changed, or from another deployment.
    Invalid,
    /// Signed, but the inquiry is no longer stored (erased on request, or past retention).
    Gone,
}

impl LinkProblem {
    pub fn status(self) -> u16 {
        match self {
            LinkProblem::Invalid => 400,
            LinkProblem::Gone => 404,
        }
    }
}

/// The page for a link that leads nowhere: what happened and what to do.
pub fn problem_page(problem: LinkProblem) -> String {
    let (title, what, todo) = match problem {
        LinkProblem::Invalid => (
            "This link does not work",
            "This acknowledgement link is not one this service signed: it may have been cut \
             short or changed when it was copied.",
            "Open the link from the notification itself, or acknowledge the inquiry in the \
             site's admin tools by its reference.",
        ),
        LinkProblem::Gone => (
            "This inquiry is no longer here",
            "The inquiry behind this link was erased, at the visitor's request or because the \
             site keeps inquiries only for a set time.",
            "Nothing is left to acknowledge. If you still need it, look for the notification \
             your team received, or ask the site's owner.",
        ),
    };
    document(
        title,
        &format!(
            "<h1>{title}</h1><p>{what}</p><p>{todo}</p>",
            title = escape(title),
            what = escape(what),
            todo = escape(todo)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> InquiryPage {
        InquiryPage {
            reference: "SB-7KQ2-M9XD".into(),
            team: "Billing".into(),
            scope: "Invoices <and> refunds".into(),
            fields: vec![("Message".into(), "<script>alert(1)</script>".into())],
            why: "no rule matched; `billing` owns topic `billing`".into(),
            deadline: "Tue 1 Dec 2026, 09:00 (Europe/London)".into(),
            left: "3 h 20 min left".into(),
            late: false,
            acknowledged: None,
        }
    }

    #[test]
    fn the_page_shows_the_inquiry_and_asks_for_a_name() {
        let open = page(&sample(), false);
        for part in [
            "<link rel=\"stylesheet\" href=\"/widget.css\">",
            "name=\"viewport\"",
            "<strong>Billing</strong>",
            "Invoices &lt;and&gt; refunds",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "Tue 1 Dec 2026, 09:00 (Europe/London)",
            "3 h 20 min left",
            "<label for=\"name\">Your name</label>",
        ] {
            assert!(open.contains(part), "{part} in {open}");
        }
        assert!(!open.contains("<script>"));
        let mut done = sample();
        done.acknowledged = Some(Acknowledged {
            by: Some("Grace".into()),
            at: "Mon 30 Nov 2026, 10:00 (Europe/London)".into(),
            in_time: Some(true),
        });
        let after = page(&done, true);
        assert!(
            after.contains("Acknowledged by Grace at Mon 30 Nov"),
            "{after}"
        );
        assert!(!after.contains("<form"));
    }

    #[test]
    fn time_left_and_late() {
        assert_eq!(time_left(0, 125 * 60_000), ("2 h 5 min left".into(), false));
        assert_eq!(time_left(0, 5 * 60_000), ("5 min left".into(), false));
        assert_eq!(
            time_left(27 * 60 * 60_000, 0),
            ("late by 1 d 3 h".into(), true)
        );
    }

    #[test]
    fn problems_say_what_to_do() {
        let gone = problem_page(LinkProblem::Gone);
        assert!(gone.contains("erased") && gone.contains("Nothing is left to acknowledge"));
        assert_eq!(LinkProblem::Invalid.status(), 400);
        assert!(problem_page(LinkProblem::Invalid).contains("not one this service signed"));
    }
}
