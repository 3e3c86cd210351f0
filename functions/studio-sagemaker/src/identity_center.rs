//! IAM Identity Center for an `SSO` domain: who is assigned to the domain's application, so
//! that a user sees Studio in the AWS access portal (feature `identity-center`).
//!
//! SageMaker makes one IAM Identity Center application per `AuthMode SSO` domain
//! (DescribeDomain `SingleSignOnApplicationArn`, "The ARN of the application managed by
//! SageMaker AI in IAM Identity Center"). The SageMaker Developer Guide, "IAM Identity Center
//! Groups in a domain", adds users and groups to a domain from the CLI in exactly these steps:
//! DescribeDomain for `SingleSignOnApplicationArn`, then sso-admin
//! `CreateApplicationAssignment` with the principal's id and type. A principal's id is looked up
//! by name in the instance's identity store (Identity Store API Reference, GetUserId: "For the
//! unique attribute, the only valid paths are `userName` and `emails.value`"; GetGroupId's unique
//! attribute is the group's `displayName`); the store is the application's instance's
//! (sso-admin DescribeApplication `InstanceArn`, DescribeInstance `IdentityStoreId`).
//!
//! The rules, once: [`assign`] makes an assignment only where there is none and says whether it
//! made it (a repeat of the same request finds it and makes nothing); [`unassign`] removes one
//! and treats "already gone" as done. Who owns an assignment (so that a resource removes only
//! what it made) is the caller's to remember: a user profile carries [`SSO_ASSIGNMENT_TAG`].

use std::future::Future;

use lambda_support::AwsError;
use thiserror::Error;

/// Tag on a user profile whose create made its user's application assignment: the profile's
/// delete removes that assignment (and no other).
pub const SSO_ASSIGNMENT_TAG: &str = "studio-catalog:sso-assignment";
/// [`SSO_ASSIGNMENT_TAG`]'s value.
pub const SSO_ASSIGNMENT_CREATED: &str = "created";

/// Whom an assignment names (sso-admin `PrincipalType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// `USER`, looked up by `userName`.
    User,
    /// `GROUP`, looked up by `displayName`.
    Group,
}

impl PrincipalKind {
    /// The identity-store attribute that names a principal of this kind uniquely.
    pub fn unique_attribute(self) -> &'static str {
        match self {
            Self::User => "userName",
            Self::Group => "displayName",
        }
    }

    /// `user` or `group`, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
        }
    }
}

/// A user or group of an identity store, by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The identity store's `UserId` / `GroupId`.
    pub id: String,
}

