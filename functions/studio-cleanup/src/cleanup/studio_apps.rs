//! Studio apps of the managed domains: rule 1 (idle apps) and rule 2 (expired apps), both
//! answered by DeleteApp.

use aws_sdk_sagemaker::types::AppStatus;
use futures::StreamExt;
use futures::stream;
use studio_sagemaker::ownership::MANAGED_TAG;

use super::Run;
use super::evaluation::{Candidate, Evaluation};
use super::listing::Listing;
use crate::ports::{Account, App, Studio};
use crate::report::{Failure, ResourceType, Rule, SkipReason};
use crate::rules;

/// A domain whose apps are checked.
#[derive(Debug)]
struct ManagedDomain {
    id: String,
    arn: String,
}

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// The domains whose apps are checked: `DOMAIN_IDS`, or every domain tagged managed.
    async fn managed_domains(&self, listing: &mut Listing) -> Vec<ManagedDomain> {
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
        if !self.config.idle_apps && !self.config.expires(ResourceType::StudioApp) {
            return listing;
        }
        let domains = self.managed_domains(&mut listing).await;
        let per_domain: Vec<_> = stream::iter(domains)
            .map(|domain| async move {
                let (apps, stop) = self
                    .pages(|next| self.studio.list_apps_page(&domain.id, None, next))
                    .await;
                (domain, apps, stop)
            })
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await;
        for (domain, apps, stop) in per_domain {
            let what = format!("ListApps {}", domain.id);
            listing.stopped(stop, ResourceType::StudioApp, &what);
            listing.domains.push(domain.id.clone());
            listing.candidates.extend(
                apps.into_iter()
                    // Deleted apps stay listed for a while; they are history, not resources.
                    .filter(|app| app.status != AppStatus::Deleted)
                    .map(|app| Candidate::App {
                        app,
                        domain_id: domain.id.clone(),
                        domain_arn: domain.arn.clone(),
                    }),
            );
        }
        listing.domains.sort();
        listing
    }

    pub(super) async fn evaluate_app(
        &self,
        evaluation: &mut Evaluation,
        domain_id: &str,
        app: &App,
    ) {
        let idle_rule = self.config.idles(app.app_type.as_str());
        let expiry_rule = self.config.expires(ResourceType::StudioApp);
        let primary = if idle_rule || !expiry_rule {
            Rule::IdleApp
        } else {
            Rule::Expired
        };
        if app.status != AppStatus::InService {
            evaluation.skip(primary, SkipReason::NotInService);
            return;
        }
        let mut tags = None;
        if expiry_rule {
            match self.all_tags(&evaluation.arn).await {
                Ok(found) => {
                    if evaluation.check_exempt(&found, &self.config.exempt_tag) {
                        return;
                    }
                    if let Some(at) = self.expired(evaluation, &found) {
                        let reason = format!("expired at {}", rules::rfc3339(at));
                        self.act(
                            evaluation,
                            Rule::Expired,
                            "DeleteApp",
                            reason,
                            self.studio.delete_app(domain_id, app),
                        )
                        .await;
                        return;
                    }
                    tags = Some(found);
                }
                Err(error) => {
                    evaluation.fail(Rule::Expired, "ListTags", error.to_string());
                    return;
                }
            }
        }
        if !idle_rule {
            if self.config.idle_apps {
                evaluation.skip(Rule::IdleApp, SkipReason::AppTypeKept);
            }
            return;
        }
        let activity = match self.call(self.studio.describe_app(domain_id, app)).await {
            Ok(Some(activity)) => activity,
            Ok(None) => {
                evaluation.skip(Rule::IdleApp, SkipReason::AlreadyGone);
                return;
            }
            Err(error) => {
                evaluation.fail(Rule::IdleApp, "DescribeApp", error.to_string());
                return;
            }
        };
        if activity.status != AppStatus::InService {
            evaluation.skip(Rule::IdleApp, SkipReason::NotInService);
            return;
        }
        // Never older than the creation: an app without recorded activity counts from then.
        let Some(last) = activity
            .last_user_activity
            .or(activity.creation_time)
            .or(app.creation_time)
        else {
            evaluation.skip(Rule::IdleApp, SkipReason::Active);
            return;
        };
        if !rules::is_idle(last, self.now, self.config.idle_after) {
            evaluation.skip(Rule::IdleApp, SkipReason::Active);
            return;
        }
        if tags.is_none() {
            match self.all_tags(&evaluation.arn).await {
                Ok(found) => {
                    if evaluation.check_exempt(&found, &self.config.exempt_tag) {
                        return;
                    }
                }
                Err(error) => {
                    evaluation.fail(Rule::IdleApp, "ListTags", error.to_string());
                    return;
                }
            }
        }
        let reason = format!("no user activity since {}", rules::rfc3339(last));
        self.act(
            evaluation,
            Rule::IdleApp,
            "DeleteApp",
            reason,
            self.studio.delete_app(domain_id, app),
        )
        .await;
    }
}
