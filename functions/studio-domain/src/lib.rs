//! `Custom::StudioDomain`: a SageMaker Studio domain as a CloudFormation custom resource.
//!
//! - **Create** finds a domain this very request created before (a duplicate delivery) by its
//!   ownership tags, or creates one, then waits until it is `InService`.
//! - **Update** changes settings and tags in place; a change of `DomainName`, `VpcId`,
//!   `AuthMode` or `KmsKeyId` creates a new domain, whose id CloudFormation sees as a
//!   replacement (it then deletes the old one).
//! - **Delete** acts only on the domain its physical id names: it refuses while user profiles
//!   remain (unless `DeleteUserProfiles` is `"true"`) and while JupyterLab/Code Editor spaces
//!   remain (unless `DeleteSpaceData` is `"true"`), deletes apps and spaces and waits for
//!   them, then deletes the domain, keeping the home EFS unless `HomeEfsRetention` is `Delete`.
//! - **IAM Identity Center groups** (`IdentityCenterGroups`, `SSO` domains only): the create
//!   assigns each group to the domain's application once the domain is `InService`, before it
//!   answers; an update assigns the groups added and unassigns the groups taken out; the delete
//!   unassigns, before DeleteDomain, the groups whose assignment the domain made — and only
//!   those ([`identity_center_groups`]).

pub mod aws;
pub mod domain_settings;
pub mod identity_center_groups;
pub mod ports;
pub mod properties;

use aws_sdk_sagemaker::types::{AppStatus, DomainStatus, SpaceStatus, UserProfileStatus};
use cfn_custom_resource::{
    Completed, CustomResource, CustomResourceRequest, Progress, ResourceError,
};
use serde::{Deserialize, Serialize};
use studio_sagemaker::identity_center::IdentityCenter;
use studio_sagemaker::in_service::is_in_service;
use studio_sagemaker::ownership::{created_by, owned_by_another_stack, ownership_tags};
use studio_sagemaker::sagemaker_tags;
use studio_sagemaker::spaces::refuse_deleting_work;
use studio_sagemaker::tagging::update_tags;
use tracing::info;

use crate::domain_settings::DomainSettingsProperty;
use crate::ports::{App, Domain, DomainChanges, NewDomain, StudioDomains};
use crate::properties::{AppNetworkAccessType, DomainProperties, is_created_domain_id};

/// What an unfinished operation on a domain carries to its next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainState {
    /// The domain exists; wait until it is `InService`.
    Creating {
        /// The new domain.
        domain_id: String,
    },
    /// An update waits for the domain to be `InService` before sending UpdateDomain.
    AwaitingReady {
        /// The domain.
        domain_id: String,
    },
    /// UpdateDomain was sent; wait until it is `InService` again.
    Updating {
        /// The domain.
        domain_id: String,
    },
    /// The delete is under way: apps, spaces, profiles, then the domain.
    Deleting,
}

/// The `Custom::StudioDomain` resource.
#[derive(Debug)]
pub struct StudioDomain<S, I> {
    studio: S,
    identity_center: I,
}

impl<S: StudioDomains, I: IdentityCenter> StudioDomain<S, I> {
    /// The resource, calling SageMaker through `studio` and IAM Identity Center through
    /// `identity_center`.
    pub fn new(studio: S, identity_center: I) -> Self {
        Self {
            studio,
            identity_center,
        }
    }

    /// One step of creating a domain (also used for a replacement on update).
    async fn create_step(
        &self,
        request: &CustomResourceRequest,
        properties: &DomainProperties,
        state: Option<DomainState>,
    ) -> Result<Progress<DomainState>, ResourceError> {
        if let Some(state @ DomainState::Creating { .. }) = state {
            return self
                .until_in_service(state, &properties.identity_center_groups)
                .await;
        }
        properties.validate()?;
        let domain_id = match self
            .find_created_by(request, &properties.domain_name)
            .await?
        {
            Some(domain_id) => {
                info!(%domain_id, "found the domain this request created before");
                domain_id
            }
            None => {
                let new_domain = new_domain(request, properties)?;
                let domain_id = self
                    .studio
                    .create_domain(&new_domain)
                    .await
                    .map_err(ResourceError::from)?;
                info!(%domain_id, "created the domain");
                domain_id
            }
        };
        // The domain exists from here on: name it before anything else can fail, so that a
        // FAILED answer carries its id and CloudFormation's rollback deletes it.
        Ok(Progress::waiting(
            DomainState::Creating {
                domain_id: domain_id.clone(),
            },
            format!("domain {domain_id} to be InService"),
        )
        .naming(domain_id))
    }

