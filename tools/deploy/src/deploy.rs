//! `deploy`: creates or updates the core stack and the portfolio stack, reporting stack events
//! as they happen and a progress bar, then the outputs; a failed deploy reports the failing
//! resources' reasons.
//!
//! Written against the small [`Stacks`] port (the CloudFormation API the deploy needs), so the
//! walk-through and the tests can drive it with any client.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    future::Future,
    time::{Duration, Instant},
};

use thiserror::Error;

use crate::{
    package::{CORE_TEMPLATE, PORTFOLIO_TEMPLATE, PackageManifest, rewritten_parameters},
    report::DeployReporter,
};

/// A failed CloudFormation call.
#[derive(Debug, Clone, Error)]
#[error("CloudFormation {operation} failed: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct StackApiError {
    /// The operation.
    pub operation: &'static str,
    /// The error code (`ValidationError`, `Throttling`...), when the service sent one.
    pub code: Option<String>,
    /// The message.
    pub message: String,
}

impl StackApiError {
    /// `UpdateStack` refused because the template and parameters are unchanged.
    pub fn is_no_updates(&self) -> bool {
        self.message.contains("No updates are to be performed")
    }
}

/// One parameter of a create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// A value.
    Value {
        /// Parameter name.
        key: String,
        /// Its value.
        value: String,
    },
    /// Keep the stack's current value.
    Previous {
        /// Parameter name.
        key: String,
    },
}

/// A stack to create or update from a staged template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackRequest {
    /// The stack name.
    pub stack_name: String,
    /// HTTPS URL of the template in S3.
    pub template_url: String,
    /// Parameters; those not listed take the template default.
    pub parameters: Vec<ParameterValue>,
    /// Idempotency token of the operation (also tags its events in AWS).
    pub client_request_token: String,
}

/// A stack as `DescribeStacks` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackState {
    /// The stack id (ARN).
    pub stack_id: String,
    /// `CREATE_COMPLETE`, `UPDATE_IN_PROGRESS`, ...
    pub status: String,
    /// Why it is in that status, when CloudFormation says.
    pub status_reason: Option<String>,
    /// Its parameters and their values (`****` for `NoEcho` ones).
    pub parameters: BTreeMap<String, String>,
    /// Its outputs.
    pub outputs: BTreeMap<String, String>,
}

/// A stack event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackEvent {
    /// Unique id.
    pub event_id: String,
    /// The resource's logical id (the stack name for the stack itself).
    pub logical_id: String,
    /// Its physical id, when it has one.
    pub physical_id: Option<String>,
    /// `AWS::IAM::Role`, ... (`AWS::CloudFormation::Stack` for the stack itself).
    pub resource_type: String,
    /// `CREATE_IN_PROGRESS`, `CREATE_FAILED`, ...
    pub status: String,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
    /// RFC 3339 time of the event.
    pub timestamp: String,
}

impl StackEvent {
    /// Whether the event is about the stack itself rather than one of its resources.
    pub fn is_stack(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack"
    }
}

/// One page of stack events, newest first.
#[derive(Debug, Clone, Default)]
pub struct EventPage {
    /// The events, newest first.
    pub events: Vec<StackEvent>,
    /// The token of the next (older) page.
    pub next_token: Option<String>,
}

/// What `GetTemplateSummary` says about a template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateSummary {
    /// The parameters it declares, with their defaults.
    pub parameters: BTreeMap<String, Option<String>>,
    /// How many resources it declares.
    pub resource_count: usize,
}

/// Whether `UpdateStack` started an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStarted {
    /// An update is running.
    Started,
    /// Nothing to change.
    NoChanges,
}

/// The CloudFormation API the deploy needs.
pub trait Stacks: Send + Sync {
    /// The stack, or `None` if there is none of that name.
    fn describe_stack(
        &self,
        stack_name: &str,
    ) -> impl Future<Output = Result<Option<StackState>, StackApiError>> + Send;

    /// What the template declares.
    fn template_summary(
        &self,
        template_url: &str,
    ) -> impl Future<Output = Result<TemplateSummary, StackApiError>> + Send;

    /// Starts a create; returns the stack id.
    fn create_stack(
        &self,
        request: &StackRequest,
    ) -> impl Future<Output = Result<String, StackApiError>> + Send;

    /// Starts an update.
    fn update_stack(
        &self,
        request: &StackRequest,
    ) -> impl Future<Output = Result<UpdateStarted, StackApiError>> + Send;

    /// Starts a delete.
    fn delete_stack(&self, stack: &str) -> impl Future<Output = Result<(), StackApiError>> + Send;

    /// A page of the stack's events, newest first.
    fn stack_events(
        &self,
        stack: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<EventPage, StackApiError>> + Send;
}

/// What the deploy did to a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackAction {
    /// Created it.
    Create,
    /// Updated it.
    Update,
}

