//! The local AWS emulator (`tests/aws-emulator/server.py`): start it (or lease this test
//! binary's shared one), point functions at it, arrange or inspect its state through its control
//! API ([`control`](AwsEmulator::control) and the methods around it) and call its AWS APIs
//! ([`sagemaker`](AwsEmulator::sagemaker), [`sagemaker_client`](AwsEmulator::sagemaker_client)...).
//!
//! One file per thing: [`process`] spawns it under a watchdog, [`pool`] shares it between the
//! tests of one binary, `control.rs` speaks the control API, `aws_calls.rs` the AWS APIs.
//!
//! Every emulator a handle is made for evaluates IAM on every request (issue #13: the emulator
//! refuses what AWS would refuse, with the roles and policies the templates create), unless its
//! builder opts out ([`EmulatorBuilder::iam_enforcement`]). The set-up credentials of
//! [`AwsEmulator::aws_env`] are the account root's, allowed everything, so arranging state as an
//! admin needs no opt-out.

mod aws_calls;
mod control;
mod error;
mod pool;
mod process;
mod types;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

pub use aws_calls::{trust_policy, xml_text};
pub use error::{EmulatorError, Result, SETUP_HINT};
pub use types::{ApiCall, EfsFileSystem, Fault};

use crate::workspace_root;
use process::{EmulatorProcess, LOG_SOURCE, Launch};

/// Environment variable naming the Python interpreter to run the emulator with.
pub const PYTHON_ENV: &str = "STUDIO_CATALOG_PYTHON";
/// The line the emulator prints once it serves.
pub const READY_MARKER: &str = "studio-emulator ready on";
/// The prefix of the emulator's control API.
pub const CONTROL_PREFIX: &str = "/_studio_emulator";
/// Environment variable: `1` makes [`EmulatorBuilder::lease`] start an emulator of the test's
/// own instead (the old way: to compare timings, or to rule sharing out when chasing a failure).
pub const PER_TEST_ENV: &str = "HARNESS_EMULATOR_PER_TEST";
/// How long one control or AWS call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The Python interpreter: `$STUDIO_CATALOG_PYTHON`, else the workspace's
/// `.venv/bin/python` if it exists, else `python3`.
pub fn python_interpreter() -> PathBuf {
    if let Some(python) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(python);
    }
    let venv = workspace_root().join(".venv").join("bin").join("python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// Options for [`AwsEmulator::start`] and [`EmulatorBuilder::lease`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    transition_seconds: f64,
    python: Option<PathBuf>,
    script: Option<PathBuf>,
    ready_timeout: Duration,
    iam_enforcement: bool,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            transition_seconds: 0.1,
            python: None,
            script: None,
            ready_timeout: Duration::from_secs(30),
            iam_enforcement: true,
        }
    }
}

impl EmulatorBuilder {
    /// How long emulated resources stay in transitional states (`Pending`,
    /// `Deleting`...) before settling. Default 0.1 s.
    #[must_use]
    pub fn transition_seconds(mut self, seconds: f64) -> Self {
        self.transition_seconds = seconds;
        self
    }

    /// The Python interpreter (default: [`python_interpreter`]).
    #[must_use]
    pub fn python(mut self, python: impl Into<PathBuf>) -> Self {
        self.python = Some(python.into());
        self
    }

    /// The server script (default: `<workspace>/tests/aws-emulator/server.py`).
    #[must_use]
    pub fn script(mut self, script: impl Into<PathBuf>) -> Self {
        self.script = Some(script.into());
        self
    }

    /// How long to wait for the emulator to serve. Default 30 s.
    #[must_use]
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// Whether the emulator evaluates IAM on every request (`POST config {"iam_enforcement":
    /// …}`; default `true`). Opt out only to arrange state that no principal of the story could
    /// make (the root's set-up credentials need no opt-out: they are allowed everything), and
    /// say why where you do; [`AwsEmulator::set_iam_enforcement`] switches it within a test.
    #[must_use]
    pub fn iam_enforcement(mut self, enforce: bool) -> Self {
        self.iam_enforcement = enforce;
        self
    }

    fn launch(&self, transition_seconds: f64) -> Launch {
        Launch {
            python: self.python.clone().unwrap_or_else(python_interpreter),
            script: self.script.clone().unwrap_or_else(|| {
                workspace_root()
                    .join("tests")
                    .join("aws-emulator")
                    .join("server.py")
            }),
            transition_seconds: transition_seconds.to_string(),
            ready_timeout: self.ready_timeout,
        }
    }

    /// Spawns an emulator of its own on a free loopback port and waits until it serves: it
    /// printed [`READY_MARKER`] or its port accepts connections; then switches IAM enforcement
    /// on (unless opted out). It stops when dropped, or when this process exits.
    pub async fn start(self) -> Result<AwsEmulator> {
        let process = self.launch(self.transition_seconds).start().await?;
        let emulator = AwsEmulator::new(Server::Own(process), self.iam_enforcement);
        if self.iam_enforcement {
            emulator.set_iam_enforcement(true).await?;
        }
        Ok(emulator)
    }

