//! A minimal HTTP/1.1 GET over loopback, enough to wait for a service to come up.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The status code of `GET path` on `addr`, or `None` when nothing answers.
pub fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream.set_write_timeout(Some(timeout)).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).ok()?;
    let line = std::str::from_utf8(&head[..n]).ok()?;
    // "HTTP/1.1 200 OK"
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits until `GET path` answers 200, polling; gives up after `timeout`.
pub fn wait_for_ok(
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
    mut still_running: impl FnMut() -> bool,
) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if get_status(addr, path) == Some(200) {
            return true;
        }
        if !still_running() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    false
}
