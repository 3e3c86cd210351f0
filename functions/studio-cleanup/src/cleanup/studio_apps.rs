//! Studio apps of the managed domains — in user profiles and in spaces: the lifetime rule
//! (`MAX_APP_LIFETIME_HOURS`, from ListApps' `CreationTime`) and the expiry rule (the app's own
//! tag, or its profile's or space's), both answered by DeleteApp after a warning. Each app costs
//! its share of a ListApps page and one ListTags: ListApps gives the status, creation time,
//! instance type and owner (`AppDetails`, botocore model), so DescribeApp is not called.

use std::sync::Arc;

use aws_sdk_sagemaker::types::AppStatus;
use futures::StreamExt;
use futures::stream;
use studio_sagemaker::ownership::MANAGED_TAG;

use super::Run;
use super::evaluation::{Candidate, Evaluation, Wanted};
use super::listing::Listing;
use super::owners::OwnerKey;
use super::warnings::{Destructive, WarningSite};
use crate::config::DriftMode;
use crate::ports::{Account, App, AppOwner, IdleShutdown, Studio};
use crate::prices;
use crate::report::{Failure, ResourceType, Rule, SkipReason};
use crate::rules;

/// A domain whose profiles, spaces and apps are checked.
#[derive(Debug)]
pub(super) struct ManagedDomain {
    pub(super) id: String,
    pub(super) arn: String,
    /// Its `DefaultUserSettings` idle settings (read only when the drift rule is on).
    pub(super) idle_defaults: IdleShutdown,
}

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// The domains whose apps are checked: `DOMAIN_IDS`, or every domain tagged managed; with
    /// their idle defaults when the drift rule is on.
    async fn managed_domains(&self, listing: &mut Listing) -> Vec<ManagedDomain> {
        let mut domains = self.managed_domain_ids(listing).await;
        if self.config.idle_shutdown_drift == DriftMode::Off {
            return domains;
        }
        let ids: Vec<String> = domains.iter().map(|domain| domain.id.clone()).collect();
        let defaults: Vec<_> = stream::iter(ids)
            .map(|id| async move {
                if !self.may_start() {
                    return (id, None);
                }
                let found = self.call(self.studio.domain_idle_shutdown(&id)).await;
                (id, Some(found))
            })
            .buffered(self.config.concurrency)
            .collect()
            .await;
        let mut kept = Vec::new();
        for (domain, (id, found)) in domains.drain(..).zip(defaults) {
            match found {
                Some(Ok(Some(defaults))) => kept.push(ManagedDomain {
                    idle_defaults: defaults,
                    ..domain
                }),
                Some(Ok(None)) => {}
                Some(Err(error)) => listing.failed(ResourceType::StudioDomain, &id, &error),
                None => listing.unfinished.push(format!("DescribeDomain {id}")),
            }
        }
        kept
    }

    /// The managed domains' ids and ARNs.
    async fn managed_domain_ids(&self, listing: &mut Listing) -> Vec<ManagedDomain> {
        let configured = &self.config.domain_ids;
        if !configured.is_empty() {
            let described: Vec<_> = stream::iter(configured.clone())
                .map(|id| async move {
                    if !self.may_start() {
                        return (id, None);
                    }
                    let found = self.call(self.studio.describe_domain(&id)).await;
                    (id, Some(found))
                })
                .buffered(self.config.concurrency)
                .collect()
                .await;
            let mut domains = Vec::new();
            for (id, result) in described {
                match result {
                    Some(Ok(Some(domain))) => domains.push(ManagedDomain {
                        id: domain.domain_id,
                        arn: domain.domain_arn,
                        idle_defaults: IdleShutdown::default(),
                    }),
                    Some(Ok(None)) => listing.failures.push(Failure {
                        rule: None,
                        resource_type: ResourceType::StudioDomain,
                        arn: id.clone(),
                        operation: "DescribeDomain".to_owned(),
                        error: format!("domain {id} (from DOMAIN_IDS) does not exist"),
                    }),
                    Some(Err(error)) => listing.failed(ResourceType::StudioDomain, &id, &error),
                    None => listing.unfinished.push(format!("DescribeDomain {id}")),
                }
            }
            return domains;
        }

        let (domains, stop) = self.pages(|next| self.studio.list_domains_page(next)).await;
        listing.stopped(stop, ResourceType::StudioDomain, "ListDomains");
        let domains = domains.into_iter().map(|domain| ManagedDomain {
            id: domain.domain_id,
            arn: domain.domain_arn,
            idle_defaults: IdleShutdown::default(),
        });
        let tagged: Vec<_> = stream::iter(domains)
            .map(|domain| async move {
                if !self.may_start() {
                    return (domain, None);
                }
                let tags = self.all_tags(&domain.arn).await;
                (domain, Some(tags))
            })
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await;
        let mut managed = Vec::new();
        for (domain, tags) in tagged {
            match tags {
                Some(Ok(tags)) => {
                    if rules::tag(&tags, MANAGED_TAG)
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
                    {
                        managed.push(domain);
                    }
                }
                Some(Err(error)) => listing.failed(ResourceType::StudioDomain, &domain.arn, &error),
                None => listing.unfinished.push(format!("ListTags {}", domain.arn)),
            }
        }
        managed.sort_by(|a, b| a.id.cmp(&b.id));
        managed
    }

    pub(super) async fn list_studio_apps(&self) -> Listing {
        let mut listing = Listing::default();
        let lifetimes = !self.config.max_app_lifetime.is_empty();
        let owners_expire = self.config.expires(ResourceType::UserProfile)
            || self.config.expires(ResourceType::Space);
        let drift = self.config.idle_shutdown_drift != DriftMode::Off;
        let apps_checked =
            lifetimes || self.config.expires(ResourceType::StudioApp) || owners_expire;
        if !apps_checked && !drift {
            return listing;
        }
        let list_profiles = drift || self.config.expires(ResourceType::UserProfile);
        let list_spaces = list_profiles || self.config.expires(ResourceType::Space);
        let domains = self.managed_domains(&mut listing).await;
        let per_domain: Vec<_> = stream::iter(domains.into_iter().map(Arc::new))
            .map(|domain| async move {
                let (apps, apps_stop) = if apps_checked {
                    self.pages(|next| self.studio.list_apps_page(&domain.id, None, next))
                        .await
                } else {
                    (Vec::new(), None)
                };
                // Profiles are examined for their settings and expiry (and give their apps'
                // events the owner's identity); spaces for theirs, and for the owners of
                // private spaces, whose apps an expired owner's expiry reaches.
                let (spaces, spaces_stop) = if list_spaces {
                    self.pages(|next| self.studio.list_spaces_page(&domain.id, next))
                        .await
                } else {
                    (Vec::new(), None)
                };
                let (profiles, profiles_stop) = if list_profiles {
                    self.pages(|next| self.studio.list_user_profiles_page(&domain.id, next))
                        .await
                } else {
                    (Vec::new(), None)
                };
                (
                    domain,
                    apps,
                    apps_stop,
                    spaces,
                    spaces_stop,
                    profiles,
                    profiles_stop,
                )
            })
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await;
        for (domain, apps, apps_stop, spaces, spaces_stop, profiles, profiles_stop) in per_domain {
            listing.stopped(
                apps_stop,
                ResourceType::StudioApp,
                &format!("ListApps {}", domain.id),
            );
            listing.stopped(
                spaces_stop,
                ResourceType::Space,
                &format!("ListSpaces {}", domain.id),
            );
            listing.stopped(
                profiles_stop,
                ResourceType::UserProfile,
                &format!("ListUserProfiles {}", domain.id),
            );
            listing.domains.push(domain.id.clone());
            listing
                .first
                .extend(profiles.into_iter().map(|profile| Candidate::UserProfile {
                    name: profile.user_profile_name,
                    domain: Arc::clone(&domain),
                }));
            listing
                .first
                .extend(spaces.into_iter().map(|space| Candidate::Space {
                    space,
                    domain: Arc::clone(&domain),
                }));
            listing.candidates.extend(
                apps.into_iter()
                    // Deleted apps stay listed for a while; they are history, not resources.
                    .filter(|app| app.status != AppStatus::Deleted)
                    .map(|app| Candidate::App {
                        app,
                        domain: Arc::clone(&domain),
                    }),
            );
        }
        listing.domains.sort();
        listing
    }

    /// The owner of `app` for the events, and the expiry its profile or space passes on.
    fn app_owner(&self, evaluation: &mut Evaluation, domain_id: &str, app: &App) -> Option<Wanted> {
        let owners = self.owners.get()?;
        let fact = |key: OwnerKey| owners.get(&key);
        let profile_key = |name: &str| OwnerKey::Profile(domain_id.to_owned(), name.to_owned());
        let mut inherited = None;
        let owner_profile = match &app.owner {
            AppOwner::UserProfile(name) => Some(name.clone()),
            AppOwner::Space(space) => {
                let space_fact = fact(OwnerKey::Space(domain_id.to_owned(), space.clone()));
                if let Some(at) = space_fact.and_then(|f| f.expired) {
                    inherited = Some(Wanted {
                        rule: Rule::Expired,
                        reason: format!("its space {space} expired at {}", rules::rfc3339(at)),
                    });
                }
                space_fact.and_then(|f| f.private_owner.clone())
            }
        };
        if let Some(owner) = &owner_profile {
            let owner_fact = fact(profile_key(owner));
            evaluation.subject.owner_identity = owner_fact.and_then(|f| f.identity.clone());
            if inherited.is_none()
                && let Some(at) = owner_fact.and_then(|f| f.expired)
            {
                inherited = Some(Wanted {
                    rule: Rule::Expired,
                    reason: format!("its user profile {owner} expired at {}", rules::rfc3339(at)),
                });
            }
        }
        evaluation.subject.owner_profile = owner_profile;
        inherited
    }

    pub(super) async fn evaluate_app(
        &self,
        evaluation: &mut Evaluation,
        domain: &ManagedDomain,
        app: &App,
    ) {
        let inherited = self.app_owner(evaluation, &domain.id, app);
        let lifetime = self.config.max_lifetime(app.app_type.as_str());
        let own_expiry = self.config.expires(ResourceType::StudioApp);
        let primary = if lifetime.is_some() || !own_expiry {
            Rule::MaxLifetime
        } else {
            Rule::Expired
        };
        if app.status != AppStatus::InService {
            evaluation.skip(primary, SkipReason::NotInService);
            return;
        }
        let tags = match self.all_tags(&evaluation.arn).await {
            Ok(tags) => tags,
            Err(error) => {
                evaluation.fail(primary, "ListTags", error.to_string());
                return;
            }
        };
        let site = WarningSite::Tag { tags: &tags };
        if evaluation.check_exempt(&tags, &self.config.exempt_tag) {
            self.withdraw_warning(evaluation, &site, "exempt").await;
            return;
        }
        let mut wanted = None;
        if own_expiry {
            // Its own expiry first; an owner's expiry otherwise (then the app's own tag is not
            // counted as a second look of the same rule).
            let own = match &inherited {
                None => self.expired(evaluation, &tags),
                Some(_) => match rules::expiry(&tags, &self.config.expires_at_tag, self.now) {
                    rules::Expiry::Expired(at) => Some(at),
                    _ => None,
                },
            };
            wanted = own.map(|at| Wanted {
                rule: Rule::Expired,
                reason: format!("expired at {}", rules::rfc3339(at)),
            });
        }
        wanted = wanted.or(inherited);
        if wanted.is_none() && !self.config.max_app_lifetime.is_empty() {
            match (lifetime, app.creation_time) {
                (None, _) => evaluation.skip(Rule::MaxLifetime, SkipReason::NoLifetimeLimit),
                (Some(_), None) => evaluation.skip(Rule::MaxLifetime, SkipReason::WithinLifetime),
                (Some(lifetime), Some(created)) => {
                    if rules::outlived(created, self.now, lifetime) {
                        wanted = Some(Wanted {
                            rule: Rule::MaxLifetime,
                            reason: format!(
                                "created {}, older than {} h for {}",
                                rules::rfc3339(created),
                                lifetime.as_secs_f64() / 3600.0,
                                app.app_type.as_str()
                            ),
                        });
                    } else {
                        evaluation.skip(Rule::MaxLifetime, SkipReason::WithinLifetime);
                    }
                }
            }
        }
        let destructive = Destructive {
            operation: "DeleteApp",
            clears_after: false,
            hourly_cost: app
                .instance_type
                .as_deref()
                .map(|t| prices::hourly_price(&self.config.hourly_prices, Some(t))),
        };
        self.warn_then_act(
            evaluation,
            &site,
            wanted,
            destructive,
            self.studio.delete_app(&domain.id, app),
        )
        .await;
    }
}
