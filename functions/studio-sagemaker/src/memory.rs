//! One in-memory SageMaker Studio for every function's unit tests (feature `test-util`).
//!
//! [`MemoryStudio`] implements the Studio ports ([`crate::ports`]) on a [`StudioState`] of
//! domains, user profiles, spaces, apps and tags. A function crate implements its own calls
//! (CreateDomain, CreateUserProfile, …) against the same state, through
//! [`MemoryStudio::call`].
//!
//! - **Statuses move on when they are looked at**: whatever one call left `Pending`,
//!   `Updating` or `Deleting` has settled by the next Describe or List (a profile may be made to
//!   settle to a failure instead), so that each step of a resource sees progress.
//! - **What SageMaker refuses, it refuses**: DeleteUserProfile while the profile has apps that
//!   are neither deleted nor failed, or owns a space (DeleteUserProfile, API reference: "all
//!   apps … and all spaces owned by the user profile must be deleted"); DeleteSpace while the
//!   space has apps; DeleteApp of an app that is `Pending` or `Deleting` (`ResourceInUse`) or
//!   gone (`ResourceNotFound`); tagging calls on a resource that is gone.
//! - **Every call is recorded** as `Operation detail` ([`MemoryStudio::calls`]), the next calls
//!   of an operation can be made to fail ([`MemoryStudio::fail_next`]), and listings can be cut
//!   into small pages ([`MemoryStudio::set_page_size`]).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use aws_sdk_sagemaker::types::{
    AppStatus, AppType, DomainStatus, RetentionType, SharingType, SpaceStatus, Tag,
    UserProfileStatus, UserSettings,
};
use aws_smithy_types::DateTime;
use lambda_support::{AwsError, AwsErrorKind};

use crate::ports::{
    App, AppDescription, AppOwner, Apps, Domain, DomainSummary, Domains, IdleSettings,
    IdleShutdown, IdleShutdownApp, IdleShutdownSettings, Page, Space, Spaces, Tags, UserProfile,
    UserProfileSummary, UserProfiles,
};

/// The ARN of a resource of the fake's account and region, `resource` being e.g.
/// `domain/d-…` or `user-profile/d-…/alice`.
pub fn arn(resource: &str) -> String {
    format!("arn:aws:sagemaker:us-east-1:123456789012:{resource}")
}

/// An error as SageMaker would answer it, with `code` and `kind`.
pub fn aws_error(operation: &'static str, code: &str, kind: AwsErrorKind) -> AwsError {
    AwsError {
        operation,
        code: Some(code.to_owned()),
        message: format!("{code} (injected)"),
        kind,
    }
}

/// `ResourceNotFound`: "Cannot find `what`".
pub fn not_found(operation: &'static str, what: &str) -> AwsError {
    AwsError {
        operation,
        code: Some("ResourceNotFound".to_owned()),
        message: format!("Cannot find {what}"),
        kind: AwsErrorKind::NotFound,
    }
}

/// `ResourceInUse`, saying why.
pub fn in_use(operation: &'static str, why: impl Into<String>) -> AwsError {
    AwsError {
        operation,
        code: Some("ResourceInUse".to_owned()),
        message: why.into(),
        kind: AwsErrorKind::InUse,
    }
}

/// A domain as the fake keeps it.
#[derive(Debug, Clone)]
pub struct StoredDomain {
    pub domain: Domain,
    /// The subnets CreateDomain or the last UpdateDomain gave.
    pub subnet_ids: Vec<String>,
    /// The home EFS retention of the DeleteDomain that was accepted, if one was.
    pub deleted_with: Option<RetentionType>,
}

/// A user profile as the fake keeps it.
#[derive(Debug, Clone)]
pub struct StoredUserProfile {
    pub profile: UserProfile,
    /// The settings CreateUserProfile or the last UpdateUserProfile gave.
    pub settings: Option<UserSettings>,
}

/// What the fake keeps of a space beyond [`Space`].
#[derive(Debug, Clone, Default)]
pub struct StoredSpaceDetails {
    pub space_arn: String,
    pub url: String,
    pub space_display_name: Option<String>,
    /// The settings CreateSpace gave, as the last UpdateSpace left them.
    pub space_settings: Option<aws_sdk_sagemaker::types::SpaceSettings>,
    /// Why it failed, if it did.
    pub failure_reason: Option<String>,
}

