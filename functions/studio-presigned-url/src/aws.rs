//! The function's AWS clients: [`PresignedUrls`], the function's own call, on the suite's
//! SageMaker adapter ([`studio_sagemaker::aws::SageMakerStudio`], which also serves the Studio
//! ports the function reads: user profiles, tags, spaces); [`ProfileSearch`] on the Resource
//! Groups Tagging API ([`ResourceTagging`]); and [`SignInClients`], both together, which is what
//! the function runs with.
//!
//! Errors are classified by [`AwsError`], which keeps the code and message AWS answered and
//! drops the rest of the response.

use aws_sdk_resourcegroupstagging::types::TagFilter;
use aws_sdk_sagemaker::types::{AuthMode, Tag};
use lambda_support::{AwsError, AwsErrorKind};
pub use studio_sagemaker::aws::SageMakerStudio;
use studio_sagemaker::ports::{
    Page, Space, Spaces, Tags, UserProfile, UserProfileSummary, UserProfiles,
};

use crate::{
    domain::DomainAuthModes,
    studio::{PresignRequest, PresignedUrl, PresignedUrls},
    tag_search::{ProfileSearch, USER_PROFILE_RESOURCE_TYPE},
};

/// GetResources answers at most this many resources a page (`ResourcesPerPage`: "a minimum of
/// 1 and a maximum value of 100", Resource Groups Tagging API Reference).
const RESOURCES_PER_PAGE: i32 = 100;

/// The Resource Groups Tagging API, for [`ProfileSearch`].
#[derive(Debug, Clone)]
pub struct ResourceTagging {
    client: aws_sdk_resourcegroupstagging::Client,
}

impl ResourceTagging {
    /// Wraps a client.
    pub fn new(client: aws_sdk_resourcegroupstagging::Client) -> Self {
        Self { client }
    }
}

impl ProfileSearch for ResourceTagging {
    async fn user_profiles_tagged_page(
        &self,
        key: &str,
        value: &str,
        pagination_token: Option<String>,
    ) -> Result<Page<String>, AwsError> {
        // One filter with one value: the resources tagged with exactly `key=value`. The
        // caller's role needs `tag:GetResources` on `*` (Service Authorization Reference,
        // "Amazon Resource Group Tagging API": the action supports no resource type).
        let output = self
            .client
            .get_resources()
            .tag_filters(TagFilter::builder().key(key).values(value).build())
            .resource_type_filters(USER_PROFILE_RESOURCE_TYPE)
            .resources_per_page(RESOURCES_PER_PAGE)
            .set_pagination_token(pagination_token)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("GetResources", &error))?;
        let items = output
            .resource_tag_mapping_list()
            .iter()
            .filter_map(|mapping| mapping.resource_arn().map(str::to_owned))
            .collect();
        Ok(Page {
            items,
            // "until you receive a null value"; an empty token ends it too.
            next_token: output.pagination_token.filter(|token| !token.is_empty()),
        })
    }
}

/// What the function runs with: SageMaker and the Resource Groups Tagging API, built once per
/// instance from one SDK configuration.
#[derive(Debug, Clone)]
pub struct SignInClients {
    sagemaker: SageMakerStudio,
    tagging: ResourceTagging,
}

impl SignInClients {
    /// Both clients from `config`.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self::from_parts(
            SageMakerStudio::new(aws_sdk_sagemaker::Client::new(config)),
            ResourceTagging::new(aws_sdk_resourcegroupstagging::Client::new(config)),
        )
    }

    /// From adapters already built.
    pub fn from_parts(sagemaker: SageMakerStudio, tagging: ResourceTagging) -> Self {
        Self { sagemaker, tagging }
    }
}

impl UserProfiles for SignInClients {
    async fn list_user_profiles_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<UserProfileSummary>, AwsError> {
        self.sagemaker
            .list_user_profiles_page(domain_id, next_token)
            .await
    }

