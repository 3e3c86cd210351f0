//! One cleanup run: list what the rules apply to, decide, act, report.
//!
//! A run has two phases. First every source is listed (Studio apps of the managed domains,
//! notebook instances, endpoints, provisioned products), page by page. Then every listed
//! resource is evaluated: exempt? expired? idle? — and acted on. Both phases run with at most
//! `CONCURRENCY` API calls in flight (one semaphore for the whole run). No page and no resource
//! is started once less than `DEADLINE_MARGIN_SECONDS` is left; what is still running at a third
//! of the margin is abandoned. What was not done is reported under `remaining`, and the next run
//! picks it up: every action is safe to repeat (an app already `Deleting` answers
//! `ResourceInUse`, a gone one `ResourceNotFound`, a termination reuses its token).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_smithy_types::DateTime;
use cfn_custom_resource::AwsError;
use futures::StreamExt;
use futures::stream;
use studio_sagemaker::ownership::MANAGED_TAG;
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};
use tracing::{info, warn};

use crate::config::Config;
use crate::ports::{
    Account, App, AppOwner, Domain, Endpoint, NotebookInstance, Page, ProvisionedProduct, Tag,
    Termination,
};
use crate::report::{Action, Failure, MalformedTag, Report, ResourceType, Rule, SkipReason};
use crate::rules::{self, Expiry};

/// Endpoint statuses DeleteEndpoint applies to (the others are transitions in progress).
const DELETABLE_ENDPOINT_STATUSES: [&str; 4] = [
    "InService",
    "OutOfService",
    "Failed",
    "UpdateRollbackFailed",
];
/// Provisioned-product statuses TerminateProvisionedProduct applies to.
const TERMINABLE_PRODUCT_STATUSES: [&str; 3] = ["AVAILABLE", "TAINTED", "ERROR"];
/// Provisioned-product statuses of an operation in progress.
const BUSY_PRODUCT_STATUSES: [&str; 2] = ["UNDER_CHANGE", "PLAN_IN_PROGRESS"];

/// The cleanup, holding the account's clients and the configuration for the function's life.
#[derive(Debug)]
pub struct Cleanup<A> {
    account: A,
    config: Config,
}

impl<A: Account> Cleanup<A> {
    /// The cleanup of `account` under `config`.
    pub fn new(account: A, config: Config) -> Self {
        Self { account, config }
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
            account: &self.account,
            config: &self.config,
            dry_run,
            now,
            cutoff: deadline.checked_sub(margin).unwrap_or(started),
            hard_stop: deadline.checked_sub(margin / 3).unwrap_or(started),
            permits: Semaphore::new(self.config.concurrency),
            calls: AtomicU64::new(0),
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
        let mut candidates = Vec::new();
        let listings = [
            (studio, "Studio apps"),
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

        let mut outcomes = stream::iter(candidates)
            .map(|candidate| run.evaluate_in_time(candidate))
            .buffer_unordered(self.config.concurrency);
        while let Some(outcome) = outcomes.next().await {
            match outcome {
                Outcome::Done(evaluation) => record(&mut report, evaluation),
                Outcome::NotStarted(resource_type) => report.count_remaining(resource_type, 1),
                Outcome::Interrupted(resource_type, arn) => {
                    warn!(resource = %arn, "abandoned at the deadline; the next run looks again");
                    report.count_remaining(resource_type, 1);
                }
            }
        }

        report.api_calls = run.calls.load(Ordering::Relaxed);
        report.complete = report.remaining.is_empty();
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report
    }
}

/// What a source listed.
#[derive(Debug, Default)]
struct Listing {
    candidates: Vec<Candidate>,
    failures: Vec<Failure>,
    unfinished: Vec<String>,
    /// Domains whose apps were listed.
    domains: Vec<String>,
}

/// A listed resource, waiting for its evaluation.
#[derive(Debug)]
enum Candidate {
    App { app: App, domain_arn: String },
    NotebookInstance(NotebookInstance),
    Endpoint(Endpoint),
    ProvisionedProduct(ProvisionedProduct),
}

impl Candidate {
    fn resource_type(&self) -> ResourceType {
        match self {
            Self::App { .. } => ResourceType::StudioApp,
            Self::NotebookInstance(_) => ResourceType::NotebookInstance,
            Self::Endpoint(_) => ResourceType::Endpoint,
            Self::ProvisionedProduct(_) => ResourceType::ProvisionedProduct,
        }
    }

