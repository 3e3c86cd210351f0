//! What the function needs from SageMaker, as small traits the logic is written against:
//! [`UserProfiles`] to find the caller's profile, [`Spaces`] to check a space, and
//! [`PresignedUrls`] to sign in. `crate::aws` implements them on the SDK client; an in-memory
//! fake sits in `memory` for unit tests.

#[cfg(test)]
pub mod memory;

use std::{
    fmt,
    future::Future,
    sync::atomic::{AtomicU32, Ordering},
};

use aws_sdk_sagemaker::types::Tag;
use cfn_custom_resource::AwsError;

/// One page of a list operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
}

/// A user profile as ListUserProfiles reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    /// `UserProfileName`.
    pub name: String,
    /// `Status`: `Pending`, `InService`, `Updating`, `Deleting`, `Failed`, …
    pub status: Option<String>,
}

/// Who may use a space, as DescribeSpace reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceAccess {
    /// `SpaceSharingSettings.SharingType`: `Private` or `Shared` (absent for spaces made
    /// before ownership existed, which every profile of the domain shares).
    pub sharing_type: Option<String>,
    /// `OwnershipSettings.OwnerUserProfileName`.
    pub owner: Option<String>,
}

impl SpaceAccess {
    /// Whether `profile` may open the space: shared spaces are everyone's, private ones only
    /// their owner's.
    pub fn is_open_to(&self, profile: &str) -> bool {
        match self.sharing_type.as_deref() {
            None | Some("Shared") => true,
            Some(_) => self.owner.as_deref() == Some(profile),
        }
    }
}

/// Everything CreatePresignedDomainUrl takes.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Reading a domain's user profiles and their tags.
pub trait UserProfiles: Send + Sync {
    /// One page of ListUserProfiles (`DomainIdEquals`).
    fn list_user_profiles(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<ProfileSummary>, AwsError>> + Send;

    /// One page of ListTags of a resource.
    fn list_tags(
        &self,
        resource_arn: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Tag>, AwsError>> + Send;

    /// DescribeUserProfile's `Status` (`Pending`, `InService`, `Updating`, `Deleting`,
    /// `Failed`, …); `None` if there is no such profile.
    fn user_profile_status(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
}

/// Reading spaces.
pub trait Spaces: Send + Sync {
    /// DescribeSpace; `None` if there is no such space.
    fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> impl Future<Output = Result<Option<SpaceAccess>, AwsError>> + Send;
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
    inner: &'a S,
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

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

impl<S: UserProfiles> UserProfiles for Counting<'_, S> {
    async fn list_user_profiles(
        &self,
        domain_id: &str,
        next_token: Option<String>,
    ) -> Result<Page<ProfileSummary>, AwsError> {
        self.count();
        self.inner.list_user_profiles(domain_id, next_token).await
    }

    async fn list_tags(
        &self,
        resource_arn: &str,
        next_token: Option<String>,
    ) -> Result<Page<Tag>, AwsError> {
        self.count();
        self.inner.list_tags(resource_arn, next_token).await
    }

    async fn user_profile_status(
        &self,
        domain_id: &str,
        user_profile_name: &str,
    ) -> Result<Option<String>, AwsError> {
        self.count();
        self.inner
            .user_profile_status(domain_id, user_profile_name)
            .await
    }
}

impl<S: Spaces> Spaces for Counting<'_, S> {
    async fn describe_space(
        &self,
        domain_id: &str,
        space_name: &str,
    ) -> Result<Option<SpaceAccess>, AwsError> {
        self.count();
        self.inner.describe_space(domain_id, space_name).await
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

    #[test]
    fn private_spaces_are_their_owners_and_shared_ones_everyones() {
        let private = SpaceAccess {
            sharing_type: Some("Private".into()),
            owner: Some("alice".into()),
        };
        assert!(private.is_open_to("alice"));
        assert!(!private.is_open_to("bob"));
        let shared = SpaceAccess {
            sharing_type: Some("Shared".into()),
            owner: Some("alice".into()),
        };
        assert!(shared.is_open_to("bob"));
        let legacy = SpaceAccess {
            sharing_type: None,
            owner: None,
        };
        assert!(legacy.is_open_to("bob"));
        let unowned_private = SpaceAccess {
            sharing_type: Some("Private".into()),
            owner: None,
        };
        assert!(!unowned_private.is_open_to("bob"));
    }
}
