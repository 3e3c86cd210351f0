//! Finding the caller's profile: the one user profile of the domain whose `studiouserid` tag
//! equals the caller's identity — exactly, case-sensitively — and never a guess.
//!
//! **By tag, whatever the number of profiles.** SageMaker cannot search profiles by tag; the
//! Resource Groups Tagging API can: one `GetResources` (tag filter `studiouserid=<identity>`,
//! resource type `sagemaker:user-profile`, [`crate::tag_search`]) names the candidates, and those
//! of this domain (their ARN is `…:user-profile/<domain-id>/<name>`) are kept. GetResources is
//! eventually consistent, so a candidate is signed in to only once its own tags, read from
//! SageMaker (`ListTags`), confirm it. A cold sign-in therefore costs GetResources, ListTags and
//! CreatePresignedDomainUrl — 3 calls, however many profiles the domain has.
//!
//! **Warm.** An instance remembers, for `PROFILE_INDEX_TTL_SECONDS`, the profile it confirmed for
//! each identity; a warm sign-in re-reads only that profile's tags (ListTags), so that a profile
//! retagged away is never handed out, then signs in: 2 calls. A profile that is not `InService`
//! is left to CreatePresignedDomainUrl to refuse (the emulator refuses it with
//! `ValidationException`; what AWS answers is not documented), and only then is its status read
//! ([`ProfileDirectory::refusal_for_status`]) to answer as before: a profile being deleted is no
//! profile, one `Pending`/`Updating`/`Failed` is named with its status. Before, a DescribeUserProfile
//! on every warm request made that check up front, at one call per sign-in.
//!
//! **Several candidates** (two profiles claiming one identity, or a stale answer) are each
//! confirmed with ListTags and DescribeUserProfile; profiles being deleted are left out; two that
//! remain are an ambiguity the admin must fix (409), never a choice.
//!
//! **Fallback.** If GetResources fails — access denied (the role lacks `tag:GetResources`),
//! throttled beyond the SDK's retries, a service error — the failure is logged (`warn`) and the
//! domain is read as before: an index of every profile's `studiouserid` tag (ListUserProfiles,
//! then ListTags of each profile, a few at a time), reused for the TTL and rebuilt when it is too
//! old, when the chosen profile's tag no longer matches, and — at most every
//! [`REBUILD_INTERVAL`] — when it names no profile or several for the caller.
//!
//! What this relies on: only admins (and the user-profile product) can set `studiouserid` on a
//! profile — the data scientists' policy denies `sagemaker:AddTags`/`DeleteTags` on profiles —
//! and the decision is always SageMaker's own tags, read at sign-in; GetResources only narrows
//! the search.

use std::{
    collections::{BTreeSet, HashMap},
    time::Duration,
};

use aws_sdk_sagemaker::types::UserProfileStatus;
use futures::{StreamExt, TryStreamExt, stream};
use lambda_support::AwsError;
use studio_sagemaker::{
    STUDIO_USER_ID_TAG,
    ownership::tag_value,
    ports::{Tags, UserProfileSummary, UserProfiles, all_pages},
};
use tokio::{sync::Mutex, time::Instant};

use crate::{identity::is_identity_tag_value, tag_search::ProfileSearch};

/// How soon an index that names no profile (or several) for a caller may be rebuilt for
/// another such request. It bounds the cost of callers without a profile.
pub const REBUILD_INTERVAL: Duration = Duration::from_secs(10);
/// ListTags calls in flight while building the index.
pub const LIST_TAGS_CONCURRENCY: usize = 8;

/// The result of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Exactly one profile is the caller's.
    Found(String),
    /// No profile is tagged with the caller's identity.
    NoProfile,
    /// Several are: the admin must fix the tags.
    Ambiguous(Vec<String>),
    /// Exactly one is the caller's, but it is not `InService` (being deleted, still being
    /// created or updated, failed): SageMaker would sign no one in to it, and a profile being
    /// deleted is a user being offboarded.
    NotInService {
        profile: String,
        status: UserProfileStatus,
    },
}

/// Where the domain's resources live, for their ARNs (taken from the function's own ARN:
/// same partition, region and account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnScope {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    pub region: String,
    pub account_id: String,
}

