//! `Custom::StudioSpace`: a private or shared SageMaker Studio space, owned by a user profile,
//! as a CloudFormation custom resource. The physical id is the space's ARN.
//!
//! - **Create** checks the properties before any call (SageMaker's name rules, the settings'
//!   shape and limits, a private or shared space's owner, the tags), then that the owner's
//!   profile exists and that the EBS volume asked for is within the domain's
//!   `MaximumEbsVolumeSizeInGb` (if it sets one); finds a space this very request created before
//!   (a duplicate delivery) by its ownership tags, or creates one with the template's tags and
//!   the ownership tags, and waits until it is `InService` (failing fast on `Failed`). A space
//!   of that name that this request did not create is never adopted.
//! - **Update** changes `SpaceDisplayName` and `SpaceSettings` in place (UpdateSpace, then wait
//!   for `InService`) and `Tags` in place (AddTags/DeleteTags against the live tags). What
//!   UpdateSpace cannot change — `OwnershipSettings`, `SpaceSharingSettings` and
//!   `SpaceSettings.AppType` ("you can't edit the app type of a space", UpdateSpace, API
//!   reference) — fails before any change, unless `SpaceName` or `DomainId` changes too: that
//!   creates a new space, whose ARN CloudFormation sees as a replacement (it then deletes the old
//!   one). An EBS volume can grow, not shrink ("you can't decrease the size of a volume", Amazon
//!   EBS User Guide, "Modify a volume"): a smaller `EbsVolumeSizeInGb` than the live one fails
//!   before any change.
//! - **Delete** acts only on the space its physical id names. A JupyterLab/Code Editor space
//!   keeps its work on an EBS volume that goes with it: without `DeleteSpaceData: "true"` the
//!   delete fails at once naming the space and the property, nothing touched
//!   (`studio_sagemaker::spaces`). Otherwise it deletes the space's apps that have not failed,
//!   waits for them (DeleteSpace is refused while the space has apps), then deletes the space and
//!   waits until it is gone. Already gone is success; a physical id that is not a space's ARN is
//!   success with nothing touched; a space another stack owns is left alone.

pub mod aws;
pub mod ports;
pub mod properties;
#[cfg(test)]
mod resource_tests;

use aws_sdk_sagemaker::types::{AppStatus, SpaceStatus};
use cfn_custom_resource::{
    Completed, CustomResource, CustomResourceRequest, Progress, ResourceError,
};
use serde::{Deserialize, Serialize};
use studio_sagemaker::in_service::is_in_service;
use studio_sagemaker::ownership::{created_by, owned_by_another_stack, ownership_tags};
use studio_sagemaker::sagemaker_tags;
use studio_sagemaker::spaces::refuse_deleting_work;
use studio_sagemaker::tagging::update_tags;
use tracing::info;

use crate::ports::{App, AppOwner, NewSpace, SpaceArn, SpaceDetails, StudioSpaces};
use crate::properties::SpaceProperties;

/// The property path of the EBS volume size.
const EBS_VOLUME_SIZE: &str =
    "SpaceSettings.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb";

/// What an unfinished operation on a space carries to its next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpaceState {
    /// The space exists (created by this request); wait until it is `InService`.
    Creating,
    /// An update waits for the space to be `InService` before sending UpdateSpace; the tags
    /// are already updated.
    AwaitingReady,
    /// UpdateSpace was sent; wait until the space is `InService` again.
    Updating,
    /// The delete is under way: apps, then the space.
    Deleting,
}

/// The `Custom::StudioSpace` resource.
#[derive(Debug)]
pub struct StudioSpace<S> {
    studio: S,
}

impl<S: StudioSpaces> StudioSpace<S> {
    /// The resource, calling SageMaker through `studio`.
    pub fn new(studio: S) -> Self {
        Self { studio }
    }

