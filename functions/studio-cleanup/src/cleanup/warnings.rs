//! Warn, then act — every destructive action goes through here.
//!
//! The first run that finds a resource a rule wants gone records a warning — the tag
//! `studio-catalog:cleanup-warning` = `<rfc3339>/<rule>` on a SageMaker resource (AddTags), an
//! SSM parameter for a provisioned product (see [`crate::ports::WarningLedger`]) — and publishes
//! a `Studio Cleanup Warning` event. A later run acts once `WARNING_GRACE_MINUTES` have passed
//! since the recorded time (and publishes `Studio Cleanup Action`). If meanwhile the resource
//! became exempt or no rule wants it any more (its expiry tag moved to the future, say), the
//! warning is withdrawn. `WARNING_GRACE_MINUTES=0` acts on the first run. A dry run reports
//! "would warn" / "would act" and changes and publishes nothing.

use std::future::Future;

use lambda_support::AwsError;

use super::Run;
use super::evaluation::{Evaluation, Wanted};
use crate::notices::{DETAIL_TYPE_ACTION, DETAIL_TYPE_WARNING, Notice, NoticeDetail};
use crate::ports::{Account, Studio, Tag, tag};
use crate::report::{CancelledWarning, Rule, SkipReason, Warning};
use crate::rules::{self, RecordedWarning, WARNING_TAG};

/// Where a resource's warning is recorded.
#[derive(Debug)]
pub(super) enum WarningSite<'a> {
    /// On the resource itself (the evaluation's ARN), whose tags these are.
    Tag { tags: &'a [Tag] },
    /// In the ledger, under the product's id, with the value found there.
    Ledger { id: &'a str, value: Option<&'a str> },
}

impl WarningSite<'_> {
    /// The recorded value, if any.
    fn value(&self) -> Option<&str> {
        match self {
            Self::Tag { tags } => rules::tag(tags, WARNING_TAG),
            Self::Ledger { value, .. } => *value,
        }
    }
}

