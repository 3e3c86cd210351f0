//! What `studio-user-profile` needs from SageMaker: the shared Studio ports and its own calls,
//! as the trait [`StudioUserProfiles`] the logic is written against.

use std::future::Future;

use aws_sdk_sagemaker::types::{Tag, UserSettings};
use cfn_custom_resource::AwsError;

pub use studio_sagemaker::guardrails::GuardrailSettings;
/// The resource's physical id.
pub use studio_sagemaker::identifiers::UserProfileArn;
pub use studio_sagemaker::ports::{
    App, AppOwner, Apps, Domains, IdleShutdown, IdleShutdownApp, IdleShutdownSettings, Space,
    Spaces, Tags, UserProfile, UserProfiles,
};

/// Everything CreateUserProfile needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUserProfile {
    pub domain_id: String,
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

/// The SageMaker calls a user profile's lifecycle makes: the shared Studio ports, and
/// CreateUserProfile and UpdateUserProfile, which are this function's own (the domain's idle
/// shutdown bounds are read through the shared [`IdleShutdownSettings`]).
pub trait StudioUserProfiles:
    UserProfiles + Tags + Apps + Spaces + Domains + IdleShutdownSettings + GuardrailSettings
{
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
}

/// An IAM role as GetRole describes it: what the execution-role check reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRole {
    /// The role's ARN (with its path), as IAM answers it.
    pub arn: String,
    /// The role's tags.
    pub tags: Vec<cfn_custom_resource::Tag>,
}

impl ExecutionRole {
    /// The value of the role's tag `key`, if it has one (IAM tag keys are case-insensitive
    /// for uniqueness, IAM User Guide, "Tagging IAM resources": compared without case).
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|tag| tag.key.eq_ignore_ascii_case(key))
            .map(|tag| tag.value.as_str())
    }
}

/// The IAM call the execution-role check makes.
pub trait ExecutionRoles: Send + Sync {
    /// GetRole of the role named `role_name` (without its path); `None` if there is none.
    fn get_role(
        &self,
        role_name: &str,
    ) -> impl Future<Output = Result<Option<ExecutionRole>, AwsError>> + Send;
}

/// IAM's roles in memory, for the unit tests.
#[cfg(test)]
pub(crate) mod memory_roles {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Roles by name; every GetRole is counted.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct MemoryRoles {
        roles: Arc<Mutex<BTreeMap<String, ExecutionRole>>>,
        pub(crate) calls: Arc<Mutex<Vec<String>>>,
    }

    impl MemoryRoles {
        /// Adds the role `arn` with the tags `tags` (key, value).
        pub(crate) fn add(&self, arn: &str, tags: &[(&str, &str)]) {
            let name = arn.rsplit('/').next().unwrap_or_default().to_owned();
            let tags = tags
                .iter()
                .map(|(key, value)| cfn_custom_resource::Tag {
                    key: (*key).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect();
            self.roles.lock().unwrap().insert(
                name,
                ExecutionRole {
                    arn: arn.to_owned(),
                    tags,
                },
            );
        }
    }

    impl ExecutionRoles for MemoryRoles {
        async fn get_role(&self, role_name: &str) -> Result<Option<ExecutionRole>, AwsError> {
            self.calls.lock().unwrap().push(role_name.to_owned());
            Ok(self.roles.lock().unwrap().get(role_name).cloned())
        }
    }
}

/// The in-memory Studio's user profiles, for the unit tests: CreateUserProfile and
/// UpdateUserProfile against the shared state of [`studio_sagemaker::memory::MemoryStudio`].
#[cfg(test)]
mod in_memory {
    use aws_sdk_sagemaker::types::UserProfileStatus;
    use studio_sagemaker::memory::{MemoryStudio, in_use, new_user_profile, not_found};

    use super::*;

    impl StudioUserProfiles for MemoryStudio {
        /// Refused for a domain that does not exist (`ResourceNotFound`) or a name taken
        /// (`ResourceInUse`).
        async fn create_user_profile(&self, profile: &NewUserProfile) -> Result<String, AwsError> {
            let mut state = self.call("CreateUserProfile", &profile.user_profile_name)?;
            if !state.domains.contains_key(&profile.domain_id) {
                return Err(not_found(
                    "CreateUserProfile",
                    &format!("Domain with id {}", profile.domain_id),
                ));
            }
            let key = (profile.domain_id.clone(), profile.user_profile_name.clone());
            if state.profiles.contains_key(&key) {
                return Err(in_use(
                    "CreateUserProfile",
                    format!("UserProfile {} already exists", profile.user_profile_name),
                ));
            }
            let mut stored = new_user_profile(
                &mut state,
                &profile.domain_id,
                &profile.user_profile_name,
                UserProfileStatus::Pending,
            );
            stored.settings.clone_from(&profile.user_settings);
            stored
                .profile
                .single_sign_on_user_value
                .clone_from(&profile.single_sign_on_user_value);
            let arn = stored.profile.user_profile_arn.clone();
            state.tags.insert(arn.clone(), profile.tags.clone());
            state.profiles.insert(key, stored);
            Ok(arn)
        }

        /// Refused unless the profile is `InService`.
        async fn update_user_profile(
            &self,
            domain_id: &str,
            user_profile_name: &str,
            settings: &UserSettings,
        ) -> Result<(), AwsError> {
            let mut state = self.call("UpdateUserProfile", user_profile_name)?;
            let stored = state.profile_mut("UpdateUserProfile", domain_id, user_profile_name)?;
            if stored.profile.status != UserProfileStatus::InService {
                return Err(in_use(
                    "UpdateUserProfile",
                    format!("UserProfile is {}", stored.profile.status),
                ));
            }
            stored.settings = Some(settings.clone());
            stored.profile.status = UserProfileStatus::Updating;
            Ok(())
        }
    }
}
