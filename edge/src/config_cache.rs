//! Site configs this isolate decoded recently. A submit would otherwise read and decode
//! its site's config from D1 on every request; with the cache, a busy site costs one D1
//! read per isolate every few seconds.
//!
//! A config pushed through this isolate replaces its entry at once (`admin::put_config`
//! calls [`forget`]); one pushed through another isolate is seen here within [`TTL_MS`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use switchboard_shared::config::SiteConfig;

/// How long a decoded config is used before it is read again.
pub const TTL_MS: i64 = 5_000;
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
        self.entries
            .get(site)
            .filter(|(read, _)| (0..TTL_MS).contains(&(now_ms - read)))
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
