//! An in-memory account for unit tests: the ports with AWS's statuses and errors, a call log,
//! injectable failures, small pages, and an optional delay per call (for deadline tests under
//! tokio's paused clock).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use aws_smithy_types::DateTime;
use cfn_custom_resource::{AwsError, AwsErrorKind};

use crate::ports::{
    App, AppActivity, AppOwner, Domain, Endpoint, Endpoints, NotebookInstance, NotebookInstances,
    Page, ProvisionedProduct, ProvisionedProducts, SageMakerTags, StackState, Stacks, StudioApps,
    Tag, Termination,
};

pub const REGION_ACCOUNT: &str = "arn:aws:sagemaker:us-east-1:123456789012";

#[derive(Debug, Clone)]
pub struct MemoryApp {
    pub app: App,
    pub arn: String,
    pub tags: Vec<Tag>,
    pub last_user_activity: Option<DateTime>,
}

#[derive(Debug, Default)]
struct State {
    domains: Vec<(Domain, Vec<Tag>)>,
    apps: Vec<MemoryApp>,
    notebooks: Vec<(NotebookInstance, Vec<Tag>)>,
    endpoints: Vec<(Endpoint, Vec<Tag>)>,
    products: Vec<ProvisionedProduct>,
    stacks: HashMap<String, StackState>,
    terminations: Vec<Termination>,
    /// (operation, resource) → (error, how many more calls fail).
    failures: Vec<(String, String, AwsError, usize)>,
    calls: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct MemoryAccount {
    state: Mutex<State>,
    page_size: usize,
    delay: Option<Duration>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub fn error(operation: &'static str, code: &str, kind: AwsErrorKind, message: &str) -> AwsError {
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
            delay: None,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }
}

impl MemoryAccount {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size;
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ---- arranging ------------------------------------------------------------------------

    /// A domain `id` with `tags`; returns its ARN.
    pub fn domain(&self, id: &str, status: &str, tags: &[(&str, &str)]) -> String {
        let arn = format!("{REGION_ACCOUNT}:domain/{id}");
        self.state().domains.push((
            Domain {
                id: id.to_owned(),
                arn: arn.clone(),
                status: status.to_owned(),
            },
            tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect(),
        ));
        arn
    }

    /// A managed domain.
    pub fn managed_domain(&self, id: &str) -> String {
        self.domain(id, "InService", &[("studio-catalog:managed", "true")])
    }

    /// An app of a user profile; returns its ARN.
    #[allow(clippy::too_many_arguments)]
    pub fn app(
        &self,
        domain_id: &str,
        owner: AppOwner,
        app_type: &str,
        status: &str,
        created: DateTime,
        last_user_activity: Option<DateTime>,
        tags: &[(&str, &str)],
    ) -> String {
        let app = App {
            domain_id: domain_id.to_owned(),
            owner,
            app_type: app_type.to_owned(),
            app_name: "default".to_owned(),
            status: status.to_owned(),
            creation_time: Some(created),
        };
        let arn = app.arn(&format!("{REGION_ACCOUNT}:domain/{domain_id}"));
        self.state().apps.push(MemoryApp {
            app,
            arn: arn.clone(),
            tags: tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect(),
            last_user_activity,
        });
        arn
    }

    pub fn notebook(&self, name: &str, status: &str, tags: &[(&str, &str)]) -> String {
        let arn = format!("{REGION_ACCOUNT}:notebook-instance/{name}");
        self.state().notebooks.push((
            NotebookInstance {
                name: name.to_owned(),
                arn: arn.clone(),
                status: status.to_owned(),
            },
            tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect(),
        ));
        arn
    }

    pub fn endpoint(&self, name: &str, status: &str, tags: &[(&str, &str)]) -> String {
        let arn = format!("{REGION_ACCOUNT}:endpoint/{name}");
        self.state().endpoints.push((
            Endpoint {
                name: name.to_owned(),
                arn: arn.clone(),
                status: status.to_owned(),
            },
            tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect(),
        ));
        arn
    }

    /// A provisioned product backed by stack `stack` (if any); returns its ARN.
    pub fn product(
        &self,
        id: &str,
        status: &str,
        stack: Option<StackState>,
        tags: &[(&str, &str)],
    ) -> String {
        let arn = format!("arn:aws:servicecatalog:us-east-1:123456789012:stack/{id}-name/{id}");
        let stack_id =
            format!("arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-{id}/1");
        let mut state = self.state();
        if let Some(stack) = stack {
            state.stacks.insert(stack_id.clone(), stack);
        }
        state.products.push(ProvisionedProduct {
            id: id.to_owned(),
            name: format!("{id}-name"),
            arn: arn.clone(),
            status: status.to_owned(),
            product_type: "CFN_STACK".to_owned(),
            physical_id: Some(stack_id),
            last_record_id: Some(format!("rec-{id}")),
            tags: tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect(),
        });
        arn
    }

