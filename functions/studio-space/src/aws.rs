//! [`StudioSpaces`] on the shared SDK adapter: this function's own calls (CreateSpace,
//! UpdateSpace, DescribeSpace in full, the domain's EBS maximum); the shared Studio ports are
//! `studio_sagemaker::aws`'s.

use aws_sdk_sagemaker::types::{OwnershipSettings, SpaceSettings, SpaceSharingSettings};
use cfn_custom_resource::{AwsError, AwsErrorKind};
use studio_sagemaker::aws::none_if_not_found;

pub use studio_sagemaker::aws::SageMakerStudio;

use crate::ports::{NewSpace, SpaceDetails, StudioSpaces};

impl StudioSpaces for SageMakerStudio {
    async fn describe_space_details(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<SpaceDetails>, AwsError> {
        let output = match self
            .client()
            .describe_space()
            .domain_id(domain_id)
            .space_name(space_name)
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) => return none_if_not_found(AwsError::from_sdk("DescribeSpace", &error)),
        };
        let settings = output.space_settings();
        Ok(Some(SpaceDetails {
            space_arn: output.space_arn().unwrap_or_default().to_owned(),
            space_name: output.space_name().unwrap_or(space_name).to_owned(),
            domain_id: output.domain_id().unwrap_or(domain_id).to_owned(),
            status: output
                .status()
                .cloned()
                .unwrap_or_else(|| aws_sdk_sagemaker::types::SpaceStatus::from("")),
            failure_reason: output.failure_reason().map(str::to_owned),
            url: output.url().map(str::to_owned),
            app_type: settings.and_then(SpaceSettings::app_type).cloned(),
            ebs_volume_size_in_gb: settings
                .and_then(SpaceSettings::space_storage_settings)
                .and_then(|storage| storage.ebs_storage_settings())
                .and_then(|ebs| ebs.ebs_volume_size_in_gb()),
        }))
    }

    async fn create_space(&self, space: &NewSpace) -> Result<String, AwsError> {
        let output = self
            .client()
            .create_space()
            .domain_id(&space.domain_id)
            .space_name(&space.space_name)
            .set_space_display_name(space.space_display_name.clone())
            .set_ownership_settings(space.owner_user_profile_name.as_ref().map(|owner| {
                OwnershipSettings::builder()
                    .owner_user_profile_name(owner)
                    .build()
            }))
            .set_space_sharing_settings(space.sharing_type.clone().map(|sharing_type| {
                SpaceSharingSettings::builder()
                    .sharing_type(sharing_type)
                    .build()
            }))
            .set_space_settings(space.space_settings.clone())
            .set_tags(Some(space.tags.clone()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("CreateSpace", &error))?;
        output
            .space_arn()
            .map(str::to_owned)
            .ok_or_else(|| AwsError {
                operation: "CreateSpace",
                code: None,
                message: "the response has no SpaceArn".to_owned(),
                kind: AwsErrorKind::Other,
            })
    }

    async fn update_space(
        &self,
        domain_id: &str,
        space_name: &str,
        space_display_name: Option<&str>,
        space_settings: Option<&SpaceSettings>,
    ) -> Result<(), AwsError> {
        self.client()
            .update_space()
            .domain_id(domain_id)
            .space_name(space_name)
            .set_space_display_name(space_display_name.map(str::to_owned))
            .set_space_settings(space_settings.cloned())
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("UpdateSpace", &error))
    }

    async fn domain_maximum_ebs_volume_size_in_gb(
        &self,
        domain_id: &str,
    ) -> Result<Option<Option<i32>>, AwsError> {
        let output = match self
            .client()
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) => return none_if_not_found(AwsError::from_sdk("DescribeDomain", &error)),
        };
        Ok(Some(
            output
                .default_user_settings()
                .and_then(|settings| settings.space_storage_settings())
                .and_then(|storage| storage.default_ebs_storage_settings())
                .and_then(|ebs| ebs.maximum_ebs_volume_size_in_gb()),
        ))
    }
}
