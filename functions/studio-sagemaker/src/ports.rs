//! Studio as small traits, one per kind of resource, that the functions are written against:
//! [`Tags`], [`Apps`], [`Spaces`], [`UserProfiles`] and [`Domains`]. [`crate::aws`] implements
//! them on the SDK client; `crate::memory` (feature `test-util`) in memory.
//!
//! A listing is a port of one page at a time (`*_page`, taking and returning the API's
//! `NextToken`), so that a caller that must stop between pages can; the provided methods
//! without `_page` collect every page with [`all_pages`].
//!
//! Statuses are the SDK's enums. A status SageMaker left out is the enum's unknown value `""`
//! (`AppStatus::from("")`), so that it matches none of the documented ones.

use std::future::Future;

use aws_sdk_sagemaker::types::{
    AppStatus, AppType, DomainStatus, SharingType, SpaceStatus, Tag, UserProfileStatus,
};
use aws_smithy_types::DateTime;
use lambda_support::AwsError;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The `NextToken` of the following page, if there is one.
    pub next_token: Option<String>,
}

/// Calls `page` with each `NextToken` in turn, from none, until a page has none, and returns
/// every item in order.
pub async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, AwsError>>,
{
    let mut items = Vec::new();
    let mut next_token = None;
    loop {
        let answer = page(next_token).await?;
        items.extend(answer.items);
        match answer.next_token {
            Some(token) if !token.is_empty() => next_token = Some(token),
            _ => return Ok(items),
        }
    }
}

/// Who owns an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppOwner {
    /// A user profile's app (Studio Classic).
    UserProfile(String),
    /// A space's app.
    Space(String),
}

impl AppOwner {
    /// The profile or space name.
    pub fn name(&self) -> &str {
        match self {
            Self::UserProfile(name) | Self::Space(name) => name,
        }
    }
}

impl std::fmt::Display for AppOwner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UserProfile(name) => write!(formatter, "user profile {name}"),
            Self::Space(name) => write!(formatter, "space {name}"),
        }
    }
}

/// An app as ListApps reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// `JupyterLab`, `KernelGateway`, …
    pub app_type: AppType,
    pub app_name: String,
    /// Its profile or space.
    pub owner: AppOwner,
    pub status: AppStatus,
    pub creation_time: Option<DateTime>,
    /// `ResourceSpec.InstanceType` (`ml.t3.medium`, …), if ListApps gave it.
    pub instance_type: Option<String>,
}

impl App {
    /// An app with no creation time (what the fakes and tests build).
    pub fn new(
        owner: AppOwner,
        app_type: AppType,
        app_name: impl Into<String>,
        status: AppStatus,
    ) -> Self {
        Self {
            app_type,
            app_name: app_name.into(),
            owner,
            status,
            creation_time: None,
            instance_type: None,
        }
    }

    /// Whether SageMaker counts the app as running: `InService`, `Pending` or `Deleting`, the
    /// states in which UpdateDomain refuses a network or subnet change (API reference).
    pub fn is_running(&self) -> bool {
        matches!(
            self.status,
            AppStatus::InService | AppStatus::Pending | AppStatus::Deleting
        )
    }

    /// The app's ARN (ListApps does not return it), from its domain's: `domain/<id>` becomes
    /// `app/<id>/<owner>/<app type in lower case>/<name>`, as SageMaker writes app ARNs.
    pub fn arn(&self, domain_arn: &str) -> String {
        let (prefix, domain_id) = domain_arn
            .rsplit_once(":domain/")
            .unwrap_or((domain_arn, ""));
        format!(
            "{prefix}:app/{domain_id}/{}/{}/{}",
            self.owner.name(),
            self.app_type.as_str().to_ascii_lowercase(),
            self.app_name
        )
    }
}

/// A user profile's ARN, from its domain's: `domain/<id>` becomes `user-profile/<id>/<name>`.
pub fn user_profile_arn(domain_arn: &str, user_profile_name: &str) -> String {
    let (prefix, domain_id) = domain_arn
        .rsplit_once(":domain/")
        .unwrap_or((domain_arn, ""));
    format!("{prefix}:user-profile/{domain_id}/{user_profile_name}")
}

/// A space's ARN, from its domain's: `domain/<id>` becomes `space/<id>/<name>`.
pub fn space_arn(domain_arn: &str, space_name: &str) -> String {
    let (prefix, domain_id) = domain_arn
        .rsplit_once(":domain/")
        .unwrap_or((domain_arn, ""));
    format!("{prefix}:space/{domain_id}/{space_name}")
}

