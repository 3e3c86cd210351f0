//! `Custom::StudioUserProfile`: a SageMaker Studio user profile, tagged with the identity it
//! belongs to, as a CloudFormation custom resource.
//!
//! Data scientists are kept apart by attribute-based access control: each profile carries the
//! tag `studiouserid=<identity>`, and a data scientist may open only the profile whose tag equals
//! their own identity. The physical id is the profile's ARN.
//!
//! - **Execution role**: a role given (`ExecutionRoleArn` or `UserSettings.ExecutionRole`) must
//!   be the domain's default execution role or a role made for this very profile, tagged
//!   `studio-catalog:user-profile = <domain id>/<profile name>` (the user-profile product tags
//!   its role so); anything else, another user's role above all, is refused (FAILED, naming
//!   ExecutionRoleArn and what was expected) before CreateUserProfile or UpdateUserProfile.
//!   Whoever may invoke the function would otherwise hand any product role to any profile.
//! - **Create** checks the properties (SageMaker's name rule first), finds a profile this very
//!   request created before (a duplicate delivery) by its ownership tags or creates one with the
//!   `studiouserid` tag, the template's tags and the ownership tags, then waits until it is
//!   `InService` (failing fast on `Failed`). A profile of that name that this request did not
//!   create is never adopted.
//! - **Update** changes `ExecutionRoleArn` and `UserSettings` in place (UpdateUserProfile, then
//!   wait for `InService`) and `StudioUserId` and `Tags` in place (AddTags/DeleteTags): unlike
//!   `AWS::SageMaker::UserProfile`, a tag change never replaces the profile and its home
//!   directory. A change of `DomainId` or `UserProfileName` creates a new profile, whose ARN
//!   CloudFormation sees as a replacement (it then deletes the old one).
//! - **Delete** acts only on the profile its physical id names: it deletes the profile's apps
//!   that have not failed, its private spaces and their apps, waits for them, then deletes the
//!   profile and waits until it is gone. SageMaker deletes a profile only once every space it
//!   owns is gone, shared ones too: a shared space (which others may use) is deleted only with
//!   `DeleteSharedSpaces: "true"`; without it the delete fails at once naming the spaces, with
//!   nothing touched. A JupyterLab/Code Editor space it would delete keeps its work on its own
//!   EBS volume: without `DeleteSpaceData: "true"` the delete fails at once naming those spaces,
//!   nothing touched (`studio_sagemaker::spaces`). Already gone is success; a physical id that is not a
//!   user-profile ARN is success with nothing touched; a profile another stack owns is left
//!   alone.
//! - **IAM Identity Center** (an `SSO` domain): before CreateUserProfile, the profile's user
//!   (`SingleSignOnUserValue`) is assigned to the domain's Identity Center application, so that
//!   they see Studio in the access portal (SageMaker requires the user, or a group holding them,
//!   to be assigned before it creates the profile). An assignment that was there already is left
//!   as it is; one this create made is marked on the profile (`studio-catalog:sso-assignment`),
//!   undone if the create then fails, and removed by the delete, unless another profile of the
//!   domain is the same user's (`studio_sagemaker::identity_center`).

pub mod aws;
pub mod ports;
pub mod properties;
#[cfg(test)]
mod resource_tests;

use aws_sdk_sagemaker::types::{AppStatus, SpaceStatus, UserProfileStatus};
use cfn_custom_resource::{
    AwsError, Completed, CustomResource, CustomResourceRequest, Progress, ResourceError, Tag,
};
use serde::{Deserialize, Serialize};
use studio_sagemaker::guardrails::refuse_loosened_guardrails;
use studio_sagemaker::identity_center::{
    self, Assignment, AssignmentError, IdentityCenter, PrincipalKind, SSO_ASSIGNMENT_CREATED,
    SSO_ASSIGNMENT_TAG,
};
use studio_sagemaker::in_service::is_in_service;
use studio_sagemaker::ownership::{created_by, owned_by_another_stack, ownership_tags, tag_value};
use studio_sagemaker::spaces::refuse_deleting_work;
use studio_sagemaker::tagging::update_tags;
use studio_sagemaker::{STUDIO_USER_ID_TAG, sagemaker_tags};
use tracing::{info, warn};

use crate::ports::{
    App, AppOwner, ExecutionRoles, IdleShutdownApp, NewUserProfile, StudioUserProfiles,
    UserProfile, UserProfileArn,
};