impl std::fmt::Display for StackAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Create => "create",
            Self::Update => "update",
        })
    }
}

/// A deployed stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedStack {
    /// The stack name.
    pub stack_name: String,
    /// The stack id.
    pub stack_id: String,
    /// Its final status.
    pub status: String,
    /// Whether anything changed (`false`: "No updates are to be performed").
    pub changed: bool,
    /// Its outputs.
    pub outputs: BTreeMap<String, String>,
}

/// A resource that failed, with CloudFormation's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceFailure {
    /// Logical id.
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// `CREATE_FAILED`, ...
    pub status: String,
    /// `ResourceStatusReason`.
    pub reason: String,
}

impl std::fmt::Display for ResourceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) {}: {}",
            self.logical_id, self.resource_type, self.status, self.reason
        )
    }
}

/// Why a deploy failed.
#[derive(Debug, Error)]
pub enum DeployError {
    /// A CloudFormation call failed.
    #[error(transparent)]
    Api(#[from] StackApiError),
    /// The stack ended in a failed or rolled-back status.
    #[error("stack {stack} ended in {status}{}", failures_suffix(.failures, .reason.as_deref()))]
    StackFailed {
        /// The stack name.
        stack: String,
        /// Its final status.
        status: String,
        /// The stack's own status reason.
        reason: Option<String>,
        /// The failing resources, first failure first.
        failures: Vec<ResourceFailure>,
    },
    /// The stack is busy or needs an operator (e.g. `UPDATE_ROLLBACK_FAILED`).
    #[error("stack {stack} is {status}: {what}")]
    NotDeployable {
        /// The stack name.
        stack: String,
        /// Its status.
        status: String,
        /// What to do.
        what: &'static str,
    },
    /// The stack did not settle in time.
    #[error("stack {stack} still {status} after {waited:?}")]
    Timeout {
        /// The stack name.
        stack: String,
        /// Its last status.
        status: String,
        /// How long we waited.
        waited: Duration,
    },
    /// The manifest lacks a template URL.
    #[error("the package manifest has no URL for {0}; run `package` again")]
    NotPackaged(&'static str),
    /// The core stack lacks an output the portfolio needs.
    #[error("the core stack has no output {0}")]
    MissingOutput(&'static str),
}

fn failures_suffix(failures: &[ResourceFailure], reason: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(reason) = reason {
        text.push_str(&format!(" ({reason})"));
    }
    for failure in failures {
        text.push_str(&format!("\n  {failure}"));
    }
    text
}

/// Timing of a deploy.
#[derive(Debug, Clone, Copy)]
pub struct DeploySettings {
    /// Pause between two polls of the stack.
    pub poll_interval: Duration,
    /// How long to wait for one stack.
    pub timeout: Duration,
}

impl Default for DeploySettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(60 * 60),
        }
    }
}

/// How `DescribeStacks` shows the value of a `NoEcho` parameter.
const NO_ECHO_MASK: &str = "****";

