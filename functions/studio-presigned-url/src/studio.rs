//! What the function needs from SageMaker: the suite's Studio ports
//! ([`studio_sagemaker::ports`]: [`UserProfiles`] and [`Tags`] to find the caller's profile,
//! [`Spaces`] to check a space) and its own call, [`PresignedUrls`], to sign in. `crate::aws`
//! implements [`PresignedUrls`] on the suite's SDK adapter, and `memory` (tests only) on the
//! suite's in-memory Studio.

#[cfg(test)]
pub(crate) mod memory;

use std::{
    fmt,
    future::Future,
    sync::atomic::{AtomicU32, Ordering},
};

use aws_sdk_sagemaker::types::Tag;
use lambda_support::AwsError;
use studio_sagemaker::ports::{
    Page, Space, Spaces, Tags, UserProfile, UserProfileSummary, UserProfiles,
};

/// Everything CreatePresignedDomainUrl takes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
pub struct PresignRequest {
    /// `DomainId`.
    pub domain_id: String,
    /// `UserProfileName`.
    pub user_profile_name: String,
    /// `SessionExpirationDurationInSeconds`.
    pub session_expiration_seconds: u32,
    /// `ExpiresInSeconds`.
    pub expires_in_seconds: u32,
    /// `SpaceName`.
    pub space_name: Option<String>,
    /// `LandingUri`.
    pub landing_uri: Option<String>,
}

/// A presigned Studio URL. It is a bearer credential: it is never logged, so it has no
/// `Display`, and its `Debug` is redacted. [`PresignedUrl::expose`] gives it out, for the
/// response only.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl(String);

impl PresignedUrl {
    /// Wraps the URL AWS answered.
    pub fn new(url: String) -> Self {
        Self(url)
    }

    /// The URL itself, for the caller's response.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresignedUrl(<redacted>)")
    }
}

/// Signing in.
pub trait PresignedUrls: Send + Sync {
    /// CreatePresignedDomainUrl.
    fn create_presigned_domain_url(
        &self,
        request: &PresignRequest,
    ) -> impl Future<Output = Result<PresignedUrl, AwsError>> + Send;
}

/// Wraps a SageMaker implementation and counts the API calls made through it, so that each
/// request's audit line reports how many calls it cost.
#[derive(Debug)]
pub struct Counting<'a, S> {
    pub(crate) inner: &'a S,
    calls: AtomicU32,
}

impl<'a, S> Counting<'a, S> {
    /// Starts counting at zero.
    pub fn new(inner: &'a S) -> Self {
        Self {
            inner,
            calls: AtomicU32::new(0),
        }
    }

    /// The calls made so far.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }

    pub(crate) fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

impl<S: UserProfiles> UserProfiles for Counting<'_, S> {
    async fn list_user_profiles_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<UserProfileSummary>, AwsError> {
        self.count();
        self.inner
            .list_user_profiles_page(domain_id, next_token)
            .await
    }

    async fn describe_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<UserProfile>, AwsError> {
        self.count();
        self.inner
            .describe_user_profile(domain_id, user_profile_name)
            .await
    }

    async fn delete_user_profile(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<(), AwsError> {
        self.count();
        self.inner
            .delete_user_profile(domain_id, user_profile_name)
            .await
    }
}

impl<S: Tags> Tags for Counting<'_, S> {
    async fn list_tags_page(
        &self,
        arn: &str,
        next_token: Option<String>,
    ) -> Result<Page<Tag>, AwsError> {
        self.count();
        self.inner.list_tags_page(arn, next_token).await
    }

    async fn add_tags(&self, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
        self.count();
        self.inner.add_tags(arn, tags).await
    }

    async fn delete_tags(&self, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
        self.count();
        self.inner.delete_tags(arn, keys).await
    }
}

impl<S: Spaces> Spaces for Counting<'_, S> {
    async fn list_spaces_page(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<Space>, AwsError> {
        self.count();
        self.inner.list_spaces_page(domain_id, next_token).await
    }

    async fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<Space>, AwsError> {
        self.count();
        self.inner.describe_space(domain_id, space_name).await
    }

    async fn delete_space(&self, domain_id: &str, space_name: &str) -> Result<(), AwsError> {
        self.count();
        self.inner.delete_space(domain_id, space_name).await
    }
}

impl<S: crate::domain::DomainAuthModes> crate::domain::DomainAuthModes for Counting<'_, S> {
    async fn domain_auth_mode(
        &self,
        domain_id: &str,
    ) -> Result<Option<aws_sdk_sagemaker::types::AuthMode>, AwsError> {
        self.count();
        self.inner.domain_auth_mode(domain_id).await
    }
}

impl<S: PresignedUrls> PresignedUrls for Counting<'_, S> {
    async fn create_presigned_domain_url(
        &self,
        request: &PresignRequest,
    ) -> Result<PresignedUrl, AwsError> {
        self.count();
        self.inner.create_presigned_domain_url(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_presigned_url_is_redacted_when_debugged() {
        let url = PresignedUrl::new(
            "https://d-x.studio.us-east-1.sagemaker.aws/auth?token=secret".into(),
        );
        assert_eq!(format!("{url:?}"), "PresignedUrl(<redacted>)");
        assert!(!format!("{:?}", Some(&url)).contains("secret"));
        assert!(url.expose().ends_with("token=secret"));
    }
}
