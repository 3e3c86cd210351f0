//! An execution environment: one process of a function and the Runtime API it talks to.

use std::{
    io,
    process::{ExitStatus, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    process::{Child, Command},
    sync::mpsc,
};

use super::{
    FunctionSpec,
    runtime_api::{Dispatch, RuntimeApi, RuntimeEvent},
};
use crate::{http::Server, ids, logs::LogBook};

/// Variables passed through from the test's environment (everything else is
/// cleared, so that a developer's AWS profile can't leak into a function).
pub const PASSTHROUGH_ENV: &[&str] = &[
    "PATH",
    "TMPDIR",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "LLVM_PROFILE_FILE",
];

/// A running process of a function. Dropping it kills the process and stops
/// its Runtime API server.
#[derive(Debug)]
pub(crate) struct Instance {
    pub child: Child,
    pub api: Arc<RuntimeApi>,
    pub dispatch: mpsc::UnboundedSender<Dispatch>,
    pub events: mpsc::UnboundedReceiver<RuntimeEvent>,
    pub spawned_at: Instant,
    _server: Server,
}

impl Instance {
    /// Starts a Runtime API server on a fresh port and spawns the binary against it.
    ///
    /// Every process gets its own port, so a killed process's lingering
    /// connections can never take an invocation meant for its successor.
    pub(super) async fn spawn(
        spec: &FunctionSpec,
        invoke_endpoint: &str,
        logs: &Arc<LogBook>,
    ) -> io::Result<Self> {
        let (api, dispatch, events) = RuntimeApi::new(spec.arn(), spec.timeout);
        let listener = Server::bind_loopback().await?;
        let handler_api = Arc::clone(&api);
        let server = Server::serve(listener, move |request| {
            Arc::clone(&handler_api).handle(request)
        })?;

        let mut command = Command::new(&spec.binary);
        command
            .env_clear()
            .envs(
                PASSTHROUGH_ENV
                    .iter()
                    .filter_map(|k| Some((*k, std::env::var(k).ok()?))),
            )
            .envs(lambda_env(
                spec,
                &server.addr().to_string(),
                invoke_endpoint,
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = spec.binary.parent().filter(|d| d.is_dir()) {
            command.current_dir(dir);
        }
        let spawned_at = Instant::now();
        let mut child = command.spawn()?;
        if let Some(stdout) = child.stdout.take() {
            logs.pump(spec.name.clone(), stdout);
        }
        if let Some(stderr) = child.stderr.take() {
            logs.pump(spec.name.clone(), stderr);
        }
        Ok(Self {
            child,
            api,
            dispatch,
            events,
            spawned_at,
            _server: server,
        })
    }

    /// Time from spawn to the first `GET /runtime/invocation/next`.
    pub(super) fn init_duration(&self) -> Option<Duration> {
        self.api
            .first_poll()
            .map(|t| t.saturating_duration_since(self.spawned_at))
    }

    /// Kills the process and waits for it.
    pub(super) async fn kill(mut self) -> io::Result<ExitStatus> {
        self.child.start_kill()?;
        self.child.wait().await
    }
}

/// The environment of a function's process, in order of precedence (later wins):
/// harness defaults, the spec's env, Lambda's reserved variables.
pub(crate) fn lambda_env(
    spec: &FunctionSpec,
    runtime_api: &str,
    invoke_endpoint: &str,
) -> Vec<(String, String)> {
    let given = |key: &str| spec.env.iter().any(|(k, _)| k == key);
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: &str| env.push((k.to_owned(), v.to_owned()));

    set("AWS_REGION", crate::REGION);
    set("AWS_DEFAULT_REGION", crate::REGION);
    set("AWS_ENDPOINT_URL_LAMBDA", invoke_endpoint);
    set("AWS_EC2_METADATA_DISABLED", "true");
    set("TZ", ":UTC");
    set("_HANDLER", "bootstrap");
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    if let Some(dir) = spec.binary.parent() {
        set("LAMBDA_TASK_ROOT", &dir.to_string_lossy());
    }
    // Lambda always hands a function credentials; so does the harness (dummy
    // ones) unless the spec brings its own.
    if !given("AWS_ACCESS_KEY_ID") {
        set("AWS_ACCESS_KEY_ID", "testing");
        set("AWS_SECRET_ACCESS_KEY", "testing");
        set("AWS_SESSION_TOKEN", "testing");
    }
    for (k, v) in &spec.env {
        set(k, v);
    }
    let name = spec.name.as_str();
    set("AWS_LAMBDA_RUNTIME_API", runtime_api);
    set("AWS_LAMBDA_FUNCTION_NAME", name);
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
    set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    set(
        "AWS_LAMBDA_LOG_STREAM_NAME",
        &format!("{}/[$LATEST]{}", ids::utc_date_path(), ids::random_hex(16)),
    );
    set("AWS_LAMBDA_LOG_GROUP_NAME", &format!("/aws/lambda/{name}"));

    // Later entries win: keep the last value of each key.
    let mut deduped: Vec<(String, String)> = Vec::with_capacity(env.len());
    for (k, v) in env.into_iter().rev() {
        if !deduped.iter().any(|(seen, _)| *seen == k) {
            deduped.push((k, v));
        }
    }
    deduped.reverse();
    deduped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn env_precedence() {
        let spec = FunctionSpec::new("fn-a", "/opt/fn/bootstrap")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_LAMBDA_FUNCTION_NAME", "spoofed")
            .env("AWS_ACCESS_KEY_ID", "AKIA")
            .env("FOO", "bar");
        let env = lambda_env(&spec, "127.0.0.1:1", "http://127.0.0.1:2");
        assert_eq!(value(&env, "AWS_REGION"), Some("eu-west-1"));
        assert_eq!(value(&env, "AWS_DEFAULT_REGION"), Some("us-east-1"));
        assert_eq!(value(&env, "AWS_LAMBDA_FUNCTION_NAME"), Some("fn-a"));
        assert_eq!(value(&env, "AWS_LAMBDA_RUNTIME_API"), Some("127.0.0.1:1"));
        assert_eq!(
            value(&env, "AWS_ENDPOINT_URL_LAMBDA"),
            Some("http://127.0.0.1:2")
        );
        assert_eq!(value(&env, "AWS_ACCESS_KEY_ID"), Some("AKIA"));
        assert_eq!(value(&env, "AWS_SESSION_TOKEN"), None);
        assert_eq!(
            value(&env, "AWS_LAMBDA_LOG_GROUP_NAME"),
            Some("/aws/lambda/fn-a")
        );
        assert_eq!(value(&env, "FOO"), Some("bar"));
        let stream = value(&env, "AWS_LAMBDA_LOG_STREAM_NAME").unwrap_or_default();
        assert!(stream.contains("/[$LATEST]"), "{stream}");
        assert_eq!(env.iter().filter(|(k, _)| k == "AWS_REGION").count(), 1);
    }
}
