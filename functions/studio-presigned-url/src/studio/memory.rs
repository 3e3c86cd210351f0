//! An in-memory SageMaker for unit tests: profiles with tags, spaces, paging, injected
//! failures, and a log of the calls made.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Mutex, MutexGuard, PoisonError},
};

use aws_sdk_sagemaker::types::Tag;
use cfn_custom_resource::{AwsError, AwsErrorKind};

use super::{
    Page, PresignRequest, PresignedUrl, PresignedUrls, ProfileSummary, SpaceAccess, Spaces,
    UserProfiles,
};

/// The region and account the fake's ARNs use.
pub const ARN_PREFIX: &str = "arn:aws:sagemaker:us-east-1:123456789012:";

/// A profile: its status and its tags.
type Profile = (String, Vec<(String, String)>);

#[derive(Debug, Default)]
struct State {
    /// (domain, profile name) → profile.
    profiles: BTreeMap<(String, String), Profile>,
    spaces: BTreeMap<(String, String), SpaceAccess>,
    page_size: usize,
    failures: VecDeque<(&'static str, AwsError)>,
    calls: Vec<&'static str>,
    presigned: Vec<PresignRequest>,
}

/// The fake.
#[derive(Debug)]
pub struct MemoryStudio {
    state: Mutex<State>,
}

impl Default for MemoryStudio {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStudio {
    /// An empty SageMaker that lists 100 items per page.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                page_size: 100,
                ..State::default()
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lists `size` items per page.
    pub fn with_page_size(self, size: usize) -> Self {
        self.state().page_size = size;
        self
    }

    /// Adds (or replaces) an `InService` profile with these tags.
    pub fn add_profile(&self, domain_id: &str, name: &str, tags: &[(&str, &str)]) {
        self.add_profile_with_status(domain_id, name, "InService", tags);
    }

    /// Adds (or replaces) a profile in `status` with these tags.
    pub fn add_profile_with_status(
        &self,
        domain_id: &str,
        name: &str,
        status: &str,
        tags: &[(&str, &str)],
    ) {
        let tags = tags
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        self.state().profiles.insert(
            (domain_id.to_owned(), name.to_owned()),
            (status.to_owned(), tags),
        );
    }

    /// Sets one tag of a profile.
    pub fn set_tag(&self, domain_id: &str, name: &str, key: &str, value: &str) {
        let mut state = self.state();
        let (_, tags) = state
            .profiles
            .get_mut(&(domain_id.to_owned(), name.to_owned()))
            .expect("the profile exists");
        tags.retain(|(k, _)| k != key);
        tags.push((key.to_owned(), value.to_owned()));
    }

    /// Sets a profile's status (e.g. `Deleting`).
    pub fn set_status(&self, domain_id: &str, name: &str, status: &str) {
        let mut state = self.state();
        let (stored, _) = state
            .profiles
            .get_mut(&(domain_id.to_owned(), name.to_owned()))
            .expect("the profile exists");
        *stored = status.to_owned();
    }

    /// Deletes a profile.
    pub fn remove_profile(&self, domain_id: &str, name: &str) {
        self.state()
            .profiles
            .remove(&(domain_id.to_owned(), name.to_owned()));
    }

    /// Adds a space.
    pub fn add_space(&self, domain_id: &str, name: &str, access: SpaceAccess) {
        self.state()
            .spaces
            .insert((domain_id.to_owned(), name.to_owned()), access);
    }

    /// The next call of `operation` fails with `code`.
    pub fn fail_next(&self, operation: &'static str, code: &str, kind: AwsErrorKind) {
        self.state().failures.push_back((
            operation,
            AwsError {
                operation,
                code: Some(code.to_owned()),
                message: format!("injected {code}"),
                kind,
            },
        ));
    }

    /// The operations called so far, in order.
    pub fn calls(&self) -> Vec<&'static str> {
        self.state().calls.clone()
    }

