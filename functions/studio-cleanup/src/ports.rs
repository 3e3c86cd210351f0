//! What `studio-cleanup` needs from AWS, as small traits the cleanup is written against.
//!
//! One trait per capability. Studio's domains, apps and tags are the suite's shared ports
//! ([`studio_sagemaker::ports`], re-exported here, gathered as [`Studio`]), implemented by the
//! suite's SDK adapter [`studio_sagemaker::aws::SageMakerStudio`] and, in unit tests, by its
//! in-memory Studio; notebook instances, endpoints, provisioned products and stacks are the
//! cleanup's own ([`Account`]), implemented by [`crate::aws::AwsAccount`] on the SDK clients and
//! by `crate::memory::MemoryAccount` in memory. Listings return one page at a time so that the
//! cleanup can stop between pages when its deadline approaches.

use std::future::Future;

use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_sagemaker::types::{EndpointStatus, NotebookInstanceStatus};
use aws_sdk_servicecatalog::types::ProvisionedProductStatus;
use lambda_support::AwsError;

pub use aws_sdk_sagemaker::types::Tag;
pub use studio_sagemaker::ports::{
    App, AppOwner, Apps, Domain, DomainSummary, Domains, IdleSettings, IdleShutdown,
    IdleShutdownApp, IdleShutdownSettings, Page, Space, Spaces, Tags, UserProfileSummary,
    UserProfiles,
};

use crate::notices::{Notice, RunReport};

/// `key=value`, as SageMaker and Service Catalog both tag.
pub fn tag(key: impl Into<String>, value: impl Into<String>) -> Tag {
    Tag::builder().key(key).value(value).build()
}

/// A notebook instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotebookInstance {
    pub name: String,
    pub arn: String,
    pub status: NotebookInstanceStatus,
    /// `ml.t3.medium`, …
    pub instance_type: Option<String>,
}

/// A SageMaker endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub name: String,
    pub arn: String,
    pub status: EndpointStatus,
}

/// A Service Catalog provisioned product, with its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionedProduct {
    /// `pp-…`.
    pub id: String,
    pub name: String,
    pub arn: String,
    pub status: ProvisionedProductStatus,
    /// `CFN_STACK`, `CFN_STACKSET`, `TERRAFORM_…`, `EXTERNAL`.
    pub product_type: String,
    /// For `CFN_STACK`: the stack's ARN.
    pub physical_id: Option<String>,
    /// The last record (operation) on it.
    pub last_record_id: Option<String>,
    pub tags: Vec<Tag>,
}

/// A TerminateProvisionedProduct request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    /// `pp-…`.
    pub provisioned_product_id: String,
    /// The idempotency token: the same token for the same state of the product, so that a
    /// repeated call (a retry, the next run) does not start a second termination.
    pub terminate_token: String,
    /// Whether Service Catalog should stop managing the product even if it cannot delete its
    /// resources (used when its stack is already gone).
    pub ignore_errors: bool,
}

/// A CloudFormation stack's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackState {
    pub status: StackStatus,
    pub termination_protection: bool,
}

/// SageMaker notebook instances.
pub trait NotebookInstances: Send + Sync {
    /// One page of the notebook instances that are `InService` (the only ones that can be
    /// stopped).
    fn list_in_service_notebook_instances(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<NotebookInstance>, AwsError>> + Send;
    /// StopNotebookInstance.
    fn stop_notebook_instance(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// SageMaker endpoints.
pub trait Endpoints: Send + Sync {
    /// One page of ListEndpoints.
    fn list_endpoints(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Endpoint>, AwsError>> + Send;
    /// DeleteEndpoint.
    fn delete_endpoint(&self, name: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// Service Catalog provisioned products of the whole account.
pub trait ProvisionedProducts: Send + Sync {
    /// One page of SearchProvisionedProducts at the account access level, with tags.
    fn search_provisioned_products(
        &self,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<ProvisionedProduct>, AwsError>> + Send;
    /// TerminateProvisionedProduct; returns the record id.
    fn terminate_provisioned_product(
        &self,
        termination: &Termination,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

/// CloudFormation stacks (behind provisioned products).
pub trait Stacks: Send + Sync {
    /// DescribeStacks of one stack ARN; `None` if CloudFormation does not know it.
    fn describe_stack(
        &self,
        stack_id: &str,
    ) -> impl Future<Output = Result<Option<StackState>, AwsError>> + Send;
}

/// EventBridge.
pub trait Events: Send + Sync {
    /// PutEvents of at most 10 notices on `bus`; returns how many entries EventBridge refused
    /// (`FailedEntryCount`).
    fn put_notices(
        &self,
        bus: &str,
        notices: &[Notice],
    ) -> impl Future<Output = Result<usize, AwsError>> + Send;

    /// PutEvents of the run's report (one entry, `Studio Cleanup Report`) on `bus`; returns how
    /// many entries EventBridge refused (0 or 1).
    fn put_report(
        &self,
        bus: &str,
        report: &RunReport,
    ) -> impl Future<Output = Result<usize, AwsError>> + Send;
}

/// Where the warnings of provisioned products are kept (Service Catalog tags a provisioned
/// product only through UpdateProvisionedProduct, which re-runs its stack): SSM parameters under
/// `path`, one per product, named by its id, holding `<rfc3339>/<rule>`.
pub trait WarningLedger: Send + Sync {
    /// One page of GetParametersByPath: (product id, value).
    fn list_warnings_page(
        &self,
        path: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<(String, String)>, AwsError>> + Send;
    /// PutParameter (overwriting).
    fn put_warning(
        &self,
        path: &str,
        id: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteParameter (a missing one is not an error).
    fn delete_warning(
        &self,
        path: &str,
        id: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// What the cleanup touches in Studio: domains, profiles, spaces, their idle settings, apps and
/// tags (of every SageMaker resource, notebook instances and endpoints included) — the suite's
/// shared ports.
pub trait Studio: Domains + UserProfiles + Spaces + IdleShutdownSettings + Apps + Tags {}

impl<T> Studio for T where T: Domains + UserProfiles + Spaces + IdleShutdownSettings + Apps + Tags {}

/// What the cleanup touches beyond Studio in one account and region: its own ports.
pub trait Account:
    NotebookInstances + Endpoints + ProvisionedProducts + Stacks + Events + WarningLedger
{
}

impl<T> Account for T where
    T: NotebookInstances + Endpoints + ProvisionedProducts + Stacks + Events + WarningLedger
{
}
