//! What `studio-space` needs from SageMaker: the shared Studio ports and its own calls, as the
//! trait [`StudioSpaces`] the logic is written against.

use std::future::Future;

use aws_sdk_sagemaker::types::{AppType, SharingType, SpaceSettings, SpaceStatus, Tag};
use cfn_custom_resource::AwsError;

pub use studio_sagemaker::ports::{
    App, AppOwner, Apps, IdleShutdownSettings, Space, Spaces, Tags, UserProfiles,
};
/// The resource's physical id.
pub use studio_sagemaker::spaces::SpaceArn;

/// Everything CreateSpace needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSpace {
    pub domain_id: String,
    pub space_name: String,
    pub space_display_name: Option<String>,
    /// `OwnershipSettings.OwnerUserProfileName`.
    pub owner_user_profile_name: Option<String>,
    /// `SpaceSharingSettings.SharingType`.
    pub sharing_type: Option<SharingType>,
    pub space_settings: Option<SpaceSettings>,
    /// The template's tags and the ownership tags.
    pub tags: Vec<Tag>,
}

/// A space as DescribeSpace tells it, as far as the resource reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpaceDetails {
    pub space_arn: String,
    pub space_name: String,
    pub domain_id: String,
    pub status: SpaceStatus,
    /// Why it failed, if it did.
    pub failure_reason: Option<String>,
    /// The space's URL in Studio, if DescribeSpace gave one.
    pub url: Option<String>,
    /// `SpaceSettings.AppType`.
    pub app_type: Option<AppType>,
    /// `SpaceSettings.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb`.
    pub ebs_volume_size_in_gb: Option<i32>,
}

impl SpaceDetails {
    /// The space as the shared ports know it (what `studio_sagemaker::spaces` decides on).
    pub fn as_space(&self) -> Space {
        Space {
            space_name: self.space_name.clone(),
            status: self.status.clone(),
            owner_user_profile_name: None,
            sharing_type: None,
            app_type: self.app_type.clone(),
        }
    }
}

