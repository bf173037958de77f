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

/// One decoded config: when it was read, and when a fresh read of it was last started.
struct Entry {
    read_ms: i64,
    config: Rc<SiteConfig>,
    refresh_started_ms: Option<i64>,
}

/// Configs by site id.
#[derive(Default)]
pub struct ConfigCache {
    entries: HashMap<String, Entry>,
}

impl ConfigCache {
    /// The config of `site` if it was read less than [`TTL_MS`] before `now_ms`.
    pub fn get(&self, site: &str, now_ms: i64) -> Option<Rc<SiteConfig>> {
        let entry = self.entries.get(site)?;
        (0..TTL_MS)
            .contains(&(now_ms - entry.read_ms))
            .then(|| Rc::clone(&entry.config))
    }

    /// The config of `site` if it was read less than [`STALE_MS`] before `now_ms`, and
    /// whether the caller should read it again: it is past [`TTL_MS`] and no other read
    /// started within the last [`TTL_MS`] (one that failed is retried after that).
    pub fn get_stale(&mut self, site: &str, now_ms: i64) -> Option<(Rc<SiteConfig>, bool)> {
        let entry = self.entries.get_mut(site)?;
        if !(0..STALE_MS).contains(&(now_ms - entry.read_ms)) {
            return None;
        }
        let refreshing = entry
            .refresh_started_ms
            .is_some_and(|started| (0..TTL_MS).contains(&(now_ms - started)));
        let due = now_ms - entry.read_ms >= TTL_MS && !refreshing;
        if due {
            entry.refresh_started_ms = Some(now_ms);
        }
        Some((Rc::clone(&entry.config), due))
    }

    pub fn put(&mut self, site: &str, now_ms: i64, config: Rc<SiteConfig>) {
        if self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(site) {
            self.entries.clear();
        }
        let entry = Entry {
            read_ms: now_ms,
            config,
            refresh_started_ms: None,
        };
        self.entries.insert(site.to_owned(), entry);
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

/// The cached config of `site` if at most [`STALE_MS`] old, and whether the caller should
/// read it again (true for one caller at a time).
pub fn get_stale(site: &str, now_ms: i64) -> Option<(Rc<SiteConfig>, bool)> {
    CACHE.with(|c| c.borrow_mut().get_stale(site, now_ms))
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
        let mut due = |now| cache.get_stale("a", now).map(|(_, due)| due);
        assert_eq!(due(1_000), Some(false));
        assert_eq!(due(1_000 + TTL_MS - 1), Some(false));
        assert_eq!(due(1_000 + TTL_MS), Some(true));
        assert_eq!(due(1_000 + STALE_MS - 1), Some(true));
        assert_eq!(due(1_000 + STALE_MS), None);
        assert_eq!(due(999), None);
        assert!(cache.get_stale("b", 1_000).is_none());
    }

    #[test]
    fn one_stale_hit_at_a_time_reads_again() {
        let mut cache = ConfigCache::default();
        cache.put("a", 1_000, config("a"));
        let mut due = |now| cache.get_stale("a", now).map(|(_, due)| due);
        let stale = 1_000 + TTL_MS;
        assert_eq!(due(stale), Some(true));
        // That read is under way: later hits answer from the entry without another one.
        assert_eq!(due(stale + 1), Some(false));
        assert_eq!(due(stale + TTL_MS - 1), Some(false));
        // It never came back: the next hit tries again.
        assert_eq!(due(stale + TTL_MS), Some(true));
        // A fresh read clears the claim along with the age.
        cache.put("a", stale + TTL_MS + 10, config("a"));
        assert_eq!(
            cache
                .get_stale("a", stale + 2 * TTL_MS + 10)
                .map(|(_, d)| d),
            Some(true)
        );
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
