//! The local AWS emulator (`tests/aws-emulator/server.py`): start it, point
//! functions at it, and arrange or inspect its state through its control API.

mod error;
mod types;

use std::{
    net::{Ipv4Addr, TcpListener as StdListener},
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use hyper::Method;
use serde_json::{Value, json};
use tokio::{net::TcpStream, process::Child};

pub use error::{EmulatorError, Result, SETUP_HINT};
pub use types::{ApiCall, EfsFileSystem, Fault};

use crate::{http, logs::LogBook, workspace_root};

/// Environment variable naming the Python interpreter to run the emulator with.
pub const PYTHON_ENV: &str = "STUDIO_CATALOG_PYTHON";
/// The line the emulator prints once it serves.
pub const READY_MARKER: &str = "studio-emulator ready on";
/// The prefix of the emulator's control API.
pub const CONTROL_PREFIX: &str = "/_studio_emulator";
/// The name the emulator's output lines are logged under.
const LOG_SOURCE: &str = "aws-emulator";
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

/// Options for [`AwsEmulator::start`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    transition_seconds: f64,
    python: Option<PathBuf>,
    script: Option<PathBuf>,
    ready_timeout: Duration,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            transition_seconds: 0.1,
            python: None,
            script: None,
            ready_timeout: Duration::from_secs(30),
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

    /// Spawns the emulator on a free loopback port and waits until it serves:
    /// it printed [`READY_MARKER`] or its port accepts connections. (Should
    /// the port be taken in the meantime, it tries again on another.)
    pub async fn start(self) -> Result<AwsEmulator> {
        let script = self.script.clone().unwrap_or_else(|| {
            workspace_root()
                .join("tests")
                .join("aws-emulator")
                .join("server.py")
        });
        if !script.is_file() {
            return Err(EmulatorError::ScriptMissing { script });
        }
        let python = self.python.clone().unwrap_or_else(python_interpreter);
        let mut tries = 0;
        loop {
            tries += 1;
            match self.spawn(&python, &script).await {
                Err(EmulatorError::Exited { ref output, .. })
                    if tries < 3 && output.contains("Address already in use") => {}
                started => return started,
            }
        }
    }

    async fn spawn(&self, python: &Path, script: &Path) -> Result<AwsEmulator> {
        let port = free_port().map_err(EmulatorError::Port)?;
        let mut command = tokio::process::Command::new(python);
        command
            .arg(script)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--transition-seconds", &self.transition_seconds.to_string()])
            .env("PYTHONUNBUFFERED", "1")
            .current_dir(workspace_root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|source| EmulatorError::Spawn {
            python: python.to_owned(),
            source,
        })?;
        let logs = LogBook::new();
        if let Some(stdout) = child.stdout.take() {
            logs.pump(LOG_SOURCE.to_owned(), stdout);
        }
        if let Some(stderr) = child.stderr.take() {
            logs.pump(LOG_SOURCE.to_owned(), stderr);
        }

        let mut emulator = AwsEmulator {
            child,
            port,
            logs,
            python: python.to_owned(),
        };
        emulator.wait_ready(self.ready_timeout).await?;
        Ok(emulator)
    }
}

/// A running emulator; killed when dropped.
#[derive(Debug)]
pub struct AwsEmulator {
    child: Child,
    port: u16,
    logs: Arc<LogBook>,
    python: PathBuf,
}

impl AwsEmulator {
    /// Options: `AwsEmulator::builder().transition_seconds(0.2).start().await`.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Starts with the default options.
    pub async fn start() -> Result<Self> {
        Self::builder().start().await
    }

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

