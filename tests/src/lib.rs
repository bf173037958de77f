//! Test harness for Switchboard: the real Worker under `wrangler dev`, a webhook receiver
//! that checks signatures independently of `shared`'s signer, headless Chromium driven
//! over WebDriver, and the admin calls that provision a site.
//!
//! Used by the integration tests (`tests/tests.rs`) and by the `devhost` binary that
//! `cargo xtask dev` runs.

pub mod admin;
pub mod browser;
pub mod fixture;
pub mod pages;
pub mod reaper;
pub mod receiver;
pub mod repo;
pub mod turnstile;
pub mod wrangler;

/// A harness failure, carrying what went wrong and where to look.
#[derive(Debug)]
pub struct Error(String);

impl Error {
    pub fn msg(message: impl Into<String>) -> Error {
        Error(message.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Error {
        Error(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Fails with `message` unless `condition` holds; keeps checks in harness code short.
pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<()> {
    if condition {
        Ok(())
    } else {
        Err(Error(message()))
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}
