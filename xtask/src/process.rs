//! Running commands: echo them, check their status, and keep long-running services in
//! their own process groups so stopping one stops everything it started.

use crate::{Error, Result};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The command line as a user would type it, for messages.
pub fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        line.push(' ');
        if arg.is_empty() || arg.contains([' ', '"', '\'']) {
            line.push_str(&format!("'{arg}'"));
        } else {
            line.push_str(&arg);
        }
    }
    match cmd.get_current_dir() {
        Some(dir) => format!("(cd {} && {line})", dir.display()),
        None => line,
    }
}

fn echo(cmd: &Command) {
    println!("$ {}", describe(cmd));
    let _ = std::io::stdout().flush();
}

/// Runs to completion with inherited output; a non-zero exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<()> {
    echo(cmd);
    let status = cmd
        .status()
        .map_err(|e| Error::new(format!("could not start `{}`: {e}", describe(cmd))))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(format!("`{}` failed ({status})", describe(cmd))))
    }
}

/// Runs quietly and returns stdout, or `None` when the program is missing or fails.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs with stdout streamed through line by line; returns the lines and whether it succeeded.
pub fn run_teed(cmd: &mut Command) -> Result<(bool, Vec<String>)> {
    echo(cmd);
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("could not start `{}`: {e}", describe(cmd))))?;
    let mut lines = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout();
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            let _ = writeln!(out, "{line}");
            lines.push(line);
        }
    }
    let status = child.wait()?;
    Ok((status.success(), lines))
}

/// A child in its own process group. Dropping it stops the whole group.
pub struct Service {
    pub name: &'static str,
    child: Child,
}

impl Service {
    pub fn spawn(name: &'static str, cmd: &mut Command) -> Result<Service> {
        echo(cmd);
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| {
                Error::new(format!("could not start {name} (`{}`): {e}", describe(cmd)))
            })?;
        Ok(Service { name, child })
    }

    /// `Some(description)` once the service has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// SIGTERM to the group, then SIGKILL if it is still there after a grace period.
    pub fn stop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            signal_group(self.child.id(), libc::SIGKILL);
            return;
        }
        signal_group(self.child.id(), libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever the leader left behind in its group goes too.
        signal_group(self.child.id(), libc::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(leader: u32, signal: libc::c_int) {
    let Ok(pgid) = libc::pid_t::try_from(leader) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals that process group; it touches no memory.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Turns Ctrl-C and SIGTERM into a flag the caller polls, so it can stop its services.
pub fn catch_interrupts() -> Result<()> {
    ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))
        .map_err(|e| Error::new(format!("could not install the Ctrl-C handler: {e}")))
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// True when running as root (so apt-get can be used directly).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