/// An app as the fake keeps it.
#[derive(Debug, Clone)]
pub struct StoredApp {
    pub domain_id: String,
    pub app: App,
    /// What DescribeApp answers as `LastUserActivityTimestamp`.
    pub last_user_activity: Option<DateTime>,
}

#[derive(Debug)]
struct Fault {
    operation: String,
    /// Only a call whose detail contains this.
    detail: Option<String>,
    error: AwsError,
}

/// Everything the fake Studio holds.
#[derive(Debug, Default)]
pub struct StudioState {
    pub domains: BTreeMap<String, StoredDomain>,
    /// Domains that were deleted, in order.
    pub deleted_domains: Vec<StoredDomain>,
    /// By domain id and profile name.
    pub profiles: BTreeMap<(String, String), StoredUserProfile>,
    /// By domain id and space name.
    pub spaces: BTreeMap<(String, String), Space>,
    pub apps: Vec<StoredApp>,
    /// By resource ARN; a resource without an entry is gone (or was never taggable).
    pub tags: BTreeMap<String, Vec<Tag>>,
    /// A domain's `DefaultUserSettings` idle settings, by domain id.
    pub domain_idle_shutdown: BTreeMap<String, IdleShutdown>,
    /// A profile's `UserSettings` idle settings, by domain id and profile name.
    pub profile_idle_shutdown: BTreeMap<(String, String), IdleShutdown>,
    /// A space's `SpaceSettings` idle settings, by domain id and space name.
    pub space_idle_shutdown: BTreeMap<(String, String), IdleShutdown>,
    /// What DescribeSpace tells beyond [`Space`] (ARN, URL, display name, settings), by domain id
    /// and space name: what `studio-space` reads and writes.
    pub space_details: BTreeMap<(String, String), StoredSpaceDetails>,
    /// A domain's `DefaultUserSettings.SpaceStorageSettings.DefaultEbsStorageSettings
    /// .MaximumEbsVolumeSizeInGb`, by domain id.
    pub domain_maximum_ebs_volume_size_in_gb: BTreeMap<String, i32>,
    /// Studio lifecycle configs, and what lists them (`crate::lifecycle_configs`).
    pub lifecycle_configs: crate::lifecycle_configs::MemoryLifecycleConfigs,
    /// The domains' guardrails (DescribeDomain, `crate::guardrails`); none = nothing hidden.
    pub domain_guardrails: BTreeMap<String, crate::guardrails::DomainGuardrails>,
    /// A status and reason a new profile settles to instead of `InService`.
    pub new_profiles_settle_to: Option<(UserProfileStatus, String)>,
    /// A status and reason a new space settles to instead of `InService`.
    pub new_spaces_settle_to: Option<(SpaceStatus, String)>,
    /// The next DescribeUserProfile finds nothing (as if it ran just before a concurrent
    /// create).
    pub hide_next_user_profile: bool,
    /// Statuses stay as set: `settle` moves nothing on (for tests of what a caller does with a
    /// profile or an app that is `Pending`, `Updating` or `Deleting`).
    pub holds_statuses: bool,
    calls: Vec<String>,
    faults: Vec<Fault>,
    page_size: Option<usize>,
    next_id: u32,
}

impl StudioState {
    /// A number not given out before (for ids and uids).
    pub fn next_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// Moves every transitional status one step on; what finished deleting goes away, with its
    /// tags.
    pub fn settle(&mut self) {
        if self.holds_statuses {
            return;
        }
        let gone: Vec<String> = self
            .domains
            .values()
            .filter(|stored| stored.domain.status == DomainStatus::Deleting)
            .map(|stored| stored.domain.domain_id.clone())
            .collect();
        for domain_id in gone {
            if let Some(stored) = self.domains.remove(&domain_id) {
                self.tags.remove(&stored.domain.domain_arn);
                self.deleted_domains.push(stored);
            }
        }
        for stored in self.domains.values_mut() {
            if matches!(
                stored.domain.status,
                DomainStatus::Pending | DomainStatus::Updating
            ) {
                stored.domain.status = DomainStatus::InService;
            }
        }

        let tags = &mut self.tags;
        self.profiles.retain(|_, stored| {
            let deleted = stored.profile.status == UserProfileStatus::Deleting;
            if deleted {
                tags.remove(&stored.profile.user_profile_arn);
            }
            !deleted
        });
        for stored in self.profiles.values_mut() {
            match stored.profile.status {
                UserProfileStatus::Pending => match &self.new_profiles_settle_to {
                    Some((status, reason)) => {
                        stored.profile.status = status.clone();
                        stored.profile.failure_reason = Some(reason.clone());
                    }
                    None => stored.profile.status = UserProfileStatus::InService,
                },
                UserProfileStatus::Updating => stored.profile.status = UserProfileStatus::InService,
                _ => {}
            }
        }

        self.spaces
            .retain(|_, space| space.status != SpaceStatus::Deleting);
        for (key, space) in &mut self.spaces {
            match (&space.status, &self.new_spaces_settle_to) {
                (SpaceStatus::Pending, Some((status, reason))) => {
                    space.status = status.clone();
                    self.space_details
                        .entry(key.clone())
                        .or_default()
                        .failure_reason = Some(reason.clone());
                }
                (SpaceStatus::Pending | SpaceStatus::Updating, _) => {
                    space.status = SpaceStatus::InService;
                }
                _ => {}
            }
        }

        for stored in &mut self.apps {
            match stored.app.status {
                AppStatus::Pending => stored.app.status = AppStatus::InService,
                AppStatus::Deleting => stored.app.status = AppStatus::Deleted,
                _ => {}
            }
        }
    }

