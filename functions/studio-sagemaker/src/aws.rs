//! The Studio ports ([`crate::ports`]) on the AWS SDK's SageMaker client.
//!
//! A function crate implements its own calls (CreateDomain, CreateUserProfile, …) on the same
//! [`SageMakerStudio`], through [`SageMakerStudio::client`].

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types;
use aws_sdk_sagemaker::types::Tag;
use lambda_support::AwsError;

use crate::ports::{
    App, AppDescription, AppOwner, Apps, Domain, DomainSummary, Domains, IdleSettings,
    IdleShutdown, IdleShutdownApp, IdleShutdownSettings, Page, Space, Spaces, Tags, UserProfile,
    UserProfileSummary, UserProfiles,
};
use crate::tagging::tagging_error;

/// Items asked for per page of every listing (the largest `MaxResults` the listings take).
const PAGE_SIZE: i32 = 100;

/// One page of a listing, the same for every listing: `$request` (a List* request builder)
/// asks for [`PAGE_SIZE`] items from `$next_token` on, its error is mapped by `$error`, each
/// item of `output.$items()` by `$item`, and the next page's token kept. A macro, because the
/// SDK's request builders and outputs share no trait.
macro_rules! list_page {
    ($request:expr, $next_token:expr, $error:expr, $items:ident, $item:expr $(,)?) => {{
        let output = $request
            .max_results(PAGE_SIZE)
            .set_next_token($next_token)
            .send()
            .await
            .map_err($error)?;
        Ok(Page {
            items: output.$items().iter().map($item).collect(),
            next_token: output.next_token().map(str::to_owned),
        })
    }};
}

/// The SageMaker client as every Studio port.
#[derive(Debug, Clone)]
pub struct SageMakerStudio {
    client: Client,
}

impl SageMakerStudio {
    /// Wraps a client built once at cold start.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The client, for a function's own calls.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// A status as the ports keep it: a status SageMaker left out is the enum's unknown `""`.
fn status<T: Clone + for<'a> From<&'a str>>(value: Option<&T>) -> T {
    value.cloned().unwrap_or_else(|| T::from(""))
}

/// `Ok(None)` for a "not found" error, so that a missing resource is an answer, not a failure.
pub fn none_if_not_found<T>(error: AwsError) -> Result<Option<T>, AwsError> {
    if error.is_not_found() {
        Ok(None)
    } else {
        Err(error)
    }
}

/// ListApps and DescribeApp name an app's owner by profile or by space: an app with a
/// (non-empty) space name is the space's, any other its user profile's.
fn owner_of(user_profile_name: Option<&str>, space_name: Option<&str>) -> AppOwner {
    match space_name {
        Some(space) if !space.is_empty() => AppOwner::Space(space.to_owned()),
        _ => AppOwner::UserProfile(text(user_profile_name)),
    }
}

impl Tags for SageMakerStudio {
    async fn list_tags_page(
        &self,
        arn: &str,
        next_token: Option<String>,
    ) -> Result<Page<Tag>, AwsError> {
        list_page!(
            self.client.list_tags().resource_arn(arn),
            next_token,
            |error| tagging_error("ListTags", &error),
            tags,
            Tag::clone,
        )
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        self.client
            .add_tags()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map(drop)
            .map_err(|error| tagging_error("AddTags", &error))
    }

    async fn delete_tags(&self, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
        self.client
            .delete_tags()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map(drop)
            .map_err(|error| tagging_error("DeleteTags", &error))
    }
}

impl Apps for SageMakerStudio {
    async fn list_apps_page(
        &self,
        domain_id: &str,
        owner: Option<&AppOwner>,
        next_token: Option<String>,
    ) -> Result<Page<App>, AwsError> {
        let request = self.client.list_apps().domain_id_equals(domain_id);
        let request = match owner {
            None => request,
            Some(AppOwner::UserProfile(name)) => request.user_profile_name_equals(name),
            Some(AppOwner::Space(name)) => request.space_name_equals(name),
        };
        list_page!(
            request,
            next_token,
            |error| AwsError::from_sdk("ListApps", &error),
            apps,
            |app| App {
                app_type: app.app_type().cloned().unwrap_or_else(|| "".into()),
                app_name: text(app.app_name()),
                owner: owner_of(app.user_profile_name(), app.space_name()),
                status: status(app.status()),
                creation_time: app.creation_time().copied(),
                instance_type: app
                    .resource_spec()
                    .and_then(|spec| spec.instance_type())
                    .map(|instance_type| instance_type.as_str().to_owned()),
            },
        )
    }

