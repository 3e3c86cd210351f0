//! What the local Lambda service reports about invocations.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::LambdaError;

/// How an invocation was requested (the Invoke API's `X-Amz-Invocation-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvocationType {
    /// Synchronous: the caller waits for the result.
    RequestResponse,
    /// Asynchronous: queued, the caller gets 202 at once (what CloudFormation uses).
    Event,
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function posted a response (the body, parsed as JSON; a body that is
    /// not JSON is kept as a JSON string).
    Success(Value),
    /// The function posted an error (to `/invocation/{id}/error`, or
    /// `/init/error` while starting); the posted body.
    Error(Value),
    /// No response by the deadline: the process was killed.
    TimedOut,
    /// The process exited (or could not start) during the invocation.
    Crashed,
}

impl Outcome {
    /// `true` for [`Outcome::Success`].
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success(_))
    }

    /// A short name: `Success`, `Error`, `TimedOut`, `Crashed`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Success(_) => "Success",
            Self::Error(_) => "Error",
            Self::TimedOut => "TimedOut",
            Self::Crashed => "Crashed",
        }
    }
}

/// One attempt at an invocation, as the harness recorded it.
#[derive(Debug, Clone)]
pub struct InvocationRecord {
    /// The request id (`Lambda-Runtime-Aws-Request-Id`); the same for every
    /// attempt of an async invocation.
    pub request_id: String,
    /// The event.
    pub payload: Value,
    /// Synchronous or asynchronous.
    pub invocation_type: InvocationType,
    /// 0 for the first attempt, then 1, 2... for async retries.
    pub attempt: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// Whether a fresh process was started for it.
    pub cold_start: bool,
    /// For a cold start: time from spawning the process to its first
    /// `GET /runtime/invocation/next` (`None` if it never asked).
    pub init_duration: Option<Duration>,
    /// The process's peak resident set size (Linux `VmHWM`, KiB) when the
    /// invocation ended, if the process was still there to ask.
    pub peak_rss_kib: Option<u64>,
    /// For [`Outcome::Crashed`]: how the process ended (e.g. `exit status: 1`).
    pub exit_status: Option<String>,
    /// When it was queued.
    pub queued: Instant,
    /// When the harness began running it (after any earlier invocation; before
    /// a cold start's spawn).
    pub started: Instant,
    /// When the outcome was known.
    pub ended: Instant,
}

impl InvocationRecord {
    /// `ended - started`.
    pub fn duration(&self) -> Duration {
        self.ended.saturating_duration_since(self.started)
    }
}

/// The result of a synchronous invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct InvocationResult {
    pub request_id: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Whether a fresh process was started for it.
    pub cold_start: bool,
    /// How long it ran (including a cold start).
    pub duration: Duration,
    /// The body the Invoke API answers with: the response, the posted error, or
    /// the error document Lambda makes up for a timeout or a crash.
    pub body: Value,
}

impl InvocationResult {
    /// `true` when the function responded.
    pub fn is_success(&self) -> bool {
        self.outcome.is_success()
    }

    /// The function's response, if it responded.
    pub fn payload(&self) -> Option<&Value> {
        match &self.outcome {
            Outcome::Success(value) => Some(value),
            _ => None,
        }
    }

    /// The function's response, or [`LambdaError::FunctionFailed`].
    pub fn into_payload(self) -> Result<Value, LambdaError> {
        match self.outcome {
            Outcome::Success(value) => Ok(value),
            outcome => Err(LambdaError::FunctionFailed {
                request_id: self.request_id,
                outcome: Box::new(outcome),
                body: self.body,
            }),
        }
    }

    /// The Invoke API's `X-Amz-Function-Error` header: `Unhandled` unless the
    /// function responded.
    pub fn function_error(&self) -> Option<&'static str> {
        (!self.is_success()).then_some("Unhandled")
    }

    /// The result of `record`, for a function with that `timeout`.
    pub(crate) fn from_record(record: &InvocationRecord, timeout: Duration) -> Self {
        let id = &record.request_id;
        let body = match &record.outcome {
            Outcome::Success(value) | Outcome::Error(value) => value.clone(),
            Outcome::TimedOut => json!({
                "errorType": "Sandbox.Timedout",
                "errorMessage": format!(
                    "RequestId: {id} Error: Task timed out after {:.2} seconds",
                    timeout.as_secs_f64()
                ),
            }),
            Outcome::Crashed => json!({
                "errorType": "Runtime.ExitError",
                "errorMessage": match &record.exit_status {
                    Some(status) => format!("RequestId: {id} Error: Runtime exited with error: {status}"),
                    None => format!("RequestId: {id} Error: Runtime exited without providing a reason"),
                },
            }),
        };
        Self {
            request_id: record.request_id.clone(),
            outcome: record.outcome.clone(),
            cold_start: record.cold_start,
            duration: record.duration(),
            body,
        }
    }
}
