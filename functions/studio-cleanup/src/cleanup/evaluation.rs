//! What every resource's evaluation shares: the candidate, the verdicts, the exempt and expiry
//! rules on its tags, acting (or not, in a dry run), and recording the outcome in the report.

use std::future::Future;
use std::sync::Arc;

use aws_smithy_types::DateTime;
use lambda_support::AwsError;
use tracing::{info, warn};

use super::Run;
use super::owners::{OwnerFact, OwnerKey};
use super::studio_apps::ManagedDomain;
use crate::notices::Notice;
use crate::ports::{
    Account, App, Endpoint, NotebookInstance, ProvisionedProduct, Space, Studio, Tag,
};
use crate::report::{
    Action, CancelledWarning, Drift, Failure, MalformedTag, Report, ResourceType, Rule, SkipReason,
    Warning,
};
use crate::rules::{self, Expiry};

/// A listed resource, waiting for its evaluation.
#[derive(Debug)]
pub(super) enum Candidate {
    App {
        app: App,
        domain: Arc<ManagedDomain>,
    },
    UserProfile {
        name: String,
        domain: Arc<ManagedDomain>,
    },
    Space {
        space: Space,
        domain: Arc<ManagedDomain>,
    },
    NotebookInstance(NotebookInstance),
    Endpoint(Endpoint),
    /// With its recorded warning's value, if it has one.
    ProvisionedProduct(ProvisionedProduct, Option<String>),
}

impl Candidate {
    pub(super) fn resource_type(&self) -> ResourceType {
        match self {
            Self::App { .. } => ResourceType::StudioApp,
            Self::UserProfile { .. } => ResourceType::UserProfile,
            Self::Space { .. } => ResourceType::Space,
            Self::NotebookInstance(_) => ResourceType::NotebookInstance,
            Self::Endpoint(_) => ResourceType::Endpoint,
            Self::ProvisionedProduct(..) => ResourceType::ProvisionedProduct,
        }
    }

    pub(super) fn arn(&self) -> String {
        match self {
            Self::App { app, domain } => app.arn(&domain.arn),
            Self::UserProfile { name, domain } => {
                studio_sagemaker::ports::user_profile_arn(&domain.arn, name)
            }
            Self::Space { space, domain } => {
                studio_sagemaker::ports::space_arn(&domain.arn, &space.space_name)
            }
            Self::NotebookInstance(notebook) => notebook.arn.clone(),
            Self::Endpoint(endpoint) => endpoint.arn.clone(),
            Self::ProvisionedProduct(product, _) => product.arn.clone(),
        }
    }

    /// Who and what the events name.
    pub(super) fn subject(&self) -> Subject {
        let (name, domain_id) = match self {
            Self::App { app, domain } => (app.app_name.clone(), Some(domain.id.clone())),
            Self::UserProfile { name, domain } => (name.clone(), Some(domain.id.clone())),
            Self::Space { space, domain } => (space.space_name.clone(), Some(domain.id.clone())),
            Self::NotebookInstance(notebook) => (notebook.name.clone(), None),
            Self::Endpoint(endpoint) => (endpoint.name.clone(), None),
            Self::ProvisionedProduct(product, _) => (product.name.clone(), None),
        };
        Subject {
            name,
            domain_id,
            owner_profile: None,
            owner_identity: None,
        }
    }
}

/// What an event says about the resource.
#[derive(Debug, Clone, Default)]
pub(super) struct Subject {
    pub(super) name: String,
    pub(super) domain_id: Option<String>,
    pub(super) owner_profile: Option<String>,
    pub(super) owner_identity: Option<String>,
}

/// What the rules decided about one resource.
#[derive(Debug)]
enum Verdict {
    Acted(Action),
    Warned(Warning),
    Skipped(SkipReason),
    Failed(Failure),
}

/// The rules' verdicts on one resource.
#[derive(Debug)]
pub(super) struct Evaluation {
    pub(super) resource_type: ResourceType,
    pub(super) arn: String,
    pub(super) subject: Subject,
    /// Whether the exempt tag was looked for.
    exempt_checked: bool,
    /// Whether it was found.
    exempt: bool,
    steps: Vec<(Rule, Verdict)>,
    malformed: Option<MalformedTag>,
    pub(super) cancelled: Vec<CancelledWarning>,
    pub(super) drift: Vec<Drift>,
    pub(super) notices: Vec<Notice>,
    /// What a profile's or space's evaluation learnt for its apps'.
    pub(super) owner_fact: Option<(OwnerKey, OwnerFact)>,
}

