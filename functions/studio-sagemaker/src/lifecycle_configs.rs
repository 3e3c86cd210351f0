//! Studio lifecycle configurations (`Custom::StudioLifecycleConfig`): the port
//! [`LifecycleConfigs`] (CreateStudioLifecycleConfig, ListStudioLifecycleConfigs,
//! DeleteStudioLifecycleConfig, and who lists a config), which settings list a config (one rule,
//! [`listed_in_user_settings`], [`listed_in_default_space_settings`],
//! [`listed_in_space_settings`]), its SDK adapter on [`SageMakerStudio`] and, with feature
//! `test-util`, its in-memory one on [`MemoryStudio`](crate::memory::MemoryStudio).
//!
//! SageMaker API Reference: a config is immutable (`StudioLifecycleConfigDetails`:
//! `LastModifiedTime` "is equivalent to CreationTime because Amazon SageMaker AI Studio Lifecycle
//! Configurations are immutable"); DeleteStudioLifecycleConfig: "there must be no running apps
//! using the Lifecycle Configuration. You must also remove the Lifecycle Configuration from
//! UserSettings in all Domains and UserProfiles" (the model lists `ResourceInUse` for it). The
//! settings that list configs are each app's `LifecycleConfigArns` and
//! `DefaultResourceSpec.LifecycleConfigArn` (botocore's `JupyterServerAppSettings`,
//! `KernelGatewayAppSettings`, `JupyterLabAppSettings`, `CodeEditorAppSettings`, and a space's
//! `SpaceJupyterLabAppSettings` / `SpaceCodeEditorAppSettings`, which have only the default).

#[cfg(any(test, feature = "test-util"))]
use std::collections::BTreeMap;
use std::future::Future;

use aws_sdk_sagemaker::types::{
    DefaultSpaceSettings, ResourceSpec, SpaceSettings, StudioLifecycleConfigAppType, Tag,
    UserSettings,
};
use lambda_support::AwsError;

use crate::aws::SageMakerStudio;
use crate::ports::{Domains, Page, Spaces, UserProfiles, all_pages};

/// At most this many characters of `StudioLifecycleConfigContent` (botocore: max 16384).
pub const MAX_CONTENT_CHARS: usize = 16384;

/// A config as ListStudioLifecycleConfigs answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleConfig {
    pub name: String,
    pub arn: String,
    pub app_type: StudioLifecycleConfigAppType,
}

/// CreateStudioLifecycleConfig's input.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLifecycleConfig {
    pub name: String,
    /// Base64, as the API takes it.
    pub content: String,
    pub app_type: StudioLifecycleConfigAppType,
    pub tags: Vec<Tag>,
}

