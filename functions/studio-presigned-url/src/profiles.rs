//! Finding the caller's profile: the one user profile of the domain whose `studiouserid` tag
//! equals the caller's identity — exactly, case-sensitively — and never a guess.
//!
//! SageMaker cannot search profiles by tag, so the function keeps an index of the domain's
//! `studiouserid` tags (ListUserProfiles, then ListTags of each profile, a few at a time) and
//! reuses it for `PROFILE_INDEX_TTL_SECONDS`. On the common path — a warm instance whose index
//! names exactly one profile for the caller — a request costs one ListTags, which re-reads the
//! chosen profile's tag so that a stale index can never hand out a profile that is no longer
//! the caller's, one DescribeUserProfile, so that it never hands out a profile being deleted
//! (an offboarded user) or not yet `InService`, plus the CreatePresignedDomainUrl itself. The index is rebuilt when it is too
//! old, when the chosen profile's tag no longer matches, and — at most every
//! [`REBUILD_INTERVAL`] — when it names no profile or several for the caller (a profile just
//! provisioned, or an ambiguity just fixed).

use std::{collections::HashMap, time::Duration};

use aws_sdk_sagemaker::types::UserProfileStatus;
use futures::{StreamExt, TryStreamExt, stream};
use lambda_support::AwsError;
use studio_sagemaker::{
    STUDIO_USER_ID_TAG,
    ownership::tag_value,
    ports::{Tags, UserProfileSummary, UserProfiles},
};
use tokio::{sync::Mutex, time::Instant};

use crate::identity::is_iam_name;

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

/// Whether a `studiouserid` tag value can name anyone: not empty, no wildcard (`*`, `?`), no
/// policy variable, only what an IAM user or session name may hold.
pub fn is_usable_tag_value(value: &str) -> bool {
    is_iam_name(value)
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

/// The index a warm instance keeps, and the lookup that uses it.
#[derive(Debug)]
pub struct ProfileDirectory {
    domain_id: String,
    ttl: Duration,
    index: Mutex<Option<ProfileIndex>>,
}

enum Step {
    Answer(Lookup),
    Rebuild,
}

impl ProfileDirectory {
    /// An empty directory for `domain_id`; its index is built by the first lookup.
    pub fn new(domain_id: impl Into<String>, ttl: Duration) -> Self {
        Self {
            domain_id: domain_id.into(),
            ttl,
            index: Mutex::new(None),
        }
    }

    /// The profile of `identity` (already a valid IAM name).
    pub async fn lookup<S: UserProfiles + Tags>(
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

    /// Forgets the index (e.g. after SageMaker said the chosen profile does not exist).
    pub async fn invalidate(&self) {
        *self.index.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use lambda_support::AwsErrorKind;

    use super::*;
    use aws_sdk_sagemaker::types::UserProfileStatus;
    use studio_sagemaker::memory;

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
    async fn matching_is_exact_and_case_sensitive() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "p1", tags(&[("studiouserid", "Alice")]));
        studio.add_user_profile(DOMAIN, "p2", tags(&[("studiouserid", " alice")]));
        studio.add_user_profile(DOMAIN, "p3", tags(&[("StudioUserId", "alice")]));
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
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

    #[tokio::test]
    async fn a_warm_lookup_costs_one_list_tags_and_one_describe_call() {
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
            .lookup(&studio, &scope(), "u3")
            .await
            .expect("cold");
        assert_eq!(studio.count("ListUserProfiles"), 1);
        assert_eq!(studio.count("ListTags"), 20);
        studio.forget_calls();
        assert_eq!(
            directory.lookup(&studio, &scope(), "u7").await,
            Ok(Lookup::Found("user7".into()))
        );
        assert_eq!(studio.operations(), vec!["ListTags", "DescribeUserProfile"]);
    }

    #[tokio::test]
    async fn a_warm_index_never_hands_out_a_profile_being_deleted() {
        // Given a warm index that found alice's profile while it was InService
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        let warm = directory(300);
        assert_eq!(
            warm.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );

        // When the profile is being deleted (her offboarding)
        studio.set_user_profile_status(DOMAIN, "alice", UserProfileStatus::Deleting);

        // Then the warm instance answers as a cold one does: no profile
        assert_eq!(
            warm.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
    }

    #[tokio::test]
    async fn a_profile_not_in_service_is_named_with_its_status_warm_or_cold() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.set_user_profile_status(DOMAIN, "alice", UserProfileStatus::Pending);
        let not_in_service = |status: &str| {
            Ok(Lookup::NotInService {
                profile: "alice".into(),
                status: status.into(),
            })
        };
        let directory = directory(300);

        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            not_in_service("Pending")
        );
        studio.set_user_profile_status(DOMAIN, "alice", UserProfileStatus::Updating);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            not_in_service("Updating")
        );
        studio.set_user_profile_status(DOMAIN, "alice", UserProfileStatus::InService);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );
    }

    #[tokio::test]
    async fn a_profile_retagged_away_is_not_handed_out_from_a_stale_index() {
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
            "the stale entry is checked, found wrong, and the index read again"
        );
        studio.remove_user_profile(DOMAIN, "p2");
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_profile_is_found_once_the_rebuild_interval_has_passed() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "bob", tags(&[("studiouserid", "bob")]));
        let directory = directory(300);
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.forget_calls();
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile),
            "a miss right after a build does not scan again"
        );
        assert!(studio.operations().is_empty());
        tokio::time::advance(REBUILD_INTERVAL).await;
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );
        assert_eq!(studio.count("ListUserProfiles"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_index_expires_after_its_ttl() {
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
            "within the TTL the verified entry is used"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Ambiguous(vec!["alice".into(), "alice-2".into()])),
            "after the TTL the new ambiguity is seen"
        );
    }

    #[tokio::test]
    async fn a_zero_ttl_reads_the_domain_on_every_request() {
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
        assert_eq!(studio.count("ListUserProfiles"), 2);
        assert_eq!(studio.count("ListTags"), 2, "no separate verification");
    }

    #[tokio::test]
    async fn a_profile_deleted_during_the_scan_is_skipped() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.fail_next(
            "ListTags",
            memory::aws_error("ListTags", "ResourceNotFound", AwsErrorKind::NotFound),
        );
        assert_eq!(
            directory(300).lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::NoProfile)
        );
    }

    #[tokio::test]
    async fn a_failed_scan_is_an_error_and_leaves_no_index() {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
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
        assert_eq!(
            directory.lookup(&studio, &scope(), "alice").await,
            Ok(Lookup::Found("alice".into()))
        );
    }
}