impl ArnScope {
    /// Reads a Lambda function ARN (`arn:aws:lambda:us-east-1:123456789012:function:name`,
    /// with or without a qualifier).
    pub fn from_function_arn(arn: &str) -> Option<Self> {
        let parts: Vec<&str> = arn.splitn(7, ':').collect();
        match parts[..] {
            [
                "arn",
                partition,
                "lambda",
                region,
                account_id,
                "function",
                _,
            ] if !partition.is_empty()
                && !region.is_empty()
                && account_id.len() == 12
                && account_id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Some(Self {
                    partition: partition.to_owned(),
                    region: region.to_owned(),
                    account_id: account_id.to_owned(),
                })
            }
            _ => None,
        }
    }

    /// A user profile's ARN.
    pub fn user_profile_arn(&self, domain_id: &str, profile: &str) -> String {
        format!(
            "arn:{}:sagemaker:{}:{}:user-profile/{domain_id}/{profile}",
            self.partition, self.region, self.account_id
        )
    }
}

/// The domain's profiles by `studiouserid`, as read at one moment.
#[derive(Debug, Clone)]
pub struct ProfileIndex {
    built_at: Instant,
    owners: HashMap<String, Vec<String>>,
    /// Each profile's status, as ListUserProfiles reported it.
    statuses: HashMap<String, UserProfileStatus>,
    profiles: usize,
}

impl ProfileIndex {
    /// Reads every profile of the domain and its `studiouserid` tag. Profiles being deleted
    /// are left out; so are tag values that no identity can equal (empty, or with wildcards
    /// or other characters IAM names cannot hold).
    pub async fn build<S: UserProfiles + Tags>(
        studio: &S,
        scope: &ArnScope,
        domain_id: &str,
    ) -> Result<Self, AwsError> {
        let mut profiles: Vec<UserProfileSummary> = studio.list_user_profiles(domain_id).await?;
        // Being deleted: its user is being offboarded. Never a candidate.
        profiles.retain(|profile| profile.status != UserProfileStatus::Deleting);
        let statuses: HashMap<String, UserProfileStatus> = profiles
            .iter()
            .map(|profile| (profile.user_profile_name.clone(), profile.status.clone()))
            .collect();
        let tagged: Vec<(String, Option<String>)> = stream::iter(profiles)
            .map(|profile| async move {
                let arn = scope.user_profile_arn(domain_id, &profile.user_profile_name);
                studio_user_id(studio, &arn)
                    .await
                    .map(|owner| (profile.user_profile_name, owner))
            })
            .buffer_unordered(LIST_TAGS_CONCURRENCY)
            .try_collect()
            .await?;
        let profiles = tagged.len();
        let mut owners: HashMap<String, Vec<String>> = HashMap::new();
        for (profile, owner) in tagged {
            if let Some(owner) = owner.filter(|owner| is_usable_tag_value(owner)) {
                owners.entry(owner).or_default().push(profile);
            }
        }
        for names in owners.values_mut() {
            names.sort();
        }
        tracing::debug!(
            domain_id,
            profiles,
            identities = owners.len(),
            "profile index built"
        );
        Ok(Self {
            built_at: Instant::now(),
            owners,
            statuses,
            profiles,
        })
    }

    /// The status ListUserProfiles reported for `profile` when the index was built.
    fn status_of(&self, profile: &str) -> UserProfileStatus {
        self.statuses
            .get(profile)
            .cloned()
            .unwrap_or_else(|| UserProfileStatus::from(""))
    }

    /// The profiles tagged with exactly `identity`.
    pub fn profiles_of(&self, identity: &str) -> &[String] {
        self.owners.get(identity).map_or(&[], Vec::as_slice)
    }

    /// How many profiles were read.
    pub fn profile_count(&self) -> usize {
        self.profiles
    }

    fn age(&self) -> Duration {
        self.built_at.elapsed()
    }
}

/// The caller's one profile, usable only while it is `InService`.
fn found(profile: &str, status: UserProfileStatus) -> Lookup {
    if status == UserProfileStatus::InService {
        Lookup::Found(profile.to_owned())
    } else {
        Lookup::NotInService {
            profile: profile.to_owned(),
            status,
        }
    }
}

/// Whether a `studiouserid` tag value can name anyone (the rule's one home is
/// [`is_identity_tag_value`]: an IAM user or session name, optionally `<account-id>/` first).
pub fn is_usable_tag_value(value: &str) -> bool {
    is_identity_tag_value(value)
}

