//! AWS SDK errors classified: what is transient, what is final, what is "gone".
//! HTTP 429 is throttling and any 5xx transient, whatever the code.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What kind of failure an AWS API call had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// The resource does not exist (any more).
    NotFound,
    /// The resource is busy or has dependants (`ResourceInUse`, `ConflictException`).
    InUse,
    /// The service throttled the call.
    Throttled,
    /// A timeout, a connection failure, a 5xx: worth trying again.
    Transient,
    /// The caller lacks permission.
    AccessDenied,
    /// The request was invalid.
    Invalid,
    /// Anything else.
    Other,
}

/// An AWS API failure, classified, with the operation that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {}{message}", code.as_deref().map(|code| format!("{code}: ")).unwrap_or_default())]
pub struct AwsError {
    /// The API operation, e.g. `CreateDomain`.
    pub operation: &'static str,
    /// The error code AWS answered, if any.
    pub code: Option<String>,
    /// AWS's message, or a description of the transport failure.
    pub message: String,
    /// The classification.
    pub kind: AwsErrorKind,
}

const THROTTLING_CODES: [&str; 10] = [
    "ThrottlingException",
    // the Resource Groups Tagging API's (its botocore model: "exceeded the allowed frequency")
    "ThrottledException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "LimitExceededException",
];
const TRANSIENT_CODES: [&str; 6] = [
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "InternalServiceException",
    "ServiceUnavailable",
    "ConcurrentModificationException",
];
const NOT_FOUND_CODES: [&str; 5] = [
    "ResourceNotFound",
    "ResourceNotFoundException",
    "EntityNotFoundException",
    "NoSuchEntity",
    "NotFoundException",
];
const IN_USE_CODES: [&str; 4] = [
    "ResourceInUse",
    "ResourceInUseException",
    "ConflictException",
    "ResourceLimitExceeded",
];
const ACCESS_DENIED_CODES: [&str; 3] = [
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
];
const INVALID_CODES: [&str; 4] = [
    "ValidationException",
    "ValidationError",
    "InvalidInputException",
    "InvalidParameterValue",
];

impl AwsError {
    /// Classifies an SDK error from `operation`.
    pub fn from_sdk<E>(operation: &'static str, error: &SdkError<E, Response>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match error {
            SdkError::ServiceError(context) => {
                let code = context.err().code().map(str::to_owned);
                let message = context
                    .err()
                    .message()
                    .map(str::to_owned)
                    .unwrap_or_else(|| context.err().to_string());
                let status = context.raw().status().as_u16();
                let kind = classify(code.as_deref(), status);
                Self {
                    operation,
                    code,
                    message,
                    kind,
                }
            }
            SdkError::TimeoutError(_) => Self::transport(operation, "the call timed out"),
            SdkError::DispatchFailure(failure) => {
                let detail = if failure.is_timeout() {
                    "the call timed out"
                } else if failure.is_io() {
                    "the connection failed"
                } else {
                    "the request could not be sent"
                };
                Self::transport(operation, detail)
            }
            SdkError::ResponseError(context) => {
                let status = context.raw().status().as_u16();
                Self {
                    operation,
                    code: None,
                    message: format!("unreadable response (HTTP {status})"),
                    kind: if status >= 500 {
                        AwsErrorKind::Transient
                    } else {
                        AwsErrorKind::Other
                    },
                }
            }
            other => Self {
                operation,
                code: None,
                message: aws_smithy_types::error::display::DisplayErrorContext(other).to_string(),
                kind: AwsErrorKind::Other,
            },
        }
    }

    fn transport(operation: &'static str, detail: &str) -> Self {
        Self {
            operation,
            code: None,
            message: detail.to_owned(),
            kind: AwsErrorKind::Transient,
        }
    }

    /// Whether the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == AwsErrorKind::NotFound
    }

    /// Whether the resource is busy or has dependants.
    pub fn is_in_use(&self) -> bool {
        self.kind == AwsErrorKind::InUse
    }

    /// Whether trying again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, AwsErrorKind::Throttled | AwsErrorKind::Transient)
    }
}

fn classify(code: Option<&str>, status: u16) -> AwsErrorKind {
    let is = |codes: &[&str]| code.is_some_and(|code| codes.contains(&code));
    if is(&THROTTLING_CODES) || status == 429 {
        AwsErrorKind::Throttled
    } else if is(&TRANSIENT_CODES) || status >= 500 {
        AwsErrorKind::Transient
    } else if is(&NOT_FOUND_CODES) {
        AwsErrorKind::NotFound
    } else if is(&IN_USE_CODES) {
        AwsErrorKind::InUse
    } else if is(&ACCESS_DENIED_CODES) {
        AwsErrorKind::AccessDenied
    } else if is(&INVALID_CODES) {
        AwsErrorKind::Invalid
    } else {
        AwsErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_as_aws_documents_them() {
        assert_eq!(
            classify(Some("ThrottlingException"), 400),
            AwsErrorKind::Throttled
        );
        assert_eq!(classify(None, 429), AwsErrorKind::Throttled);
        assert_eq!(
            classify(Some("ThrottledException"), 400),
            AwsErrorKind::Throttled
        );
        assert_eq!(
            classify(Some("ResourceNotFound"), 400),
            AwsErrorKind::NotFound
        );
        assert_eq!(classify(Some("ResourceInUse"), 400), AwsErrorKind::InUse);
        assert_eq!(
            classify(Some("ConcurrentModificationException"), 400),
            AwsErrorKind::Transient
        );
        assert_eq!(classify(None, 503), AwsErrorKind::Transient);
        assert_eq!(
            classify(Some("AccessDeniedException"), 400),
            AwsErrorKind::AccessDenied
        );
        assert_eq!(
            classify(Some("ValidationException"), 400),
            AwsErrorKind::Invalid
        );
    }
}
