//! Webhook bodies per endpoint format: the generic JSON event as is, or a chat message for
//! Slack (Block Kit), Discord (content and embeds) and Microsoft Teams (an Adaptive Card).
//! Every chat message is drawn from one [`Card`], so the three say the same thing.

use crate::escalation::EscalationData;
use crate::payload::{InquiryData, WebhookPayload, routing_explanation};
use serde::Serialize;
use serde_json::{Value, json};
use switchboard_shared::config::PayloadFormat;

/// Characters of free text (a visitor's message) shown in a chat message; the full
/// inquiry is in the admin API, and chat services refuse long bodies.
pub const TEXT_CHARS: usize = 1500;
/// Discord refuses embed field values longer than 1024 characters.
const DISCORD_FIELD_CHARS: usize = 1024;
/// Discord refuses a message `content` longer than 2000 characters.
const DISCORD_CONTENT_CHARS: usize = 2000;

/// What a chat message shows, independent of the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// One line, e.g. "New inquiry SB-7KQ2-M9XD for Billing".
    pub title: String,
    /// Label and value pairs shown as a compact table.
    pub facts: Vec<(String, String)>,
    /// The submitted fields, label and text.
    pub body: Vec<(String, String)>,
    /// Marks urgent or failure messages in services that colour them.
    pub alarm: bool,
    /// A link drawn as a button (Teams), a link line (Slack) or a markdown link (Discord).
    pub action: Option<Action>,
}

/// A link a chat message offers, such as the acknowledgement page.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub label: String,
    pub url: String,
}

/// The card of an `inquiry.routed` event.
pub fn inquiry_card(p: &WebhookPayload) -> Card {
    card_of("New inquiry", &p.data)
}

/// The card of an inquiry, titled "`verb` `reference` for `team`".
fn card_of(verb: &str, d: &InquiryData) -> Card {
    let mut facts = vec![
        ("Reference".to_owned(), d.reference.clone()),
        ("Priority".to_owned(), d.priority.clone()),
        ("Respond by".to_owned(), d.deadline.clone()),
    ];
    if let Some(topic) = &d.topic {
        facts.push(("Topic".to_owned(), topic.clone()));
    }
    if let Some(email) = &d.submitter.email {
        facts.push(("From".to_owned(), email.clone()));
    }
    if let Some(why) = routing_reason(&d.routing) {
        facts.push(("Why".to_owned(), why));
    }
    if d.submitter.earlier_inquiries > 0 {
        facts.push((
            "Earlier inquiries".to_owned(),
            format!(
                "{} ({})",
                d.submitter.earlier_inquiries,
                d.submitter.earlier_references.join(", ")
            ),
        ));
    }
    let body = match &d.fields {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
        _ => Vec::new(),
    };
    Card {
        title: format!("{verb} {} for {}", d.reference, d.team),
        facts,
        body,
        alarm: d.priority == "urgent" || d.priority == "high",
        action: d.acknowledge_url.as_ref().map(|url| Action {
            label: "Acknowledge".to_owned(),
            url: url.clone(),
        }),
    }
}

/// Characters of the routing explanation shown as the "Why" fact.
pub const WHY_CHARS: usize = 300;

/// The stored routing explanation (`{"reason": {..}, "explanation": "..."}`) as one short
/// line, or `None` when it has none.
pub fn routing_reason(routing: &Value) -> Option<String> {
    routing_explanation(routing).map(|s| clip(s, WHY_CHARS))
}

/// `url` with every character that could end or break a link in chat markup (`<`, `>`,
/// `|`, `(`, `)`, `[`, `]`, spaces, quotes, ...) percent-encoded. Our links are plain
/// ASCII, so this only guards against a surprising one.
fn markup_safe_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        let c = char::from(b);
        if c.is_ascii_alphanumeric() || "-._~:/?#@!$&'*+,;=%".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The card of an escalation step (`inquiry.escalated`): the inquiry's card titled as
