//! A local Lambda service that runs the real function binaries.
//!
//! For each [`FunctionSpec`], the harness plays the Lambda service: it spawns
//! the binary (lazily, on the first invocation: a cold start) with the Lambda
//! environment, serves it the Runtime API (2018-06-01) on a loopback port, and
//! hands it invocations one at a time, in order. A deadline passed or a process
//! that exits mid-invocation are recorded ([`Outcome::TimedOut`],
//! [`Outcome::Crashed`]) and the next invocation gets a fresh process.
//!
//! One more server, the invoke endpoint, speaks the Invoke API the AWS SDK
//! uses (functions get its URL as `AWS_ENDPOINT_URL_LAMBDA`), so a function can
//! invoke itself or another function asynchronously.
//!
//! Processes' stdout and stderr are captured line by line, together with the
//! platform lines Lambda writes (`INIT_START`, `START`, `END`, `REPORT`,
//! `Task timed out`).
//!
//! Each function has a single execution environment: invocations queue and run
//! one at a time. A function that invokes *itself* synchronously therefore
//! waits for its own invocation and times out (asynchronous self-invocations,
//! e.g. continuations, are fine: they run after the current one). Each process
//! gets its own Runtime API port, so a killed process can never take an
//! invocation meant for its successor.

mod error;
mod function;
mod instance;
mod invoke_api;
mod runtime_api;
mod spec;
mod types;
mod worker;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use serde_json::Value;
use tokio::{sync::oneshot, task::JoinHandle};

pub use error::{LambdaError, Result};
pub use instance::PASSTHROUGH_ENV;
pub use spec::{DEFAULT_INIT_TIMEOUT, DEFAULT_TIMEOUT, FunctionSpec, function_arn};
pub use types::{InvocationRecord, InvocationResult, InvocationType, Outcome};

use crate::{http::Server, logs::LogBook};
use function::Function;

/// The functions, by name, and their shared log.
#[derive(Debug)]
pub(crate) struct Registry {
    functions: BTreeMap<String, Arc<Function>>,
    logs: Arc<LogBook>,
}