    async fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<UserProfile>, AwsError> {
        self.sagemaker
            .describe_user_profile(domain_id, user_profile_name)
            .await
    }

    async fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<(), AwsError> {
        self.sagemaker
            .delete_user_profile(domain_id, user_profile_name)
            .await
    }
}

impl Tags for SignInClients {
    async fn list_tags_page(
        &self,
        arn: &str,
        next_token: Option<String>,
    ) -> Result<Page<Tag>, AwsError> {
        self.sagemaker.list_tags_page(arn, next_token).await
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        self.sagemaker.add_tags(arn, tags).await
    }

    async fn delete_tags(&self, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
        self.sagemaker.delete_tags(arn, keys).await
    }
}

impl Spaces for SignInClients {
    async fn list_spaces_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<Space>, AwsError> {
        self.sagemaker.list_spaces_page(domain_id, next_token).await
    }

    async fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<Space>, AwsError> {
        self.sagemaker.describe_space(domain_id, space_name).await
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        self.sagemaker.delete_space(domain_id, space_name).await
    }
}

impl DomainAuthModes for SignInClients {
    async fn domain_auth_mode(&self, domain_id: &str) -> Result<Option<AuthMode>, AwsError> {
        self.sagemaker.domain_auth_mode(domain_id).await
    }
}

impl PresignedUrls for SignInClients {
    async fn create_presigned_domain_url(
        &self,
        request: &PresignRequest,
    ) -> Result<PresignedUrl, AwsError> {
        self.sagemaker.create_presigned_domain_url(request).await
    }
}