/// What DescribeApp tells about an app's use.
#[derive(Debug, Clone, PartialEq)]
pub struct AppDescription {
    pub status: AppStatus,
    /// `LastUserActivityTimestamp`, if SageMaker knows it.
    pub last_user_activity: Option<DateTime>,
    pub creation_time: Option<DateTime>,
}

/// A space as ListSpaces or DescribeSpace reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub space_name: String,
    pub status: SpaceStatus,
    /// The profile that owns it, if it has an owner.
    pub owner_user_profile_name: Option<String>,
    /// `Private` or `Shared`, if set (spaces made before ownership existed have neither).
    pub sharing_type: Option<SharingType>,
    /// `SpaceSettings.AppType` (ListSpaces: `SpaceSettingsSummary.AppType`), if set: what
    /// [`crate::spaces`] decides by whether the space's work goes with it.
    pub app_type: Option<AppType>,
}

impl Space {
    /// Whether `owner` owns the space, private or shared. SageMaker deletes a user profile only
    /// once every space it owns is deleted: "all spaces owned by the user profile must be
    /// deleted" (DeleteUserProfile, API reference).
    pub fn is_owned_by(&self, owner: &str) -> bool {
        self.owner_user_profile_name.as_deref() == Some(owner)
    }

    /// Whether the space is `owner`'s private space.
    pub fn is_private_to(&self, owner: &str) -> bool {
        self.sharing_type == Some(SharingType::Private) && self.is_owned_by(owner)
    }

    /// Whether `profile` may open the space: a shared space (or one without sharing settings,
    /// which every profile of the domain shares) is everyone's, a private one only its owner's.
    pub fn is_open_to(&self, profile: &str) -> bool {
        match &self.sharing_type {
            None | Some(SharingType::Shared) => true,
            Some(_) => self.is_owned_by(profile),
        }
    }
}

/// A user profile as ListUserProfiles reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfileSummary {
    pub user_profile_name: String,
    pub status: UserProfileStatus,
}

/// A user profile as DescribeUserProfile reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub user_profile_arn: String,
    pub domain_id: String,
    pub user_profile_name: String,
    pub status: UserProfileStatus,
    /// Why it failed, if it did.
    pub failure_reason: Option<String>,
    /// The POSIX uid of the profile's directory on the domain's home EFS.
    pub home_efs_file_system_uid: String,
    /// The IAM Identity Center user name of a profile of an `SSO` domain.
    pub single_sign_on_user_value: Option<String>,
}

/// A domain as ListDomains reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSummary {
    /// `d-…`.
    pub domain_id: String,
    pub domain_arn: String,
    pub domain_name: String,
    pub status: DomainStatus,
}

/// A domain as DescribeDomain reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// `d-…`.
    pub domain_id: String,
    pub domain_arn: String,
    pub domain_name: String,
    pub status: DomainStatus,
    /// Why it failed, if it did.
    pub failure_reason: Option<String>,
    /// The Studio URL.
    pub url: String,
    /// The users' home file system.
    pub home_efs_file_system_id: String,
    /// `DefaultUserSettings.ExecutionRole`.
    pub default_execution_role: Option<String>,
    /// The IAM Identity Center application of an `SSO` domain.
    pub single_sign_on_application_arn: Option<String>,
    /// The security group SageMaker made for traffic between the domain's apps.
    pub security_group_id_for_domain_boundary: Option<String>,
}

/// The app types whose idle shutdown Studio runs itself (`AppLifecycleManagement`): JupyterLab
/// and Code Editor apps "shut down after a period of inactivity" when it is on (developer guide,
/// "Idle shutdown"); the other types have no such setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdleShutdownApp {
    /// `JupyterLabAppSettings`.
    JupyterLab,
    /// `CodeEditorAppSettings`.
    CodeEditor,
}

impl IdleShutdownApp {
    /// Both, in the API's order.
    pub const ALL: [Self; 2] = [Self::JupyterLab, Self::CodeEditor];

    /// The app type's name (`JupyterLab`, `CodeEditor`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JupyterLab => "JupyterLab",
            Self::CodeEditor => "CodeEditor",
        }
    }
}

