//! The Switchboard edge Worker: thin `#[event]` shells over plain modules.
//!
//! `http` routes requests to `form`, `submit`, `plain_form` (the form without JavaScript)
//! and `admin`; `delivery` and `dead_letter`
//! consume the queues; `sweeper` runs on cron. Decision code (`cors`, `ids`, `auth`,
//! `payload`, `error`, retry planning) takes plain values and is tested natively; only
//! `platform` touches the JavaScript runtime directly.

pub mod ack;
pub mod ack_page;
pub mod admin;
pub mod auth;
pub mod away;
pub mod bench_timing;
pub mod config_cache;
pub mod config_history;
pub mod confirmation;
pub mod cors;
pub mod dead_letter;
pub mod delivery;
pub mod erase;
pub mod error;
pub mod escalation;
pub mod export;
pub mod form;
pub mod formats;
pub mod friction;
pub mod http;
pub mod ids;
pub mod inquiry_query;
pub mod intake;
pub mod openapi;
pub mod payload;
pub mod ping;
pub mod plain_form;
pub mod platform;
pub mod prerender;
pub mod preview;
pub mod rate_limit;
pub mod redelivery;
pub mod report;
pub mod retention;
pub mod retry;
pub mod search_backfill;
pub mod site_config;
pub mod sla_store;
pub mod store;
pub mod submit;
pub mod sweeper;

use worker::{
    Context, Env, MessageBatch, Request, Response, ScheduleContext, ScheduledEvent, event,
};

/// Name of the dead-letter queue in `wrangler.toml`; every other queue is the delivery queue.
pub const DEAD_LETTER_QUEUE: &str = "switchboard-dlq";

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    bench_timing::configure(&env);
    Ok(http::handle(req, env, &ctx).await)
}

#[event(queue)]
async fn queue(
    batch: MessageBatch<serde_json::Value>,
    env: Env,
    _ctx: Context,
) -> worker::Result<()> {
    bench_timing::configure(&env);
    if batch.queue() == DEAD_LETTER_QUEUE {
        dead_letter::consume(&batch, &env).await;
    } else {
        delivery::consume(&batch, &env).await;
    }
    Ok(())
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    bench_timing::configure(&env);
    if let Err(e) = sweeper::sweep(&env).await {
        platform::log(&format!("sweeper failed: {}", e.log_cause().unwrap_or("")));
    }
    if let Err(e) = escalation::run(&env).await {
        platform::log(&format!(
            "escalation failed: {}",
            e.log_cause().unwrap_or("")
        ));
    }
    if let Err(e) = retention::purge(&env).await {
        platform::log(&format!(
            "retention failed: {}",
            e.log_cause().unwrap_or("")
        ));
    }
    if let Err(e) = search_backfill::run(&env).await {
        platform::log(&format!(
            "search backfill failed: {}",
            e.log_cause().unwrap_or("")
        ));
    }
}