    /// A domain created by this request (a duplicate delivery), found by its ownership tags.
    async fn find_created_by(
        &self,
        request: &CustomResourceRequest,
        domain_name: &str,
    ) -> Result<Option<String>, ResourceError> {
        let domains = self.studio.list_domains().await?;
        for domain in domains.iter().filter(|domain| {
            domain.domain_name == domain_name && domain.status != DomainStatus::Deleting
        }) {
            let tags = match self.studio.list_tags(&domain.domain_arn).await {
                Ok(tags) => tags,
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error.into()),
            };
            if created_by(&tags, request) {
                return Ok(Some(domain.domain_id.clone()));
            }
        }
        Ok(None)
    }

    /// Waits until the domain in `state` is `InService`, then assigns `groups` to its IAM
    /// Identity Center application (a create's `IdentityCenterGroups`; none after an update,
    /// which changes them itself); fails fast on a failure status.
    async fn until_in_service(
        &self,
        state: DomainState,
        groups: &[String],
    ) -> Result<Progress<DomainState>, ResourceError> {
        let (DomainState::Creating { domain_id } | DomainState::Updating { domain_id }) = &state
        else {
            return Err(ResourceError::permanent(
                "Internal error: not a create or update state",
            ));
        };
        let domain_id = domain_id.clone();
        let Some(domain) = self.studio.describe_domain(&domain_id).await? else {
            return Err(ResourceError::permanent(format!(
                "Domain {domain_id} disappeared while waiting for it to be InService"
            )));
        };
        if is_in_service(
            &format!("Domain {domain_id}"),
            &domain.status,
            domain.failure_reason.as_deref(),
        )? {
            self.assign_groups(&domain, groups).await?;
            return Ok(Progress::Done(completed(&domain)));
        }
        Ok(Progress::waiting(
            state.clone(),
            format!("domain {domain_id} to be InService (now {})", domain.status),
        )
        .naming(domain_id))
    }

    async fn update_in_place(
        &self,
        domain_id: &str,
        properties: &DomainProperties,
        old: &DomainProperties,
    ) -> Result<Progress<DomainState>, ResourceError> {
        let Some(domain) = self.studio.describe_domain(domain_id).await? else {
            return Err(ResourceError::permanent(format!(
                "Domain {domain_id} does not exist; it cannot be updated. Delete the resource from the stack or restore the domain"
            )));
        };
        if domain.status != DomainStatus::InService {
            return Ok(Progress::waiting(
                DomainState::AwaitingReady {
                    domain_id: domain_id.to_owned(),
                },
                format!(
                    "domain {domain_id} to be InService before updating it (now {})",
                    domain.status
                ),
            ));
        }
        let changes = changes(properties, old)?;
        self.refuse_while_apps_run(domain_id, &changes, old).await?;
        self.change_groups(
            &domain,
            &properties.identity_center_groups,
            &old.identity_center_groups,
        )
        .await?;
        if !changes.is_empty() {
            info!(%domain_id, "updating the domain's settings");
            self.studio.update_domain(domain_id, &changes).await?;
        }
        update_tags(
            &self.studio,
            &domain.domain_arn,
            &properties.tags,
            &old.tags,
        )
        .await?;
        self.until_in_service(
            DomainState::Updating {
                domain_id: domain_id.to_owned(),
            },
            &[],
        )
        .await
    }

    /// Fails, before anything is changed, when `changes` holds what SageMaker refuses while the
    /// domain has apps that are `InService`, `Pending` or `Deleting` (UpdateDomain, API
    /// reference): a new `AppNetworkAccessType` ("can only be modified if there are no apps in
    /// the InService, Pending, or Deleting state") or removed `SubnetIds` ("If removing subnets,
    /// ensure there are no apps in the InService, Pending, or Deleting state"). Waiting would
    /// not help: the apps are people's work, and only they or an admin should stop them.
    async fn refuse_while_apps_run(
        &self,
        domain_id: &str,
        changes: &DomainChanges,
        old: &DomainProperties,
    ) -> Result<(), ResourceError> {
        let mut blocked = Vec::new();
        if changes.app_network_access_type.is_some() {
            blocked.push("AppNetworkAccessType".to_owned());
        }
        if let Some(new_subnets) = &changes.subnet_ids {
            let removed: Vec<&str> = old
                .subnet_ids
                .iter()
                .filter(|subnet| !new_subnets.contains(subnet))
                .map(String::as_str)
                .collect();
            if !removed.is_empty() {
                blocked.push(format!("SubnetIds (removing {})", removed.join(", ")));
            }
        }
        if blocked.is_empty() {
            return Ok(());
        }
        let running: Vec<String> = self
            .studio
            .list_apps(domain_id, None)
            .await?
            .into_iter()
            .filter(App::is_running)
            .map(|app| {
                format!(
                    "{} {} of {} ({})",
                    app.app_type, app.app_name, app.owner, app.status
                )
            })
            .collect();
        if running.is_empty() {
            return Ok(());
        }
        Err(ResourceError::permanent(format!(
            "Domain {domain_id} cannot change {} while it has running apps: {}. SageMaker allows this change only when no app is InService, Pending or Deleting; nothing was changed. Stop those apps (or ask their users to), then update the stack again",
            blocked.join(" and "),
            running.join(", ")
        )))
    }

    /// One step of deleting: each step looks at what is left and moves it one stage on, so
    /// a repeated step (a retry, a duplicate) is harmless.
    async fn delete_step(
        &self,
        request: &CustomResourceRequest,
        domain_id: &str,
        properties: &DomainProperties,
    ) -> Result<Progress<DomainState>, ResourceError> {
        let Some(domain) = self.studio.describe_domain(domain_id).await? else {
            info!(%domain_id, "the domain is gone");
            return Ok(Progress::Done(
                Completed::new(domain_id).with_reason(format!("Domain {domain_id} is deleted")),
            ));
        };
        let waiting = |what: String| Ok(Progress::waiting(DomainState::Deleting, what));
        if domain.status == DomainStatus::Deleting {
            return waiting(format!("domain {domain_id} to be deleted"));
        }
        let tags = match self.studio.list_tags(&domain.domain_arn).await {
            Ok(tags) => tags,
            Err(error) if error.is_not_found() => {
                return waiting(format!("domain {domain_id} to be deleted"));
            }
            Err(error) => return Err(error.into()),
        };
        if owned_by_another_stack(&tags, request) {
            info!(%domain_id, "the domain belongs to another stack; leaving it alone");
            return Ok(Progress::Done(Completed::new(domain_id).with_reason(
                format!("Domain {domain_id} belongs to another stack; it was left untouched"),
            )));
        }

        let profiles = self.studio.list_user_profiles(domain_id).await?;
        if !profiles.is_empty() && !properties.delete_user_profiles {
            let mut names: Vec<&str> = profiles
                .iter()
                .map(|profile| profile.user_profile_name.as_str())
                .collect();
            names.sort_unstable();
            return Err(ResourceError::permanent(format!(
                "Domain {domain_id} still has {} user profile(s): {}. Terminate their user-profile products first, or set DeleteUserProfiles to \"true\" to delete them with the domain (their apps and spaces go too; the home EFS follows HomeEfsRetention)",
                names.len(),
                names.join(", ")
            )));
        }

        // A JupyterLab/Code Editor space's work goes with it: refused unless DeleteSpaceData,
        // before anything is touched (the rule is studio_sagemaker::spaces's).
        refuse_deleting_work(
            &format!("Deleting domain {domain_id}"),
            &self.studio.list_spaces(domain_id).await?,
            properties.delete_space_data,
        )?;

        let apps = self.studio.list_apps(domain_id, None).await?;
        let live: Vec<&App> = apps
            .iter()
            .filter(|app| matches!(app.status, AppStatus::InService | AppStatus::Pending))
            .collect();
        for app in &live {
            info!(app_type = %app.app_type, app_name = %app.app_name, "deleting app");
            match self.studio.delete_app(domain_id, app).await {
                Ok(()) => {}
                Err(error) if error.is_not_found() || error.is_in_use() => {}
                Err(error) => return Err(error.into()),
            }
        }
        let busy = apps.iter().filter(|app| app.is_running()).count();
        if busy > 0 {
            return waiting(format!("{busy} app(s) of domain {domain_id} to be deleted"));
        }

        let spaces = self.studio.list_spaces(domain_id).await?;
        for space in spaces
            .iter()
            .filter(|space| space.status != SpaceStatus::Deleting)
        {
            info!(space_name = %space.space_name, "deleting space");
            match self.studio.delete_space(domain_id, &space.space_name).await {
                Ok(()) => {}
                Err(error) if error.is_not_found() || error.is_in_use() => {}
                Err(error) => return Err(error.into()),
            }
        }
        if !spaces.is_empty() {
            return waiting(format!(
                "{} space(s) of domain {domain_id} to be deleted",
                spaces.len()
            ));
        }

        for profile in profiles
            .iter()
            .filter(|profile| profile.status != UserProfileStatus::Deleting)
        {
            info!(user_profile_name = %profile.user_profile_name, "deleting user profile");
            match self
                .studio
                .delete_user_profile(domain_id, &profile.user_profile_name)
                .await
            {
                Ok(()) => {}
                Err(error) if error.is_not_found() || error.is_in_use() => {}
                Err(error) => return Err(error.into()),
            }
        }
        if !profiles.is_empty() {
            return waiting(format!(
                "{} user profile(s) of domain {domain_id} to be deleted",
                profiles.len()
            ));
        }

        // The group assignments the domain made go before it (identity_center_groups: what
        // SageMaker does with the application and its assignments is not documented).
        self.release_groups(&domain, &tags).await?;
        info!(%domain_id, retention = ?properties.home_efs_retention, "deleting the domain");
        match self
            .studio
            .delete_domain(domain_id, properties.home_efs_retention)
            .await
        {
            Ok(()) => {}
            Err(error) if error.is_not_found() => {}
            // Failed apps are left alone above; if they are what keeps the domain, delete them
            // too (best effort). Otherwise something was created meanwhile: look again.
            Err(error) if error.is_in_use() => {
                for app in apps.iter().filter(|app| app.status == AppStatus::Failed) {
                    info!(app_type = %app.app_type, app_name = %app.app_name, "deleting failed app that keeps the domain");
                    if let Err(app_error) = self.studio.delete_app(domain_id, app).await {
                        info!(error = %app_error, "could not delete the failed app");
                    }
                }
                return waiting(format!("domain {domain_id} to be free to delete ({error})"));
            }
            Err(error) => return Err(error.into()),
        }
        waiting(format!("domain {domain_id} to be deleted"))
    }
}