    async fn describe_app(
        &self,
        domain_id: &str,
        app: &App,
    ) -> Result<Option<AppDescription>, AwsError> {
        let request = self
            .client
            .describe_app()
            .domain_id(domain_id)
            .app_type(app.app_type.clone())
            .app_name(&app.app_name);
        let request = match &app.owner {
            AppOwner::UserProfile(name) => request.user_profile_name(name),
            AppOwner::Space(name) => request.space_name(name),
        };
        match request.send().await {
            Ok(output) => Ok(Some(AppDescription {
                status: status(output.status()),
                last_user_activity: output.last_user_activity_timestamp().copied(),
                creation_time: output.creation_time().copied(),
            })),
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeApp", &error)),
        }
    }

    async fn delete_app(&self, domain_id: &str, app: &App) -> Result<(), AwsError> {
        let request = self
            .client
            .delete_app()
            .domain_id(domain_id)
            .app_type(app.app_type.clone())
            .app_name(&app.app_name);
        let request = match &app.owner {
            AppOwner::UserProfile(name) => request.user_profile_name(name),
            AppOwner::Space(name) => request.space_name(name),
        };
        request
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("DeleteApp", &error))
    }
}

impl Spaces for SageMakerStudio {
    async fn list_spaces_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<Space>, AwsError> {
        list_page!(
            self.client.list_spaces().domain_id_equals(domain_id),
            next_token,
            |error| AwsError::from_sdk("ListSpaces", &error),
            spaces,
            |space| Space {
                space_name: text(space.space_name()),
                status: status(space.status()),
                owner_user_profile_name: space
                    .ownership_settings_summary()
                    .and_then(|ownership| ownership.owner_user_profile_name())
                    .map(str::to_owned),
                sharing_type: space
                    .space_sharing_settings_summary()
                    .and_then(|sharing| sharing.sharing_type())
                    .cloned(),
                app_type: space
                    .space_settings_summary()
                    .and_then(|settings| settings.app_type())
                    .cloned(),
            },
        )
    }

    async fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<Space>, AwsError> {
        match self
            .client
            .describe_space()
            .domain_id(domain_id)
            .space_name(space_name)
            .send()
            .await
        {
            Ok(output) => Ok(Some(Space {
                space_name: output.space_name().unwrap_or(space_name).to_owned(),
                status: status(output.status()),
                owner_user_profile_name: output
                    .ownership_settings()
                    .and_then(|ownership| ownership.owner_user_profile_name())
                    .map(str::to_owned),
                sharing_type: output
                    .space_sharing_settings()
                    .and_then(|sharing| sharing.sharing_type())
                    .cloned(),
                app_type: output
                    .space_settings()
                    .and_then(|settings| settings.app_type())
                    .cloned(),
            })),
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeSpace", &error)),
        }
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        self.client
            .delete_space()
            .domain_id(domain_id)
            .space_name(space_name)
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("DeleteSpace", &error))
    }
}

impl UserProfiles for SageMakerStudio {
    async fn list_user_profiles_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<UserProfileSummary>, AwsError> {
        list_page!(
            self.client.list_user_profiles().domain_id_equals(domain_id),
            next_token,
            |error| AwsError::from_sdk("ListUserProfiles", &error),
            user_profiles,
            |profile| UserProfileSummary {
                user_profile_name: text(profile.user_profile_name()),
                status: status(profile.status()),
            },
        )
    }

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
                status: status(output.status()),
                failure_reason: output.failure_reason().map(str::to_owned),
                home_efs_file_system_uid: text(output.home_efs_file_system_uid()),
                single_sign_on_user_value: output.single_sign_on_user_value().map(str::to_owned),
            })),
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeUserProfile", &error)),
        }
    }

    async fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<(), AwsError> {
        self.client
            .delete_user_profile()
            .domain_id(domain_id)
            .user_profile_name(user_profile_name)
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("DeleteUserProfile", &error))
    }
}