/// The API's bounds of an idle timeout in minutes, inclusive: `IdleTimeoutInMinutes`,
/// `MinIdleTimeoutInMinutes` and `MaxIdleTimeoutInMinutes` are 60 to 525600 (botocore model,
/// `IdleTimeoutInMinutes`), for profiles, spaces and domain defaults alike.
pub const API_IDLE_TIMEOUT_MINUTES: (i32, i32) = (60, 525_600);

/// `AppLifecycleManagement.IdleSettings` of one app type, as a domain's default user settings, a
/// profile's user settings or a space's settings hold it. A space's (`SpaceIdleSettings`) has
/// only the timeout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdleSettings {
    /// `LifecycleManagement`: `Some(true)` = `ENABLED`, `Some(false)` = `DISABLED`, `None` = not
    /// set (or a space's, which has no such field).
    pub enabled: Option<bool>,
    /// `IdleTimeoutInMinutes` (60–525600).
    pub timeout_minutes: Option<i32>,
    /// `MinIdleTimeoutInMinutes`: the least a user may choose.
    pub min_timeout_minutes: Option<i32>,
    /// `MaxIdleTimeoutInMinutes`: the most a user may choose.
    pub max_timeout_minutes: Option<i32>,
}

/// The idle settings of a domain's defaults, a profile or a space, per app type; `None` where the
/// resource sets none (it then inherits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdleShutdown {
    pub jupyter_lab: Option<IdleSettings>,
    pub code_editor: Option<IdleSettings>,
}

impl IdleShutdown {
    /// The settings of `app`.
    pub fn get(&self, app: IdleShutdownApp) -> Option<&IdleSettings> {
        match app {
            IdleShutdownApp::JupyterLab => self.jupyter_lab.as_ref(),
            IdleShutdownApp::CodeEditor => self.code_editor.as_ref(),
        }
    }

    /// Sets the settings of `app`.
    pub fn set(&mut self, app: IdleShutdownApp, settings: IdleSettings) {
        match app {
            IdleShutdownApp::JupyterLab => self.jupyter_lab = Some(settings),
            IdleShutdownApp::CodeEditor => self.code_editor = Some(settings),
        }
    }
}

