//! [`UserProfiles`] on the AWS SDK's SageMaker client.

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types::{Tag, UserSettings};
use cfn_custom_resource::{AwsError, AwsErrorKind};
use studio_sagemaker::{apps, tagging, user_profiles};

use crate::ports::{App, AppOwner, NewUserProfile, Space, UserProfile, UserProfiles};

/// The SageMaker client as [`UserProfiles`].
#[derive(Debug, Clone)]
pub struct SageMakerStudio {
    client: Client,
}

impl SageMakerStudio {
    /// Wraps a client built once at cold start.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// `Ok(None)` for a "not found" error, so that a missing resource is an answer, not a failure.
fn none_if_not_found<T>(error: AwsError) -> Result<Option<T>, AwsError> {
    if error.is_not_found() {
        Ok(None)
    } else {
        Err(error)
    }
}

impl UserProfiles for SageMakerStudio {
    async fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<UserProfile>, AwsError> {
        match self
            .client
            .describe_user_profile()
            .domain_id(domain_id)
            .user_profile_name(user_profile_name)
            .send()
            .await
        {
            Ok(output) => Ok(Some(UserProfile {
                user_profile_arn: text(output.user_profile_arn()),
                domain_id: output.domain_id().unwrap_or(domain_id).to_owned(),
                user_profile_name: output
                    .user_profile_name()
                    .unwrap_or(user_profile_name)
                    .to_owned(),
                status: output
                    .status()
                    .map(|status| status.as_str().to_owned())
                    .unwrap_or_default(),
                failure_reason: output.failure_reason().map(str::to_owned),
                home_efs_file_system_uid: text(output.home_efs_file_system_uid()),
            })),
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeUserProfile", &error)),
        }
    }

    async fn create_user_profile(&self, profile: &NewUserProfile) -> Result<String, AwsError> {
        let output = self
            .client
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
        self.client
            .update_user_profile()
            .domain_id(domain_id)
            .user_profile_name(user_profile_name)
            .user_settings(settings.clone())
            .send()
            .await
            .map(|_| ())
            .map_err(|error| AwsError::from_sdk("UpdateUserProfile", &error))
    }

    async fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<(), AwsError> {
        user_profiles::delete_user_profile(&self.client, domain_id, user_profile_name).await
    }

    async fn domain_execution_role(&self, domain_id: &str) -> Result<Option<String>, AwsError> {
        let output = self
            .client
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("DescribeDomain", &error))?;
        Ok(output
            .default_user_settings()
            .and_then(UserSettings::execution_role)
            .map(str::to_owned))
    }

    async fn list_tags(&self, arn: &str) -> Result<Vec<Tag>, AwsError> {
        tagging::list_tags(&self.client, arn).await
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        tagging::add_tags(&self.client, arn, tags).await
    }

    async fn delete_tags(&self, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
        tagging::delete_tags(&self.client, arn, keys).await
    }

    async fn list_apps(&self, domain_id: &str, owner: &AppOwner) -> Result<Vec<App>, AwsError> {
        apps::list_apps(&self.client, domain_id, Some(owner)).await
    }

    async fn delete_app(&self, domain_id: &str, app: &App) -> Result<(), AwsError> {
        apps::delete_app(
            &self.client,
            domain_id,
            &app.owner,
            &app.app_type,
            &app.app_name,
        )
        .await
    }