/// A profile's or a domain's `IdleSettings` as the port keeps them.
fn idle_settings(settings: Option<&types::IdleSettings>) -> Option<IdleSettings> {
    settings.map(|idle| IdleSettings {
        enabled: idle
            .lifecycle_management()
            .map(|management| *management == types::LifecycleManagement::Enabled),
        timeout_minutes: idle.idle_timeout_in_minutes(),
        min_timeout_minutes: idle.min_idle_timeout_in_minutes(),
        max_timeout_minutes: idle.max_idle_timeout_in_minutes(),
    })
}

/// The idle settings of `UserSettings` (a domain's defaults or a profile's own).
fn user_idle_shutdown(settings: Option<&types::UserSettings>) -> IdleShutdown {
    IdleShutdown {
        jupyter_lab: idle_settings(
            settings
                .and_then(|s| s.jupyter_lab_app_settings())
                .and_then(|s| s.app_lifecycle_management())
                .and_then(|m| m.idle_settings()),
        ),
        code_editor: idle_settings(
            settings
                .and_then(|s| s.code_editor_app_settings())
                .and_then(|s| s.app_lifecycle_management())
                .and_then(|m| m.idle_settings()),
        ),
    }
}

/// A space's idle settings: `SpaceIdleSettings` holds only the timeout.
fn space_idle_settings(settings: Option<&types::SpaceIdleSettings>) -> Option<IdleSettings> {
    settings.map(|idle| IdleSettings {
        timeout_minutes: idle.idle_timeout_in_minutes(),
        ..IdleSettings::default()
    })
}

/// `$outer` (`UserSettings` or `SpaceSettings`) holding only its `$member` app settings: those of
/// `$current` (or empty ones of type `$app`), their `AppLifecycleManagement` passed through
/// `$management`. The four app settings types share the member's name but no trait, hence a macro.
macro_rules! with_app_lifecycle_management {
    ($current:expr, $outer:ident, $member:ident, $app:ident, $management:expr) => {{
        let mut app_settings = $current
            .and_then(types::$outer::$member)
            .cloned()
            .unwrap_or_else(|| types::$app::builder().build());
        app_settings.app_lifecycle_management =
            Some($management(app_settings.app_lifecycle_management.take()));
        types::$outer::builder().$member(app_settings).build()
    }};
}

/// `UserSettings` carrying `app`'s settings as `current` holds them, with its
/// `AppLifecycleManagement.IdleSettings` replaced by `settings`.
///
/// The whole `JupyterLabAppSettings` / `CodeEditorAppSettings` is sent, not only its lifecycle part:
/// the API reference does not say whether UpdateUserProfile merges the members of a nested
/// settings structure or replaces the structure (the emulator replaces it), and a repair must not
/// drop the profile's images, repositories or default instance type either way. The other members
/// of `UserSettings` are left out, so they are untouched under both readings.
fn user_settings_with(
    app: IdleShutdownApp,
    settings: IdleSettings,
    current: Option<&types::UserSettings>,
) -> types::UserSettings {
    let idle = types::IdleSettings::builder()
        .set_lifecycle_management(settings.enabled.map(|enabled| {
            if enabled {
                types::LifecycleManagement::Enabled
            } else {
                types::LifecycleManagement::Disabled
            }
        }))
        .set_idle_timeout_in_minutes(settings.timeout_minutes)
        .set_min_idle_timeout_in_minutes(settings.min_timeout_minutes)
        .set_max_idle_timeout_in_minutes(settings.max_timeout_minutes)
        .build();
    let management = |current: Option<types::AppLifecycleManagement>| {
        let mut management =
            current.unwrap_or_else(|| types::AppLifecycleManagement::builder().build());
        management.idle_settings = Some(idle);
        management
    };
    match app {
        IdleShutdownApp::JupyterLab => {
            with_app_lifecycle_management!(
                current,
                UserSettings,
                jupyter_lab_app_settings,
                JupyterLabAppSettings,
                management
            )
        }
        IdleShutdownApp::CodeEditor => {
            with_app_lifecycle_management!(
                current,
                UserSettings,
                code_editor_app_settings,
                CodeEditorAppSettings,
                management
            )
        }
    }
}