/// The idle shutdown settings of domains, profiles and spaces: read (DescribeDomain,
/// DescribeUserProfile, DescribeSpace) and, for profiles and spaces, written (UpdateUserProfile,
/// UpdateSpace with one app type's settings as they are, its `AppLifecycleManagement` changed).
pub trait IdleShutdownSettings: Send + Sync {
    /// The domain's `DefaultUserSettings` idle settings; `None` if there is no such domain.
    fn domain_idle_shutdown(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<IdleShutdown>, AwsError>> + Send;
    /// The profile's `UserSettings` idle settings; `None` if there is no such profile.
    fn user_profile_idle_shutdown(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> impl Future<Output = Result<Option<IdleShutdown>, AwsError>> + Send;
    /// The space's `SpaceSettings` idle settings; `None` if there is no such space.
    fn space_idle_shutdown(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> impl Future<Output = Result<Option<IdleShutdown>, AwsError>> + Send;
    /// UpdateUserProfile setting `app`'s `AppLifecycleManagement.IdleSettings` to `settings`.
    fn update_user_profile_idle_shutdown(
        &self,
        domain_id: &str,
        user_profile_name: &str,
        app: IdleShutdownApp,
        settings: IdleSettings,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// UpdateSpace setting `app`'s `AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes`.
    fn update_space_idle_shutdown(
        &self,
        domain_id: &str,
        space_name: &str,
        app: IdleShutdownApp,
        settings: IdleSettings,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// AddTags, ListTags and DeleteTags on any SageMaker resource.
pub trait Tags: Send + Sync {
    /// One page of ListTags.
    fn list_tags_page(
        &self,
        arn: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Tag>, AwsError>> + Send;
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
    /// ListTags, every page.
    fn list_tags(&self, arn: &str) -> impl Future<Output = Result<Vec<Tag>, AwsError>> + Send {
        async move { all_pages(move |token| self.list_tags_page(arn, token)).await }
    }
}

/// Studio apps.
pub trait Apps: Send + Sync {
    /// One page of ListApps in the domain: every app, or only `owner`'s.
    fn list_apps_page(
        &self,
        domain_id: &str,
        owner: Option<&AppOwner>,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<App>, AwsError>> + Send;
    /// DescribeApp; `None` if there is no such app.
    fn describe_app(
        &self,
        domain_id: &str,
        app: &App,
    ) -> impl Future<Output = Result<Option<AppDescription>, AwsError>> + Send;
    /// DeleteApp.
    fn delete_app(
        &self,
        domain_id: &str,
        app: &App,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// ListApps, every page.
    fn list_apps(
        &self,
        domain_id: &str,
        owner: Option<&AppOwner>,
    ) -> impl Future<Output = Result<Vec<App>, AwsError>> + Send {
        async move { all_pages(move |token| self.list_apps_page(domain_id, owner, token)).await }
    }
}

/// Studio spaces.
pub trait Spaces: Send + Sync {
    /// One page of ListSpaces in the domain.
    fn list_spaces_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Space>, AwsError>> + Send;
    /// DescribeSpace; `None` if there is no such space.
    fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> impl Future<Output = Result<Option<Space>, AwsError>> + Send;
    /// DeleteSpace.
    fn delete_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// ListSpaces, every page.
    fn list_spaces(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Vec<Space>, AwsError>> + Send {
        async move { all_pages(move |token| self.list_spaces_page(domain_id, token)).await }
    }
}

/// Studio user profiles, as every function reads them (creating and updating one is
/// `studio-user-profile`'s own).
pub trait UserProfiles: Send + Sync {
    /// One page of ListUserProfiles in the domain.
    fn list_user_profiles_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<UserProfileSummary>, AwsError>> + Send;
    /// DescribeUserProfile; `None` if the profile (or its domain) does not exist.
    fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> impl Future<Output = Result<Option<UserProfile>, AwsError>> + Send;
    /// DeleteUserProfile.
    fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// ListUserProfiles, every page.
    fn list_user_profiles(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Vec<UserProfileSummary>, AwsError>> + Send {
        async move { all_pages(move |token| self.list_user_profiles_page(domain_id, token)).await }
    }
}

/// Studio domains, as every function reads them (creating, updating and deleting one is
/// `studio-domain`'s own).
pub trait Domains: Send + Sync {
    /// One page of ListDomains.
    fn list_domains_page(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<DomainSummary>, AwsError>> + Send;
    /// DescribeDomain; `None` if it does not exist.
    fn describe_domain(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<Domain>, AwsError>> + Send;
    /// ListDomains, every page.
    fn list_domains(&self) -> impl Future<Output = Result<Vec<DomainSummary>, AwsError>> + Send {
        async move { all_pages(move |token| self.list_domains_page(token)).await }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn all_pages_follows_next_tokens_until_there_is_none() {
        let pages = |token: Option<String>| async move {
            Ok(match token.as_deref() {
                None => Page {
                    items: vec![1, 2],
                    next_token: Some("b".to_owned()),
                },
                Some("b") => Page {
                    items: vec![3],
                    next_token: Some(String::new()),
                },
                Some(other) => panic!("unexpected token {other}"),
            })
        };

        assert_eq!(all_pages(pages).await.unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn an_owner_names_its_profile_or_space() {
        assert_eq!(AppOwner::UserProfile("alice".into()).name(), "alice");
        assert_eq!(AppOwner::Space("team".into()).to_string(), "space team");
    }

    #[test]
    fn an_apps_arn_follows_its_domains() {
        let app = App::new(
            AppOwner::UserProfile("alice".into()),
            AppType::KernelGateway,
            "k1",
            AppStatus::InService,
        );
        assert_eq!(
            app.arn("arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdef123456"),
            "arn:aws:sagemaker:us-east-1:123456789012:app/d-abcdef123456/alice/kernelgateway/k1"
        );
    }

    #[test]
    fn private_spaces_are_their_owners_and_shared_ones_everyones() {
        let space = |sharing_type, owner: Option<&str>| Space {
            space_name: "s".into(),
            status: SpaceStatus::InService,
            owner_user_profile_name: owner.map(str::to_owned),
            sharing_type,
            app_type: None,
        };
        let private = space(Some(SharingType::Private), Some("alice"));
        assert!(private.is_open_to("alice") && private.is_private_to("alice"));
        assert!(!private.is_open_to("bob"));
        let shared = space(Some(SharingType::Shared), Some("alice"));
        assert!(shared.is_open_to("bob") && shared.is_owned_by("alice"));
        assert!(!shared.is_private_to("alice"));
        assert!(space(None, None).is_open_to("bob"));
        assert!(!space(Some(SharingType::Private), None).is_open_to("bob"));
    }
}
