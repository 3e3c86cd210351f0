//! What `studio-user-profile` needs from SageMaker, as a small trait the logic is written
//! against, and the user-profile ARN that is the resource's physical id.

use std::future::Future;

use aws_sdk_sagemaker::types::{Tag, UserSettings};
use cfn_custom_resource::AwsError;

use crate::properties::{is_domain_id, is_user_profile_name};

pub use studio_sagemaker::apps::{App, AppOwner, Space};

/// Everything CreateUserProfile needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUserProfile {
    /// The domain.
    pub domain_id: String,
    /// The profile's name.
    pub user_profile_name: String,
    /// `UserName`, for SSO domains.
    pub single_sign_on_user_identifier: Option<String>,
    /// The Identity Center user name, for SSO domains.
    pub single_sign_on_user_value: Option<String>,
    /// The profile's settings (execution role included), if any.
    pub user_settings: Option<UserSettings>,
    /// `studiouserid`, the template's tags and the ownership tags.
    pub tags: Vec<Tag>,
}

/// A user profile as DescribeUserProfile reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    /// The ARN.
    pub user_profile_arn: String,
    /// The domain.
    pub domain_id: String,
    /// The name.
    pub user_profile_name: String,
    /// `Pending`, `InService`, `Updating`, `Deleting`, `Failed`, `Update_Failed`,
    /// `Delete_Failed`.
    pub status: String,
    /// Why it failed, if it did.
    pub failure_reason: Option<String>,
    /// The POSIX uid of the profile's directory on the domain's home EFS.
    pub home_efs_file_system_uid: String,
}

/// The SageMaker calls a user profile's lifecycle makes.
pub trait UserProfiles: Send + Sync {
    /// DescribeUserProfile; `None` if the profile (or its domain) does not exist.
    fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> impl Future<Output = Result<Option<UserProfile>, AwsError>> + Send;
    /// CreateUserProfile; returns the new profile's ARN.
    fn create_user_profile(
        &self,
        profile: &NewUserProfile,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// UpdateUserProfile with `settings`.
    fn update_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
        settings: &UserSettings,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteUserProfile.
    fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// The domain's `DefaultUserSettings.ExecutionRole` (DescribeDomain).
    fn domain_execution_role(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
    /// ListTags, every page.
    fn list_tags(&self, arn: &str) -> impl Future<Output = Result<Vec<Tag>, AwsError>> + Send;
    /// AddTags (adds or overwrites).
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
    /// ListApps of one profile or space, every page.
    fn list_apps(
        &self,
        domain_id: &str,
        owner: &AppOwner,
    ) -> impl Future<Output = Result<Vec<App>, AwsError>> + Send;
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
}

/// A user profile's ARN, `arn:<partition>:sagemaker:<region>:<account>:user-profile/<domain id>/<name>`:
/// the resource's physical id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfileArn {
    /// The domain.
    pub domain_id: String,
    /// The profile's name as the ARN writes it.
    pub user_profile_name: String,
}

impl UserProfileArn {
    /// Reads an ARN; `None` if it is not a user profile's.
    pub fn parse(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some("sagemaker"),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        let (domain_id, user_profile_name) =
            resource.strip_prefix("user-profile/")?.split_once('/')?;
        let valid = partition.starts_with("aws")
            && !region.is_empty()
            && account.len() == 12
            && account.bytes().all(|byte| byte.is_ascii_digit())
            && is_domain_id(domain_id)
            && is_user_profile_name(user_profile_name);
        valid.then(|| Self {
            domain_id: domain_id.to_owned(),
            user_profile_name: user_profile_name.to_owned(),
        })
    }

    /// Whether the ARN names the profile `user_profile_name` of `domain_id` (the name compared
    /// without regard to case, in case an ARN is written in lower case).
    pub fn names(&self, domain_id: &str, user_profile_name: &str) -> bool {
        self.domain_id == domain_id
            && self
                .user_profile_name
                .eq_ignore_ascii_case(user_profile_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_profile_arn_is_read() {
        let arn = UserProfileArn::parse(
            "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abcdef123456/alice-smith",
        )
        .unwrap();
        assert_eq!(arn.domain_id, "d-abcdef123456");
        assert_eq!(arn.user_profile_name, "alice-smith");
        assert!(arn.names("d-abcdef123456", "Alice-Smith"));
        assert!(!arn.names("d-abcdef123457", "alice-smith"));
    }

    #[test]
    fn other_physical_ids_are_not_user_profile_arns() {
        for id in [
            "",
            "2024/11/23/[$LATEST]0123456789abcdef",
            "failed-create-0b1c",
            "d-abcdef123456",
            "arn:aws:sagemaker:eu-west-1:123456789012:domain/d-abcdef123456",
            "arn:aws:sagemaker:eu-west-1:123456789012:space/d-abcdef123456/alice",
            "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abcdef123456/",
            "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abcdef123456/a_b",
            "arn:aws:iam::123456789012:user-profile/d-abcdef123456/alice",
        ] {
            assert_eq!(UserProfileArn::parse(id), None, "{id}");
        }
    }
}
