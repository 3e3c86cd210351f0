//! [`StudioDomains`] on the AWS SDK's SageMaker client.

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types::{
    AppNetworkAccessType, AuthMode, DomainSettings, DomainSettingsForUpdate, RetentionPolicy,
    RetentionType, Tag,
};
use cfn_custom_resource::AwsError;
use studio_sagemaker::{apps, tagging, user_profiles};

use crate::ports::{
    App, Domain, DomainChanges, DomainSummary, Named, NewDomain, Space, StudioDomains,
};
use crate::properties::HomeEfsRetention;

/// The SageMaker client as [`StudioDomains`].
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

impl StudioDomains for SageMakerStudio {
    async fn create_domain(&self, domain: &NewDomain) -> Result<String, AwsError> {
        let domain_settings = domain.security_group_ids.as_ref().map(|groups| {
            DomainSettings::builder()
                .set_security_group_ids(Some(groups.clone()))
                .build()
        });
        // Boxed: CreateDomain's request future is ~19 KB, too large to keep on the stack.
        let output = Box::pin(
            self.client
                .create_domain()
                .domain_name(&domain.domain_name)
                .vpc_id(&domain.vpc_id)
                .set_subnet_ids(Some(domain.subnet_ids.clone()))
                .auth_mode(AuthMode::from(domain.auth_mode.as_str()))
                .set_app_network_access_type(
                    domain
                        .app_network_access_type
                        .as_deref()
                        .map(AppNetworkAccessType::from),
                )
                .set_kms_key_id(domain.kms_key_id.clone())
                .set_domain_settings(domain_settings)
                .default_user_settings(domain.default_user_settings.clone())
                .set_tags(Some(domain.tags.clone()))
                .send(),
        )
        .await
        .map_err(|error| AwsError::from_sdk("CreateDomain", &error))?;
        output
            .domain_id()
            .map(str::to_owned)
            .ok_or_else(|| AwsError {
                operation: "CreateDomain",
                code: None,
                message: "the response has no DomainId".to_owned(),
                kind: cfn_custom_resource::AwsErrorKind::Other,
            })
    }