/// Studio lifecycle configs.
pub trait LifecycleConfigs: Send + Sync {
    /// CreateStudioLifecycleConfig: the new config's ARN.
    fn create_lifecycle_config(
        &self,
        config: &NewLifecycleConfig,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// DeleteStudioLifecycleConfig (`InUse` while something lists it or an app runs with it).
    fn delete_lifecycle_config(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// One page of ListStudioLifecycleConfigs whose names contain `name_contains`.
    fn list_lifecycle_configs_page(
        &self,
        name_contains: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<LifecycleConfig>, AwsError>> + Send;
    /// What lists the config `arn` in its settings: each domain, user profile and space, in
    /// words (`user profile alice of domain d-…`). Reads every domain, profile and space of the
    /// account and region: for naming them when a delete is refused, not for deciding.
    fn lifecycle_config_users(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<Vec<String>, AwsError>> + Send;
    /// ListStudioLifecycleConfigs, every page.
    fn list_lifecycle_configs(
        &self,
        name_contains: &str,
    ) -> impl Future<Output = Result<Vec<LifecycleConfig>, AwsError>> + Send {
        async move {
            all_pages(move |token| self.list_lifecycle_configs_page(name_contains, token)).await
        }
    }
}

/// The config ARNs one app's settings list: `LifecycleConfigArns` and the default's.
fn app_arns<'a>(
    listed: &'a [String],
    default: Option<&'a ResourceSpec>,
) -> impl Iterator<Item = &'a str> + 'a {
    listed
        .iter()
        .map(String::as_str)
        .chain(default.and_then(ResourceSpec::lifecycle_config_arn))
}

/// The ARNs one app settings member lists (its `LifecycleConfigArns` and its
/// `DefaultResourceSpec`'s), added to `arns`; the SDK's app settings types differ per shape but
/// share these two accessors.
macro_rules! extend_with_app_arns {
    ($arns:ident, $($app:expr),+ $(,)?) => {
        $(if let Some(app) = $app {
            $arns.extend(app_arns(app.lifecycle_config_arns(), app.default_resource_spec()));
        })+
    };
}

/// The config ARNs a domain's `DefaultUserSettings` or a profile's `UserSettings` list.
pub fn listed_in_user_settings(settings: &UserSettings) -> Vec<&str> {
    let mut arns = Vec::new();
    extend_with_app_arns!(
        arns,
        settings.jupyter_server_app_settings(),
        settings.kernel_gateway_app_settings(),
        settings.jupyter_lab_app_settings(),
        settings.code_editor_app_settings(),
    );
    arns
}

/// The config ARNs a domain's `DefaultSpaceSettings` list.
pub fn listed_in_default_space_settings(settings: &DefaultSpaceSettings) -> Vec<&str> {
    let mut arns = Vec::new();
    extend_with_app_arns!(
        arns,
        settings.jupyter_server_app_settings(),
        settings.kernel_gateway_app_settings(),
        settings.jupyter_lab_app_settings(),
    );
    arns
}

/// The config ARNs a space's `SpaceSettings` list.
pub fn listed_in_space_settings(settings: &SpaceSettings) -> Vec<&str> {
    let mut arns = Vec::new();
    extend_with_app_arns!(
        arns,
        settings.jupyter_server_app_settings(),
        settings.kernel_gateway_app_settings(),
    );
    // A space's JupyterLab and Code Editor settings have no LifecycleConfigArns.
    if let Some(app) = settings.jupyter_lab_app_settings() {
        arns.extend(app_arns(&[], app.default_resource_spec()));
    }
    if let Some(app) = settings.code_editor_app_settings() {
        arns.extend(app_arns(&[], app.default_resource_spec()));
    }
    arns
}

/// Items asked for per page (ListStudioLifecycleConfigs' `MaxResults` is 1 to 100).
const PAGE_SIZE: i32 = 100;

impl LifecycleConfigs for SageMakerStudio {
    async fn create_lifecycle_config(
        &self,
        config: &NewLifecycleConfig,
    ) -> Result<String, AwsError> {
        let output = self
            .client()
            .create_studio_lifecycle_config()
            .studio_lifecycle_config_name(&config.name)
            .studio_lifecycle_config_content(&config.content)
            .studio_lifecycle_config_app_type(config.app_type.clone())
            .set_tags(Some(config.tags.clone()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("CreateStudioLifecycleConfig", &error))?;
        Ok(output
            .studio_lifecycle_config_arn()
            .unwrap_or_default()
            .to_owned())
    }

    async fn delete_lifecycle_config(&self, name: &str) -> Result<(), AwsError> {
        self.client()
            .delete_studio_lifecycle_config()
            .studio_lifecycle_config_name(name)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("DeleteStudioLifecycleConfig", &error))?;
        Ok(())
    }

    async fn list_lifecycle_configs_page(
        &self,
        name_contains: &str,
        next_token: Option<String>,
    ) -> Result<Page<LifecycleConfig>, AwsError> {
        let output = self
            .client()
            .list_studio_lifecycle_configs()
            .name_contains(name_contains)
            .max_results(PAGE_SIZE)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("ListStudioLifecycleConfigs", &error))?;
        Ok(Page {
            items: output
                .studio_lifecycle_configs()
                .iter()
                .map(|config| LifecycleConfig {
                    name: config
                        .studio_lifecycle_config_name()
                        .unwrap_or_default()
                        .to_owned(),
                    arn: config
                        .studio_lifecycle_config_arn()
                        .unwrap_or_default()
                        .to_owned(),
                    app_type: config
                        .studio_lifecycle_config_app_type()
                        .cloned()
                        .unwrap_or_else(|| StudioLifecycleConfigAppType::from("")),
                })
                .collect(),
            next_token: output.next_token().map(str::to_owned),
        })
    }

    async fn lifecycle_config_users(&self, arn: &str) -> Result<Vec<String>, AwsError> {
        let client = self.client();
        let mut users = Vec::new();
        for domain in self.list_domains().await? {
            let domain_id = domain.domain_id.as_str();
            let described = match client.describe_domain().domain_id(domain_id).send().await {
                Ok(described) => described,
                Err(error) => match AwsError::from_sdk("DescribeDomain", &error) {
                    gone if gone.is_not_found() => continue,
                    error => return Err(error),
                },
            };
            let lists = described
                .default_user_settings()
                .is_some_and(|settings| listed_in_user_settings(settings).contains(&arn))
                || described.default_space_settings().is_some_and(|settings| {
                    listed_in_default_space_settings(settings).contains(&arn)
                });
            if lists {
                users.push(format!("domain {domain_id}"));
            }
            for profile in self.list_user_profiles(domain_id).await? {
                let name = profile.user_profile_name.as_str();
                let described = match client
                    .describe_user_profile()
                    .domain_id(domain_id)
                    .user_profile_name(name)
                    .send()
                    .await
                {
                    Ok(described) => described,
                    Err(error) => match AwsError::from_sdk("DescribeUserProfile", &error) {
                        gone if gone.is_not_found() => continue,
                        error => return Err(error),
                    },
                };
                if described
                    .user_settings()
                    .is_some_and(|settings| listed_in_user_settings(settings).contains(&arn))
                {
                    users.push(format!("user profile {name} of domain {domain_id}"));
                }
            }
            for space in self.list_spaces(domain_id).await? {
                let name = space.space_name.as_str();
                let described = match client
                    .describe_space()
                    .domain_id(domain_id)
                    .space_name(name)
                    .send()
                    .await
                {
                    Ok(described) => described,
                    Err(error) => match AwsError::from_sdk("DescribeSpace", &error) {
                        gone if gone.is_not_found() => continue,
                        error => return Err(error),
                    },
                };
                if described
                    .space_settings()
                    .is_some_and(|settings| listed_in_space_settings(settings).contains(&arn))
                {
                    users.push(format!("space {name} of domain {domain_id}"));
                }
            }
        }
        Ok(users)
    }
}

#[cfg(any(test, feature = "test-util"))]
/// A config as the in-memory Studio keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLifecycleConfig {
    pub config: LifecycleConfig,
    pub content: String,
}

#[cfg(any(test, feature = "test-util"))]
/// The in-memory Studio's lifecycle configs (a field of
/// [`StudioState`](crate::memory::StudioState)).
#[derive(Debug, Default)]
pub struct MemoryLifecycleConfigs {
    /// By name.
    pub configs: BTreeMap<String, StoredLifecycleConfig>,
    /// What lists which config ARNs in its settings (`user profile alice of domain d-1` → ARNs),
    /// as a test sets it up.
    pub listed_by: BTreeMap<String, Vec<String>>,
}

#[cfg(any(test, feature = "test-util"))]
impl MemoryLifecycleConfigs {
    fn users_of(&self, arn: &str) -> Vec<String> {
        self.listed_by
            .iter()
            .filter(|(_, arns)| arns.iter().any(|listed| listed == arn))
            .map(|(user, _)| user.clone())
            .collect()
    }
}

#[cfg(any(test, feature = "test-util"))]
mod memory {
    use lambda_support::AwsError;