/// The SageMaker calls a space's lifecycle makes: the shared Studio ports, and CreateSpace,
/// UpdateSpace, DescribeSpace in full and the domain's EBS maximum, which are this function's
/// own.
pub trait StudioSpaces: Spaces + Apps + Tags + UserProfiles + IdleShutdownSettings {
    /// DescribeSpace; `None` if there is no such space (or domain).
    fn describe_space_details(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> impl Future<Output = Result<Option<SpaceDetails>, AwsError>> + Send;
    /// CreateSpace; returns the new space's ARN.
    fn create_space(
        &self,
        space: &NewSpace,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// UpdateSpace with the display name and settings given (neither: nothing to send).
    fn update_space(
        &self,
        domain_id: &str,
        space_name: &str,
        space_display_name: Option<&str>,
        space_settings: Option<&SpaceSettings>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DescribeDomain's `DefaultUserSettings.SpaceStorageSettings.DefaultEbsStorageSettings
    /// .MaximumEbsVolumeSizeInGb`: `None` if there is no such domain, `Some(None)` if the domain
    /// sets no maximum.
    fn domain_maximum_ebs_volume_size_in_gb(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<Option<i32>>, AwsError>> + Send;
}

/// The in-memory Studio's spaces, for the unit tests: CreateSpace, UpdateSpace and DescribeSpace
/// in full against the shared state of [`studio_sagemaker::memory::MemoryStudio`].
#[cfg(test)]
mod in_memory {
    use studio_sagemaker::memory::{MemoryStudio, StoredSpaceDetails, arn, in_use, not_found};

    use super::*;

    fn ebs_size(settings: Option<&SpaceSettings>) -> Option<i32> {
        settings
            .and_then(SpaceSettings::space_storage_settings)
            .and_then(|storage| storage.ebs_storage_settings())
            .and_then(|ebs| ebs.ebs_volume_size_in_gb())
    }

    impl StudioSpaces for MemoryStudio {
        async fn describe_space_details(
            &self,
            domain_id: &str,
            space_name: &str,
        ) -> Result<Option<SpaceDetails>, AwsError> {
            let mut state = self.call("DescribeSpace", space_name)?;
            state.settle();
            let key = (domain_id.to_owned(), space_name.to_owned());
            let Some(space) = state.spaces.get(&key).cloned() else {
                return Ok(None);
            };
            let details = state.space_details.get(&key).cloned().unwrap_or_default();
            Ok(Some(SpaceDetails {
                space_arn: details.space_arn,
                space_name: space.space_name,
                domain_id: domain_id.to_owned(),
                status: space.status,
                failure_reason: details.failure_reason,
                url: Some(details.url),
                app_type: space.app_type,
                ebs_volume_size_in_gb: ebs_size(details.space_settings.as_ref()),
            }))
        }

        /// Refused for a domain or an owner that does not exist (`ResourceNotFound`) or a
        /// name taken (`ResourceInUse`).
        async fn create_space(&self, new: &NewSpace) -> Result<String, AwsError> {
            let mut state = self.call("CreateSpace", &new.space_name)?;
            if !state.domains.contains_key(&new.domain_id) {
                return Err(not_found(
                    "CreateSpace",
                    &format!("Domain with id {}", new.domain_id),
                ));
            }
            if let Some(owner) = &new.owner_user_profile_name {
                state.profile_mut("CreateSpace", &new.domain_id, owner)?;
            }
            let key = (new.domain_id.clone(), new.space_name.clone());
            if state.spaces.contains_key(&key) {
                return Err(in_use(
                    "CreateSpace",
                    format!("Space {} already exists", new.space_name),
                ));
            }
            let space_arn = arn(&format!("space/{}/{}", new.domain_id, new.space_name));
            state.spaces.insert(
                key.clone(),
                Space {
                    space_name: new.space_name.clone(),
                    status: SpaceStatus::Pending,
                    owner_user_profile_name: new.owner_user_profile_name.clone(),
                    sharing_type: new.sharing_type.clone(),
                    app_type: new
                        .space_settings
                        .as_ref()
                        .and_then(|settings| settings.app_type())
                        .cloned(),
                },
            );
            state.space_details.insert(
                key,
                StoredSpaceDetails {
                    space_arn: space_arn.clone(),
                    url: format!(
                        "https://{}.studio.us-east-1.sagemaker.aws/jupyterlab/default",
                        new.space_name
                    ),
                    space_display_name: new.space_display_name.clone(),
                    space_settings: new.space_settings.clone(),
                    failure_reason: None,
                },
            );
            state.tags.insert(space_arn.clone(), new.tags.clone());
            Ok(space_arn)
        }

        /// Refused unless the space is `InService`; the settings given replace the stored ones.
        async fn update_space(
            &self,
            domain_id: &str,
            space_name: &str,
            space_display_name: Option<&str>,
            space_settings: Option<&SpaceSettings>,
        ) -> Result<(), AwsError> {
            let mut state = self.call("UpdateSpace", space_name)?;
            let key = (domain_id.to_owned(), space_name.to_owned());
            let space = state
                .spaces
                .get_mut(&key)
                .ok_or_else(|| not_found("UpdateSpace", &format!("Space {space_name}")))?;
            if space.status != SpaceStatus::InService {
                return Err(in_use("UpdateSpace", format!("Space is {}", space.status)));
            }
            space.status = SpaceStatus::Updating;
            let details = state.space_details.entry(key).or_default();
            if let Some(name) = space_display_name {
                details.space_display_name = Some(name.to_owned());
            }
            if let Some(settings) = space_settings {
                details.space_settings = Some(settings.clone());
            }
            Ok(())
        }

        async fn domain_maximum_ebs_volume_size_in_gb(
            &self,
            domain_id: &str,
        ) -> Result<Option<Option<i32>>, AwsError> {
            let state = self.call("DescribeDomain", domain_id)?;
            if !state.domains.contains_key(domain_id) {
                return Ok(None);
            }
            Ok(Some(
                state
                    .domain_maximum_ebs_volume_size_in_gb
                    .get(domain_id)
                    .copied(),
            ))
        }
    }
}
