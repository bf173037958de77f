//! What all trials share: a tokio runtime, one Worker under `wrangler dev`, the webhook
//! receiver and the page server, started once on first use and stopped when dropped.

use libtest_mimic::Failed;
use serde_json::Value;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;
use switchboard_tests::admin::{Admin, Answer, Site};
use switchboard_tests::fixture::{self, SiteParams, TEST_SECRET};
use switchboard_tests::pages::PageServer;
use switchboard_tests::receiver::Receiver;
use switchboard_tests::turnstile::{TEST_TURNSTILE_SECRET, TurnstileFake};
use switchboard_tests::wrangler::{Worker, WorkerOptions};
use switchboard_tests::{Error, Result, ensure};

/// A trial: gets the environment and the site id reserved for it.
pub type Test = fn(&Env, &str) -> Result<()>;

pub struct Env {
    // Fields drop in this order: the Worker first, the runtime (and its servers) last.
    pub worker: Worker,
    pub receiver: Receiver,
    pub pages: PageServer,
    pub turnstile: TurnstileFake,
    pub admin: Admin,
    pub http: reqwest::Client,
    rt: tokio::runtime::Runtime,
}

impl Env {
    fn start() -> Result<Env> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (worker, receiver, pages, turnstile) = rt.block_on(async {
            let receiver = Receiver::start(0).await?;
            receiver.set_secret("/hooks/", TEST_SECRET);
            let pages = PageServer::start(0).await?;
            let turnstile = TurnstileFake::start().await?;
            // A compressed schedule: seven attempts over about a minute. Retry trials finish
            // in seconds, the dead-letter trial in about 80 s, and the outage trial's 1,000
            // inquiries keep retrying (not dead-lettered) while they are submitted.
            // Turnstile (siteverify and the browser script) goes to the local fake; cron can
            // be fired with GET /__scheduled.
            let options = WorkerOptions {
                vars: vec![
                    ("RETRY_SCHEDULE".into(), "1,2,4,8,16,32".into()),
                    ("TURNSTILE_VERIFY_URL".into(), turnstile.url()),
                    ("TURNSTILE_SCRIPT_URL".into(), turnstile.script_url()),
                    ("TURNSTILE_SECRET".into(), TEST_TURNSTILE_SECRET.into()),
                ],
                test_scheduled: true,
            };
            let worker = Worker::start(options).await?;
            Ok::<_, Error>((worker, receiver, pages, turnstile))
        })?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let admin = Admin::new(&worker.origin, http.clone())?;
        Ok(Env {
            worker,
            receiver,
            pages,
            turnstile,
            admin,
            http,
            rt,
        })
    }

    pub fn block_on<T>(&self, f: impl Future<Output = T>) -> T {
        self.rt.block_on(f)
    }

    /// Runs the Worker's cron handler (sweeper, escalations, retention, search backfill)
    /// through `GET /__scheduled`. The handler runs on after the answer.
    pub async fn fire_cron(&self) -> Result<()> {
        self.fire_cron_on(&self.worker).await
    }

    /// [`Env::fire_cron`] on another Worker (one a trial started with options of its own).
    pub async fn fire_cron_on(&self, worker: &Worker) -> Result<()> {
        let resp = self
            .http
            .get(format!("{}/__scheduled?cron=*+*+*+*+*", worker.origin))
            .send()
            .await?;
        ensure(resp.status().is_success(), || {
            format!("GET /__scheduled answered {}", resp.status())
        })
    }

    /// The test site config for `site`, pointing at this run's receiver and pages.
    pub fn site_config(&self, site: &str) -> Result<String> {
        fixture::site_config(&SiteParams {
            site,
            receiver: &self.receiver.origin(),
            secret: TEST_SECRET,
            page_origin: &self.pages.origin(),
        })
    }

    /// Mints `site`'s admin key and pushes the test config for it.
    pub async fn provision(&self, site: &str) -> Result<Site> {
        self.admin.provision(site, &self.site_config(site)?).await
    }

    /// `POST /v1/sites/{site}/inquiries` with a JSON body, from an allowed page origin.
    pub async fn submit(&self, site: &str, body: &Value) -> Result<Answer> {
        let resp = self
            .http
            .post(format!("{}/v1/sites/{site}/inquiries", self.worker.origin))
            .header("origin", self.pages.origin())
            .json(body)
            .send()
            .await?;
        Answer::read(resp).await
    }

    /// `POST /v1/sites/{site}/preview` with a JSON body, from an allowed page origin.
    pub async fn preview(&self, site: &str, body: &Value) -> Result<Answer> {
        let resp = self
            .http
            .post(format!("{}/v1/sites/{site}/preview", self.worker.origin))
            .header("origin", self.pages.origin())
            .json(body)
            .send()
            .await?;
        Answer::read(resp).await
    }

    /// `GET /v1/sites/{site}/form`, from an allowed page origin.
    pub async fn form(&self, site: &str, query: &str) -> Result<Answer> {
        let resp = self
            .http
            .get(format!(
                "{}/v1/sites/{site}/form{query}",
                self.worker.origin
            ))
            .header("origin", self.pages.origin())
            .send()
            .await?;
        Answer::read(resp).await
    }
}

/// The environment, started by the first trial that needs it.
#[derive(Default)]
pub struct Shared {
    env: OnceLock<std::result::Result<Env, String>>,
}

impl Shared {
    /// Runs one trial; a failure carries the tail of wrangler's log to show what the Worker saw.
    pub fn run(&self, name: &str, test: Test) -> std::result::Result<(), Failed> {
        let env = self
            .env
            .get_or_init(|| Env::start().map_err(|e| e.to_string()));
        let env = env
            .as_ref()
            .map_err(|e| Failed::from(format!("test environment did not start: {e}")))?;
        test(env, &site_id(name)).map_err(|e| {
            Failed::from(format!(
                "{e}\n--- wrangler log ({}), last lines:\n{}",
                env.worker.log_path().display(),
                env.worker.log_tail()
            ))
        })
    }
}

/// `api::valid_inquiry` -> `t-api-valid-inquiry`: a valid site id of its own for each trial.
fn site_id(trial: &str) -> String {
    let mut id: String = trial
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while id.contains("--") {
        id = id.replace("--", "-");
    }
    id.truncate(60);
    format!("t-{}", id.trim_matches('-'))
}
