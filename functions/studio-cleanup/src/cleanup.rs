//! One cleanup run: list what the rules apply to, decide, warn or act, report.
//!
//! A run has three phases. First every source is listed (the managed domains' user profiles,
//! spaces and apps, notebook instances, endpoints, provisioned products), page by page. Then
//! every listed resource is evaluated — profiles and spaces first (idle-shutdown drift; expired?
//! exempt? whose identity?), then the rest (exempt? expired, itself or through its owner? past
//! its lifetime?) — and warned about, acted on, or its warning withdrawn. Last, the events of the
//! run are published to EventBridge, ten to a call. Every phase runs with at most
//! `CONCURRENCY` API calls in flight (one semaphore for the whole run). No page and no resource
//! is started once less than `DEADLINE_MARGIN_SECONDS` is left; what is still running at a third
//! of the margin is abandoned. What was not done is reported under `remaining`, and the next run
//! picks it up: every action is safe to repeat (an app already `Deleting` answers
//! `ResourceInUse`, a gone one `ResourceNotFound`, a termination reuses its token).
//!
//! This file holds the run loop and its budget (calls, concurrency, deadline); [`listing`] the
//! paging every source shares, [`evaluation`] what every resource's evaluation shares (the
//! exempt and expiry rules, acting, recording), and one file per kind of resource its own
//! listing and rules.

mod endpoints;
mod evaluation;
mod listing;
mod notebook_instances;
mod owners;
mod provisioned_products;
mod studio_apps;
mod warnings;

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_smithy_types::DateTime;
use futures::StreamExt;
use futures::stream;
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};
use tracing::{info, warn};

use crate::config::Config;
use crate::notices::{MAX_ENTRIES_PER_CALL, Notice, RunReport};
use crate::ports::{Account, Studio};
use crate::report::{Failure, Report, ResourceType};
use crate::rules;

use evaluation::{Candidate, Evaluation, record};
use owners::Owners;

/// The cleanup, holding Studio's and the account's clients and the configuration for the
/// function's life.
#[derive(Debug)]
pub struct Cleanup<S, A> {
    /// Studio's domains, apps and tags.
    studio: S,
    /// Notebook instances, endpoints, provisioned products and stacks.
    account: A,
    config: Config,
    /// What every API call of a unit test's run goes through: latency and the calls in flight.
    #[cfg(test)]
    latency: crate::memory::Latency,
}