/// A profile's current `studiouserid` tag; `None` if it has none or is gone.
pub async fn studio_user_id<S: Tags>(
    studio: &S,
    profile_arn: &str,
) -> Result<Option<String>, AwsError> {
    // A page at a time: the tag is usually on the first page, and the warm path costs one call.
    let mut next_token = None;
    loop {
        let page = match studio.list_tags_page(profile_arn, next_token).await {
            Ok(page) => page,
            Err(error) if error.is_not_found() => return Ok(None),
            Err(error) => return Err(error),
        };
        if let Some(value) = tag_value(&page.items, STUDIO_USER_ID_TAG) {
            return Ok(Some(value.to_owned()));
        }
        next_token = page.next_token;
        if next_token.is_none() {
            return Ok(None);
        }
    }
}

/// At most this many identities are remembered by a warm instance; beyond it the memory is
/// emptied (each entry is one identity and one profile name).
pub const MAX_REMEMBERED: usize = 10_000;

/// The lookup, and what a warm instance remembers for it.
#[derive(Debug)]
pub struct ProfileDirectory {
    domain_id: String,
    ttl: Duration,
    /// Each identity's profile, as last confirmed by its own tags, and when.
    confirmed: Mutex<HashMap<String, (String, Instant)>>,
    /// The fallback's index of the whole domain.
    index: Mutex<Option<ProfileIndex>>,
}

enum Step {
    Answer(Lookup),
    Rebuild,
}

impl ProfileDirectory {
    /// An empty directory for `domain_id`; what it remembers lives `ttl`.
    pub fn new(domain_id: impl Into<String>, ttl: Duration) -> Self {
        Self {
            domain_id: domain_id.into(),
            ttl,
            confirmed: Mutex::new(HashMap::new()),
            index: Mutex::new(None),
        }
    }

    /// The profile of `identity` (the `studiouserid` tag value the caller's identity must
    /// match, already validated).
    pub async fn lookup<S: UserProfiles + Tags + ProfileSearch>(
        &self,
        studio: &S,
        scope: &ArnScope,
        identity: &str,
    ) -> Result<Lookup, AwsError> {
        if !is_usable_tag_value(identity) {
            return Ok(Lookup::NoProfile);
        }
        if let Some(profile) = self.remembered(identity).await {
            // Warm: the profile's own tags, read now, decide.
            let arn = scope.user_profile_arn(&self.domain_id, &profile);
            if studio_user_id(studio, &arn).await?.as_deref() == Some(identity) {
                return Ok(Lookup::Found(profile));
            }
            tracing::debug!(identity, profile, "remembered profile retagged or gone");
            self.forget(identity).await;
        }
        match self.search(studio, scope, identity).await {
            Ok(lookup) => {
                if let Lookup::Found(profile) = &lookup {
                    self.remember(identity, profile).await;
                }
                Ok(lookup)
            }
            Err(SearchError::Confirm(error)) => Err(error),
            Err(SearchError::Search(error)) => {
                tracing::warn!(
                    operation = error.operation,
                    code = error.code.as_deref(),
                    kind = ?error.kind,
                    error = %error,
                    "GetResources failed: looking the profile up by listing the domain"
                );
                self.lookup_by_listing(studio, scope, identity).await
            }
        }
    }

    /// The search by tag: GetResources names candidates, SageMaker's own tags confirm them.
    /// An error is GetResources' only (the caller falls back); a confirmation's error is final.
    async fn search<S: UserProfiles + Tags + ProfileSearch>(
        &self,
        studio: &S,
        scope: &ArnScope,
        identity: &str,
    ) -> Result<Lookup, SearchError> {
        let arns = all_pages(|token| {
            studio.user_profiles_tagged_page(STUDIO_USER_ID_TAG, identity, token)
        })
        .await
        .map_err(SearchError::Search)?;
        // This domain's profiles only: `…:user-profile/<domain-id>/<name>` in the function's
        // own partition, region and account.
        let prefix = scope.user_profile_arn(&self.domain_id, "");
        let candidates: BTreeSet<String> = arns
            .iter()
            .filter_map(|arn| arn.strip_prefix(&prefix))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .map(str::to_owned)
            .collect();
        tracing::debug!(
            identity,
            tagged = arns.len(),
            candidates = candidates.len(),
            "profiles found by tag"
        );
        let confirmed = match candidates.len() {
            0 => return Ok(Lookup::NoProfile),
            1 => {
                let profile = candidates.into_iter().next().unwrap_or_default();
                let arn = scope.user_profile_arn(&self.domain_id, &profile);
                return Ok(
                    match studio_user_id(studio, &arn)
                        .await
                        .map_err(SearchError::Confirm)?
                    {
                        Some(owner) if owner == identity => Lookup::Found(profile),
                        // GetResources was behind: the tag is no longer the caller's.
                        _ => Lookup::NoProfile,
                    },
                );
            }
            _ => self
                .confirm_each(studio, scope, identity, candidates)
                .await
                .map_err(SearchError::Confirm)?,
        };
        Ok(match confirmed.as_slice() {
            [] => Lookup::NoProfile,
            [(profile, status)] => found(profile, status.clone()),
            several => Lookup::Ambiguous(several.iter().map(|(p, _)| p.clone()).collect()),
        })
    }