    /// The domain `domain_id`, or `ResourceNotFound` for `operation`.
    pub fn domain_mut(
        &mut self,
        operation: &'static str,
        domain_id: &str,
    ) -> Result<&mut StoredDomain, AwsError> {
        self.domains
            .get_mut(domain_id)
            .ok_or_else(|| not_found(operation, &format!("Domain with id {domain_id}")))
    }

    /// The profile `name` of `domain_id`, or `ResourceNotFound` for `operation`.
    pub fn profile_mut(
        &mut self,
        operation: &'static str,
        domain_id: &str,
        name: &str,
    ) -> Result<&mut StoredUserProfile, AwsError> {
        self.profiles
            .get_mut(&(domain_id.to_owned(), name.to_owned()))
            .ok_or_else(|| not_found(operation, &format!("UserProfile with name {name}")))
    }

    /// Whether the apps of `owner` in `domain_id` include one that is neither deleted nor
    /// failed.
    pub fn has_live_apps(&self, domain_id: &str, owner: &AppOwner) -> bool {
        self.apps.iter().any(|stored| {
            stored.domain_id == domain_id
                && &stored.app.owner == owner
                && !matches!(stored.app.status, AppStatus::Deleted | AppStatus::Failed)
        })
    }

    /// One page of `items` from `next_token` (an offset the fake gave out).
    fn page<T>(
        &self,
        operation: &'static str,
        items: Vec<T>,
        next_token: Option<String>,
    ) -> Result<Page<T>, AwsError> {
        let start = match next_token {
            None => 0,
            Some(token) => token.parse::<usize>().map_err(|_| AwsError {
                operation,
                code: Some("ValidationException".to_owned()),
                message: format!("Invalid pagination token {token}"),
                kind: AwsErrorKind::Invalid,
            })?,
        };
        let size = self.page_size.unwrap_or(usize::MAX);
        let end = start.saturating_add(size).min(items.len());
        let next_token = (end < items.len()).then(|| end.to_string());
        Ok(Page {
            items: items.into_iter().skip(start).take(end - start).collect(),
            next_token,
        })
    }
}

/// The fake.
#[derive(Debug, Default)]
pub struct MemoryStudio {
    state: Mutex<StudioState>,
}

