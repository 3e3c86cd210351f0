//! Waiting until a domain or a user profile is `InService`, once for both.
//!
//! SageMaker's statuses (the `DomainStatus` and `UserProfileStatus` enums of the SageMaker API
//! model): `Pending`, `InService`, `Updating`, `Deleting`, `Failed`, `Update_Failed`,
//! `Delete_Failed`. `InService` is the end of a create or update; a `*Failed` status will not
//! change by waiting (SageMaker gives the `FailureReason`); `Deleting` means the resource goes
//! away, which no wait for `InService` survives; anything else is on the way.
//!
//! [`Readiness`] is the rule, protocol-free; `is_in_service` (feature `custom-resource`)
//! reads it as a custom resource's answer.

use aws_sdk_sagemaker::types::{DomainStatus, SpaceStatus, UserProfileStatus};
#[cfg(feature = "custom-resource")]
use cfn_custom_resource::ResourceError;

/// Where a resource is on its way to `InService`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// `InService`.
    InService,
    /// Still changing (`Pending`, `Updating`, or a status SageMaker left out).
    OnTheWay,
    /// Being deleted.
    Deleting,
    /// `Failed`, `Update_Failed` or `Delete_Failed`.
    Failed,
}

/// A status whose [`Readiness`] is known.
pub trait Status: std::fmt::Display {
    /// Where the resource is on its way to `InService`.
    fn readiness(&self) -> Readiness;
}

/// The rule once for both enums, which name their statuses alike but share no trait.
macro_rules! readiness_of {
    ($($status:ty),+) => {$(
        impl Status for $status {
            fn readiness(&self) -> Readiness {
                match self {
                    Self::InService => Readiness::InService,
                    Self::Deleting => Readiness::Deleting,
                    Self::Failed | Self::UpdateFailed | Self::DeleteFailed => Readiness::Failed,
                    _ => Readiness::OnTheWay,
                }
            }
        }
    )+};
}

readiness_of!(DomainStatus, UserProfileStatus, SpaceStatus);

/// One look at a resource waited for: `Ok(true)` once it is `InService`, `Ok(false)` while it
/// is on the way, and a permanent error, naming `what` (e.g. "Domain d-…"), once it failed
/// (with SageMaker's `FailureReason`) or is being deleted. Feature `custom-resource`; without
/// it, [`Status::readiness`] is the same rule, protocol-free.
#[cfg(feature = "custom-resource")]
pub fn is_in_service(
    what: &str,
    status: &impl Status,
    failure_reason: Option<&str>,
) -> Result<bool, ResourceError> {
    match status.readiness() {
        Readiness::InService => Ok(true),
        Readiness::OnTheWay => Ok(false),
        Readiness::Failed => Err(ResourceError::permanent(format!(
            "{what} is {status}: {}",
            failure_reason.unwrap_or("SageMaker gave no FailureReason")
        ))),
        Readiness::Deleting => Err(ResourceError::permanent(format!("{what} is being deleted"))),
    }
}

#[cfg(test)]
mod readiness_tests {
    use super::*;

    #[test]
    fn domain_and_profile_statuses_read_the_same_way() {
        for (status, readiness) in [
            ("InService", Readiness::InService),
            ("Pending", Readiness::OnTheWay),
            ("Updating", Readiness::OnTheWay),
            ("", Readiness::OnTheWay),
            ("Deleting", Readiness::Deleting),
            ("Failed", Readiness::Failed),
            ("Update_Failed", Readiness::Failed),
            ("Delete_Failed", Readiness::Failed),
        ] {
            assert_eq!(
                DomainStatus::from(status).readiness(),
                readiness,
                "{status}"
            );
            assert_eq!(
                UserProfileStatus::from(status).readiness(),
                readiness,
                "{status}"
            );
        }
    }
}

#[cfg(all(test, feature = "custom-resource"))]
mod tests {
    use super::*;

    #[test]
    fn in_service_is_the_end_and_pending_or_updating_are_on_the_way() {
        assert!(is_in_service("Domain d-a", &DomainStatus::InService, None).unwrap());
        for status in [
            DomainStatus::Pending,
            DomainStatus::Updating,
            DomainStatus::from(""),
        ] {
            assert!(
                !is_in_service("Domain d-a", &status, None).unwrap(),
                "{status}"
            );
        }
    }

    #[test]
    fn a_failed_status_fails_at_once_with_sagemakers_reason() {
        let error = is_in_service(
            "User profile alice of domain d-a",
            &UserProfileStatus::Failed,
            Some("The execution role cannot be assumed"),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "User profile alice of domain d-a is Failed: The execution role cannot be assumed"
        );
        let error = is_in_service("Domain d-a", &DomainStatus::UpdateFailed, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Domain d-a is Update_Failed: SageMaker gave no FailureReason"
        );
    }

    #[test]
    fn a_resource_being_deleted_is_never_waited_for() {
        let error =
            is_in_service("User profile alice", &UserProfileStatus::Deleting, None).unwrap_err();
        assert_eq!(error.to_string(), "User profile alice is being deleted");
    }
}