/// escalated, with the level and the POC it was handed to. `escalated_to` is the target
/// POC's display name.
pub fn escalation_card(e: &EscalationData, escalated_to: &str) -> Card {
    let level = e.level.as_str();
    let mut card = card_of("Escalated inquiry", &e.inquiry);
    card.title = format!("{} ({level})", card.title);
    card.facts.insert(1, ("Level".to_owned(), level.to_owned()));
    card.facts
        .insert(2, ("Escalated to".to_owned(), escalated_to.to_owned()));
    // Past the deadline is urgent whatever the priority; a warning keeps the inquiry's.
    card.alarm |= level != "warning";
    card
}

/// The bytes posted to an endpoint of `format`: `event` itself for JSON, else a chat
/// message drawn from `card`.
pub fn render<T: Serialize>(
    format: PayloadFormat,
    event: &T,
    card: &Card,
) -> Result<String, serde_json::Error> {
    match format {
        PayloadFormat::Json => serde_json::to_string(event),
        PayloadFormat::Slack => serde_json::to_string(&slack(card)),
        PayloadFormat::Discord => serde_json::to_string(&discord(card)),
        PayloadFormat::Teams => serde_json::to_string(&teams(card)),
    }
}

fn clip(s: &str, chars: usize) -> String {
    if s.chars().count() <= chars {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(chars.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Slack treats `&`, `<` and `>` as markup (links, mentions); visitor text must not ping
/// a channel or forge a link.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack incoming-webhook message: `text` for notifications, Block Kit for the view.
pub fn slack(card: &Card) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": clip(&card.title, 150)}
    })];
    if !card.facts.is_empty() {
        let fields: Vec<Value> = card
            .facts
            .iter()
            .take(10)
            .map(|(k, v)| {
                json!({"type": "mrkdwn", "text": format!("*{}*\n{}", slack_escape(k), slack_escape(v))})
            })
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if let Some(a) = &card.action {
        // A mrkdwn link, not a button: a button in an incoming-webhook message shows a
        // warning when no app handles its click. Inside `<url|label>` the URL is
        // entity-escaped, and `|` and `>` cannot occur in it.
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!(
                "*<{}|{}>*",
                slack_escape(&markup_safe_url(&a.url)),
                slack_escape(&a.label)
            )}
        }));
    }
    for (k, v) in &card.body {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("*{}*\n{}", slack_escape(k), slack_escape(&clip(v, TEXT_CHARS)))}
        }));
    }
    json!({"text": slack_escape(&card.title), "blocks": blocks})
}

/// A Discord webhook message: a one-line `content` and one embed; mentions are disabled
/// so visitor text cannot ping `@everyone`.
pub fn discord(card: &Card) -> Value {
    let fields: Vec<Value> = card
        .facts
        .iter()
        .map(|(k, v)| json!({"name": clip(k, 256), "value": clip(v, DISCORD_FIELD_CHARS), "inline": true}))
        .chain(card.body.iter().map(|(k, v)| {
            json!({"name": clip(k, 256), "value": clip(v, DISCORD_FIELD_CHARS), "inline": false})
        }))
        .take(25)
        .collect();
    // The link goes in `content` (at most 2000 characters): `<...>` around the URL keeps
    // Discord from adding a preview of the acknowledgement page. A link that cannot fit
    // whole is left out rather than cut.
    let link = card
        .action
        .as_ref()
        .map(|a| format!("[{}](<{}>)", a.label, markup_safe_url(&a.url)))
        .filter(|l| l.chars().count() < DISCORD_CONTENT_CHARS);
    let content = match link {
        Some(l) => format!(
            "{}\n{l}",
            clip(&card.title, DISCORD_CONTENT_CHARS - 1 - l.chars().count())
        ),
        None => clip(&card.title, DISCORD_CONTENT_CHARS),
    };
    json!({
        "content": content,
        "allowed_mentions": {"parse": []},
        "embeds": [{
            "title": clip(&card.title, 256),
            "color": if card.alarm { 0xD9_3025 } else { 0x25_63EB },
            "fields": fields
        }]
    })
}

