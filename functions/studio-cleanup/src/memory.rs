//! The unit tests' fakes. Studio is the suite's in-memory Studio as it is
//! ([`studio_sagemaker::memory::MemoryStudio`]: domains, apps, the tags of every SageMaker
//! resource, its call log and injected faults); [`MemoryAccount`] holds the cleanup's own
//! resources (notebook instances, endpoints, provisioned products, stacks) with AWS's statuses
//! and errors, a call log keyed by resource, injectable failures and small pages; [`Latency`] is
//! what every API call of a run passes through, whichever port it is on: an optional delay (for
//! deadline tests under tokio's paused clock) and the count of calls in flight. [`InMemory`]
//! arranges the three.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use aws_sdk_sagemaker::types::{EndpointStatus, NotebookInstanceStatus};
use aws_sdk_servicecatalog::types::ProvisionedProductStatus;
use aws_smithy_types::DateTime;
use lambda_support::{AwsError, AwsErrorKind};
use studio_sagemaker::memory::MemoryStudio;

use aws_sdk_sagemaker::types::SharingType;
use studio_sagemaker::ports::{IdleShutdown, space_arn, user_profile_arn};

use crate::notices::{Notice, RunReport};
use crate::ports::{
    App, AppOwner, Endpoint, Endpoints, Events, NotebookInstance, NotebookInstances, Page,
    ProvisionedProduct, ProvisionedProducts, StackState, Stacks, Tag, Termination, WarningLedger,
    tag,
};

pub(crate) const REGION_ACCOUNT: &str = "arn:aws:sagemaker:us-east-1:123456789012";

#[derive(Debug, Default)]
struct State {
    notebooks: Vec<NotebookInstance>,
    endpoints: Vec<Endpoint>,
    products: Vec<ProvisionedProduct>,
    stacks: HashMap<String, StackState>,
    terminations: Vec<Termination>,
    /// Every event published, with its bus.
    published: Vec<(String, Notice)>,
    /// Every run report published, with its bus.
    reports: Vec<(String, RunReport)>,
    /// The warning ledger: parameter name → value.
    ledger: std::collections::BTreeMap<String, String>,
    /// (operation, resource) → (error, how many more calls fail).
    failures: Vec<(String, String, AwsError, usize)>,
    calls: Vec<(String, String)>,
}

/// The cleanup's own resources in memory.
#[derive(Debug)]
pub(crate) struct MemoryAccount {
    state: Mutex<State>,
    page_size: usize,
}

/// An error as AWS answers it: `code`, `kind`, `message`.
pub(crate) fn error(
    operation: &'static str,
    code: &str,
    kind: AwsErrorKind,
    message: &str,
) -> AwsError {
    AwsError {
        operation,
        code: Some(code.to_owned()),
        message: message.to_owned(),
        kind,
    }
}

impl Default for MemoryAccount {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            page_size: 100,
        }
    }
}