impl ProfileSearch for SignInClients {
    async fn user_profiles_tagged_page(
        &self,
        key: &str,
        value: &str,
        pagination_token: Option<String>,
    ) -> Result<Page<String>, AwsError> {
        self.tagging
            .user_profiles_tagged_page(key, value, pagination_token)
            .await
    }
}

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
                app_type: None,
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

    mod get_resources {
        use aws_sdk_resourcegroupstagging::{
            Client,
            operation::get_resources::{GetResourcesError, GetResourcesOutput},
            types::{ResourceTagMapping, Tag},
        };
        use aws_smithy_mocks::{RuleMode, mock, mock_client};

        use super::*;
        use crate::tag_search::ProfileSearch;

        const ARN: &str = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abc123def456/p1";

        #[tokio::test]
        async fn the_search_asks_for_user_profiles_tagged_with_exactly_the_identity() {
            let rule = mock!(Client::get_resources)
                .match_requests(|input| {
                    let [filter] = input.tag_filters() else {
                        return false;
                    };
                    filter.key() == Some("studiouserid")
                        && filter.values() == ["alice"]
                        && input.resource_type_filters() == ["sagemaker:user-profile"]
                        && input.resources_per_page() == Some(100)
                        && input.pagination_token().is_none()
                        && input.resource_arn_list().is_empty()
                })
                .then_output(|| {
                    GetResourcesOutput::builder()
                        .resource_tag_mapping_list(
                            ResourceTagMapping::builder()
                                .resource_arn(ARN)
                                .tags(
                                    Tag::builder()
                                        .key("studiouserid")
                                        .value("alice")
                                        .build()
                                        .expect("a tag"),
                                )
                                .build(),
                        )
                        .pagination_token("")
                        .build()
                });
            let client = mock_client!(aws_sdk_resourcegroupstagging, [&rule]);
            let page = ResourceTagging::new(client)
                .user_profiles_tagged_page("studiouserid", "alice", None)
                .await
                .expect("a page");
            assert_eq!(
                page,
                Page {
                    items: vec![ARN.to_owned()],
                    next_token: None,
                },
                "an empty token is the last page"
            );
        }

        #[tokio::test]
        async fn the_next_page_is_asked_with_the_token_answered() {
            let first = mock!(Client::get_resources)
                .match_requests(|input| input.pagination_token().is_none())
                .then_output(|| {
                    GetResourcesOutput::builder()
                        .pagination_token("t-2")
                        .build()
                });
            let second = mock!(Client::get_resources)
                .match_requests(|input| input.pagination_token() == Some("t-2"))
                .then_output(|| {
                    GetResourcesOutput::builder()
                        .resource_tag_mapping_list(
                            ResourceTagMapping::builder().resource_arn(ARN).build(),
                        )
                        .build()
                });
            let client = mock_client!(
                aws_sdk_resourcegroupstagging,
                RuleMode::Sequential,
                [&first, &second]
            );
            let tagging = ResourceTagging::new(client);
            let page = tagging
                .user_profiles_tagged_page("studiouserid", "alice", None)
                .await
                .expect("page 1");
            assert_eq!(
                (page.items.len(), page.next_token.as_deref()),
                (0, Some("t-2"))
            );
            let page = tagging
                .user_profiles_tagged_page("studiouserid", "alice", page.next_token)
                .await
                .expect("page 2");
            assert_eq!((page.items, page.next_token), (vec![ARN.to_owned()], None));
        }

        #[tokio::test]
        async fn an_access_denied_search_is_an_access_denied_error() {
            let rule = mock!(Client::get_resources).then_error(|| {
                GetResourcesError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not authorized to perform: tag:GetResources")
                        .build(),
                )
            });
            let client = mock_client!(aws_sdk_resourcegroupstagging, [&rule]);
            let error = ResourceTagging::new(client)
                .user_profiles_tagged_page("studiouserid", "alice", None)
                .await
                .expect_err("denied");
            assert_eq!(
                (error.operation, error.kind),
                ("GetResources", AwsErrorKind::AccessDenied)
            );
        }
    }

    #[tokio::test]
    async fn a_throttled_search_falls_back_to_listing_the_domain_through_the_sdk_clients() {
        use aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesError;
        use std::time::Duration;

        use crate::profiles::{ArnScope, Lookup, ProfileDirectory};

        // GetResources is throttled (the SDK's attempts exhausted) ...
        let search = mock!(aws_sdk_resourcegroupstagging::Client::get_resources).then_error(|| {
            GetResourcesError::generic(
                ErrorMetadata::builder()
                    .code("ThrottledException")
                    .message("Rate exceeded")
                    .build(),
            )
        });
        // ... so the domain is listed, and each profile's tags read.
        let listing = mock!(Client::list_user_profiles)
            .match_requests(|input| input.domain_id_equals() == Some("d-abc123def456"))
            .then_output(|| {
                ListUserProfilesOutput::builder()
                    .user_profiles(
                        UserProfileDetails::builder()
                            .user_profile_name("p1")
                            .status(UserProfileStatus::InService)
                            .build(),
                    )
                    .build()
            });
        let tags = mock!(Client::list_tags)
            .match_requests(|input| {
                input.resource_arn()
                    == Some(
                        "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abc123def456/p1",
                    )
            })
            .then_output(|| {
                ListTagsOutput::builder()
                    .tags(Tag::builder().key("studiouserid").value("alice").build())
                    .build()
            });
        let clients = SignInClients::from_parts(
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&listing, &tags])),
            ResourceTagging::new(mock_client!(aws_sdk_resourcegroupstagging, [&search])),
        );
        let scope = ArnScope::from_function_arn(
            "arn:aws:lambda:us-east-1:123456789012:function:studio-presigned-url",
        )
        .expect("scope");

        let found = ProfileDirectory::new("d-abc123def456", Duration::from_secs(300))
            .lookup(&clients, &scope, "alice")
            .await;

        assert_eq!(found, Ok(Lookup::Found("p1".into())));
        assert_eq!(
            (search.num_calls(), listing.num_calls(), tags.num_calls()),
            (3, 1, 1),
            "the SDK's standard retry tried GetResources 3 times (ThrottledException is throttling)"
        );
    }
}
