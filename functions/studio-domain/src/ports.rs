//! What `studio-domain` needs from SageMaker, as a small trait the logic is written against.

use std::future::Future;

use aws_sdk_sagemaker::types::{Tag, UserSettings};
use cfn_custom_resource::AwsError;

use crate::properties::HomeEfsRetention;

pub use studio_sagemaker::apps::{App, AppOwner, Space};

/// Everything CreateDomain needs.
#[derive(Debug, Clone)]
pub struct NewDomain {
    /// The domain's name.
    pub domain_name: String,
    /// The VPC.
    pub vpc_id: String,
    /// The subnets.
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
}

impl DomainChanges {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.default_user_settings.is_none()
            && self.subnet_ids.is_none()
            && self.app_network_access_type.is_none()
            && self.security_group_ids.is_none()
    }
}

/// A domain as DescribeDomain reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// `d-…`.
    pub domain_id: String,
    /// The ARN.
    pub domain_arn: String,
    /// The name.
    pub domain_name: String,
    /// `Pending`, `InService`, `Updating`, `Deleting`, `Failed`, `Update_Failed`, `Delete_Failed`.
    pub status: String,
    /// Why it failed, if it did.
    pub failure_reason: Option<String>,
    /// The Studio URL.
    pub url: String,
    /// The users' home file system.
    pub home_efs_file_system_id: String,
}

/// A domain as ListDomains reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSummary {
    /// `d-…`.
    pub domain_id: String,
    /// The ARN.
    pub domain_arn: String,
    /// The name.
    pub domain_name: String,
    /// The status.
    pub status: String,
}

/// A user profile: a name and a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The name.
    pub name: String,
    /// The status.
    pub status: String,
}

/// The SageMaker calls a Studio domain's lifecycle makes.
pub trait StudioDomains: Send + Sync {
    /// CreateDomain; returns the new domain's id.
    fn create_domain(
        &self,
        domain: &NewDomain,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// DescribeDomain; `None` if it does not exist.
    fn describe_domain(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<Domain>, AwsError>> + Send;
    /// ListDomains, every page.
    fn list_domains(&self) -> impl Future<Output = Result<Vec<DomainSummary>, AwsError>> + Send;
    /// UpdateDomain.
    fn update_domain(
        &self,
        domain_id: &str,
        changes: &DomainChanges,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// ListTags, every page.
    fn list_tags(&self, arn: &str) -> impl Future<Output = Result<Vec<Tag>, AwsError>> + Send;
    /// AddTags.
    fn add_tags(
        &self,
        arn: &str,
        tags: Vec<Tag>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteTags.
    fn delete_tags(
        &self,
        arn: &str,
        keys: Vec<String>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// ListApps in the domain, every page.
    fn list_apps(&self, domain_id: &str)
    -> impl Future<Output = Result<Vec<App>, AwsError>> + Send;
    /// DeleteApp.
    fn delete_app(
        &self,
        domain_id: &str,
        app: &App,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// ListSpaces in the domain, every page.
    fn list_spaces(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Vec<Space>, AwsError>> + Send;
    /// DeleteSpace.
    fn delete_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// ListUserProfiles in the domain, every page.
    fn list_user_profiles(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Vec<Named>, AwsError>> + Send;
    /// DeleteUserProfile.
    fn delete_user_profile(
        &self,
        domain_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteDomain, keeping or deleting the users' home file system.
    fn delete_domain(
        &self,
        domain_id: &str,
        retention: HomeEfsRetention,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}
