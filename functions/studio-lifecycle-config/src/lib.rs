//! `Custom::StudioLifecycleConfig`: a SageMaker Studio lifecycle configuration that can be
//! edited, as a CloudFormation custom resource.
//!
//! SageMaker has no update call for a lifecycle config, and DeleteStudioLifecycleConfig is
//! refused while a domain, user profile or space lists it (API reference: "You must also remove
//! the Lifecycle Configuration from UserSettings in all Domains and UserProfiles"). The native
//! `AWS::SageMaker::StudioLifecycleConfig` replaces the config on every edit, and its delete of
//! the old one then fails while anything still lists the old ARN. This resource:
//!
//! - keeps a **stable physical id** (`studio-lifecycle-config/<base>/<AppType>`, see
//!   [`versions`]) and makes a **new version** (`<base>-v<digest>`) on a change of
//!   `StudioLifecycleConfigContent` or `Tags`, answering the current version's ARN and name as
//!   the attributes `StudioLifecycleConfigArn` and `StudioLifecycleConfigName`, so that
//!   CloudFormation updates the resources of the stack that reference them;
//! - **retires** the older versions it made, each only once nothing lists it: it tries
//!   DeleteStudioLifecycleConfig and keeps a version SageMaker says is in use (`ResourceInUse`)
//!   for a later update or the delete to try again. It never fails an update for that, and never
//!   changes a domain, profile or space;
//! - on **delete**, deletes its versions, and refuses (FAILED, nothing more deleted) while
//!   something still uses one, naming what lists it (only then are domains, profiles and spaces
//!   read, to name them);
//! - takes a new `StudioLifecycleConfigName` or `StudioLifecycleConfigAppType` as a
//!   **replacement** (a new physical id; CloudFormation then deletes the old one);
//! - checks every property before any call; tags each version with the ownership tags and
//!   touches no config another stack (or another resource of the stack) made.

pub mod properties;
#[cfg(test)]
mod tests;
pub mod versions;

use aws_sdk_sagemaker::types::Tag as SageMakerTag;
use cfn_custom_resource::{
    AwsError, Completed, CustomResource, CustomResourceRequest, Progress, ResourceError,
};
use serde::{Deserialize, Serialize};
use studio_sagemaker::lifecycle_configs::{LifecycleConfig, LifecycleConfigs, NewLifecycleConfig};
use studio_sagemaker::ownership::{LOGICAL_ID_TAG, STACK_ID_TAG, ownership_tags, tag_value};
use studio_sagemaker::ports::Tags;
use studio_sagemaker::sagemaker_tags;
use tracing::info;

use crate::properties::LifecycleConfigProperties;
use crate::versions::{PhysicalId, is_version_of, version_name};

/// What an unfinished operation carries to its next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifecycleConfigState {
    /// The current version exists; the older ones are to be retired.
    Retiring {
        /// The current version's name and ARN.
        name: String,
        arn: String,
    },
}

/// A version of the resource, with whose it is.
#[derive(Debug, Clone)]
struct Version {
    config: LifecycleConfig,
    /// Made by this very resource (its stack and logical id).
    ours: bool,
}

/// The `Custom::StudioLifecycleConfig` resource.
#[derive(Debug)]
pub struct StudioLifecycleConfig<S> {
    studio: S,
}

/// Whether `tags` say the resource `request` is for made it (any of its requests).
fn made_by_this_resource(tags: &[SageMakerTag], request: &CustomResourceRequest) -> bool {
    tag_value(tags, STACK_ID_TAG) == Some(request.stack_id.as_str())
        && tag_value(tags, LOGICAL_ID_TAG) == Some(request.logical_resource_id.as_str())
}

impl<S: LifecycleConfigs + Tags> StudioLifecycleConfig<S> {
    /// The resource, calling SageMaker through `studio`.
    pub fn new(studio: S) -> Self {
        Self { studio }
    }

