//! The cloud admin's side of Service Catalog: find a product as an end user does
//! (`SearchProducts`, `DescribeProduct`, `ListLaunchPaths`), provision, update and terminate it,
//! and follow each record to its end — `DescribeRecord` at most once per poll interval (one
//! second), printing the record's status when it changes and the stack's new events
//! (`DescribeStackEvents`, which `AWSServiceCatalogEndUserFullAccess` allows on `SC-*` stacks)
//! as they happen.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_servicecatalog::types::{
    ProductViewFilterBy, ProvisioningParameter, RecordDetail, RecordStatus,
    UpdateProvisioningParameter,
};

use super::StepError;
use super::narrator::Narrator;
use super::sessions::Session;
use crate::servicecatalog;

/// A product the cloud admin may launch: its id, the artefact to launch and the launch path.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) artifact_id: String,
    pub(crate) path_id: String,
}

/// How a record ended.
#[derive(Debug, Clone)]
pub(crate) struct RecordOutcome {
    pub(crate) record_id: String,
    pub(crate) provisioned_product_id: String,
    /// `SUCCEEDED`, `FAILED`...
    pub(crate) status: String,
    /// `RecordErrors`: each `Code: Description`.
    pub(crate) errors: Vec<String>,
    /// `RecordOutputs` by key (the stack's outputs and `CloudformationStackARN`).
    pub(crate) outputs: BTreeMap<String, String>,
    /// From the call to the record's last status.
    pub(crate) took: Duration,
}

impl RecordOutcome {
    pub(crate) fn succeeded(&self) -> bool {
        self.status == RecordStatus::Succeeded.as_str()
    }

    /// The record's stack (`CloudformationStackARN`), once it has one.
    pub(crate) fn stack(&self) -> Option<&str> {
        self.outputs
            .get("CloudformationStackARN")
            .map(String::as_str)
    }

    /// The output `key`, or a step error naming it.
    pub(crate) fn output(&self, key: &str) -> Result<&str, StepError> {
        self.outputs.get(key).map(String::as_str).ok_or_else(|| {
            StepError::new(format!(
                "record {} has no output {key} (outputs: {:?})",
                self.record_id,
                self.outputs.keys().collect::<Vec<_>>()
            ))
        })
    }

    /// Success, or a step error with the record's status and errors.
    pub(crate) fn expect_success(self) -> Result<Self, StepError> {
        if self.succeeded() {
            Ok(self)
        } else {
            Err(StepError::new(format!(
                "record {} ended {}: {}",
                self.record_id,
                self.status,
                self.errors.join("; ")
            )))
        }
    }
}

/// The cloud admin's Service Catalog, and CloudFormation to read the product stacks' events.
#[derive(Debug)]
pub(crate) struct Catalog {
    sc: aws_sdk_servicecatalog::Client,
    cfn: aws_sdk_cloudformation::Client,
    poll_interval: Duration,
    timeout: Duration,
}

impl Catalog {
    pub(crate) fn new(session: &Session, poll_interval: Duration, timeout: Duration) -> Self {
        Self {
            sc: session.servicecatalog(),
            cfn: session.cloudformation(),
            poll_interval,
            timeout,
        }
    }