/// The IAM Identity Center calls an assignment takes: sso-admin and the identity store.
pub trait IdentityCenter: Send + Sync {
    /// The identity store of the instance `application_arn` belongs to (DescribeApplication,
    /// then DescribeInstance).
    fn identity_store_of(
        &self,
        application_arn: &str,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// GetUserId (`userName`) or GetGroupId (`displayName`); `None` if the store has no such
    /// principal (`ResourceNotFoundException`).
    fn principal_id(
        &self,
        identity_store_id: &str,
        kind: PrincipalKind,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
    /// DescribeApplicationAssignment: whether `principal` is assigned to the application itself
    /// (not through a group).
    fn is_assigned(
        &self,
        application_arn: &str,
        principal: &Principal,
    ) -> impl Future<Output = Result<bool, AwsError>> + Send;
    /// CreateApplicationAssignment.
    fn create_assignment(
        &self,
        application_arn: &str,
        principal: &Principal,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteApplicationAssignment.
    fn delete_assignment(
        &self,
        application_arn: &str,
        principal: &Principal,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// What [`assign`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// This call made the assignment: its maker removes it.
    Created(Principal),
    /// It was there already (made by someone else, or by an earlier attempt that did not get
    /// to record it): not this caller's to remove.
    Existing(Principal),
}

impl Assignment {
    /// Whether this call made it.
    pub fn created(&self) -> bool {
        matches!(self, Self::Created(_))
    }
}

/// Why an assignment could not be made.
#[derive(Debug, Error)]
pub enum AssignmentError {
    /// The identity store has no principal of that name.
    #[error(
        "the IAM Identity Center directory {identity_store_id} has no {} whose {} is {name}",
        kind.as_str(),
        kind.unique_attribute()
    )]
    NoSuchPrincipal {
        kind: PrincipalKind,
        name: String,
        identity_store_id: String,
    },
    /// A call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Assigns the principal `name` of `kind` to the application `application_arn`, unless it is
/// assigned already. A `ConflictException` (sso-admin lists it for CreateApplicationAssignment)
/// means another caller assigned it between the look and the create: [`Assignment::Existing`].
pub async fn assign<I: IdentityCenter>(
    identity_center: &I,
    application_arn: &str,
    kind: PrincipalKind,
    name: &str,
) -> Result<Assignment, AssignmentError> {
    let identity_store_id = identity_center.identity_store_of(application_arn).await?;
    let Some(id) = identity_center
        .principal_id(&identity_store_id, kind, name)
        .await?
    else {
        return Err(AssignmentError::NoSuchPrincipal {
            kind,
            name: name.to_owned(),
            identity_store_id,
        });
    };
    let principal = Principal { kind, id };
    if identity_center
        .is_assigned(application_arn, &principal)
        .await?
    {
        return Ok(Assignment::Existing(principal));
    }
    match identity_center
        .create_assignment(application_arn, &principal)
        .await
    {
        Ok(()) => Ok(Assignment::Created(principal)),
        Err(error) if error.is_in_use() => Ok(Assignment::Existing(principal)),
        Err(error) => Err(error.into()),
    }
}

/// Removes the assignment of the principal `name` of `kind` from `application_arn`. Done
/// already (the application, the principal or the assignment is gone) is success: returns
/// whether there was one to remove.
pub async fn unassign<I: IdentityCenter>(
    identity_center: &I,
    application_arn: &str,
    kind: PrincipalKind,
    name: &str,
) -> Result<bool, AwsError> {
    let identity_store_id = match identity_center.identity_store_of(application_arn).await {
        Ok(id) => id,
        Err(error) if error.is_not_found() => return Ok(false),
        Err(error) => return Err(error),
    };
    let Some(id) = identity_center
        .principal_id(&identity_store_id, kind, name)
        .await?
    else {
        return Ok(false);
    };
    unassign_principal(identity_center, application_arn, &Principal { kind, id }).await
}

/// Removes the assignment of `principal`, known by its id (a caller that recorded the id of
/// what it assigned needs no identity-store lookup). Done already (the application, the
/// principal or the assignment is gone) is success: returns whether there was one to remove.
pub async fn unassign_principal<I: IdentityCenter>(
    identity_center: &I,
    application_arn: &str,
    principal: &Principal,
) -> Result<bool, AwsError> {
    match identity_center
        .delete_assignment(application_arn, principal)
        .await
    {
        Ok(()) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(error),
    }
}

/// [`IdentityCenter`] on the SDK's sso-admin and identity-store clients.
pub mod aws {
    use aws_sdk_identitystore::types::{AlternateIdentifier, UniqueAttribute};
    use aws_sdk_ssoadmin::types::PrincipalType;
    use aws_smithy_types::Document;
    use lambda_support::{AwsError, AwsErrorKind};

    use super::{IdentityCenter, Principal, PrincipalKind};

    /// Both clients, built once at cold start.
    #[derive(Debug, Clone)]
    pub struct SdkIdentityCenter {
        sso_admin: aws_sdk_ssoadmin::Client,
        identity_store: aws_sdk_identitystore::Client,
    }

    impl SdkIdentityCenter {
        /// The calls through `sso_admin` and `identity_store`.
        pub fn new(
            sso_admin: aws_sdk_ssoadmin::Client,
            identity_store: aws_sdk_identitystore::Client,
        ) -> Self {
            Self {
                sso_admin,
                identity_store,
            }
        }
    }

    fn missing(operation: &'static str, member: &str) -> AwsError {
        AwsError {
            operation,
            code: None,
            message: format!("the response has no {member}"),
            kind: AwsErrorKind::Other,
        }
    }

    /// Sends `$request` (a Create/DeleteApplicationAssignment builder) for `$principal` on
    /// `$application`, its error as `$operation`'s. A macro, because the SDK's request builders
    /// share no trait.
    macro_rules! assignment_call {
        ($request:expr, $application:expr, $principal:expr, $operation:literal) => {
            $request
                .application_arn($application)
                .principal_id(&$principal.id)
                .principal_type(principal_type($principal.kind))
                .send()
                .await
                .map(|_| ())
                .map_err(|error| AwsError::from_sdk($operation, &error))
        };
    }

    fn principal_type(kind: PrincipalKind) -> PrincipalType {
        match kind {
            PrincipalKind::User => PrincipalType::User,
            PrincipalKind::Group => PrincipalType::Group,
        }
    }

    impl IdentityCenter for SdkIdentityCenter {
        async fn identity_store_of(&self, application_arn: &str) -> Result<String, AwsError> {
            let application = self
                .sso_admin
                .describe_application()
                .application_arn(application_arn)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk("DescribeApplication", &error))?;
            let instance_arn = application
                .instance_arn()
                .ok_or_else(|| missing("DescribeApplication", "InstanceArn"))?;
            let instance = self
                .sso_admin
                .describe_instance()
                .instance_arn(instance_arn)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk("DescribeInstance", &error))?;
            instance
                .identity_store_id()
                .map(str::to_owned)
                .ok_or_else(|| missing("DescribeInstance", "IdentityStoreId"))
        }

        async fn principal_id(
            &self,
            identity_store_id: &str,
            kind: PrincipalKind,
            name: &str,
        ) -> Result<Option<String>, AwsError> {
            let operation = match kind {
                PrincipalKind::User => "GetUserId",
                PrincipalKind::Group => "GetGroupId",
            };
            let attribute = UniqueAttribute::builder()
                .attribute_path(kind.unique_attribute())
                .attribute_value(Document::String(name.to_owned()))
                .build()
                .map_err(|error| AwsError {
                    operation,
                    code: None,
                    message: error.to_string(),
                    kind: AwsErrorKind::Other,
                })?;
            let identifier = AlternateIdentifier::UniqueAttribute(attribute);
            let found = match kind {
                PrincipalKind::User => self
                    .identity_store
                    .get_user_id()
                    .identity_store_id(identity_store_id)
                    .alternate_identifier(identifier)
                    .send()
                    .await
                    .map(|output| output.user_id().to_owned())
                    .map_err(|error| AwsError::from_sdk(operation, &error)),
                PrincipalKind::Group => self
                    .identity_store
                    .get_group_id()
                    .identity_store_id(identity_store_id)
                    .alternate_identifier(identifier)
                    .send()
                    .await
                    .map(|output| output.group_id().to_owned())
                    .map_err(|error| AwsError::from_sdk(operation, &error)),
            };
            match found {
                Ok(id) => Ok(Some(id)),
                Err(error) if error.is_not_found() => Ok(None),
                Err(error) => Err(error),
            }
        }

        async fn is_assigned(
            &self,
            application_arn: &str,
            principal: &Principal,
        ) -> Result<bool, AwsError> {
            match self
                .sso_admin
                .describe_application_assignment()
                .application_arn(application_arn)
                .principal_id(&principal.id)
                .principal_type(principal_type(principal.kind))
                .send()
                .await
            {
                Ok(_) => Ok(true),
                Err(error) => {
                    let error = AwsError::from_sdk("DescribeApplicationAssignment", &error);
                    if error.is_not_found() {
                        Ok(false)
                    } else {
                        Err(error)
                    }
                }
            }
        }

        async fn create_assignment(
            &self,
            application_arn: &str,
            principal: &Principal,
        ) -> Result<(), AwsError> {
            assignment_call!(
                self.sso_admin.create_application_assignment(),
                application_arn,
                principal,
                "CreateApplicationAssignment"
            )
        }

        async fn delete_assignment(
            &self,
            application_arn: &str,
            principal: &Principal,
        ) -> Result<(), AwsError> {
            assignment_call!(
                self.sso_admin.delete_application_assignment(),
                application_arn,
                principal,
                "DeleteApplicationAssignment"
            )
        }
    }
}

/// IAM Identity Center in memory, for the functions' unit tests (feature `test-util`).
#[cfg(any(test, feature = "test-util"))]
pub mod memory {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use lambda_support::{AwsError, AwsErrorKind};