/// A Microsoft Teams (workflow or connector) message: one Adaptive Card attachment.
pub fn teams(card: &Card) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": card.title,
        "weight": "Bolder",
        "size": "Medium",
        "wrap": true,
        "color": if card.alarm { "Attention" } else { "Default" }
    })];
    if !card.facts.is_empty() {
        let facts: Vec<Value> = card
            .facts
            .iter()
            .map(|(k, v)| json!({"title": k, "value": v}))
            .collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    for (k, v) in &card.body {
        body.push(json!({"type": "TextBlock", "text": k, "weight": "Bolder", "wrap": true, "spacing": "Medium"}));
        body.push(json!({"type": "TextBlock", "text": clip(v, TEXT_CHARS), "wrap": true}));
    }
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body
    });
    if let Some(a) = &card.action {
        content["actions"] = json!([{"type": "Action.OpenUrl", "title": a.label, "url": a.url}]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": content
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::Level;
    use crate::payload;

    const ACK_URL: &str = "https://edge.example/v1/ack/0123abcd.c2lnbmF0dXJl";

    /// The sample inquiry as delivered: with its routing explanation and acknowledgement link.
    fn delivered() -> payload::PayloadInput {
        let mut input = payload::tests::sample();
        input.routing = json!({
            "reason": {"kind": "rule", "rule": "refunds", "position": 3,
                "matched": "message mentions \"refund\""},
            "explanation": "rule `refunds` (#3) matched because message mentions \"refund\"; routed to `billing`"
        });
        input.acknowledge_url = Some(ACK_URL.into());
        input
    }

    fn card() -> Card {
        inquiry_card(&payload::build(delivered()))
    }

    fn with_action(url: &str) -> Card {
        let mut c = card();
        c.action = Some(Action {
            label: "Acknowledge".into(),
            url: url.into(),
        });
        c
    }

    #[test]
    fn inquiry_card_carries_the_acknowledge_link_and_why() {
        let c = card();
        assert_eq!(
            c.action,
            Some(Action {
                label: "Acknowledge".into(),
                url: ACK_URL.into()
            })
        );
        assert!(c.facts.contains(&(
            "Why".into(),
            "rule `refunds` (#3) matched because message mentions \"refund\"; routed to `billing`"
                .into()
        )));
        // Without a link or an explanation the card has neither.
        let bare = inquiry_card(&payload::build(payload::tests::sample()));
        assert_eq!(bare.action, None);
        assert!(!bare.facts.iter().any(|(k, _)| k == "Why"));
    }

    #[test]
    fn routing_reason_is_the_explanation_clipped() {
        assert_eq!(routing_reason(&json!({"rule": "refunds"})), None);
        assert_eq!(routing_reason(&json!({"honeypot": true})), None);
        assert_eq!(routing_reason(&json!({"explanation": "  "})), None);
        assert_eq!(routing_reason(&json!({"explanation": 7})), None);
        assert_eq!(
            routing_reason(&json!({"explanation": " no rule matched "})),
            Some("no rule matched".into())
        );
        let long = routing_reason(&json!({"explanation": "x".repeat(1000)})).unwrap();
        assert_eq!(long.chars().count(), WHY_CHARS);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn slack_links_to_the_acknowledgement_page() {
        let s = slack(&card());
        let blocks = s["blocks"].as_array().unwrap();
        assert!(blocks.contains(&json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("*<{ACK_URL}|Acknowledge>*")}
        })));
        // Characters that would end the link or start markup cannot come through.
        let s = slack(&with_action("https://x.example/a?b=1&c=<d>|e f")).to_string();
        assert!(
            s.contains("*<https://x.example/a?b=1&amp;c=%3Cd%3E%7Ce%20f|Acknowledge>*"),
            "{s}"
        );
    }

    #[test]
    fn discord_links_in_content_within_its_limit() {
        let d = discord(&card());
        assert_eq!(
            d["content"],
            format!("New inquiry SB-7KQ2-M9XD for Billing\n[Acknowledge](<{ACK_URL}>)")
        );
        let d = discord(&with_action("https://x.example/a(b)"));
        assert!(
            d["content"]
                .as_str()
                .unwrap()
                .ends_with("[Acknowledge](<https://x.example/a%28b%29>)")
        );
        // A long title is cut so that the link stays whole and the content fits.
        let mut long = card();
        long.title = "t".repeat(3000);
        let content = discord(&long)["content"].as_str().unwrap().to_owned();
        assert_eq!(content.chars().count(), DISCORD_CONTENT_CHARS);
        assert!(content.ends_with(&format!("[Acknowledge](<{ACK_URL}>)")));
        // A link that cannot fit at all is left out rather than cut.
        let huge = discord(&with_action(&format!(
            "https://x.example/{}",
            "a".repeat(2000)
        )));
        assert_eq!(huge["content"], "New inquiry SB-7KQ2-M9XD for Billing");
    }

    #[test]
    fn teams_opens_the_acknowledgement_page() {
        let t = teams(&card());
        assert_eq!(
            t["attachments"][0]["content"]["actions"],
            json!([{"type": "Action.OpenUrl", "title": "Acknowledge", "url": ACK_URL}])
        );
        let mut bare = card();
        bare.action = None;
        assert!(teams(&bare)["attachments"][0]["content"]["actions"].is_null());
    }

    #[test]
    fn inquiry_card_facts() {
        let c = card();
        assert_eq!(c.title, "New inquiry SB-7KQ2-M9XD for Billing");
        assert!(c.alarm);
        assert!(c.facts.contains(&(
            "Earlier inquiries".into(),
            "2 (SB-2222-3333, SB-4444-5555)".into()
        )));
    }

    #[test]
    fn escalation_card_names_level_and_target() {
        let escalated = |level| {
            let mut e = crate::escalation::tests::sample_event(level, 0).data;
            e.inquiry.priority = "normal".into();
            e
        };
        let c = escalation_card(&escalated(Level::Overdue(1)), "Team lead");
        assert_eq!(
            c.title,
            "Escalated inquiry SB-7KQ2-M9XD for Billing (overdue)"
        );
        assert_eq!(
            c.facts[..3],
            [
                ("Reference".to_owned(), "SB-7KQ2-M9XD".to_owned()),
                ("Level".to_owned(), "overdue".to_owned()),
                ("Escalated to".to_owned(), "Team lead".to_owned()),
            ]
        );
        assert!(c.alarm, "an overdue escalation is marked urgent");
        assert!(!escalation_card(&escalated(Level::Warning), "Billing").alarm);
        let slack = slack(&c).to_string();
        assert!(slack.contains("Escalated inquiry SB-7KQ2-M9XD") && slack.contains("Team lead"));
    }

    #[test]
    fn slack_snapshot() {
        insta::assert_json_snapshot!("slack_inquiry_routed", slack(&card()));
    }

    #[test]
    fn discord_snapshot() {
        insta::assert_json_snapshot!("discord_inquiry_routed", discord(&card()));
    }

    #[test]
    fn teams_snapshot() {
        insta::assert_json_snapshot!("teams_inquiry_routed", teams(&card()));
    }

    #[test]
    fn visitor_text_cannot_mention_or_overflow() {
        let mut c = card();
        c.body = vec![("message".into(), format!("<!channel> {}", "x".repeat(5000)))];
        let s = slack(&c).to_string();
        assert!(s.contains("&lt;!channel&gt;") && !s.contains("<!channel>"));
        let d = discord(&c);
        assert_eq!(d["allowed_mentions"]["parse"], json!([]));
        let last = d["embeds"][0]["fields"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(
            last["value"].as_str().unwrap().chars().count(),
            DISCORD_FIELD_CHARS
        );
        let t = teams(&c);
        let texts = t["attachments"][0]["content"]["body"].as_array().unwrap();
        assert_eq!(
            texts.last().unwrap()["text"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            TEXT_CHARS
        );
    }

    #[test]
    fn render_picks_the_format() {
        let p = payload::build(payload::tests::sample());
        let c = inquiry_card(&p);
        let json: Value =
            serde_json::from_str(&render(PayloadFormat::Json, &p, &c).unwrap()).unwrap();
        assert_eq!(json["type"], "inquiry.routed");
        let slack: Value =
            serde_json::from_str(&render(PayloadFormat::Slack, &p, &c).unwrap()).unwrap();
        assert!(slack["blocks"].is_array());
        let discord: Value =
            serde_json::from_str(&render(PayloadFormat::Discord, &p, &c).unwrap()).unwrap();
        assert!(discord["embeds"].is_array());
        let teams: Value =
            serde_json::from_str(&render(PayloadFormat::Teams, &p, &c).unwrap()).unwrap();
        assert_eq!(teams["type"], "message");
    }
}