    /// Leases one of this test binary's shared emulators (see `pool.rs`): started the first
    /// time, then reset for each test (`POST reset`, then the transition delay and the IAM
    /// enforcement asked for: a reset switches enforcement off). The
    /// lease is exclusive — faults, the call log, the configuration and every resource are
    /// this test's — and ends when the handle is dropped. Drop it after the functions that
    /// call it (declare it first in a `struct`, last among `let`s), so that nothing of this
    /// test reaches the next one. One lease per test at a time: a binary has as many shared
    /// emulators as test threads, so a test waiting for a second lease could wait for itself.
    /// With [`PER_TEST_ENV`]` = 1`, it starts one of the test's own instead.
    pub async fn lease(self) -> Result<AwsEmulator> {
        if std::env::var(PER_TEST_ENV).is_ok_and(|value| value == "1") {
            return self.start().await;
        }
        // Every shared emulator starts with the default delay; the lease sets the test's.
        let launch = self.launch(EmulatorBuilder::default().transition_seconds);
        let lease = pool::lease(&launch).await?;
        let emulator = AwsEmulator::new(Server::Leased(lease), self.iam_enforcement);
        emulator.reset().await?;
        emulator
            .set_transition_seconds(self.transition_seconds)
            .await?;
        Ok(emulator)
    }
}

/// The process behind a handle: its own, or one leased from the binary's pool.
#[derive(Debug)]
enum Server {
    Own(EmulatorProcess),
    Leased(pool::Lease),
}

/// A running emulator, its own or leased (see [`EmulatorBuilder::lease`]).
#[derive(Debug)]
pub struct AwsEmulator {
    server: Server,
    /// Lines printed before this handle existed (a shared emulator's earlier tests).
    first_log_line: usize,
    /// Made in the test's runtime: a client's pooled connections belong to the runtime they
    /// were opened on, and each test has its own.
    http: reqwest::Client,
    /// Whether its builder asked for IAM enforcement ([`AwsEmulator::reset`] restores it).
    iam_enforcement: bool,
}

impl AwsEmulator {
    fn new(server: Server, iam_enforcement: bool) -> Self {
        let first_log_line = match &server {
            Server::Own(_) => 0,
            Server::Leased(lease) => lease.process().logs.len(),
        };
        Self {
            server,
            first_log_line,
            http: reqwest::Client::builder()
                .timeout(CALL_TIMEOUT)
                .no_proxy()
                .build()
                .expect("a plain HTTP client builds"),
            iam_enforcement,
        }
    }

    fn process(&self) -> &EmulatorProcess {
        match &self.server {
            Server::Own(process) => process,
            Server::Leased(lease) => lease.process(),
        }
    }

    /// Options: `AwsEmulator::builder().transition_seconds(0.2).start().await`.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Starts one of its own with the default options.
    pub async fn start() -> Result<Self> {
        Self::builder().start().await
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// The port it serves on.
    pub fn port(&self) -> u16 {
        self.process().port
    }

    /// The interpreter it runs under.
    pub fn python(&self) -> &Path {
        &self.process().python
    }

    /// The server's process id, when known.
    pub fn server_pid(&self) -> Option<u32> {
        self.process().server_pid()
    }

    /// What it printed (stdout and stderr) since this handle was made.
    pub fn logs(&self) -> Vec<String> {
        self.process()
            .logs
            .lines_from(Some(LOG_SOURCE), self.first_log_line)
    }

    /// Waits for an output line, printed since this handle was made, containing `needle`
    /// (`None` after `timeout`).
    pub async fn wait_for_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        self.process()
            .logs
            .wait_for_from(Some(LOG_SOURCE), self.first_log_line, needle, timeout)
            .await
    }

    /// The environment a function needs to talk to the emulator (pass to
    /// [`FunctionSpec::envs`](crate::lambda::FunctionSpec::envs)).
    pub fn aws_env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint_url().as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_SESSION_TOKEN", "testing"),
            ("AWS_REGION", crate::REGION),
            ("AWS_MAX_ATTEMPTS", "2"),
            ("AWS_RETRY_MODE", "standard"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }
}

/// A whole HTTP answer of the emulator.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl AwsEmulator {
    /// Sends `method path` with `headers` and `body` and reads the whole answer.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Answer> {
        let url = format!("{}{path}", self.endpoint_url());
        let mut request = self.http.request(method, url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let failed = |source: reqwest::Error| {
            if source.is_timeout() {
                EmulatorError::CallTimeout {
                    path: path.to_owned(),
                    timeout: CALL_TIMEOUT,
                }
            } else {
                EmulatorError::Http(source)
            }
        };
        let response = request.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(failed)?.to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_falls_back_sensibly() {
        let python = python_interpreter();
        assert!(!python.as_os_str().is_empty());
    }
}
