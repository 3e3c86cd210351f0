//! [`StudioDomains`] on the shared SDK adapter: this function's own calls (CreateDomain,
//! UpdateDomain, DeleteDomain); the shared Studio ports are `studio_sagemaker::aws`'s.

use aws_sdk_sagemaker::types::{
    AppNetworkAccessType, AppSecurityGroupManagement, AuthMode, DomainSettings,
    DomainSettingsForUpdate, HomeEfsFileSystemCreation, RetentionPolicy, RetentionType,
    TagPropagation,
};
use cfn_custom_resource::AwsError;

pub use studio_sagemaker::aws::SageMakerStudio;

use crate::ports::{DomainChanges, NewDomain, StudioDomains};
use crate::properties::HomeEfsRetention;

impl StudioDomains for SageMakerStudio {
    async fn create_domain(&self, domain: &NewDomain) -> Result<String, AwsError> {
        let given = &domain.domain_settings;
        let domain_settings =
            (domain.security_group_ids.is_some() || !given.is_empty()).then(|| {
                DomainSettings::builder()
                    .set_security_group_ids(domain.security_group_ids.clone())
                    .set_docker_settings(given.docker_settings.clone())
                    .set_execution_role_identity_config(
                        given.execution_role_identity_config.clone(),
                    )
                    .set_ip_address_type(given.ip_address_type.clone())
                    .set_r_studio_server_pro_domain_settings(given.r_studio_for_create.clone())
                    .set_amazon_q_settings(given.amazon_q_settings.clone())
                    .set_trusted_identity_propagation_settings(
                        given.trusted_identity_propagation_settings.clone(),
                    )
                    .build()
            });
        // Boxed: CreateDomain's request future is ~19 KB, too large to keep on the stack.
        let output = Box::pin(
            self.client()
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
                .set_tag_propagation(domain.tag_propagation.as_deref().map(TagPropagation::from))
                .set_default_space_settings(domain.default_space_settings.clone())
                .set_app_security_group_management(
                    domain
                        .app_security_group_management
                        .as_deref()
                        .map(AppSecurityGroupManagement::from),
                )
                .set_home_efs_file_system_creation(
                    domain
                        .home_efs_file_system_creation
                        .as_deref()
                        .map(HomeEfsFileSystemCreation::from),
                )
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

    async fn update_domain(
        &self,
        domain_id: &str,
        changes: &DomainChanges,
    ) -> Result<(), AwsError> {
        let given = &changes.domain_settings;
        let settings = (changes.security_group_ids.is_some() || !given.is_empty()).then(|| {
            DomainSettingsForUpdate::builder()
                .set_security_group_ids(changes.security_group_ids.clone())
                .set_docker_settings(given.docker_settings.clone())
                .set_execution_role_identity_config(given.execution_role_identity_config.clone())
                .set_ip_address_type(given.ip_address_type.clone())
                .set_r_studio_server_pro_domain_settings_for_update(
                    given.r_studio_for_update.clone(),
                )
                .set_amazon_q_settings(given.amazon_q_settings.clone())
                .set_trusted_identity_propagation_settings(
                    given.trusted_identity_propagation_settings.clone(),
                )
                .build()
        });
        Box::pin(
            self.client()
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
                .set_tag_propagation(changes.tag_propagation.as_deref().map(TagPropagation::from))
                .set_default_space_settings(changes.default_space_settings.clone())
                .set_app_security_group_management(
                    changes
                        .app_security_group_management
                        .as_deref()
                        .map(AppSecurityGroupManagement::from),
                )
                .set_home_efs_file_system_creation(
                    changes
                        .home_efs_file_system_creation
                        .as_deref()
                        .map(HomeEfsFileSystemCreation::from),
                )
                .send(),
        )
        .await
        .map(|_| ())
        .map_err(|error| AwsError::from_sdk("UpdateDomain", &error))
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
        self.client()
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
    use aws_sdk_sagemaker::Client;
    use aws_sdk_sagemaker::operation::delete_domain::DeleteDomainError;
    use aws_sdk_sagemaker::types::error::ResourceInUse;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    fn new_domain(tag_propagation: Option<&str>) -> NewDomain {
        NewDomain {
            domain_name: "risk".to_owned(),
            vpc_id: "vpc-0abc1234".to_owned(),
            subnet_ids: vec!["subnet-0abc1234".to_owned()],
            auth_mode: "IAM".to_owned(),
            app_network_access_type: None,
            kms_key_id: None,
            security_group_ids: None,
            default_user_settings: aws_sdk_sagemaker::types::UserSettings::builder().build(),
            tags: vec![],
            tag_propagation: tag_propagation.map(str::to_owned),
            default_space_settings: None,
            domain_settings: crate::domain_settings::DomainSettingsChange::default(),
            app_security_group_management: None,
            home_efs_file_system_creation: None,
        }
    }

    #[tokio::test]
    async fn create_domain_sends_tag_propagation_and_leaves_it_out_when_unset() {
        let enabled = mock!(Client::create_domain)
            .match_requests(|input| input.tag_propagation() == Some(&TagPropagation::Enabled))
            .then_output(|| {
                aws_sdk_sagemaker::operation::create_domain::CreateDomainOutput::builder()
                    .domain_id("d-abcdef012345")
                    .build()
            });
        let left_out = mock!(Client::create_domain)
            .match_requests(|input| input.tag_propagation().is_none())
            .then_output(|| {
                aws_sdk_sagemaker::operation::create_domain::CreateDomainOutput::builder()
                    .domain_id("d-bcdef0123456")
                    .build()
            });
        let studio = SageMakerStudio::new(mock_client!(
            aws_sdk_sagemaker,
            RuleMode::MatchAny,
            [&enabled, &left_out]
        ));

        let propagating = studio
            .create_domain(&new_domain(Some("ENABLED")))
            .await
            .unwrap();
        let default = studio.create_domain(&new_domain(None)).await.unwrap();

        assert_eq!(propagating, "d-abcdef012345");
        assert_eq!(default, "d-bcdef0123456");
        assert_eq!(enabled.num_calls(), 1);
        assert_eq!(left_out.num_calls(), 1);
    }

    #[tokio::test]
    async fn update_domain_sends_a_new_tag_propagation() {
        let rule = mock!(Client::update_domain)
            .match_requests(|input| {
                input.tag_propagation() == Some(&TagPropagation::Disabled)
                    && input.default_user_settings().is_none()
            })
            .then_output(|| {
                aws_sdk_sagemaker::operation::update_domain::UpdateDomainOutput::builder().build()
            });
        let studio =
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&rule]));

        studio
            .update_domain(
                "d-abcdef012345",
                &DomainChanges {
                    tag_propagation: Some("DISABLED".to_owned()),
                    ..DomainChanges::default()
                },
            )
            .await
            .unwrap();

        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_domain_still_in_use_is_classified_so_the_delete_waits() {
        let rule = mock!(Client::delete_domain).then_error(|| {
            DeleteDomainError::ResourceInUse(
                ResourceInUse::builder()
                    .meta(
                        ErrorMetadata::builder()
                            .code("ResourceInUse")
                            .message("Domain has user profiles")
                            .build(),
                    )
                    .build(),
            )
        });
        let studio =
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&rule]));

        let error = studio
            .delete_domain("d-abcdef012345", HomeEfsRetention::Retain)
            .await
            .unwrap_err();

        assert!(error.is_in_use());
        assert_eq!(error.operation, "DeleteDomain");
    }
}