    /// The next `count` calls of `operation` on a resource whose key contains `resource` fail.
    pub fn fail(&self, operation: &str, resource: &str, error: AwsError, count: usize) {
        self.state()
            .failures
            .push((operation.to_owned(), resource.to_owned(), error, count));
    }

    // ---- inspecting ---------------------------------------------------------------------

    pub fn calls(&self, operation: &str) -> Vec<String> {
        self.state()
            .calls
            .iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, key)| key.clone())
            .collect()
    }

    pub fn all_calls(&self) -> Vec<(String, String)> {
        self.state().calls.clone()
    }

    pub fn app_status(&self, arn: &str) -> Option<String> {
        self.state()
            .apps
            .iter()
            .find(|a| a.arn == arn)
            .map(|a| a.app.status.clone())
    }

    pub fn notebook_status(&self, name: &str) -> Option<String> {
        self.state()
            .notebooks
            .iter()
            .find(|(n, _)| n.name == name)
            .map(|(n, _)| n.status.clone())
    }

    pub fn endpoint_status(&self, name: &str) -> Option<String> {
        self.state()
            .endpoints
            .iter()
            .find(|(e, _)| e.name == name)
            .map(|(e, _)| e.status.clone())
    }

    pub fn terminations(&self) -> Vec<Termination> {
        self.state().terminations.clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    // ---- the call machinery ---------------------------------------------------------------

    /// Logs the call, waits the delay, and answers an injected failure if one is armed.
    async fn enter(&self, operation: &str, key: &str) -> Result<(), AwsError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
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

    fn page<T: Clone>(&self, items: &[T], next: Option<String>) -> Page<T> {
        let start: usize = next.and_then(|t| t.parse().ok()).unwrap_or(0);
        let end = (start + self.page_size).min(items.len());
        Page {
            items: items[start.min(end)..end].to_vec(),
            next: (end < items.len()).then(|| end.to_string()),
        }
    }
}

fn same_app(a: &App, b: &App) -> bool {
    a.domain_id == b.domain_id
        && a.owner == b.owner
        && a.app_type == b.app_type
        && a.app_name == b.app_name
}

impl StudioApps for MemoryAccount {
    async fn list_domains(&self, next: Option<String>) -> Result<Page<Domain>, AwsError> {
        self.enter("ListDomains", "").await?;
        let domains: Vec<Domain> = self
            .state()
            .domains
            .iter()
            .map(|(d, _)| d.clone())
            .collect();
        Ok(self.page(&domains, next))
    }

    async fn describe_domain(&self, domain_id: &str) -> Result<Option<Domain>, AwsError> {
        self.enter("DescribeDomain", domain_id).await?;
        Ok(self
            .state()
            .domains
            .iter()
            .find(|(d, _)| d.id == domain_id)
            .map(|(d, _)| d.clone()))
    }

    async fn list_apps(
        &self,
        domain_id: &str,
        next: Option<String>,
    ) -> Result<Page<App>, AwsError> {
        self.enter("ListApps", domain_id).await?;
        let apps: Vec<App> = self
            .state()
            .apps
            .iter()
            .filter(|a| a.app.domain_id == domain_id)
            .map(|a| a.app.clone())
            .collect();
        Ok(self.page(&apps, next))
    }

    async fn describe_app(&self, app: &App) -> Result<Option<AppActivity>, AwsError> {
        let arn = app.arn(&format!("{REGION_ACCOUNT}:domain/{}", app.domain_id));
        self.enter("DescribeApp", &arn).await?;
        Ok(self
            .state()
            .apps
            .iter()
            .find(|a| same_app(&a.app, app))
            .map(|a| AppActivity {
                status: a.app.status.clone(),
                last_user_activity: a.last_user_activity,
                creation_time: a.app.creation_time,
            }))
    }

