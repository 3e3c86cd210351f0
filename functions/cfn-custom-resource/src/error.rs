//! What a resource handler can say went wrong, and what the protocol itself can refuse.

use std::time::Duration;

/// An error from a resource handler's `create`, `update` or `delete` step.
///
/// The protocol turns it into exactly one answer to CloudFormation: a permanent error is a
/// `FAILED` response whose `Reason` is this error's message; a retryable one is tried again
/// with backoff and jitter until the operation's absolute deadline.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// A property is missing or malformed. Nothing was done.
    #[error("Invalid property {property}: {expected}")]
    InvalidProperty {
        /// The property's path, e.g. `SubnetIds` or `DefaultUserSettings.ExecutionRole`.
        property: String,
        /// What was expected, and what arrived.
        expected: String,
    },
    /// The operation cannot succeed as asked; retrying will not help.
    #[error("{reason}")]
    Permanent {
        /// The `Reason` CloudFormation shows: what failed and what to do.
        reason: String,
    },
    /// A transient failure (throttling, a service hiccup, a resource briefly in use): try again.
    #[error("{reason}")]
    Retryable {
        /// What failed, for the log and, if the deadline passes, for the `Reason`.
        reason: String,
        /// At least this long before the next try, if the service said so.
        retry_after: Option<Duration>,
    },
}

impl ResourceError {
    /// A missing or malformed property.
    pub fn invalid_property(property: impl Into<String>, expected: impl Into<String>) -> Self {
        Self::InvalidProperty {
            property: property.into(),
            expected: expected.into(),
        }
    }

    /// A failure retrying cannot fix.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent {
            reason: reason.into(),
        }
    }

    /// A transient failure, to be tried again.
    pub fn retryable(reason: impl Into<String>) -> Self {
        Self::Retryable {
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// Whether trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }
}

/// Why an invocation could not be handled at all. These are the only errors the function
/// returns to Lambda; everything else is answered to CloudFormation.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The event is neither a CloudFormation custom-resource request nor a continuation of one.
    #[error("event is not a CloudFormation custom-resource request: {0}")]
    InvalidEvent(String),
}

impl From<ProtocolError> for lambda_runtime::Diagnostic {
    fn from(error: ProtocolError) -> Self {
        let error_type = match error {
            ProtocolError::InvalidEvent(_) => "InvalidEvent",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}