    /// The product named `name` among those the caller may launch (`SearchProducts` with a
    /// full-text filter), its newest artefact (`DescribeProduct`) and its launch path
    /// (`ListLaunchPaths`; the caller's one portfolio).
    pub(crate) async fn find_product(&self, name: &str) -> Result<Product, StepError> {
        let found = self
            .sc
            .search_products()
            .filters(ProductViewFilterBy::FullTextSearch, vec![name.to_owned()])
            .send()
            .await?;
        let view = found
            .product_view_summaries()
            .iter()
            .find(|view| view.name() == Some(name))
            .ok_or_else(|| {
                StepError::new(format!(
                    "SearchProducts does not show {name:?} to the cloud admin (it shows {:?})",
                    found
                        .product_view_summaries()
                        .iter()
                        .filter_map(|view| view.name())
                        .collect::<Vec<_>>()
                ))
            })?;
        let product_id = view
            .product_id()
            .ok_or_else(|| StepError::new(format!("{name:?} has no ProductId")))?;
        let described = self.sc.describe_product().id(product_id).send().await?;
        let artifact_id = described
            .provisioning_artifacts()
            .iter()
            .max_by_key(|artifact| artifact.created_time().map(|time| time.secs()))
            .and_then(|artifact| artifact.id())
            .ok_or_else(|| StepError::new(format!("{name:?} has no provisioning artefact")))?;
        let paths = self
            .sc
            .list_launch_paths()
            .product_id(product_id)
            .send()
            .await?;
        let path_id = match paths.launch_path_summaries() {
            [path] => path.id().unwrap_or_default(),
            other => {
                return Err(StepError::new(format!(
                    "{name:?} has {} launch paths for the cloud admin, expected one",
                    other.len()
                )));
            }
        };
        Ok(Product {
            name: name.to_owned(),
            id: product_id.to_owned(),
            artifact_id: artifact_id.to_owned(),
            path_id: path_id.to_owned(),
        })
    }

    /// `ProvisionProduct`, then follows the record to its end.
    pub(crate) async fn provision(
        &self,
        narrator: &mut Narrator,
        product: &Product,
        provisioned_product_name: &str,
        parameters: &[(&str, &str)],
        tags: &[(&str, &str)],
    ) -> Result<RecordOutcome, StepError> {
        let started = Instant::now();
        let parameters = parameters
            .iter()
            .map(|(key, value)| {
                ProvisioningParameter::builder()
                    .key(*key)
                    .value(*value)
                    .build()
            })
            .collect();
        let tags = servicecatalog::tags(tags)?;
        let answer = self
            .sc
            .provision_product()
            .product_id(&product.id)
            .provisioning_artifact_id(&product.artifact_id)
            .path_id(&product.path_id)
            .provisioned_product_name(provisioned_product_name)
            .provision_token(format!("story-{provisioned_product_name}"))
            .set_provisioning_parameters(Some(parameters))
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await?;
        let record_id = announced_record(
            narrator,
            "ProvisionProduct",
            &format!("{:?} as {provisioned_product_name}", product.name),
            answer.record_detail(),
        )?;
        Box::pin(self.follow(narrator, record_id, started, None, async || Ok(()))).await
    }

    /// `UpdateProvisionedProduct` of `provisioned` (the record of its launch) with `parameters` (each given value; every other parameter
    /// keeps its previous value), then follows the record, calling `during` after each poll.
    pub(crate) async fn update(
        &self,
        narrator: &mut Narrator,
        provisioned: &RecordOutcome,
        product: &Product,
        parameters: &[(&str, &str)],
        keep: &[&str],
        during: impl AsyncFnMut() -> Result<(), StepError>,
    ) -> Result<RecordOutcome, StepError> {
        let (provisioned_product_id, stack) =
            (&provisioned.provisioned_product_id, provisioned.stack());
        let started = Instant::now();
        let mut given: Vec<UpdateProvisioningParameter> = parameters
            .iter()
            .map(|(key, value)| {
                UpdateProvisioningParameter::builder()
                    .key(*key)
                    .value(*value)
                    .build()
            })
            .collect();
        given.extend(keep.iter().map(|key| {
            UpdateProvisioningParameter::builder()
                .key(*key)
                .use_previous_value(true)
                .build()
        }));
        let answer = self
            .sc
            .update_provisioned_product()
            .provisioned_product_id(provisioned_product_id)
            .product_id(&product.id)
            .provisioning_artifact_id(&product.artifact_id)
            .path_id(&product.path_id)
            .set_provisioning_parameters(Some(given))
            .send()
            .await?;
        let record_id = announced_record(
            narrator,
            "UpdateProvisionedProduct",
            provisioned_product_id,
            answer.record_detail(),
        )?;
        Box::pin(self.follow(narrator, record_id, started, stack, during)).await
    }