    async fn delete_app(&self, app: &App) -> Result<(), AwsError> {
        let arn = app.arn(&format!("{REGION_ACCOUNT}:domain/{}", app.domain_id));
        self.enter("DeleteApp", &arn).await?;
        let mut state = self.state();
        let Some(found) = state.apps.iter_mut().find(|a| same_app(&a.app, app)) else {
            return Err(error(
                "DeleteApp",
                "ResourceNotFound",
                AwsErrorKind::NotFound,
                "Cannot find App",
            ));
        };
        match found.app.status.as_str() {
            "InService" | "Failed" => {
                found.app.status = "Deleting".to_owned();
                Ok(())
            }
            "Deleted" => Err(error(
                "DeleteApp",
                "ResourceNotFound",
                AwsErrorKind::NotFound,
                "already deleted",
            )),
            other => Err(error(
                "DeleteApp",
                "ResourceInUse",
                AwsErrorKind::InUse,
                &format!("App is {other}"),
            )),
        }
    }
}

impl SageMakerTags for MemoryAccount {
    async fn list_tags(&self, arn: &str, next: Option<String>) -> Result<Page<Tag>, AwsError> {
        self.enter("ListTags", arn).await?;
        let state = self.state();
        let tags = state
            .domains
            .iter()
            .find(|(d, _)| d.arn == arn)
            .map(|(_, t)| t.clone())
            .or_else(|| {
                state
                    .apps
                    .iter()
                    .find(|a| a.arn == arn)
                    .map(|a| a.tags.clone())
            })
            .or_else(|| {
                state
                    .notebooks
                    .iter()
                    .find(|(n, _)| n.arn == arn)
                    .map(|(_, t)| t.clone())
            })
            .or_else(|| {
                state
                    .endpoints
                    .iter()
                    .find(|(e, _)| e.arn == arn)
                    .map(|(_, t)| t.clone())
            });
        drop(state);
        match tags {
            Some(tags) => Ok(self.page(&tags, next)),
            None => Err(error(
                "ListTags",
                "ResourceNotFound",
                AwsErrorKind::NotFound,
                "no such resource",
            )),
        }
    }
}

impl NotebookInstances for MemoryAccount {
    async fn list_in_service_notebook_instances(
        &self,
        next: Option<String>,
    ) -> Result<Page<NotebookInstance>, AwsError> {
        self.enter("ListNotebookInstances", "").await?;
        let notebooks: Vec<NotebookInstance> = self
            .state()
            .notebooks
            .iter()
            .filter(|(n, _)| n.status == "InService")
            .map(|(n, _)| n.clone())
            .collect();
        Ok(self.page(&notebooks, next))
    }

    async fn stop_notebook_instance(&self, name: &str) -> Result<(), AwsError> {
        self.enter("StopNotebookInstance", name).await?;
        let mut state = self.state();
        let Some((notebook, _)) = state.notebooks.iter_mut().find(|(n, _)| n.name == name) else {
            return Err(error(
                "StopNotebookInstance",
                "ValidationException",
                AwsErrorKind::Invalid,
                "RecordNotFound",
            ));
        };
        if notebook.status != "InService" {
            return Err(error(
                "StopNotebookInstance",
                "ValidationException",
                AwsErrorKind::Invalid,
                &format!(
                    "Status ({}) not in ([InService]). Unable to transition to (Stopping)",
                    notebook.status
                ),
            ));
        }
        notebook.status = "Stopping".to_owned();
        Ok(())
    }
}

impl Endpoints for MemoryAccount {
    async fn list_endpoints(&self, next: Option<String>) -> Result<Page<Endpoint>, AwsError> {
        self.enter("ListEndpoints", "").await?;
        let endpoints: Vec<Endpoint> = self
            .state()
            .endpoints
            .iter()
            .map(|(e, _)| e.clone())
            .collect();
        Ok(self.page(&endpoints, next))
    }

    async fn delete_endpoint(&self, name: &str) -> Result<(), AwsError> {
        self.enter("DeleteEndpoint", name).await?;
        let mut state = self.state();
        match state.endpoints.iter_mut().find(|(e, _)| e.name == name) {
            Some((endpoint, _)) => {
                endpoint.status = "Deleting".to_owned();
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
        next: Option<String>,
    ) -> Result<Page<ProvisionedProduct>, AwsError> {
        self.enter("SearchProvisionedProducts", "").await?;
        let products = self.state().products.clone();
        Ok(self.page(&products, next))
    }

    async fn terminate_provisioned_product(
        &self,
        termination: &Termination,
    ) -> Result<String, AwsError> {
        self.enter(
            "TerminateProvisionedProduct",
            &termination.provisioned_product_id,
        )
        .await?;
        let mut state = self.state();
        state.terminations.push(termination.clone());
        match state
            .products
            .iter_mut()
            .find(|p| p.id == termination.provisioned_product_id)
        {
            Some(product) => {
                product.status = "UNDER_CHANGE".to_owned();
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
        self.enter("DescribeStacks", stack_id).await?;
        Ok(self.state().stacks.get(stack_id).cloned())
    }
}
