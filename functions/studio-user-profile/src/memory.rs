//! An in-memory SageMaker Studio for the resource's unit tests.
//!
//! Statuses move on when they are looked at: a profile, space or app left `Pending`,
//! `Updating` or `Deleting` by one call has settled by the next Describe or List. Every call is
//! recorded, and the next calls of an operation can be made to fail.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use aws_sdk_sagemaker::types::{Tag, UserSettings};
use cfn_custom_resource::{AwsError, AwsErrorKind};

use crate::ports::{App, AppOwner, NewUserProfile, Space, UserProfile, UserProfiles};

/// A profile as the fake keeps it.
#[derive(Debug, Clone)]
pub struct StoredProfile {
    pub profile: UserProfile,
    pub settings: Option<UserSettings>,
    pub single_sign_on_user_value: Option<String>,
}

#[derive(Debug, Default)]
struct World {
    domain_roles: BTreeMap<String, Option<String>>,
    profiles: BTreeMap<(String, String), StoredProfile>,
    spaces: BTreeMap<(String, String), Space>,
    apps: Vec<(String, App)>,
    tags: BTreeMap<String, Vec<Tag>>,
    calls: Vec<String>,
    faults: Vec<(String, AwsError)>,
    next_uid: u32,
    /// A status and reason a new profile settles to instead of `InService`.
    settle_new_profiles_to: Option<(String, String)>,
    /// The next DescribeUserProfile finds nothing (as if it ran before a concurrent create).
    hide_next_describe: bool,
}

/// The fake.
#[derive(Debug, Default)]
pub struct MemoryStudio {
    world: Mutex<World>,
}

pub fn aws_error(operation: &'static str, code: &str, kind: AwsErrorKind) -> AwsError {
    AwsError {
        operation,
        code: Some(code.to_owned()),
        message: format!("{code} (injected)"),
        kind,
    }
}

fn not_found(operation: &'static str, what: &str) -> AwsError {
    AwsError {
        operation,
        code: Some("ResourceNotFound".to_owned()),
        message: format!("Cannot find {what}"),
        kind: AwsErrorKind::NotFound,
    }
}

fn in_use(operation: &'static str, what: String) -> AwsError {
    AwsError {
        operation,
        code: Some("ResourceInUse".to_owned()),
        message: what,
        kind: AwsErrorKind::InUse,
    }
}