/// `SpaceSettings` carrying `app`'s space settings as `current` holds them, with its
/// `AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes` set from `settings` (whole, for the
/// reason [`user_settings_with`] gives).
fn space_settings_with(
    app: IdleShutdownApp,
    settings: IdleSettings,
    current: Option<&types::SpaceSettings>,
) -> types::SpaceSettings {
    let management = |current: Option<types::SpaceAppLifecycleManagement>| {
        let mut management =
            current.unwrap_or_else(|| types::SpaceAppLifecycleManagement::builder().build());
        management.idle_settings = Some(
            types::SpaceIdleSettings::builder()
                .set_idle_timeout_in_minutes(settings.timeout_minutes)
                .build(),
        );
        management
    };
    match app {
        IdleShutdownApp::JupyterLab => {
            with_app_lifecycle_management!(
                current,
                SpaceSettings,
                jupyter_lab_app_settings,
                SpaceJupyterLabAppSettings,
                management
            )
        }
        IdleShutdownApp::CodeEditor => {
            with_app_lifecycle_management!(
                current,
                SpaceSettings,
                code_editor_app_settings,
                SpaceCodeEditorAppSettings,
                management
            )
        }
    }
}

impl IdleShutdownSettings for SageMakerStudio {
    async fn domain_idle_shutdown(
        &self,
        domain_id: &str,
    ) -> Result<Option<IdleShutdown>, AwsError> {
        match self
            .client
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
        {
            Ok(output) => Ok(Some(user_idle_shutdown(output.default_user_settings()))),
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeDomain", &error)),
        }
    }

    async fn user_profile_idle_shutdown(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<IdleShutdown>, AwsError> {
        match self
            .client
            .describe_user_profile()
            .domain_id(domain_id)
            .user_profile_name(user_profile_name)
            .send()
            .await
        {
            Ok(output) => Ok(Some(user_idle_shutdown(output.user_settings()))),
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeUserProfile", &error)),
        }
    }

    async fn space_idle_shutdown(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<IdleShutdown>, AwsError> {
        match self
            .client
            .describe_space()
            .domain_id(domain_id)
            .space_name(space_name)
            .send()
            .await
        {
            Ok(output) => {
                let settings = output.space_settings();
                Ok(Some(IdleShutdown {
                    jupyter_lab: space_idle_settings(
                        settings
                            .and_then(|s| s.jupyter_lab_app_settings())
                            .and_then(|s| s.app_lifecycle_management())
                            .and_then(|m| m.idle_settings()),
                    ),
                    code_editor: space_idle_settings(
                        settings
                            .and_then(|s| s.code_editor_app_settings())
                            .and_then(|s| s.app_lifecycle_management())
                            .and_then(|m| m.idle_settings()),
                    ),
                }))
            }
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeSpace", &error)),
        }
    }

    async fn update_user_profile_idle_shutdown(
        &self,
        domain_id: &str,
        user_profile_name: &str,
        app: IdleShutdownApp,
        settings: IdleSettings,
    ) -> Result<(), AwsError> {
        let current = self
            .client
            .describe_user_profile()
            .domain_id(domain_id)
            .user_profile_name(user_profile_name)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("DescribeUserProfile", &error))?;
        self.client
            .update_user_profile()
            .domain_id(domain_id)
            .user_profile_name(user_profile_name)
            .user_settings(user_settings_with(app, settings, current.user_settings()))
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("UpdateUserProfile", &error))
    }

    async fn update_space_idle_shutdown(
        &self,
        domain_id: &str,
        space_name: &str,
        app: IdleShutdownApp,
        settings: IdleSettings,
    ) -> Result<(), AwsError> {
        let current = self
            .client
            .describe_space()
            .domain_id(domain_id)
            .space_name(space_name)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("DescribeSpace", &error))?;
        self.client
            .update_space()
            .domain_id(domain_id)
            .space_name(space_name)
            .space_settings(space_settings_with(app, settings, current.space_settings()))
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("UpdateSpace", &error))
    }
}

