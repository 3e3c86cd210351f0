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
    package::{
        CORE_NAME_PREFIX_PARAMETER, CORE_TEMPLATE, NAME_PREFIX_PARAMETER, PORTFOLIO_TEMPLATE,
        PackageManifest,
    },
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
    /// A NamePrefix (or the portfolio's CoreNamePrefix) was given that is not the one the
    /// templates were packaged for.
    #[error(
        "{parameter}={given} is not the NamePrefix the templates were packaged for ({packaged}): the \
         staged product templates read the core's SSM parameters under /{packaged}/; re-run \
         `package --name-prefix {given}` to deploy under {given}, or drop {parameter}"
    )]
    NamePrefixMismatch {
        /// `NamePrefix` (core) or `CoreNamePrefix` (portfolio).
        parameter: &'static str,
        /// The value given.
        given: String,
        /// The manifest's.
        packaged: String,
    },
    /// The core stack runs under another NamePrefix than the one the templates were packaged
    /// for, and no NamePrefix was given to move it.
    #[error(
        "stack {stack} runs under NamePrefix {deployed}, the templates were packaged for {packaged}: \
         re-run `package --name-prefix {deployed}` to update it as it is, or give \
         --core-parameter NamePrefix={packaged} to move it (its functions and SSM parameters are \
         renamed; products launched before still name the old ones)"
    )]
    NamePrefixMoved {
        /// The core stack.
        stack: String,
        /// Its NamePrefix.
        deployed: String,
        /// The manifest's.
        packaged: String,
    },
    /// The products' name prefix and the suite's overlap: the launch role's grants on the
    /// products' functions, log groups and policies (`<ProductRolePrefix>*`) would reach the
    /// core stack's own (`<NamePrefix>-*`), e.g. the grant function's code (#14 section 4).
    #[error(
        "ProductRolePrefix={role_prefix} and NamePrefix={name_prefix} overlap (one starts with          the other): the launch role's grants on <ProductRolePrefix>* would reach the core          stack's own functions and policies; choose a ProductRolePrefix that neither starts          with {name_prefix} nor is the start of it"
    )]
    PrefixesOverlap {
        /// The core stack's NamePrefix.
        name_prefix: String,
        /// The ProductRolePrefix given.
        role_prefix: String,
    },
}