    use super::{IdentityCenter, Principal, PrincipalKind};

    /// The one identity store's id.
    pub const IDENTITY_STORE_ID: &str = "d-1234567890";

    /// What the fake holds.
    #[derive(Debug, Default)]
    pub struct IdentityCenterState {
        /// Application ARNs that exist.
        pub applications: BTreeSet<String>,
        /// (kind, name) -> id, in the one identity store.
        pub principals: BTreeMap<(PrincipalKind, String), String>,
        /// (application ARN, principal).
        pub assignments: BTreeSet<(String, Principal)>,
        /// Every call, as `Operation detail`.
        pub calls: Vec<String>,
        /// The next call of each of these operations fails with its error.
        pub faults: Vec<(String, AwsError)>,
    }

    /// The fake.
    #[derive(Debug, Default)]
    pub struct MemoryIdentityCenter {
        state: Mutex<IdentityCenterState>,
    }

    /// An error of `operation` with `code`, as the fake answers it (and a test injects it).
    pub fn injected(operation: &'static str, code: &str, kind: AwsErrorKind) -> AwsError {
        AwsError {
            operation,
            code: Some(code.to_owned()),
            message: format!("{operation}: {code}"),
            kind,
        }
    }

    impl MemoryIdentityCenter {
        /// The state, to set up or look at (no call recorded).
        pub fn state(&self) -> MutexGuard<'_, IdentityCenterState> {
            self.state.lock().unwrap_or_else(PoisonError::into_inner)
        }

