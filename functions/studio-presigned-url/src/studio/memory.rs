//! The suite's in-memory Studio ([`studio_sagemaker::memory::MemoryStudio`]) with the
//! function's own call, CreatePresignedDomainUrl, and the set-up its unit tests use: profiles
//! with tags and statuses that stay as set, spaces, paging, injected failures, and a log of the
//! calls made.

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicUsize, Ordering},
};

use aws_sdk_sagemaker::types::{SharingType, Tag, UserProfileStatus};
use lambda_support::{AwsError, AwsErrorKind};
use studio_sagemaker::{
    memory::{self, MemoryStudio as Studio},
    ports::{Page, Space, Spaces, Tags, UserProfile, UserProfileSummary, UserProfiles},
};

use super::{PresignRequest, PresignedUrl, PresignedUrls};

/// The fake.
#[derive(Debug, Default)]
pub(crate) struct MemoryStudio {
    studio: Studio,
    presigned: Mutex<Vec<PresignRequest>>,
    /// How many of the shared Studio's calls were made before the last `clear_calls`.
    calls_cleared: AtomicUsize,
}

fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs
        .iter()
        .map(|(key, value)| Tag::builder().key(*key).value(*value).build())
        .collect()
}

impl MemoryStudio {
    /// An empty Studio whose statuses stay as the test sets them.
    pub(crate) fn new() -> Self {
        let fake = Self::default();
        fake.studio.hold_statuses();
        fake
    }

    /// Lists `size` items per page.
    pub(crate) fn with_page_size(self, size: usize) -> Self {
        self.studio.set_page_size(size);
        self
    }

    /// Adds (or replaces) an `InService` profile with these tags.
    pub(crate) fn add_profile(&self, domain_id: &str, name: &str, tags: &[(&str, &str)]) {
        self.add_profile_with_status(domain_id, name, "InService", tags);
    }

    /// Adds (or replaces) a profile in `status` with these tags.
    pub(crate) fn add_profile_with_status(
        &self,
        domain_id: &str,
        name: &str,
        status: &str,
        tags: &[(&str, &str)],
    ) {
        self.studio
            .add_user_profile(domain_id, name, self::tags(tags));
        self.set_status(domain_id, name, status);
    }

    /// Sets one tag of a profile.
    pub(crate) fn set_tag(&self, domain_id: &str, name: &str, key: &str, value: &str) {
        let arn = memory::arn(&format!("user-profile/{domain_id}/{name}"));
        let mut state = self.studio.state();
        let tags = state.tags.get_mut(&arn).expect("the profile exists");
        tags.retain(|tag| tag.key() != Some(key));
        tags.extend(self::tags(&[(key, value)]));
    }

    /// Sets a profile's status (e.g. `Deleting`).
    pub(crate) fn set_status(&self, domain_id: &str, name: &str, status: &str) {
        let mut state = self.studio.state();
        let stored = state
            .profiles
            .get_mut(&(domain_id.to_owned(), name.to_owned()))
            .expect("the profile exists");
        stored.profile.status = UserProfileStatus::from(status);
    }

    /// Deletes a profile, and its tags with it.
    pub(crate) fn remove_profile(&self, domain_id: &str, name: &str) {
        let mut state = self.studio.state();
        if let Some(stored) = state
            .profiles
            .remove(&(domain_id.to_owned(), name.to_owned()))
        {
            state.tags.remove(&stored.profile.user_profile_arn);
        }
    }

    /// Adds a space, `Private` or `Shared` if given, owned by `owner` if given.
    pub(crate) fn add_space(
        &self,
        domain_id: &str,
        name: &str,
        owner: Option<&str>,
        sharing_type: Option<SharingType>,
    ) {
        self.studio.add_space(domain_id, name, owner, sharing_type);
    }

    /// The next call of `operation` fails with `code`.
    pub(crate) fn fail_next(&self, operation: &'static str, code: &str, kind: AwsErrorKind) {
        self.studio
            .fail_next(operation, memory::aws_error(operation, code, kind));
    }

    /// The operations called since the last `clear_calls`, in order.
    pub(crate) fn calls(&self) -> Vec<String> {
        let mut operations = self.studio.operations();
        operations.drain(
            ..self
                .calls_cleared
                .load(Ordering::SeqCst)
                .min(operations.len()),
        );
        operations
    }

    /// How many times `operation` was called since the last `clear_calls`.
    pub(crate) fn call_count(&self, operation: &str) -> usize {
        self.calls()
            .iter()
            .filter(|call| *call == operation)
            .count()
    }

    /// Forgets the calls made so far.
    pub(crate) fn clear_calls(&self) {
        self.calls_cleared
            .store(self.studio.operations().len(), Ordering::SeqCst);
    }

    /// The CreatePresignedDomainUrl requests received.
    pub(crate) fn presigned(&self) -> Vec<PresignRequest> {
        self.presigned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl UserProfiles for MemoryStudio {
    async fn list_user_profiles_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<UserProfileSummary>, AwsError> {
        self.studio
            .list_user_profiles_page(domain_id, next_token)
            .await
    }

    async fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<UserProfile>, AwsError> {
        self.studio
            .describe_user_profile(domain_id, user_profile_name)
            .await
    }

    async fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<(), AwsError> {
        self.studio
            .delete_user_profile(domain_id, user_profile_name)
            .await
    }
}

impl Tags for MemoryStudio {
    async fn list_tags_page(
        &self,
        arn: &str,
        next_token: Option<String>,
    ) -> Result<Page<Tag>, AwsError> {
        self.studio.list_tags_page(arn, next_token).await
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        self.studio.add_tags(arn, tags).await
    }

    async fn delete_tags(&self, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
        self.studio.delete_tags(arn, keys).await
    }
}

impl Spaces for MemoryStudio {
    async fn list_spaces_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<Space>, AwsError> {
        self.studio.list_spaces_page(domain_id, next_token).await
    }

    async fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<Space>, AwsError> {
        self.studio.describe_space(domain_id, space_name).await
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        self.studio.delete_space(domain_id, space_name).await
    }
}

impl PresignedUrls for MemoryStudio {
    async fn create_presigned_domain_url(
        &self,
        request: &PresignRequest,
    ) -> Result<PresignedUrl, AwsError> {
        let state = self
            .studio
            .call("CreatePresignedDomainUrl", &request.user_profile_name)?;
        let key = (request.domain_id.clone(), request.user_profile_name.clone());
        if !state.profiles.contains_key(&key) {
            return Err(memory::not_found(
                "CreatePresignedDomainUrl",
                &format!("UserProfile {}", request.user_profile_name),
            ));
        }
        drop(state);
        let mut presigned = self
            .presigned
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        presigned.push(request.clone());
        Ok(PresignedUrl::new(format!(
            "https://{}.studio.us-east-1.sagemaker.aws/auth?token=secret-{}-{}",
            request.domain_id,
            request.user_profile_name,
            presigned.len()
        )))
    }
}