    /// Every config named as a version of `base`, of any app type, with whose it is.
    async fn versions(
        &self,
        request: &CustomResourceRequest,
        base: &str,
    ) -> Result<Vec<Version>, AwsError> {
        let mut versions = Vec::new();
        for config in self.studio.list_lifecycle_configs(base).await? {
            if !is_version_of(&config.name, base) {
                continue;
            }
            let ours = match self.studio.list_tags(&config.arn).await {
                Ok(tags) => made_by_this_resource(&tags, request),
                // Deleted since the listing.
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error),
            };
            versions.push(Version { config, ours });
        }
        Ok(versions)
    }

    /// The first step of a create or an update: the version `properties` describe, found
    /// (made by this resource before: a repeated step, a rollback, content given again) or made.
    async fn current_version(
        &self,
        request: &CustomResourceRequest,
        properties: &LifecycleConfigProperties,
    ) -> Result<Progress<LifecycleConfigState>, ResourceError> {
        properties.validate()?;
        let id = PhysicalId::of(properties);
        let name = version_name(properties);
        let existing = self
            .versions(request, properties.base_name())
            .await?
            .into_iter()
            .find(|version| version.config.name == name);
        let arn = match existing {
            Some(version) if version.ours => {
                info!(lifecycle_config = %name, "found the version this resource made before");
                version.config.arn
            }
            Some(_) => {
                return Err(ResourceError::permanent(format!(
                    "A Studio lifecycle config named {name} already exists, and this resource did not make it; it was left untouched. Choose another StudioLifecycleConfigName"
                )));
            }
            None => {
                let mut tags = sagemaker_tags(&properties.tags);
                tags.extend(ownership_tags(request));
                let new = NewLifecycleConfig {
                    name: name.clone(),
                    content: properties.studio_lifecycle_config_content.clone(),
                    app_type: properties.app_type(),
                    tags,
                };
                match self.studio.create_lifecycle_config(&new).await {
                    Ok(arn) => {
                        info!(lifecycle_config = %name, lifecycle_config_arn = %arn, "created the version");
                        arn
                    }
                    // Made in the meantime (a duplicate delivery): look again.
                    Err(error) if error.is_in_use() => {
                        return Err(ResourceError::retryable(error.to_string()));
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        };
        Ok(Progress::waiting(
            LifecycleConfigState::Retiring { name, arn },
            format!(
                "the older versions of Studio lifecycle config {} to be retired",
                properties.base_name()
            ),
        )
        .naming(id.to_string()))
    }

    /// The second step: every older version this resource made that nothing uses any more is
    /// deleted; one in use is kept for a later update or the delete. Done with the current one.
    async fn retire_older_versions(
        &self,
        request: &CustomResourceRequest,
        properties: &LifecycleConfigProperties,
        current_name: &str,
        current_arn: &str,
    ) -> Result<Progress<LifecycleConfigState>, ResourceError> {
        let id = PhysicalId::of(properties);
        let mut retired = Vec::new();
        let mut kept = Vec::new();
        for version in self.versions(request, &id.base).await? {
            let name = version.config.name.as_str();
            if !version.ours
                || name == current_name
                || version.config.app_type.as_str() != id.app_type
            {
                continue;
            }
            match self.studio.delete_lifecycle_config(name).await {
                Ok(()) => {
                    info!(lifecycle_config = %name, "retired an older version");
                    retired.push(name.to_owned());
                }
                Err(error) if error.is_not_found() => {}
                // DeleteStudioLifecycleConfig: "there must be no running apps using the Lifecycle
                // Configuration" and no domain or profile listing it. Kept, tried again later.
                Err(error) if error.is_in_use() => {
                    info!(lifecycle_config = %name, error = %error, "an older version is still in use; kept");
                    kept.push(name.to_owned());
                }
                Err(error) => return Err(error.into()),
            }
        }
        let mut reason = format!("Current version {current_name}");
        if !retired.is_empty() {
            reason.push_str(&format!("; retired {}", retired.join(", ")));
        }
        if !kept.is_empty() {
            reason.push_str(&format!(
                "; kept while in use (retired by a later update or the delete) {}",
                kept.join(", ")
            ));
        }
        Ok(Progress::Done(
            Completed::new(id.to_string())
                .with_data("StudioLifecycleConfigArn", current_arn)
                .with_data("StudioLifecycleConfigName", current_name)
                .with_reason(reason),
        ))
    }

    /// Deletes every version this resource made, the older ones first; refuses, naming what
    /// lists them, while one is in use.
    async fn delete_versions(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &LifecycleConfigProperties,
    ) -> Result<Progress<LifecycleConfigState>, ResourceError> {
        let Some(id) = PhysicalId::parse(physical_resource_id) else {
            return Ok(Progress::Done(Completed::new(physical_resource_id).with_reason(
                "Nothing to delete: the physical id is not a Studio lifecycle config resource's",
            )));
        };
        let current = (PhysicalId::of(properties) == id).then(|| version_name(properties));
        let mut versions: Vec<Version> = self
            .versions(request, &id.base)
            .await?
            .into_iter()
            .filter(|version| version.ours && version.config.app_type.as_str() == id.app_type)
            .collect();
        // The older versions first, the current one last.
        versions.sort_by_key(|version| Some(&version.config.name) == current.as_ref());
        let mut in_use = Vec::new();
        for version in &versions {
            let name = version.config.name.as_str();
            match self.studio.delete_lifecycle_config(name).await {
                Ok(()) => info!(lifecycle_config = %name, "deleted a version"),
                Err(error) if error.is_not_found() => {}
                Err(error) if error.is_in_use() => in_use.push((version, error)),
                Err(error) => return Err(error.into()),
            }
        }
        if in_use.is_empty() {
            return Ok(Progress::Done(
                Completed::new(physical_resource_id).with_reason(format!(
                    "Every version of Studio lifecycle config {} is deleted",
                    id.base
                )),
            ));
        }
        let mut uses = Vec::new();
        for (version, error) in in_use {
            let users = self
                .studio
                .lifecycle_config_users(&version.config.arn)
                .await?;
            let what = if users.is_empty() {
                format!("in use ({error}; an app running with it?)")
            } else {
                format!("listed by {}", users.join(", "))
            };
            let role = if Some(&version.config.name) == current.as_ref() {
                "the current version"
            } else {
                "an older version"
            };
            uses.push(format!("{} ({role}) is {what}", version.config.name));
        }
        Err(ResourceError::permanent(format!(
            "Studio lifecycle config {} cannot be deleted: {}. Remove it from those settings (and stop the apps using it) first; the versions nothing used were deleted",
            id.base,
            uses.join("; ")
        )))
    }
}

impl<S: LifecycleConfigs + Tags + 'static> CustomResource for StudioLifecycleConfig<S> {
    type Properties = LifecycleConfigProperties;
    type State = LifecycleConfigState;

    fn owns_physical_id(&self, physical_resource_id: &str) -> bool {
        PhysicalId::parse(physical_resource_id).is_some()
    }

    async fn create(
        &self,
        request: &CustomResourceRequest,
        properties: &LifecycleConfigProperties,
        state: Option<LifecycleConfigState>,
    ) -> Result<Progress<LifecycleConfigState>, ResourceError> {
        match state {
            None => self.current_version(request, properties).await,
            Some(LifecycleConfigState::Retiring { name, arn }) => {
                self.retire_older_versions(request, properties, &name, &arn)
                    .await
            }
        }
    }

    /// The same steps as a create: a new base name or app type is a new physical id (a
    /// replacement); otherwise the id stays and the version follows the content and tags.
    async fn update(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &LifecycleConfigProperties,
        _old_properties: &LifecycleConfigProperties,
        state: Option<LifecycleConfigState>,
    ) -> Result<Progress<LifecycleConfigState>, ResourceError> {
        if state.is_none()
            && PhysicalId::parse(physical_resource_id) != Some(PhysicalId::of(properties))
        {
            info!(
                from = %physical_resource_id,
                to = %PhysicalId::of(properties),
                "StudioLifecycleConfigName or StudioLifecycleConfigAppType changed: replacing the resource"
            );
        }
        self.create(request, properties, state).await
    }

    async fn delete(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &LifecycleConfigProperties,
        _state: Option<LifecycleConfigState>,
    ) -> Result<Progress<LifecycleConfigState>, ResourceError> {
        self.delete_versions(request, physical_resource_id, properties)
            .await
    }
}