        /// An application that exists.
        pub fn add_application(&self, arn: &str) {
            self.state().applications.insert(arn.to_owned());
        }

        /// A user or group of the identity store; returns its id.
        pub fn add_principal(&self, kind: PrincipalKind, name: &str) -> String {
            let mut state = self.state();
            let id = format!("{}-{}", kind.as_str(), state.principals.len() + 1);
            state.principals.insert((kind, name.to_owned()), id.clone());
            id
        }

        /// Whether the principal `name` is assigned to `application_arn` itself.
        pub fn is_assigned_by_name(
            &self,
            application_arn: &str,
            kind: PrincipalKind,
            name: &str,
        ) -> bool {
            let state = self.state();
            let Some(id) = state.principals.get(&(kind, name.to_owned())) else {
                return false;
            };
            state.assignments.contains(&(
                application_arn.to_owned(),
                Principal {
                    kind,
                    id: id.clone(),
                },
            ))
        }

        /// The next call of `operation` fails with `error`.
        pub fn fail_next(&self, operation: &str, error: AwsError) {
            self.state().faults.push((operation.to_owned(), error));
        }

        /// Every call so far.
        pub fn calls(&self) -> Vec<String> {
            self.state().calls.clone()
        }

        fn call(
            &self,
            operation: &'static str,
            detail: &str,
        ) -> Result<MutexGuard<'_, IdentityCenterState>, AwsError> {
            let mut state = self.state();
            state.calls.push(format!("{operation} {detail}"));
            if let Some(index) = state.faults.iter().position(|(op, _)| op == operation) {
                return Err(state.faults.remove(index).1);
            }
            Ok(state)
        }