    fn arn(&self) -> String {
        match self {
            Self::App { app, domain_arn } => app.arn(domain_arn),
            Self::NotebookInstance(notebook) => notebook.arn.clone(),
            Self::Endpoint(endpoint) => endpoint.arn.clone(),
            Self::ProvisionedProduct(product) => product.arn.clone(),
        }
    }
}

enum Outcome {
    Done(Evaluation),
    NotStarted(ResourceType),
    Interrupted(ResourceType, String),
}

/// What the rules decided about one resource.
#[derive(Debug)]
enum Verdict {
    Acted(Action),
    Skipped(SkipReason),
    Failed(Failure),
}

#[derive(Debug)]
struct Evaluation {
    resource_type: ResourceType,
    arn: String,
    /// Whether the exempt tag was looked for.
    exempt_checked: bool,
    /// Whether it was found.
    exempt: bool,
    steps: Vec<(Rule, Verdict)>,
    malformed: Option<MalformedTag>,
}

impl Evaluation {
    fn new(resource_type: ResourceType, arn: String) -> Self {
        Self {
            resource_type,
            arn,
            exempt_checked: false,
            exempt: false,
            steps: Vec::new(),
            malformed: None,
        }
    }

    fn skip(&mut self, rule: Rule, reason: SkipReason) {
        self.steps.push((rule, Verdict::Skipped(reason)));
    }

    fn fail(&mut self, rule: Rule, operation: &str, error: String) {
        let failure = Failure {
            rule: Some(rule),
            resource_type: self.resource_type,
            arn: self.arn.clone(),
            operation: operation.to_owned(),
            error,
        };
        self.steps.push((rule, Verdict::Failed(failure)));
    }

    /// Looks for the exempt tag; `true` if the resource is exempt (and must not be touched).
    fn check_exempt(&mut self, tags: &[Tag], key: &str) -> bool {
        self.exempt_checked = true;
        self.exempt = rules::is_exempt(tags, key);
        self.exempt
    }
}

/// Adds one evaluation to the report, and logs its actions and failures.
fn record(report: &mut Report, evaluation: Evaluation) {
    let resource_type = evaluation.resource_type;
    report.count_scanned(resource_type);
    if evaluation.exempt_checked {
        report.tally_mut(Rule::Exempt, resource_type).scanned += 1;
    }
    if evaluation.exempt {
        // Rule 3 wins over whatever another rule had found: the resource is left alone.
        report.tally_mut(Rule::Exempt, resource_type).skipped += 1;
        report.count_skip(Rule::Exempt, SkipReason::Exempt);
        info!(resource = %evaluation.arn, resource_type = resource_type.as_str(), "exempt: left alone");
        return;
    }
    if let Some(malformed) = evaluation.malformed {
        warn!(resource = %malformed.arn, tag = %malformed.key, value = %malformed.value, "malformed expiry tag: not acted on");
        report.malformed_tags.push(malformed);
    }
    for (rule, verdict) in evaluation.steps {
        let tally = report.tally_mut(rule, resource_type);
        tally.scanned += 1;
        match verdict {
            Verdict::Acted(action) => {
                tally.acted += 1;
                info!(
                    rule = ?action.rule,
                    resource = %action.arn,
                    action = %action.action,
                    reason = %action.reason,
                    dry_run = action.dry_run,
                    "acted"
                );
                report.actions.push(action);
            }
            Verdict::Skipped(reason) => {
                tally.skipped += 1;
                report.count_skip(rule, reason);
            }
            Verdict::Failed(failure) => {
                tally.failed += 1;
                warn!(
                    rule = ?rule,
                    resource = %failure.arn,
                    operation = %failure.operation,
                    error = %failure.error,
                    "failed"
                );
                report.failures.push(failure);
            }
        }
    }
}

/// How a repeated or raced action's error reads: `None` for a real failure.
fn harmless(error: &AwsError) -> Option<SkipReason> {
    if error.is_not_found()
        || error.message.contains("RecordNotFound")
        || error.message.contains("Could not find")
    {
        Some(SkipReason::AlreadyGone)
    } else if error.is_in_use() || error.message.contains("Unable to transition") {
        Some(SkipReason::InProgress)
    } else {
        None
    }
}

/// How a listing stopped.
enum Stop {
    Deadline(usize),
    Failed(AwsError),
}

/// The state of one run.
struct Run<'a, A> {
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
}

