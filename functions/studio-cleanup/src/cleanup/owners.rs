//! User profiles and spaces of the managed domains: the idle-shutdown drift rule, and the expiry
//! rule, whose verdict their apps carry out (an expired profile or space has its apps deleted;
//! the profile or space itself is kept, with its data). They are evaluated before the apps:
//! what they learn — expired? exempt? the owner's `studiouserid` — is an [`OwnerFact`] the
//! apps' evaluation reads.

use std::collections::HashMap;

use aws_smithy_types::DateTime;
use studio_sagemaker::STUDIO_USER_ID_TAG;
use studio_sagemaker::ports::{IdleShutdown, IdleShutdownApp};

use super::Run;
use super::evaluation::Evaluation;
use super::studio_apps::ManagedDomain;
use crate::config::DriftMode;
use aws_sdk_sagemaker::types::SharingType;

use crate::ports::{Account, Space, Studio};
use crate::report::{Drift, ResourceType, Rule, SkipReason};
use crate::rules;

/// A profile or a space, in its domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum OwnerKey {
    Profile(String, String),
    Space(String, String),
}

/// What an app's evaluation needs to know about its profile or space.
#[derive(Debug, Clone, Default)]
pub(super) struct OwnerFact {
    /// A profile's `studiouserid` tag.
    pub(super) identity: Option<String>,
    /// When it expired, if it has (and is not exempt).
    pub(super) expired: Option<DateTime>,
    /// A space's owner, if it is a private space.
    pub(super) private_owner: Option<String>,
}

/// Every profile's and space's fact of the run.
pub(super) type Owners = HashMap<OwnerKey, OwnerFact>;