/// The tag that ties an execution role to the one profile it is made for:
/// `<domain id>/<profile name>` (set by `templates/studio-user-profile.yaml`).
pub const USER_PROFILE_ROLE_TAG: &str = "studio-catalog:user-profile";
use crate::properties::UserProfileProperties;

/// What an unfinished operation on a user profile carries to its next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserProfileState {
    /// The profile exists (created by this request); wait until it is `InService`.
    Creating,
    /// An update waits for the profile to be `InService` before sending UpdateUserProfile;
    /// the tags are already updated.
    AwaitingReady,
    /// UpdateUserProfile was sent; wait until the profile is `InService` again.
    Updating,
    /// The delete is under way: apps, owned spaces, then the profile.
    Deleting,
}

/// The `Custom::StudioUserProfile` resource.
#[derive(Debug)]
pub struct StudioUserProfile<S, R, I> {
    studio: S,
    roles: R,
    identity_center: I,
}

impl<S: StudioUserProfiles, R: ExecutionRoles, I: IdentityCenter> StudioUserProfile<S, R, I> {
    /// The resource, calling SageMaker through `studio`, IAM through `roles` and IAM Identity
    /// Center through `identity_center`.
    pub fn new(studio: S, roles: R, identity_center: I) -> Self {
        Self {
            studio,
            roles,
            identity_center,
        }
    }

    /// For a profile of an `SSO` domain: assigns its user to the domain's IAM Identity Center
    /// application, unless they are assigned already; answers the application and what was
    /// done. `None` for a profile without `SingleSignOnUserValue`, and for a domain without an
    /// application (SageMaker returns `SingleSignOnApplicationArn` "only for domains created
    /// after October 1, 2023"; assign such a domain's users in the console, as its guide says).
    async fn assign_single_sign_on_user(
        &self,
        properties: &UserProfileProperties,
    ) -> Result<Option<(String, Assignment)>, ResourceError> {
        let (_, Some(user)) = properties.single_sign_on() else {
            return Ok(None);
        };
        let domain_id = properties.domain_id.as_str();
        let Some(domain) = self.studio.describe_domain(domain_id).await? else {
            return Err(ResourceError::permanent(format!(
                "DescribeDomain found no domain {domain_id}. Check DomainId: the domain {domain_id} must exist"
            )));
        };
        let Some(application_arn) = domain.single_sign_on_application_arn else {
            info!(%domain_id, "the domain has no IAM Identity Center application to assign the user to");
            return Ok(None);
        };
        match identity_center::assign(
            &self.identity_center,
            &application_arn,
            PrincipalKind::User,
            user,
        )
        .await
        {
            Ok(assignment) => {
                info!(%application_arn, created = assignment.created(), "the user is assigned to the domain's IAM Identity Center application");
                Ok(Some((application_arn, assignment)))
            }
            Err(error @ AssignmentError::NoSuchPrincipal { .. }) => {
                Err(ResourceError::invalid_property(
                    "SingleSignOnUserValue",
                    format!(
                        "{user} is not a user of domain {domain_id}'s IAM Identity Center: {error}. Expected the user name of a user in that directory; nothing was created"
                    ),
                ))
            }
            Err(AssignmentError::Aws(error)) => Err(error.into()),
        }
    }

    /// Undoes an assignment this create made, when the create does not go on: best effort, a
    /// failure is logged (the create's own error is the answer).
    async fn undo_assignment(&self, assigned: &Option<(String, Assignment)>) {
        // The principal assign() found: no second identity-store lookup.
        let Some((application_arn, Assignment::Created(principal))) = assigned else {
            return;
        };
        if let Err(error) =
            identity_center::unassign_principal(&self.identity_center, application_arn, principal)
                .await
        {
            warn!(%application_arn, %error, "could not undo the IAM Identity Center assignment this create made");
        }
    }

    /// Before DeleteUserProfile of a profile whose create made its user's assignment: removes
    /// it, unless another profile of the domain is the same user's (it would lose the portal).
    async fn release_single_sign_on_user(
        &self,
        domain_id: &str,
        name: &str,
        user: &str,
    ) -> Result<(), ResourceError> {
        let Some(domain) = self.studio.describe_domain(domain_id).await? else {
            return Ok(());
        };
        let Some(application_arn) = domain.single_sign_on_application_arn else {
            return Ok(());
        };
        for other in self.studio.list_user_profiles(domain_id).await? {
            if other.user_profile_name == name {
                continue;
            }
            let same_user = self
                .studio
                .describe_user_profile(domain_id, &other.user_profile_name)
                .await?
                .and_then(|profile| profile.single_sign_on_user_value)
                .is_some_and(|value| value == user);
            if same_user {
                info!(%application_arn, other_profile = %other.user_profile_name, "another profile of the domain is the same user's: the IAM Identity Center assignment stays");
                return Ok(());
            }
        }
        let removed = identity_center::unassign(
            &self.identity_center,
            &application_arn,
            PrincipalKind::User,
            user,
        )
        .await?;
        info!(%application_arn, removed, "removed the IAM Identity Center assignment this profile's create made");
        Ok(())
    }

