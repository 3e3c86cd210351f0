//! Finding user profiles by tag: the Resource Groups Tagging API's `GetResources`, the one call
//! that answers "which profiles carry `studiouserid=<identity>`" whatever the number of profiles
//! (SageMaker itself cannot search profiles by tag). `crate::aws` implements [`ProfileSearch`] on
//! the SDK's client; the in-memory Studio implements it for unit tests (`memory`, below).
//!
//! What the lookup relies on (Resource Groups Tagging API Reference, `GetResources`): a
//! `TagFilter` with one value answers the resources tagged with exactly that key and value; the
//! resource type filter `sagemaker:user-profile` is the type as the profile's ARN spells it; the
//! answer comes a page at a time, until no `PaginationToken` ("until you receive a null value";
//! an empty token is taken as the end too). The answer is eventually consistent — a tag just
//! changed may not show yet, a tag just removed may still show — so the lookup never signs in
//! on it alone: it confirms the profile with SageMaker's own `ListTags` ([`crate::profiles`]).

use std::future::Future;

use lambda_support::AwsError;
use studio_sagemaker::ports::Page;

use crate::studio::Counting;

/// The resource type of a SageMaker user profile, as its ARN spells it
/// (`arn:aws:sagemaker:<region>:<account>:user-profile/<domain-id>/<name>`).
pub const USER_PROFILE_RESOURCE_TYPE: &str = "sagemaker:user-profile";

/// Searching user profiles by tag.
pub trait ProfileSearch: Send + Sync {
    /// One page of GetResources: the ARNs of the user profiles (of every domain of the account
    /// and region) tagged `key=value`, exactly.
    fn user_profiles_tagged_page(
        &self,
        key: &str,
        value: &str,
        pagination_token: Option<String>,
    ) -> impl Future<Output = Result<Page<String>, AwsError>> + Send;
}

impl<S: ProfileSearch> ProfileSearch for Counting<'_, S> {
    async fn user_profiles_tagged_page(
        &self,
        key: &str,
        value: &str,
        pagination_token: Option<String>,
    ) -> Result<Page<String>, AwsError> {
        self.count();
        self.inner
            .user_profiles_tagged_page(key, value, pagination_token)
            .await
    }
}

#[cfg(test)]
pub(crate) mod memory {
    //! GetResources on the in-memory Studio: recorded in its call log as
    //! `GetResources <key>=<value>` (so `fail_next("GetResources", ..)` injects a failure), and
    //! answered from the Studio's current tags, every domain's profiles, one page.

    use studio_sagemaker::{memory::MemoryStudio, ports::Page};

    use super::{AwsError, ProfileSearch};

    impl ProfileSearch for MemoryStudio {
        async fn user_profiles_tagged_page(
            &self,
            key: &str,
            value: &str,
            _pagination_token: Option<String>,
        ) -> Result<Page<String>, AwsError> {
            let state = self.call("GetResources", &format!("{key}={value}"))?;
            let items = state
                .profiles
                .values()
                .map(|stored| stored.profile.user_profile_arn.clone())
                .filter(|arn| {
                    state.tags.get(arn).is_some_and(|tags| {
                        tags.iter()
                            .any(|tag| tag.key() == Some(key) && tag.value() == Some(value))
                    })
                })
                .collect();
            Ok(Page {
                items,
                next_token: None,
            })
        }
    }
}
