//! The site owner's admin API on the real Worker: a pushed config takes effect, a bad push
//! is refused with located errors while the old config stays live, wrong keys get 401, and
//! the inquiry list filters by POC. A config changed behind the Worker's back (as through
//! another isolate) reaches form definitions after one answer from the kept copy.

use crate::api::{submission, valid_fields};
use crate::env::{Env, Test};
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_shared::api::ErrorBody;
use switchboard_tests::admin::{Answer, Site};
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "admin::pushed_config_takes_effect",
        pushed_config_takes_effect,
    ),
    (
        "admin::bad_push_is_refused_and_the_old_config_stays_live",
        bad_push_keeps_old_config,
    ),
    ("admin::wrong_keys_get_401", wrong_keys_get_401),
    ("admin::inquiry_list_filters_by_poc", list_filters_by_poc),
    (
        "admin::config_changed_elsewhere_reaches_the_form_after_one_stale_answer",
        config_changed_elsewhere,
    ),
];

/// How long the Worker uses a kept config before reading it again (`config_cache::TTL_MS`).
const CONFIG_TTL: Duration = Duration::from_millis(5_000);

/// Submits a valid inquiry on `topic` and returns the POC the edge routed it to.
async fn routed_poc(env: &Env, site: &str, key: &str, topic: &str) -> Result<String> {
    let mut fields = valid_fields();
    fields["topic"] = json!(topic);
    let answer = env
        .submit(site, &submission(key, fields))
        .await?
        .expect_status(202, "submit")?;
    answer.body["poc"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::msg(format!("no poc in {}", answer.raw)))
}

/// The fixture config plus one rule sending billing inquiries to support.
fn with_billing_rule(config: &str) -> String {
    format!(
        "{config}\n[[rules]]\nid = \"billing-to-support\"\nwhen = {{ topic = \"billing\" }}\nroute = \"support\"\npriority = \"high\"\n"
    )
}

fn pushed_config_takes_effect(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let before = routed_poc(env, site, &format!("{site}-1"), "billing").await?;
        ensure(before == "billing", || {
            format!("before the push billing went to {before}")
        })?;
        env.admin
            .put_config(&admin_site, &with_billing_rule(&env.site_config(site)?))
            .await?
            .expect_status(200, "push")?;
        let after = routed_poc(env, site, &format!("{site}-2"), "billing").await?;
        ensure(after == "support", || {
            format!("after the push billing went to {after}, not support")
        })
    })
}

