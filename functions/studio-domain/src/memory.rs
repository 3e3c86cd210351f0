//! An in-memory SageMaker Studio for the resource's unit tests.
//!
//! A domain, app, space or profile left `Pending`, `Updating` or `Deleting` by one call has
//! settled by the next look at it, so each step of the resource sees progress. Every call is
//! recorded in order.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use aws_sdk_sagemaker::types::Tag;
use cfn_custom_resource::{AwsError, AwsErrorKind};

use crate::ports::{
    App, Domain, DomainChanges, DomainSummary, Named, NewDomain, Space, StudioDomains,
};
use crate::properties::HomeEfsRetention;

#[derive(Debug, Default)]
struct World {
    domains: BTreeMap<String, Domain>,
    subnets: BTreeMap<String, Vec<String>>,
    tags: BTreeMap<String, Vec<Tag>>,
    apps: BTreeMap<String, Vec<App>>,
    spaces: BTreeMap<String, Vec<Space>>,
    profiles: BTreeMap<String, Vec<Named>>,
    retained: Vec<(String, HomeEfsRetention)>,
    calls: Vec<String>,
    next_id: u32,
}

/// The fake.
#[derive(Debug, Default)]
pub struct MemoryStudio {
    world: Mutex<World>,
}

fn not_found(operation: &'static str, what: &str) -> AwsError {
    AwsError {
        operation,
        code: Some("ResourceNotFound".to_owned()),
        message: format!("Cannot find {what}"),
        kind: AwsErrorKind::NotFound,
    }
}

fn in_use(operation: &'static str, what: &str) -> AwsError {
    AwsError {
        operation,
        code: Some("ResourceInUse".to_owned()),
        message: what.to_owned(),
        kind: AwsErrorKind::InUse,
    }
}

/// Moves every transitional status one step on.
fn settle(status: &mut String) {
    *status = match status.as_str() {
        "Pending" | "Updating" => "InService",
        "Deleting" => "Deleted",
        other => other,
    }
    .to_owned();
}

impl MemoryStudio {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, call: impl Into<String>) -> MutexGuard<'_, World> {
        let mut world = self.world();
        world.calls.push(call.into());
        world
    }

    /// The calls made so far, e.g. `DeleteApp KernelGateway/k1`.
    pub fn calls(&self) -> Vec<String> {
        self.world().calls.clone()
    }

    /// An existing domain in service, tagged `tags`.
    pub fn with_domain(&self, domain_id: &str, name: &str, tags: Vec<Tag>) {
        let mut world = self.world();
        let arn = format!("arn:aws:sagemaker:us-east-1:123456789012:domain/{domain_id}");
        world.tags.insert(arn.clone(), tags);
        world.domains.insert(
            domain_id.to_owned(),
            Domain {
                domain_id: domain_id.to_owned(),
                domain_arn: arn,
                domain_name: name.to_owned(),
                status: "InService".to_owned(),
                failure_reason: None,
                url: format!("https://{domain_id}.studio.us-east-1.sagemaker.aws"),
                home_efs_file_system_id: "fs-0123456789abcdef0".to_owned(),
            },
        );
    }

    /// Sets a domain's status as SageMaker would report it.
    pub fn set_status(&self, domain_id: &str, status: &str) {
        if let Some(domain) = self.world().domains.get_mut(domain_id) {
            domain.status = status.to_owned();
        }
    }

    /// An app in the domain.
    pub fn with_app(&self, domain_id: &str, app: App) {
        self.world()
            .apps
            .entry(domain_id.to_owned())
            .or_default()
            .push(app);
    }

    /// A space in the domain.
    pub fn with_space(&self, domain_id: &str, name: &str) {
        self.world()
            .spaces
            .entry(domain_id.to_owned())
            .or_default()
            .push(Space {
                space_name: name.to_owned(),
                status: "InService".to_owned(),
                owner_user_profile_name: None,
                sharing_type: None,
            });
    }

    /// A user profile in the domain.
    pub fn with_profile(&self, domain_id: &str, name: &str) {
        self.world()
            .profiles
            .entry(domain_id.to_owned())
            .or_default()
            .push(Named {
                name: name.to_owned(),
                status: "InService".to_owned(),
            });
    }

    /// The subnets UpdateDomain or CreateDomain left.
    pub fn subnets(&self, domain_id: &str) -> Vec<String> {
        self.world()
            .subnets
            .get(domain_id)
            .cloned()
            .unwrap_or_default()
    }

    /// The retention each DeleteDomain asked for.
    pub fn retention_asked(&self) -> Vec<(String, HomeEfsRetention)> {
        self.world().retained.clone()
    }
}

impl StudioDomains for MemoryStudio {
    async fn create_domain(&self, domain: &NewDomain) -> Result<String, AwsError> {
        let mut world = self.record(format!("CreateDomain {}", domain.domain_name));
        world.next_id += 1;
        let domain_id = format!("d-{:012}", world.next_id);
        let arn = format!("arn:aws:sagemaker:us-east-1:123456789012:domain/{domain_id}");
        world.tags.insert(arn.clone(), domain.tags.clone());
        world
            .subnets
            .insert(domain_id.clone(), domain.subnet_ids.clone());
        world.domains.insert(
            domain_id.clone(),
            Domain {
                domain_id: domain_id.clone(),
                domain_arn: arn,
                domain_name: domain.domain_name.clone(),
                status: "Pending".to_owned(),
                failure_reason: None,
                url: format!("https://{domain_id}.studio.us-east-1.sagemaker.aws"),
                home_efs_file_system_id: "fs-0123456789abcdef0".to_owned(),
            },
        );
        Ok(domain_id)
    }

