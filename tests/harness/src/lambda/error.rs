//! Errors of the local Lambda service.

use std::{io, path::PathBuf, time::Duration};

use serde_json::Value;

use super::Outcome;

/// What went wrong in [`LocalLambda`](super::LocalLambda).
#[derive(Debug, thiserror::Error)]
pub enum LambdaError {
    /// Two [`FunctionSpec`](super::FunctionSpec)s share a name.
    #[error("function {0:?} is defined twice")]
    DuplicateFunction(String),
    /// A [`FunctionSpec`](super::FunctionSpec)'s name is empty or has characters Lambda rejects.
    #[error("invalid function name {0:?}: use letters, digits, '-' and '_'")]
    InvalidName(String),
    /// The binary does not exist (build it first, e.g. `cargo build -p <crate>`).
    #[error("function {function:?}: binary {} not found (build it first)", binary.display())]
    BinaryNotFound {
        function: String,
        /// The missing path.
        binary: PathBuf,
    },
    /// No function of that name.
    #[error("no function named {name:?} (known: {known})")]
    UnknownFunction {
        /// The name asked for.
        name: String,
        /// The functions there are, comma separated.
        known: String,
    },
    /// A local server could not be started.
    #[error("could not start a local server: {0}")]
    Bind(#[source] io::Error),
    /// Waiting for something took too long.
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        timeout: Duration,
    },
    /// The service stopped before the invocation finished.
    #[error("the local Lambda service stopped")]
    Stopped,
    /// [`InvocationResult::into_payload`](super::InvocationResult::into_payload)
    /// on an invocation that did not succeed.
    #[error("invocation {request_id} ended {}: {body}", outcome.kind())]
    FunctionFailed {
        request_id: String,
        /// How it ended.
        outcome: Box<Outcome>,
        body: Value,
    },
}

/// Result alias for this module.
pub type Result<T, E = LambdaError> = std::result::Result<T, E>;