impl<S: Studio, A: Account> Cleanup<S, A> {
    /// The cleanup of `studio` and `account` under `config`.
    pub fn new(studio: S, account: A, config: Config) -> Self {
        Self {
            studio,
            account,
            config,
            #[cfg(test)]
            latency: crate::memory::Latency::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs every enabled rule once. `now` is the time the rules compare against; `deadline`
    /// is the invocation's; `dry_run` is forced by the event or `DRY_RUN`.
    pub async fn run(&self, now: DateTime, deadline: Instant, dry_run: bool) -> Report {
        let started = Instant::now();
        let margin = self.config.deadline_margin;
        let run = Run {
            studio: &self.studio,
            account: &self.account,
            config: &self.config,
            dry_run,
            now,
            cutoff: deadline.checked_sub(margin).unwrap_or(started),
            hard_stop: deadline.checked_sub(margin / 3).unwrap_or(started),
            permits: Semaphore::new(self.config.concurrency),
            calls: AtomicU64::new(0),
            owners: OnceLock::new(),
            #[cfg(test)]
            latency: &self.latency,
        };
        if run.cutoff <= started {
            warn!(
                deadline_margin_s = margin.as_secs_f64(),
                "less time left than DEADLINE_MARGIN_SECONDS: nothing will be started"
            );
        }
        let mut report = Report {
            dry_run,
            started_at: rules::rfc3339(now),
            ..Report::default()
        };

        let (studio, notebooks, endpoints, products) = tokio::join!(
            run.bounded(run.list_studio_apps()),
            run.bounded(run.list_notebook_instances()),
            run.bounded(run.list_endpoints()),
            run.bounded(run.list_provisioned_products()),
        );
        let mut first = Vec::new();
        let mut candidates = Vec::new();
        let listings = [
            (studio, "Studio profiles, spaces and apps"),
            (notebooks, "notebook instances"),
            (endpoints, "endpoints"),
            (products, "provisioned products"),
        ];
        for (listing, what) in listings {
            match listing {
                Some(listing) => {
                    for domain in &listing.domains {
                        report.count_scanned(ResourceType::StudioDomain);
                        info!(domain_id = %domain, "domain scanned");
                    }
                    first.extend(listing.first);
                    candidates.extend(listing.candidates);
                    report.failures.extend(listing.failures);
                    report.remaining.listings.extend(listing.unfinished);
                }
                None => report
                    .remaining
                    .listings
                    .push(format!("{what} (listing interrupted at the deadline)")),
            }
        }
        for failure in &report.failures {
            warn!(operation = %failure.operation, resource = %failure.arn, error = %failure.error, "listing failed");
        }

        let mut notices = Vec::new();
        let mut owners = Owners::new();
        run.evaluate_all(first, &mut report, &mut notices, Some(&mut owners))
            .await;
        // Set once, before any app is evaluated.
        let _ = run.owners.set(owners);
        run.evaluate_all(candidates, &mut report, &mut notices, None)
            .await;
        run.publish(notices, &mut report).await;
        run.publish_report(&mut report).await;

        report.api_calls = run.calls.load(Ordering::Relaxed);
        report.complete = report.remaining.is_empty();
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report
    }
}

/// How one resource's evaluation ended.
enum Outcome {
    /// Boxed: an evaluation is large beside the other outcomes.
    Done(Box<Evaluation>),
    NotStarted(ResourceType),
    Interrupted(ResourceType, String),
}

/// The state of one run.
struct Run<'a, S, A> {
    studio: &'a S,
    account: &'a A,
    config: &'a Config,
    dry_run: bool,
    now: DateTime,
    /// No page or resource is started after this.
    cutoff: Instant,
    /// Work still running at this point is abandoned.
    hard_stop: Instant,
    permits: Semaphore,
    calls: AtomicU64,
    /// What the profiles' and spaces' evaluations learnt, for their apps'.
    owners: OnceLock<Owners>,
    #[cfg(test)]
    latency: &'a crate::memory::Latency,
}

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// One API call, counted, within the concurrency bound.
    async fn call<T>(&self, call: impl Future<Output = T>) -> T {
        let _permit = self.permits.acquire().await.ok();
        self.calls.fetch_add(1, Ordering::Relaxed);
        #[cfg(test)]
        self.latency.pass().await;
        call.await
    }

    fn may_start(&self) -> bool {
        Instant::now() < self.cutoff
    }

    /// `work`, or `None` if it is still running at the hard stop. (Boxed: the listings and
    /// evaluations are deep futures, better on the heap than nested in the handler's.)
    async fn bounded<T>(&self, work: impl Future<Output = T> + Send) -> Option<T> {
        timeout_at(self.hard_stop, Box::pin(work)).await.ok()
    }

    /// Evaluates `candidates`, at most `CONCURRENCY` at once, into the report; the facts the
    /// profiles and spaces yield into `owners`.
    async fn evaluate_all(
        &self,
        candidates: Vec<Candidate>,
        report: &mut Report,
        notices: &mut Vec<Notice>,
        mut owners: Option<&mut Owners>,
    ) {
        let mut outcomes = stream::iter(candidates)
            .map(|candidate| self.evaluate_in_time(candidate))
            .buffer_unordered(self.config.concurrency);
        while let Some(outcome) = outcomes.next().await {
            match outcome {
                Outcome::Done(mut evaluation) => {
                    if let (Some(owners), Some((key, fact))) =
                        (owners.as_deref_mut(), evaluation.owner_fact.take())
                    {
                        owners.insert(key, fact);
                    }
                    record(report, notices, *evaluation);
                }
                Outcome::NotStarted(resource_type) => report.count_remaining(resource_type, 1),
                Outcome::Interrupted(resource_type, arn) => {
                    warn!(resource = %arn, "abandoned at the deadline; the next run looks again");
                    report.count_remaining(resource_type, 1);
                }
            }
        }
    }

