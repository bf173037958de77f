//! Webhook bodies per endpoint format: the generic JSON event as is, or a chat message for
//! Slack (Block Kit), Discord (content and embeds) and Microsoft Teams (an Adaptive Card).
//! Every chat message is drawn from one [`Card`], so the three say the same thing.

use crate::payload::WebhookPayload;
use serde::Serialize;
use serde_json::{Value, json};
use switchboard_shared::config::PayloadFormat;

/// Characters of free text (a visitor's message) shown in a chat message; the full
/// inquiry is in the admin API, and chat services refuse long bodies.
pub const TEXT_CHARS: usize = 1500;
/// Discord refuses embed field values longer than 1024 characters.
const DISCORD_FIELD_CHARS: usize = 1024;

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
}

/// The card of an inquiry event (`inquiry.routed`, `inquiry.escalated`).
pub fn inquiry_card(p: &WebhookPayload) -> Card {
    let d = &p.data;
    let verb = if p.kind == crate::payload::INQUIRY_ESCALATED {
        "Escalated inquiry"
    } else {
        "New inquiry"
    };
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
    }
}

/// The card of an escalation step: the inquiry's card titled as escalated, with the level
/// and the POC it was handed to. `inquiry` is the inquiry's own event (`inquiry.routed`);
/// `escalated_to` is the target POC's display name.
pub fn escalation_card(inquiry: &WebhookPayload, level: &str, escalated_to: &str) -> Card {
    let escalated = WebhookPayload {
        kind: crate::payload::INQUIRY_ESCALATED,
        ..inquiry.clone()
    };
    let mut card = inquiry_card(&escalated);
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
    json!({
        "content": clip(&card.title, 2000),
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
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::{self, INQUIRY_ESCALATED};

    fn card() -> Card {
        inquiry_card(&payload::build(payload::tests::sample()))
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
        let escalated = inquiry_card(&payload::build_event(
            INQUIRY_ESCALATED,
            payload::tests::sample(),
        ));
        assert!(escalated.title.starts_with("Escalated inquiry"));
    }

    #[test]
    fn escalation_card_names_level_and_target() {
        let mut input = payload::tests::sample();
        input.priority = "normal".into();
        let routed = payload::build(input);
        let c = escalation_card(&routed, "overdue", "Team lead");
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
        assert!(!escalation_card(&routed, "warning", "Billing").alarm);
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