    /// `TerminateProvisionedProduct` of `provisioned` (the record of its launch), then follows
    /// the record.
    pub(crate) async fn terminate(
        &self,
        narrator: &mut Narrator,
        provisioned: &RecordOutcome,
    ) -> Result<RecordOutcome, StepError> {
        let (provisioned_product_id, stack) =
            (&provisioned.provisioned_product_id, provisioned.stack());
        let started = Instant::now();
        let answer = self
            .sc
            .terminate_provisioned_product()
            .provisioned_product_id(provisioned_product_id)
            .terminate_token(format!("story-terminate-{provisioned_product_id}"))
            .send()
            .await?;
        let record_id = announced_record(
            narrator,
            "TerminateProvisionedProduct",
            provisioned_product_id,
            answer.record_detail(),
        )?;
        Box::pin(self.follow(narrator, record_id, started, stack, async || Ok(()))).await
    }

    /// The provisioned product's status (`AVAILABLE`, `ERROR`...).
    pub(crate) async fn provisioned_product_status(
        &self,
        provisioned_product_id: &str,
    ) -> Result<String, StepError> {
        servicecatalog::provisioned_product_status(&self.sc, provisioned_product_id)
            .await?
            .ok_or_else(|| {
                StepError::new(format!(
                    "DescribeProvisionedProduct: no provisioned product {provisioned_product_id}"
                ))
            })
    }

    /// The names of the provisioned products the caller sees (`SearchProvisionedProducts`,
    /// access level `Account`).
    pub(crate) async fn provisioned_product_names(&self) -> Result<Vec<String>, StepError> {
        let found = self
            .sc
            .search_provisioned_products()
            .access_level_filter(servicecatalog::account_wide())
            .send()
            .await?;
        Ok(found
            .provisioned_products()
            .iter()
            .filter_map(|product| product.name().map(str::to_owned))
            .collect())
    }

    /// Follows a record to its end with at most one describe call per poll interval: until
    /// the record names its stack (`CloudformationStackARN`), `DescribeRecord`; then the
    /// stack's events (`DescribeStackEvents`, each new one printed, oldest first) until the
    /// stack's own terminal event, and `DescribeRecord` again (also every tenth poll, in case
    /// the record ends without its stack: a refused launch). `during` runs after each poll.
    /// (Its callers box it: it holds several SDK calls' futures.)
    async fn follow(
        &self,
        narrator: &mut Narrator,
        record_id: &str,
        started: Instant,
        known_stack: Option<&str>,
        mut during: impl AsyncFnMut() -> Result<(), StepError>,
    ) -> Result<RecordOutcome, StepError> {
        // Events older than the call belong to earlier operations on the same stack.
        let since = aws_smithy_types::DateTime::from(
            SystemTime::now() - started.elapsed() - Duration::from_secs(1),
        );
        let mut events = StackEvents {
            stack: known_stack.map(str::to_owned),
            seen: HashSet::new(),
            since,
            ended: false,
        };
        let mut last_status = String::new();
        let mut polls = 0_u32;
        loop {
            let poll_started = Instant::now();
            polls += 1;
            let ask_record = events.stack.is_none() || events.ended || polls % 10 == 1;
            if ask_record {
                let record = self.describe_record(record_id).await?;
                if events.stack.is_none() {
                    events.stack = record.outputs.get("CloudformationStackARN").cloned();
                }
                if record.status != last_status {
                    narrator.progress(&format!(
                        "[{:>5.1} s] record {}",
                        started.elapsed().as_secs_f64(),
                        record.status
                    ));
                    last_status.clone_from(&record.status);
                }
                if matches!(record.status.as_str(), "SUCCEEDED" | "FAILED") {
                    return Ok(RecordOutcome {
                        took: started.elapsed(),
                        ..record
                    });
                }
            } else {
                self.print_new_events(narrator, &mut events, started)
                    .await?;
            }
            during().await?;
            if started.elapsed() > self.timeout {
                return Err(StepError::new(format!(
                    "record {record_id} still {last_status} after {:?}",
                    self.timeout
                )));
            }
            tokio::time::sleep(self.poll_interval.saturating_sub(poll_started.elapsed())).await;
        }
    }

