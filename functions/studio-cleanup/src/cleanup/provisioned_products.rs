//! Service Catalog provisioned products: an expired one is terminated once its CloudFormation
//! stack is checked (gone or deleted: terminated with `IgnoreErrors`; busy: left for the next
//! run; termination protection: reported, not attempted).

use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_servicecatalog::types::ProvisionedProductStatus;
use tracing::info;

use std::collections::HashMap;

use super::Run;
use super::evaluation::{Candidate, Evaluation, Wanted};
use super::listing::{Listing, Stop};
use super::warnings::{Destructive, WarningSite};
use crate::ports::{Account, ProvisionedProduct, Studio, Termination};
use crate::report::{ResourceType, Rule, SkipReason};
use crate::rules;

/// Provisioned-product statuses TerminateProvisionedProduct applies to.
const TERMINABLE_PRODUCT_STATUSES: [ProvisionedProductStatus; 3] = [
    ProvisionedProductStatus::Available,
    ProvisionedProductStatus::Tainted,
    ProvisionedProductStatus::Error,
];
/// Provisioned-product statuses of an operation in progress.
const BUSY_PRODUCT_STATUSES: [ProvisionedProductStatus; 2] = [
    ProvisionedProductStatus::UnderChange,
    ProvisionedProductStatus::PlanInProgress,
];

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// The products, each with its recorded warning. Without the ledger no product is
    /// evaluated: a product whose warning could not be read would be warned again, and its
    /// grace period start over, on every run.
    pub(super) async fn list_provisioned_products(&self) -> Listing {
        let mut listing = self
            .list_expirable(
                ResourceType::ProvisionedProduct,
                "SearchProvisionedProducts",
                |next| self.account.search_provisioned_products(next),
                |product| Candidate::ProvisionedProduct(product, None),
            )
            .await;
        if listing.candidates.is_empty() || !self.config.warns_first() {
            return listing;
        }
        let path = &self.config.warning_parameter_path;
        let (warnings, stop) = self
            .pages(|next| self.account.list_warnings_page(path, next))
            .await;
        if stop.is_some() {
            let what = format!("GetParametersByPath {path}");
            listing.stopped(
                stop.or(Some(Stop::Deadline(1))),
                ResourceType::ProvisionedProduct,
                &what,
            );
            listing.candidates.clear();
            return listing;
        }
        let warnings: HashMap<String, String> = warnings.into_iter().collect();
        for candidate in &mut listing.candidates {
            if let Candidate::ProvisionedProduct(product, warning) = candidate {
                *warning = warnings.get(&product.id).cloned();
            }
        }
        listing
    }

    pub(super) async fn evaluate_provisioned_product(
        &self,
        evaluation: &mut Evaluation,
        product: &ProvisionedProduct,
        warning: Option<&str>,
    ) {
        let site = WarningSite::Ledger {
            id: &product.id,
            value: warning,
        };
        if evaluation.check_exempt(&product.tags, &self.config.exempt_tag) {
            self.withdraw_warning(evaluation, &site, "exempt").await;
            return;
        }
        let Some(at) = self.expired(evaluation, &product.tags) else {
            self.withdraw_warning(evaluation, &site, "no longer applies")
                .await;
            return;
        };
        if BUSY_PRODUCT_STATUSES.contains(&product.status) {
            evaluation.skip(Rule::Expired, SkipReason::InProgress);
            return;
        }
        if !TERMINABLE_PRODUCT_STATUSES.contains(&product.status) {
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
                Ok(Some(stack)) if stack.status == StackStatus::DeleteComplete => {
                    ignore_errors = true;
                    reason.push_str("; its stack is already deleted");
                }
                Ok(Some(stack)) if stack.status.as_str().ends_with("_IN_PROGRESS") => {
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
        let wanted = Wanted {
            rule: Rule::Expired,
            reason,
        };
        let destructive = Destructive {
            operation: "TerminateProvisionedProduct",
            clears_after: true,
            hourly_cost: None,
        };
        self.warn_then_act(evaluation, &site, Some(wanted), destructive, terminate)
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
pub(super) fn terminate_token(product: &ProvisionedProduct) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminate_token_is_stable_per_record_and_valid() {
        let product = |record: Option<&str>| ProvisionedProduct {
            id: "pp-abc".into(),
            name: "n".into(),
            arn: "arn".into(),
            status: "AVAILABLE".into(),
            product_type: "CFN_STACK".into(),
            physical_id: None,
            last_record_id: record.map(str::to_owned),
            tags: Vec::new(),
        };
        assert_eq!(
            terminate_token(&product(Some("rec-1"))),
            "studio-cleanup-pp-abc-rec-1"
        );
        assert_eq!(
            terminate_token(&product(None)),
            "studio-cleanup-pp-abc-none"
        );
        assert_ne!(
            terminate_token(&product(Some("rec-1"))),
            terminate_token(&product(Some("rec-2")))
        );
    }
}
