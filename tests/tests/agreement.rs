//! One set of rules on both sides: every case of the shared corpus of tricky inputs
//! (tests/fixtures/unicode-corpus.json) gets the same verdict, with the same error codes,
//! from the widget in Chromium (browser Unicode), the real Worker, and the reference
//! tables natively.

use crate::api::submission;
use crate::env::{Env, Test};
use serde_json::{Value, json};
use std::time::Duration;
use switchboard_shared::config::{ConfigOptions, parse_config_with};
use switchboard_shared::inquiry::{Draft, parse_inquiry};
use switchboard_tests::browser::Browser;
use switchboard_tests::pages::host_page;
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[(
    "agreement::widget_edge_and_native_agree_on_the_tricky_corpus",
    widget_edge_and_native_agree,
)];

const CORPUS: &str = include_str!("../fixtures/unicode-corpus.json");

/// `"ok"` or the list of `field:code` pairs, the comparable part of a verdict.
fn native_verdict(form: &switchboard_shared::FormSpec, fields: &Value) -> Result<String> {
    let draft: Draft = serde_json::from_value(fields.clone())?;
    Ok(match parse_inquiry(form, &draft) {
        Ok(_) => "ok".to_owned(),
        Err(errors) => errors
            .iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect::<Vec<_>>()
            .join(","),
    })
}

fn widget_edge_and_native_agree(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let config = parse_config_with(
            &env.site_config(site)?,
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .map_err(|e| Error::msg(format!("fixture config: {e:?}")))?;
        let cases: Vec<Value> = serde_json::from_str(CORPUS)?;

        // The real Worker.
        let mut edge = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let answer = env
                .submit(
                    site,
                    &submission(&format!("{site}-{i}"), case["fields"].clone()),
                )
                .await?;
            edge.push(match answer.status {
                202 => "ok".to_owned(),
                422 => answer.body["error"]["fields"]
                    .as_array()
                    .map(|fs| {
                        fs.iter()
                            .map(|f| {
                                format!(
                                    "{}:{}",
                                    f["field"].as_str().unwrap_or(""),
                                    f["code"].as_str().unwrap_or("")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default(),
                other => format!("status {other}: {}", answer.raw),
            });
        }

        // The widget's own parse in Chromium, with the browser's Unicode implementation.
        let page = env.pages.put(
            &format!("/agreement/{site}.html"),
            host_page(&env.worker.origin, site, "", ""),
        );
        let browser = Browser::start().await?;
        let outcome = async {
            browser.client.goto(&page).await?;
            let script = r#"
                const [edge, site, cases, done] = arguments;
                (async () => {
                    const m = await import(edge + '/switchboard_widget.js');
                    await m.default({ module_or_path: edge + '/switchboard_widget_bg.wasm' });
                    const def = await (await fetch(edge + '/v1/sites/' + site + '/form')).json();
                    return cases.map(c => {
                        const r = m.validate(def, c.fields);
                        return r.ok ? 'ok' : r.errors.map(e => e.field + ':' + e.code).join(',');
                    });
                })().then(done, e => done('error: ' + e));
            "#;
            let fields: Vec<Value> = cases
                .iter()
                .map(|c| json!({ "fields": c["fields"] }))
                .collect();
            let result = tokio::time::timeout(
                Duration::from_secs(60),
                browser.client.execute_async(
                    script,
                    vec![json!(env.worker.origin), json!(site), Value::Array(fields)],
                ),
            )
            .await
            .map_err(|_| Error::msg("the widget's validate() did not answer in 60 s"))??;
            serde_json::from_value::<Vec<String>>(result.clone())
                .map_err(|_| Error::msg(format!("validate() returned {result}")))
        }
        .await;
        browser.close().await;
        let widget = outcome?;

        let mut disagreements = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let native = native_verdict(&config.form, &case["fields"])?;
            if widget[i] != native || edge[i] != native {
                disagreements.push(format!(
                    "{}: native {native} | widget {} | edge {}",
                    case["id"], widget[i], edge[i]
                ));
            }
        }
        ensure(disagreements.is_empty(), || {
            format!(
                "{} of {} cases disagree:\n{}",
                disagreements.len(),
                cases.len(),
                disagreements.join("\n")
            )
        })
    })
}