/// The row is changed in D1 directly, so the isolate's kept copy is not dropped as it is
/// for a push. Past the 5 s the kept copy answers once more while a fresh read runs after
/// that answer; the next definitions carry the change.
fn config_changed_elsewhere(env: &Env, site: &str) -> Result<()> {
    const OLD: &str = "Technical support";
    const NEW: &str = "Hardware support";
    env.block_on(async {
        env.provision(site).await?;
        let first = env.form(site, "?locale=en").await?;
        let kept_at = Instant::now();
        ensure(first.status == 200 && first.raw.contains(OLD), || {
            format!("first definition: {} {}", first.status, first.raw)
        })?;
        env.worker
            .d1_query(&format!(
                "UPDATE sites SET config_json = replace(config_json, '{OLD}', '{NEW}') WHERE id = '{site}'"
            ))
            .await?;
        tokio::time::sleep((CONFIG_TTL + Duration::from_millis(300)).saturating_sub(kept_at.elapsed())).await;
        let stale = env.form(site, "?locale=en").await?;
        ensure(stale.status == 200 && stale.raw.contains(OLD), || {
            format!("past the TTL the kept config should answer once more: {} {}", stale.status, stale.raw)
        })?;
        let mut last = stale;
        for _ in 0..20 {
            last = env.form(site, "?locale=en").await?;
            if last.status == 200 && last.raw.contains(NEW) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(Error::msg(format!(
            "the changed config never reached the definition: {} {}",
            last.status, last.raw
        )))
    })
}

fn bad_push_keeps_old_config(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let broken = env
            .site_config(site)?
            .replace("default_poc = \"support\"", "default_poc = \"nobody\"");
        let answer = env.admin.put_config(&admin_site, &broken).await?;
        ensure(answer.status == 400, || {
            format!("a broken config got {}: {}", answer.status, answer.raw)
        })?;
        let body: ErrorBody = serde_json::from_value(answer.body.clone()).map_err(|e| {
            Error::msg(format!(
                "400 body is not an error JSON ({e}): {}",
                answer.raw
            ))
        })?;
        ensure(body.error.code == "invalid_config", || {
            format!("code {}", body.error.code)
        })?;
        let named = body
            .error
            .fields
            .iter()
            .any(|f| f.field == "default_poc" && f.message.contains("unknown POC `nobody`"));
        ensure(named, || {
            format!("the error does not name default_poc: {}", answer.raw)
        })?;
        ensure(
            body.error.fields.iter().any(|f| f.message.contains(":15")),
            || format!("no line:column in {}", answer.raw),
        )?;
        // The old config still routes.
        let poc = routed_poc(env, site, &format!("{site}-1"), "billing").await?;
        ensure(poc == "billing", || {
            format!("after a refused push billing went to {poc}")
        })?;
        let live = env
            .admin
            .get(&admin_site, "config")
            .await?
            .expect_status(200, "GET config")?;
        ensure(live.raw.contains("default_poc = \"support\""), || {
            format!("live config changed: {}", live.raw)
        })
    })
}

fn expect_401(answer: &Answer, what: &str) -> Result<()> {
    ensure(answer.status == 401, || {
        format!(
            "{what}: expected 401, got {}: {}",
            answer.status, answer.raw
        )
    })?;
    serde_json::from_value::<ErrorBody>(answer.body.clone())
        .map(|_| ())
        .map_err(|e| {
            Error::msg(format!(
                "{what}: 401 body is not an error JSON ({e}): {}",
                answer.raw
            ))
        })
}

fn wrong_keys_get_401(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let real = env.provision(site).await?;
        let forged = Site {
            id: real.id.clone(),
            admin_key: format!("{}x", real.admin_key),
        };
        expect_401(
            &env.admin.get(&forged, "inquiries").await?,
            "listing with a wrong key",
        )?;
        expect_401(
            &env.admin.get(&forged, "config").await?,
            "reading the config with a wrong key",
        )?;
        expect_401(
            &env.admin
                .put_config(&forged, &env.site_config(site)?)
                .await?,
            "pushing with a wrong key",
        )?;
        // Another site's valid key is wrong here too.
        let other = env.provision(&format!("{site}-other")).await?;
        let borrowed = Site {
            id: real.id.clone(),
            admin_key: other.admin_key,
        };
        expect_401(
            &env.admin.get(&borrowed, "inquiries").await?,
            "listing with another site's key",
        )?;
        let resp = env
            .http
            .put(format!("{}/v1/admin/sites/{site}/key", env.worker.origin))
            .bearer_auth("not-the-operator-key")
            .send()
            .await?;
        expect_401(
            &Answer::read(resp).await?,
            "minting with a wrong operator key",
        )
    })
}

fn list_filters_by_poc(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        routed_poc(env, site, &format!("{site}-a"), "billing").await?;
        routed_poc(env, site, &format!("{site}-b"), "support").await?;
        routed_poc(env, site, &format!("{site}-c"), "billing").await?;
        let answer = env
            .admin
            .get(&admin_site, "inquiries?poc=billing")
            .await?
            .expect_status(200, "filtered list")?;
        let items = answer
            .body
            .as_array()
            .or_else(|| answer.body["inquiries"].as_array())
            .cloned()
            .unwrap_or_default();
        ensure(
            items.len() == 2 && items.iter().all(|i| i["poc"] == "billing"),
            || format!("?poc=billing listed {}", answer.raw),
        )
    })
}
