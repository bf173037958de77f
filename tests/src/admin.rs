//! Admin calls against a running Worker: mint a site's admin key with the operator key,
//! push a site config, list inquiries. Every call returns status and parsed JSON body.

use crate::{Error, Result, repo};
use serde_json::Value;

/// Status code and body of an HTTP answer; the body is JSON when it parses, else a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    /// The body exactly as received.
    pub raw: String,
}

impl Answer {
    pub async fn read(resp: reqwest::Response) -> Result<Answer> {
        let status = resp.status().as_u16();
        let raw = resp.text().await?;
        let body = serde_json::from_str(&raw).unwrap_or_else(|_| Value::String(raw.clone()));
        Ok(Answer { status, body, raw })
    }

    /// Fails unless the status is `expected`, showing both and the body.
    pub fn expect_status(self, expected: u16, what: &str) -> Result<Answer> {
        if self.status == expected {
            Ok(self)
        } else {
            Err(Error::msg(format!(
                "{what}: expected status {expected}, got {}: {}",
                self.status, self.raw
            )))
        }
    }
}

/// A site provisioned on a Worker: its id and admin key.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub admin_key: String,
}

/// Talks to one Worker as operator and as site admin.
#[derive(Clone)]
pub struct Admin {
    pub origin: String,
    pub http: reqwest::Client,
    operator_key: String,
}

impl Admin {
    /// Uses OPERATOR_KEY from edge/.dev.vars, which `wrangler dev` loads too.
    pub fn new(origin: &str, http: reqwest::Client) -> Result<Admin> {
        Ok(Admin {
            origin: origin.to_owned(),
            http,
            operator_key: repo::dev_var("OPERATOR_KEY")?,
        })
    }

    /// `PUT /v1/admin/sites/{site}/key`: creates the site if needed and returns a fresh key.
    pub async fn mint_key(&self, site: &str) -> Result<Site> {
        let resp = self
            .http
            .put(format!("{}/v1/admin/sites/{site}/key", self.origin))
            .bearer_auth(&self.operator_key)
            .send()
            .await?;
        let answer = Answer::read(resp)
            .await?
            .expect_status(200, &format!("minting the admin key of {site}"))?;
        let key = answer.body["admin_key"]
            .as_str()
            .ok_or_else(|| Error::msg(format!("no admin_key in {}", answer.raw)))?;
        Ok(Site {
            id: site.to_owned(),
            admin_key: key.to_owned(),
        })
    }

    /// `PUT /v1/admin/sites/{site}/config` with a TOML body; the answer is returned as is.
    pub async fn put_config(&self, site: &Site, toml: &str) -> Result<Answer> {
        let resp = self
            .http
            .put(format!("{}/v1/admin/sites/{}/config", self.origin, site.id))
            .bearer_auth(&site.admin_key)
            .header("content-type", "application/toml")
            .body(toml.to_owned())
            .send()
            .await?;
        Answer::read(resp).await
    }

    /// Mints a key and pushes `toml`, failing unless the config is accepted.
    pub async fn provision(&self, site: &str, toml: &str) -> Result<Site> {
        let site = self.mint_key(site).await?;
        self.put_config(&site, toml)
            .await?
            .expect_status(200, &format!("pushing the config of {}", site.id))?;
        Ok(site)
    }

    /// `GET /v1/admin/sites/{site}/<path>` as the site admin.
    pub async fn get(&self, site: &Site, path: &str) -> Result<Answer> {
        Answer::read(self.get_response(site, path).await?).await
    }

    /// The same `GET`, answered as is: for bodies that are not JSON and for headers.
    pub async fn get_response(&self, site: &Site, path: &str) -> Result<reqwest::Response> {
        Ok(self
            .http
            .get(format!("{}/v1/admin/sites/{}/{path}", self.origin, site.id))
            .bearer_auth(&site.admin_key)
            .send()
            .await?)
    }

    /// `POST /v1/admin/sites/{site}/<path>` as the site admin, with an optional JSON body.
    pub async fn post(&self, site: &Site, path: &str, body: Option<&Value>) -> Result<Answer> {
        let mut req = self
            .http
            .post(format!("{}/v1/admin/sites/{}/{path}", self.origin, site.id))
            .bearer_auth(&site.admin_key);
        if let Some(body) = body {
            req = req.json(body);
        }
        Answer::read(req.send().await?).await
    }

    /// `DELETE /v1/admin/sites/{site}/<path>` as the site admin.
    pub async fn delete(&self, site: &Site, path: &str) -> Result<Answer> {
        let req = self
            .http
            .delete(format!("{}/v1/admin/sites/{}/{path}", self.origin, site.id))
            .bearer_auth(&site.admin_key);
        Answer::read(req.send().await?).await
    }

    /// The stored inquiries of a site (`GET .../inquiries`), as the JSON array in the answer.
    pub async fn inquiries(&self, site: &Site) -> Result<Vec<Value>> {
        let answer = self
            .get(site, "inquiries")
            .await?
            .expect_status(200, "listing inquiries")?;
        let list = match &answer.body {
            Value::Array(items) => items.clone(),
            Value::Object(map) => map
                .get("inquiries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(list)
    }
}