    /// Several candidates: those whose own tag is the caller's and which are not being
    /// deleted, with their status, sorted by name.
    async fn confirm_each<S: UserProfiles + Tags>(
        &self,
        studio: &S,
        scope: &ArnScope,
        identity: &str,
        candidates: BTreeSet<String>,
    ) -> Result<Vec<(String, UserProfileStatus)>, AwsError> {
        let domain_id = self.domain_id.as_str();
        let mut confirmed: Vec<(String, UserProfileStatus)> = stream::iter(candidates)
            .map(|profile| async move {
                let arn = scope.user_profile_arn(domain_id, &profile);
                if studio_user_id(studio, &arn).await?.as_deref() != Some(identity) {
                    return Ok(None);
                }
                Ok(studio
                    .describe_user_profile(domain_id, &profile)
                    .await?
                    .map(|described| described.status)
                    .filter(|status| *status != UserProfileStatus::Deleting)
                    .map(|status| (profile, status)))
            })
            .buffer_unordered(LIST_TAGS_CONCURRENCY)
            .try_filter_map(|confirmed| async move { Ok(confirmed) })
            .try_collect()
            .await?;
        confirmed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(confirmed)
    }

    /// Why SageMaker refused to sign in to `profile` (CreatePresignedDomainUrl answered
    /// `ValidationException`): `Some(NoProfile)` if it is being deleted or gone (its user is
    /// being offboarded; it is forgotten), `Some(NotInService)` with its status if it is
    /// `Pending`, `Updating` or `Failed`, `None` if it is `InService` (the refusal was for
    /// something else). One DescribeUserProfile.
    pub async fn refusal_for_status<S: UserProfiles>(
        &self,
        studio: &S,
        profile: &str,
    ) -> Result<Option<Lookup>, AwsError> {
        let status = studio
            .describe_user_profile(&self.domain_id, profile)
            .await?
            .map(|described| described.status);
        Ok(match status {
            Some(UserProfileStatus::InService) => None,
            Some(UserProfileStatus::Deleting) | None => {
                self.invalidate().await;
                Some(Lookup::NoProfile)
            }
            Some(status) => Some(Lookup::NotInService {
                profile: profile.to_owned(),
                status,
            }),
        })
    }

    async fn remembered(&self, identity: &str) -> Option<String> {
        let confirmed = self.confirmed.lock().await;
        confirmed
            .get(identity)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(profile, _)| profile.clone())
    }

    async fn remember(&self, identity: &str, profile: &str) {
        if self.ttl.is_zero() {
            return;
        }
        let mut confirmed = self.confirmed.lock().await;
        if confirmed.len() >= MAX_REMEMBERED {
            confirmed.retain(|_, (_, at)| at.elapsed() < self.ttl);
            if confirmed.len() >= MAX_REMEMBERED {
                confirmed.clear();
            }
        }
        confirmed.insert(identity.to_owned(), (profile.to_owned(), Instant::now()));
    }

    async fn forget(&self, identity: &str) {
        self.confirmed.lock().await.remove(identity);
    }

    /// The fallback: the profile of `identity` from the index of the whole domain.
    async fn lookup_by_listing<S: UserProfiles + Tags>(
        &self,
        studio: &S,
        scope: &ArnScope,
        identity: &str,
    ) -> Result<Lookup, AwsError> {
        let mut slot = self.index.lock().await;
        let mut fresh = false;
        let index = match slot.take() {
            Some(index) if index.age() < self.ttl => index,
            _ => {
                fresh = true;
                ProfileIndex::build(studio, scope, &self.domain_id).await?
            }
        };
        let index = slot.insert(index);
        loop {
            let may_rebuild = !fresh && index.age() >= REBUILD_INTERVAL;
            let step = match index.profiles_of(identity) {
                [] if may_rebuild => Step::Rebuild,
                [] => Step::Answer(Lookup::NoProfile),
                [profile] if fresh => Step::Answer(found(profile, index.status_of(profile))),
                [profile] => {
                    // A warm index may be stale: the tag and the status are read again, so
                    // that a retagged profile, or one being deleted, is never signed in to.
                    let arn = scope.user_profile_arn(&self.domain_id, profile);
                    match studio_user_id(studio, &arn).await? {
                        Some(owner) if owner == identity => {
                            match studio
                                .describe_user_profile(&self.domain_id, profile)
                                .await?
                                .map(|described| described.status)
                            {
                                // Being deleted: read again, which leaves it out, so that a
                                // warm instance answers as a cold one does.
                                Some(UserProfileStatus::Deleting) | None => Step::Rebuild,
                                Some(status) => Step::Answer(found(profile, status)),
                            }
                        }
                        // Retagged or deleted since the index was built: read again.
                        _ => Step::Rebuild,
                    }
                }
                _ if may_rebuild => Step::Rebuild,
                several => Step::Answer(Lookup::Ambiguous(several.to_vec())),
            };
            match step {
                Step::Answer(lookup) => return Ok(lookup),
                Step::Rebuild => {
                    tracing::debug!(identity, "profile index stale for the caller; rebuilding");
                    *index = ProfileIndex::build(studio, scope, &self.domain_id).await?;
                    fresh = true;
                }
            }
        }
    }

    /// Forgets everything remembered (e.g. after SageMaker said the chosen profile does not
    /// exist).
    pub async fn invalidate(&self) {
        self.confirmed.lock().await.clear();
        *self.index.lock().await = None;
    }
}