    async fn describe_record(&self, record_id: &str) -> Result<RecordOutcome, StepError> {
        let described = self.sc.describe_record().id(record_id).send().await?;
        let detail = described
            .record_detail()
            .ok_or_else(|| StepError::new("DescribeRecord answered no RecordDetail"))?;
        Ok(RecordOutcome {
            record_id: record_id.to_owned(),
            provisioned_product_id: detail
                .provisioned_product_id()
                .unwrap_or_default()
                .to_owned(),
            status: detail
                .status()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
            errors: detail
                .record_errors()
                .iter()
                .map(|error| {
                    format!(
                        "{}: {}",
                        error.code().unwrap_or_default(),
                        error.description().unwrap_or_default()
                    )
                })
                .collect(),
            outputs: described
                .record_outputs()
                .iter()
                .filter_map(|output| {
                    Some((
                        output.output_key()?.to_owned(),
                        output.output_value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect(),
            took: Duration::ZERO,
        })
    }

    /// Prints the stack's events not printed yet, oldest first; notes the stack's own terminal
    /// event (`*_COMPLETE`, `*_FAILED` of the `AWS::CloudFormation::Stack` itself).
    async fn print_new_events(
        &self,
        narrator: &mut Narrator,
        events: &mut StackEvents,
        started: Instant,
    ) -> Result<(), StepError> {
        let Some(stack) = events.stack.clone() else {
            return Ok(());
        };
        let listed = self
            .cfn
            .describe_stack_events()
            .stack_name(&stack)
            .send()
            .await?;
        // Newest first, as CloudFormation lists them.
        let new: Vec<_> = listed
            .stack_events()
            .iter()
            .filter(|event| event.timestamp().is_none_or(|time| *time >= events.since))
            .filter(|event| {
                events
                    .seen
                    .insert(event.event_id().unwrap_or_default().to_owned())
            })
            .collect();
        for event in new.into_iter().rev() {
            let status = event
                .resource_status()
                .map(|status| status.as_str())
                .unwrap_or_default();
            let reason = event
                .resource_status_reason()
                .map(|reason| format!(" — {reason}"))
                .unwrap_or_default();
            narrator.progress(&format!(
                "[{:>5.1} s]   {:<28} {:<28} {status}{reason}",
                started.elapsed().as_secs_f64(),
                event.logical_resource_id().unwrap_or_default(),
                event.resource_type().unwrap_or_default(),
            ));
            let is_the_stack = event.resource_type() == Some("AWS::CloudFormation::Stack")
                && event.physical_resource_id() == Some(stack.as_str());
            if is_the_stack && !status.ends_with("_IN_PROGRESS") {
                events.ended = true;
            }
        }
        Ok(())
    }
}

/// The id of the record `operation` answered, announced as `<operation> <subject>: record <id>`.
fn announced_record<'a>(
    narrator: &mut Narrator,
    operation: &str,
    subject: &str,
    record: Option<&'a RecordDetail>,
) -> Result<&'a str, StepError> {
    let record_id = record
        .and_then(RecordDetail::record_id)
        .ok_or_else(|| StepError::new(format!("{operation} answered no record")))?;
    narrator.progress(&format!("{operation} {subject}: record {record_id}"));
    Ok(record_id)
}

/// What [`Catalog::follow`] knows of the record's stack.
#[derive(Debug)]
struct StackEvents {
    stack: Option<String>,
    seen: HashSet<String>,
    since: aws_smithy_types::DateTime,
    ended: bool,
}
