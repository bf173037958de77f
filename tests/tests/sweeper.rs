//! The outbox sweeper is the guarantee behind every delivery: a submit sends its queue
//! message only after answering, so a send that fails must still end in exactly one
//! delivery once the cron has run, and the sweeper must never send an inquiry twice.
//!
//! Each trial runs a Worker of its own, started with `SWEEP_AFTER_S = 2` (the sweeper takes
//! inquiries 2 s old instead of 2 minutes, so the trials need not wait) and, for the lost
//! sends, `TEST_FAIL_INTAKE_SENDS = true`, which makes every submit's send fail.

use crate::api::{submission, valid_fields};
use crate::env::{Env, Test};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use switchboard_tests::admin::{Admin, Answer};
use switchboard_tests::fixture::hook_path;
use switchboard_tests::receiver::{Behavior, Delivery};
use switchboard_tests::wrangler::{Worker, WorkerOptions};
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "sweeper::failed_sends_are_delivered_exactly_once_after_the_cron",
        failed_sends_delivered_once,
    ),
    (
        "sweeper::sent_inquiries_are_not_sent_again",
        sent_not_sent_again,
    ),
];

/// Inquiries per trial.
const INQUIRIES: usize = 12;
/// The sweeper's age on these Workers.
const SWEEP_AFTER: Duration = Duration::from_secs(2);
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(90);

async fn start_worker(fail_sends: bool) -> Result<Worker> {
    let mut vars = vec![
        (
            "SWEEP_AFTER_S".to_owned(),
            SWEEP_AFTER.as_secs().to_string(),
        ),
        // A failed attempt is retried only after 10 minutes: within a trial, any second
        // request for an inquiry can only come from the sweeper.
        ("RETRY_SCHEDULE".to_owned(), "600".to_owned()),
    ];
    if fail_sends {
        vars.push(("TEST_FAIL_INTAKE_SENDS".to_owned(), "true".to_owned()));
    }
    Worker::start(WorkerOptions {
        vars,
        test_scheduled: true,
    })
    .await
}

/// Submits [`INQUIRIES`] inquiries to `site` on `worker`; returns their references.
async fn submit_all(env: &Env, worker: &Worker, site: &str) -> Result<Vec<String>> {
    let mut refs = Vec::new();
    for i in 0..INQUIRIES {
        let mut fields = valid_fields();
        fields["email"] = json!(format!("visitor{i}@example.com"));
        let resp = env
            .http
            .post(format!("{}/v1/sites/{site}/inquiries", worker.origin))
            .header("origin", env.pages.origin())
            .json(&submission(&format!("{site}-{i}"), fields))
            .send()
            .await?;
        let answer = Answer::read(resp).await?.expect_status(202, "submit")?;
        refs.push(
            answer.body["reference"]
                .as_str()
                .ok_or_else(|| Error::msg(format!("no reference in {}", answer.raw)))?
                .to_owned(),
        );
    }
    Ok(refs)
}

/// Requests that arrived under `path`, by `webhook-id`.
fn by_webhook_id(deliveries: &[Delivery]) -> BTreeMap<String, usize> {
    let mut ids = BTreeMap::new();
    for d in deliveries {
        *ids.entry(d.header("webhook-id").unwrap_or_default().to_owned())
            .or_insert(0) += 1;
    }
    ids
}

/// Every request under `path` so far: `count` webhook-ids, each exactly once.
fn each_once(env: &Env, path: &str, count: usize, what: &str) -> Result<()> {
    let ids = by_webhook_id(&env.receiver.deliveries(path));
    let twice: Vec<(&String, &usize)> = ids.iter().filter(|(_, n)| **n != 1).collect();
    ensure(ids.len() == count && twice.is_empty(), || {
        format!(
            "{what}: expected {count} webhook-ids once each, got {} ids; more than once: {twice:?}",
            ids.len()
        )
    })
}

fn failed_sends_delivered_once(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let worker = start_worker(true).await?;
        let admin = Admin::new(&worker.origin, env.http.clone())?;
        admin.provision(site, &env.site_config(site)?).await?;
        let path = hook_path(site, "support");
        let refs = submit_all(env, &worker, site).await?;
        let submitted = Instant::now();

        // The sends failed: nothing arrives while the cron does not run (`wrangler dev` runs
        // it only when asked).
        tokio::time::sleep(Duration::from_secs(2)).await;
        ensure(env.receiver.deliveries(&path).is_empty(), || {
            format!(
                "{} requests arrived although every send failed and the cron did not run",
                env.receiver.deliveries(&path).len()
            )
        })?;

        // Past the sweeper's age, one cron run sends every one of them.
        tokio::time::sleep(
            (SWEEP_AFTER + Duration::from_secs(1)).saturating_sub(submitted.elapsed()),
        )
        .await;
        env.fire_cron_on(&worker).await?;
        env.receiver
            .wait_for(&path, INQUIRIES, DELIVERY_TIMEOUT)
            .await?;
        // More runs find nothing left to send.
        env.fire_cron_on(&worker).await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        env.fire_cron_on(&worker).await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        each_once(env, &path, INQUIRIES, "after the sweeper")?;
        let delivered: Vec<String> = env
            .receiver
            .deliveries(&path)
            .iter()
            .map(|d| {
                d.json()
                    .map(|b| b["data"]["reference"].as_str().unwrap_or("").to_owned())
            })
            .collect::<Result<_>>()?;
        let mut expected = refs;
        expected.sort();
        let mut got = delivered;
        got.sort();
        ensure(got == expected, || {
            format!("delivered references\nexpected {expected:?}\n     got {got:?}")
        })?;
        ensure(
            worker_log(&worker).contains("TEST_FAIL_INTAKE_SENDS is set"),
            || "the Worker's log does not show the failed sends".to_owned(),
        )
    })
}

fn sent_not_sent_again(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let worker = start_worker(false).await?;
        let admin = Admin::new(&worker.origin, env.http.clone())?;
        // One site whose endpoint takes everything, one whose endpoint refuses: its
        // inquiries stay pending, with a failed attempt, until a retry 10 minutes later.
        let refusing = format!("{site}-r");
        admin.provision(site, &env.site_config(site)?).await?;
        admin
            .provision(&refusing, &env.site_config(&refusing)?)
            .await?;
        let path = hook_path(site, "support");
        let refused_path = hook_path(&refusing, "support");
        env.receiver
            .set_behavior(&refused_path, Behavior::Always(503));

        submit_all(env, &worker, site).await?;
        submit_all(env, &worker, &refusing).await?;
        env.receiver
            .wait_for(&path, INQUIRIES, DELIVERY_TIMEOUT)
            .await?;
        env.receiver
            .wait_for(&refused_path, INQUIRIES, DELIVERY_TIMEOUT)
            .await?;

        // Every inquiry is now older than the sweeper's age; each run must leave them be.
        tokio::time::sleep(SWEEP_AFTER + Duration::from_secs(1)).await;
        for _ in 0..3 {
            env.fire_cron_on(&worker).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        each_once(env, &path, INQUIRIES, "delivered inquiries")?;
        each_once(
            env,
            &refused_path,
            INQUIRIES,
            "pending inquiries with an attempt",
        )
    })
}

fn worker_log(worker: &Worker) -> String {
    std::fs::read_to_string(worker.log_path()).unwrap_or_default()
}