/// Where the search by tag failed: GetResources itself (fall back to the listing), or the
/// confirmation that follows it (an error like any other).
enum SearchError {
    Search(AwsError),
    Confirm(AwsError),
}

#[cfg(test)]
mod tests {
    use lambda_support::AwsErrorKind;

    use super::*;
    use aws_sdk_sagemaker::types::{Tag, UserProfileStatus};
    use studio_sagemaker::{
        memory::{self, MemoryStudio},
        ports::{Page, UserProfile},
    };

    use crate::studio::memory::{held_studio, tags};

    const DOMAIN: &str = "d-abc123def456";

    fn scope() -> ArnScope {
        ArnScope::from_function_arn(
            "arn:aws:lambda:us-east-1:123456789012:function:studio-presigned-url",
        )
        .expect("function ARN")
    }

    fn directory(ttl_seconds: u64) -> ProfileDirectory {
        ProfileDirectory::new(DOMAIN, Duration::from_secs(ttl_seconds))
    }

    /// The next GetResources fails as an unauthorised role's would.
    fn search_denied(studio: &MemoryStudio) {
        studio.fail_next(
            "GetResources",
            memory::aws_error(
                "GetResources",
                "AccessDeniedException",
                AwsErrorKind::AccessDenied,
            ),
        );
    }