impl<A: Account> Run<'_, A> {
    /// One API call, counted, within the concurrency bound.
    async fn call<T>(&self, call: impl Future<Output = T>) -> T {
        let _permit = self.permits.acquire().await.ok();
        self.calls.fetch_add(1, Ordering::Relaxed);
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

    /// Every page of a listing, until the last page, a failure or the cutoff.
    async fn pages<T, F, Fut>(&self, fetch: F) -> (Vec<T>, Option<Stop>)
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, AwsError>>,
    {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut page = 0;
        loop {
            if !self.may_start() {
                return (items, Some(Stop::Deadline(page + 1)));
            }
            match self.call(fetch(token.clone())).await {
                Ok(Page {
                    items: mut more,
                    next,
                }) => {
                    page += 1;
                    items.append(&mut more);
                    match next {
                        Some(next) if token.as_deref() == Some(next.as_str()) => {
                            let error = AwsError {
                                operation: "List",
                                code: None,
                                message: format!(
                                    "the service returned the same page token twice ({next})"
                                ),
                                kind: cfn_custom_resource::AwsErrorKind::Other,
                            };
                            return (items, Some(Stop::Failed(error)));
                        }
                        Some(next) => token = Some(next),
                        None => return (items, None),
                    }
                }
                Err(error) => return (items, Some(Stop::Failed(error))),
            }
        }
    }

    /// Records how a listing stopped early.
    fn stopped(listing: &mut Listing, stop: Option<Stop>, resource_type: ResourceType, what: &str) {
        match stop {
            None => {}
            Some(Stop::Deadline(page)) => listing.unfinished.push(format!("{what} (page {page})")),
            Some(Stop::Failed(error)) => listing.failures.push(Failure {
                rule: None,
                resource_type,
                arn: what.to_owned(),
                operation: error.operation.to_owned(),
                error: error.to_string(),
            }),
        }
    }

    /// Every tag of a SageMaker resource.
    async fn all_tags(&self, arn: &str) -> Result<Vec<Tag>, AwsError> {
        let (tags, stop) = self.pages(|next| self.account.list_tags(arn, next)).await;
        match stop {
            None => Ok(tags),
            Some(Stop::Failed(error)) => Err(error),
            Some(Stop::Deadline(_)) => Err(AwsError {
                operation: "ListTags",
                code: None,
                message: "not finished before the deadline".to_owned(),
                kind: cfn_custom_resource::AwsErrorKind::Transient,
            }),
        }
    }

    // ---- listings -----------------------------------------------------------------------

    /// The domains whose apps are checked: `DOMAIN_IDS`, or every domain tagged managed.
    async fn managed_domains(&self, listing: &mut Listing) -> Vec<Domain> {
        let configured = &self.config.domain_ids;
        if !configured.is_empty() {
            let described: Vec<_> = stream::iter(configured.clone())
                .map(|id| async move {
                    if !self.may_start() {
                        return (id, None);
                    }
                    let found = self.call(self.account.describe_domain(&id)).await;
                    (id, Some(found))
                })
                .buffered(self.config.concurrency)
                .collect()
                .await;
            let mut domains = Vec::new();
            for (id, result) in described {
                match result {
                    Some(Ok(Some(domain))) => domains.push(domain),
                    Some(Ok(None)) => listing.failures.push(Failure {
                        rule: None,
                        resource_type: ResourceType::StudioDomain,
                        arn: id.clone(),
                        operation: "DescribeDomain".to_owned(),
                        error: format!("domain {id} (from DOMAIN_IDS) does not exist"),
                    }),
                    Some(Err(error)) => listing.failures.push(Failure {
                        rule: None,
                        resource_type: ResourceType::StudioDomain,
                        arn: id.clone(),
                        operation: error.operation.to_owned(),
                        error: error.to_string(),
                    }),
                    None => listing.unfinished.push(format!("DescribeDomain {id}")),
                }
            }
            return domains;
        }

        let (domains, stop) = self.pages(|next| self.account.list_domains(next)).await;
        Self::stopped(listing, stop, ResourceType::StudioDomain, "ListDomains");
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
                Some(Err(error)) => listing.failures.push(Failure {
                    rule: None,
                    resource_type: ResourceType::StudioDomain,
                    arn: domain.arn.clone(),
                    operation: error.operation.to_owned(),
                    error: error.to_string(),
                }),
                None => listing.unfinished.push(format!("ListTags {}", domain.arn)),
            }
        }
        managed.sort_by(|a, b| a.id.cmp(&b.id));
        managed
    }

    async fn list_studio_apps(&self) -> Listing {
        let mut listing = Listing::default();
        if !self.config.idle_apps && !self.config.expires(ResourceType::StudioApp) {
            return listing;
        }
        let domains = self.managed_domains(&mut listing).await;
        let per_domain: Vec<_> = stream::iter(domains)
            .map(|domain| async move {
                let (apps, stop) = self
                    .pages(|next| self.account.list_apps(&domain.id, next))
                    .await;
                (domain, apps, stop)
            })
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await;
        for (domain, apps, stop) in per_domain {
            let what = format!("ListApps {}", domain.id);
            Self::stopped(&mut listing, stop, ResourceType::StudioApp, &what);
            listing.domains.push(domain.id.clone());
            listing.candidates.extend(
                apps.into_iter()
                    // Deleted apps stay listed for a while; they are history, not resources.
                    .filter(|app| app.status != "Deleted")
                    .map(|app| Candidate::App {
                        app,
                        domain_arn: domain.arn.clone(),
                    }),
            );
        }
        listing.domains.sort();
        listing
    }

    async fn list_notebook_instances(&self) -> Listing {
        let mut listing = Listing::default();
        if !self.config.expires(ResourceType::NotebookInstance) {
            return listing;
        }
        let (notebooks, stop) = self
            .pages(|next| self.account.list_in_service_notebook_instances(next))
            .await;
        Self::stopped(
            &mut listing,
            stop,
            ResourceType::NotebookInstance,
            "ListNotebookInstances",
        );
        listing.candidates = notebooks
            .into_iter()
            .map(Candidate::NotebookInstance)
            .collect();
        listing
    }

    async fn list_endpoints(&self) -> Listing {
        let mut listing = Listing::default();
        if !self.config.expires(ResourceType::Endpoint) {
            return listing;
        }
        let (endpoints, stop) = self.pages(|next| self.account.list_endpoints(next)).await;
        Self::stopped(&mut listing, stop, ResourceType::Endpoint, "ListEndpoints");
        listing.candidates = endpoints.into_iter().map(Candidate::Endpoint).collect();
        listing
    }

    async fn list_provisioned_products(&self) -> Listing {
        let mut listing = Listing::default();
        if !self.config.expires(ResourceType::ProvisionedProduct) {
            return listing;
        }
        let (products, stop) = self
            .pages(|next| self.account.search_provisioned_products(next))
            .await;
        Self::stopped(
            &mut listing,
            stop,
            ResourceType::ProvisionedProduct,
            "SearchProvisionedProducts",
        );
        listing.candidates = products
            .into_iter()
            .map(Candidate::ProvisionedProduct)
            .collect();
        listing
    }

    // ---- evaluations --------------------------------------------------------------------

    async fn evaluate_in_time(&self, candidate: Candidate) -> Outcome {
        let resource_type = candidate.resource_type();
        if !self.may_start() {
            return Outcome::NotStarted(resource_type);
        }
        let arn = candidate.arn();
        match self.bounded(self.evaluate(candidate, arn.clone())).await {
            Some(evaluation) => Outcome::Done(evaluation),
            None => Outcome::Interrupted(resource_type, arn),
        }
    }

    async fn evaluate(&self, candidate: Candidate, arn: String) -> Evaluation {
        let mut evaluation = Evaluation::new(candidate.resource_type(), arn);
        match candidate {
            Candidate::App { app, .. } => self.evaluate_app(&mut evaluation, &app).await,
            Candidate::NotebookInstance(notebook) => {
                self.evaluate_notebook_instance(&mut evaluation, &notebook)
                    .await;
            }
            Candidate::Endpoint(endpoint) => {
                self.evaluate_endpoint(&mut evaluation, &endpoint).await
            }
            Candidate::ProvisionedProduct(product) => {
                self.evaluate_provisioned_product(&mut evaluation, &product)
                    .await;
            }
        }
        evaluation
    }

    /// Rule 2 on `tags`: the expiry time if expired; otherwise records why not.
    fn expired(&self, evaluation: &mut Evaluation, tags: &[Tag]) -> Option<DateTime> {
        let key = &self.config.expires_at_tag;
        match rules::expiry(tags, key, self.now) {
            Expiry::Expired(at) => Some(at),
            Expiry::Later(_) => {
                evaluation.skip(Rule::Expired, SkipReason::NotExpired);
                None
            }
            Expiry::Untagged => {
                evaluation.skip(Rule::Expired, SkipReason::NoExpiryTag);
                None
            }
            Expiry::Malformed(value) => {
                evaluation.malformed = Some(MalformedTag {
                    resource_type: evaluation.resource_type,
                    arn: evaluation.arn.clone(),
                    key: key.clone(),
                    value,
                });
                evaluation.skip(Rule::Expired, SkipReason::MalformedExpiryTag);
                None
            }
        }
    }

    /// Takes `action` (unless dry run) and records the outcome under `rule`.
    async fn act(
        &self,
        evaluation: &mut Evaluation,
        rule: Rule,
        operation: &str,
        reason: String,
        action: impl Future<Output = Result<(), AwsError>>,
    ) {
        if !self.dry_run
            && let Err(error) = self.call(action).await
        {
            match harmless(&error) {
                Some(reason) => evaluation.skip(rule, reason),
                None => evaluation.fail(rule, operation, error.to_string()),
            }
            return;
        }
        let done = Action {
            rule,
            resource_type: evaluation.resource_type,
            arn: evaluation.arn.clone(),
            action: operation.to_owned(),
            reason,
            dry_run: self.dry_run,
        };
        evaluation.steps.push((rule, Verdict::Acted(done)));
    }

    async fn evaluate_app(&self, evaluation: &mut Evaluation, app: &App) {
        let idle_rule = self.config.idles(&app.app_type);
        let expiry_rule = self.config.expires(ResourceType::StudioApp);
        let primary = if idle_rule || !expiry_rule {
            Rule::IdleApp
        } else {
            Rule::Expired
        };
        if app.status != "InService" {
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
                            self.account.delete_app(app),
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
        let activity = match self.call(self.account.describe_app(app)).await {
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
        if activity.status != "InService" {
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
            self.account.delete_app(app),
        )
        .await;
    }

    async fn evaluate_notebook_instance(
        &self,
        evaluation: &mut Evaluation,
        notebook: &NotebookInstance,
    ) {
        if notebook.status != "InService" {
            evaluation.skip(Rule::Expired, SkipReason::NotInService);
            return;
        }
        let tags = match self.all_tags(&notebook.arn).await {
            Ok(tags) => tags,
            Err(error) => {
                evaluation.fail(Rule::Expired, "ListTags", error.to_string());
                return;
            }
        };
        if evaluation.check_exempt(&tags, &self.config.exempt_tag) {
            return;
        }
        if let Some(at) = self.expired(evaluation, &tags) {
            let reason = format!("expired at {}", rules::rfc3339(at));
            let stop = self.account.stop_notebook_instance(&notebook.name);
            self.act(
                evaluation,
                Rule::Expired,
                "StopNotebookInstance",
                reason,
                stop,
            )
            .await;
        }
    }

    async fn evaluate_endpoint(&self, evaluation: &mut Evaluation, endpoint: &Endpoint) {
        if !DELETABLE_ENDPOINT_STATUSES.contains(&endpoint.status.as_str()) {
            evaluation.skip(Rule::Expired, SkipReason::NotInService);
            return;
        }
        let tags = match self.all_tags(&endpoint.arn).await {
            Ok(tags) => tags,
            Err(error) => {
                evaluation.fail(Rule::Expired, "ListTags", error.to_string());
                return;
            }
        };
        if evaluation.check_exempt(&tags, &self.config.exempt_tag) {
            return;
        }
        if let Some(at) = self.expired(evaluation, &tags) {
            let reason = format!("expired at {}", rules::rfc3339(at));
            let delete = self.account.delete_endpoint(&endpoint.name);
            self.act(evaluation, Rule::Expired, "DeleteEndpoint", reason, delete)
                .await;
        }
    }

    async fn evaluate_provisioned_product(
        &self,
        evaluation: &mut Evaluation,
        product: &ProvisionedProduct,
    ) {
        if evaluation.check_exempt(&product.tags, &self.config.exempt_tag) {
            return;
        }
        let Some(at) = self.expired(evaluation, &product.tags) else {
            return;
        };
        if BUSY_PRODUCT_STATUSES.contains(&product.status.as_str()) {
            evaluation.skip(Rule::Expired, SkipReason::InProgress);
            return;
        }
        if !TERMINABLE_PRODUCT_STATUSES.contains(&product.status.as_str()) {
            evaluation.skip(Rule::Expired, SkipReason::NotInService);
            return;
        }
        let mut reason = format!("expired at {}", rules::rfc3339(at));
        let mut ignore_errors = false;
        if let Some(stack_id) = stack_of(product) {
            match self.call(self.account.describe_stack(stack_id)).await {
                Err(error) => {
                    evaluation.fail(Rule::Expired, "DescribeStacks", error.to_string());
                    return;
                }
                Ok(None) => {
                    ignore_errors = true;
                    reason.push_str("; its stack no longer exists");
                }
                Ok(Some(stack)) if stack.status == "DELETE_COMPLETE" => {
                    ignore_errors = true;
                    reason.push_str("; its stack is already deleted");
                }
                Ok(Some(stack)) if stack.status.ends_with("_IN_PROGRESS") => {
                    evaluation.skip(Rule::Expired, SkipReason::InProgress);
                    return;
                }
                Ok(Some(stack)) if stack.termination_protection => {
                    evaluation.fail(
                        Rule::Expired,
                        "TerminateProvisionedProduct",
                        format!(
                            "not attempted: stack {stack_id} has termination protection enabled, so \
                             Service Catalog could not delete it; turn the protection off or \
                             terminate the product by hand"
                        ),
                    );
                    return;
                }
                Ok(Some(_)) => {}
            }
        }
        let termination = Termination {
            provisioned_product_id: product.id.clone(),
            terminate_token: terminate_token(product),
            ignore_errors,
        };
        let terminate = async {
            self.account
                .terminate_provisioned_product(&termination)
                .await
                .map(|record_id| info!(provisioned_product = %product.id, record_id = %record_id, "termination started"))
        };
        self.act(
            evaluation,
            Rule::Expired,
            "TerminateProvisionedProduct",
            reason,
            terminate,
        )
        .await;
    }
}

/// The CloudFormation stack behind a provisioned product, if it is one.
fn stack_of(product: &ProvisionedProduct) -> Option<&str> {
    product.physical_id.as_deref().filter(|id| {
        product.product_type == "CFN_STACK"
            && id.starts_with("arn:")
            && id.contains(":cloudformation:")
    })
}

/// The same token for the same state of the product: a retry or the next run reuses it (and
/// gets the same termination record), a product whose termination failed gets a new one.
fn terminate_token(product: &ProvisionedProduct) -> String {
    let raw = format!(
        "studio-cleanup-{}-{}",
        product.id,
        product.last_record_id.as_deref().unwrap_or("none")
    );
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(128)
        .collect()
}

/// The owner of an app as ListApps identifies it.
pub(crate) fn owner_of(
    user_profile_name: Option<&str>,
    space_name: Option<&str>,
) -> Option<AppOwner> {
    match (user_profile_name, space_name) {
        (_, Some(space)) if !space.is_empty() => Some(AppOwner::Space(space.to_owned())),
        (Some(profile), _) if !profile.is_empty() => {
            Some(AppOwner::UserProfile(profile.to_owned()))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "cleanup_tests.rs"]
mod tests;