fn completed(domain: &Domain) -> Completed {
    Completed::new(&domain.domain_id)
        .with_data("DomainId", &domain.domain_id)
        .with_data("DomainArn", &domain.domain_arn)
        .with_data("Url", &domain.url)
        .with_data("HomeEfsFileSystemId", &domain.home_efs_file_system_id)
        // Empty when DescribeDomain has none (an IAM domain has no Identity Center application;
        // the boundary group exists only in VPC-only mode), so that Fn::GetAtt always resolves.
        .with_data(
            "SingleSignOnApplicationArn",
            domain
                .single_sign_on_application_arn
                .as_deref()
                .unwrap_or_default(),
        )
        .with_data(
            "SecurityGroupIdForDomainBoundary",
            domain
                .security_group_id_for_domain_boundary
                .as_deref()
                .unwrap_or_default(),
        )
}

/// CreateDomain's input from the properties, with this request's ownership tags.
fn new_domain(
    request: &CustomResourceRequest,
    properties: &DomainProperties,
) -> Result<NewDomain, ResourceError> {
    let mut tags = sagemaker_tags(&properties.tags);
    tags.extend(ownership_tags(request));
    Ok(NewDomain {
        domain_name: properties.domain_name.clone(),
        vpc_id: properties.vpc_id.clone(),
        subnet_ids: properties.subnet_ids.clone(),
        auth_mode: properties.auth_mode.as_str().to_owned(),
        app_network_access_type: properties
            .app_network_access_type
            .map(|kind| kind.as_str().to_owned()),
        kms_key_id: properties.kms_key_id.clone(),
        security_group_ids: properties.security_group_ids.clone(),
        default_user_settings: default_user_settings(properties)?,
        tags,
        tag_propagation: properties
            .tag_propagation
            .map(|propagation| propagation.as_str().to_owned()),
        default_space_settings: properties
            .default_space_settings
            .as_ref()
            .map(|settings| settings.to_sdk("DefaultSpaceSettings"))
            .transpose()?,
        domain_settings: properties
            .domain_settings
            .as_ref()
            .map(DomainSettingsProperty::for_create)
            .transpose()?
            .unwrap_or_default(),
        app_security_group_management: properties.app_security_group_management.clone(),
        home_efs_file_system_creation: properties.home_efs_file_system_creation.clone(),
    })
}