    /// The in-memory Studio, but GetResources answers `answer` (an eventually consistent
    /// copy of the tags that is behind).
    struct StaleSearch<'a> {
        studio: &'a MemoryStudio,
        answer: Vec<String>,
    }

    impl UserProfiles for StaleSearch<'_> {
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
            name: &str,
        ) -> Result<Option<UserProfile>, AwsError> {
            self.studio.describe_user_profile(domain_id, name).await
        }

        async fn delete_user_profile(&self, domain_id: &str, name: &str) -> Result<(), AwsError> {
            self.studio.delete_user_profile(domain_id, name).await
        }
    }

    impl Tags for StaleSearch<'_> {
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

    impl ProfileSearch for StaleSearch<'_> {
        async fn user_profiles_tagged_page(
            &self,
            key: &str,
            value: &str,
            _token: Option<String>,
        ) -> Result<Page<String>, AwsError> {
            drop(
                self.studio
                    .call("GetResources", &format!("{key}={value}"))?,
            );
            Ok(Page {
                items: self.answer.clone(),
                next_token: None,
            })
        }
    }

    #[test]
    fn the_scope_comes_from_the_function_arn() {
        let scope = ArnScope::from_function_arn(
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:sign-in:live",
        )
        .expect("qualified ARN");
        assert_eq!(
            scope.user_profile_arn("d-x1", "alice"),
            "arn:aws-cn:sagemaker:cn-north-1:123456789012:user-profile/d-x1/alice"
        );
        assert_eq!(
            ArnScope::from_function_arn("arn:aws:lambda:::function:x"),
            None
        );
        assert_eq!(ArnScope::from_function_arn("not an arn"), None);
    }

    #[tokio::test]
    async fn the_profile_tagged_with_the_identity_is_found_whatever_its_name() {
        let studio = held_studio();
        studio.add_user_profile(
            DOMAIN,
            "jdoe",
            tags(&[("studiouserid", "jdoe@example.com")]),
        );
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "bob")]));
        studio.add_user_profile("d-otherdomain1", "x", tags(&[("studiouserid", "alice")]));
        let directory = directory(300);
        assert_eq!(
            directory
                .lookup(&studio, &scope(), "jdoe@example.com")
                .await,
            Ok(Lookup::Found("jdoe".into()))
        );
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile),
            "a profile named like the caller is not theirs; nor is another domain's"
        );
        assert_eq!(
            directory.lookup(&studio, &scope(), "bob").await,
            Ok(Lookup::Found("alice".into()))
        );
    }

    #[tokio::test]
    async fn an_account_qualified_identity_is_looked_up_as_its_tag_value() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.add_user_profile(
            DOMAIN,
            "alice-b",
            tags(&[("studiouserid", "210987654321/alice")]),
        );
        assert_eq!(
            directory(300)
                .lookup(&studio, &scope(), "210987654321/alice")
                .await,
            Ok(Lookup::Found("alice-b".into()))
        );
    }

    #[tokio::test]
    async fn matching_is_exact_and_case_sensitive() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "p1", tags(&[("studiouserid", "Alice")]));
        studio.add_user_profile(DOMAIN, "p2", tags(&[("studiouserid", " alice")]));
        studio.add_user_profile(DOMAIN, "p3", tags(&[("StudioUserId", "alice")]));
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
        search_denied(&studio);
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile),
            "the listing matches alike"
        );
    }

    #[tokio::test]
    async fn wildcard_and_empty_tag_values_never_match() {
        let studio = held_studio();
        for (profile, value) in [
            ("p1", "*"),
            ("p2", ""),
            ("p3", "al*"),
            ("p4", "?lice"),
            ("p5", "${aws:username}"),
        ] {
            studio.add_user_profile(DOMAIN, profile, tags(&[("studiouserid", value)]));
        }
        let index = ProfileIndex::build(&studio, &scope(), DOMAIN)
            .await
            .expect("index");
        assert_eq!(index.profile_count(), 5);
        for identity in ["alice", "*", "", "al*", "?lice", "${aws:username}"] {
            assert_eq!(
                index.profiles_of(identity),
                &[] as &[String],
                "{identity:?}"
            );
            assert_eq!(
                directory(300).lookup(&studio, &scope(), identity).await,
                Ok(Lookup::NoProfile),
                "{identity:?}"
            );
        }
    }

    #[tokio::test]
    async fn two_profiles_with_the_same_tag_are_an_ambiguity_not_a_choice() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.add_user_profile(DOMAIN, "alice-sandbox", tags(&[("studiouserid", "alice")]));
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Ambiguous(vec![
                "alice".into(),
                "alice-sandbox".into()
            ]))
        );
    }

    #[tokio::test]
    async fn profiles_being_deleted_are_not_candidates() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "old", tags(&[("studiouserid", "alice")]));
        studio.set_user_profile_status(DOMAIN, "old", UserProfileStatus::Deleting);
        studio.add_user_profile(DOMAIN, "new", tags(&[("studiouserid", "alice")]));
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("new".into()))
        );
        search_denied(&studio);
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("new".into())),
            "nor in the listing"
        );
    }

    #[tokio::test]
    async fn a_cold_lookup_costs_get_resources_and_one_list_tags_whatever_the_domains_size() {
        let studio = held_studio();
        for i in 0..500 {
            studio.add_user_profile(
                DOMAIN,
                &format!("user{i}"),
                tags(&[("studiouserid", &format!("u{i}"))]),
            );
        }
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "u321").await,
            Ok(Lookup::Found("user321".into()))
        );
        assert_eq!(studio.operations(), vec!["GetResources", "ListTags"]);
        assert_eq!(
            studio.calls()[0],
            "GetResources studiouserid=u321",
            "one tag filter, the identity exactly"
        );
    }

    #[tokio::test]
    async fn a_warm_lookup_costs_one_list_tags() {
        let studio = held_studio();
        for i in 0..20 {
            studio.add_user_profile(
                DOMAIN,
                &format!("user{i}"),
                tags(&[("studiouserid", &format!("u{i}"))]),
            );
        }
        let directory = directory(300);
        directory
            .lookup(&studio, &scope(), "u7")
            .await
            .expect("cold");
        studio.forget_calls();
        assert_eq!(
            directory.lookup(&studio, &scope(), "u7").await,
            Ok(Lookup::Found("user7".into()))
        );
        assert_eq!(studio.operations(), vec!["ListTags"]);
    }

    #[tokio::test]
    async fn a_stale_search_answer_is_never_trusted_the_profiles_own_tags_decide() {
        // Given GetResources still names p1 for alice, although p1 was retagged to carol
        let studio = held_studio();
        let p1 = studio.add_user_profile(DOMAIN, "p1", tags(&[("studiouserid", "carol")]));
        let stale = StaleSearch {
            studio: &studio,
            answer: vec![p1.clone()],
        };
        // Then alice gets no profile (and no URL into carol's)
        assert_eq!(
            directory(300).lookup(&stale, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );

        // And when it names p1 and p2 and only p2 is still alice's, p2 is hers
        let p2 = studio.add_user_profile(DOMAIN, "p2", tags(&[("studiouserid", "alice")]));
        let stale = StaleSearch {
            studio: &studio,
            answer: vec![p1, p2],
        };
        assert_eq!(
            directory(300).lookup(&stale, &scope(), "alice").await,
            Ok(Lookup::Found("p2".into()))
        );
    }

    #[tokio::test]
    async fn another_domains_or_accounts_profile_in_the_answer_is_never_a_candidate() {
        let studio = held_studio();
        let stale = StaleSearch {
            studio: &studio,
            answer: vec![
                "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-otherdomain1/alice".into(),
                "arn:aws:sagemaker:us-east-1:210987654321:user-profile/d-abc123def456/alice".into(),
                "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abc123def456/alice".into(),
            ],
        };
        assert_eq!(
            directory(300).lookup(&stale, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
        assert_eq!(
            studio.operations(),
            vec!["GetResources"],
            "nothing to confirm"
        );
    }

    #[tokio::test]
    async fn a_profile_retagged_away_is_not_handed_out_by_a_warm_instance() {
        let studio = held_studio();
        let p1 = studio.add_user_profile(DOMAIN, "p1", tags(&[("studiouserid", "alice")]));
        let directory = directory(300);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("p1".into()))
        );
        studio.set_tags(&p1, tags(&[("studiouserid", "carol")]));
        studio.add_user_profile(DOMAIN, "p2", tags(&[("studiouserid", "alice")]));
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("p2".into())),
            "the remembered profile is checked, found wrong, and searched again"
        );
        studio.remove_user_profile(DOMAIN, "p2");
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
    }

    #[tokio::test]
    async fn a_failed_search_falls_back_to_listing_the_domain() {
        let studio = held_studio();
        for i in 0..5 {
            studio.add_user_profile(
                DOMAIN,
                &format!("user{i}"),
                tags(&[("studiouserid", &format!("u{i}"))]),
            );
        }
        for (code, kind) in [
            ("AccessDeniedException", AwsErrorKind::AccessDenied),
            ("ThrottledException", AwsErrorKind::Throttled),
            ("InternalServiceException", AwsErrorKind::Transient),
        ] {
            studio.forget_calls();
            studio.fail_next(
                "GetResources",
                memory::aws_error("GetResources", code, kind),
            );
            assert_eq!(
                directory(300).lookup(&studio, &scope(), "u3").await,
                Ok(Lookup::Found("user3".into())),
                "{code}"
            );
            assert_eq!(studio.count("ListUserProfiles"), 1, "{code}");
            assert_eq!(studio.count("ListTags"), 5, "{code}");
        }
    }

    #[tokio::test]
    async fn a_failed_confirmation_is_an_error_not_a_fallback() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.fail_next(
            "ListTags",
            memory::aws_error("ListTags", "ThrottlingException", AwsErrorKind::Throttled),
        );
        let error = directory(300)
            .lookup(&studio, &scope(), "alice")
            .await
            .expect_err("throttled");
        assert!(error.is_transient());
        assert_eq!(studio.operations(), vec!["GetResources", "ListTags"]);
    }

    #[tokio::test]
    async fn a_failed_search_and_a_failed_listing_is_an_error_and_leaves_no_index() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        search_denied(&studio);
        studio.fail_next(
            "ListUserProfiles",
            memory::aws_error(
                "ListUserProfiles",
                "ThrottlingException",
                AwsErrorKind::Throttled,
            ),
        );
        let directory = directory(300);
        let error = directory
            .lookup(&studio, &scope(), "alice")
            .await
            .expect_err("throttled");
        assert!(error.is_transient());
        search_denied(&studio);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );
    }

    #[tokio::test]
    async fn a_profile_not_in_service_is_named_with_its_status_when_sagemaker_refuses_it() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        let directory = directory(300);
        for status in [
            UserProfileStatus::Pending,
            UserProfileStatus::Updating,
            UserProfileStatus::Failed,
        ] {
            studio.set_user_profile_status(DOMAIN, "alice", status.clone());
            assert_eq!(
                directory.refusal_for_status(&studio, "alice").await,
                Ok(Some(Lookup::NotInService {
                    profile: "alice".into(),
                    status,
                }))
            );
        }
        studio.set_user_profile_status(DOMAIN, "alice", UserProfileStatus::InService);
        assert_eq!(
            directory.refusal_for_status(&studio, "alice").await,
            Ok(None),
            "an InService profile was refused for another reason"
        );
    }

    #[tokio::test]
    async fn a_profile_being_deleted_is_no_profile_and_is_forgotten() {
        // Given a warm instance that found alice's profile
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        let warm = directory(300);
        assert_eq!(
            warm.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );

        // When it is being deleted (her offboarding) and SageMaker refuses to sign in to it
        studio.set_user_profile_status(DOMAIN, "alice", UserProfileStatus::Deleting);

        // Then the refusal is "no profile", and nothing of her is remembered
        assert_eq!(
            warm.refusal_for_status(&studio, "alice").await,
            Ok(Some(Lookup::NoProfile))
        );
        studio.forget_calls();
        warm.lookup(&studio, &scope(), "alice").await.expect("cold");
        assert_eq!(studio.operations()[0], "GetResources");
    }

    #[tokio::test]
    async fn the_listing_never_hands_out_a_profile_being_deleted_warm_or_cold() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        let warm = directory(300);
        search_denied(&studio);
        assert_eq!(
            warm.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );
        studio.set_user_profile_status(DOMAIN, "alice", UserProfileStatus::Deleting);
        search_denied(&studio);
        assert_eq!(
            warm.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
    }

    #[tokio::test]
    async fn every_page_of_profiles_and_tags_is_read() {
        let studio = held_studio();
        studio.set_page_size(2);
        for i in 0..5 {
            studio.add_user_profile(
                DOMAIN,
                &format!("user{i}"),
                tags(&[
                    ("team", "ml"),
                    ("cost-centre", "42"),
                    ("studiouserid", &format!("u{i}")),
                ]),
            );
        }
        let index = ProfileIndex::build(&studio, &scope(), DOMAIN)
            .await
            .expect("index");
        assert_eq!(index.profiles_of("u4"), &["user4".to_owned()]);
        assert_eq!(studio.count("ListUserProfiles"), 3);
        assert_eq!(studio.count("ListTags"), 10, "two pages of tags each");
    }

    #[tokio::test(start_paused = true)]
    async fn the_listing_finds_a_new_profile_once_the_rebuild_interval_has_passed() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "bob", tags(&[("studiouserid", "bob")]));
        let directory = directory(300);
        search_denied(&studio);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.forget_calls();
        search_denied(&studio);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile),
            "a miss right after a build does not scan again"
        );
        assert_eq!(studio.operations(), vec!["GetResources"]);
        tokio::time::advance(REBUILD_INTERVAL).await;
        search_denied(&studio);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );
        assert_eq!(studio.count("ListUserProfiles"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn what_a_warm_instance_remembers_expires_after_the_ttl() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        let directory = directory(60);
        directory
            .lookup(&studio, &scope(), "alice")
            .await
            .expect("cold");
        studio.add_user_profile(DOMAIN, "alice-2", tags(&[("studiouserid", "alice")]));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into())),
            "within the TTL the confirmed profile is used"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Ambiguous(vec!["alice".into(), "alice-2".into()])),
            "after the TTL the new ambiguity is seen"
        );
    }

    #[tokio::test]
    async fn a_zero_ttl_searches_on_every_request() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        let directory = directory(0);
        directory
            .lookup(&studio, &scope(), "alice")
            .await
            .expect("first");
        directory
            .lookup(&studio, &scope(), "alice")
            .await
            .expect("second");
        assert_eq!(studio.count("GetResources"), 2);
        assert_eq!(studio.count("ListTags"), 2, "no separate verification");
    }

    #[tokio::test]
    async fn a_profile_deleted_during_the_scan_is_skipped() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        search_denied(&studio);
        studio.fail_next(
            "ListTags",
            memory::aws_error("ListTags", "ResourceNotFound", AwsErrorKind::NotFound),
        );
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
    }
}
