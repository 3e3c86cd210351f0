//! [`StudioUserProfiles`] on the shared SDK adapter: this function's own calls
//! (CreateUserProfile, UpdateUserProfile); the shared Studio ports are
//! `studio_sagemaker::aws`'s. [`ExecutionRoles`] on the IAM client.

use aws_sdk_sagemaker::types::UserSettings;
use cfn_custom_resource::{AwsError, AwsErrorKind};

pub use studio_sagemaker::aws::SageMakerStudio;

use crate::ports::{ExecutionRole, ExecutionRoles, NewUserProfile, StudioUserProfiles};

/// IAM, for the execution-role check.
#[derive(Debug, Clone)]
pub struct IamRoles {
    client: aws_sdk_iam::Client,
}

impl IamRoles {
    /// The check's IAM calls through `client`.
    pub fn new(client: aws_sdk_iam::Client) -> Self {
        Self { client }
    }
}

impl ExecutionRoles for IamRoles {
    /// GetRole answers the role with its tags (IAM API Reference, GetRole: "Role" includes
    /// "Tags"), so one call reads both; `NoSuchEntity` means there is no such role.
    async fn get_role(&self, role_name: &str) -> Result<Option<ExecutionRole>, AwsError> {
        let output = match self.client.get_role().role_name(role_name).send().await {
            Ok(output) => output,
            Err(error) => {
                let error = AwsError::from_sdk("GetRole", &error);
                if error.is_not_found() {
                    return Ok(None);
                }
                return Err(error);
            }
        };
        let Some(role) = output.role() else {
            return Ok(None);
        };
        Ok(Some(ExecutionRole {
            arn: role.arn().to_owned(),
            tags: role
                .tags()
                .iter()
                .map(|tag| cfn_custom_resource::Tag {
                    key: tag.key().to_owned(),
                    value: tag.value().to_owned(),
                })
                .collect(),
        }))
    }
}

impl StudioUserProfiles for SageMakerStudio {
    async fn create_user_profile(&self, profile: &NewUserProfile) -> Result<String, AwsError> {
        let output = self
            .client()
            .create_user_profile()
            .domain_id(&profile.domain_id)
            .user_profile_name(&profile.user_profile_name)
            .set_single_sign_on_user_identifier(profile.single_sign_on_user_identifier.clone())
            .set_single_sign_on_user_value(profile.single_sign_on_user_value.clone())
            .set_user_settings(profile.user_settings.clone())
            .set_tags(Some(profile.tags.clone()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("CreateUserProfile", &error))?;
        output
            .user_profile_arn()
            .map(str::to_owned)
            .ok_or_else(|| AwsError {
                operation: "CreateUserProfile",
                code: None,
                message: "the response has no UserProfileArn".to_owned(),
                kind: AwsErrorKind::Other,
            })
    }

    async fn update_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
        settings: &UserSettings,
    ) -> Result<(), AwsError> {
        self.client()
            .update_user_profile()
            .domain_id(domain_id)
            .user_profile_name(user_profile_name)
            .user_settings(settings.clone())
            .send()
            .await
            .map(|_| ())
            .map_err(|error| AwsError::from_sdk("UpdateUserProfile", &error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::Client;
    use aws_sdk_sagemaker::operation::create_user_profile::{
        CreateUserProfileError, CreateUserProfileOutput,
    };
    use aws_sdk_sagemaker::types::error::ResourceInUse;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    fn metadata(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

    #[tokio::test]
    async fn throttling_is_transient_and_an_existing_profile_is_in_use() {
        let throttled = mock!(Client::create_user_profile)
            .sequence()
            .http_status(
                400,
                Some(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_owned()),
            )
            .times(2)
            .error(|| {
                CreateUserProfileError::ResourceInUse(
                    ResourceInUse::builder()
                        .meta(metadata(
                            "ResourceInUse",
                            "UserProfile alice already exists",
                        ))
                        .build(),
                )
            })
            .output(|| CreateUserProfileOutput::builder().build())
            .build();
        let client = mock_client!(
            aws_sdk_sagemaker,
            RuleMode::MatchAny,
            [&throttled],
            |config| config.retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        );
        let studio = SageMakerStudio::new(client);
        let profile = NewUserProfile {
            domain_id: "d-abcdef123456".into(),
            user_profile_name: "alice".into(),
            single_sign_on_user_identifier: None,
            single_sign_on_user_value: None,
            user_settings: None,
            tags: vec![],
        };
        let throttling = studio.create_user_profile(&profile).await.unwrap_err();
        assert!(throttling.is_transient(), "{throttling:?}");
        assert!(cfn_custom_resource::ResourceError::from(throttling).is_retryable());
        let _second_throttle = studio.create_user_profile(&profile).await.unwrap_err();
        let in_use = studio.create_user_profile(&profile).await.unwrap_err();
        assert!(in_use.is_in_use(), "{in_use:?}");
        let no_arn = studio.create_user_profile(&profile).await.unwrap_err();
        assert_eq!(no_arn.message, "the response has no UserProfileArn");
    }
}