fn default_user_settings(
    properties: &DomainProperties,
) -> Result<aws_sdk_sagemaker::types::UserSettings, ResourceError> {
    let mut settings = properties.default_user_settings.clone().unwrap_or_default();
    settings.execution_role = Some(properties.default_execution_role_arn.clone());
    settings.to_sdk("DefaultUserSettings")
}

/// What UpdateDomain must change to go from `old` to `properties`.
fn changes(
    properties: &DomainProperties,
    old: &DomainProperties,
) -> Result<DomainChanges, ResourceError> {
    let settings_changed = properties.default_user_settings != old.default_user_settings
        || properties.default_execution_role_arn != old.default_execution_role_arn;
    let default_user_settings = if settings_changed {
        // What the old settings had and the new lack goes back to the API's default.
        let mut reset = properties
            .default_user_settings
            .clone()
            .unwrap_or_default()
            .resetting_removed(
                &old.default_user_settings.clone().unwrap_or_default(),
                "DefaultUserSettings",
            )?;
        reset.execution_role = Some(properties.default_execution_role_arn.clone());
        Some(reset.to_sdk("DefaultUserSettings")?)
    } else {
        None
    };
    let default_space_settings = if properties.default_space_settings != old.default_space_settings
    {
        Some(
            properties
                .default_space_settings
                .clone()
                .unwrap_or_default()
                .resetting_removed(
                    &old.default_space_settings.clone().unwrap_or_default(),
                    "DefaultSpaceSettings",
                )?
                .to_sdk("DefaultSpaceSettings")?,
        )
    } else {
        None
    };
    let app_security_group_management = changed_without_default(
        "AppSecurityGroupManagement",
        &properties.app_security_group_management,
        &old.app_security_group_management,
    )?;
    let home_efs_file_system_creation = changed_without_default(
        "HomeEfsFileSystemCreation",
        &properties.home_efs_file_system_creation,
        &old.home_efs_file_system_creation,
    )?;
    // "If you set HomeEfsFileSystemCreation to Enabled, you cannot change it to Disabled"
    // (UpdateDomain, API reference); a domain created without it has its home EFS, taken as
    // Enabled (not confirmed).
    if home_efs_file_system_creation.as_deref() == Some("Disabled") {
        return Err(ResourceError::invalid_property(
            "HomeEfsFileSystemCreation",
            "cannot change from Enabled to Disabled (UpdateDomain refuses it); replace the domain (a new DomainName) to create it without a home EFS",
        ));
    }
    // Left out means the API's default, PublicInternetOnly (CreateDomain: "The default value
    // is PublicInternetOnly"), so taking the property away sends it.
    let network = |kind: Option<AppNetworkAccessType>| {
        kind.unwrap_or(AppNetworkAccessType::PublicInternetOnly)
    };
    Ok(DomainChanges {
        default_user_settings,
        default_space_settings,
        domain_settings: DomainSettingsProperty::for_update(
            properties.domain_settings.as_ref(),
            old.domain_settings.as_ref(),
        )?,
        app_security_group_management,
        home_efs_file_system_creation,
        subnet_ids: (properties.subnet_ids != old.subnet_ids)
            .then(|| properties.subnet_ids.clone()),
        app_network_access_type: (network(properties.app_network_access_type)
            != network(old.app_network_access_type))
        .then(|| {
            network(properties.app_network_access_type)
                .as_str()
                .to_owned()
        }),
        security_group_ids: (properties.security_group_ids != old.security_group_ids)
            .then(|| properties.security_group_ids.clone().unwrap_or_default()),
        // Left out means SageMaker's default, DISABLED: taking the property away turns it off.
        tag_propagation: (properties.tag_propagation.unwrap_or_default()
            != old.tag_propagation.unwrap_or_default())
        .then(|| {
            properties
                .tag_propagation
                .unwrap_or_default()
                .as_str()
                .to_owned()
        }),
    })
}

/// A setting whose API documents no default: a change sends the new value; taking it away is
/// refused naming it, since an UpdateDomain without it keeps the old value.
fn changed_without_default(
    name: &str,
    new: &Option<String>,
    old: &Option<String>,
) -> Result<Option<String>, ResourceError> {
    match (new, old) {
        (None, Some(_)) => Err(ResourceError::invalid_property(
            name,
            "cannot be taken away once set: the API documents no default to restore, and an update without it keeps the old value; set the value you want instead",
        )),
        (Some(new), old) if Some(new) != old.as_ref() => Ok(Some(new.clone())),
        _ => Ok(None),
    }
}

