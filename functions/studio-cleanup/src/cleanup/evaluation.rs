//! What every resource's evaluation shares: the candidate, the verdicts, the exempt and expiry
//! rules on its tags, acting (or not, in a dry run), and recording the outcome in the report.

use std::future::Future;

use aws_smithy_types::DateTime;
use lambda_support::AwsError;
use tracing::{info, warn};

use super::Run;
use crate::ports::{Account, App, Endpoint, NotebookInstance, ProvisionedProduct, Studio, Tag};
use crate::report::{Action, Failure, MalformedTag, Report, ResourceType, Rule, SkipReason};
use crate::rules::{self, Expiry};

/// A listed resource, waiting for its evaluation.
#[derive(Debug)]
pub(super) enum Candidate {
    App {
        app: App,
        domain_id: String,
        domain_arn: String,
    },
    NotebookInstance(NotebookInstance),
    Endpoint(Endpoint),
    ProvisionedProduct(ProvisionedProduct),
}

impl Candidate {
    pub(super) fn resource_type(&self) -> ResourceType {
        match self {
            Self::App { .. } => ResourceType::StudioApp,
            Self::NotebookInstance(_) => ResourceType::NotebookInstance,
            Self::Endpoint(_) => ResourceType::Endpoint,
            Self::ProvisionedProduct(_) => ResourceType::ProvisionedProduct,
        }
    }

    pub(super) fn arn(&self) -> String {
        match self {
            Self::App {
                app, domain_arn, ..
            } => app.arn(domain_arn),
            Self::NotebookInstance(notebook) => notebook.arn.clone(),
            Self::Endpoint(endpoint) => endpoint.arn.clone(),
            Self::ProvisionedProduct(product) => product.arn.clone(),
        }
    }
}

/// What the rules decided about one resource.
#[derive(Debug)]
enum Verdict {
    Acted(Action),
    Skipped(SkipReason),
    Failed(Failure),
}

/// The rules' verdicts on one resource.
#[derive(Debug)]
pub(super) struct Evaluation {
    resource_type: ResourceType,
    pub(super) arn: String,
    /// Whether the exempt tag was looked for.
    exempt_checked: bool,
    /// Whether it was found.
    exempt: bool,
    steps: Vec<(Rule, Verdict)>,
    malformed: Option<MalformedTag>,
}

impl Evaluation {
    pub(super) fn new(resource_type: ResourceType, arn: String) -> Self {
        Self {
            resource_type,
            arn,
            exempt_checked: false,
            exempt: false,
            steps: Vec::new(),
            malformed: None,
        }
    }

    pub(super) fn skip(&mut self, rule: Rule, reason: SkipReason) {
        self.steps.push((rule, Verdict::Skipped(reason)));
    }

    pub(super) fn fail(&mut self, rule: Rule, operation: &str, error: String) {
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
    pub(super) fn check_exempt(&mut self, tags: &[Tag], key: &str) -> bool {
        self.exempt_checked = true;
        self.exempt = rules::is_exempt(tags, key);
        self.exempt
    }
}

/// Adds one evaluation to the report, and logs its actions and failures.
pub(super) fn record(report: &mut Report, evaluation: Evaluation) {
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

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// Rule 2 on `tags`: the expiry time if expired; otherwise records why not.
    pub(super) fn expired(&self, evaluation: &mut Evaluation, tags: &[Tag]) -> Option<DateTime> {
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
    pub(super) async fn act(
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

    /// Rule 2 on a SageMaker resource whose tags are read with ListTags (a notebook instance,
    /// an endpoint): `action` is taken when the resource's status lets `operation` apply
    /// (`actionable`) and it is expired and not exempt.
    pub(super) async fn expire_tagged(
        &self,
        evaluation: &mut Evaluation,
        actionable: bool,
        operation: &str,
        action: impl Future<Output = Result<(), AwsError>>,
    ) {
        if !actionable {
            evaluation.skip(Rule::Expired, SkipReason::NotInService);
            return;
        }
        let tags = match self.all_tags(&evaluation.arn).await {
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
            self.act(evaluation, Rule::Expired, operation, reason, action)
                .await;
        }
    }
}