    /// The checks that need a call, before CreateSpace: the owner's profile exists, and the
    /// EBS volume is within the domain's maximum.
    async fn check_before_create(&self, properties: &SpaceProperties) -> Result<(), ResourceError> {
        let domain_id = properties.domain_id.as_str();
        if let Some(owner) = properties.owner()
            && self
                .studio
                .describe_user_profile(domain_id, owner)
                .await?
                .is_none()
        {
            return Err(ResourceError::invalid_property(
                "OwnershipSettings.OwnerUserProfileName",
                format!(
                    "domain {domain_id} has no user profile {owner}; a space is owned by an existing profile. Nothing was done"
                ),
            ));
        }
        self.check_ebs_maximum(properties).await?;
        self.check_idle_timeout_bounds(properties).await
    }

    /// Refuses an idle timeout outside the domain's bounds for that app: `MinIdleTimeoutInMinutes`
    /// and `MaxIdleTimeoutInMinutes` of its `DefaultUserSettings`, "the minimum/maximum value in
    /// minutes that custom idle shutdown can be set to by the user" (SageMaker API Reference,
    /// IdleSettings). The same bounds as a user profile's (studio-user-profile). Not confirmed
    /// that CreateSpace/UpdateSpace refuse a value outside them themselves.
    async fn check_idle_timeout_bounds(
        &self,
        properties: &SpaceProperties,
    ) -> Result<(), ResourceError> {
        let asked = properties.idle_timeouts();
        if asked.is_empty() {
            return Ok(());
        }
        let domain_id = properties.domain_id.as_str();
        let Some(domain) = self.studio.domain_idle_shutdown(domain_id).await? else {
            return Err(ResourceError::permanent(format!(
                "DescribeDomain found no domain {domain_id}. Check DomainId: the domain {domain_id} must exist"
            )));
        };
        for (app, property, minutes) in asked {
            let Some(bounds) = domain.get(app) else {
                continue;
            };
            if let Some(max) = bounds.max_timeout_minutes
                && minutes > max
            {
                return Err(ResourceError::invalid_property(
                    property,
                    format!(
                        "{minutes} minutes is above domain {domain_id}'s MaxIdleTimeoutInMinutes {max}. Nothing was done"
                    ),
                ));
            }
            if let Some(min) = bounds.min_timeout_minutes
                && minutes < min
            {
                return Err(ResourceError::invalid_property(
                    property,
                    format!(
                        "{minutes} minutes is below domain {domain_id}'s MinIdleTimeoutInMinutes {min}. Nothing was done"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Refuses an EBS volume above the domain's `DefaultUserSettings.SpaceStorageSettings
    /// .DefaultEbsStorageSettings.MaximumEbsVolumeSizeInGb`, "the maximum size of the EBS storage
    /// volume for a space" (API reference, DefaultEbsStorageSettings).
    async fn check_ebs_maximum(&self, properties: &SpaceProperties) -> Result<(), ResourceError> {
        let Some(size) = properties.ebs_volume_size_in_gb() else {
            return Ok(());
        };
        let domain_id = properties.domain_id.as_str();
        let Some(maximum) = self
            .studio
            .domain_maximum_ebs_volume_size_in_gb(domain_id)
            .await?
        else {
            return Err(ResourceError::permanent(format!(
                "DescribeDomain found no domain {domain_id}. Check DomainId: the domain {domain_id} must exist"
            )));
        };
        match maximum {
            Some(maximum) if size > maximum => Err(ResourceError::invalid_property(
                EBS_VOLUME_SIZE,
                format!(
                    "{size} GB is above domain {domain_id}'s MaximumEbsVolumeSizeInGb {maximum}. Nothing was done"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// One step of creating a space (also used for a replacement on update).
    async fn create_step(
        &self,
        request: &CustomResourceRequest,
        properties: &SpaceProperties,
        state: Option<SpaceState>,
    ) -> Result<Progress<SpaceState>, ResourceError> {
        let domain_id = properties.domain_id.as_str();
        let name = properties.space_name.as_str();
        if state == Some(SpaceState::Creating) {
            let Some(space) = self.studio.describe_space_details(domain_id, name).await? else {
                return Err(ResourceError::permanent(format!(
                    "Space {name} of domain {domain_id} disappeared while waiting for it to be InService"
                )));
            };
            return until_in_service(SpaceState::Creating, &space);
        }

        properties.validate()?;
        let space = match self.studio.describe_space_details(domain_id, name).await? {
            Some(space) => space,
            None => {
                self.check_before_create(properties).await?;
                let new_space = new_space(request, properties)?;
                match self.studio.create_space(&new_space).await {
                    Ok(arn) => {
                        info!(space_arn = %arn, "created the space");
                        return Ok(Progress::waiting(
                            SpaceState::Creating,
                            format!("space {name} to be InService"),
                        )
                        .naming(arn));
                    }
                    // Created in the meantime: by a duplicate delivery of this request, or not.
                    Err(error) if error.is_in_use() => {
                        match self.studio.describe_space_details(domain_id, name).await? {
                            Some(space) => space,
                            None => return Err(ResourceError::retryable(error.to_string())),
                        }
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        };
        // A space of that name exists: this request's own (a duplicate delivery), or not ours.
        let tags = self.studio.list_tags(&space.space_arn).await?;
        if !created_by(&tags, request) {
            return Err(ResourceError::permanent(format!(
                "Space {name} already exists in domain {domain_id} and was not created by this request; it is left untouched. Choose another SpaceName"
            )));
        }
        info!(space_arn = %space.space_arn, "found the space this request created (a duplicate delivery)");
        until_in_service(SpaceState::Creating, &space)
    }

    /// One step of an update in place: tags first (unless `tags_done`), then UpdateSpace if the
    /// display name or the settings changed.
    async fn update_in_place(
        &self,
        properties: &SpaceProperties,
        old: &SpaceProperties,
        tags_done: bool,
    ) -> Result<Progress<SpaceState>, ResourceError> {
        let domain_id = properties.domain_id.as_str();
        let name = properties.space_name.as_str();
        let Some(space) = self.studio.describe_space_details(domain_id, name).await? else {
            return Err(ResourceError::permanent(format!(
                "Space {name} of domain {domain_id} does not exist; it cannot be updated. Delete the resource from the stack or restore the space"
            )));
        };
        if !tags_done {
            update_tags(&self.studio, &space.space_arn, &properties.tags, &old.tags).await?;
        }
        if !properties.settings_differ(old) {
            return Ok(Progress::Done(completed(&space)));
        }
        if space.status != SpaceStatus::InService {
            return Ok(Progress::waiting(
                SpaceState::AwaitingReady,
                format!(
                    "space {name} to be InService before updating it (now {})",
                    space.status
                ),
            ));
        }
        let settings = properties.updated_space_settings()?;
        let display_name = properties
            .space_display_name
            .as_deref()
            .filter(|_| properties.space_display_name != old.space_display_name);
        match self
            .studio
            .update_space(domain_id, name, display_name, settings.as_ref())
            .await
        {
            Ok(()) => {}
            Err(error) if error.is_in_use() => {
                return Ok(Progress::waiting(
                    SpaceState::AwaitingReady,
                    format!("space {name} to be free to update ({error})"),
                ));
            }
            Err(error) => return Err(error.into()),
        }
        info!(space_arn = %space.space_arn, "updated the space's settings");
        Ok(Progress::waiting(
            SpaceState::Updating,
            format!("space {name} to be InService after the update"),
        ))
    }

    /// The checks of an in-place update, before anything changes (tags included).
    async fn check_update(
        &self,
        properties: &SpaceProperties,
        old: &SpaceProperties,
    ) -> Result<(), ResourceError> {
        if let Some(property) = properties.fixed_property_changed(old) {
            return Err(ResourceError::invalid_property(
                property,
                "cannot change on an existing space (UpdateSpace takes only SpaceDisplayName and SpaceSettings); change SpaceName too, to replace the space. Nothing was done",
            ));
        }
        if properties.idle_timeouts() != old.idle_timeouts() {
            self.check_idle_timeout_bounds(properties).await?;
        }
        let Some(size) = properties.ebs_volume_size_in_gb() else {
            return Ok(());
        };
        if properties.ebs_volume_size_in_gb() == old.ebs_volume_size_in_gb() {
            return Ok(());
        }
        let domain_id = properties.domain_id.as_str();
        let name = properties.space_name.as_str();
        if let Some(space) = self.studio.describe_space_details(domain_id, name).await?
            && let Some(live) = space.ebs_volume_size_in_gb
            && size < live
        {
            return Err(ResourceError::invalid_property(
                EBS_VOLUME_SIZE,
                format!(
                    "{size} GB is smaller than the space's volume of {live} GB; an EBS volume can grow, not shrink. Nothing was done"
                ),
            ));
        }
        self.check_ebs_maximum(properties).await
    }

    /// One step of waiting for an update to finish.
    async fn until_updated(
        &self,
        properties: &SpaceProperties,
    ) -> Result<Progress<SpaceState>, ResourceError> {
        let domain_id = properties.domain_id.as_str();
        let name = properties.space_name.as_str();
        let Some(space) = self.studio.describe_space_details(domain_id, name).await? else {
            return Err(ResourceError::permanent(format!(
                "Space {name} of domain {domain_id} disappeared while being updated"
            )));
        };
        until_in_service(SpaceState::Updating, &space)
    }

    /// One step of deleting: each step looks at what is left and moves it one stage on, so a
    /// repeated step (a retry, a duplicate delivery) is harmless.
    async fn delete_step(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &SpaceProperties,
    ) -> Result<Progress<SpaceState>, ResourceError> {
        let Some(arn) = SpaceArn::parse(physical_resource_id) else {
            return Ok(Progress::Done(
                Completed::new(physical_resource_id)
                    .with_reason("Nothing to delete: the physical id is not a space's ARN"),
            ));
        };
        let domain_id = arn.domain_id.as_str();
        // The properties spell the name as SageMaker knows it (an ARN may be lower case).
        let name = if arn.names(&properties.domain_id, &properties.space_name) {
            properties.space_name.as_str()
        } else {
            arn.space_name.as_str()
        };
        let gone = || {
            Ok(Progress::Done(
                Completed::new(physical_resource_id)
                    .with_reason(format!("Space {name} of domain {domain_id} is deleted")),
            ))
        };
        let waiting = |what: String| Ok(Progress::waiting(SpaceState::Deleting, what));

        let Some(space) = self.studio.describe_space_details(domain_id, name).await? else {
            info!(%domain_id, space_name = %name, "the space is gone");
            return gone();
        };
        if space.status == SpaceStatus::Deleting {
            return waiting(format!("space {name} to be deleted"));
        }
        let tags = match self.studio.list_tags(&space.space_arn).await {
            Ok(tags) => tags,
            Err(error) if error.is_not_found() => {
                return waiting(format!("space {name} to be deleted"));
            }
            Err(error) => return Err(error.into()),
        };
        if owned_by_another_stack(&tags, request) {
            info!(space_arn = %space.space_arn, "the space belongs to another stack; leaving it alone");
            return Ok(Progress::Done(Completed::new(physical_resource_id).with_reason(
                format!("Space {name} of domain {domain_id} belongs to another stack; it was left untouched"),
            )));
        }
        // Its work goes with a JupyterLab/Code Editor space: refused before anything is touched.
        refuse_deleting_work(
            &format!("Deleting space {name} of domain {domain_id}"),
            [&space.as_space()],
            properties.delete_space_data,
        )?;
        if matches!(space.status, SpaceStatus::Pending | SpaceStatus::Updating) {
            return waiting(format!(
                "space {name} to be InService before deleting it (now {})",
                space.status
            ));
        }

        let apps = self
            .studio
            .list_apps(domain_id, Some(&AppOwner::Space(name.to_owned())))
            .await?;
        let mut busy_apps = 0;
        for app in apps.iter().filter(|app| is_alive(app)) {
            busy_apps += 1;
            if app.status == AppStatus::Deleting {
                continue;
            }
            info!(app_type = %app.app_type, app_name = %app.app_name, "deleting app");
            match self.studio.delete_app(domain_id, app).await {
                Ok(()) => {}
                // Gone already, or not deletable yet (Pending): look again next step.
                Err(error) if error.is_not_found() || error.is_in_use() => {}
                Err(error) => return Err(error.into()),
            }
        }
        if busy_apps > 0 {
            return waiting(format!("{busy_apps} app(s) of space {name} to be deleted"));
        }

        info!(space_arn = %space.space_arn, "deleting the space");
        match self.studio.delete_space(domain_id, name).await {
            Ok(()) => {}
            Err(error) if error.is_not_found() => return gone(),
            // An app was created in the meantime: look again next step.
            Err(error) if error.is_in_use() => {
                return waiting(format!("space {name} to be free to delete ({error})"));
            }
            Err(error) => return Err(error.into()),
        }
        waiting(format!("space {name} to be deleted"))
    }
}

/// Whether an app still counts: neither deleted nor failed (a failed app is not deleted, and
/// does not keep DeleteSpace from succeeding).
fn is_alive(app: &App) -> bool {
    !matches!(app.status, AppStatus::Deleted | AppStatus::Failed)
}

/// Done once the space is `InService`; fails fast on a failure status.
fn until_in_service(
    state: SpaceState,
    space: &SpaceDetails,
) -> Result<Progress<SpaceState>, ResourceError> {
    let name = &space.space_name;
    let what = format!("Space {name} of domain {}", space.domain_id);
    if is_in_service(&what, &space.status, space.failure_reason.as_deref())? {
        return Ok(Progress::Done(completed(space)));
    }
    Ok(Progress::waiting(
        state,
        format!("space {name} to be InService (now {})", space.status),
    )
    .naming(&space.space_arn))
}

/// The answer for a space that is ready: its ARN and attributes.
fn completed(space: &SpaceDetails) -> Completed {
    let done = Completed::new(&space.space_arn)
        .with_data("SpaceArn", &space.space_arn)
        .with_data("SpaceName", &space.space_name)
        .with_data("DomainId", &space.domain_id);
    match &space.url {
        Some(url) => done.with_data("Url", url),
        None => done,
    }
}

/// CreateSpace's input from the properties: the template's tags and this request's ownership
/// tags.
fn new_space(
    request: &CustomResourceRequest,
    properties: &SpaceProperties,
) -> Result<NewSpace, ResourceError> {
    let mut tags = sagemaker_tags(&properties.tags);
    tags.extend(ownership_tags(request));
    Ok(NewSpace {
        domain_id: properties.domain_id.clone(),
        space_name: properties.space_name.clone(),
        space_display_name: properties.space_display_name.clone(),
        owner_user_profile_name: properties.owner().map(str::to_owned),
        sharing_type: properties.sharing_type()?,
        space_settings: properties.space_settings()?,
        tags,
    })
}

impl<S: StudioSpaces + 'static> CustomResource for StudioSpace<S> {
    type Properties = SpaceProperties;
    type State = SpaceState;

    fn owns_physical_id(&self, physical_resource_id: &str) -> bool {
        SpaceArn::parse(physical_resource_id).is_some()
    }

    async fn create(
        &self,
        request: &CustomResourceRequest,
        properties: &SpaceProperties,
        state: Option<SpaceState>,
    ) -> Result<Progress<SpaceState>, ResourceError> {
        self.create_step(request, properties, state).await
    }

    async fn update(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &SpaceProperties,
        old_properties: &SpaceProperties,
        state: Option<SpaceState>,
    ) -> Result<Progress<SpaceState>, ResourceError> {
        match state {
            Some(SpaceState::Creating) => self.create_step(request, properties, state).await,
            Some(SpaceState::AwaitingReady) => {
                self.update_in_place(properties, old_properties, true).await
            }
            Some(SpaceState::Updating) => self.until_updated(properties).await,
            None | Some(SpaceState::Deleting) => {
                properties.validate()?;
                let same_space = properties.domain_id == old_properties.domain_id
                    && properties.space_name == old_properties.space_name
                    && SpaceArn::parse(physical_resource_id).is_some_and(|arn| {
                        arn.names(&properties.domain_id, &properties.space_name)
                    });
                if !same_space {
                    info!(
                        domain_id = %properties.domain_id,
                        space_name = %properties.space_name,
                        "DomainId or SpaceName changed: replacing the space"
                    );
                    return self.create_step(request, properties, None).await;
                }
                self.check_update(properties, old_properties).await?;
                self.update_in_place(properties, old_properties, false)
                    .await
            }
        }
    }

    async fn delete(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &SpaceProperties,
        _state: Option<SpaceState>,
    ) -> Result<Progress<SpaceState>, ResourceError> {
        self.delete_step(request, physical_resource_id, properties)
            .await
    }
}