impl<S: StudioDomains + 'static, I: IdentityCenter + 'static> CustomResource
    for StudioDomain<S, I>
{
    type Properties = DomainProperties;
    type State = DomainState;

    fn owns_physical_id(&self, physical_resource_id: &str) -> bool {
        is_created_domain_id(physical_resource_id)
    }

    async fn create(
        &self,
        request: &CustomResourceRequest,
        properties: &DomainProperties,
        state: Option<DomainState>,
    ) -> Result<Progress<DomainState>, ResourceError> {
        self.create_step(request, properties, state).await
    }

    async fn update(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &DomainProperties,
        old_properties: &DomainProperties,
        state: Option<DomainState>,
    ) -> Result<Progress<DomainState>, ResourceError> {
        match state {
            Some(DomainState::AwaitingReady { domain_id }) => {
                self.update_in_place(&domain_id, properties, old_properties)
                    .await
            }
            Some(state @ DomainState::Updating { .. }) => self.until_in_service(state, &[]).await,
            Some(state @ DomainState::Creating { .. }) => {
                self.create_step(request, properties, Some(state)).await
            }
            _ => {
                properties.validate()?;
                if !is_created_domain_id(physical_resource_id) {
                    return Err(ResourceError::permanent(format!(
                        "The physical id \"{physical_resource_id}\" is not a Studio domain id; the resource cannot be updated"
                    )));
                }
                if let Some(changed) = properties.replacement_reason(old_properties) {
                    info!(changed, "replacing the domain");
                    return self.create_step(request, properties, None).await;
                }
                self.update_in_place(physical_resource_id, properties, old_properties)
                    .await
            }
        }
    }

    async fn delete(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &DomainProperties,
        _state: Option<DomainState>,
    ) -> Result<Progress<DomainState>, ResourceError> {
        self.delete_step(request, physical_resource_id, properties)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::{Invocation, properties};
    use serde_json::Value;

    const EVENTS: [(&str, &str); 5] = [
        (
            "create",
            include_str!("../../../events/studio-domain/create.json"),
        ),
        (
            "update",
            include_str!("../../../events/studio-domain/update.json"),
        ),
        (
            "update-replace",
            include_str!("../../../events/studio-domain/update-replace.json"),
        ),
        (
            "delete",
            include_str!("../../../events/studio-domain/delete.json"),
        ),
        (
            "delete-after-failed-create",
            include_str!("../../../events/studio-domain/delete-after-failed-create.json"),
        ),
    ];

    fn invocation(name: &str) -> Invocation {
        let text = EVENTS.iter().find(|(event, _)| *event == name).unwrap().1;
        Invocation::from_payload(serde_json::from_str(text).unwrap()).unwrap()
    }

    #[test]
    fn every_sample_event_is_a_valid_request_with_valid_properties() {
        for (name, text) in EVENTS {
            let raw: Value = serde_json::from_str(text).unwrap();
            let request = Invocation::from_payload(raw.clone())
                .unwrap()
                .request()
                .clone();
            assert_eq!(
                request.to_cloudformation()["ResourceProperties"],
                raw["ResourceProperties"],
                "{name}"
            );
            let parsed: DomainProperties = properties::parse(&request.properties).unwrap();
            parsed.validate().unwrap();
        }
    }

    #[test]
    fn the_sample_update_changes_settings_in_place_and_the_rename_replaces() {
        let update = invocation("update").request().clone();
        let cfn_custom_resource::RequestKind::Update { old_properties, .. } = &update.kind else {
            panic!("not an update")
        };
        let new: DomainProperties = properties::parse(&update.properties).unwrap();
        let old: DomainProperties = properties::parse(old_properties).unwrap();
        assert_eq!(new.replacement_reason(&old), None);
        let planned = changes(&new, &old).unwrap();
        assert!(planned.default_user_settings.is_some());
        assert!(planned.subnet_ids.is_none());

        let replace = invocation("update-replace").request().clone();
        let new: DomainProperties = properties::parse(&replace.properties).unwrap();
        assert_eq!(new.replacement_reason(&old), Some("DomainName"));
    }

    use crate::ports::AppOwner;
    use crate::properties::HomeEfsRetention;
    use aws_sdk_sagemaker::types::{AppType, RetentionType, SharingType};
    use cfn_custom_resource::testing::run_steps;
    use studio_sagemaker::identity_center::memory::MemoryIdentityCenter;
    use studio_sagemaker::memory::MemoryStudio;

    /// The subnets CreateDomain or UpdateDomain left on the domain.
    fn subnets(studio: &MemoryStudio, domain_id: &str) -> Vec<String> {
        studio
            .state()
            .domains
            .get(domain_id)
            .map(|stored| stored.subnet_ids.clone())
            .unwrap_or_default()
    }

    /// The retention each accepted DeleteDomain asked for.
    fn retention_asked(studio: &MemoryStudio) -> Vec<(String, HomeEfsRetention)> {
        let state = studio.state();
        state
            .deleted_domains
            .iter()
            .chain(state.domains.values())
            .filter_map(|stored| {
                let retention = match stored.deleted_with.as_ref()? {
                    RetentionType::Delete => HomeEfsRetention::Delete,
                    _ => HomeEfsRetention::Retain,
                };
                Some((stored.domain.domain_id.clone(), retention))
            })
            .collect()
    }

    fn request_and_properties(name: &str) -> (CustomResourceRequest, DomainProperties) {
        let request = invocation(name).request().clone();
        let properties = properties::parse(&request.properties).unwrap();
        (request, properties)
    }

    #[tokio::test]
    async fn a_duplicate_create_adopts_the_domain_its_first_delivery_made() {
        let (request, properties) = request_and_properties("create");
        let studio = MemoryStudio::default();
        studio.add_domain("d-000000000042", "risk-analytics", ownership_tags(&request));
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let created = run_steps(|state| resource.create(&request, &properties, state))
            .await
            .outcome
            .unwrap();

        assert_eq!(created.physical_resource_id, "d-000000000042");
        assert!(
            !resource
                .studio
                .calls()
                .iter()
                .any(|call| call.starts_with("CreateDomain"))
        );
    }

    #[tokio::test]
    async fn a_domain_of_the_same_name_made_by_another_request_is_not_adopted() {
        let (request, properties) = request_and_properties("create");
        let studio = MemoryStudio::default();
        studio.add_domain("d-000000000042", "risk-analytics", vec![]);
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let created = run_steps(|state| resource.create(&request, &properties, state))
            .await
            .outcome
            .unwrap();

        assert_ne!(created.physical_resource_id, "d-000000000042");
        assert_eq!(created.data["DomainId"], created.physical_resource_id);
    }

    #[tokio::test]
    async fn an_update_waits_for_the_domain_to_be_in_service_and_updates_once() {
        let (request, properties) = request_and_properties("update");
        let cfn_custom_resource::RequestKind::Update { old_properties, .. } = &request.kind else {
            panic!("not an update")
        };
        let old: DomainProperties = properties::parse(old_properties).unwrap();
        let studio = MemoryStudio::default();
        let mut live_tags = ownership_tags(&request);
        live_tags.extend(sagemaker_tags(&old.tags));
        studio.add_domain("d-abcdefgh1234", "risk-analytics", live_tags);
        studio.set_domain_status("d-abcdefgh1234", DomainStatus::Updating);
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let updated = run_steps(|state| {
            resource.update(&request, "d-abcdefgh1234", &properties, &old, state)
        })
        .await
        .outcome
        .unwrap();

        assert_eq!(updated.physical_resource_id, "d-abcdefgh1234");
        let calls = resource.studio.calls();
        let updates: Vec<&String> = calls
            .iter()
            .filter(|call| call.starts_with("UpdateDomain"))
            .collect();
        assert_eq!(updates.len(), 1, "{calls:?}");
        let first_describe = calls
            .iter()
            .position(|call| call.starts_with("DescribeDomain"))
            .unwrap();
        let update = calls
            .iter()
            .position(|call| call.starts_with("UpdateDomain"))
            .unwrap();
        assert!(first_describe < update);
        assert!(
            calls
                .iter()
                .any(|call| call.starts_with("DeleteTags cost-centre")),
            "{calls:?}"
        );
    }

    #[tokio::test]
    async fn a_delete_removes_apps_then_spaces_then_profiles_then_the_domain() {
        let (request, mut properties) = request_and_properties("delete");
        properties.delete_user_profiles = true;
        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&request));
        studio.add_user_profile("d-abcdefgh1234", "alice", vec![]);
        studio.add_space("d-abcdefgh1234", "shared", None, None);
        for (name, status) in [
            ("k1", AppStatus::InService),
            ("old", AppStatus::Deleted),
            ("broken", AppStatus::Failed),
        ] {
            studio.add_app(
                "d-abcdefgh1234",
                App::new(
                    AppOwner::UserProfile("alice".to_owned()),
                    AppType::KernelGateway,
                    name,
                    status,
                ),
            );
        }
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        run_steps(|_| resource.delete(&request, "d-abcdefgh1234", &properties, None))
            .await
            .outcome
            .unwrap();

        let deletes: Vec<String> = resource
            .studio
            .calls()
            .into_iter()
            .filter(|call| call.starts_with("Delete") && !call.starts_with("DeleteTags"))
            .collect();
        assert_eq!(
            deletes,
            vec![
                "DeleteApp KernelGateway/k1",
                "DeleteSpace shared",
                "DeleteUserProfile alice",
                "DeleteDomain d-abcdefgh1234",
                "DeleteApp KernelGateway/broken",
                "DeleteDomain d-abcdefgh1234"
            ],
            "live apps first, everything inside before the domain, failed apps only if they keep it"
        );
        assert_eq!(
            retention_asked(&resource.studio),
            vec![("d-abcdefgh1234".to_owned(), HomeEfsRetention::Retain)]
        );
    }

    #[tokio::test]
    async fn a_delete_with_profiles_left_refuses_before_touching_anything() {
        let (request, properties) = request_and_properties("delete");
        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&request));
        studio.add_user_profile("d-abcdefgh1234", "bob", vec![]);
        studio.add_user_profile("d-abcdefgh1234", "alice", vec![]);
        studio.add_space("d-abcdefgh1234", "shared", None, None);
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let error = run_steps(|_| resource.delete(&request, "d-abcdefgh1234", &properties, None))
            .await
            .outcome
            .unwrap_err();

        assert!(
            error.to_string().contains("2 user profile(s): alice, bob"),
            "{error}"
        );
        assert!(
            !resource
                .studio
                .calls()
                .iter()
                .any(|call| call.starts_with("Delete"))
        );
    }

    #[tokio::test]
    async fn a_delete_that_would_remove_a_jupyterlab_space_refuses_naming_it_and_delete_space_data()
    {
        let (request, mut properties) = request_and_properties("delete");
        properties.delete_user_profiles = true;
        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&request));
        studio.add_space(
            "d-abcdefgh1234",
            "team-code",
            None,
            Some(SharingType::Shared),
        );
        studio.set_space_app_type("d-abcdefgh1234", "team-code", AppType::CodeEditor);
        studio.add_space("d-abcdefgh1234", "classic", None, None);
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let error = run_steps(|_| resource.delete(&request, "d-abcdefgh1234", &properties, None))
            .await
            .outcome
            .unwrap_err();

        let reason = error.to_string();
        assert!(
            reason.contains("Deleting domain d-abcdefgh1234 would delete")
                && reason.contains("space(s) team-code,")
                && reason.contains("DeleteSpaceData"),
            "{reason}"
        );
        assert!(
            !resource
                .studio
                .calls()
                .iter()
                .any(|call| call.starts_with("Delete")),
            "nothing is deleted: {:?}",
            resource.studio.calls()
        );

        properties.delete_space_data = true;
        run_steps(|_| resource.delete(&request, "d-abcdefgh1234", &properties, None))
            .await
            .completed();
        assert!(resource.studio.space_names().is_empty());
    }

    #[tokio::test]
    async fn a_delete_of_another_stacks_domain_touches_nothing() {
        let (request, properties) = request_and_properties("delete");
        let mut other = request.clone();
        other.stack_id = "arn:aws:cloudformation:eu-west-1:123456789012:stack/other/1".to_owned();
        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&other));
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let done = run_steps(|_| resource.delete(&request, "d-abcdefgh1234", &properties, None))
            .await
            .outcome
            .unwrap();

        assert!(done.reason.unwrap().contains("belongs to another stack"));
        assert!(
            !resource
                .studio
                .calls()
                .iter()
                .any(|call| call.starts_with("Delete"))
        );
    }

    #[tokio::test]
    async fn a_subnet_change_goes_through_update_domain() {
        let (request, _) = request_and_properties("update");
        let old: DomainProperties = properties::parse(&request.properties).unwrap();
        let mut new = old.clone();
        new.subnet_ids = vec!["subnet-0c1d2e3f".to_owned()];
        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&request));
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        run_steps(|state| resource.update(&request, "d-abcdefgh1234", &new, &old, state))
            .await
            .outcome
            .unwrap();

        assert_eq!(
            subnets(&resource.studio, "d-abcdefgh1234"),
            vec!["subnet-0c1d2e3f"]
        );
    }

    fn running_app(owner: &str) -> App {
        App::new(
            AppOwner::Space(owner.to_owned()),
            AppType::JupyterLab,
            "default",
            AppStatus::InService,
        )
    }

    #[tokio::test]
    async fn removing_a_subnet_while_apps_run_fails_at_once_naming_them_and_changes_nothing() {
        let (request, _) = request_and_properties("update");
        let old: DomainProperties = properties::parse(&request.properties).unwrap();
        let mut new = old.clone();
        new.subnet_ids = vec![old.subnet_ids[0].clone()];
        new.tags.clear();
        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&request));
        studio.add_app("d-abcdefgh1234", running_app("team-lab"));
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let error =
            run_steps(|state| resource.update(&request, "d-abcdefgh1234", &new, &old, state))
                .await
                .outcome
                .unwrap_err();

        let reason = error.to_string();
        assert!(reason.contains("SubnetIds (removing"), "{reason}");
        assert!(
            reason.contains("JupyterLab default of space team-lab (InService)"),
            "{reason}"
        );
        assert!(
            !resource
                .studio
                .calls()
                .iter()
                .any(|call| call.starts_with("UpdateDomain") || call.contains("Tags")),
            "{:?}",
            resource.studio.calls()
        );
    }

    #[tokio::test]
    async fn a_new_network_access_type_while_apps_run_fails_and_with_only_failed_apps_succeeds() {
        let (request, _) = request_and_properties("update");
        let old: DomainProperties = properties::parse(&request.properties).unwrap();
        let mut new = old.clone();
        new.app_network_access_type = Some(match old.app_network_access_type {
            Some(crate::properties::AppNetworkAccessType::VpcOnly) => {
                crate::properties::AppNetworkAccessType::PublicInternetOnly
            }
            _ => crate::properties::AppNetworkAccessType::VpcOnly,
        });
        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&request));
        studio.add_app("d-abcdefgh1234", running_app("team-lab"));
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());

        let error =
            run_steps(|state| resource.update(&request, "d-abcdefgh1234", &new, &old, state))
                .await
                .outcome
                .unwrap_err();
        assert!(
            error.to_string().contains("AppNetworkAccessType"),
            "{error}"
        );

        let studio = MemoryStudio::default();
        studio.add_domain("d-abcdefgh1234", "risk-analytics", ownership_tags(&request));
        studio.add_app(
            "d-abcdefgh1234",
            App {
                status: AppStatus::Failed,
                ..running_app("team-lab")
            },
        );
        let resource = StudioDomain::new(studio, MemoryIdentityCenter::default());
        run_steps(|state| resource.update(&request, "d-abcdefgh1234", &new, &old, state))
            .await
            .outcome
            .unwrap();
    }

    #[test]
    fn tag_propagation_is_sent_on_create_and_only_a_change_of_it_on_update() {
        let create = invocation("create").request().clone();
        let parsed: DomainProperties = properties::parse(&create.properties).unwrap();
        assert_eq!(
            new_domain(&create, &parsed)
                .unwrap()
                .tag_propagation
                .as_deref(),
            Some("ENABLED")
        );

        let mut unchanged = parsed;
        unchanged.security_group_ids = None;
        let mut old = unchanged.clone();
        assert!(changes(&unchanged, &old).unwrap().is_empty());

        old.tag_propagation = None;
        assert_eq!(
            changes(&unchanged, &old)
                .unwrap()
                .tag_propagation
                .as_deref(),
            Some("ENABLED"),
            "turned on in place"
        );
        assert_eq!(
            changes(&old, &unchanged)
                .unwrap()
                .tag_propagation
                .as_deref(),
            Some("DISABLED"),
            "left out is SageMaker's default, DISABLED: taking it away turns it off"
        );
        old.tag_propagation = Some(crate::properties::TagPropagation::Disabled);
        let mut left_out = old.clone();
        left_out.tag_propagation = None;
        assert!(
            changes(&left_out, &old).unwrap().is_empty(),
            "DISABLED and left out are the same setting"
        );
    }

    #[test]
    fn the_default_execution_role_becomes_the_default_user_settings_role() {
        let create = invocation("create").request().clone();
        let parsed: DomainProperties = properties::parse(&create.properties).unwrap();
        let domain = new_domain(&create, &parsed).unwrap();
        assert_eq!(
            domain.default_user_settings.execution_role(),
            Some("arn:aws:iam::123456789012:role/studio-catalog-default-execution")
        );
        let keys: Vec<&str> = domain.tags.iter().filter_map(|tag| tag.key()).collect();
        assert!(keys.contains(&"team"));
        assert!(keys.contains(&studio_sagemaker::ownership::REQUEST_ID_TAG));
    }

    fn with(extra: &serde_json::Value) -> DomainProperties {
        let mut value = invocation("create").request().properties.clone();
        for (key, item) in extra.as_object().unwrap() {
            if item.is_null() {
                value.as_object_mut().unwrap().remove(key);
            } else {
                value[key] = item.clone();
            }
        }
        let parsed: DomainProperties = properties::parse(&value).unwrap();
        parsed.validate().unwrap();
        parsed
    }

    #[test]
    fn new_domain_settings_are_sent_on_create() {
        let create = invocation("create").request().clone();
        let parsed = with(&serde_json::json!({
            "DefaultSpaceSettings": {"ExecutionRole": "arn:aws:iam::123456789012:role/spaces", "JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": "90"}}}},
            "DomainSettings": {"DockerSettings": {"EnableDockerAccess": "ENABLED"}, "IpAddressType": "dualstack"},
            "AppSecurityGroupManagement": "Service",
            "HomeEfsFileSystemCreation": "Enabled"
        }));
        let domain = new_domain(&create, &parsed).unwrap();
        assert_eq!(
            domain.default_space_settings.unwrap().execution_role(),
            Some("arn:aws:iam::123456789012:role/spaces")
        );
        assert_eq!(
            domain.domain_settings.ip_address_type,
            Some(aws_sdk_sagemaker::types::IpAddressType::Dualstack)
        );
        assert_eq!(
            domain.app_security_group_management.as_deref(),
            Some("Service")
        );
        assert_eq!(
            domain.home_efs_file_system_creation.as_deref(),
            Some("Enabled")
        );
    }

    #[test]
    fn a_changed_setting_is_updated_in_place_and_a_removed_one_goes_back_to_its_default() {
        let old = with(&serde_json::json!({
            "DomainSettings": {"ExecutionRoleIdentityConfig": "USER_PROFILE_NAME"},
            "DefaultSpaceSettings": {"SecurityGroups": ["sg-0abc1234"]},
            "AppSecurityGroupManagement": "Service"
        }));
        let new = with(&serde_json::json!({
            "DomainSettings": {"ExecutionRoleIdentityConfig": "DISABLED", "IpAddressType": "dualstack"},
            "AppSecurityGroupManagement": "Customer",
            "AppNetworkAccessType": null
        }));
        assert_eq!(new.replacement_reason(&old), None, "in place");
        let change = changes(&new, &old).unwrap();
        assert_eq!(
            change.domain_settings.execution_role_identity_config,
            Some(aws_sdk_sagemaker::types::ExecutionRoleIdentityConfig::Disabled)
        );
        assert_eq!(
            change.app_security_group_management.as_deref(),
            Some("Customer")
        );
        let spaces = change.default_space_settings.unwrap();
        assert!(
            spaces.security_groups.as_ref().is_some_and(Vec::is_empty),
            "removed security groups are sent as an empty list"
        );
        assert_eq!(
            change.app_network_access_type.as_deref(),
            Some("PublicInternetOnly"),
            "AppNetworkAccessType taken away goes back to the API's default"
        );
        assert!(change.default_user_settings.is_none());
    }

    #[test]
    fn a_setting_without_a_documented_default_cannot_be_taken_away_and_home_efs_creation_never_turns_off()
     {
        let old = with(&serde_json::json!({"AppSecurityGroupManagement": "Service"}));
        let new = with(&serde_json::json!({}));
        assert!(changes(&new, &old).unwrap_err().to_string().starts_with(
            "Invalid property AppSecurityGroupManagement: cannot be taken away once set"
        ));
        let enabled = with(&serde_json::json!({"HomeEfsFileSystemCreation": "Enabled"}));
        let disabled = with(&serde_json::json!({"HomeEfsFileSystemCreation": "Disabled"}));
        assert!(
            changes(&disabled, &enabled)
                .unwrap_err()
                .to_string()
                .starts_with("Invalid property HomeEfsFileSystemCreation: cannot change from Enabled to Disabled")
        );
        assert_eq!(
            changes(&enabled, &disabled)
                .unwrap()
                .home_efs_file_system_creation
                .as_deref(),
            Some("Enabled")
        );
    }

    #[test]
    fn limits_are_refused_before_any_call_naming_the_property() {
        let create = invocation("create").request().clone();
        let mut value = create.properties.clone();
        value["DefaultSpaceSettings"] = serde_json::json!({"CustomFileSystemConfigs": vec![serde_json::json!({"EFSFileSystemConfig": {"FileSystemId": "fs-0123456789abcdef0"}}); 11]});
        let parsed: DomainProperties = properties::parse(&value).unwrap();
        assert_eq!(
            parsed.validate().unwrap_err().to_string(),
            "Invalid property DefaultSpaceSettings.CustomFileSystemConfigs: expected at most 10 items, got 11"
        );
        let mut value = create.properties;
        value["DefaultUserSettings"]["SecurityGroups"] =
            serde_json::json!(["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"]);
        let parsed: DomainProperties = properties::parse(&value).unwrap();
        assert_eq!(
            parsed.validate().unwrap_err().to_string(),
            "Invalid property DefaultUserSettings.SecurityGroups: expected at most 5 items, got 6"
        );
    }

    #[test]
    fn the_completed_answer_carries_the_new_attributes() {
        let domain = Domain {
            domain_id: "d-abcdef012345".to_owned(),
            domain_arn: "arn:aws:sagemaker:eu-west-1:123456789012:domain/d-abcdef012345".to_owned(),
            domain_name: "risk".to_owned(),
            status: DomainStatus::InService,
            failure_reason: None,
            url: "https://d-abcdef012345.studio.eu-west-1.sagemaker.aws".to_owned(),
            home_efs_file_system_id: "fs-0123456789abcdef0".to_owned(),
            default_execution_role: None,
            single_sign_on_application_arn: None,
            security_group_id_for_domain_boundary: Some("sg-0boundary1234".to_owned()),
        };
        let data = completed(&domain).data;
        assert_eq!(data["SecurityGroupIdForDomainBoundary"], "sg-0boundary1234");
        assert_eq!(data["SingleSignOnApplicationArn"], "");
    }
}
