//! Process groups the harness started, and the one place that ends them: on drop of their
//! owner, or when the test run itself is interrupted (Ctrl-C, SIGTERM), so nothing outlives it.

use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();

/// Remembers a process group leader; on interrupt every remembered group is killed.
pub fn track(leader: u32) {
    HANDLER.call_once(|| {
        // Another handler may already be installed by the embedding binary; then that one
        // is responsible, and the groups are still ended on drop.
        let _ = ctrlc::set_handler(|| {
            let leaders: Vec<u32> = GROUPS.lock().map(|g| g.clone()).unwrap_or_default();
            for leader in leaders {
                signal(leader, libc::SIGKILL);
            }
            std::process::exit(130);
        });
    });
    if let Ok(mut groups) = GROUPS.lock() {
        groups.push(leader);
    }
}

/// Ends a group: SIGTERM, a grace period for `child` to exit, then SIGKILL for whatever remains.
pub fn stop(child: &mut std::process::Child) {
    let leader = child.id();
    if child.try_wait().ok().flatten().is_none() {
        signal(leader, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    signal(leader, libc::SIGKILL);
    let _ = child.wait();
    if let Ok(mut groups) = GROUPS.lock() {
        groups.retain(|g| *g != leader);
    }
}

fn signal(leader: u32, sig: libc::c_int) {
    let Ok(pgid) = libc::pid_t::try_from(leader) else {
        return;
    };
    // SAFETY: kill(2) on a negative pid signals the process group; no memory is involved.
    unsafe {
        libc::kill(-pgid, sig);
    }
}