/// What every API call of a run passes through in a unit test: the delay (if any), one call
/// more in flight meanwhile.
#[derive(Debug, Default)]
pub(crate) struct Latency {
    delay: Option<Duration>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Latency {
    /// Waits the delay, one call more in flight meanwhile.
    pub(crate) async fn pass(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// The most calls that were in flight at once.
    pub(crate) fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// What a unit test arranges: Studio, the cleanup's own resources, and the calls' latency.
#[derive(Debug)]
pub(crate) struct InMemory {
    pub(crate) studio: MemoryStudio,
    pub(crate) account: MemoryAccount,
    pub(crate) latency: Latency,
}

impl InMemory {
    /// Studio with statuses held as set and pages of 100, no resource, no delay.
    pub(crate) fn new() -> Self {
        let studio = MemoryStudio::default();
        studio.hold_statuses();
        studio.set_page_size(100);
        Self {
            studio,
            account: MemoryAccount::default(),
            latency: Latency::default(),
        }
    }

    /// Every listing answers at most `page_size` items a page.
    pub(crate) fn with_page_size(mut self, page_size: usize) -> Self {
        self.studio.set_page_size(page_size);
        self.account.page_size = page_size;
        self
    }

    /// Every API call takes `delay`.
    pub(crate) fn with_delay(mut self, delay: Duration) -> Self {
        self.latency.delay = Some(delay);
        self
    }

    /// A domain `id` with `tags`; returns its ARN.
    pub(crate) fn domain(&self, id: &str, status: &str, tags: &[(&str, &str)]) -> String {
        let arn = self.studio.add_domain(id, id, tags_of(tags));
        self.studio.set_domain_status(id, status.into());
        arn
    }

    /// A managed domain.
    pub(crate) fn managed_domain(&self, id: &str) -> String {
        self.domain(id, "InService", &[("studio-catalog:managed", "true")])
    }

    /// An app named `default` on an `ml.t3.medium`; returns its ARN.
    pub(crate) fn app(
        &self,
        domain_id: &str,
        owner: AppOwner,
        app_type: &str,
        status: &str,
        created: DateTime,
        tags: &[(&str, &str)],
    ) -> String {
        let app = App {
            creation_time: Some(created),
            instance_type: Some("ml.t3.medium".to_owned()),
            ..App::new(owner, app_type.into(), "default", status.into())
        };
        self.add_app(domain_id, app, tags)
    }

    /// `app` in the domain, tagged `tags`; returns its ARN.
    pub(crate) fn add_app(&self, domain_id: &str, app: App, tags: &[(&str, &str)]) -> String {
        let arn = app_arn(domain_id, &app);
        self.studio.add_app(domain_id, app);
        self.studio.set_tags(&arn, tags_of(tags));
        arn
    }

    /// A user profile tagged `tags` with its own idle settings `idle`; returns its ARN.
    pub(crate) fn user_profile(
        &self,
        domain_id: &str,
        name: &str,
        tags: &[(&str, &str)],
        idle: IdleShutdown,
    ) -> String {
        let arn = self.studio.add_user_profile(domain_id, name, tags_of(tags));
        self.studio
            .state()
            .profile_idle_shutdown
            .insert((domain_id.to_owned(), name.to_owned()), idle);
        debug_assert_eq!(arn, user_profile_arn(&domain_arn(domain_id), name));
        arn
    }

    /// A space owned by `owner` (private if `private`), tagged `tags`, with its own idle
    /// settings `idle`; returns its ARN.
    pub(crate) fn space(
        &self,
        domain_id: &str,
        name: &str,
        owner: Option<&str>,
        private: bool,
        tags: &[(&str, &str)],
        idle: IdleShutdown,
    ) -> String {
        let sharing = if private {
            SharingType::Private
        } else {
            SharingType::Shared
        };
        self.studio.add_space(domain_id, name, owner, Some(sharing));
        let arn = space_arn(&domain_arn(domain_id), name);
        self.studio.set_tags(&arn, tags_of(tags));
        self.studio
            .state()
            .space_idle_shutdown
            .insert((domain_id.to_owned(), name.to_owned()), idle);
        arn
    }

    /// The domain's default idle settings.
    pub(crate) fn domain_idle_defaults(&self, domain_id: &str, idle: IdleShutdown) {
        self.studio
            .state()
            .domain_idle_shutdown
            .insert(domain_id.to_owned(), idle);
    }

    pub(crate) fn notebook(&self, name: &str, status: &str, tags: &[(&str, &str)]) -> String {
        let arn = format!("{REGION_ACCOUNT}:notebook-instance/{name}");
        self.account.state().notebooks.push(NotebookInstance {
            name: name.to_owned(),
            arn: arn.clone(),
            status: status.into(),
            instance_type: Some("ml.t3.medium".to_owned()),
        });
        self.studio.set_tags(&arn, tags_of(tags));
        arn
    }

    pub(crate) fn endpoint(&self, name: &str, status: &str, tags: &[(&str, &str)]) -> String {
        let arn = format!("{REGION_ACCOUNT}:endpoint/{name}");
        self.account.state().endpoints.push(Endpoint {
            name: name.to_owned(),
            arn: arn.clone(),
            status: status.into(),
        });
        self.studio.set_tags(&arn, tags_of(tags));
        arn
    }

    /// A provisioned product backed by stack `stack` (if any); returns its ARN.
    pub(crate) fn product(
        &self,
        id: &str,
        status: &str,
        stack: Option<StackState>,
        tags: &[(&str, &str)],
    ) -> String {
        let arn = format!("arn:aws:servicecatalog:us-east-1:123456789012:stack/{id}-name/{id}");
        let stack_id =
            format!("arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-{id}/1");
        let mut state = self.account.state();
        if let Some(stack) = stack {
            state.stacks.insert(stack_id.clone(), stack);
        }
        state.products.push(ProvisionedProduct {
            id: id.to_owned(),
            name: format!("{id}-name"),
            arn: arn.clone(),
            status: status.into(),
            product_type: "CFN_STACK".to_owned(),
            physical_id: Some(stack_id),
            last_record_id: Some(format!("rec-{id}")),
            tags: tags_of(tags),
        });
        arn
    }

    /// The next `count` calls of the cleanup's own `operation` (not Studio's: see
    /// [`MemoryStudio::fail_next_on`]) on a resource whose key contains `resource` fail.
    pub(crate) fn fail(&self, operation: &str, resource: &str, error: AwsError, count: usize) {
        self.account.state().failures.push((
            operation.to_owned(),
            resource.to_owned(),
            error,
            count,
        ));
    }
}

impl MemoryAccount {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ---- inspecting ---------------------------------------------------------------------

    pub(crate) fn calls(&self, operation: &str) -> Vec<String> {
        self.state()
            .calls
            .iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, key)| key.clone())
            .collect()
    }

    pub(crate) fn all_calls(&self) -> Vec<(String, String)> {
        self.state().calls.clone()
    }

    pub(crate) fn notebook_status(&self, name: &str) -> Option<String> {
        self.state()
            .notebooks
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.status.as_str().to_owned())
    }

