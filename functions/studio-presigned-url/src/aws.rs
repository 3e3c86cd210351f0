//! [`PresignedUrls`], the function's own call, on the suite's SageMaker adapter
//! ([`studio_sagemaker::aws::SageMakerStudio`], which also serves the Studio ports the function
//! reads: user profiles, tags, spaces).
//!
//! Errors are classified by [`AwsError`], which keeps the code and message AWS answered and
//! drops the rest of the response.

use lambda_support::{AwsError, AwsErrorKind};
pub use studio_sagemaker::aws::SageMakerStudio;

use crate::studio::{PresignRequest, PresignedUrl, PresignedUrls};

fn seconds(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl PresignedUrls for SageMakerStudio {
    async fn create_presigned_domain_url(
        &self,
        request: &PresignRequest,
    ) -> Result<PresignedUrl, AwsError> {
        let output = self
            .client()
            .create_presigned_domain_url()
            .domain_id(&request.domain_id)
            .user_profile_name(&request.user_profile_name)
            .session_expiration_duration_in_seconds(seconds(request.session_expiration_seconds))
            .expires_in_seconds(seconds(request.expires_in_seconds))
            .set_space_name(request.space_name.clone())
            .set_landing_uri(request.landing_uri.clone())
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("CreatePresignedDomainUrl", &error))?;
        output
            .authorized_url
            .filter(|url| !url.is_empty())
            .map(PresignedUrl::new)
            .ok_or_else(|| AwsError {
                operation: "CreatePresignedDomainUrl",
                code: None,
                message: "the response has no AuthorizedUrl".to_owned(),
                kind: AwsErrorKind::Other,
            })
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sagemaker::{
        Client,
        operation::{
            create_presigned_domain_url::{
                CreatePresignedDomainUrlError, CreatePresignedDomainUrlOutput,
            },
            describe_space::DescribeSpaceError,
            list_tags::ListTagsOutput,
            list_user_profiles::{ListUserProfilesError, ListUserProfilesOutput},
        },
        types::{
            SharingType, SpaceStatus, Tag, UserProfileDetails, UserProfileStatus,
            error::ResourceNotFound,
        },
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use studio_sagemaker::ports::{Page, Space, Spaces, Tags, UserProfileSummary, UserProfiles};

    use super::*;

    fn throttled() -> ErrorMetadata {
        ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build()
    }

    #[tokio::test]
    async fn profiles_are_listed_a_page_at_a_time_with_their_status() {
        let first = mock!(Client::list_user_profiles)
            .match_requests(|input| {
                input.domain_id_equals() == Some("d-abc123def456")
                    && input.max_results() == Some(100)
                    && input.next_token().is_none()
            })
            .then_output(|| {
                ListUserProfilesOutput::builder()
                    .user_profiles(
                        UserProfileDetails::builder()
                            .user_profile_name("alice")
                            .status(UserProfileStatus::InService)
                            .build(),
                    )
                    .next_token("page-2")
                    .build()
            });
        let client = mock_client!(aws_sdk_sagemaker, [&first]);
        let page = SageMakerStudio::new(client)
            .list_user_profiles_page("d-abc123def456", None)
            .await
            .expect("page");
        assert_eq!(
            page,
            Page {
                items: vec![UserProfileSummary {
                    user_profile_name: "alice".into(),
                    status: UserProfileStatus::InService,
                }],
                next_token: Some("page-2".into()),
            }
        );
    }

    #[tokio::test]
    async fn throttling_is_classified_as_transient() {
        let rule = mock!(Client::list_user_profiles)
            .then_error(|| ListUserProfilesError::generic(throttled()));
        let client = mock_client!(aws_sdk_sagemaker, [&rule]);
        let error = SageMakerStudio::new(client)
            .list_user_profiles_page("d-abc123def456", None)
            .await
            .expect_err("throttled");
        assert!(error.is_transient());
        assert_eq!(error.operation, "ListUserProfiles");
    }

    #[tokio::test]
    async fn tags_are_listed_for_the_given_arn() {
        let arn = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abc123def456/alice";
        let rule = mock!(Client::list_tags)
            .match_requests(move |input| input.resource_arn() == Some(arn))
            .then_output(|| {
                ListTagsOutput::builder()
                    .tags(Tag::builder().key("studiouserid").value("alice").build())
                    .build()
            });
        let client = mock_client!(aws_sdk_sagemaker, [&rule]);
        let page = SageMakerStudio::new(client)
            .list_tags_page(arn, None)
            .await
            .expect("tags");
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.next_token, None);
    }

    #[tokio::test]
    async fn a_missing_space_is_none() {
        let rule = mock!(Client::describe_space).then_error(|| {
            DescribeSpaceError::ResourceNotFound(
                ResourceNotFound::builder()
                    .message("Cannot find Space")
                    .meta(ErrorMetadata::builder().code("ResourceNotFound").build())
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_sagemaker, [&rule]);
        assert_eq!(
            SageMakerStudio::new(client)
                .describe_space("d-abc123def456", "gone")
                .await,
            Ok(None)
        );
    }

    #[tokio::test]
    async fn a_space_reports_its_sharing_and_owner() {
        use aws_sdk_sagemaker::{
            operation::describe_space::DescribeSpaceOutput,
            types::{OwnershipSettings, SpaceSharingSettings},
        };
        let rule = mock!(Client::describe_space).then_output(|| {
            DescribeSpaceOutput::builder()
                .space_sharing_settings(
                    SpaceSharingSettings::builder()
                        .sharing_type(SharingType::Private)
                        .build(),
                )
                .ownership_settings(
                    OwnershipSettings::builder()
                        .owner_user_profile_name("bob")
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_sagemaker, [&rule]);
        assert_eq!(
            SageMakerStudio::new(client)
                .describe_space("d-abc123def456", "bobs")
                .await,
            Ok(Some(Space {
                space_name: "bobs".into(),
                status: SpaceStatus::from(""),
                owner_user_profile_name: Some("bob".into()),
                sharing_type: Some(SharingType::Private),
            }))
        );
    }

    #[tokio::test]
    async fn the_presigned_url_request_carries_every_setting() {
        let rule = mock!(Client::create_presigned_domain_url)
            .match_requests(|input| {
                input.domain_id() == Some("d-abc123def456")
                    && input.user_profile_name() == Some("alice")
                    && input.session_expiration_duration_in_seconds() == Some(1800)
                    && input.expires_in_seconds() == Some(5)
                    && input.space_name() == Some("team")
                    && input.landing_uri() == Some("studio::")
            })
            .then_output(|| {
                CreatePresignedDomainUrlOutput::builder()
                    .authorized_url(
                        "https://d-abc123def456.studio.us-east-1.sagemaker.aws/auth?token=t",
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_sagemaker, [&rule]);
        let url = SageMakerStudio::new(client)
            .create_presigned_domain_url(&PresignRequest {
                domain_id: "d-abc123def456".into(),
                user_profile_name: "alice".into(),
                session_expiration_seconds: 1800,
                expires_in_seconds: 5,
                space_name: Some("team".into()),
                landing_uri: Some("studio::".into()),
            })
            .await
            .expect("url");
        assert!(url.expose().ends_with("token=t"));
    }

    #[tokio::test]
    async fn an_answer_without_a_url_is_an_error() {
        let rule = mock!(Client::create_presigned_domain_url)
            .then_output(|| CreatePresignedDomainUrlOutput::builder().build());
        let other = mock!(Client::create_presigned_domain_url)
            .then_error(|| CreatePresignedDomainUrlError::generic(throttled()));
        let client = mock_client!(aws_sdk_sagemaker, RuleMode::Sequential, [&rule, &other]);
        let studio = SageMakerStudio::new(client);
        let request = PresignRequest {
            domain_id: "d-abc123def456".into(),
            user_profile_name: "alice".into(),
            session_expiration_seconds: 43200,
            expires_in_seconds: 60,
            space_name: None,
            landing_uri: None,
        };
        let error = studio
            .create_presigned_domain_url(&request)
            .await
            .expect_err("no url");
        assert_eq!(error.kind, AwsErrorKind::Other);
        let error = studio
            .create_presigned_domain_url(&request)
            .await
            .expect_err("throttled");
        assert!(error.is_transient());
    }
}