    /// Publishes the run's events to `EVENT_BUS_NAME`, ten to a PutEvents call.
    async fn publish(&self, notices: Vec<Notice>, report: &mut Report) {
        let bus = &self.config.event_bus_name;
        let batches: Vec<Vec<Notice>> = notices
            .chunks(MAX_ENTRIES_PER_CALL)
            .map(<[Notice]>::to_vec)
            .collect();
        let results: Vec<_> = stream::iter(batches)
            .map(|batch| async move {
                if !self.may_start() {
                    return (batch.len(), None);
                }
                let sent = self
                    .bounded(self.call(self.account.put_notices(bus, &batch)))
                    .await;
                (batch.len(), Some(sent))
            })
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await;
        for (count, result) in results {
            let count = count as u64;
            let failure = |error: String| Failure {
                rule: None,
                resource_type: ResourceType::StudioDomain,
                arn: format!("event bus {bus}"),
                operation: "PutEvents".to_owned(),
                error,
            };
            match result {
                Some(Some(Ok(0))) => report.events_published += count,
                Some(Some(Ok(refused))) => {
                    let refused = refused as u64;
                    report.events_published += count.saturating_sub(refused);
                    report
                        .failures
                        .push(failure(format!("{refused} of {count} entries refused")));
                }
                Some(Some(Err(error))) => report.failures.push(failure(error.to_string())),
                Some(None) | None => report.remaining.listings.push(format!(
                    "PutEvents ({count} events not published before the deadline)"
                )),
            }
        }
        for failure in report
            .failures
            .iter()
            .filter(|f| f.operation == "PutEvents")
        {
            warn!(bus = %bus, error = %failure.error, "events not published");
        }
    }

    /// Publishes the run's report (counts only, [`RunReport`]) to `EVENT_BUS_NAME`: one event
    /// per run, a dry run's too (`dryRun: true`), after the warnings and actions, so its counts
    /// are the run's. A refusal is a failure of the run like the other events'.
    async fn publish_report(&self, report: &mut Report) {
        let bus = &self.config.event_bus_name;
        let event = RunReport::of(report);
        let sent = if self.may_start() {
            self.bounded(self.call(self.account.put_report(bus, &event)))
                .await
        } else {
            None
        };
        let error = match sent {
            Some(Ok(0)) => {
                report.report_published = true;
                return;
            }
            Some(Ok(_)) => "the report's entry was refused".to_owned(),
            Some(Err(error)) => error.to_string(),
            None => {
                report.remaining.listings.push(
                    "PutEvents (the run's report not published before the deadline)".to_owned(),
                );
                return;
            }
        };
        warn!(bus = %bus, error = %error, "run report not published");
        report.failures.push(Failure {
            rule: None,
            resource_type: ResourceType::StudioDomain,
            arn: format!("event bus {bus}"),
            operation: "PutEvents".to_owned(),
            error,
        });
    }

    async fn evaluate_in_time(&self, candidate: Candidate) -> Outcome {
        let resource_type = candidate.resource_type();
        if !self.may_start() {
            return Outcome::NotStarted(resource_type);
        }
        let arn = candidate.arn();
        match self.bounded(self.evaluate(candidate, arn.clone())).await {
            Some(evaluation) => Outcome::Done(Box::new(evaluation)),
            None => Outcome::Interrupted(resource_type, arn),
        }
    }

    async fn evaluate(&self, candidate: Candidate, arn: String) -> Evaluation {
        let mut evaluation = Evaluation::new(candidate.resource_type(), arn, candidate.subject());
        match candidate {
            Candidate::App { app, domain } => {
                self.evaluate_app(&mut evaluation, &domain, &app).await;
            }
            Candidate::UserProfile { name, domain } => {
                self.evaluate_user_profile(&mut evaluation, &domain, &name)
                    .await;
            }
            Candidate::Space { space, domain } => {
                self.evaluate_space(&mut evaluation, &domain, &space).await;
            }
            Candidate::NotebookInstance(notebook) => {
                self.evaluate_notebook_instance(&mut evaluation, &notebook)
                    .await;
            }
            Candidate::Endpoint(endpoint) => {
                self.evaluate_endpoint(&mut evaluation, &endpoint).await
            }
            Candidate::ProvisionedProduct(product, warning) => {
                self.evaluate_provisioned_product(&mut evaluation, &product, warning.as_deref())
                    .await;
            }
        }
        evaluation
    }
}

#[cfg(test)]
#[path = "cleanup_tests.rs"]
mod tests;