/// Statuses in which a stack has settled after a create or update.
fn is_settled(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

fn is_success(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

/// Creates `request.stack_name` or updates it.
///
/// On an update, a parameter the request does not give keeps the value the stack has when it
/// was set to something other than the (new) template's default; a parameter left at its
/// default follows the template, and so do those in `fresh_defaults` (what `package` sets).
/// Values are passed explicitly (`UsePreviousValue` only for `NoEcho` parameters, whose value
/// CloudFormation does not show).
pub async fn deploy_stack<S: Stacks>(
    stacks: &S,
    request: &StackRequest,
    fresh_defaults: &[&str],
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<DeployedStack, DeployError> {
    let name = request.stack_name.as_str();
    let summary = stacks.template_summary(&request.template_url).await?;
    let mut existing = stacks.describe_stack(name).await?;

    if let Some(state) = &existing {
        match state.status.as_str() {
            "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "CREATE_FAILED" => {
                // A failed first create: nothing to update, CloudFormation wants it deleted.
                reporter.note(&format!(
                    "stack {name} is {} after a failed create: deleting it first",
                    state.status
                ));
                stacks.delete_stack(&state.stack_id).await?;
                wait_until_gone(stacks, name, &state.stack_id, settings).await?;
                existing = None;
            }
            "UPDATE_ROLLBACK_FAILED" => {
                return Err(DeployError::NotDeployable {
                    stack: name.to_owned(),
                    status: state.status.clone(),
                    what: "continue the update rollback (ContinueUpdateRollback) first",
                });
            }
            "DELETE_FAILED" => {
                return Err(DeployError::NotDeployable {
                    stack: name.to_owned(),
                    status: state.status.clone(),
                    what: "delete it (retaining the resources that cannot be deleted) first",
                });
            }
            status if !is_settled(status) || status == "REVIEW_IN_PROGRESS" => {
                return Err(DeployError::NotDeployable {
                    stack: name.to_owned(),
                    status: state.status.clone(),
                    what: "another operation is running; try again when it has finished",
                });
            }
            _ => {}
        }
    }

    let action = if existing.is_some() {
        StackAction::Update
    } else {
        StackAction::Create
    };
    let mut effective = request.clone();
    if let Some(state) = &existing {
        let given: HashSet<&str> = request
            .parameters
            .iter()
            .map(|p| match p {
                ParameterValue::Value { key, .. } | ParameterValue::Previous { key } => {
                    key.as_str()
                }
            })
            .collect();
        for (key, previous) in &state.parameters {
            let Some(default) = summary.parameters.get(key) else {
                continue; // no longer declared
            };
            if given.contains(key.as_str()) || fresh_defaults.contains(&key.as_str()) {
                continue;
            }
            if previous == NO_ECHO_MASK {
                effective
                    .parameters
                    .push(ParameterValue::Previous { key: key.clone() });
            } else if default.as_deref() != Some(previous.as_str()) {
                effective.parameters.push(ParameterValue::Value {
                    key: key.clone(),
                    value: previous.clone(),
                });
            }
        }
    }

    reporter.stack_started(name, action, summary.resource_count);
    let started = Instant::now();

    // Events older than the operation are not shown: remember the newest one.
    let watermark = match &existing {
        Some(state) => stacks
            .stack_events(&state.stack_id, None)
            .await?
            .events
            .first()
            .map(|e| e.event_id.clone()),
        None => None,
    };

    let stack_id = match (&existing, action) {
        (Some(state), StackAction::Update) => match stacks.update_stack(&effective).await {
            Ok(UpdateStarted::Started) => state.stack_id.clone(),
            Ok(UpdateStarted::NoChanges) => {
                let deployed = DeployedStack {
                    stack_name: name.to_owned(),
                    stack_id: state.stack_id.clone(),
                    status: state.status.clone(),
                    changed: false,
                    outputs: state.outputs.clone(),
                };
                reporter.stack_finished(&deployed, started.elapsed());
                return Ok(deployed);
            }
            Err(error) => return Err(error.into()),
        },
        _ => stacks.create_stack(&effective).await?,
    };

    let mut tracker = EventTracker::new(watermark, summary.resource_count);
    loop {
        for event in tracker.fetch_new(stacks, &stack_id).await? {
            reporter.stack_event(&event);
        }
        reporter.progress(tracker.done(), tracker.total);

        let state = stacks.describe_stack(&stack_id).await?.unwrap_or_default();
        if is_settled(&state.status) && !state.status.is_empty() {
            // Events written just before the status changed.
            for event in tracker.fetch_new(stacks, &stack_id).await? {
                reporter.stack_event(&event);
            }
            if is_success(&state.status) {
                reporter.progress(tracker.total, tracker.total);
                let deployed = DeployedStack {
                    stack_name: name.to_owned(),
                    stack_id: stack_id.clone(),
                    status: state.status,
                    changed: true,
                    outputs: state.outputs,
                };
                reporter.stack_finished(&deployed, started.elapsed());
                return Ok(deployed);
            }
            let failures = tracker.failures();
            reporter.stack_failed(
                name,
                &state.status,
                state.status_reason.as_deref(),
                &failures,
            );
            return Err(DeployError::StackFailed {
                stack: name.to_owned(),
                status: state.status,
                reason: state.status_reason,
                failures,
            });
        }
        if started.elapsed() >= settings.timeout {
            return Err(DeployError::Timeout {
                stack: name.to_owned(),
                status: state.status,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}

async fn wait_until_gone<S: Stacks>(
    stacks: &S,
    name: &str,
    stack_id: &str,
    settings: DeploySettings,
) -> Result<(), DeployError> {
    let started = Instant::now();
    loop {
        match stacks.describe_stack(stack_id).await? {
            None => return Ok(()),
            Some(state) if state.status == "DELETE_COMPLETE" => return Ok(()),
            Some(state) if state.status == "DELETE_FAILED" => {
                return Err(DeployError::NotDeployable {
                    stack: name.to_owned(),
                    status: state.status,
                    what: "it could not be deleted; delete it by hand",
                });
            }
            Some(state) if started.elapsed() >= settings.timeout => {
                return Err(DeployError::Timeout {
                    stack: name.to_owned(),
                    status: state.status,
                    waited: started.elapsed(),
                });
            }
            Some(_) => tokio::time::sleep(settings.poll_interval).await,
        }
    }
}

/// The events of one operation: new ones in order, progress, failures.
struct EventTracker {
    watermark: Option<String>,
    seen: HashSet<String>,
    events: Vec<StackEvent>,
    last_status: HashMap<String, String>,
    total: usize,
}

/// At most this many pages are read per poll (100 events each).
const MAX_EVENT_PAGES: usize = 20;

impl EventTracker {
    fn new(watermark: Option<String>, total: usize) -> Self {
        Self {
            watermark,
            seen: HashSet::new(),
            events: Vec::new(),
            last_status: HashMap::new(),
            total,
        }
    }

    /// The events written since the last call, oldest first.
    async fn fetch_new<S: Stacks>(
        &mut self,
        stacks: &S,
        stack_id: &str,
    ) -> Result<Vec<StackEvent>, StackApiError> {
        let mut fresh = Vec::new();
        let mut token = None;
        'pages: for _ in 0..MAX_EVENT_PAGES {
            let page = stacks.stack_events(stack_id, token).await?;
            for event in page.events {
                if self.watermark.as_deref() == Some(event.event_id.as_str())
                    || self.seen.contains(&event.event_id)
                {
                    break 'pages;
                }
                fresh.push(event);
            }
            match page.next_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        fresh.reverse();
        for event in &fresh {
            self.seen.insert(event.event_id.clone());
            if !event.is_stack() {
                self.last_status
                    .insert(event.logical_id.clone(), event.status.clone());
            }
        }
        self.events.extend(fresh.iter().cloned());
        Ok(fresh)
    }

    /// Resources that reached a final status in this operation.
    fn done(&self) -> usize {
        let done = self
            .last_status
            .values()
            .filter(|status| !status.ends_with("_IN_PROGRESS"))
            .count();
        done.min(self.total)
    }

    /// The resources that failed, first failure first.
    fn failures(&self) -> Vec<ResourceFailure> {
        self.events
            .iter()
            .filter(|e| e.status.ends_with("_FAILED") && !e.is_stack())
            .map(|e| ResourceFailure {
                logical_id: e.logical_id.clone(),
                resource_type: e.resource_type.clone(),
                status: e.status.clone(),
                reason: e
                    .reason
                    .clone()
                    .unwrap_or_else(|| "(no reason given)".into()),
            })
            .collect()
    }
}

/// What [`deploy_suite`] deploys.
#[derive(Debug, Clone)]
pub struct SuiteRequest {
    /// The core stack's name.
    pub core_stack_name: String,
    /// The portfolio stack's name; `None` deploys only the core stack.
    pub portfolio_stack_name: Option<String>,
    /// Core stack parameters (`Key`, `Value`).
    pub core_parameters: Vec<(String, String)>,
    /// Portfolio stack parameters (`Key`, `Value`).
    pub portfolio_parameters: Vec<(String, String)>,
}

impl SuiteRequest {
    /// Both stacks under their default names, no parameters.
    pub fn new() -> Self {
        Self {
            core_stack_name: "studio-catalog-core".into(),
            portfolio_stack_name: Some("studio-catalog-portfolio".into()),
            core_parameters: Vec::new(),
            portfolio_parameters: Vec::new(),
        }
    }
}

impl Default for SuiteRequest {
    fn default() -> Self {
        Self::new()
    }
}

/// The deployed stacks.
#[derive(Debug, Clone)]
pub struct SuiteDeployment {
    /// The core stack.
    pub core: DeployedStack,
    /// The portfolio stack, unless skipped.
    pub portfolio: Option<DeployedStack>,
}

/// Deploys the core stack, then the portfolio stack, from what `package` staged. The
/// portfolio follows the core stack's `NamePrefix` and `ProductRolePrefix` unless given.
pub async fn deploy_suite<S: Stacks>(
    stacks: &S,
    manifest: &PackageManifest,
    request: &SuiteRequest,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<SuiteDeployment, DeployError> {
    let token = client_request_token();
    let core_request = StackRequest {
        stack_name: request.core_stack_name.clone(),
        template_url: manifest
            .core_template_url()
            .ok_or(DeployError::NotPackaged(CORE_TEMPLATE))?
            .to_owned(),
        parameters: values(&request.core_parameters),
        client_request_token: format!("{token}-core"),
    };
    let core = deploy_stack(
        stacks,
        &core_request,
        rewritten_parameters(CORE_TEMPLATE),
        settings,
        reporter,
    )
    .await?;

    let Some(portfolio_name) = &request.portfolio_stack_name else {
        return Ok(SuiteDeployment {
            core,
            portfolio: None,
        });
    };
    let mut parameters = request.portfolio_parameters.clone();
    for (portfolio_key, core_output) in [
        ("CoreNamePrefix", "NamePrefix"),
        ("ProductRolePrefix", "ProductRolePrefix"),
    ] {
        if !parameters.iter().any(|(key, _)| key == portfolio_key) {
            let value = core
                .outputs
                .get(core_output)
                .ok_or(DeployError::MissingOutput(core_output))?;
            parameters.push((portfolio_key.to_owned(), value.clone()));
        }
    }
    let portfolio_request = StackRequest {
        stack_name: portfolio_name.clone(),
        template_url: manifest
            .portfolio_template_url()
            .ok_or(DeployError::NotPackaged(PORTFOLIO_TEMPLATE))?
            .to_owned(),
        parameters: values(&parameters),
        client_request_token: format!("{token}-portfolio"),
    };
    let portfolio = deploy_stack(
        stacks,
        &portfolio_request,
        rewritten_parameters(PORTFOLIO_TEMPLATE),
        settings,
        reporter,
    )
    .await?;
    Ok(SuiteDeployment {
        core,
        portfolio: Some(portfolio),
    })
}

fn values(parameters: &[(String, String)]) -> Vec<ParameterValue> {
    parameters
        .iter()
        .map(|(key, value)| ParameterValue::Value {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// `studio-catalog-deploy-<unix millis>`: unique per run, valid as a ClientRequestToken.
fn client_request_token() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("studio-catalog-deploy-{millis}")
}

#[cfg(test)]
pub(crate) mod fake {
    //! A scripted in-memory [`Stacks`] for unit tests: each stack plays a list of statuses and
    //! events, one step per `DescribeStacks`.

    use std::{collections::BTreeMap, sync::Mutex};

    use super::*;

    /// One poll's worth of change: the events it adds and the status it leaves.
    #[derive(Debug, Clone)]
    pub struct Step {
        pub events: Vec<StackEvent>,
        pub status: &'static str,
        pub reason: Option<&'static str>,
    }

    #[derive(Debug, Default)]
    pub struct FakeStack {
        pub state: StackState,
        /// Newest first, like the API.
        pub events: Vec<StackEvent>,
        pub script: Vec<Step>,
    }

    #[derive(Debug, Default)]
    pub struct FakeStacks {
        pub stacks: Mutex<BTreeMap<String, FakeStack>>,
        pub summary: TemplateSummary,
        /// What the next creates or updates play, in order.
        pub scripts: Mutex<std::collections::VecDeque<Vec<Step>>>,
        pub outputs_after: BTreeMap<String, String>,
        pub requests: Mutex<Vec<(&'static str, StackRequest)>>,
        pub deleted: Mutex<Vec<String>>,
        pub page_size: usize,
    }

    pub fn event(id: usize, logical_id: &str, status: &str, reason: Option<&str>) -> StackEvent {
        StackEvent {
            event_id: format!("e{id}"),
            logical_id: logical_id.to_owned(),
            physical_id: None,
            resource_type: if logical_id == "stack" {
                "AWS::CloudFormation::Stack".into()
            } else {
                "AWS::IAM::Role".into()
            },
            status: status.to_owned(),
            reason: reason.map(str::to_owned),
            timestamp: format!("2026-11-23T10:00:{:02}Z", id % 60),
        }
    }

    impl FakeStacks {
        pub fn new(resource_count: usize, parameters: &[(&str, Option<&str>)]) -> Self {
            Self {
                summary: TemplateSummary {
                    parameters: parameters
                        .iter()
                        .map(|(k, d)| ((*k).to_owned(), d.map(str::to_owned)))
                        .collect(),
                    resource_count,
                },
                page_size: 100,
                ..Self::default()
            }
        }

        pub fn with_stack(
            self,
            name: &str,
            status: &str,
            parameters: &[(&str, &str)],
            old_events: usize,
        ) -> Self {
            let stack = FakeStack {
                state: StackState {
                    stack_id: format!("arn:stack/{name}"),
                    status: status.to_owned(),
                    status_reason: None,
                    parameters: parameters
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                    outputs: BTreeMap::from([("Old".into(), "output".into())]),
                },
                events: (0..old_events)
                    .rev()
                    .map(|i| event(1000 + i, "Old", "CREATE_COMPLETE", None))
                    .collect(),
                script: Vec::new(),
            };
            self.stacks.lock().unwrap().insert(name.to_owned(), stack);
            self
        }

        /// The next create or update plays `script`.
        pub fn playing(self, script: Vec<Step>) -> Self {
            self.scripts.lock().unwrap().push_back(script);
            self
        }

        fn find<'a>(
            stacks: &'a mut BTreeMap<String, FakeStack>,
            name_or_id: &str,
        ) -> Option<&'a mut FakeStack> {
            let key = stacks
                .iter()
                .find(|(name, s)| *name == name_or_id || s.state.stack_id == name_or_id)
                .map(|(name, _)| name.clone())?;
            stacks.get_mut(&key)
        }

        fn start(&self, operation: &'static str, request: &StackRequest) -> String {
            self.requests
                .lock()
                .unwrap()
                .push((operation, request.clone()));
            let mut stacks = self.stacks.lock().unwrap();
            let stack = stacks.entry(request.stack_name.clone()).or_default();
            stack.state.stack_id = format!("arn:stack/{}", request.stack_name);
            stack.state.status = format!("{}_IN_PROGRESS", operation.to_uppercase());
            stack.script = self.scripts.lock().unwrap().pop_front().unwrap_or_default();
            stack.state.stack_id.clone()
        }
    }

    impl Stacks for FakeStacks {
        async fn describe_stack(&self, name: &str) -> Result<Option<StackState>, StackApiError> {
            let mut stacks = self.stacks.lock().unwrap();
            let Some(stack) = Self::find(&mut stacks, name) else {
                return Ok(None);
            };
            if !stack.script.is_empty() {
                let step = stack.script.remove(0);
                for event in step.events {
                    stack.events.insert(0, event);
                }
                stack.state.status = step.status.to_owned();
                stack.state.status_reason = step.reason.map(str::to_owned);
                if step.status.ends_with("_COMPLETE") {
                    stack.state.outputs = self.outputs_after.clone();
                }
            }
            Ok(Some(stack.state.clone()))
        }

        async fn template_summary(&self, _url: &str) -> Result<TemplateSummary, StackApiError> {
            Ok(self.summary.clone())
        }

        async fn create_stack(&self, request: &StackRequest) -> Result<String, StackApiError> {
            Ok(self.start("create", request))
        }

        async fn update_stack(
            &self,
            request: &StackRequest,
        ) -> Result<UpdateStarted, StackApiError> {
            if self.scripts.lock().unwrap().is_empty() {
                self.requests
                    .lock()
                    .unwrap()
                    .push(("update", request.clone()));
                return Ok(UpdateStarted::NoChanges);
            }
            self.start("update", request);
            Ok(UpdateStarted::Started)
        }

        async fn delete_stack(&self, stack: &str) -> Result<(), StackApiError> {
            let mut stacks = self.stacks.lock().unwrap();
            let name = Self::find(&mut stacks, stack).map(|s| s.state.stack_id.clone());
            if let Some(id) = name {
                stacks.retain(|_, s| s.state.stack_id != id);
                self.deleted.lock().unwrap().push(id);
            }
            Ok(())
        }

        async fn stack_events(
            &self,
            stack: &str,
            next_token: Option<String>,
        ) -> Result<EventPage, StackApiError> {
            let mut stacks = self.stacks.lock().unwrap();
            let Some(stack) = Self::find(&mut stacks, stack) else {
                return Ok(EventPage::default());
            };
            let start: usize = next_token.map_or(0, |t| t.parse().unwrap());
            let end = (start + self.page_size).min(stack.events.len());
            Ok(EventPage {
                events: stack.events[start..end].to_vec(),
                next_token: (end < stack.events.len()).then(|| end.to_string()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        fake::{FakeStacks, Step, event},
        *,
    };
    use crate::report::RecordingReporter;

    fn settings() -> DeploySettings {
        DeploySettings {
            poll_interval: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
        }
    }

    fn request(parameters: &[(&str, &str)]) -> StackRequest {
        StackRequest {
            stack_name: "core".into(),
            template_url: "https://b.s3.us-east-1.amazonaws.com/t.yaml".into(),
            parameters: parameters
                .iter()
                .map(|(k, v)| ParameterValue::Value {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
            client_request_token: "t".into(),
        }
    }

    fn step(events: Vec<StackEvent>, status: &'static str) -> Step {
        Step {
            events,
            status,
            reason: None,
        }
    }

    #[tokio::test]
    async fn a_new_stack_is_created_and_its_events_reported_in_order() {
        let stacks = FakeStacks {
            outputs_after: BTreeMap::from([("Token".into(), "arn:fn".into())]),
            ..FakeStacks::new(2, &[])
        }
        .playing(vec![
            step(
                vec![
                    event(1, "stack", "CREATE_IN_PROGRESS", Some("User Initiated")),
                    event(2, "Role", "CREATE_IN_PROGRESS", None),
                ],
                "CREATE_IN_PROGRESS",
            ),
            step(
                vec![
                    event(3, "Role", "CREATE_COMPLETE", None),
                    event(4, "Function", "CREATE_COMPLETE", None),
                    event(5, "stack", "CREATE_COMPLETE", None),
                ],
                "CREATE_COMPLETE",
            ),
        ]);
        let mut reporter = RecordingReporter::default();

        let deployed = deploy_stack(&stacks, &request(&[]), &[], settings(), &mut reporter)
            .await
            .unwrap();

        assert_eq!(deployed.status, "CREATE_COMPLETE");
        assert!(deployed.changed);
        assert_eq!(deployed.outputs["Token"], "arn:fn");
        assert_eq!(
            reporter.started,
            vec![("core".to_owned(), StackAction::Create, 2)]
        );
        let ids: Vec<&str> = reporter
            .events
            .iter()
            .map(|e| e.event_id.as_str())
            .collect();
        assert_eq!(ids, ["e1", "e2", "e3", "e4", "e5"]);
        assert_eq!(reporter.progress.last(), Some(&(2, 2)));
        assert_eq!(stacks.requests.lock().unwrap()[0].0, "create");
    }

    #[tokio::test]
    async fn the_progress_counts_resources_that_finished() {
        let stacks = FakeStacks::new(4, &[]).playing(vec![
            step(
                vec![
                    event(1, "A", "CREATE_IN_PROGRESS", None),
                    event(2, "B", "CREATE_IN_PROGRESS", None),
                ],
                "CREATE_IN_PROGRESS",
            ),
            step(
                vec![event(3, "A", "CREATE_COMPLETE", None)],
                "CREATE_IN_PROGRESS",
            ),
            step(
                vec![event(4, "B", "CREATE_COMPLETE", None)],
                "CREATE_COMPLETE",
            ),
        ]);
        let mut reporter = RecordingReporter::default();

        deploy_stack(&stacks, &request(&[]), &[], settings(), &mut reporter)
            .await
            .unwrap();

        assert_eq!(reporter.progress, vec![(0, 4), (0, 4), (1, 4), (4, 4)]);
    }

    #[tokio::test]
    async fn an_update_shows_only_its_own_events_even_across_pages() {
        let stacks = FakeStacks {
            page_size: 2,
            ..FakeStacks::new(1, &[])
        }
        .with_stack("core", "CREATE_COMPLETE", &[], 5)
        .playing(vec![step(
            vec![
                event(1, "Role", "UPDATE_IN_PROGRESS", None),
                event(2, "Role", "UPDATE_COMPLETE", None),
                event(3, "stack", "UPDATE_COMPLETE", None),
            ],
            "UPDATE_COMPLETE",
        )]);
        let mut reporter = RecordingReporter::default();

        let deployed = deploy_stack(&stacks, &request(&[]), &[], settings(), &mut reporter)
            .await
            .unwrap();

        assert_eq!(deployed.status, "UPDATE_COMPLETE");
        let ids: Vec<&str> = reporter
            .events
            .iter()
            .map(|e| e.event_id.as_str())
            .collect();
        assert_eq!(ids, ["e1", "e2", "e3"]);
        assert_eq!(reporter.started[0].1, StackAction::Update);
    }

    #[tokio::test]
    async fn an_update_keeps_the_values_set_before_and_lets_defaults_follow_the_template() {
        let stacks = FakeStacks::new(
            1,
            &[
                ("Admin", None),
                ("CodeKey", Some("new/key.zip")),
                ("Given", Some("default")),
                ("Schedule", Some("rate(60 minutes)")),
                ("LogLevel", Some("WARN")),
                ("Secret", None),
            ],
        )
        .with_stack(
            "core",
            "UPDATE_COMPLETE",
            &[
                ("Admin", "arn:role/admin"),
                ("CodeKey", "old/key.zip"),
                ("Given", "old"),
                ("Removed", "gone"),
                ("Schedule", "rate(60 minutes)"),
                ("LogLevel", "DEBUG"),
                ("Secret", "****"),
            ],
            1,
        )
        .playing(vec![step(vec![], "UPDATE_COMPLETE")]);

        deploy_stack(
            &stacks,
            &request(&[("Given", "new")]),
            &["CodeKey"],
            settings(),
            &mut RecordingReporter::default(),
        )
        .await
        .unwrap();

        let requests = stacks.requests.lock().unwrap();
        assert_eq!(
            requests[0].1.parameters,
            vec![
                ParameterValue::Value {
                    key: "Given".into(),
                    value: "new".into()
                },
                ParameterValue::Value {
                    key: "Admin".into(),
                    value: "arn:role/admin".into()
                },
                ParameterValue::Value {
                    key: "LogLevel".into(),
                    value: "DEBUG".into()
                },
                ParameterValue::Previous {
                    key: "Secret".into()
                },
            ]
        );
    }

    #[tokio::test]
    async fn an_unchanged_stack_is_reported_with_its_outputs() {
        let stacks = FakeStacks::new(1, &[]).with_stack("core", "UPDATE_COMPLETE", &[], 1);
        let mut reporter = RecordingReporter::default();

        let deployed = deploy_stack(&stacks, &request(&[]), &[], settings(), &mut reporter)
            .await
            .unwrap();

        assert!(!deployed.changed);
        assert_eq!(deployed.outputs["Old"], "output");
        assert_eq!(reporter.finished.len(), 1);
        assert!(reporter.events.is_empty());
    }

    #[tokio::test]
    async fn a_failed_create_reports_the_failing_resources_reasons() {
        let stacks = FakeStacks::new(2, &[]).playing(vec![step(
            vec![
                event(1, "Role", "CREATE_IN_PROGRESS", None),
                event(
                    2,
                    "Role",
                    "CREATE_FAILED",
                    Some("Resource handler returned message: \"Access Denied\""),
                ),
                event(
                    3,
                    "Function",
                    "CREATE_FAILED",
                    Some("Resource creation cancelled"),
                ),
                event(4, "Role", "DELETE_COMPLETE", None),
                event(5, "stack", "ROLLBACK_COMPLETE", None),
            ],
            "ROLLBACK_COMPLETE",
        )]);
        let mut reporter = RecordingReporter::default();

        let error = deploy_stack(&stacks, &request(&[]), &[], settings(), &mut reporter)
            .await
            .unwrap_err();

        let DeployError::StackFailed {
            status, failures, ..
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(status, "ROLLBACK_COMPLETE");
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[0].logical_id, "Role");
        assert!(failures[0].reason.contains("Access Denied"));
        assert!(
            error
                .to_string()
                .contains("Role (AWS::IAM::Role) CREATE_FAILED")
        );
        assert_eq!(reporter.failed.len(), 1);
    }

    #[tokio::test]
    async fn a_stack_left_by_a_failed_create_is_deleted_and_created_again() {
        let stacks = FakeStacks::new(1, &[])
            .with_stack("core", "ROLLBACK_COMPLETE", &[], 2)
            .playing(vec![step(
                vec![event(1, "stack", "CREATE_COMPLETE", None)],
                "CREATE_COMPLETE",
            )]);
        let mut reporter = RecordingReporter::default();

        let deployed = deploy_stack(&stacks, &request(&[]), &[], settings(), &mut reporter)
            .await
            .unwrap();

        assert_eq!(deployed.status, "CREATE_COMPLETE");
        assert_eq!(*stacks.deleted.lock().unwrap(), ["arn:stack/core"]);
        assert_eq!(stacks.requests.lock().unwrap()[0].0, "create");
        assert!(reporter.notes[0].contains("deleting it first"));
    }

    #[tokio::test]
    async fn a_busy_stack_is_not_touched() {
        let stacks = FakeStacks::new(1, &[]).with_stack("core", "UPDATE_IN_PROGRESS", &[], 1);

        let error = deploy_stack(
            &stacks,
            &request(&[]),
            &[],
            settings(),
            &mut RecordingReporter::default(),
        )
        .await
        .unwrap_err();

        assert!(
            matches!(error, DeployError::NotDeployable { .. }),
            "{error:?}"
        );
        assert!(stacks.requests.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_stack_that_never_settles_times_out() {
        let stacks = FakeStacks::new(1, &[]).playing(
            (0..10_000)
                .map(|_| step(vec![], "CREATE_IN_PROGRESS"))
                .collect(),
        );
        let short = DeploySettings {
            poll_interval: Duration::from_millis(1),
            timeout: Duration::from_millis(30),
        };

        let error = deploy_stack(
            &stacks,
            &request(&[]),
            &[],
            short,
            &mut RecordingReporter::default(),
        )
        .await
        .unwrap_err();

        assert!(matches!(error, DeployError::Timeout { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn the_suite_deploys_core_then_portfolio_with_the_core_prefixes() {
        let stacks = FakeStacks {
            outputs_after: BTreeMap::from([
                ("NamePrefix".into(), "acme".into()),
                ("ProductRolePrefix".into(), "acme-sc-".into()),
            ]),
            ..FakeStacks::new(1, &[])
        }
        .playing(vec![step(vec![], "CREATE_COMPLETE")])
        .playing(vec![step(vec![], "CREATE_COMPLETE")]);
        let manifest = PackageManifest {
            bucket: "b".into(),
            region: "us-east-1".into(),
            prefix: "p/v".into(),
            version: "v".into(),
            function_keys: BTreeMap::new(),
            template_urls: BTreeMap::from([
                (CORE_TEMPLATE.into(), "https://core".into()),
                (PORTFOLIO_TEMPLATE.into(), "https://portfolio".into()),
            ]),
        };
        let request = SuiteRequest {
            portfolio_parameters: vec![("CloudAdminRoleArn".into(), "arn:role/admin".into())],
            ..SuiteRequest::new()
        };
        let mut reporter = RecordingReporter::default();

        let deployed = deploy_suite(&stacks, &manifest, &request, settings(), &mut reporter)
            .await
            .unwrap();

        assert!(deployed.portfolio.is_some());
        let requests = stacks.requests.lock().unwrap();
        assert_eq!(requests[0].1.stack_name, "studio-catalog-core");
        assert_eq!(requests[0].1.template_url, "https://core");
        assert_eq!(requests[1].1.stack_name, "studio-catalog-portfolio");
        assert_eq!(requests[1].1.template_url, "https://portfolio");
        assert_eq!(
            requests[1].1.parameters,
            vec![
                ParameterValue::Value {
                    key: "CloudAdminRoleArn".into(),
                    value: "arn:role/admin".into()
                },
                ParameterValue::Value {
                    key: "CoreNamePrefix".into(),
                    value: "acme".into()
                },
                ParameterValue::Value {
                    key: "ProductRolePrefix".into(),
                    value: "acme-sc-".into()
                },
            ]
        );
    }
}