/// Whether the profile or space is a user profile (`UpdateUserProfile`) or a space
/// (`UpdateSpace`).
#[derive(Debug, Clone, Copy)]
enum Settings<'a> {
    Profile(&'a str),
    Space(&'a str),
}

impl<S: Studio, A: Account> Run<'_, S, A> {
    pub(super) async fn evaluate_user_profile(
        &self,
        evaluation: &mut Evaluation,
        domain: &ManagedDomain,
        name: &str,
    ) {
        self.evaluate_owner(
            evaluation,
            domain,
            OwnerKey::Profile(domain.id.clone(), name.to_owned()),
            OwnerFact::default(),
            Settings::Profile(name),
        )
        .await;
    }

    pub(super) async fn evaluate_space(
        &self,
        evaluation: &mut Evaluation,
        domain: &ManagedDomain,
        space: &Space,
    ) {
        // A private space's apps are its owner's (ListSpaces' OwnershipSettingsSummary).
        let private_owner = space
            .owner_user_profile_name
            .clone()
            .filter(|_| space.sharing_type == Some(SharingType::Private));
        let initial = OwnerFact {
            private_owner,
            ..OwnerFact::default()
        };
        self.evaluate_owner(
            evaluation,
            domain,
            OwnerKey::Space(domain.id.clone(), space.space_name.clone()),
            initial,
            Settings::Space(&space.space_name),
        )
        .await;
    }

    /// What a profile and a space share: their tags read into `initial` (the run's fact of
    /// `key`), then, unless exempt, their idle-shutdown drift checked.
    async fn evaluate_owner(
        &self,
        evaluation: &mut Evaluation,
        domain: &ManagedDomain,
        key: OwnerKey,
        initial: OwnerFact,
        settings: Settings<'_>,
    ) {
        let resource_type = match settings {
            Settings::Profile(_) => ResourceType::UserProfile,
            Settings::Space(_) => ResourceType::Space,
        };
        let Some((fact, exempt)) = self.owner_tags(evaluation, resource_type, initial).await else {
            return;
        };
        evaluation.owner_fact = Some((key, fact));
        if !exempt {
            self.check_drift(evaluation, domain, settings).await;
        }
    }

    /// Reads the profile's or space's tags: its identity, exemption and expiry, and whether it
    /// is exempt (then nothing else is checked); `None` if its tags could not be read.
    async fn owner_tags(
        &self,
        evaluation: &mut Evaluation,
        resource_type: ResourceType,
        mut fact: OwnerFact,
    ) -> Option<(OwnerFact, bool)> {
        let tags = match self.all_tags(&evaluation.arn).await {
            Ok(tags) => tags,
            Err(error) => {
                let rule = if self.config.expires(resource_type) {
                    Rule::Expired
                } else {
                    Rule::IdleShutdownDrift
                };
                evaluation.fail(rule, "ListTags", error.to_string());
                return None;
            }
        };
        fact.identity = rules::tag(&tags, STUDIO_USER_ID_TAG).map(str::to_owned);
        if evaluation.check_exempt(&tags, &self.config.exempt_tag) {
            // Its apps are judged by their own tags; its expiry and settings are left alone.
            return Some((fact, true));
        }
        if self.config.expires(resource_type)
            && let Some(at) = self.expired(evaluation, &tags)
        {
            fact.expired = Some(at);
            evaluation.skip(Rule::Expired, SkipReason::AppsOffboarded);
        }
        Some((fact, false))
    }

    /// The idle-shutdown drift rule on one profile or space.
    async fn check_drift(
        &self,
        evaluation: &mut Evaluation,
        domain: &ManagedDomain,
        settings: Settings<'_>,
    ) {
        if self.config.idle_shutdown_drift == DriftMode::Off {
            return;
        }
        let found = match settings {
            Settings::Profile(name) => {
                self.call(self.studio.user_profile_idle_shutdown(&domain.id, name))
                    .await
            }
            Settings::Space(name) => {
                self.call(self.studio.space_idle_shutdown(&domain.id, name))
                    .await
            }
        };
        let own: IdleShutdown = match found {
            Ok(Some(own)) => own,
            Ok(None) => {
                evaluation.skip(Rule::IdleShutdownDrift, SkipReason::AlreadyGone);
                return;
            }
            Err(error) => {
                let operation = match settings {
                    Settings::Profile(_) => "DescribeUserProfile",
                    Settings::Space(_) => "DescribeSpace",
                };
                evaluation.fail(Rule::IdleShutdownDrift, operation, error.to_string());
                return;
            }
        };
        let mut drifted = false;
        for app in IdleShutdownApp::ALL {
            let Some(current) = own.get(app) else {
                continue;
            };
            let defaults = domain.idle_defaults.get(app);
            let max = self
                .config
                .idle_shutdown_max_minutes
                .or_else(|| defaults.and_then(|d| d.max_timeout_minutes));
            let Some(drift) = rules::idle_drift(current, max) else {
                continue;
            };
            drifted = true;
            let repaired = rules::repaired_idle_settings(
                current,
                drift,
                max,
                defaults.and_then(|d| d.timeout_minutes),
            );
            let mut entry = Drift {
                resource_type: evaluation.resource_type,
                arn: evaluation.arn.clone(),
                app_type: app.as_str().to_owned(),
                finding: drift.finding(),
                repaired_timeout_minutes: repaired.timeout_minutes,
                repaired: false,
            };
            if self.config.idle_shutdown_drift == DriftMode::Report {
                evaluation.skip(Rule::IdleShutdownDrift, SkipReason::DriftReported);
                evaluation.drift.push(entry);
                continue;
            }
            let (operation, update) = match settings {
                Settings::Profile(name) => (
                    "UpdateUserProfile",
                    futures::future::Either::Left(
                        self.studio
                            .update_user_profile_idle_shutdown(&domain.id, name, app, repaired),
                    ),
                ),
                Settings::Space(name) => (
                    "UpdateSpace",
                    futures::future::Either::Right(
                        self.studio
                            .update_space_idle_shutdown(&domain.id, name, app, repaired),
                    ),
                ),
            };
            let reason = format!("{} of {}", drift.finding(), app.as_str());
            entry.repaired = self
                .act(
                    evaluation,
                    Rule::IdleShutdownDrift,
                    operation,
                    reason,
                    None,
                    update,
                )
                .await
                && !self.dry_run;
            evaluation.drift.push(entry);
        }
        if !drifted {
            evaluation.skip(Rule::IdleShutdownDrift, SkipReason::NoDrift);
        }
    }
}