    async fn describe_domain(&self, domain_id: &str) -> Result<Option<Domain>, AwsError> {
        let mut world = self.record(format!("DescribeDomain {domain_id}"));
        let found = world.domains.get(domain_id).cloned();
        if let Some(domain) = world.domains.get_mut(domain_id) {
            settle(&mut domain.status);
            if domain.status == "Deleted" {
                world.domains.remove(domain_id);
            }
        }
        Ok(found)
    }

    async fn list_domains(&self) -> Result<Vec<DomainSummary>, AwsError> {
        let world = self.record("ListDomains");
        Ok(world
            .domains
            .values()
            .map(|domain| DomainSummary {
                domain_id: domain.domain_id.clone(),
                domain_arn: domain.domain_arn.clone(),
                domain_name: domain.domain_name.clone(),
                status: domain.status.clone(),
            })
            .collect())
    }

    async fn update_domain(
        &self,
        domain_id: &str,
        changes: &DomainChanges,
    ) -> Result<(), AwsError> {
        let mut world = self.record(format!("UpdateDomain {domain_id}"));
        let Some(domain) = world.domains.get_mut(domain_id) else {
            return Err(not_found("UpdateDomain", domain_id));
        };
        if domain.status != "InService" {
            return Err(in_use("UpdateDomain", "The domain is not InService"));
        }
        domain.status = "Updating".to_owned();
        if let Some(subnets) = &changes.subnet_ids {
            world.subnets.insert(domain_id.to_owned(), subnets.clone());
        }
        Ok(())
    }

    async fn list_tags(&self, arn: &str) -> Result<Vec<Tag>, AwsError> {
        let world = self.record("ListTags");
        world
            .tags
            .get(arn)
            .cloned()
            .ok_or_else(|| not_found("ListTags", arn))
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        let mut world = self.record("AddTags");
        let existing = world.tags.entry(arn.to_owned()).or_default();
        existing.retain(|tag| !tags.iter().any(|new| new.key() == tag.key()));
        existing.extend(tags);
        Ok(())
    }

    async fn delete_tags(&self, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
        let mut world = self.record(format!("DeleteTags {}", keys.join(",")));
        if let Some(existing) = world.tags.get_mut(arn) {
            existing.retain(|tag| !keys.iter().any(|key| tag.key() == Some(key.as_str())));
        }
        Ok(())
    }

    async fn list_apps(&self, domain_id: &str) -> Result<Vec<App>, AwsError> {
        let mut world = self.record("ListApps");
        let apps = world.apps.entry(domain_id.to_owned()).or_default();
        let listed = apps.clone();
        apps.iter_mut().for_each(|app| settle(&mut app.status));
        Ok(listed)
    }

    async fn delete_app(&self, domain_id: &str, app: &App) -> Result<(), AwsError> {
        let mut world = self.record(format!("DeleteApp {}/{}", app.app_type, app.app_name));
        let apps = world.apps.entry(domain_id.to_owned()).or_default();
        match apps
            .iter_mut()
            .find(|stored| stored.app_name == app.app_name && stored.app_type == app.app_type)
        {
            Some(stored) => {
                stored.status = "Deleting".to_owned();
                Ok(())
            }
            None => Err(not_found("DeleteApp", &app.app_name)),
        }
    }

    async fn list_spaces(&self, domain_id: &str) -> Result<Vec<Space>, AwsError> {
        let mut world = self.record("ListSpaces");
        let spaces = world.spaces.entry(domain_id.to_owned()).or_default();
        spaces.retain(|space| space.status != "Deleting");
        Ok(spaces.clone())
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        let mut world = self.record(format!("DeleteSpace {space_name}"));
        let spaces = world.spaces.entry(domain_id.to_owned()).or_default();
        match spaces
            .iter_mut()
            .find(|space| space.space_name == space_name)
        {
            Some(space) => {
                space.status = "Deleting".to_owned();
                Ok(())
            }
            None => Err(not_found("DeleteSpace", space_name)),
        }
    }

    async fn list_user_profiles(&self, domain_id: &str) -> Result<Vec<Named>, AwsError> {
        let mut world = self.record("ListUserProfiles");
        let profiles = world.profiles.entry(domain_id.to_owned()).or_default();
        profiles.retain(|profile| profile.status != "Deleting");
        Ok(profiles.clone())
    }

    async fn delete_user_profile(&self, domain_id: &str, name: &str) -> Result<(), AwsError> {
        let mut world = self.record(format!("DeleteUserProfile {name}"));
        let profiles = world.profiles.entry(domain_id.to_owned()).or_default();
        match profiles.iter_mut().find(|profile| profile.name == name) {
            Some(profile) => {
                profile.status = "Deleting".to_owned();
                Ok(())
            }
            None => Err(not_found("DeleteUserProfile", name)),
        }
    }

    async fn delete_domain(
        &self,
        domain_id: &str,
        retention: HomeEfsRetention,
    ) -> Result<(), AwsError> {
        let mut world = self.record(format!("DeleteDomain {domain_id}"));
        let busy = world
            .apps
            .get(domain_id)
            .is_some_and(|apps| apps.iter().any(|app| app.status != "Deleted"))
            || world
                .spaces
                .get(domain_id)
                .is_some_and(|spaces| !spaces.is_empty())
            || world
                .profiles
                .get(domain_id)
                .is_some_and(|profiles| !profiles.is_empty());
        if busy {
            return Err(in_use(
                "DeleteDomain",
                "The domain has apps, spaces or profiles",
            ));
        }
        world.retained.push((domain_id.to_owned(), retention));
        match world.domains.get_mut(domain_id) {
            Some(domain) => {
                domain.status = "Deleting".to_owned();
                Ok(())
            }
            None => Err(not_found("DeleteDomain", domain_id)),
        }
    }
}