impl Evaluation {
    pub(super) fn new(resource_type: ResourceType, arn: String, subject: Subject) -> Self {
        Self {
            resource_type,
            arn,
            subject,
            exempt_checked: false,
            exempt: false,
            steps: Vec::new(),
            malformed: None,
            cancelled: Vec::new(),
            drift: Vec::new(),
            notices: Vec::new(),
            owner_fact: None,
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

    pub(super) fn warned(&mut self, warning: Warning) {
        self.steps.push((warning.rule, Verdict::Warned(warning)));
    }

    pub(super) fn acted(&mut self, action: Action) {
        self.steps.push((action.rule, Verdict::Acted(action)));
    }

    /// Looks for the exempt tag; `true` if the resource is exempt (and must not be touched).
    pub(super) fn check_exempt(&mut self, tags: &[Tag], key: &str) -> bool {
        self.exempt_checked = true;
        self.exempt = rules::is_exempt(tags, key);
        self.exempt
    }
}

/// Adds one evaluation to the report (its events to `notices`), and logs its actions and
/// failures.
pub(super) fn record(report: &mut Report, notices: &mut Vec<Notice>, evaluation: Evaluation) {
    let resource_type = evaluation.resource_type;
    report.count_scanned(resource_type);
    for cancelled in evaluation.cancelled {
        info!(resource = %cancelled.arn, why = %cancelled.why, dry_run = cancelled.dry_run, "warning withdrawn");
        report.cancelled_warnings.push(cancelled);
    }
    notices.extend(evaluation.notices);
    if evaluation.exempt_checked {
        report.tally_mut(Rule::Exempt, resource_type).scanned += 1;
    }
    if evaluation.exempt {
        // The exempt rule wins over whatever another rule had found: the resource is left alone.
        report.tally_mut(Rule::Exempt, resource_type).skipped += 1;
        report.count_skip(Rule::Exempt, SkipReason::Exempt);
        info!(resource = %evaluation.arn, resource_type = resource_type.as_str(), "exempt: left alone");
        return;
    }
    if let Some(malformed) = evaluation.malformed {
        warn!(resource = %malformed.arn, tag = %malformed.key, value = %malformed.value, "malformed expiry tag: not acted on");
        report.malformed_tags.push(malformed);
    }
    for drift in evaluation.drift {
        info!(resource = %drift.arn, app_type = %drift.app_type, finding = %drift.finding, repaired = drift.repaired, "idle shutdown drift");
        report.drift.push(drift);
    }
    for (rule, verdict) in evaluation.steps {
        let tally = report.tally_mut(rule, resource_type);
        tally.scanned += 1;
        match verdict {
            Verdict::Acted(action) => {
                tally.acted += 1;
                info!(
                    rule = action.rule.as_str(),
                    resource = %action.arn,
                    action = %action.action,
                    reason = %action.reason,
                    dry_run = action.dry_run,
                    "acted"
                );
                report.actions.push(action);
            }
            Verdict::Warned(warning) => {
                tally.warned += 1;
                info!(
                    rule = warning.rule.as_str(),
                    resource = %warning.arn,
                    action = %warning.action,
                    act_after = %warning.act_after,
                    dry_run = warning.dry_run,
                    "warned"
                );
                report.warnings.push(warning);
            }
            Verdict::Skipped(reason) => {
                tally.skipped += 1;
                report.count_skip(rule, reason);
            }
            Verdict::Failed(failure) => {
                tally.failed += 1;
                warn!(
                    rule = rule.as_str(),
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

/// What a rule wants done to a resource.
#[derive(Debug, Clone)]
pub(super) struct Wanted {
    pub(super) rule: Rule,
    pub(super) reason: String,
}

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// The expiry rule on `tags`: the expiry time if expired; otherwise records why not.
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

    /// Takes `action` (unless dry run) and records the outcome under `rule`; `true` if it was
    /// taken (or would have been).
    pub(super) async fn act(
        &self,
        evaluation: &mut Evaluation,
        rule: Rule,
        operation: &str,
        reason: String,
        estimated_hourly_cost: Option<f64>,
        action: impl Future<Output = Result<(), AwsError>>,
    ) -> bool {
        if !self.dry_run
            && let Err(error) = self.call(action).await
        {
            match harmless(&error) {
                Some(reason) => evaluation.skip(rule, reason),
                None => evaluation.fail(rule, operation, error.to_string()),
            }
            return false;
        }
        evaluation.acted(Action {
            rule,
            resource_type: evaluation.resource_type,
            arn: evaluation.arn.clone(),
            action: operation.to_owned(),
            reason,
            dry_run: self.dry_run,
            estimated_hourly_cost,
        });
        true
    }

    /// The expiry rule on a SageMaker resource whose tags are read with ListTags (a notebook
    /// instance, an endpoint): `action` is taken — warned first — when the resource's status
    /// lets `operation` apply (`actionable`) and it is expired and not exempt.
    pub(super) async fn expire_tagged(
        &self,
        evaluation: &mut Evaluation,
        actionable: bool,
        destructive: super::warnings::Destructive,
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
        let site = super::warnings::WarningSite::Tag { tags: &tags };
        if evaluation.check_exempt(&tags, &self.config.exempt_tag) {
            self.withdraw_warning(evaluation, &site, "exempt").await;
            return;
        }
        let wanted = self.expired(evaluation, &tags).map(|at| Wanted {
            rule: Rule::Expired,
            reason: format!("expired at {}", rules::rfc3339(at)),
        });
        self.warn_then_act(evaluation, &site, wanted, destructive, action)
            .await;
    }
}