impl Domains for SageMakerStudio {
    async fn list_domains_page(
        &self,
        next_token: Option<String>,
    ) -> Result<Page<DomainSummary>, AwsError> {
        list_page!(
            self.client.list_domains(),
            next_token,
            |error| AwsError::from_sdk("ListDomains", &error),
            domains,
            |domain| DomainSummary {
                domain_id: text(domain.domain_id()),
                domain_arn: text(domain.domain_arn()),
                domain_name: text(domain.domain_name()),
                status: status(domain.status()),
            },
        )
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
                status: status(output.status()),
                failure_reason: output.failure_reason().map(str::to_owned),
                url: text(output.url()),
                home_efs_file_system_id: text(output.home_efs_file_system_id()),
                default_execution_role: output
                    .default_user_settings()
                    .and_then(|settings| settings.execution_role())
                    .map(str::to_owned),
                single_sign_on_application_arn: output
                    .single_sign_on_application_arn()
                    .map(str::to_owned),
                security_group_id_for_domain_boundary: output
                    .security_group_id_for_domain_boundary()
                    .map(str::to_owned),
            })),
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeDomain", &error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::operation::delete_app::DeleteAppOutput;
    use aws_sdk_sagemaker::operation::describe_domain::DescribeDomainOutput;
    use aws_sdk_sagemaker::operation::describe_user_profile::{
        DescribeUserProfileError, DescribeUserProfileOutput,
    };
    use aws_sdk_sagemaker::operation::list_apps::ListAppsOutput;
    use aws_sdk_sagemaker::operation::list_domains::ListDomainsOutput;
    use aws_sdk_sagemaker::operation::list_spaces::ListSpacesOutput;
    use aws_sdk_sagemaker::operation::list_tags::ListTagsOutput;
    use aws_sdk_sagemaker::operation::list_user_profiles::ListUserProfilesOutput;
    use aws_sdk_sagemaker::types::error::ResourceNotFound;
    use aws_sdk_sagemaker::types::{
        AppDetails, AppType, OwnershipSettingsSummary, SharingType, SpaceDetails,
        SpaceSharingSettingsSummary, UserSettings,
    };
    use aws_sdk_sagemaker::types::{AppStatus, DomainStatus, SpaceStatus, UserProfileStatus};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    fn metadata(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

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
    async fn an_app_without_a_space_name_is_its_user_profiles() {
        let listed = mock!(Client::list_apps)
            .match_requests(|input| {
                input.domain_id_equals() == Some("d-abcdef123456")
                    && input.user_profile_name_equals().is_none()
                    && input.space_name_equals().is_none()
            })
            .then_output(|| {
                ListAppsOutput::builder()
                    .apps(
                        AppDetails::builder()
                            .user_profile_name("alice")
                            .space_name("")
                            .app_type(AppType::KernelGateway)
                            .app_name("k1")
                            .status(AppStatus::Deleting)
                            .build(),
                    )
                    .apps(
                        AppDetails::builder()
                            .space_name("team")
                            .app_type(AppType::JupyterLab)
                            .app_name("default")
                            .status(AppStatus::InService)
                            .build(),
                    )
                    .build()
            });
        let studio = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&listed]));

        let apps = studio.list_apps("d-abcdef123456", None).await.unwrap();

        assert_eq!(
            apps,
            vec![
                App::new(
                    AppOwner::UserProfile("alice".into()),
                    AppType::KernelGateway,
                    "k1",
                    AppStatus::Deleting
                ),
                App::new(
                    AppOwner::Space("team".into()),
                    AppType::JupyterLab,
                    "default",
                    AppStatus::InService
                ),
            ]
        );
    }

    #[tokio::test]
    async fn a_listing_asks_for_the_next_page_with_the_token_it_was_given() {
        let first = mock!(Client::list_tags)
            .match_requests(|input| input.next_token().is_none())
            .then_output(|| {
                ListTagsOutput::builder()
                    .tags(Tag::builder().key("a").value("1").build())
                    .next_token("page-2")
                    .build()
            });
        let second = mock!(Client::list_tags)
            .match_requests(|input| input.next_token() == Some("page-2"))
            .then_output(|| {
                ListTagsOutput::builder()
                    .tags(Tag::builder().key("b").value("2").build())
                    .build()
            });
        let studio = SageMakerStudio::new(mock_client!(
            aws_sdk_sagemaker,
            RuleMode::MatchAny,
            [&first, &second]
        ));

        let tags = studio
            .list_tags("arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdef123456")
            .await
            .unwrap();

        let keys: Vec<_> = tags.iter().filter_map(Tag::key).collect();
        assert_eq!(keys, vec!["a", "b"]);
    }

    #[tokio::test]
    async fn every_listing_asks_for_pages_of_a_hundred() {
        let tags = mock!(Client::list_tags)
            .match_requests(|input| input.max_results() == Some(100))
            .then_output(|| ListTagsOutput::builder().build());
        let apps = mock!(Client::list_apps)
            .match_requests(|input| input.max_results() == Some(100))
            .then_output(|| ListAppsOutput::builder().build());
        let spaces = mock!(Client::list_spaces)
            .match_requests(|input| input.max_results() == Some(100))
            .then_output(|| ListSpacesOutput::builder().build());
        let profiles = mock!(Client::list_user_profiles)
            .match_requests(|input| input.max_results() == Some(100))
            .then_output(|| ListUserProfilesOutput::builder().build());
        let domains = mock!(Client::list_domains)
            .match_requests(|input| input.max_results() == Some(100))
            .then_output(|| ListDomainsOutput::builder().build());
        let studio = SageMakerStudio::new(mock_client!(
            aws_sdk_sagemaker,
            RuleMode::MatchAny,
            [&tags, &apps, &spaces, &profiles, &domains]
        ));

        studio
            .list_tags("arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdef123456")
            .await
            .unwrap();
        studio.list_apps("d-abcdef123456", None).await.unwrap();
        studio.list_spaces("d-abcdef123456").await.unwrap();
        studio.list_user_profiles("d-abcdef123456").await.unwrap();
        studio.list_domains().await.unwrap();

        for rule in [&tags, &apps, &spaces, &profiles, &domains] {
            assert_eq!(rule.num_calls(), 1);
        }
    }

    #[tokio::test]
    async fn a_spaces_app_is_deleted_by_its_space_name() {
        let deleted = mock!(Client::delete_app)
            .match_requests(|input| {
                input.space_name() == Some("team")
                    && input.user_profile_name().is_none()
                    && input.app_type() == Some(&AppType::JupyterLab)
                    && input.app_name() == Some("default")
            })
            .then_output(|| DeleteAppOutput::builder().build());
        let studio = SageMakerStudio::new(mock_client!(
            aws_sdk_sagemaker,
            RuleMode::MatchAny,
            [&deleted]
        ));

        studio
            .delete_app(
                "d-abcdef123456",
                &App::new(
                    AppOwner::Space("team".into()),
                    AppType::JupyterLab,
                    "default",
                    AppStatus::InService,
                ),
            )
            .await
            .unwrap();

        assert_eq!(deleted.num_calls(), 1);
    }

    #[tokio::test]
    async fn private_spaces_carry_their_owner() {
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
        let studio = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&spaces]));

        let listed = studio.list_spaces("d-abcdef123456").await.unwrap();

        assert!(listed[0].is_private_to("alice"));
        assert!(!listed[1].is_private_to("alice"));
    }

    #[tokio::test]
    async fn a_spaces_apps_are_listed_by_its_space_name() {
        let apps = mock!(Client::list_apps)
            .match_requests(|input| {
                input.space_name_equals() == Some("alice-private")
                    && input.user_profile_name_equals().is_none()
            })
            .then_output(|| {
                ListAppsOutput::builder()
                    .apps(
                        AppDetails::builder()
                            .space_name("alice-private")
                            .app_type(AppType::JupyterLab)
                            .app_name("default")
                            .status(AppStatus::InService)
                            .build(),
                    )
                    .build()
            });
        let studio = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&apps]));

        let listed = studio
            .list_apps(
                "d-abcdef123456",
                Some(&AppOwner::Space("alice-private".to_owned())),
            )
            .await
            .unwrap();

        assert_eq!(
            listed,
            vec![App::new(
                AppOwner::Space("alice-private".into()),
                AppType::JupyterLab,
                "default",
                AppStatus::InService
            )]
        );
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
        assert_eq!(profile.status, UserProfileStatus::Failed);
        assert_eq!(
            profile.failure_reason.as_deref(),
            Some("The execution role cannot be assumed")
        );
        assert_eq!(profile.home_efs_file_system_uid, "200001");
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
    async fn a_described_domain_carries_what_the_attributes_and_profiles_need() {
        let rule = mock!(Client::describe_domain).then_output(|| {
            DescribeDomainOutput::builder()
                .domain_id("d-abcdef012345")
                .domain_arn("arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdef012345")
                .domain_name("team-a")
                .status(DomainStatus::InService)
                .url("https://d-abcdef012345.studio.us-east-1.sagemaker.aws")
                .home_efs_file_system_id("fs-0123456789abcdef0")
                .default_user_settings(
                    UserSettings::builder()
                        .execution_role("arn:aws:iam::123456789012:role/studio-default")
                        .build(),
                )
                .build()
        });
        let studio =
            SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&rule]));

        let domain = studio
            .describe_domain("d-abcdef012345")
            .await
            .unwrap()
            .unwrap();

        assert_eq!(domain.status, DomainStatus::InService);
        assert_eq!(domain.home_efs_file_system_id, "fs-0123456789abcdef0");
        assert_eq!(
            domain.default_execution_role.as_deref(),
            Some("arn:aws:iam::123456789012:role/studio-default")
        );
    }

    #[cfg(feature = "custom-resource")]
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

    #[tokio::test]
    async fn an_idle_settings_repair_keeps_the_apps_other_settings_and_nothing_else_of_the_profile()
    {
        use aws_sdk_sagemaker::operation::describe_user_profile::DescribeUserProfileOutput;
        use aws_sdk_sagemaker::operation::update_user_profile::UpdateUserProfileOutput;
        let described = mock!(Client::describe_user_profile).then_output(|| {
            DescribeUserProfileOutput::builder()
                .user_settings(
                    types::UserSettings::builder()
                        .execution_role("arn:aws:iam::123456789012:role/alice")
                        .jupyter_lab_app_settings(
                            types::JupyterLabAppSettings::builder()
                                .default_resource_spec(
                                    types::ResourceSpec::builder()
                                        .instance_type(types::AppInstanceType::MlT3Large)
                                        .build(),
                                )
                                .lifecycle_config_arns("arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/setup")
                                .app_lifecycle_management(
                                    types::AppLifecycleManagement::builder()
                                        .idle_settings(
                                            types::IdleSettings::builder()
                                                .lifecycle_management(
                                                    types::LifecycleManagement::Disabled,
                                                )
                                                .build(),
                                        )
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let update = mock!(Client::update_user_profile)
            .match_requests(|input| {
                let settings = input.user_settings();
                let jupyter_lab = settings.and_then(|s| s.jupyter_lab_app_settings());
                let idle = jupyter_lab
                    .and_then(|s| s.app_lifecycle_management())
                    .and_then(|m| m.idle_settings());
                settings.is_some_and(|s| {
                    s.execution_role().is_none() && s.code_editor_app_settings().is_none()
                }) && jupyter_lab.is_some_and(|s| {
                    s.default_resource_spec().and_then(|r| r.instance_type())
                        == Some(&types::AppInstanceType::MlT3Large)
                        && s.lifecycle_config_arns().len() == 1
                }) && idle.is_some_and(|i| {
                    i.lifecycle_management() == Some(&types::LifecycleManagement::Enabled)
                        && i.idle_timeout_in_minutes() == Some(120)
                })
            })
            .then_output(|| UpdateUserProfileOutput::builder().build());
        let studio = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&described, &update]));

        studio
            .update_user_profile_idle_shutdown(
                "d-abcdef123456",
                "alice",
                IdleShutdownApp::JupyterLab,
                IdleSettings {
                    enabled: Some(true),
                    timeout_minutes: Some(120),
                    ..IdleSettings::default()
                },
            )
            .await
            .unwrap();

        assert_eq!(update.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_domains_default_idle_settings_are_read_per_app_type() {
        let described = mock!(Client::describe_domain).then_output(|| {
            DescribeDomainOutput::builder()
                .default_user_settings(
                    UserSettings::builder()
                        .code_editor_app_settings(
                            types::CodeEditorAppSettings::builder()
                                .app_lifecycle_management(
                                    types::AppLifecycleManagement::builder()
                                        .idle_settings(
                                            types::IdleSettings::builder()
                                                .lifecycle_management(
                                                    types::LifecycleManagement::Enabled,
                                                )
                                                .idle_timeout_in_minutes(60)
                                                .max_idle_timeout_in_minutes(240)
                                                .build(),
                                        )
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let studio = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&described]));

        let idle = studio
            .domain_idle_shutdown("d-abcdef123456")
            .await
            .unwrap()
            .unwrap();

        assert_eq!(idle.jupyter_lab, None);
        let editor = idle.get(IdleShutdownApp::CodeEditor).unwrap();
        assert_eq!(
            (
                editor.enabled,
                editor.timeout_minutes,
                editor.max_timeout_minutes
            ),
            (Some(true), Some(60), Some(240))
        );
    }
}