impl Registry {
    fn get(&self, name: &str) -> Result<&Arc<Function>> {
        self.functions
            .get(name)
            .ok_or_else(|| LambdaError::UnknownFunction {
                name: name.to_owned(),
                known: self
                    .functions
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// For accessors: a wrong name is a bug in the test.
    fn expect(&self, name: &str) -> &Arc<Function> {
        match self.get(name) {
            Ok(function) => function,
            Err(error) => panic!("{error}"),
        }
    }
}

/// The local Lambda service. Dropping it kills every function process and
/// stops its servers.
#[derive(Debug)]
pub struct LocalLambda {
    registry: Arc<Registry>,
    invoke_server: Server,
    workers: Vec<JoinHandle<()>>,
}

impl LocalLambda {
    /// Starts the invoke endpoint and one worker per function. Processes start
    /// on their first invocation.
    ///
    /// Fails on duplicate or invalid names and on binaries that don't exist.
    pub async fn start(functions: Vec<FunctionSpec>) -> Result<Self> {
        let mut registry = BTreeMap::new();
        let mut queues = Vec::new();
        for spec in functions {
            validate(&spec)?;
            if registry.contains_key(&spec.name) {
                return Err(LambdaError::DuplicateFunction(spec.name));
            }
            let name = spec.name.clone();
            let (function, jobs) = Function::new(spec);
            queues.push((Arc::clone(&function), jobs));
            registry.insert(name, function);
        }
        let registry = Arc::new(Registry {
            functions: registry,
            logs: LogBook::new(),
        });

        let listener = Server::bind_loopback().await.map_err(LambdaError::Bind)?;
        let handler_registry = Arc::clone(&registry);
        let invoke_server = Server::serve(listener, move |request| {
            invoke_api::handle(Arc::clone(&handler_registry), request)
        })
        .map_err(LambdaError::Bind)?;
        let invoke_endpoint = invoke_server.base_url();

        let workers = queues
            .into_iter()
            .map(|(function, jobs)| {
                tokio::spawn(
                    worker::Worker {
                        function,
                        jobs,
                        logs: Arc::clone(&registry.logs),
                        invoke_endpoint: invoke_endpoint.clone(),
                        instance: None,
                    }
                    .run(),
                )
            })
            .collect();
        Ok(Self {
            registry,
            invoke_server,
            workers,
        })
    }

    /// The Invoke API endpoint, `http://127.0.0.1:<port>` (what functions get
    /// as `AWS_ENDPOINT_URL_LAMBDA`).
    pub fn invoke_endpoint(&self) -> String {
        self.invoke_server.base_url()
    }

    /// The functions' names, sorted.
    pub fn function_names(&self) -> Vec<String> {
        self.registry.functions.keys().cloned().collect()
    }

    /// Invokes synchronously and waits for the outcome (a timeout or a crash
    /// is an `Ok` result with that outcome; see [`InvocationResult::into_payload`]).
    pub async fn invoke(&self, name: &str, payload: Value) -> Result<InvocationResult> {
        let function = self.registry.get(name)?;
        let (reply, result) = oneshot::channel();
        function.enqueue(payload, InvocationType::RequestResponse, Some(reply))?;
        result.await.map_err(|_| LambdaError::Stopped)
    }

    /// Queues an asynchronous (`Event`) invocation, as CloudFormation does;
    /// returns its request id at once.
    pub fn invoke_async(&self, name: &str, payload: Value) -> Result<String> {
        self.registry
            .get(name)?
            .enqueue(payload, InvocationType::Event, None)
    }

    /// Every finished attempt, in order of completion.
    ///
    /// # Panics
    /// If there is no function of that name.
    pub fn invocations(&self, name: &str) -> Vec<InvocationRecord> {
        self.registry.expect(name).read(|s| s.records.clone())
    }

    /// How many processes were started.
    ///
    /// # Panics
    /// If there is no function of that name.
    pub fn cold_starts(&self, name: &str) -> usize {
        self.registry.expect(name).read(|s| s.cold_starts)
    }

    /// For each cold start whose process asked for an invocation: time from
    /// spawn to its first `GET /runtime/invocation/next`.
    ///
    /// # Panics
    /// If there is no function of that name.
    pub fn init_durations(&self, name: &str) -> Vec<Duration> {
        self.registry
            .expect(name)
            .read(|s| s.init_durations.clone())
    }

    /// Invocations queued or running (async invocations count until their
    /// last retry ends).
    ///
    /// # Panics
    /// If there is no function of that name.
    pub fn pending(&self, name: &str) -> usize {
        self.registry.expect(name).read(|s| s.pending)
    }

    /// `true` when no function has anything queued or running.
    pub fn is_idle(&self) -> bool {
        self.registry
            .functions
            .values()
            .all(|f| f.read(|s| s.pending == 0))
    }

    /// Waits until nothing is queued or running.
    pub async fn wait_idle(&self, name: &str, timeout: Duration) -> Result<()> {
        self.registry
            .get(name)?
            .wait_until(timeout, |s| (s.pending == 0).then_some(()))
            .await
            .ok_or_else(|| LambdaError::Timeout {
                what: format!("function {name} to become idle"),
                timeout,
            })
    }

    /// Waits until at least `count` attempts have finished; returns them all.
    pub async fn wait_for_invocations(
        &self,
        name: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<InvocationRecord>> {
        self.registry
            .get(name)?
            .wait_until(timeout, |s| {
                (s.records.len() >= count).then(|| s.records.clone())
            })
            .await
            .ok_or_else(|| LambdaError::Timeout {
                what: format!("{count} invocation(s) of {name}"),
                timeout,
            })
    }

    /// The lines a function's processes wrote (stdout and stderr, interleaved
    /// as they arrived) and Lambda's platform lines, oldest first.
    ///
    /// # Panics
    /// If there is no function of that name.
    pub fn logs(&self, name: &str) -> Vec<String> {
        let function = self.registry.expect(name);
        self.registry.logs.lines(Some(&function.spec.name))
    }

    /// Every function's lines, each as `[<function>] <line>`.
    pub fn all_logs(&self) -> Vec<String> {
        self.registry
            .logs
            .entries()
            .into_iter()
            .map(|l| format!("[{}] {}", l.source, l.line))
            .collect()
    }

    /// The lines of any function containing `needle`.
    pub fn logs_containing(&self, needle: &str) -> Vec<String> {
        self.registry
            .logs
            .lines(None)
            .into_iter()
            .filter(|l| l.contains(needle))
            .collect()
    }

    /// Waits for a line of `name` containing `needle` (output is captured
    /// asynchronously: a line may land just after the invocation ends).
    pub async fn wait_for_log(
        &self,
        name: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<String> {
        let function = self.registry.get(name)?;
        self.registry
            .logs
            .wait_for(Some(&function.spec.name), needle, timeout)
            .await
            .ok_or_else(|| LambdaError::Timeout {
                what: format!("a log line of {name} containing {needle:?}"),
                timeout,
            })
    }
}

impl Drop for LocalLambda {
    fn drop(&mut self) {
        // Dropping a worker's future drops its process (kill_on_drop) and its
        // Runtime API server; the invoke server stops when dropped.
        for worker in &self.workers {
            worker.abort();
        }
    }
}

fn validate(spec: &FunctionSpec) -> Result<()> {
    let valid = !spec.name.is_empty()
        && spec.name.len() <= 64
        && spec
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(LambdaError::InvalidName(spec.name.clone()));
    }
    if !spec.binary.is_file() {
        return Err(LambdaError::BinaryNotFound {
            function: spec.name.clone(),
            binary: spec.binary.clone(),
        });
    }
    Ok(())
}

/// Asserts that a function's log lines are Lambda's plain-text format as CloudWatch shows it:
/// some line at one of `levels` (`"INFO"`, `"ERROR"`), no JSON object lines and not a single
/// ANSI escape sequence (which CloudWatch would show as `[32m INFO[0m`).
///
/// # Panics
///
/// When no line carries one of `levels`, or a line is JSON or carries an escape sequence.
pub fn assert_plain_text_logs(logs: &[String], levels: &[&str]) {
    assert!(
        logs.iter()
            .any(|line| levels.iter().any(|level| line.contains(level))),
        "no line at {levels:?}: {logs:#?}"
    );
    let json: Vec<&String> = logs
        .iter()
        .filter(|line| line.trim_start().starts_with('{'))
        .collect();
    assert!(json.is_empty(), "JSON lines in a plain-text log: {json:#?}");
    let coloured: Vec<&String> = logs.iter().filter(|line| line.contains("\x1b[")).collect();
    assert!(
        coloured.is_empty(),
        "colour codes in the log: {coloured:#?}"
    );
}