    /// Refuses an execution role that is neither the domain's default nor made for this
    /// profile. The domain's default role is every profile's by design (SageMaker API
    /// Reference, CreateUserProfile: a profile without `ExecutionRole` uses the domain's
    /// `DefaultUserSettings.ExecutionRole`), so it stays allowed, given or not.
    async fn check_execution_role(
        &self,
        properties: &UserProfileProperties,
        role_arn: &str,
    ) -> Result<(), ResourceError> {
        let domain_id = properties.domain_id.as_str();
        let name = properties.user_profile_name.as_str();
        let expected = format!("{domain_id}/{name}");
        let Some(domain) = self.studio.describe_domain(domain_id).await? else {
            return Err(ResourceError::permanent(format!(
                "DescribeDomain found no domain {domain_id}. Check DomainId: the domain {domain_id} must exist"
            )));
        };
        let default_role = domain.default_execution_role;
        if default_role.as_deref() == Some(role_arn) {
            return Ok(());
        }
        let refuse = |found: String| {
            let alternative = default_role
                .as_deref()
                .map(|role| format!(", or the domain's default execution role {role}"))
                .unwrap_or_default();
            ResourceError::permanent(format!(
                "ExecutionRoleArn {role_arn} is not an execution role made for user profile {name} of domain {domain_id}: {found}. Expected a role tagged {USER_PROFILE_ROLE_TAG}={expected} (the user-profile product's own role){alternative}; nothing was done"
            ))
        };
        // An IAM role ARN is arn:<partition>:iam::<account>:role/<path><name>; GetRole takes
        // the name alone (IAM API Reference, GetRole: RoleName).
        let role_name = role_arn.rsplit('/').next().unwrap_or_default();
        let Some(role) = self.roles.get_role(role_name).await? else {
            return Err(refuse("IAM has no role of that name".to_owned()));
        };
        if role.arn != role_arn {
            return Err(refuse(format!(
                "the role of that name in this account is {}",
                role.arn
            )));
        }
        match role.tag(USER_PROFILE_ROLE_TAG) {
            Some(value) if value == expected => {
                info!(execution_role = %role_arn, "the execution role is made for this user profile");
                Ok(())
            }
            Some(value) => Err(refuse(format!(
                "it is tagged {USER_PROFILE_ROLE_TAG}={value}"
            ))),
            None => Err(refuse(format!("it has no {USER_PROFILE_ROLE_TAG} tag"))),
        }
    }