        fn application<'a>(
            state: &IdentityCenterState,
            operation: &'static str,
            arn: &'a str,
        ) -> Result<&'a str, AwsError> {
            if state.applications.contains(arn) {
                Ok(arn)
            } else {
                Err(injected(
                    operation,
                    "ResourceNotFoundException",
                    AwsErrorKind::NotFound,
                ))
            }
        }
    }

    impl IdentityCenter for MemoryIdentityCenter {
        async fn identity_store_of(&self, application_arn: &str) -> Result<String, AwsError> {
            let state = self.call("DescribeApplication", application_arn)?;
            Self::application(&state, "DescribeApplication", application_arn)?;
            drop(state);
            drop(self.call("DescribeInstance", IDENTITY_STORE_ID)?);
            Ok(IDENTITY_STORE_ID.to_owned())
        }

        async fn principal_id(
            &self,
            _identity_store_id: &str,
            kind: PrincipalKind,
            name: &str,
        ) -> Result<Option<String>, AwsError> {
            let operation = match kind {
                PrincipalKind::User => "GetUserId",
                PrincipalKind::Group => "GetGroupId",
            };
            let state = self.call(operation, name)?;
            Ok(state.principals.get(&(kind, name.to_owned())).cloned())
        }

        async fn is_assigned(
            &self,
            application_arn: &str,
            principal: &Principal,
        ) -> Result<bool, AwsError> {
            let state = self.call("DescribeApplicationAssignment", &principal.id)?;
            Self::application(&state, "DescribeApplicationAssignment", application_arn)?;
            Ok(state
                .assignments
                .contains(&(application_arn.to_owned(), principal.clone())))
        }

        async fn create_assignment(
            &self,
            application_arn: &str,
            principal: &Principal,
        ) -> Result<(), AwsError> {
            let operation = "CreateApplicationAssignment";
            let mut state = self.call(operation, &principal.id)?;
            Self::application(&state, operation, application_arn)?;
            if !state
                .assignments
                .insert((application_arn.to_owned(), principal.clone()))
            {
                return Err(injected(
                    operation,
                    "ConflictException",
                    AwsErrorKind::InUse,
                ));
            }
            Ok(())
        }

        async fn delete_assignment(
            &self,
            application_arn: &str,
            principal: &Principal,
        ) -> Result<(), AwsError> {
            let operation = "DeleteApplicationAssignment";
            let mut state = self.call(operation, &principal.id)?;
            Self::application(&state, operation, application_arn)?;
            if !state
                .assignments
                .remove(&(application_arn.to_owned(), principal.clone()))
            {
                return Err(injected(
                    operation,
                    "ResourceNotFoundException",
                    AwsErrorKind::NotFound,
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::memory::{MemoryIdentityCenter, injected};
    use super::*;
    use lambda_support::AwsErrorKind;

    const APP: &str =
        "arn:aws:sso::123456789012:application/ssoins-1234567890abcdef/apl-0123456789abcdef";

    fn identity_center() -> MemoryIdentityCenter {
        let identity_center = MemoryIdentityCenter::default();
        identity_center.add_application(APP);
        identity_center.add_principal(PrincipalKind::User, "alice");
        identity_center.add_principal(PrincipalKind::Group, "data-science");
        identity_center
    }

    #[tokio::test]
    async fn an_assignment_is_made_once_and_a_repeat_finds_it() {
        let identity_center = identity_center();

        let first = assign(&identity_center, APP, PrincipalKind::User, "alice")
            .await
            .unwrap();
        let again = assign(&identity_center, APP, PrincipalKind::User, "alice")
            .await
            .unwrap();

        assert!(first.created());
        assert!(!again.created());
        assert!(identity_center.is_assigned_by_name(APP, PrincipalKind::User, "alice"));
        let creates = identity_center
            .calls()
            .iter()
            .filter(|call| call.starts_with("CreateApplicationAssignment"))
            .count();
        assert_eq!(creates, 1);
    }

    #[tokio::test]
    async fn a_group_is_looked_up_by_its_display_name() {
        let identity_center = identity_center();

        let made = assign(&identity_center, APP, PrincipalKind::Group, "data-science")
            .await
            .unwrap();

        assert!(made.created());
        assert!(identity_center.is_assigned_by_name(APP, PrincipalKind::Group, "data-science"));
        assert!(
            identity_center
                .calls()
                .contains(&"GetGroupId data-science".to_owned())
        );
    }

    #[tokio::test]
    async fn a_conflict_on_create_is_someone_elses_assignment() {
        let identity_center = identity_center();
        identity_center.fail_next(
            "CreateApplicationAssignment",
            injected(
                "CreateApplicationAssignment",
                "ConflictException",
                AwsErrorKind::InUse,
            ),
        );

        let made = assign(&identity_center, APP, PrincipalKind::User, "alice")
            .await
            .unwrap();

        assert!(!made.created());
    }

    #[tokio::test]
    async fn an_unknown_user_names_the_directory_and_the_attribute() {
        let identity_center = identity_center();

        let error = assign(&identity_center, APP, PrincipalKind::User, "mallory")
            .await
            .unwrap_err();

        assert_eq!(
            error.to_string(),
            "the IAM Identity Center directory d-1234567890 has no user whose userName is mallory"
        );
        assert!(
            !identity_center
                .calls()
                .iter()
                .any(|call| call.starts_with("CreateApplicationAssignment"))
        );
    }

    #[tokio::test]
    async fn unassign_removes_the_assignment_and_gone_is_done() {
        let identity_center = identity_center();
        assign(&identity_center, APP, PrincipalKind::User, "alice")
            .await
            .unwrap();

        let removed = unassign(&identity_center, APP, PrincipalKind::User, "alice")
            .await
            .unwrap();
        let again = unassign(&identity_center, APP, PrincipalKind::User, "alice")
            .await
            .unwrap();
        let no_app = unassign(
            &identity_center,
            "arn:aws:sso::1:application/x/y",
            PrincipalKind::User,
            "alice",
        )
        .await
        .unwrap();

        assert!(removed);
        assert!(!again);
        assert!(!no_app);
        assert!(!identity_center.is_assigned_by_name(APP, PrincipalKind::User, "alice"));
    }

    #[tokio::test]
    async fn a_failing_call_is_an_error_not_a_success() {
        let identity_center = identity_center();
        identity_center.fail_next(
            "DescribeApplicationAssignment",
            injected(
                "DescribeApplicationAssignment",
                "AccessDeniedException",
                AwsErrorKind::AccessDenied,
            ),
        );

        let error = assign(&identity_center, APP, PrincipalKind::User, "alice")
            .await
            .unwrap_err();

        assert!(matches!(error, AssignmentError::Aws(_)));
        assert!(!identity_center.is_assigned_by_name(APP, PrincipalKind::User, "alice"));
    }
}
