//! An AWS failure as a step's error: transient ones are retried, the rest answered FAILED.
//!
//! [`AwsError`] and its classification live in `lambda-support`, shared with the functions that
//! are not custom resources; this is what the protocol makes of it.

use lambda_support::{AwsError, AwsErrorKind};

use crate::error::ResourceError;

impl From<AwsError> for ResourceError {
    fn from(error: AwsError) -> Self {
        if error.is_transient() {
            ResourceError::retryable(error.to_string())
        } else {
            let hint = match error.kind {
                AwsErrorKind::AccessDenied => ". Check the function's execution role.",
                _ => "",
            };
            ResourceError::permanent(format!("{error}{hint}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_retried_and_others_answered() {
        let throttled = AwsError {
            operation: "CreateDomain",
            code: Some("ThrottlingException".into()),
            message: "Rate exceeded".into(),
            kind: AwsErrorKind::Throttled,
        };
        assert!(ResourceError::from(throttled).is_retryable());
        let denied = AwsError {
            operation: "CreateDomain",
            code: Some("AccessDeniedException".into()),
            message: "not authorized".into(),
            kind: AwsErrorKind::AccessDenied,
        };
        let error = ResourceError::from(denied);
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            "CreateDomain failed: AccessDeniedException: not authorized. Check the function's execution role."
        );
    }
}