/// Whether one prefix starts with the other (IAM names are case-insensitive: compared so).
pub fn prefixes_overlap(name_prefix: &str, role_prefix: &str) -> bool {
    let (a, b) = (name_prefix.to_lowercase(), role_prefix.to_lowercase());
    a.starts_with(&b) || b.starts_with(&a)
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

/// The statuses a failed first create leaves a stack in: nothing to update, CloudFormation wants
/// it deleted ([`deploy_stack`] deletes it, then creates it again).
const FAILED_FIRST_CREATE: [&str; 3] = ["ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"];

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
            status if FAILED_FIRST_CREATE.contains(&status) => {
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

    let mut tracker = EventTracker::new(name, watermark, summary.resource_count);
    let mut polls: u32 = 0;
    let state = loop {
        polls += 1;
        // One describe call per poll: the stack's events (CloudFormation writes one for each of
        // the stack's own status changes, "Monitor stack progress"), and every
        // STATUS_CHECK_EVERY-th poll DescribeStacks instead, in case an event went missing.
        let read_events = !polls.is_multiple_of(STATUS_CHECK_EVERY);
        let ask_status = if !read_events {
            true
        } else {
            for event in tracker.fetch_new(stacks, &stack_id).await? {
                reporter.stack_event(&event);
            }
            reporter.progress(tracker.done(), tracker.total);
            // Its own event says it settled: DescribeStacks for its outputs and reason.
            tracker.stack_status.as_deref().is_some_and(is_settled)
        };
        let settled = if ask_status {
            let state = stacks.describe_stack(&stack_id).await?.unwrap_or_default();
            if is_settled(&state.status) && !state.status.is_empty() {
                if !read_events {
                    // Events written since the last poll.
                    for event in tracker.fetch_new(stacks, &stack_id).await? {
                        reporter.stack_event(&event);
                    }
                }
                Some(state)
            } else {
                // Still running as DescribeStacks sees it (an event ahead of it): poll on.
                tracker.stack_status = Some(state.status).filter(|s| !s.is_empty());
                None
            }
        } else {
            None
        };
        if let Some(state) = settled {
            break state;
        }
        if started.elapsed() >= settings.timeout {
            return Err(DeployError::Timeout {
                stack: name.to_owned(),
                status: tracker.stack_status.clone().unwrap_or_default(),
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(settings.poll_interval).await;
    };

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
    Err(DeployError::StackFailed {
        stack: name.to_owned(),
        status: state.status,
        reason: state.status_reason,
        failures,
    })
}

/// Every this many polls, DescribeStacks is asked instead of the events (see [`deploy_stack`]).
pub const STATUS_CHECK_EVERY: u32 = 10;

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

/// The events of one operation: new ones in order, progress, failures, the stack's own status.
struct EventTracker {
    /// The stack's name: the logical id of the events about the stack itself.
    stack_name: String,
    /// The stack's status as its newest own event (or the last DescribeStacks) says.
    stack_status: Option<String>,
    watermark: Option<String>,
    seen: HashSet<String>,
    events: Vec<StackEvent>,
    last_status: HashMap<String, String>,
    total: usize,
}

/// At most this many pages are read per poll (100 events each).
const MAX_EVENT_PAGES: usize = 20;

impl EventTracker {
    fn new(stack_name: &str, watermark: Option<String>, total: usize) -> Self {
        Self {
            stack_name: stack_name.to_owned(),
            stack_status: None,
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
            } else if event.logical_id == self.stack_name {
                self.stack_status = Some(event.status.clone());
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

/// Deploys the core stack, then the portfolio stack, from what `package` staged. The core
/// stack's `NamePrefix` is the one the templates were packaged for (the manifest's; a different
/// one given is refused before any call: the staged product templates read the SSM parameters
/// under the packaged prefix), and an existing core stack under another prefix is moved to it
/// only when `NamePrefix` is given (one `DescribeStacks` first, when it is not). The portfolio
/// follows the core stack's `NamePrefix` and `ProductRolePrefix` unless given.
pub async fn deploy_suite<S: Stacks>(
    stacks: &S,
    manifest: &PackageManifest,
    request: &SuiteRequest,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<SuiteDeployment, DeployError> {
    for (parameter, given) in [
        (NAME_PREFIX_PARAMETER, &request.core_parameters),
        (CORE_NAME_PREFIX_PARAMETER, &request.portfolio_parameters),
    ] {
        let mismatch = given
            .iter()
            .find(|(key, value)| key == parameter && *value != manifest.name_prefix);
        if let Some((_, value)) = mismatch {
            return Err(DeployError::NamePrefixMismatch {
                parameter,
                given: value.clone(),
                packaged: manifest.name_prefix.clone(),
            });
        }
    }
    for (key, value) in request
        .core_parameters
        .iter()
        .chain(&request.portfolio_parameters)
    {
        if key == "ProductRolePrefix" && prefixes_overlap(&manifest.name_prefix, value) {
            return Err(DeployError::PrefixesOverlap {
                name_prefix: manifest.name_prefix.clone(),
                role_prefix: value.clone(),
            });
        }
    }
    let mut core_parameters = request.core_parameters.clone();
    if !core_parameters
        .iter()
        .any(|(key, _)| key == NAME_PREFIX_PARAMETER)
    {
        // Moving a core stack to another prefix renames everything it publishes: only when asked.
        let existing = stacks.describe_stack(&request.core_stack_name).await?;
        let deployed = existing
            .filter(|state| !FAILED_FIRST_CREATE.contains(&state.status.as_str()))
            .and_then(|state| state.parameters.get(NAME_PREFIX_PARAMETER).cloned());
        if let Some(deployed) = deployed.filter(|p| *p != manifest.name_prefix) {
            return Err(DeployError::NamePrefixMoved {
                stack: request.core_stack_name.clone(),
                deployed,
                packaged: manifest.name_prefix.clone(),
            });
        }
        core_parameters.push((
            NAME_PREFIX_PARAMETER.to_owned(),
            manifest.name_prefix.clone(),
        ));
    }
    let token = client_request_token();
    let core_request = StackRequest {
        stack_name: request.core_stack_name.clone(),
        template_url: manifest
            .core_template_url()
            .ok_or(DeployError::NotPackaged(CORE_TEMPLATE))?
            .to_owned(),
        parameters: values(&core_parameters),
        client_request_token: format!("{token}-core"),
    };
    let core = deploy_stack(
        stacks,
        &core_request,
        &manifest.rewritten_parameters(CORE_TEMPLATE),
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
    let portfolio = deploy_portfolio(
        stacks,
        manifest,
        portfolio_name,
        &parameters,
        &format!("{token}-portfolio"),
        settings,
        reporter,
    )
    .await?;
    Ok(SuiteDeployment {
        core,
        portfolio: Some(portfolio),
    })
}

/// Creates or updates the portfolio stack `stack_name` from the staged portfolio template with
/// `parameters` (the product templates' URLs and the version are the staged defaults).
pub async fn deploy_portfolio<S: Stacks>(
    stacks: &S,
    manifest: &PackageManifest,
    stack_name: &str,
    parameters: &[(String, String)],
    client_request_token: &str,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<DeployedStack, DeployError> {
    let portfolio_request = StackRequest {
        stack_name: stack_name.to_owned(),
        template_url: manifest
            .portfolio_template_url()
            .ok_or(DeployError::NotPackaged(PORTFOLIO_TEMPLATE))?
            .to_owned(),
        parameters: values(parameters),
        client_request_token: client_request_token.to_owned(),
    };
    deploy_stack(
        stacks,
        &portfolio_request,
        &manifest.rewritten_parameters(PORTFOLIO_TEMPLATE),
        settings,
        reporter,
    )
    .await
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
pub(crate) fn client_request_token() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("studio-catalog-deploy-{millis}")
}

#[cfg(test)]
pub(crate) mod fake;

#[cfg(test)]
mod tests;
