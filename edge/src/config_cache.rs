//! Site configs this isolate decoded recently. A submit would otherwise read and decode
//! its site's config from D1 on every request; with the cache, a busy site costs one D1
//! read per isolate every few seconds.
//!
//! A config pushed through this isolate replaces its entry at once (`admin::put_config`
//! calls [`forget`]); one pushed through another isolate is seen here within [`TTL_MS`].
//!
//! Form definitions (`GET .../form`, the request a visitor waits on before seeing the form)
//! may also use an entry up to [`STALE_MS`] old while a fresh read runs in the background:
//! the D1 read then never delays the form. Submits always use a fresh entry.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use switchboard_shared::config::SiteConfig;

/// How long a decoded config is used before it is read again.
pub const TTL_MS: i64 = 5_000;
/// How long a decoded config may still answer a form-definition request, while it is read
/// again in the background.
pub const STALE_MS: i64 = 60_000;
/// Entries kept at most; past that the cache starts over (configs may be up to 1 MiB).
pub const MAX_ENTRIES: usize = 64;

/// Configs by site id, with the time each was read.
#[derive(Default)]
pub struct ConfigCache {
    entries: HashMap<String, (i64, Rc<SiteConfig>)>,
}

impl ConfigCache {
    /// The config of `site` if it was read less than [`TTL_MS`] before `now_ms`.
    pub fn get(&self, site: &str, now_ms: i64) -> Option<Rc<SiteConfig>> {
        self.get_within(site, now_ms, TTL_MS)
    }

    /// The config of `site` if it was read less than [`STALE_MS`] before `now_ms`, and
    /// whether it is past [`TTL_MS`] (due to be read again).
    pub fn get_stale(&self, site: &str, now_ms: i64) -> Option<(Rc<SiteConfig>, bool)> {
        let (read, _) = self.entries.get(site)?;
        let stale = now_ms - read >= TTL_MS;
        self.get_within(site, now_ms, STALE_MS)
            .map(|config| (config, stale))
    }

    fn get_within(&self, site: &str, now_ms: i64, max_age_ms: i64) -> Option<Rc<SiteConfig>> {
        self.entries
            .get(site)
            .filter(|(read, _)| (0..max_age_ms).contains(&(now_ms - read)))
            .map(|(_, config)| Rc::clone(config))
    }

    pub fn put(&mut self, site: &str, now_ms: i64, config: Rc<SiteConfig>) {
        if self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(site) {
            self.entries.clear();
        }
        self.entries.insert(site.to_owned(), (now_ms, config));
    }

    pub fn forget(&mut self, site: &str) {
        self.entries.remove(site);
    }
}

thread_local! {
    static CACHE: RefCell<ConfigCache> = RefCell::new(ConfigCache::default());
}

/// The cached config of `site`, if still fresh.
pub fn get(site: &str, now_ms: i64) -> Option<Rc<SiteConfig>> {
    CACHE.with(|c| c.borrow().get(site, now_ms))
}

/// The cached config of `site` if at most [`STALE_MS`] old, and whether it is due to be
/// read again.
pub fn get_stale(site: &str, now_ms: i64) -> Option<(Rc<SiteConfig>, bool)> {
    CACHE.with(|c| c.borrow().get_stale(site, now_ms))
}

/// Remembers the config just read for `site`.
pub fn put(site: &str, now_ms: i64, config: Rc<SiteConfig>) {
    CACHE.with(|c| c.borrow_mut().put(site, now_ms, config));
}

/// Drops `site`'s entry: its config changed.
pub fn forget(site: &str) {
    CACHE.with(|c| c.borrow_mut().forget(site));
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_shared::config::{ConfigOptions, parse_config_with};

    fn config(site: &str) -> Rc<SiteConfig> {
        let toml =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/site.toml"))
                .expect("demo config");
        let options = ConfigOptions {
            allow_loopback_http: true,
        };
        let mut c = parse_config_with(&toml, options).expect("demo config parses");
        c.site = site.to_owned();
        Rc::new(c)
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let mut cache = ConfigCache::default();
        cache.put("a", 1_000, config("a"));
        assert!(cache.get("a", 1_000).is_some());
        assert!(cache.get("a", 1_000 + TTL_MS - 1).is_some());
        assert!(cache.get("a", 1_000 + TTL_MS).is_none());
        // A clock that went backwards does not keep an entry alive.
        assert!(cache.get("a", 999).is_none());
        assert!(cache.get("b", 1_000).is_none());
    }

    #[test]
    fn stale_entries_serve_definitions_for_a_while() {
        let mut cache = ConfigCache::default();
        cache.put("a", 1_000, config("a"));
        let due = |now| cache.get_stale("a", now).map(|(_, due)| due);
        assert_eq!(due(1_000), Some(false));
        assert_eq!(due(1_000 + TTL_MS - 1), Some(false));
        assert_eq!(due(1_000 + TTL_MS), Some(true));
        assert_eq!(due(1_000 + STALE_MS - 1), Some(true));
        assert_eq!(due(1_000 + STALE_MS), None);
        assert_eq!(due(999), None);
        assert!(cache.get_stale("b", 1_000).is_none());
    }

    #[test]
    fn forget_and_overflow_drop_entries() {
        let mut cache = ConfigCache::default();
        cache.put("a", 0, config("a"));
        cache.forget("a");
        assert!(cache.get("a", 1).is_none());
        for i in 0..MAX_ENTRIES {
            cache.put(&format!("s{i}"), 0, config("x"));
        }
        assert!(cache.get("s0", 1).is_some());
        cache.put("one-more", 0, config("x"));
        assert!(cache.get("s0", 1).is_none());
        assert!(cache.get("one-more", 1).is_some());
    }
}