    use super::{LifecycleConfig, LifecycleConfigs, NewLifecycleConfig, StoredLifecycleConfig};
    use crate::memory::{MemoryStudio, arn, in_use, not_found};
    use crate::ports::Page;

    impl MemoryStudio {
        /// Makes `user` (e.g. `user profile alice of domain d-1`) list exactly `arns` in its
        /// settings, as an UpdateUserProfile, UpdateDomain or UpdateSpace would.
        pub fn list_lifecycle_configs_in(&self, user: &str, arns: &[&str]) {
            self.state().lifecycle_configs.listed_by.insert(
                user.to_owned(),
                arns.iter().map(|arn| (*arn).to_owned()).collect(),
            );
        }

        /// The names of the lifecycle configs that exist, sorted.
        pub fn lifecycle_config_names(&self) -> Vec<String> {
            self.state()
                .lifecycle_configs
                .configs
                .keys()
                .cloned()
                .collect()
        }

        /// The lifecycle config `name`, if it exists.
        pub fn lifecycle_config(&self, name: &str) -> Option<StoredLifecycleConfig> {
            self.state().lifecycle_configs.configs.get(name).cloned()
        }
    }

    impl LifecycleConfigs for MemoryStudio {
        async fn create_lifecycle_config(
            &self,
            config: &NewLifecycleConfig,
        ) -> Result<String, AwsError> {
            let mut state = self.call("CreateStudioLifecycleConfig", &config.name)?;
            if state.lifecycle_configs.configs.contains_key(&config.name) {
                return Err(in_use(
                    "CreateStudioLifecycleConfig",
                    format!("Studio Lifecycle Config {} already exists.", config.name),
                ));
            }
            let config_arn = arn(&format!("studio-lifecycle-config/{}", config.name));
            state.lifecycle_configs.configs.insert(
                config.name.clone(),
                StoredLifecycleConfig {
                    config: LifecycleConfig {
                        name: config.name.clone(),
                        arn: config_arn.clone(),
                        app_type: config.app_type.clone(),
                    },
                    content: config.content.clone(),
                },
            );
            state.tags.insert(config_arn.clone(), config.tags.clone());
            Ok(config_arn)
        }

