//! The emulator's process: spawned on a free loopback port under a watchdog that ends it when
//! the process that started it exits, however that exits (a panic, `std::process::exit`, a
//! `SIGKILL`: statics are never dropped, so `kill_on_drop` alone would leave it running).
//!
//! The watchdog is a POSIX `sh` holding the read end of a pipe whose only write end is the
//! harness's `stdin` handle of the child: the kernel closes that end when the harness process
//! ends, the watchdog's `read` sees end of file and sends the server `SIGTERM`. No `unsafe`
//! (`prctl(PR_SET_PDEATHSIG)` would need a `pre_exec` hook, and fires when the spawning
//! *thread* ends, which for a shared emulator is the first test's thread, not the binary).

use std::{
    net::{Ipv4Addr, TcpListener as StdListener},
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{net::TcpStream, process::Child};

use super::{EmulatorError, READY_MARKER, Result};
use crate::{logs::LogBook, workspace_root};

/// The name the emulator's output lines are logged under.
pub(super) const LOG_SOURCE: &str = "aws-emulator";
/// The line the watchdog prints first: the server's own process id.
const PID_MARKER: &str = "studio-emulator-watchdog server pid ";

/// `sh -c WATCHDOG watchdog <program> <args>...`: runs the program with `stdin` from
/// `/dev/null`, kills it when the shell's `stdin` reaches end of file, exits with its status.
const WATCHDOG: &str = r#"exec 3<&0 0</dev/null
"$@" 3<&- &
server=$!
echo "studio-emulator-watchdog server pid $server" >&2
{ read -r _ <&3; kill "$server" 2>/dev/null; } &
watchdog=$!
exec 3<&-
wait "$server"
status=$?
kill "$watchdog" 2>/dev/null
exit "$status""#;

/// A spawned emulator (the watchdog shell and, under it, the server).
#[derive(Debug)]
pub(super) struct EmulatorProcess {
    child: Child,
    pub(super) port: u16,
    pub(super) logs: Arc<LogBook>,
    pub(super) python: PathBuf,
}

/// What to spawn.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Launch {
    pub(super) python: PathBuf,
    pub(super) script: PathBuf,
    pub(super) transition_seconds: String,
    pub(super) ready_timeout: Duration,
}

impl Launch {
    /// Spawns the emulator and waits until it serves: it printed [`READY_MARKER`] or its port
    /// accepts connections. (Should the port be taken in the meantime, it tries again on
    /// another.)
    pub(super) async fn start(&self) -> Result<EmulatorProcess> {
        if !self.script.is_file() {
            return Err(EmulatorError::ScriptMissing {
                script: self.script.clone(),
            });
        }
        if !program_exists(&self.python) {
            return Err(EmulatorError::Spawn {
                python: self.python.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such program"),
            });
        }
        let mut tries = 0;
        loop {
            tries += 1;
            match self.spawn().await {
                Err(EmulatorError::Exited { ref output, .. })
                    if tries < 3 && output.contains("Address already in use") => {}
                started => return started,
            }
        }
    }

    async fn spawn(&self) -> Result<EmulatorProcess> {
        let port = free_port().map_err(EmulatorError::Port)?;
        let mut command = tokio::process::Command::new("sh");
        command
            .args(["-c", WATCHDOG, "studio-emulator-watchdog"])
            .arg(&self.python)
            .arg(&self.script)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--transition-seconds", &self.transition_seconds])
            .env("PYTHONUNBUFFERED", "1")
            .current_dir(workspace_root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|source| EmulatorError::Spawn {
            python: self.python.clone(),
            source,
        })?;
        let logs = LogBook::new();
        if let Some(stdout) = child.stdout.take() {
            logs.pump(LOG_SOURCE.to_owned(), stdout);
        }
        if let Some(stderr) = child.stderr.take() {
            logs.pump(LOG_SOURCE.to_owned(), stderr);
        }
        let mut process = EmulatorProcess {
            child,
            port,
            logs,
            python: self.python.clone(),
        };
        process.wait_ready(self.ready_timeout).await?;
        Ok(process)
    }
}

impl EmulatorProcess {
    async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            if self
                .logs
                .lines(None)
                .iter()
                .any(|l| l.contains(READY_MARKER))
            {
                return Ok(());
            }
            // Before probing the port: another process may hold it if ours failed to bind.
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the pumps catch the last lines (a traceback, usually).
                tokio::time::sleep(Duration::from_millis(100)).await;
                return Err(EmulatorError::Exited {
                    python: self.python.clone(),
                    status: status.to_string(),
                    output: self.output_tail(),
                });
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            if started.elapsed() >= timeout {
                return Err(EmulatorError::NotReady {
                    timeout,
                    output: self.output_tail(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last 40 lines it printed.
    pub(super) fn output_tail(&self) -> String {
        let lines = self.logs.lines(None);
        let skip = lines.len().saturating_sub(40);
        lines[skip..].join("\n")
    }

    /// The server's process id (not the watchdog's), once the watchdog printed it.
    pub(super) fn server_pid(&self) -> Option<u32> {
        self.logs
            .lines(Some(LOG_SOURCE))
            .iter()
            .find_map(|line| line.strip_prefix(PID_MARKER)?.trim().parse().ok())
    }

    /// Whether the process still runs (it has not exited).
    pub(super) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// Whether `program` names an existing file (a path) or a program on `PATH` (a bare name).
fn program_exists(program: &Path) -> bool {
    if program.components().count() > 1 {
        return program.is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// A port that was free a moment ago (bind `127.0.0.1:0`, read, release).
fn free_port() -> std::io::Result<u16> {
    Ok(StdListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_program_name_is_looked_up_on_the_path() {
        assert!(program_exists(Path::new("sh")));
        assert!(!program_exists(Path::new("no-such-program-studio-catalog")));
        assert!(!program_exists(Path::new("/nonexistent/python")));
    }
}