    /// How many times `operation` was called.
    pub fn call_count(&self, operation: &str) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|call| **call == operation)
            .count()
    }

    /// Forgets the calls made so far.
    pub fn clear_calls(&self) {
        self.state().calls.clear();
    }

    /// The CreatePresignedDomainUrl requests received.
    pub fn presigned(&self) -> Vec<PresignRequest> {
        self.state().presigned.clone()
    }

    /// Records the call; answers an injected failure if one is due.
    fn call(&self, operation: &'static str) -> Result<MutexGuard<'_, State>, AwsError> {
        let mut state = self.state();
        state.calls.push(operation);
        if let Some(index) = state.failures.iter().position(|(op, _)| *op == operation)
            && let Some((_, error)) = state.failures.remove(index)
        {
            return Err(error);
        }
        Ok(state)
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

fn page<T: Clone>(items: &[T], next_token: Option<String>, size: usize) -> Page<T> {
    let start: usize = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
    let end = (start + size).min(items.len());
    Page {
        items: items[start.min(end)..end].to_vec(),
        next_token: (end < items.len()).then(|| end.to_string()),
    }
}

impl UserProfiles for MemoryStudio {
    async fn list_user_profiles(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<ProfileSummary>, AwsError> {
        let state = self.call("ListUserProfiles")?;
        let profiles: Vec<ProfileSummary> = state
            .profiles
            .iter()
            .filter(|((domain, _), _)| domain == domain_id)
            .map(|((_, name), (status, _))| ProfileSummary {
                name: name.clone(),
                status: Some(status.clone()),
            })
            .collect();
        Ok(page(&profiles, next_token, state.page_size))
    }

    async fn list_tags(
        &self,
        resource_arn: &str,
        next_token: Option<String>,
    ) -> Result<Page<Tag>, AwsError> {
        let state = self.call("ListTags")?;
        let key = resource_arn
            .strip_prefix(ARN_PREFIX)
            .and_then(|rest| rest.strip_prefix("user-profile/"))
            .and_then(|rest| rest.split_once('/'))
            .map(|(domain, name)| (domain.to_owned(), name.to_owned()))
            .ok_or_else(|| AwsError {
                operation: "ListTags",
                code: Some("ValidationException".to_owned()),
                message: format!("not a user profile ARN of this fake: {resource_arn}"),
                kind: AwsErrorKind::Invalid,
            })?;
        let (_, tags) = state
            .profiles
            .get(&key)
            .ok_or_else(|| not_found("ListTags", resource_arn))?;
        let tags: Vec<Tag> = tags
            .iter()
            .map(|(key, value)| Tag::builder().key(key).value(value).build())
            .collect();
        Ok(page(&tags, next_token, state.page_size))
    }

    async fn user_profile_status(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<String>, AwsError> {
        let state = self.call("DescribeUserProfile")?;
        Ok(state
            .profiles
            .get(&(domain_id.to_owned(), user_profile_name.to_owned()))
            .map(|(status, _)| status.clone()))
    }
}

impl Spaces for MemoryStudio {
    async fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<SpaceAccess>, AwsError> {
        let state = self.call("DescribeSpace")?;
        Ok(state
            .spaces
            .get(&(domain_id.to_owned(), space_name.to_owned()))
            .cloned())
    }
}

impl PresignedUrls for MemoryStudio {
    async fn create_presigned_domain_url(
        &self,
        request: &PresignRequest,
    ) -> Result<PresignedUrl, AwsError> {
        let mut state = self.call("CreatePresignedDomainUrl")?;
        let key = (request.domain_id.clone(), request.user_profile_name.clone());
        if !state.profiles.contains_key(&key) {
            return Err(not_found(
                "CreatePresignedDomainUrl",
                &format!("UserProfile {}", request.user_profile_name),
            ));
        }
        state.presigned.push(request.clone());
        Ok(PresignedUrl::new(format!(
            "https://{}.studio.us-east-1.sagemaker.aws/auth?token=secret-{}-{}",
            request.domain_id,
            request.user_profile_name,
            state.presigned.len()
        )))
    }
}