impl MemoryStudio {
    /// The state, for a test to set up or look at (no call is recorded).
    pub fn state(&self) -> MutexGuard<'_, StudioState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the call `operation detail` and answers the fault injected for it, if any;
    /// otherwise gives the state to act on.
    pub fn call(
        &self,
        operation: &'static str,
        detail: &str,
    ) -> Result<MutexGuard<'_, StudioState>, AwsError> {
        let mut state = self.state();
        let call = if detail.is_empty() {
            operation.to_owned()
        } else {
            format!("{operation} {detail}")
        };
        state.calls.push(call);
        if let Some(index) = state.faults.iter().position(|fault| {
            fault.operation == operation
                && fault
                    .detail
                    .as_deref()
                    .is_none_or(|wanted| detail.contains(wanted))
        }) {
            return Err(state.faults.remove(index).error);
        }
        Ok(state)
    }

    /// Every call so far, as `Operation detail` (e.g. `DeleteApp KernelGateway/k1`).
    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    /// Every call so far, by operation name only.
    pub fn operations(&self) -> Vec<String> {
        self.state()
            .calls
            .iter()
            .map(|call| call.split(' ').next().unwrap_or_default().to_owned())
            .collect()
    }

    /// How many calls of `operation` so far.
    pub fn count(&self, operation: &str) -> usize {
        self.operations()
            .iter()
            .filter(|call| *call == operation)
            .count()
    }

    /// Forgets the calls made so far (for a test that counts only what comes next).
    pub fn forget_calls(&self) {
        self.state().calls.clear();
    }

    /// The next call of `operation` fails with `error`.
    pub fn fail_next(&self, operation: &str, error: AwsError) {
        self.state().faults.push(Fault {
            operation: operation.to_owned(),
            detail: None,
            error,
        });
    }

    /// The next call of `operation` whose detail (its resource) contains `detail` fails with
    /// `error`.
    pub fn fail_next_on(&self, operation: &str, detail: &str, error: AwsError) {
        self.state().faults.push(Fault {
            operation: operation.to_owned(),
            detail: Some(detail.to_owned()),
            error,
        });
    }

    /// Listings answer at most `size` items a page.
    pub fn set_page_size(&self, size: usize) {
        self.state().page_size = Some(size.max(1));
    }

    /// A domain `InService`, tagged `tags`; returns its ARN.
    pub fn add_domain(&self, domain_id: &str, name: &str, tags: Vec<Tag>) -> String {
        let domain_arn = arn(&format!("domain/{domain_id}"));
        let mut state = self.state();
        state.tags.insert(domain_arn.clone(), tags);
        state.domains.insert(
            domain_id.to_owned(),
            StoredDomain {
                domain: Domain {
                    domain_id: domain_id.to_owned(),
                    domain_arn: domain_arn.clone(),
                    domain_name: name.to_owned(),
                    status: DomainStatus::InService,
                    failure_reason: None,
                    url: format!("https://{domain_id}.studio.us-east-1.sagemaker.aws"),
                    home_efs_file_system_id: "fs-0123456789abcdef0".to_owned(),
                    default_execution_role: None,
                    single_sign_on_application_arn: None,
                    security_group_id_for_domain_boundary: None,
                },
                subnet_ids: Vec::new(),
                deleted_with: None,
            },
        );
        domain_arn
    }

    /// Sets a domain's status as SageMaker would report it.
    pub fn set_domain_status(&self, domain_id: &str, status: DomainStatus) {
        if let Some(stored) = self.state().domains.get_mut(domain_id) {
            stored.domain.status = status;
        }
    }

    /// Sets a domain's `DefaultUserSettings.ExecutionRole`.
    pub fn set_domain_execution_role(&self, domain_id: &str, role: Option<&str>) {
        if let Some(stored) = self.state().domains.get_mut(domain_id) {
            stored.domain.default_execution_role = role.map(str::to_owned);
        }
    }

    /// A user profile `InService`, tagged `tags` (none: one made outside any stack); returns
    /// its ARN.
    pub fn add_user_profile(&self, domain_id: &str, name: &str, tags: Vec<Tag>) -> String {
        let mut state = self.state();
        let stored = new_user_profile(&mut state, domain_id, name, UserProfileStatus::InService);
        let user_profile_arn = stored.profile.user_profile_arn.clone();
        state.tags.insert(user_profile_arn.clone(), tags);
        state
            .profiles
            .insert((domain_id.to_owned(), name.to_owned()), stored);
        user_profile_arn
    }

    /// Sets a user profile's status as SageMaker would report it.
    pub fn set_user_profile_status(&self, domain_id: &str, name: &str, status: UserProfileStatus) {
        if let Some(stored) = self
            .state()
            .profiles
            .get_mut(&(domain_id.to_owned(), name.to_owned()))
        {
            stored.profile.status = status;
        }
    }

    /// Removes a user profile and its tags, as if it had finished deleting.
    pub fn remove_user_profile(&self, domain_id: &str, name: &str) {
        let mut state = self.state();
        if let Some(stored) = state
            .profiles
            .remove(&(domain_id.to_owned(), name.to_owned()))
        {
            state.tags.remove(&stored.profile.user_profile_arn);
        }
    }

    /// A space `InService`, owned by `owner` and `Private` or `Shared` if given.
    pub fn add_space(
        &self,
        domain_id: &str,
        name: &str,
        owner: Option<&str>,
        sharing_type: Option<SharingType>,
    ) {
        self.state().spaces.insert(
            (domain_id.to_owned(), name.to_owned()),
            Space {
                space_name: name.to_owned(),
                status: SpaceStatus::InService,
                owner_user_profile_name: owner.map(str::to_owned),
                sharing_type,
                app_type: None,
            },
        );
    }

    /// Sets a space's `SpaceSettings.AppType` (a JupyterLab or Code Editor space keeps its
    /// work on its own volume, [`crate::spaces`]).
    pub fn set_space_app_type(&self, domain_id: &str, name: &str, app_type: AppType) {
        if let Some(space) = self
            .state()
            .spaces
            .get_mut(&(domain_id.to_owned(), name.to_owned()))
        {
            space.app_type = Some(app_type);
        }
    }

    /// An app in the domain.
    pub fn add_app(&self, domain_id: &str, app: App) {
        self.state().apps.push(StoredApp {
            domain_id: domain_id.to_owned(),
            app,
            last_user_activity: None,
        });
    }

    /// Sets the tags of `arn` (an app's, say, which nothing else creates).
    pub fn set_tags(&self, arn: &str, tags: Vec<Tag>) {
        self.state().tags.insert(arn.to_owned(), tags);
    }

    /// New profiles settle to `status` with `reason` instead of `InService`.
    pub fn settle_new_profiles_to(&self, status: UserProfileStatus, reason: &str) {
        self.state().new_profiles_settle_to = Some((status, reason.to_owned()));
    }

    /// From now on statuses stay as set (see [`StudioState::holds_statuses`]).
    pub fn hold_statuses(&self) {
        self.state().holds_statuses = true;
    }

    /// The next DescribeUserProfile answers "not found".
    pub fn hide_profiles_from_next_describe(&self) {
        self.state().hide_next_user_profile = true;
    }

    /// The stored profile, if any.
    pub fn user_profile(&self, domain_id: &str, name: &str) -> Option<StoredUserProfile> {
        self.state()
            .profiles
            .get(&(domain_id.to_owned(), name.to_owned()))
            .cloned()
    }

    /// The tags of `arn` as a map.
    pub fn tags(&self, arn: &str) -> BTreeMap<String, String> {
        self.state()
            .tags
            .get(arn)
            .into_iter()
            .flatten()
            .map(|tag| {
                (
                    tag.key().unwrap_or_default().to_owned(),
                    tag.value().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// The apps that are not `Deleted`.
    pub fn live_apps(&self) -> Vec<App> {
        self.state()
            .apps
            .iter()
            .map(|stored| stored.app.clone())
            .filter(|app| app.status != AppStatus::Deleted)
            .collect()
    }

    /// The spaces' names.
    pub fn space_names(&self) -> Vec<String> {
        self.state()
            .spaces
            .keys()
            .map(|(_, name)| name.clone())
            .collect()
    }
}

/// A new profile record with a fresh home uid, in `status`.
pub fn new_user_profile(
    state: &mut StudioState,
    domain_id: &str,
    name: &str,
    status: UserProfileStatus,
) -> StoredUserProfile {
    let uid = 200_000 + state.next_id();
    StoredUserProfile {
        profile: UserProfile {
            user_profile_arn: arn(&format!("user-profile/{domain_id}/{name}")),
            domain_id: domain_id.to_owned(),
            user_profile_name: name.to_owned(),
            status,
            failure_reason: None,
            home_efs_file_system_uid: uid.to_string(),
            single_sign_on_user_value: None,
        },
        settings: None,
    }
}

fn app_detail(app: &App) -> String {
    format!("{}/{}", app.app_type, app.app_name)
}

impl Tags for MemoryStudio {
    async fn list_tags_page(
        &self,
        arn: &str,
        next_token: Option<String>,
    ) -> Result<Page<Tag>, AwsError> {
        let state = self.call("ListTags", arn)?;
        let tags = state
            .tags
            .get(arn)
            .cloned()
            .ok_or_else(|| not_found("ListTags", &format!("resource {arn}")))?;
        state.page("ListTags", tags, next_token)
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        let mut state = self.call("AddTags", arn)?;
        let current = state
            .tags
            .get_mut(arn)
            .ok_or_else(|| not_found("AddTags", &format!("resource {arn}")))?;
        for tag in tags {
            current.retain(|existing| existing.key() != tag.key());
            current.push(tag);
        }
        Ok(())
    }

    async fn delete_tags(&self, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
        let mut state = self.call("DeleteTags", &format!("{} of {arn}", keys.join(",")))?;
        let current = state
            .tags
            .get_mut(arn)
            .ok_or_else(|| not_found("DeleteTags", &format!("resource {arn}")))?;
        current.retain(|tag| !keys.iter().any(|key| tag.key() == Some(key.as_str())));
        Ok(())
    }
}

impl Apps for MemoryStudio {
    async fn list_apps_page(
        &self,
        domain_id: &str,
        owner: Option<&AppOwner>,
        next_token: Option<String>,
    ) -> Result<Page<App>, AwsError> {
        let mut state = self.call("ListApps", domain_id)?;
        state.settle();
        let apps = state
            .apps
            .iter()
            .filter(|stored| stored.domain_id == domain_id)
            .filter(|stored| owner.is_none_or(|owner| &stored.app.owner == owner))
            .map(|stored| stored.app.clone())
            .collect();
        state.page("ListApps", apps, next_token)
    }

    async fn describe_app(
        &self,
        domain_id: &str,
        app: &App,
    ) -> Result<Option<AppDescription>, AwsError> {
        let mut state = self.call("DescribeApp", &app_detail(app))?;
        state.settle();
        Ok(state
            .apps
            .iter()
            .find(|stored| {
                stored.domain_id == domain_id
                    && stored.app.owner == app.owner
                    && stored.app.app_type == app.app_type
                    && stored.app.app_name == app.app_name
            })
            .map(|stored| AppDescription {
                status: stored.app.status.clone(),
                last_user_activity: stored.last_user_activity,
                creation_time: stored.app.creation_time,
            }))
    }

    async fn delete_app(&self, domain_id: &str, app: &App) -> Result<(), AwsError> {
        let mut state = self.call("DeleteApp", &app_detail(app))?;
        let stored = state
            .apps
            .iter_mut()
            .find(|stored| {
                stored.domain_id == domain_id
                    && stored.app.owner == app.owner
                    && stored.app.app_type == app.app_type
                    && stored.app.app_name == app.app_name
            })
            .ok_or_else(|| not_found("DeleteApp", &format!("App {}", app.app_name)))?;
        match stored.app.status {
            AppStatus::Deleted => Err(not_found("DeleteApp", "a deleted app")),
            AppStatus::Pending | AppStatus::Deleting => Err(in_use("DeleteApp", "the app is busy")),
            _ => {
                stored.app.status = AppStatus::Deleting;
                Ok(())
            }
        }
    }
}

impl Spaces for MemoryStudio {
    async fn list_spaces_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<Space>, AwsError> {
        let mut state = self.call("ListSpaces", domain_id)?;
        state.settle();
        let spaces = state
            .spaces
            .iter()
            .filter(|((domain, _), _)| domain == domain_id)
            .map(|(_, space)| space.clone())
            .collect();
        state.page("ListSpaces", spaces, next_token)
    }

    async fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<Space>, AwsError> {
        let mut state = self.call("DescribeSpace", space_name)?;
        state.settle();
        Ok(state
            .spaces
            .get(&(domain_id.to_owned(), space_name.to_owned()))
            .cloned())
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        let mut state = self.call("DeleteSpace", space_name)?;
        let live_apps = state.apps.iter().any(|stored| {
            stored.domain_id == domain_id
                && stored.app.owner == AppOwner::Space(space_name.to_owned())
                && stored.app.status != AppStatus::Deleted
        });
        let space = state
            .spaces
            .get_mut(&(domain_id.to_owned(), space_name.to_owned()))
            .ok_or_else(|| not_found("DeleteSpace", &format!("Space with name {space_name}")))?;
        if live_apps || space.status != SpaceStatus::InService {
            return Err(in_use("DeleteSpace", "the space has apps or is busy"));
        }
        space.status = SpaceStatus::Deleting;
        Ok(())
    }
}

impl UserProfiles for MemoryStudio {
    async fn list_user_profiles_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<UserProfileSummary>, AwsError> {
        let mut state = self.call("ListUserProfiles", domain_id)?;
        state.settle();
        let profiles = state
            .profiles
            .iter()
            .filter(|((domain, _), _)| domain == domain_id)
            .map(|(_, stored)| UserProfileSummary {
                user_profile_name: stored.profile.user_profile_name.clone(),
                status: stored.profile.status.clone(),
            })
            .collect();
        state.page("ListUserProfiles", profiles, next_token)
    }

    async fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<UserProfile>, AwsError> {
        let mut state = self.call(
            "DescribeUserProfile",
            &format!("{domain_id}/{user_profile_name}"),
        )?;
        state.settle();
        if std::mem::take(&mut state.hide_next_user_profile) {
            return Ok(None);
        }
        Ok(state
            .profiles
            .get(&(domain_id.to_owned(), user_profile_name.to_owned()))
            .map(|stored| stored.profile.clone()))
    }

    async fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<(), AwsError> {
        let mut state = self.call("DeleteUserProfile", user_profile_name)?;
        let live_apps = state.has_live_apps(
            domain_id,
            &AppOwner::UserProfile(user_profile_name.to_owned()),
        );
        let owned_spaces = state.spaces.iter().any(|((domain, _), space)| {
            domain == domain_id && space.is_owned_by(user_profile_name)
        });
        let stored = state.profile_mut("DeleteUserProfile", domain_id, user_profile_name)?;
        if matches!(
            stored.profile.status,
            UserProfileStatus::Pending | UserProfileStatus::Updating | UserProfileStatus::Deleting
        ) || live_apps
            || owned_spaces
        {
            return Err(in_use(
                "DeleteUserProfile",
                "the profile has apps or owns spaces, or is busy",
            ));
        }
        stored.profile.status = UserProfileStatus::Deleting;
        Ok(())
    }
}

impl IdleShutdownSettings for MemoryStudio {
    async fn domain_idle_shutdown(
        &self,
        domain_id: &str,
    ) -> Result<Option<IdleShutdown>, AwsError> {
        let mut state = self.call("DescribeDomain", domain_id)?;
        state.settle();
        if !state.domains.contains_key(domain_id) {
            return Ok(None);
        }
        Ok(Some(
            state
                .domain_idle_shutdown
                .get(domain_id)
                .copied()
                .unwrap_or_default(),
        ))
    }

    async fn user_profile_idle_shutdown(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<IdleShutdown>, AwsError> {
        let mut state = self.call(
            "DescribeUserProfile",
            &format!("{domain_id}/{user_profile_name}"),
        )?;
        state.settle();
        let key = (domain_id.to_owned(), user_profile_name.to_owned());
        if !state.profiles.contains_key(&key) {
            return Ok(None);
        }
        Ok(Some(
            state
                .profile_idle_shutdown
                .get(&key)
                .copied()
                .unwrap_or_default(),
        ))
    }

    async fn space_idle_shutdown(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<IdleShutdown>, AwsError> {
        let mut state = self.call("DescribeSpace", space_name)?;
        state.settle();
        let key = (domain_id.to_owned(), space_name.to_owned());
        if !state.spaces.contains_key(&key) {
            return Ok(None);
        }
        Ok(Some(
            state
                .space_idle_shutdown
                .get(&key)
                .copied()
                .unwrap_or_default(),
        ))
    }

    async fn update_user_profile_idle_shutdown(
        &self,
        domain_id: &str,
        user_profile_name: &str,
        app: IdleShutdownApp,
        settings: IdleSettings,
    ) -> Result<(), AwsError> {
        let mut state = self.call(
            "UpdateUserProfile",
            &format!("{domain_id}/{user_profile_name} {}", app.as_str()),
        )?;
        state.profile_mut("UpdateUserProfile", domain_id, user_profile_name)?;
        state
            .profile_idle_shutdown
            .entry((domain_id.to_owned(), user_profile_name.to_owned()))
            .or_default()
            .set(app, settings);
        Ok(())
    }

    async fn update_space_idle_shutdown(
        &self,
        domain_id: &str,
        space_name: &str,
        app: IdleShutdownApp,
        settings: IdleSettings,
    ) -> Result<(), AwsError> {
        let mut state = self.call("UpdateSpace", &format!("{space_name} {}", app.as_str()))?;
        let key = (domain_id.to_owned(), space_name.to_owned());
        if !state.spaces.contains_key(&key) {
            return Err(not_found(
                "UpdateSpace",
                &format!("Space with name {space_name}"),
            ));
        }
        // A space's idle settings hold only the timeout (`SpaceIdleSettings`).
        let timeout_only = IdleSettings {
            timeout_minutes: settings.timeout_minutes,
            ..IdleSettings::default()
        };
        state
            .space_idle_shutdown
            .entry(key)
            .or_default()
            .set(app, timeout_only);
        Ok(())
    }
}

impl Domains for MemoryStudio {
    async fn list_domains_page(
        &self,
        next_token: Option<String>,
    ) -> Result<Page<DomainSummary>, AwsError> {
        let mut state = self.call("ListDomains", "")?;
        state.settle();
        let domains = state
            .domains
            .values()
            .map(|stored| DomainSummary {
                domain_id: stored.domain.domain_id.clone(),
                domain_arn: stored.domain.domain_arn.clone(),
                domain_name: stored.domain.domain_name.clone(),
                status: stored.domain.status.clone(),
            })
            .collect();
        state.page("ListDomains", domains, next_token)
    }

    async fn describe_domain(&self, domain_id: &str) -> Result<Option<Domain>, AwsError> {
        let mut state = self.call("DescribeDomain", domain_id)?;
        state.settle();
        Ok(state
            .domains
            .get(domain_id)
            .map(|stored| stored.domain.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::types::AppType;

    const DOMAIN: &str = "d-abcdef123456";

    #[tokio::test]
    async fn a_status_left_transitional_has_settled_by_the_next_look() {
        let studio = MemoryStudio::default();
        studio.add_domain(DOMAIN, "team", vec![]);
        studio.add_user_profile(DOMAIN, "alice", vec![]);
        let app = App::new(
            AppOwner::UserProfile("alice".into()),
            AppType::JupyterServer,
            "default",
            AppStatus::InService,
        );
        studio.add_app(DOMAIN, app.clone());

        studio.delete_app(DOMAIN, &app).await.unwrap();
        let listed = studio.list_apps(DOMAIN, None).await.unwrap();

        assert_eq!(listed[0].status, AppStatus::Deleted);
        assert!(
            studio
                .delete_app(DOMAIN, &app)
                .await
                .unwrap_err()
                .is_not_found()
        );
    }

    #[tokio::test]
    async fn a_profile_with_live_apps_or_owned_spaces_is_not_deleted() {
        let studio = MemoryStudio::default();
        studio.add_domain(DOMAIN, "team", vec![]);
        let arn = studio.add_user_profile(DOMAIN, "alice", vec![]);
        studio.add_space(DOMAIN, "lab", Some("alice"), Some(SharingType::Shared));

        let refused = studio
            .delete_user_profile(DOMAIN, "alice")
            .await
            .unwrap_err();
        studio.state().spaces.clear();
        studio.delete_user_profile(DOMAIN, "alice").await.unwrap();

        assert!(refused.is_in_use(), "{refused:?}");
        assert_eq!(
            studio.describe_user_profile(DOMAIN, "alice").await.unwrap(),
            None
        );
        assert!(studio.list_tags(&arn).await.unwrap_err().is_not_found());
    }

    #[tokio::test]
    async fn held_statuses_stay_as_set() {
        let studio = MemoryStudio::default();
        studio.add_domain(DOMAIN, "team", vec![]);
        studio.set_domain_status(DOMAIN, DomainStatus::Pending);
        studio.hold_statuses();

        let domain = studio.describe_domain(DOMAIN).await.unwrap().unwrap();

        assert_eq!(domain.status, DomainStatus::Pending);
    }

    #[tokio::test]
    async fn listings_come_in_pages_of_the_size_set() {
        let studio = MemoryStudio::default();
        for name in ["a", "b", "c"] {
            studio.add_user_profile(DOMAIN, name, vec![]);
        }
        studio.set_page_size(2);

        let first = studio.list_user_profiles_page(DOMAIN, None).await.unwrap();
        let all = studio.list_user_profiles(DOMAIN).await.unwrap();

        assert_eq!(first.items.len(), 2);
        assert_eq!(first.next_token.as_deref(), Some("2"));
        assert_eq!(all.len(), 3);
        assert_eq!(studio.count("ListUserProfiles"), 3);
    }

    #[tokio::test]
    async fn an_injected_fault_answers_the_next_matching_call_only() {
        let studio = MemoryStudio::default();
        let arn = studio.add_domain(DOMAIN, "team", vec![]);
        studio.fail_next_on(
            "ListTags",
            "user-profile/",
            aws_error("ListTags", "ThrottlingException", AwsErrorKind::Throttled),
        );

        studio.list_tags(&arn).await.unwrap();
        let profile = studio.add_user_profile(DOMAIN, "alice", vec![]);
        let throttled = studio.list_tags(&profile).await.unwrap_err();
        studio.list_tags(&profile).await.unwrap();

        assert!(throttled.is_transient(), "{throttled:?}");
        assert_eq!(
            studio.operations(),
            vec!["ListTags", "ListTags", "ListTags"]
        );
    }
}