    async fn list_spaces(&self, domain_id: &str) -> Result<Vec<Space>, AwsError> {
        apps::list_spaces(&self.client, domain_id).await
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        apps::delete_space(&self.client, domain_id, space_name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::operation::create_user_profile::{
        CreateUserProfileError, CreateUserProfileOutput,
    };
    use aws_sdk_sagemaker::operation::describe_user_profile::{
        DescribeUserProfileError, DescribeUserProfileOutput,
    };
    use aws_sdk_sagemaker::operation::list_apps::ListAppsOutput;
    use aws_sdk_sagemaker::operation::list_spaces::ListSpacesOutput;
    use aws_sdk_sagemaker::types::error::{ResourceInUse, ResourceNotFound};
    use aws_sdk_sagemaker::types::{
        AppDetails, AppStatus, OwnershipSettingsSummary, SharingType, SpaceDetails,
        SpaceSharingSettingsSummary, SpaceStatus, UserProfileStatus,
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    fn metadata(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

    #[tokio::test]
    async fn a_missing_user_profile_is_none_not_an_error() {
        let not_found = mock!(Client::describe_user_profile).then_error(|| {
            DescribeUserProfileError::ResourceNotFound(
                ResourceNotFound::builder()
                    .meta(metadata(
                        "ResourceNotFound",
                        "Cannot find UserProfile with name alice",
                    ))
                    .build(),
            )
        });
        let studio = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&not_found]));
        assert_eq!(
            studio
                .describe_user_profile("d-abcdef123456", "alice")
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn a_user_profile_is_described_with_its_status_and_home_uid() {
        let described = mock!(Client::describe_user_profile).then_output(|| {
            DescribeUserProfileOutput::builder()
                .domain_id("d-abcdef123456")
                .user_profile_arn(
                    "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abcdef123456/alice",
                )
                .user_profile_name("alice")
                .status(UserProfileStatus::Failed)
                .failure_reason("The execution role cannot be assumed")
                .home_efs_file_system_uid("200001")
                .build()
        });
        let studio = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&described]));
        let profile = studio
            .describe_user_profile("d-abcdef123456", "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(profile.status, "Failed");
        assert_eq!(
            profile.failure_reason.as_deref(),
            Some("The execution role cannot be assumed")
        );
        assert_eq!(profile.home_efs_file_system_uid, "200001");
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

    #[tokio::test]
    async fn private_spaces_carry_their_owner_and_apps_their_owner() {
        let spaces = mock!(Client::list_spaces).then_output(|| {
            ListSpacesOutput::builder()
                .spaces(
                    SpaceDetails::builder()
                        .space_name("alice-private")
                        .status(SpaceStatus::InService)
                        .ownership_settings_summary(
                            OwnershipSettingsSummary::builder()
                                .owner_user_profile_name("alice")
                                .build(),
                        )
                        .space_sharing_settings_summary(
                            SpaceSharingSettingsSummary::builder()
                                .sharing_type(SharingType::Private)
                                .build(),
                        )
                        .build(),
                )
                .spaces(
                    SpaceDetails::builder()
                        .space_name("team")
                        .status(SpaceStatus::InService)
                        .build(),
                )
                .build()
        });
        let apps = mock!(Client::list_apps)
            .match_requests(|input| input.space_name_equals() == Some("alice-private"))
            .then_output(|| {
                ListAppsOutput::builder()
                    .apps(
                        AppDetails::builder()
                            .space_name("alice-private")
                            .app_type(aws_sdk_sagemaker::types::AppType::JupyterLab)
                            .app_name("default")
                            .status(AppStatus::InService)
                            .build(),
                    )
                    .build()
            });
        let studio = SageMakerStudio::new(mock_client!(
            aws_sdk_sagemaker,
            RuleMode::MatchAny,
            [&spaces, &apps]
        ));
        let listed = studio.list_spaces("d-abcdef123456").await.unwrap();
        assert!(listed[0].is_private_to("alice"));
        assert!(!listed[1].is_private_to("alice"));
        let listed = studio
            .list_apps(
                "d-abcdef123456",
                &AppOwner::Space("alice-private".to_owned()),
            )
            .await
            .unwrap();
        assert_eq!(
            listed,
            vec![App {
                app_type: "JupyterLab".into(),
                app_name: "default".into(),
                owner: AppOwner::Space("alice-private".into()),
                status: "InService".into(),
            }]
        );
    }
}