        async fn delete_lifecycle_config(&self, name: &str) -> Result<(), AwsError> {
            let mut state = self.call("DeleteStudioLifecycleConfig", name)?;
            let Some(stored) = state.lifecycle_configs.configs.get(name) else {
                return Err(not_found(
                    "DeleteStudioLifecycleConfig",
                    &format!("Studio Lifecycle Config {name}"),
                ));
            };
            let config_arn = stored.config.arn.clone();
            let users = state.lifecycle_configs.users_of(&config_arn);
            if !users.is_empty() {
                return Err(in_use(
                    "DeleteStudioLifecycleConfig",
                    format!(
                        "Unable to delete Studio Lifecycle Config {name}: it is in use by {}",
                        users.join(", ")
                    ),
                ));
            }
            state.lifecycle_configs.configs.remove(name);
            state.tags.remove(&config_arn);
            Ok(())
        }

        async fn list_lifecycle_configs_page(
            &self,
            name_contains: &str,
            _next_token: Option<String>,
        ) -> Result<Page<LifecycleConfig>, AwsError> {
            let state = self.call("ListStudioLifecycleConfigs", name_contains)?;
            Ok(Page {
                items: state
                    .lifecycle_configs
                    .configs
                    .values()
                    .filter(|stored| stored.config.name.contains(name_contains))
                    .map(|stored| stored.config.clone())
                    .collect(),
                next_token: None,
            })
        }

        async fn lifecycle_config_users(&self, config_arn: &str) -> Result<Vec<String>, AwsError> {
            let state = self.call("LifecycleConfigUsers", config_arn)?;
            Ok(state.lifecycle_configs.users_of(config_arn))
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sagemaker::types::{
        CodeEditorAppSettings, JupyterLabAppSettings, KernelGatewayAppSettings,
        SpaceJupyterLabAppSettings,
    };

    use super::*;

    fn spec(arn: &str) -> ResourceSpec {
        ResourceSpec::builder().lifecycle_config_arn(arn).build()
    }

    #[test]
    fn user_settings_list_each_apps_configs_and_defaults() {
        let settings = UserSettings::builder()
            .jupyter_lab_app_settings(
                JupyterLabAppSettings::builder()
                    .lifecycle_config_arns("arn:lab-1")
                    .default_resource_spec(spec("arn:lab-default"))
                    .build(),
            )
            .code_editor_app_settings(
                CodeEditorAppSettings::builder()
                    .lifecycle_config_arns("arn:code-1")
                    .build(),
            )
            .kernel_gateway_app_settings(
                KernelGatewayAppSettings::builder()
                    .default_resource_spec(spec("arn:kernel-default"))
                    .build(),
            )
            .build();

        assert_eq!(
            listed_in_user_settings(&settings),
            vec![
                "arn:kernel-default",
                "arn:lab-1",
                "arn:lab-default",
                "arn:code-1"
            ]
        );
    }

    #[test]
    fn a_spaces_settings_list_its_apps_default_configs() {
        let settings = SpaceSettings::builder()
            .jupyter_lab_app_settings(
                SpaceJupyterLabAppSettings::builder()
                    .default_resource_spec(spec("arn:space-lab"))
                    .build(),
            )
            .build();

        assert_eq!(listed_in_space_settings(&settings), vec!["arn:space-lab"]);
    }

    #[test]
    fn settings_without_lifecycle_configs_list_none() {
        assert!(listed_in_user_settings(&UserSettings::builder().build()).is_empty());
        assert!(
            listed_in_default_space_settings(&DefaultSpaceSettings::builder().build()).is_empty()
        );
    }
}
