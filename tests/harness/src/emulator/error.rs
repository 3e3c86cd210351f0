//! Errors of the emulator wrapper.

use std::{io, path::PathBuf, time::Duration};

/// How to get the emulator's Python environment.
pub const SETUP_HINT: &str = "the AWS emulator needs the workspace's Python venv: run `scripts/test` \
     (it creates .venv with the emulator's requirements; see the README), or set \
     STUDIO_CATALOG_PYTHON to a Python that has them";

/// What went wrong with the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The server script is not there.
    #[error("the AWS emulator script {} does not exist", script.display())]
    ScriptMissing {
        /// Where it was looked for.
        script: PathBuf,
    },
    /// No free port could be found.
    #[error("could not pick a free port: {0}")]
    Port(#[source] io::Error),
    /// The interpreter could not be started.
    #[error("could not run {}: {source}; {SETUP_HINT}", python.display())]
    Spawn {
        /// The interpreter.
        python: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The emulator exited before serving.
    #[error("the AWS emulator ({}) exited with {status} before serving; {SETUP_HINT}\n--- its output ---\n{output}", python.display())]
    Exited {
        /// The interpreter.
        python: PathBuf,
        /// Its exit status.
        status: String,
        /// The last lines it printed.
        output: String,
    },
    /// The emulator did not serve in time.
    #[error("the AWS emulator did not serve within {timeout:?}\n--- its output ---\n{output}")]
    NotReady {
        /// How long it was given.
        timeout: Duration,
        /// The last lines it printed.
        output: String,
    },
    /// An HTTP exchange failed (no connection, a broken answer).
    #[error("HTTP exchange with the AWS emulator failed: {0}")]
    Http(#[source] reqwest::Error),
    /// A call got no answer in time.
    #[error("no answer to {path} within {timeout:?}")]
    CallTimeout {
        /// The path called.
        path: String,
        /// How long it waited.
        timeout: Duration,
    },
    /// The control API refused a request.
    #[error("{method} {path} answered {status}: {body}")]
    Control {
        method: String,
        path: String,
        status: u16,
        body: String,
    },
    /// An AWS call answered an error.
    #[error("{target} failed with {status} {error_type}: {message}")]
    Aws {
        /// The `X-Amz-Target`.
        target: String,
        status: u16,
        /// The error's `__type`, without its namespace (e.g. `ResourceNotFound`).
        error_type: String,
        message: String,
    },
    /// An answer was not the JSON expected.
    #[error("unexpected answer from {path}: {source}")]
    BadJson {
        /// The path called.
        path: String,
        /// Why it did not parse.
        source: serde_json::Error,
    },
}

impl EmulatorError {
    /// For [`EmulatorError::Aws`]: the error type (e.g. `ResourceNotFound`).
    pub fn aws_error_type(&self) -> Option<&str> {
        match self {
            Self::Aws { error_type, .. } => Some(error_type),
            _ => None,
        }
    }
}

/// Result alias for this module.
pub type Result<T, E = EmulatorError> = std::result::Result<T, E>;