    fn output_tail(&self) -> String {
        let lines = self.logs.lines(None);
        let skip = lines.len().saturating_sub(40);
        lines[skip..].join("\n")
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it serves on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The interpreter it runs under.
    pub fn python(&self) -> &Path {
        &self.python
    }

    /// What it printed so far (stdout and stderr).
    pub fn logs(&self) -> Vec<String> {
        self.logs.lines(None)
    }

    /// Waits for an output line containing `needle` (`None` after `timeout`).
    pub async fn wait_for_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        self.logs.wait_for(None, needle, timeout).await
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

    /// Calls the control API: `method` on `CONTROL_PREFIX + path`, with an
    /// optional JSON body. Returns the JSON answer (`Null` if empty).
    pub async fn control(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let path = format!("{CONTROL_PREFIX}{path}");
        let body = body.map(Value::to_string).unwrap_or_default();
        let response = self
            .send(
                method.clone(),
                &path,
                &[("content-type", "application/json")],
                body,
            )
            .await?;
        if !response.status.is_success() {
            return Err(EmulatorError::Control {
                method: method.to_string(),
                path,
                status: response.status.as_u16(),
                body: response.text(),
            });
        }
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        response
            .json()
            .map_err(|source| EmulatorError::BadJson { path, source })
    }

    /// `GET /health`: the emulator's status and extensions.
    pub async fn health(&self) -> Result<Value> {
        self.control(Method::GET, "/health", None).await
    }

    /// Forgets every emulated resource, fault and recorded call (`POST /reset`).
    pub async fn reset(&self) -> Result<()> {
        self.control(Method::POST, "/reset", None).await.map(drop)
    }

    /// Makes the next `fault.count` matching calls fail.
    pub async fn inject_fault(&self, fault: &Fault) -> Result<()> {
        let body = serde_json::to_value(fault).map_err(|source| EmulatorError::BadJson {
            path: "faults".into(),
            source,
        })?;
        self.control(Method::POST, "/faults", Some(&body))
            .await
            .map(drop)
    }

    /// Removes every injected fault.
    pub async fn clear_faults(&self) -> Result<()> {
        self.control(Method::DELETE, "/faults", None)
            .await
            .map(drop)
    }

    /// Changes the emulator's settings (`POST /config`), e.g. `{"transition_seconds": 0.2}`.
    pub async fn configure(&self, config: &Value) -> Result<()> {
        self.control(Method::POST, "/config", Some(config))
            .await
            .map(drop)
    }

    /// Sets how long resources stay in transitional states.
    pub async fn set_transition_seconds(&self, seconds: f64) -> Result<()> {
        self.configure(&json!({ "transition_seconds": seconds }))
            .await
    }

    /// The AWS calls received so far, oldest first.
    pub async fn calls(&self) -> Result<Vec<ApiCall>> {
        let answer = self.control(Method::GET, "/calls", None).await?;
        parse_field(answer, "calls", "/calls")
    }

    /// How many calls of `service`'s `operation` were received.
    pub async fn call_count(&self, service: &str, operation: &str) -> Result<usize> {
        Ok(self
            .calls()
            .await?
            .iter()
            .filter(|c| c.service == service && c.operation == operation)
            .count())
    }

    /// Forgets the calls received so far.
    pub async fn clear_calls(&self) -> Result<()> {
        self.control(Method::DELETE, "/calls", None).await.map(drop)
    }

    /// The emulated EFS file systems of Studio domains.
    pub async fn efs_file_systems(&self) -> Result<Vec<EfsFileSystem>> {
        let answer = self.control(Method::GET, "/efs", None).await?;
        parse_field(answer, "file_systems", "/efs")
    }

    /// Puts a domain into `Failed` with `reason`.
    pub async fn fail_domain(&self, domain_id: &str, reason: &str) -> Result<()> {
        self.control(
            Method::POST,
            &format!("/domains/{domain_id}/fail"),
            Some(&json!({ "reason": reason })),
        )
        .await
        .map(drop)
    }

    /// Sets an app's `LastUserActivityTimestamp` (RFC 3339).
    pub async fn set_app_last_activity(&self, app_arn: &str, timestamp: &str) -> Result<()> {
        self.control(
            Method::POST,
            "/apps/last-activity",
            Some(&json!({ "AppArn": app_arn, "LastUserActivityTimestamp": timestamp })),
        )
        .await
        .map(drop)
    }

    /// Sends an awsJson1_1 request (`X-Amz-Target: <target>`, e.g.
    /// `SageMaker.DescribeDomain`) with a dummy SigV4 `Authorization`. A 4xx or
    /// 5xx answer is [`EmulatorError::Aws`] with the error's `__type`.
    pub async fn call_json(&self, target: &str, body: &Value) -> Result<Value> {
        let service = target
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.call_json_as(&service, target, body).await
    }

    /// A Glue call: `glue("CreateDatabase", &json!({"DatabaseInput": {"Name": "sales"}}))`.
    pub async fn glue(&self, operation: &str, body: &Value) -> Result<Value> {
        self.call_json_as("glue", &format!("AWSGlue.{operation}"), body)
            .await
    }

    /// Creates an IAM role that SageMaker may assume, under path `/studio-catalog/`; returns
    /// its ARN.
    pub async fn create_role(&self, name: &str) -> Result<String> {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        });
        let form = format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={}&Path=%2Fstudio-catalog%2F&AssumeRolePolicyDocument={}",
            form_encode(name),
            form_encode(&trust.to_string())
        );
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20261123/{}/iam/aws4_request, SignedHeaders=host, Signature=0",
            crate::REGION
        );
        let response = self
            .send(
                Method::POST,
                "/",
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("authorization", &authorization),
                    ("x-amz-date", "20261123T000000Z"),
                ],
                form,
            )
            .await?;
        if !response.status.is_success() {
            return Err(EmulatorError::Aws {
                target: "iam.CreateRole".to_owned(),
                status: response.status.as_u16(),
                error_type: "Unknown".to_owned(),
                message: response.text(),
            });
        }
        Ok(format!(
            "arn:aws:iam::{}:role/studio-catalog/{name}",
            crate::ACCOUNT_ID
        ))
    }

    /// [`call_json`](Self::call_json) with the SigV4 scope's service named explicitly (Glue's
    /// target prefix is `AWSGlue`, its service `glue`).
    pub async fn call_json_as(&self, service: &str, target: &str, body: &Value) -> Result<Value> {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20261123/{}/{service}/aws4_request, SignedHeaders=host, Signature=0",
            crate::REGION
        );
        let response = self
            .send(
                Method::POST,
                "/",
                &[
                    ("x-amz-target", target),
                    ("content-type", "application/x-amz-json-1.1"),
                    ("authorization", &authorization),
                    ("x-amz-date", "20261123T000000Z"),
                ],
                body.to_string(),
            )
            .await?;
        let parsed: Value = if response.body.is_empty() {
            json!({})
        } else {
            response
                .json()
                .unwrap_or_else(|_| Value::String(response.text()))
        };
        if response.status.is_success() {
            return Ok(parsed);
        }
        let raw_type = parsed
            .get("__type")
            .and_then(Value::as_str)
            .or_else(|| response.header("x-amzn-errortype"))
            .unwrap_or("Unknown");
        Err(EmulatorError::Aws {
            target: target.to_owned(),
            status: response.status.as_u16(),
            error_type: short_error_type(raw_type).to_owned(),
            message: ["message", "Message"]
                .iter()
                .find_map(|k| parsed.get(*k).and_then(Value::as_str))
                .unwrap_or_default()
                .to_owned(),
        })
    }

    /// A SageMaker resource's tags as sorted `(key, value)` pairs.
    pub async fn sagemaker_tags(&self, arn: &str) -> Result<Vec<(String, String)>> {
        let listed = self
            .sagemaker("ListTags", &json!({ "ResourceArn": arn }))
            .await?;
        let mut tags: Vec<(String, String)> = listed["Tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|tag| {
                let text = |key: &str| tag[key].as_str().unwrap_or_default().to_owned();
                (text("Key"), text("Value"))
            })
            .collect();
        tags.sort();
        Ok(tags)
    }

    /// Polls a SageMaker describe call (e.g. `DescribeUserProfile`) until its `Status` is
    /// `status`; after `timeout`, an [`EmulatorError::Aws`] whose `error_type` is `Timeout`.
    pub async fn wait_for_sagemaker_status(
        &self,
        describe: &str,
        body: &Value,
        status: &str,
        timeout: std::time::Duration,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let described = self.sagemaker(describe, body).await?;
            if described["Status"] == status {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(EmulatorError::Aws {
                    target: format!("SageMaker.{describe}"),
                    status: 0,
                    error_type: "Timeout".to_owned(),
                    message: format!(
                        "still {} after {timeout:?}, expected {status}",
                        described["Status"]
                    ),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// A SageMaker call: `sagemaker("DescribeDomain", &json!({"DomainId": id}))`.
    pub async fn sagemaker(&self, operation: &str, body: &Value) -> Result<Value> {
        self.call_json(&format!("SageMaker.{operation}"), body)
            .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<http::ClientResponse> {
        let url = format!("{}{path}", self.endpoint_url());
        tokio::time::timeout(CALL_TIMEOUT, http::send(method, &url, headers, body))
            .await
            .map_err(|_| EmulatorError::CallTimeout {
                path: path.to_owned(),
                timeout: CALL_TIMEOUT,
            })?
            .map_err(EmulatorError::Http)
    }
}

/// `com.amazonaws.sagemaker#ResourceNotFound` or `ResourceNotFound:http://...`
/// → `ResourceNotFound`.
fn short_error_type(raw: &str) -> &str {
    let after_hash = raw.rsplit('#').next().unwrap_or(raw);
    after_hash.split(':').next().unwrap_or(after_hash)
}

fn parse_field<T: serde::de::DeserializeOwned>(
    mut answer: Value,
    field: &str,
    path: &str,
) -> Result<T> {
    let value = answer
        .get_mut(field)
        .map(Value::take)
        .unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|source| EmulatorError::BadJson {
        path: format!("{CONTROL_PREFIX}{path}"),
        source,
    })
}

/// A port that was free a moment ago (bind `127.0.0.1:0`, read, release).
fn free_port() -> std::io::Result<u16> {
    Ok(StdListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_shortened() {
        assert_eq!(
            short_error_type("com.amazonaws.sagemaker#ResourceNotFound"),
            "ResourceNotFound"
        );
        assert_eq!(
            short_error_type("ValidationException:http://internal"),
            "ValidationException"
        );
        assert_eq!(short_error_type("ResourceInUse"), "ResourceInUse");
    }

    #[test]
    fn python_falls_back_sensibly() {
        let python = python_interpreter();
        assert!(!python.as_os_str().is_empty());
    }
}