    async fn describe_domain(&self, domain_id: &str) -> Result<Option<Domain>, AwsError> {
        match self
            .client
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
        {
            Ok(output) => Ok(Some(Domain {
                domain_id: text(output.domain_id()),
                domain_arn: text(output.domain_arn()),
                domain_name: text(output.domain_name()),
                status: output
                    .status()
                    .map(|status| status.as_str().to_owned())
                    .unwrap_or_default(),
                failure_reason: output.failure_reason().map(str::to_owned),
                url: text(output.url()),
                home_efs_file_system_id: text(output.home_efs_file_system_id()),
            })),
            Err(error) => {
                let error = AwsError::from_sdk("DescribeDomain", &error);
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn list_domains(&self) -> Result<Vec<DomainSummary>, AwsError> {
        let domains = self
            .client
            .list_domains()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|error| AwsError::from_sdk("ListDomains", &error))?;
        Ok(domains
            .into_iter()
            .map(|domain| DomainSummary {
                domain_id: text(domain.domain_id()),
                domain_arn: text(domain.domain_arn()),
                domain_name: text(domain.domain_name()),
                status: domain
                    .status()
                    .map(|status| status.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect())
    }

    async fn update_domain(
        &self,
        domain_id: &str,
        changes: &DomainChanges,
    ) -> Result<(), AwsError> {
        let settings = changes.security_group_ids.as_ref().map(|groups| {
            DomainSettingsForUpdate::builder()
                .set_security_group_ids(Some(groups.clone()))
                .build()
        });
        Box::pin(
            self.client
                .update_domain()
                .domain_id(domain_id)
                .set_default_user_settings(changes.default_user_settings.clone())
                .set_subnet_ids(changes.subnet_ids.clone())
                .set_app_network_access_type(
                    changes
                        .app_network_access_type
                        .as_deref()
                        .map(AppNetworkAccessType::from),
                )
                .set_domain_settings_for_update(settings)
                .send(),
        )
        .await
        .map(|_| ())
        .map_err(|error| AwsError::from_sdk("UpdateDomain", &error))
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

    async fn list_apps(&self, domain_id: &str) -> Result<Vec<App>, AwsError> {
        apps::list_apps(&self.client, domain_id, None).await
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

    async fn list_user_profiles(&self, domain_id: &str) -> Result<Vec<Named>, AwsError> {
        let profiles = self
            .client
            .list_user_profiles()
            .domain_id_equals(domain_id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|error| AwsError::from_sdk("ListUserProfiles", &error))?;
        Ok(profiles
            .into_iter()
            .map(|profile| Named {
                name: text(profile.user_profile_name()),
                status: profile
                    .status()
                    .map(|status| status.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect())
    }

    async fn delete_user_profile(&self, domain_id: &str, name: &str) -> Result<(), AwsError> {
        user_profiles::delete_user_profile(&self.client, domain_id, name).await
    }

    async fn delete_domain(
        &self,
        domain_id: &str,
        retention: HomeEfsRetention,
    ) -> Result<(), AwsError> {
        let retention = match retention {
            HomeEfsRetention::Retain => RetentionType::Retain,
            HomeEfsRetention::Delete => RetentionType::Delete,
        };
        self.client
            .delete_domain()
            .domain_id(domain_id)
            .retention_policy(
                RetentionPolicy::builder()
                    .home_efs_file_system(retention)
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|error| AwsError::from_sdk("DeleteDomain", &error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::operation::describe_domain::DescribeDomainOutput;
    use aws_sdk_sagemaker::types::DomainStatus;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    /// An error response exactly as SageMaker's JSON protocol sends it.
    fn error_response(code: &str, message: &str) -> aws_smithy_runtime_api::http::Response {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
            aws_smithy_types::body::SdkBody::from(format!(
                r#"{{"__type":"{code}","message":"{message}"}}"#
            )),
        )
    }

    #[tokio::test]
    async fn a_missing_domain_is_none_not_an_error() {
        let rule = mock!(Client::describe_domain).then_http_response(|| {
            error_response(
                "ResourceNotFound",
                "Cannot find Domain with id d-abcdef012345",
            )
        });
        let studio =
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&rule]));

        assert_eq!(
            studio.describe_domain("d-abcdef012345").await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn a_described_domain_carries_what_the_attributes_need() {
        let rule = mock!(Client::describe_domain).then_output(|| {
            DescribeDomainOutput::builder()
                .domain_id("d-abcdef012345")
                .domain_arn("arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdef012345")
                .domain_name("team-a")
                .status(DomainStatus::InService)
                .url("https://d-abcdef012345.studio.us-east-1.sagemaker.aws")
                .home_efs_file_system_id("fs-0123456789abcdef0")
                .build()
        });
        let studio =
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&rule]));

        let domain = studio
            .describe_domain("d-abcdef012345")
            .await
            .unwrap()
            .unwrap();

        assert_eq!(domain.status, "InService");
        assert_eq!(domain.home_efs_file_system_id, "fs-0123456789abcdef0");
    }

    #[tokio::test]
    async fn a_domain_still_in_use_is_classified_so_the_delete_waits() {
        let rule = mock!(Client::delete_domain)
            .then_http_response(|| error_response("ResourceInUse", "Domain has user profiles"));
        let studio =
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&rule]));

        let error = studio
            .delete_domain("d-abcdef012345", HomeEfsRetention::Retain)
            .await
            .unwrap_err();

        assert!(error.is_in_use());
        assert_eq!(error.operation, "DeleteDomain");
    }

    #[tokio::test]
    async fn access_denied_is_final_and_says_where_to_look() {
        let rule = mock!(Client::describe_domain).then_http_response(|| {
            error_response(
                "AccessDeniedException",
                "not authorized to perform: sagemaker:DescribeDomain",
            )
        });
        let studio =
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&rule]));

        let error = studio.describe_domain("d-abcdef012345").await.unwrap_err();
        let reason = cfn_custom_resource::ResourceError::from(error);

        assert!(!reason.is_retryable());
        assert!(
            reason
                .to_string()
                .contains("Check the function's execution role"),
            "{reason}"
        );
    }
}