    pub(crate) fn endpoint_status(&self, name: &str) -> Option<String> {
        self.state()
            .endpoints
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.status.as_str().to_owned())
    }

    pub(crate) fn terminations(&self) -> Vec<Termination> {
        self.state().terminations.clone()
    }

    /// The run reports published, with their bus.
    pub(crate) fn reports(&self) -> Vec<(String, RunReport)> {
        self.state().reports.clone()
    }

    /// Every event published, with its bus.
    pub(crate) fn published(&self) -> Vec<(String, Notice)> {
        self.state().published.clone()
    }

    /// The ledger's value for product `id` under `path`.
    pub(crate) fn ledger_value(&self, path: &str, id: &str) -> Option<String> {
        self.state().ledger.get(&format!("{path}/{id}")).cloned()
    }

    // ---- the call machinery ---------------------------------------------------------------

    /// Logs the call and answers an injected failure if one is armed.
    fn enter(&self, operation: &str, key: &str) -> Result<(), AwsError> {
        let mut state = self.state();
        state.calls.push((operation.to_owned(), key.to_owned()));
        let armed = state.failures.iter_mut().find(|(op, resource, _, left)| {
            op == operation && key.contains(resource.as_str()) && *left > 0
        });
        if let Some((_, _, error, left)) = armed {
            *left -= 1;
            return Err(error.clone());
        }
        Ok(())
    }

    fn page<T: Clone>(&self, items: &[T], next_token: Option<String>) -> Page<T> {
        let start: usize = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let end = (start + self.page_size).min(items.len());
        Page {
            items: items[start.min(end)..end].to_vec(),
            next_token: (end < items.len()).then(|| end.to_string()),
        }
    }
}

fn tags_of(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs.iter().map(|(k, v)| tag(*k, *v)).collect()
}

pub(crate) fn domain_arn(domain_id: &str) -> String {
    format!("{REGION_ACCOUNT}:domain/{domain_id}")
}

pub(crate) fn app_arn(domain_id: &str, app: &App) -> String {
    app.arn(&domain_arn(domain_id))
}

impl Events for MemoryAccount {
    async fn put_report(&self, bus: &str, report: &RunReport) -> Result<usize, AwsError> {
        self.enter("PutEvents", bus)?;
        self.state().reports.push((bus.to_owned(), report.clone()));
        Ok(0)
    }

    async fn put_notices(&self, bus: &str, notices: &[Notice]) -> Result<usize, AwsError> {
        self.enter("PutEvents", bus)?;
        assert!(
            notices.len() <= crate::notices::MAX_ENTRIES_PER_CALL,
            "PutEvents takes at most 10 entries"
        );
        let mut state = self.state();
        for notice in notices {
            state.published.push((bus.to_owned(), notice.clone()));
        }
        Ok(0)
    }
}

impl WarningLedger for MemoryAccount {
    async fn list_warnings_page(
        &self,
        path: &str,
        next_token: Option<String>,
    ) -> Result<Page<(String, String)>, AwsError> {
        self.enter("GetParametersByPath", path)?;
        let prefix = format!("{path}/");
        let warnings: Vec<(String, String)> = self
            .state()
            .ledger
            .iter()
            .filter_map(|(name, value)| {
                let id = name.strip_prefix(&prefix)?;
                (!id.contains('/')).then(|| (id.to_owned(), value.clone()))
            })
            .collect();
        Ok(self.page(&warnings, next_token))
    }

