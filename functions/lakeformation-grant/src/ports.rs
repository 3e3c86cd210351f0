//! What `lakeformation-grant` needs from Lake Formation, as a small trait the logic is written
//! against, and Lake Formation's failures in the terms the logic decides on.

use std::future::Future;

use cfn_custom_resource::{AwsError, AwsErrorKind};

use crate::grant::Grant;

/// GrantPermissions and RevokePermissions.
pub trait Grants: Send + Sync {
    /// Grants `grant.permissions` and `grant.grantable` to `grant.principal` on
    /// `grant.resource`. Granting what is already held succeeds and changes nothing.
    fn grant(&self, grant: &Grant) -> impl Future<Output = Result<(), LakeFormationError>> + Send;

    /// Revokes them. Revoking what is not held is [`LakeFormationError::NothingToRevoke`].
    fn revoke(&self, grant: &Grant) -> impl Future<Output = Result<(), LakeFormationError>> + Send;
}

/// A Lake Formation failure, sorted by what the resource does about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LakeFormationError {
    /// `InvalidInputException: No permissions revoked...`: nothing of it was held.
    #[error("{0}")]
    NothingToRevoke(AwsError),
    /// `InvalidInputException: Invalid principal...`: IAM has not (yet) made the principal
    /// known to Lake Formation. Right after the role was created, this passes within a minute.
    #[error("{0}")]
    InvalidPrincipal(AwsError),
    /// `EntityNotFoundException`: the database, table, tag... does not exist (any more).
    #[error("{0}")]
    NotFound(AwsError),
    /// Anything else: transient ones (throttling, `ConcurrentModificationException`,
    /// `OperationTimeoutException`, 5xx) are tried again, the rest answered.
    #[error("{0}")]
    Failed(AwsError),
}

impl From<AwsError> for LakeFormationError {
    fn from(error: AwsError) -> Self {
        let code = error.code.as_deref().unwrap_or_default();
        let message = error.message.to_ascii_lowercase();
        if code == "InvalidInputException" && message.contains("no permissions revoked") {
            Self::NothingToRevoke(error)
        } else if code == "InvalidInputException" && message.contains("invalid principal") {
            Self::InvalidPrincipal(error)
        } else if error.kind == AwsErrorKind::NotFound {
            Self::NotFound(error)
        } else if code == "OperationTimeoutException" {
            Self::Failed(AwsError {
                kind: AwsErrorKind::Transient,
                ..error
            })
        } else {
            Self::Failed(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(code: &str, message: &str, kind: AwsErrorKind) -> AwsError {
        AwsError {
            operation: "RevokePermissions",
            code: Some(code.to_owned()),
            message: message.to_owned(),
            kind,
        }
    }

    #[test]
    fn lake_formation_answers_are_sorted_by_what_they_mean() {
        let nothing = aws(
            "InvalidInputException",
            "No permissions revoked. Grantee has no permissions and no grantable permissions on resource",
            AwsErrorKind::Invalid,
        );
        assert!(matches!(
            LakeFormationError::from(nothing),
            LakeFormationError::NothingToRevoke(_)
        ));
        let principal = aws(
            "InvalidInputException",
            "Invalid principal: arn:aws:iam::123456789012:role/new",
            AwsErrorKind::Invalid,
        );
        assert!(matches!(
            LakeFormationError::from(principal),
            LakeFormationError::InvalidPrincipal(_)
        ));
        let gone = aws(
            "EntityNotFoundException",
            "Table sales.orders not found.",
            AwsErrorKind::NotFound,
        );
        assert!(matches!(
            LakeFormationError::from(gone),
            LakeFormationError::NotFound(_)
        ));
        let other = aws(
            "InvalidInputException",
            "Permissions modification is invalid.",
            AwsErrorKind::Invalid,
        );
        assert!(matches!(
            LakeFormationError::from(other),
            LakeFormationError::Failed(_)
        ));
    }

    #[test]
    fn an_operation_timeout_is_transient() {
        let timeout = aws(
            "OperationTimeoutException",
            "The operation timed out.",
            AwsErrorKind::Other,
        );
        let LakeFormationError::Failed(error) = LakeFormationError::from(timeout) else {
            panic!("expected Failed");
        };
        assert!(error.is_transient());
    }
}