impl MemoryStudio {
    /// A Studio with the domain `domain_id`, whose default execution role is `role`.
    pub fn with_domain(domain_id: &str, role: Option<&str>) -> Self {
        let studio = Self::default();
        studio
            .world()
            .domain_roles
            .insert(domain_id.to_owned(), role.map(str::to_owned));
        studio
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every call so far, as `Operation` names.
    pub fn calls(&self) -> Vec<String> {
        self.world().calls.clone()
    }

    /// How many calls of `operation` so far.
    pub fn count(&self, operation: &str) -> usize {
        self.world()
            .calls
            .iter()
            .filter(|call| *call == operation)
            .count()
    }

    /// The next call of `operation` fails with `error`.
    pub fn fail_next(&self, operation: &str, error: AwsError) {
        self.world().faults.push((operation.to_owned(), error));
    }

    /// New profiles settle to `status` with `reason` instead of `InService`.
    pub fn settle_new_profiles_to(&self, status: &str, reason: &str) {
        self.world().settle_new_profiles_to = Some((status.to_owned(), reason.to_owned()));
    }

    /// The next DescribeUserProfile answers "not found".
    pub fn hide_profiles_from_next_describe(&self) {
        self.world().hide_next_describe = true;
    }

    /// The stored profile, if any.
    pub fn profile(&self, domain_id: &str, name: &str) -> Option<StoredProfile> {
        self.world()
            .profiles
            .get(&(domain_id.to_owned(), name.to_owned()))
            .cloned()
    }

    /// The tags of `arn` as a map.
    pub fn tags(&self, arn: &str) -> BTreeMap<String, String> {
        self.world()
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

    /// Adds a profile made outside the stack (no ownership tags, or `tags`).
    pub fn add_profile(&self, domain_id: &str, name: &str, tags: Vec<Tag>) -> String {
        let mut world = self.world();
        let arn = arn("user-profile", domain_id, name);
        world.next_uid += 1;
        let uid = 200_000 + world.next_uid;
        world.profiles.insert(
            (domain_id.to_owned(), name.to_owned()),
            StoredProfile {
                profile: UserProfile {
                    user_profile_arn: arn.clone(),
                    domain_id: domain_id.to_owned(),
                    user_profile_name: name.to_owned(),
                    status: "InService".to_owned(),
                    failure_reason: None,
                    home_efs_file_system_uid: uid.to_string(),
                },
                settings: None,
                single_sign_on_user_value: None,
            },
        );
        world.tags.insert(arn.clone(), tags);
        arn
    }

    /// Adds a space, `Private` to `owner` or shared.
    pub fn add_space(&self, domain_id: &str, name: &str, owner: &str, sharing_type: &str) {
        self.world().spaces.insert(
            (domain_id.to_owned(), name.to_owned()),
            Space {
                space_name: name.to_owned(),
                status: "InService".to_owned(),
                owner_user_profile_name: Some(owner.to_owned()),
                sharing_type: Some(sharing_type.to_owned()),
            },
        );
    }

    /// Adds an app with `status`.
    pub fn add_app(&self, domain_id: &str, owner: AppOwner, app_type: &str, status: &str) {
        self.world().apps.push((
            domain_id.to_owned(),
            App {
                app_type: app_type.to_owned(),
                app_name: "default".to_owned(),
                owner,
                status: status.to_owned(),
            },
        ));
    }

    /// The apps that are not `Deleted`.
    pub fn live_apps(&self) -> Vec<App> {
        self.world()
            .apps
            .iter()
            .map(|(_, app)| app.clone())
            .filter(|app| app.status != "Deleted")
            .collect()
    }

    /// The spaces' names.
    pub fn space_names(&self) -> Vec<String> {
        self.world()
            .spaces
            .keys()
            .map(|(_, name)| name.clone())
            .collect()
    }

    fn enter(&self, operation: &'static str) -> Result<MutexGuard<'_, World>, AwsError> {
        let mut world = self.world();
        world.calls.push(operation.to_owned());
        if let Some(index) = world.faults.iter().position(|(op, _)| op == operation) {
            let (_, error) = world.faults.remove(index);
            return Err(error);
        }
        Ok(world)
    }
}

fn arn(kind: &str, domain_id: &str, name: &str) -> String {
    format!("arn:aws:sagemaker:us-east-1:123456789012:{kind}/{domain_id}/{name}")
}

impl World {
    /// Moves every transitional status on.
    fn settle(&mut self) {
        let settle_to = self.settle_new_profiles_to.clone();
        self.profiles
            .retain(|_, stored| stored.profile.status != "Deleting");
        for stored in self.profiles.values_mut() {
            match stored.profile.status.as_str() {
                "Pending" => match &settle_to {
                    Some((status, reason)) => {
                        stored.profile.status = status.clone();
                        stored.profile.failure_reason = Some(reason.clone());
                    }
                    None => stored.profile.status = "InService".to_owned(),
                },
                "Updating" => stored.profile.status = "InService".to_owned(),
                _ => {}
            }
        }
        self.spaces.retain(|_, space| space.status != "Deleting");
        for (_, app) in &mut self.apps {
            match app.status.as_str() {
                "Pending" => app.status = "InService".to_owned(),
                "Deleting" => app.status = "Deleted".to_owned(),
                _ => {}
            }
        }
        let profiles = &self.profiles;
        let spaces = &self.spaces;
        self.apps.retain(|(domain_id, app)| match &app.owner {
            AppOwner::UserProfile(name) => {
                profiles.contains_key(&(domain_id.clone(), name.clone()))
            }
            AppOwner::Space(name) => spaces.contains_key(&(domain_id.clone(), name.clone())),
        });
        let arns: Vec<String> = self
            .profiles
            .values()
            .map(|stored| stored.profile.user_profile_arn.clone())
            .collect();
        self.tags.retain(|arn, _| arns.contains(arn));
    }

    fn profile_mut(
        &mut self,
        operation: &'static str,
        domain_id: &str,
        name: &str,
    ) -> Result<&mut StoredProfile, AwsError> {
        self.profiles
            .get_mut(&(domain_id.to_owned(), name.to_owned()))
            .ok_or_else(|| not_found(operation, &format!("UserProfile with name {name}")))
    }
}

impl UserProfiles for MemoryStudio {
    async fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<UserProfile>, AwsError> {
        let mut world = self.enter("DescribeUserProfile")?;
        world.settle();
        if std::mem::take(&mut world.hide_next_describe) {
            return Ok(None);
        }
        Ok(world
            .profiles
            .get(&(domain_id.to_owned(), user_profile_name.to_owned()))
            .map(|stored| stored.profile.clone()))
    }

    async fn create_user_profile(&self, profile: &NewUserProfile) -> Result<String, AwsError> {
        let mut world = self.enter("CreateUserProfile")?;
        if !world.domain_roles.contains_key(&profile.domain_id) {
            return Err(not_found(
                "CreateUserProfile",
                &format!("Domain with id {}", profile.domain_id),
            ));
        }
        let key = (profile.domain_id.clone(), profile.user_profile_name.clone());
        if world.profiles.contains_key(&key) {
            return Err(in_use(
                "CreateUserProfile",
                format!("UserProfile {} already exists", profile.user_profile_name),
            ));
        }
        let arn = arn(
            "user-profile",
            &profile.domain_id,
            &profile.user_profile_name,
        );
        world.next_uid += 1;
        let uid = 200_000 + world.next_uid;
        world.profiles.insert(
            key,
            StoredProfile {
                profile: UserProfile {
                    user_profile_arn: arn.clone(),
                    domain_id: profile.domain_id.clone(),
                    user_profile_name: profile.user_profile_name.clone(),
                    status: "Pending".to_owned(),
                    failure_reason: None,
                    home_efs_file_system_uid: uid.to_string(),
                },
                settings: profile.user_settings.clone(),
                single_sign_on_user_value: profile.single_sign_on_user_value.clone(),
            },
        );
        world.tags.insert(arn.clone(), profile.tags.clone());
        Ok(arn)
    }

    async fn update_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
        settings: &UserSettings,
    ) -> Result<(), AwsError> {
        let mut world = self.enter("UpdateUserProfile")?;
        let stored = world.profile_mut("UpdateUserProfile", domain_id, user_profile_name)?;
        if stored.profile.status != "InService" {
            return Err(in_use(
                "UpdateUserProfile",
                format!("UserProfile is {}", stored.profile.status),
            ));
        }
        stored.settings = Some(settings.clone());
        stored.profile.status = "Updating".to_owned();
        Ok(())
    }

    async fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<(), AwsError> {
        let mut world = self.enter("DeleteUserProfile")?;
        let live_apps = world.apps.iter().any(|(domain, app)| {
            domain == domain_id
                && app.owner == AppOwner::UserProfile(user_profile_name.to_owned())
                && app.status != "Deleted"
        });
        let owned_spaces = world
            .spaces
            .values()
            .any(|space| space.is_owned_by(user_profile_name));
        let stored = world.profile_mut("DeleteUserProfile", domain_id, user_profile_name)?;
        if matches!(
            stored.profile.status.as_str(),
            "Pending" | "Updating" | "Deleting"
        ) || live_apps
            || owned_spaces
        {
            return Err(in_use(
                "DeleteUserProfile",
                "the profile has apps or owns spaces, or is busy".to_owned(),
            ));
        }
        stored.profile.status = "Deleting".to_owned();
        Ok(())
    }

    async fn domain_execution_role(&self, domain_id: &str) -> Result<Option<String>, AwsError> {
        let world = self.enter("DescribeDomain")?;
        world
            .domain_roles
            .get(domain_id)
            .cloned()
            .ok_or_else(|| not_found("DescribeDomain", &format!("Domain with id {domain_id}")))
    }

    async fn list_tags(&self, arn: &str) -> Result<Vec<Tag>, AwsError> {
        let world = self.enter("ListTags")?;
        world
            .tags
            .get(arn)
            .cloned()
            .ok_or_else(|| not_found("ListTags", &format!("resource {arn}")))
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        let mut world = self.enter("AddTags")?;
        let current = world
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
        let mut world = self.enter("DeleteTags")?;
        let current = world
            .tags
            .get_mut(arn)
            .ok_or_else(|| not_found("DeleteTags", &format!("resource {arn}")))?;
        current.retain(|tag| !keys.iter().any(|key| tag.key() == Some(key.as_str())));
        Ok(())
    }

    async fn list_apps(&self, domain_id: &str, owner: &AppOwner) -> Result<Vec<App>, AwsError> {
        let mut world = self.enter("ListApps")?;
        world.settle();
        Ok(world
            .apps
            .iter()
            .filter(|(domain, app)| domain == domain_id && &app.owner == owner)
            .map(|(_, app)| app.clone())
            .collect())
    }

    async fn delete_app(&self, domain_id: &str, app: &App) -> Result<(), AwsError> {
        let mut world = self.enter("DeleteApp")?;
        let stored = world
            .apps
            .iter_mut()
            .find(|(domain, stored)| {
                domain == domain_id
                    && stored.owner == app.owner
                    && stored.app_type == app.app_type
                    && stored.app_name == app.app_name
            })
            .map(|(_, stored)| stored)
            .ok_or_else(|| not_found("DeleteApp", &format!("App {}", app.app_name)))?;
        match stored.status.as_str() {
            "Deleted" => Err(not_found("DeleteApp", "a deleted app")),
            "Pending" | "Deleting" => Err(in_use("DeleteApp", "the app is busy".to_owned())),
            _ => {
                stored.status = "Deleting".to_owned();
                Ok(())
            }
        }
    }

    async fn list_spaces(&self, domain_id: &str) -> Result<Vec<Space>, AwsError> {
        let mut world = self.enter("ListSpaces")?;
        world.settle();
        Ok(world
            .spaces
            .iter()
            .filter(|((domain, _), _)| domain == domain_id)
            .map(|(_, space)| space.clone())
            .collect())
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        let mut world = self.enter("DeleteSpace")?;
        let live_apps = world.apps.iter().any(|(domain, app)| {
            domain == domain_id
                && app.owner == AppOwner::Space(space_name.to_owned())
                && app.status != "Deleted"
        });
        let space = world
            .spaces
            .get_mut(&(domain_id.to_owned(), space_name.to_owned()))
            .ok_or_else(|| not_found("DeleteSpace", &format!("Space with name {space_name}")))?;
        if live_apps || space.status != "InService" {
            return Err(in_use("DeleteSpace", "the space has apps".to_owned()));
        }
        space.status = "Deleting".to_owned();
        Ok(())
    }
}