    /// Refuses idle shutdown settings that loosen the domain's: a profile may only tighten them.
    /// The domain's `MaxIdleTimeoutInMinutes` is "the maximum value in minutes that custom idle
    /// shutdown can be set to by the user" (SageMaker API Reference, IdleSettings), so a profile's
    /// `IdleTimeoutInMinutes` or `MaxIdleTimeoutInMinutes` above it, or `LifecycleManagement`
    /// `DISABLED` where the domain's is `ENABLED`, is refused (FAILED, naming the property) before
    /// CreateUserProfile or UpdateUserProfile. Not confirmed that SageMaker refuses them itself;
    /// the launch form cannot compare numbers (CloudFormation rules have no less-than), so the
    /// function does. A domain without a maximum for an app type bounds nothing there.
    async fn check_idle_shutdown(
        &self,
        properties: &UserProfileProperties,
    ) -> Result<(), ResourceError> {
        let Some(settings) = &properties.user_settings else {
            return Ok(());
        };
        let asked: Vec<_> = IdleShutdownApp::ALL
            .into_iter()
            .filter_map(|app| {
                let app_settings = match app {
                    IdleShutdownApp::JupyterLab => &settings.jupyter_lab_app_settings,
                    IdleShutdownApp::CodeEditor => &settings.code_editor_app_settings,
                };
                app_settings
                    .as_ref()
                    .and_then(|app_settings| app_settings.app_lifecycle_management.as_ref())
                    .and_then(|management| management.idle_settings.as_ref())
                    .map(|idle| (app, idle))
            })
            .collect();
        if asked.is_empty() {
            return Ok(());
        }
        let domain_id = properties.domain_id.as_str();
        let Some(domain) = self.studio.domain_idle_shutdown(domain_id).await? else {
            return Err(ResourceError::permanent(format!(
                "DescribeDomain found no domain {domain_id}. Check DomainId: the domain {domain_id} must exist"
            )));
        };
        for (app, idle) in asked {
            let path = format!(
                "UserSettings.{}AppSettings.AppLifecycleManagement.IdleSettings",
                app.as_str()
            );
            let Some(bounds) = domain.get(app) else {
                continue;
            };
            if bounds.enabled == Some(true)
                && idle.lifecycle_management.as_deref() == Some("DISABLED")
            {
                return Err(ResourceError::invalid_property(
                    format!("{path}.LifecycleManagement"),
                    format!(
                        "DISABLED would turn off the idle shutdown domain {domain_id} turns on; a user profile may only tighten it (a shorter IdleTimeoutInMinutes). Nothing was done"
                    ),
                ));
            }
            let Some(max) = bounds.max_timeout_minutes else {
                continue;
            };
            for (field, value) in [
                ("IdleTimeoutInMinutes", idle.idle_timeout_in_minutes),
                ("MaxIdleTimeoutInMinutes", idle.max_idle_timeout_in_minutes),
            ] {
                if let Some(value) = value
                    && value > max
                {
                    return Err(ResourceError::invalid_property(
                        format!("{path}.{field}"),
                        format!(
                            "{value} minutes is above domain {domain_id}'s MaxIdleTimeoutInMinutes {max}; a user profile may only tighten the domain's idle shutdown. Nothing was done"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// One step of creating a profile (also used for a replacement on update).
    async fn create_step(
        &self,
        request: &CustomResourceRequest,
        properties: &UserProfileProperties,
        state: Option<UserProfileState>,
    ) -> Result<Progress<UserProfileState>, ResourceError> {
        let domain_id = properties.domain_id.as_str();
        let name = properties.user_profile_name.as_str();
        if state == Some(UserProfileState::Creating) {
            let Some(profile) = self.studio.describe_user_profile(domain_id, name).await? else {
                return Err(ResourceError::permanent(format!(
                    "User profile {name} of domain {domain_id} disappeared while waiting for it to be InService"
                )));
            };
            return until_in_service(UserProfileState::Creating, &profile);
        }

        properties.validate()?;
        let profile = match self.studio.describe_user_profile(domain_id, name).await? {
            Some(profile) => profile,
            None => {
                if let Some(role) = properties.execution_role() {
                    self.check_execution_role(properties, role).await?;
                }
                self.check_idle_shutdown(properties).await?;
                refuse_loosened_guardrails(
                    &self.studio,
                    &properties.domain_id,
                    properties.user_settings.as_ref(),
                )
                .await?;
                let mut new_profile = new_user_profile(request, properties)?;
                let assigned = self.assign_single_sign_on_user(properties).await?;
                let assignment_created = assigned
                    .as_ref()
                    .is_some_and(|(_, assignment)| assignment.created());
                if assignment_created {
                    new_profile.tags.push(sso_assignment_tag());
                }
                match self.studio.create_user_profile(&new_profile).await {
                    Ok(arn) => {
                        info!(user_profile_arn = %arn, "created the user profile");
                        return Ok(Progress::waiting(
                            UserProfileState::Creating,
                            format!("user profile {name} to be InService"),
                        )
                        .naming(arn));
                    }
                    // Created in the meantime: by a duplicate delivery of this request, or not.
                    Err(error) if error.is_in_use() => {
                        match self.studio.describe_user_profile(domain_id, name).await? {
                            Some(profile) => {
                                let tags = self.studio.list_tags(&profile.user_profile_arn).await?;
                                if !created_by(&tags, request) {
                                    self.undo_assignment(&assigned).await;
                                } else if assignment_created
                                    && tag_value(&tags, SSO_ASSIGNMENT_TAG).is_none()
                                {
                                    // The duplicate created the profile without knowing that
                                    // this delivery made the assignment: mark it, so that the
                                    // delete removes it.
                                    self.studio
                                        .add_tags(
                                            &profile.user_profile_arn,
                                            vec![sso_assignment_tag()],
                                        )
                                        .await?;
                                }
                                profile
                            }
                            None => {
                                self.undo_assignment(&assigned).await;
                                return Err(ResourceError::retryable(error.to_string()));
                            }
                        }
                    }
                    Err(error) if error.is_not_found() => {
                        self.undo_assignment(&assigned).await;
                        return Err(ResourceError::permanent(format!(
                            "{error}. Check DomainId: the domain {domain_id} must exist"
                        )));
                    }
                    Err(error) => {
                        self.undo_assignment(&assigned).await;
                        return Err(error.into());
                    }
                }
            }
        };
        let tags = self.studio.list_tags(&profile.user_profile_arn).await?;
        if !created_by(&tags, request) {
            return Err(ResourceError::permanent(format!(
                "A user profile named {name} already exists in domain {domain_id}, and this request did not create it; it was left untouched. Choose another UserProfileName, or delete that profile first"
            )));
        }
        info!(user_profile_arn = %profile.user_profile_arn, "found the user profile this request created before");
        // Named before anything else can fail, as after a create.
        Ok(Progress::waiting(
            UserProfileState::Creating,
            format!("user profile {name} to be InService"),
        )
        .naming(profile.user_profile_arn))
    }

    /// One step of an in-place update of the profile `properties` name.
    async fn update_in_place(
        &self,
        properties: &UserProfileProperties,
        old: &UserProfileProperties,
        tags_updated: bool,
    ) -> Result<Progress<UserProfileState>, ResourceError> {
        let domain_id = properties.domain_id.as_str();
        let name = properties.user_profile_name.as_str();
        let Some(profile) = self.studio.describe_user_profile(domain_id, name).await? else {
            return Err(ResourceError::permanent(format!(
                "User profile {name} of domain {domain_id} does not exist, so it cannot be updated. Delete the resource from the stack, or recreate the profile"
            )));
        };
        if !tags_updated {
            self.update_tags(&profile.user_profile_arn, properties, old)
                .await?;
        }
        if !properties.settings_differ(old) {
            return Ok(Progress::Done(completed(&profile)));
        }
        match profile.status {
            UserProfileStatus::Pending | UserProfileStatus::Updating => {
                return Ok(Progress::waiting(
                    UserProfileState::AwaitingReady,
                    format!(
                        "user profile {name} to be InService before updating it (now {})",
                        profile.status
                    ),
                ));
            }
            UserProfileStatus::Deleting => {
                return Err(ResourceError::permanent(format!(
                    "User profile {name} of domain {domain_id} is being deleted; it cannot be updated"
                )));
            }
            // SageMaker updates only a profile that is InService or whose last update failed.
            UserProfileStatus::Failed | UserProfileStatus::DeleteFailed => {
                return Err(ResourceError::permanent(format!(
                    "User profile {name} of domain {domain_id} is {}: {}. It cannot be updated; change UserProfileName to replace it",
                    profile.status,
                    profile
                        .failure_reason
                        .as_deref()
                        .unwrap_or("SageMaker gave no FailureReason")
                )));
            }
            _ => {}
        }
        let role = match properties.execution_role() {
            Some(role) => Some(role.to_owned()),
            // Given before, removed now: back to the domain's role.
            None if old.execution_role().is_some() => {
                let domain = self.studio.describe_domain(domain_id).await?;
                let Some(role) = domain.and_then(|domain| domain.default_execution_role) else {
                    return Err(ResourceError::permanent(format!(
                        "ExecutionRoleArn was removed, and domain {domain_id} has no default execution role to fall back to; give ExecutionRoleArn"
                    )));
                };
                Some(role)
            }
            None => None,
        };
        let Some(settings) = properties.user_settings_for_update(old, role.as_deref())? else {
            return Ok(Progress::Done(completed(&profile)));
        };
        match self
            .studio
            .update_user_profile(domain_id, name, &settings)
            .await
        {
            Ok(()) => {}
            Err(error) if error.is_in_use() => {
                return Ok(Progress::waiting(
                    UserProfileState::AwaitingReady,
                    format!("user profile {name} to be free to update ({error})"),
                ));
            }
            Err(error) => return Err(error.into()),
        }
        info!(user_profile_arn = %profile.user_profile_arn, execution_role = ?role, "updated the user profile's settings");
        Ok(Progress::waiting(
            UserProfileState::Updating,
            format!("user profile {name} to be InService after the update"),
        ))
    }

    /// Brings the profile's `studiouserid` and template tags to `properties`, leaving the
    /// ownership tags and tags the stack never set alone.
    async fn update_tags(
        &self,
        arn: &str,
        properties: &UserProfileProperties,
        old: &UserProfileProperties,
    ) -> Result<(), AwsError> {
        let mut desired = properties.tags.clone();
        desired.push(Tag {
            key: STUDIO_USER_ID_TAG.to_owned(),
            value: properties.studio_user_id().to_owned(),
        });
        update_tags(&self.studio, arn, &desired, &old.tags).await
    }

    /// One step of waiting for an update to finish.
    async fn until_updated(
        &self,
        properties: &UserProfileProperties,
    ) -> Result<Progress<UserProfileState>, ResourceError> {
        let domain_id = properties.domain_id.as_str();
        let name = properties.user_profile_name.as_str();
        let Some(profile) = self.studio.describe_user_profile(domain_id, name).await? else {
            return Err(ResourceError::permanent(format!(
                "User profile {name} of domain {domain_id} disappeared while being updated"
            )));
        };
        until_in_service(UserProfileState::Updating, &profile)
    }

    /// One step of deleting: each step looks at what is left and moves it one stage on, so a
    /// repeated step (a retry, a duplicate delivery) is harmless.
    async fn delete_step(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &UserProfileProperties,
    ) -> Result<Progress<UserProfileState>, ResourceError> {
        let Some(arn) = UserProfileArn::parse(physical_resource_id) else {
            return Ok(Progress::Done(
                Completed::new(physical_resource_id)
                    .with_reason("Nothing to delete: the physical id is not a user profile's ARN"),
            ));
        };
        let domain_id = arn.domain_id.as_str();
        // The properties spell the name as SageMaker knows it (an ARN may be lower case).
        let name = if arn.names(&properties.domain_id, &properties.user_profile_name) {
            properties.user_profile_name.as_str()
        } else {
            arn.user_profile_name.as_str()
        };
        let gone = || {
            Ok(Progress::Done(
                Completed::new(physical_resource_id).with_reason(format!(
                    "User profile {name} of domain {domain_id} is deleted"
                )),
            ))
        };
        let waiting = |what: String| Ok(Progress::waiting(UserProfileState::Deleting, what));

        let Some(profile) = self.studio.describe_user_profile(domain_id, name).await? else {
            info!(%domain_id, user_profile_name = %name, "the user profile is gone");
            return gone();
        };
        if profile.status == UserProfileStatus::Deleting {
            return waiting(format!("user profile {name} to be deleted"));
        }
        let tags = match self.studio.list_tags(&profile.user_profile_arn).await {
            Ok(tags) => tags,
            Err(error) if error.is_not_found() => {
                return waiting(format!("user profile {name} to be deleted"));
            }
            Err(error) => return Err(error.into()),
        };
        if owned_by_another_stack(&tags, request) {
            info!(user_profile_arn = %profile.user_profile_arn, "the user profile belongs to another stack; leaving it alone");
            return Ok(Progress::Done(Completed::new(physical_resource_id).with_reason(
                format!("User profile {name} of domain {domain_id} belongs to another stack; it was left untouched"),
            )));
        }
        if matches!(
            profile.status,
            UserProfileStatus::Pending | UserProfileStatus::Updating
        ) {
            return waiting(format!(
                "user profile {name} to be InService before deleting it (now {})",
                profile.status
            ));
        }

        // SageMaker deletes a profile only once every space it owns is gone, shared ones too.
        // A shared space may be in use by others: it goes only when the template says so, and
        // otherwise the delete fails now, before anything is touched, rather than wait for
        // what cannot happen.
        let spaces: Vec<_> = self
            .studio
            .list_spaces(domain_id)
            .await?
            .into_iter()
            .filter(|space| space.is_owned_by(name))
            .collect();
        let shared: Vec<&str> = spaces
            .iter()
            .filter(|space| !space.is_private_to(name))
            .map(|space| space.space_name.as_str())
            .collect();
        if !shared.is_empty() && !properties.delete_shared_spaces {
            return Err(ResourceError::permanent(format!(
                "User profile {name} of domain {domain_id} owns shared space(s) {}, which SageMaker requires to be deleted before the profile, and others may be using them; nothing was deleted. Delete or hand over those spaces first, or set DeleteSharedSpaces to \"true\" to delete them and their apps with the profile",
                shared.join(", ")
            )));
        }
        // A JupyterLab/Code Editor space's work goes with it: refused unless DeleteSpaceData,
        // before anything is touched (the rule is studio_sagemaker::spaces's).
        refuse_deleting_work(
            &format!("Deleting user profile {name} of domain {domain_id}"),
            &spaces,
            properties.delete_space_data,
        )?;
        let mut apps = self
            .studio
            .list_apps(domain_id, Some(&AppOwner::UserProfile(name.to_owned())))
            .await?;
        for space in &spaces {
            let owner = AppOwner::Space(space.space_name.clone());
            apps.extend(self.studio.list_apps(domain_id, Some(&owner)).await?);
        }

        let mut busy_apps = 0;
        for app in apps.iter().filter(|app| is_alive(app)) {
            busy_apps += 1;
            if app.status == AppStatus::Deleting {
                continue;
            }
            info!(app_type = %app.app_type, app_name = %app.app_name, owner = %app.owner, "deleting app");
            match self.studio.delete_app(domain_id, app).await {
                Ok(()) => {}
                // Gone already, or not deletable yet (Pending): look again next step.
                Err(error) if error.is_not_found() || error.is_in_use() => {}
                Err(error) => return Err(error.into()),
            }
        }
        for space in &spaces {
            let has_apps = apps
                .iter()
                .any(|app| app.owner == AppOwner::Space(space.space_name.clone()) && is_alive(app));
            if has_apps
                || matches!(
                    space.status,
                    SpaceStatus::Deleting | SpaceStatus::Pending | SpaceStatus::Updating
                )
            {
                continue;
            }
            info!(space_name = %space.space_name, sharing_type = ?space.sharing_type, "deleting space");
            match self.studio.delete_space(domain_id, &space.space_name).await {
                Ok(()) => {}
                Err(error) if error.is_not_found() || error.is_in_use() => {}
                Err(error) => return Err(error.into()),
            }
        }
        if busy_apps > 0 || !spaces.is_empty() {
            let mut left = Vec::new();
            if busy_apps > 0 {
                left.push(format!("{busy_apps} app(s)"));
            }
            if !spaces.is_empty() {
                left.push(format!("{} space(s)", spaces.len()));
            }
            return waiting(format!(
                "{} of user profile {name} to be deleted",
                left.join(" and ")
            ));
        }

        // The assignment this profile's create made goes with it (studio_sagemaker::identity_center).
        if tag_value(&tags, SSO_ASSIGNMENT_TAG) == Some(SSO_ASSIGNMENT_CREATED)
            && let Some(user) = profile
                .single_sign_on_user_value
                .as_deref()
                .or(properties.single_sign_on_user_value.as_deref())
        {
            self.release_single_sign_on_user(domain_id, name, user)
                .await?;
        }
        info!(user_profile_arn = %profile.user_profile_arn, "deleting the user profile");
        match self.studio.delete_user_profile(domain_id, name).await {
            Ok(()) => {}
            Err(error) if error.is_not_found() => return gone(),
            // An app or a space was created in the meantime: look again next step.
            Err(error) if error.is_in_use() => {
                return waiting(format!(
                    "user profile {name} to be free to delete ({error})"
                ));
            }
            Err(error) => return Err(error.into()),
        }
        waiting(format!("user profile {name} to be deleted"))
    }
}

/// Whether an app still counts: neither deleted nor failed (a failed app is not deleted).
fn is_alive(app: &App) -> bool {
    !matches!(app.status, AppStatus::Deleted | AppStatus::Failed)
}

/// Done once the profile is `InService`; fails fast on a failure status.
fn until_in_service(
    state: UserProfileState,
    profile: &UserProfile,
) -> Result<Progress<UserProfileState>, ResourceError> {
    let name = &profile.user_profile_name;
    let what = format!("User profile {name} of domain {}", profile.domain_id);
    if is_in_service(&what, &profile.status, profile.failure_reason.as_deref())? {
        return Ok(Progress::Done(completed(profile)));
    }
    Ok(Progress::waiting(
        state,
        format!(
            "user profile {name} to be InService (now {})",
            profile.status
        ),
    )
    .naming(&profile.user_profile_arn))
}

/// The answer for a profile that is ready: its ARN and attributes.
fn completed(profile: &UserProfile) -> Completed {
    Completed::new(&profile.user_profile_arn)
        .with_data("UserProfileArn", &profile.user_profile_arn)
        .with_data("UserProfileName", &profile.user_profile_name)
        .with_data("DomainId", &profile.domain_id)
        .with_data("HomeEfsFileSystemUid", &profile.home_efs_file_system_uid)
}

/// The tag that marks a profile whose create made its user's IAM Identity Center assignment.
fn sso_assignment_tag() -> aws_sdk_sagemaker::types::Tag {
    aws_sdk_sagemaker::types::Tag::builder()
        .key(SSO_ASSIGNMENT_TAG)
        .value(SSO_ASSIGNMENT_CREATED)
        .build()
}

/// CreateUserProfile's input from the properties: the `studiouserid` tag, the template's tags
/// and this request's ownership tags.
fn new_user_profile(
    request: &CustomResourceRequest,
    properties: &UserProfileProperties,
) -> Result<NewUserProfile, ResourceError> {
    let mut tags = vec![Tag {
        key: STUDIO_USER_ID_TAG.to_owned(),
        value: properties.studio_user_id().to_owned(),
    }];
    tags.extend(properties.tags.iter().cloned());
    let mut tags = sagemaker_tags(&tags);
    tags.extend(ownership_tags(request));
    Ok(NewUserProfile {
        domain_id: properties.domain_id.clone(),
        user_profile_name: properties.user_profile_name.clone(),
        single_sign_on_user_identifier: properties.single_sign_on_user_identifier.clone(),
        single_sign_on_user_value: properties.single_sign_on_user_value.clone(),
        user_settings: properties.user_settings()?,
        tags,
    })
}

impl<S: StudioUserProfiles + 'static, R: ExecutionRoles + 'static, I: IdentityCenter + 'static>
    CustomResource for StudioUserProfile<S, R, I>
{
    type Properties = UserProfileProperties;
    type State = UserProfileState;

    fn owns_physical_id(&self, physical_resource_id: &str) -> bool {
        UserProfileArn::parse(physical_resource_id).is_some()
    }

    async fn create(
        &self,
        request: &CustomResourceRequest,
        properties: &UserProfileProperties,
        state: Option<UserProfileState>,
    ) -> Result<Progress<UserProfileState>, ResourceError> {
        self.create_step(request, properties, state).await
    }

    async fn update(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &UserProfileProperties,
        old_properties: &UserProfileProperties,
        state: Option<UserProfileState>,
    ) -> Result<Progress<UserProfileState>, ResourceError> {
        match state {
            Some(UserProfileState::Creating) => self.create_step(request, properties, state).await,
            Some(UserProfileState::AwaitingReady) => {
                self.update_in_place(properties, old_properties, true).await
            }
            Some(UserProfileState::Updating) => self.until_updated(properties).await,
            None | Some(UserProfileState::Deleting) => {
                properties.validate()?;
                let same_profile = properties.domain_id == old_properties.domain_id
                    && properties.user_profile_name == old_properties.user_profile_name
                    && UserProfileArn::parse(physical_resource_id).is_some_and(|arn| {
                        arn.names(&properties.domain_id, &properties.user_profile_name)
                    });
                if !same_profile {
                    info!(
                        domain_id = %properties.domain_id,
                        user_profile_name = %properties.user_profile_name,
                        "DomainId or UserProfileName changed: replacing the user profile"
                    );
                    return self.create_step(request, properties, None).await;
                }
                if properties.single_sign_on() != old_properties.single_sign_on() {
                    return Err(ResourceError::permanent(
                        "SingleSignOnUserIdentifier and SingleSignOnUserValue cannot change on an existing user profile; change UserProfileName too, to replace the profile",
                    ));
                }
                // Before anything changes (tags included): the role UpdateUserProfile will set.
                if properties.settings_differ(old_properties) {
                    // A removed setting the API cannot restore is refused here, not after the
                    // tags changed.
                    properties.user_settings_for_update(old_properties, None)?;
                    if let Some(role) = properties.execution_role() {
                        self.check_execution_role(properties, role).await?;
                    }
                    self.check_idle_shutdown(properties).await?;
                    refuse_loosened_guardrails(
                        &self.studio,
                        &properties.domain_id,
                        properties.user_settings.as_ref(),
                    )
                    .await?;
                }
                self.update_in_place(properties, old_properties, false)
                    .await
            }
        }
    }

    async fn delete(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &UserProfileProperties,
        _state: Option<UserProfileState>,
    ) -> Result<Progress<UserProfileState>, ResourceError> {
        self.delete_step(request, physical_resource_id, properties)
            .await
    }
}
