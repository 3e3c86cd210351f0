//! What `studio-domain` needs from SageMaker: the shared Studio ports and its own calls, as the
//! trait [`StudioDomains`] the logic is written against.

use std::future::Future;

use aws_sdk_sagemaker::types::{DefaultSpaceSettings, Tag, UserSettings};
use cfn_custom_resource::AwsError;

use crate::domain_settings::DomainSettingsChange;
use crate::properties::HomeEfsRetention;

pub use studio_sagemaker::ports::{
    App, AppOwner, Apps, Domain, DomainSummary, Domains, Space, Spaces, Tags, UserProfiles,
};

/// Everything CreateDomain needs.
#[derive(Debug, Clone)]
pub struct NewDomain {
    pub domain_name: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    /// `IAM` or `SSO`.
    pub auth_mode: String,
    /// `PublicInternetOnly` or `VpcOnly`.
    pub app_network_access_type: Option<String>,
    /// The KMS key for the home EFS.
    pub kms_key_id: Option<String>,
    /// Security groups for the domain's traffic.
    pub security_group_ids: Option<Vec<String>>,
    /// Default settings for the domain's users.
    pub default_user_settings: UserSettings,
    /// User tags and ownership tags.
    pub tags: Vec<Tag>,
    /// `ENABLED` or `DISABLED`; `None` leaves SageMaker's default (`DISABLED`).
    pub tag_propagation: Option<String>,
    /// Default settings for shared spaces.
    pub default_space_settings: Option<DefaultSpaceSettings>,
    /// `DomainSettings` members besides the security groups.
    pub domain_settings: DomainSettingsChange,
    /// `Service` or `Customer`.
    pub app_security_group_management: Option<String>,
    /// `Enabled` or `Disabled`.
    pub home_efs_file_system_creation: Option<String>,
}

/// What UpdateDomain changes; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct DomainChanges {
    /// New default user settings.
    pub default_user_settings: Option<UserSettings>,
    /// New subnets.
    pub subnet_ids: Option<Vec<String>>,
    /// New network access type.
    pub app_network_access_type: Option<String>,
    /// New security groups.
    pub security_group_ids: Option<Vec<String>>,
    /// New `TagPropagation` (`ENABLED` or `DISABLED`).
    pub tag_propagation: Option<String>,
    /// New default settings for shared spaces.
    pub default_space_settings: Option<DefaultSpaceSettings>,
    /// New `DomainSettingsForUpdate` members besides the security groups.
    pub domain_settings: DomainSettingsChange,
    /// New `AppSecurityGroupManagement`.
    pub app_security_group_management: Option<String>,
    /// New `HomeEfsFileSystemCreation`.
    pub home_efs_file_system_creation: Option<String>,
}

impl DomainChanges {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.default_user_settings.is_none()
            && self.subnet_ids.is_none()
            && self.app_network_access_type.is_none()
            && self.security_group_ids.is_none()
            && self.tag_propagation.is_none()
            && self.default_space_settings.is_none()
            && self.domain_settings.is_empty()
            && self.app_security_group_management.is_none()
            && self.home_efs_file_system_creation.is_none()
    }
}

/// The SageMaker calls a Studio domain's lifecycle makes: the shared Studio ports, and
/// CreateDomain, UpdateDomain and DeleteDomain, which are this function's own.
pub trait StudioDomains: Domains + Tags + Apps + Spaces + UserProfiles {
    /// CreateDomain; returns the new domain's id.
    fn create_domain(
        &self,
        domain: &NewDomain,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// UpdateDomain.
    fn update_domain(
        &self,
        domain_id: &str,
        changes: &DomainChanges,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteDomain, keeping or deleting the users' home file system.
    fn delete_domain(
        &self,
        domain_id: &str,
        retention: HomeEfsRetention,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// The in-memory Studio's domains, for the unit tests: CreateDomain, UpdateDomain and
/// DeleteDomain against the shared state of [`studio_sagemaker::memory::MemoryStudio`].
#[cfg(test)]
pub mod in_memory {
    use aws_sdk_sagemaker::types::{AppStatus, DomainStatus, RetentionType};
    use studio_sagemaker::memory::{MemoryStudio, StoredDomain, arn, in_use};

    use super::*;

    /// The IAM Identity Center application SageMaker makes for the `SSO` domain `domain_name`
    /// (in memory: one per name, so that a test can set it up before the domain exists).
    pub fn sso_application_arn(domain_name: &str) -> String {
        format!("arn:aws:sso::123456789012:application/ssoins-1234567890abcdef/apl-{domain_name}")
    }

    impl StudioDomains for MemoryStudio {
        async fn create_domain(&self, domain: &NewDomain) -> Result<String, AwsError> {
            let mut state = self.call("CreateDomain", &domain.domain_name)?;
            let domain_id = format!("d-{:012}", state.next_id());
            let domain_arn = arn(&format!("domain/{domain_id}"));
            state.tags.insert(domain_arn.clone(), domain.tags.clone());
            state.domains.insert(
                domain_id.clone(),
                StoredDomain {
                    domain: Domain {
                        domain_id: domain_id.clone(),
                        domain_arn,
                        domain_name: domain.domain_name.clone(),
                        status: DomainStatus::Pending,
                        failure_reason: None,
                        url: format!("https://{domain_id}.studio.us-east-1.sagemaker.aws"),
                        home_efs_file_system_id: "fs-0123456789abcdef0".to_owned(),
                        default_execution_role: domain
                            .default_user_settings
                            .execution_role()
                            .map(str::to_owned),
                        single_sign_on_application_arn: (domain.auth_mode == "SSO")
                            .then(|| sso_application_arn(&domain.domain_name)),
                        security_group_id_for_domain_boundary: None,
                    },
                    subnet_ids: domain.subnet_ids.clone(),
                    deleted_with: None,
                },
            );
            Ok(domain_id)
        }

        async fn update_domain(
            &self,
            domain_id: &str,
            changes: &DomainChanges,
        ) -> Result<(), AwsError> {
            let mut state = self.call("UpdateDomain", domain_id)?;
            let stored = state.domain_mut("UpdateDomain", domain_id)?;
            if stored.domain.status != DomainStatus::InService {
                return Err(in_use("UpdateDomain", "The domain is not InService"));
            }
            stored.domain.status = DomainStatus::Updating;
            if let Some(subnets) = &changes.subnet_ids {
                stored.subnet_ids.clone_from(subnets);
            }
            Ok(())
        }

        /// Refused while the domain has apps that are not deleted, spaces or profiles.
        async fn delete_domain(
            &self,
            domain_id: &str,
            retention: HomeEfsRetention,
        ) -> Result<(), AwsError> {
            let mut state = self.call("DeleteDomain", domain_id)?;
            let busy = state.apps.iter().any(|stored| {
                stored.domain_id == domain_id && stored.app.status != AppStatus::Deleted
            }) || state.spaces.keys().any(|(domain, _)| domain == domain_id)
                || state.profiles.keys().any(|(domain, _)| domain == domain_id);
            if busy {
                return Err(in_use(
                    "DeleteDomain",
                    "The domain has apps, spaces or profiles",
                ));
            }
            let stored = state.domain_mut("DeleteDomain", domain_id)?;
            stored.deleted_with = Some(match retention {
                HomeEfsRetention::Retain => RetentionType::Retain,
                HomeEfsRetention::Delete => RetentionType::Delete,
            });
            stored.domain.status = DomainStatus::Deleting;
            Ok(())
        }
    }
}
