//! What `studio-cleanup` needs from AWS, as small traits the cleanup is written against.
//!
//! One trait per capability; [`crate::aws::AwsAccount`] implements them all on the SDK clients,
//! `crate::memory::MemoryAccount` (unit tests) in memory. Listings return one page at a time so
//! that the cleanup can stop between pages when its deadline approaches.

use std::future::Future;

use aws_smithy_types::DateTime;
use cfn_custom_resource::AwsError;

pub use studio_sagemaker::apps::AppOwner;

/// One page of a listing; `next` is the token of the following page, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The token of the next page.
    pub next: Option<String>,
}

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

impl Tag {
    /// `key=value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A Studio domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// `d-…`.
    pub id: String,
    /// `arn:aws:sagemaker:REGION:ACCOUNT:domain/d-…`.
    pub arn: String,
    /// `Pending`, `InService`, `Deleting`, …
    pub status: String,
}

/// A Studio app as ListApps reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Its domain.
    pub domain_id: String,
    /// Its user profile or space.
    pub owner: AppOwner,
    /// `JupyterLab`, `KernelGateway`, `JupyterServer`, …
    pub app_type: String,
    /// The app's name.
    pub app_name: String,
    /// `Pending`, `InService`, `Deleting`, `Deleted`, `Failed`.
    pub status: String,
    /// When it was created.
    pub creation_time: Option<DateTime>,
}

impl App {
    /// The app's ARN (ListApps does not return it): the domain's ARN with
    /// `domain/<id>` replaced by `app/<id>/<owner>/<apptype in lower case>/<name>`.
    pub fn arn(&self, domain_arn: &str) -> String {
        let prefix = domain_arn
            .rsplit_once(":domain/")
            .map_or(domain_arn, |(prefix, _)| prefix);
        format!(
            "{prefix}:app/{}/{}/{}/{}",
            self.domain_id,
            self.owner.name(),
            self.app_type.to_ascii_lowercase(),
            self.app_name
        )
    }
}

/// What DescribeApp tells about an app's use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppActivity {
    /// The current status.
    pub status: String,
    /// The last time a user used it, if SageMaker knows.
    pub last_user_activity: Option<DateTime>,
    /// When it was created.
    pub creation_time: Option<DateTime>,
}

/// A notebook instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotebookInstance {
    /// The name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// `Pending`, `InService`, `Stopping`, `Stopped`, …
    pub status: String,
}

/// A SageMaker endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// `Creating`, `InService`, `Deleting`, `Failed`, …
    pub status: String,
}

/// A Service Catalog provisioned product, with its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedProduct {
    /// `pp-…`.
    pub id: String,
    /// The name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// `AVAILABLE`, `UNDER_CHANGE`, `TAINTED`, `ERROR`, `PLAN_IN_PROGRESS`.
    pub status: String,
    /// `CFN_STACK`, `CFN_STACKSET`, `TERRAFORM_…`, `EXTERNAL`.
    pub product_type: String,
    /// For `CFN_STACK`: the stack's ARN.
    pub physical_id: Option<String>,
    /// The last record (operation) on it.
    pub last_record_id: Option<String>,
    /// Its tags.
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
    /// `CREATE_COMPLETE`, `DELETE_COMPLETE`, `UPDATE_IN_PROGRESS`, …
    pub status: String,
    /// Whether termination protection is on.
    pub termination_protection: bool,
}

/// SageMaker Studio: domains and their apps.
pub trait StudioApps: Send + Sync {
    /// One page of ListDomains.
    fn list_domains(
        &self,
        next: Option<String>,
    ) -> impl Future<Output = Result<Page<Domain>, AwsError>> + Send;
    /// DescribeDomain; `None` if it does not exist.
    fn describe_domain(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<Domain>, AwsError>> + Send;
    /// One page of ListApps in a domain.
    fn list_apps(
        &self,
        domain_id: &str,
        next: Option<String>,
    ) -> impl Future<Output = Result<Page<App>, AwsError>> + Send;
    /// DescribeApp; `None` if it does not exist.
    fn describe_app(
        &self,
        app: &App,
    ) -> impl Future<Output = Result<Option<AppActivity>, AwsError>> + Send;
    /// DeleteApp.
    fn delete_app(&self, app: &App) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// SageMaker ListTags (domains, apps, notebook instances, endpoints).
pub trait SageMakerTags: Send + Sync {
    /// One page of a resource's tags.
    fn list_tags(
        &self,
        arn: &str,
        next: Option<String>,
    ) -> impl Future<Output = Result<Page<Tag>, AwsError>> + Send;
}

/// SageMaker notebook instances.
pub trait NotebookInstances: Send + Sync {
    /// One page of the notebook instances that are `InService` (the only ones that can be
    /// stopped).
    fn list_in_service_notebook_instances(
        &self,
        next: Option<String>,
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
        next: Option<String>,
    ) -> impl Future<Output = Result<Page<Endpoint>, AwsError>> + Send;
    /// DeleteEndpoint.
    fn delete_endpoint(&self, name: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// Service Catalog provisioned products of the whole account.
pub trait ProvisionedProducts: Send + Sync {
    /// One page of SearchProvisionedProducts at the account access level, with tags.
    fn search_provisioned_products(
        &self,
        next: Option<String>,
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

/// Everything the cleanup touches in one account and region.
pub trait Account:
    StudioApps + SageMakerTags + NotebookInstances + Endpoints + ProvisionedProducts + Stacks
{
}

impl<T> Account for T where
    T: StudioApps + SageMakerTags + NotebookInstances + Endpoints + ProvisionedProducts + Stacks
{
}