/// The destructive action a rule would take.
#[derive(Debug, Clone, Copy)]
pub(super) struct Destructive {
    /// `DeleteApp`, `StopNotebookInstance`, `DeleteEndpoint`, `TerminateProvisionedProduct`.
    pub(super) operation: &'static str,
    /// Whether the resource outlives the action (a stopped notebook instance, a terminated
    /// product's ledger entry), so that its warning must be removed after it.
    pub(super) clears_after: bool,
    /// What it costs an hour (USD), if it runs on a priced instance.
    pub(super) hourly_cost: Option<f64>,
}

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// Warns about, acts on, or withdraws the warning of one resource, as `wanted` says.
    pub(super) async fn warn_then_act(
        &self,
        evaluation: &mut Evaluation,
        site: &WarningSite<'_>,
        wanted: Option<Wanted>,
        destructive: Destructive,
        action: impl Future<Output = Result<(), AwsError>>,
    ) {
        let Some(wanted) = wanted else {
            self.withdraw_warning(evaluation, site, "no longer applies")
                .await;
            return;
        };
        let recorded = site.value().and_then(RecordedWarning::parse);
        let grace = self.config.warning_grace;
        let due = match recorded {
            _ if !self.config.warns_first() => true,
            Some(recorded) => recorded.is_due(self.now, grace),
            None => false,
        };
        if due {
            let acted = self
                .act(
                    evaluation,
                    wanted.rule,
                    destructive.operation,
                    wanted.reason.clone(),
                    destructive.hourly_cost,
                    action,
                )
                .await;
            if acted && !self.dry_run {
                let warned_at = recorded.map(|r| rules::rfc3339(r.at));
                let act_after = recorded.map(|r| rules::rfc3339(r.act_after(grace)));
                self.notice(
                    evaluation,
                    DETAIL_TYPE_ACTION,
                    wanted.rule,
                    destructive,
                    warned_at,
                    act_after,
                );
                if destructive.clears_after && site.value().is_some() {
                    self.clear_warning(evaluation, site, wanted.rule).await;
                }
            }
            return;
        }
        if recorded.is_some() {
            evaluation.skip(wanted.rule, SkipReason::InGracePeriod);
            return;
        }
        // No (readable) warning yet: record one.
        let warning = RecordedWarning {
            at: self.now,
            rule: wanted.rule,
        };
        if !self.dry_run {
            let (operation, written) = match site {
                WarningSite::Tag { .. } => (
                    "AddTags",
                    self.call(
                        self.studio
                            .add_tags(&evaluation.arn, vec![tag(WARNING_TAG, warning.value())]),
                    )
                    .await,
                ),
                WarningSite::Ledger { id, .. } => (
                    "PutParameter",
                    self.call(self.account.put_warning(
                        &self.config.warning_parameter_path,
                        id,
                        &warning.value(),
                    ))
                    .await,
                ),
            };
            if let Err(error) = written {
                evaluation.fail(wanted.rule, operation, error.to_string());
                return;
            }
        }
        let warned_at = rules::rfc3339(warning.at);
        let act_after = rules::rfc3339(warning.act_after(grace));
        evaluation.warned(Warning {
            rule: wanted.rule,
            resource_type: evaluation.resource_type,
            arn: evaluation.arn.clone(),
            action: destructive.operation.to_owned(),
            reason: wanted.reason,
            warned_at: warned_at.clone(),
            act_after: act_after.clone(),
            dry_run: self.dry_run,
        });
        if !self.dry_run {
            self.notice(
                evaluation,
                DETAIL_TYPE_WARNING,
                wanted.rule,
                destructive,
                Some(warned_at),
                Some(act_after),
            );
        }
    }

    /// Withdraws the resource's warning, if it has one (`why`: exempt, no longer applies).
    pub(super) async fn withdraw_warning(
        &self,
        evaluation: &mut Evaluation,
        site: &WarningSite<'_>,
        why: &str,
    ) {
        let Some(value) = site.value() else {
            return;
        };
        let rule = RecordedWarning::parse(value).map(|recorded| recorded.rule);
        if !self.dry_run
            && !self
                .clear_warning(evaluation, site, rule.unwrap_or(Rule::Expired))
                .await
        {
            return;
        }
        evaluation.cancelled.push(CancelledWarning {
            rule,
            resource_type: evaluation.resource_type,
            arn: evaluation.arn.clone(),
            why: why.to_owned(),
            dry_run: self.dry_run,
        });
    }

    /// Removes the recorded warning; `false` (and a failure recorded under `rule`) if that
    /// failed.
    async fn clear_warning(
        &self,
        evaluation: &mut Evaluation,
        site: &WarningSite<'_>,
        rule: Rule,
    ) -> bool {
        let (operation, cleared) = match site {
            WarningSite::Tag { .. } => (
                "DeleteTags",
                self.call(
                    self.studio
                        .delete_tags(&evaluation.arn, vec![WARNING_TAG.to_owned()]),
                )
                .await,
            ),
            WarningSite::Ledger { id, .. } => (
                "DeleteParameter",
                self.call(
                    self.account
                        .delete_warning(&self.config.warning_parameter_path, id),
                )
                .await,
            ),
        };
        match cleared {
            Ok(()) => true,
            Err(error) if error.is_not_found() => true,
            Err(error) => {
                evaluation.fail(rule, operation, error.to_string());
                false
            }
        }
    }

    fn notice(
        &self,
        evaluation: &mut Evaluation,
        detail_type: &str,
        rule: Rule,
        destructive: Destructive,
        warned_at: Option<String>,
        act_after: Option<String>,
    ) {
        let subject = &evaluation.subject;
        evaluation.notices.push(Notice {
            detail_type: detail_type.to_owned(),
            detail: NoticeDetail {
                rule: rule.as_str().to_owned(),
                resource_type: evaluation.resource_type.as_str().to_owned(),
                resource_arn: evaluation.arn.clone(),
                resource_name: subject.name.clone(),
                domain_id: subject.domain_id.clone(),
                owner_profile: subject.owner_profile.clone(),
                owner_identity: subject.owner_identity.clone(),
                warned_at,
                act_after,
                action: destructive.operation.to_owned(),
                dry_run: false,
            },
        });
    }
}