    async fn put_warning(&self, path: &str, id: &str, value: &str) -> Result<(), AwsError> {
        self.enter("PutParameter", id)?;
        self.state()
            .ledger
            .insert(format!("{path}/{id}"), value.to_owned());
        Ok(())
    }

    async fn delete_warning(&self, path: &str, id: &str) -> Result<(), AwsError> {
        self.enter("DeleteParameter", id)?;
        self.state().ledger.remove(&format!("{path}/{id}"));
        Ok(())
    }
}

impl NotebookInstances for MemoryAccount {
    async fn list_in_service_notebook_instances(
        &self,
        next_token: Option<String>,
    ) -> Result<Page<NotebookInstance>, AwsError> {
        self.enter("ListNotebookInstances", "")?;
        let notebooks: Vec<NotebookInstance> = self
            .state()
            .notebooks
            .iter()
            .filter(|n| n.status == NotebookInstanceStatus::InService)
            .cloned()
            .collect();
        Ok(self.page(&notebooks, next_token))
    }

    async fn stop_notebook_instance(&self, name: &str) -> Result<(), AwsError> {
        self.enter("StopNotebookInstance", name)?;
        let mut state = self.state();
        let Some(notebook) = state.notebooks.iter_mut().find(|n| n.name == name) else {
            return Err(error(
                "StopNotebookInstance",
                "ValidationException",
                AwsErrorKind::Invalid,
                "RecordNotFound",
            ));
        };
        if notebook.status != NotebookInstanceStatus::InService {
            return Err(error(
                "StopNotebookInstance",
                "ValidationException",
                AwsErrorKind::Invalid,
                &format!(
                    "Status ({}) not in ([InService]). Unable to transition to (Stopping)",
                    notebook.status.as_str()
                ),
            ));
        }
        notebook.status = NotebookInstanceStatus::Stopping;
        Ok(())
    }
}

impl Endpoints for MemoryAccount {
    async fn list_endpoints(&self, next_token: Option<String>) -> Result<Page<Endpoint>, AwsError> {
        self.enter("ListEndpoints", "")?;
        let endpoints: Vec<Endpoint> = self.state().endpoints.clone();
        Ok(self.page(&endpoints, next_token))
    }

    async fn delete_endpoint(&self, name: &str) -> Result<(), AwsError> {
        self.enter("DeleteEndpoint", name)?;
        let mut state = self.state();
        match state.endpoints.iter_mut().find(|e| e.name == name) {
            Some(endpoint) => {
                endpoint.status = EndpointStatus::Deleting;
                Ok(())
            }
            None => Err(error(
                "DeleteEndpoint",
                "ValidationException",
                AwsErrorKind::Invalid,
                "Could not find endpoint",
            )),
        }
    }
}

impl ProvisionedProducts for MemoryAccount {
    async fn search_provisioned_products(
        &self,
        next_token: Option<String>,
    ) -> Result<Page<ProvisionedProduct>, AwsError> {
        self.enter("SearchProvisionedProducts", "")?;
        let products = self.state().products.clone();
        Ok(self.page(&products, next_token))
    }

    async fn terminate_provisioned_product(
        &self,
        termination: &Termination,
    ) -> Result<String, AwsError> {
        self.enter(
            "TerminateProvisionedProduct",
            &termination.provisioned_product_id,
        )?;
        let mut state = self.state();
        state.terminations.push(termination.clone());
        match state
            .products
            .iter_mut()
            .find(|p| p.id == termination.provisioned_product_id)
        {
            Some(product) => {
                product.status = ProvisionedProductStatus::UnderChange;
                Ok(format!("rec-terminate-{}", product.id))
            }
            None => Err(error(
                "TerminateProvisionedProduct",
                "ResourceNotFoundException",
                AwsErrorKind::NotFound,
                "not found",
            )),
        }
    }
}

impl Stacks for MemoryAccount {
    async fn describe_stack(&self, stack_id: &str) -> Result<Option<StackState>, AwsError> {
        self.enter("DescribeStacks", stack_id)?;
        Ok(self.state().stacks.get(stack_id).cloned())
    }
}
