//! `org-rollout`: the suite across an AWS Organization with a service-managed CloudFormation
//! StackSet of the member-account part (`core.yaml`: the functions, their roles, the
//! ServiceToken parameters and the launch role), an organisation stack per region
//! (`organization.yaml`: the region's artefact bucket readable by the organisation; in the hub
//! region the organisation's event bus and dashboard), then the portfolio shared with the OUs.
//!
//! AWS behaviour relied on (CloudFormation API reference and User Guide):
//! - `PermissionModel SERVICE_MANAGED` needs StackSets' trusted access with Organizations
//!   (`DescribeOrganizationsAccess` / `ActivateOrganizationsAccess`, callable by the management
//!   account or, with `CallAs DELEGATED_ADMIN`, a registered delegated administrator).
//! - `AutoDeployment {Enabled, RetainStacksOnAccountRemoval}`: StackSets creates the instances
//!   of an account that joins a target OU and deletes (or, retained, keeps) those of one that
//!   leaves ("Enable or disable automatic deployments").
//! - One operation at a time per stack set (`OperationInProgressException`), each with its
//!   `OperationId` (an idempotency token: a retried call with the same id starts nothing new).
//! - An account that joins a target OU later gets the stack set's own parameters only, never
//!   `ParameterOverrides` (API reference, `UpdateStackInstances`: "Accounts added to the target
//!   OUs and their child OUs in the future won't use the overridden values"), so the rollout
//!   sets none: every parameter is the same in every region (core.yaml's `CodeBucketPerRegion`
//!   and a region name as `AccountWideResources`), the instances of every region are one
//!   `CreateStackInstances` (`RegionOrder` = the target regions) and an update is one
//!   `UpdateStackSet`.
//! - StackSets never deploys to the management account ("StackSets doesn't deploy stack
//!   instances to the organization's management account").
//! - Lambda reads a function's code only from a bucket in the function's own region (Lambda API
//!   reference, `FunctionCode.S3Bucket`): hence one artefact bucket per region.

use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
    time::{Duration, Instant},
};

use thiserror::Error;

use crate::{
    deploy::{DeploySettings, StackApiError},
    report::DeployReporter,
};

/// Who the StackSets calls act as (`CallAs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallAs {
    /// `SELF`: the organisation's management account.
    SelfAccount,
    /// `DELEGATED_ADMIN`: a delegated administrator of StackSets.
    DelegatedAdmin,
}

impl CallAs {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfAccount => "SELF",
            Self::DelegatedAdmin => "DELEGATED_ADMIN",
        }
    }
}

/// `RegionConcurrencyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionConcurrency {
    /// One region after another (the API's default).
    Sequential,
    /// Every region at once.
    Parallel,
}

impl RegionConcurrency {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sequential => "SEQUENTIAL",
            Self::Parallel => "PARALLEL",
        }
    }
}

/// `ConcurrencyMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrencyMode {
    /// Lowers the concurrency so that failures never exceed the tolerance + 1 (the default).
    StrictFailureTolerance,
    /// Keeps the concurrency; more failures than the tolerance may happen at once.
    SoftFailureTolerance,
}

impl ConcurrencyMode {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StrictFailureTolerance => "STRICT_FAILURE_TOLERANCE",
            Self::SoftFailureTolerance => "SOFT_FAILURE_TOLERANCE",
        }
    }
}

/// A count of accounts or a percentage of a region's accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// This many accounts.
    Count(u32),
    /// This percentage of the accounts of a region.
    Percentage(u32),
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n} account{}", if *n == 1 { "" } else { "s" }),
            Self::Percentage(p) => write!(f, "{p} % of the accounts"),
        }
    }
}

/// `StackSetOperationPreferences`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationPreferences {
    /// `RegionOrder`.
    pub region_order: Vec<String>,
    /// `RegionConcurrencyType`.
    pub region_concurrency: RegionConcurrency,
    /// `FailureToleranceCount` / `FailureTolerancePercentage`, per region.
    pub failure_tolerance: Amount,
    /// `MaxConcurrentCount` / `MaxConcurrentPercentage`, per region.
    pub max_concurrent: Amount,
    /// `ConcurrencyMode`.
    pub concurrency_mode: ConcurrencyMode,
}

/// The stack set to create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSetRequest {
    /// Its name.
    pub name: String,
    /// `CallAs`.
    pub call_as: CallAs,
    /// The staged core template.
    pub template_url: String,
    /// Its parameters (the others take the staged template's defaults).
    pub parameters: Vec<(String, String)>,
    /// `AutoDeployment.RetainStacksOnAccountRemoval`.
    pub retain_stacks_on_account_removal: bool,
}

/// An operation as `DescribeStackSetOperation` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperationState {
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `STOPPING`, `STOPPED`, `QUEUED`.
    pub status: String,
    /// `StatusReason`.
    pub status_reason: Option<String>,
}

impl OperationState {
    fn settled(&self) -> bool {
        matches!(self.status.as_str(), "SUCCEEDED" | "FAILED" | "STOPPED")
    }
}

/// A stack instance as `ListStackInstances` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceState {
    /// Its account.
    pub account: String,
    /// Its region.
    pub region: String,
    /// The OU it was deployed for.
    pub organizational_unit: Option<String>,
    /// `CURRENT`, `OUTDATED`, `INOPERABLE`.
    pub status: String,
    /// `StackInstanceStatus.DetailedStatus`: `PENDING`, `RUNNING`, `SUCCEEDED`, `FAILED`,
    /// `CANCELLED`, ...
    pub detailed_status: String,
    /// `StatusReason`.
    pub status_reason: Option<String>,
}

impl InstanceState {
    fn line(&self) -> String {
        let reason = self
            .status_reason
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| format!("  {r}"))
            .unwrap_or_default();
        format!(
            "  {}  {:<14}  {:<10} {}{reason}",
            self.account, self.region, self.detailed_status, self.status
        )
    }
}

/// The CloudFormation StackSets API the rollout needs.
pub trait StackSets: Send + Sync {
    /// `DescribeOrganizationsAccess`: is StackSets' trusted access with Organizations on?
    fn organizations_access(
        &self,
        call_as: CallAs,
    ) -> impl Future<Output = Result<bool, StackApiError>> + Send;

    /// `ActivateOrganizationsAccess`.
    fn activate_organizations_access(
        &self,
        call_as: CallAs,
    ) -> impl Future<Output = Result<(), StackApiError>> + Send;

    /// Whether the stack set exists (`DescribeStackSet`).
    fn stack_set_exists(
        &self,
        name: &str,
        call_as: CallAs,
    ) -> impl Future<Output = Result<bool, StackApiError>> + Send;

    /// `CreateStackSet` (service-managed, auto-deployment on).
    fn create_stack_set(
        &self,
        request: &StackSetRequest,
    ) -> impl Future<Output = Result<(), StackApiError>> + Send;

    /// `UpdateStackSet`, as operation `operation_id`: the instances of `targets` (OUs,
    /// regions), or every instance.
    fn update_stack_set(
        &self,
        request: &StackSetRequest,
        targets: Option<(&[String], &[String])>,
        preferences: &OperationPreferences,
        operation_id: &str,
    ) -> impl Future<Output = Result<(), StackApiError>> + Send;

    /// `CreateStackInstances` for `ous` in `regions` (no parameter overrides), as
    /// `operation_id`.
    fn create_stack_instances(
        &self,
        name: &str,
        call_as: CallAs,
        ous: &[String],
        regions: &[String],
        preferences: &OperationPreferences,
        operation_id: &str,
    ) -> impl Future<Output = Result<(), StackApiError>> + Send;

    /// `DeleteStackInstances` (`RetainStacks` false) for `ous` in `regions`.
    fn delete_stack_instances(
        &self,
        name: &str,
        call_as: CallAs,
        ous: &[String],
        regions: &[String],
        preferences: &OperationPreferences,
        operation_id: &str,
    ) -> impl Future<Output = Result<(), StackApiError>> + Send;

    /// `DeleteStackSet`.
    fn delete_stack_set(
        &self,
        name: &str,
        call_as: CallAs,
    ) -> impl Future<Output = Result<(), StackApiError>> + Send;

    /// `DescribeStackSetOperation`.
    fn operation(
        &self,
        name: &str,
        call_as: CallAs,
        operation_id: &str,
    ) -> impl Future<Output = Result<OperationState, StackApiError>> + Send;

    /// `ListStackInstances` (every page), only those of `operation_id` when given (filter
    /// `LAST_OPERATION_ID`).
    fn instances(
        &self,
        name: &str,
        call_as: CallAs,
        operation_id: Option<&str>,
    ) -> impl Future<Output = Result<Vec<InstanceState>, StackApiError>> + Send;
}

/// Why a rollout failed.
#[derive(Debug, Error)]
pub enum RolloutError {
    /// A CloudFormation call failed.
    #[error(transparent)]
    Api(#[from] StackApiError),
    /// A stack set operation ended in a status other than `SUCCEEDED`.
    #[error(
        "stack set {stack_set}: {what} (operation {operation_id}) ended {status}{}: more \
         instances failed than the failure tolerance ({tolerance} per region) allows; the \
         instances not started were cancelled",
        reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
    )]
    OperationFailed {
        /// The stack set.
        stack_set: String,
        /// What the operation did.
        what: String,
        /// Its id.
        operation_id: String,
        /// Its status.
        status: String,
        /// Its reason.
        reason: Option<String>,
        /// The failure tolerance it ran with.
        tolerance: Amount,
    },
    /// Every operation succeeded, but some targeted instances are not `CURRENT`.
    #[error(
        "{count} stack instance(s) are not CURRENT (the operations succeeded: within the \
         failure tolerance of {tolerance} per region); see the failed instances above"
    )]
    InstancesNotCurrent {
        /// How many.
        count: usize,
        /// The failure tolerance.
        tolerance: Amount,
    },
    /// An Organizations, STS or S3 call failed.
    #[error("{operation} failed: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
    Call {
        /// The operation (`organizations:DescribeOrganization`, ...).
        operation: &'static str,
        /// The error code.
        code: Option<String>,
        /// The message.
        message: String,
    },
    /// The caller's account is in no organisation.
    #[error(
        "this account is not in an AWS Organization (DescribeOrganization: \
         AWSOrganizationsNotInUseException): run org-rollout from the management account or a \
         delegated administrator"
    )]
    NoOrganization,
    /// The hub region is not one of the target regions.
    #[error("the hub region {hub} is not a target region ({})", regions.join(", "))]
    HubNotTargeted {
        /// The hub.
        hub: String,
        /// The target regions.
        regions: Vec<String>,
    },
    /// The hub's organisation stack lacks its event bus output.
    #[error("the organisation stack {stack} in {region} has no output {output}")]
    MissingOutput {
        /// The stack.
        stack: String,
        /// Its region.
        region: String,
        /// The output.
        output: &'static str,
    },
    /// An operation did not finish in time.
    #[error("stack set {stack_set}: operation {operation_id} still {status} after {waited:?}")]
    Timeout {
        /// The stack set.
        stack_set: String,
        /// The operation.
        operation_id: String,
        /// Its last status.
        status: String,
        /// How long we waited.
        waited: Duration,
    },
}

/// Unique `OperationId`s for one run: `<prefix>-<unix millis>-<n>` (`[a-zA-Z0-9-]{1,128}`).
#[derive(Debug)]
pub struct OperationIds {
    base: String,
    next: u32,
}

impl OperationIds {
    /// Ids for this run.
    pub fn new() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        Self {
            base: format!("org-rollout-{millis}"),
            next: 0,
        }
    }

    /// The next id.
    pub fn next_id(&mut self, what: &str) -> String {
        self.next += 1;
        format!("{}-{}-{what}", self.base, self.next)
    }
}

impl Default for OperationIds {
    fn default() -> Self {
        Self::new()
    }
}

/// What one stack set operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationOutcome {
    /// Its id.
    pub operation_id: String,
    /// Its final status.
    pub status: String,
    /// The instances it touched, as they ended.
    pub instances: Vec<InstanceState>,
}

/// Waits for operation `operation_id` of `stack_set`, reporting one line per stack instance
/// (account and region) each time its status changes; `Err` if it did not end `SUCCEEDED`.
#[allow(clippy::too_many_arguments)]
pub async fn wait_for_operation<S: StackSets>(
    sets: &S,
    stack_set: &str,
    call_as: CallAs,
    operation_id: &str,
    what: &str,
    tolerance: Amount,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<OperationOutcome, RolloutError> {
    let started = Instant::now();
    let mut seen: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    loop {
        // The operation first: when it has settled, the instances read after it are final.
        let operation = sets.operation(stack_set, call_as, operation_id).await?;
        let instances = sets
            .instances(stack_set, call_as, Some(operation_id))
            .await?;
        for instance in &instances {
            let key = (instance.account.clone(), instance.region.clone());
            let state = (instance.detailed_status.clone(), instance.status.clone());
            if seen.get(&key) != Some(&state) {
                reporter.note(&instance.line());
                seen.insert(key, state);
            }
        }
        if operation.settled() {
            reporter.note(&format!(
                "stack set {stack_set}: {what}: {} in {:.1}s",
                operation.status,
                started.elapsed().as_secs_f64()
            ));
            if operation.status != "SUCCEEDED" {
                report_failed(&instances, reporter);
                return Err(RolloutError::OperationFailed {
                    stack_set: stack_set.to_owned(),
                    what: what.to_owned(),
                    operation_id: operation_id.to_owned(),
                    status: operation.status,
                    reason: operation.status_reason,
                    tolerance,
                });
            }
            return Ok(OperationOutcome {
                operation_id: operation_id.to_owned(),
                status: operation.status,
                instances,
            });
        }
        if started.elapsed() >= settings.timeout {
            return Err(RolloutError::Timeout {
                stack_set: stack_set.to_owned(),
                operation_id: operation_id.to_owned(),
                status: operation.status,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}

/// Reports the instances that are not `CURRENT`, with their reasons; returns how many.
pub fn report_failed(instances: &[InstanceState], reporter: &mut dyn DeployReporter) -> usize {
    let failed: Vec<&InstanceState> = instances.iter().filter(|i| i.status != "CURRENT").collect();
    if failed.is_empty() {
        return 0;
    }
    reporter.note(&format!(
        "{} stack instance(s) not CURRENT (account, region, detailed status, status, reason):",
        failed.len()
    ));
    for instance in &failed {
        let reason = instance
            .status_reason
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "(no reason given)".to_owned());
        reporter.note(&format!(
            "  {}  {}  {} {}: {reason}",
            instance.account, instance.region, instance.detailed_status, instance.status
        ));
    }
    failed.len()
}

/// The targets of the StackSet part of a rollout.
#[derive(Debug, Clone)]
pub struct MemberRollout {
    /// The stack set and how it is made: its parameters are the same in every region (no
    /// overrides), so that an account that joins a target OU later (auto-deployment) is right
    /// in every region at once.
    pub stack_set: StackSetRequest,
    /// The OUs.
    pub organizational_units: Vec<String>,
    /// The regions, in order: the first creates the account-wide resources.
    pub regions: Vec<String>,
    /// The operation preferences (`region_order` = `regions`).
    pub preferences: OperationPreferences,
}

/// What the StackSet part did.
#[derive(Debug, Clone, Default)]
pub struct MemberRolloutOutcome {
    /// Whether the stack set was created now.
    pub created: bool,
    /// The operations, in order.
    pub operations: Vec<OperationOutcome>,
    /// The targeted instances as they ended.
    pub instances: Vec<InstanceState>,
}

/// The OUs that have instances in `region`.
fn ous_in(instances: &[InstanceState], region: &str) -> Vec<String> {
    instances
        .iter()
        .filter(|i| i.region == region)
        .filter_map(|i| i.organizational_unit.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Creates the stack set, or updates it with one `UpdateStackSet` of its instances in the
/// target regions (the parameters are the same everywhere, so one operation in the region
/// order reaches every account, those auto-deployed since the last run too). Then the
/// instances missing for the OUs: one `CreateStackInstances` for the OUs that miss the same
/// regions (one call on a first rollout: every OU, every region, `RegionOrder` the target
/// regions). Progress per instance, and at the end the instances not `CURRENT` with their
/// reasons.
pub async fn roll_out_members<S: StackSets>(
    sets: &S,
    rollout: &MemberRollout,
    ids: &mut OperationIds,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<MemberRolloutOutcome, RolloutError> {
    let request = &rollout.stack_set;
    let (name, call_as) = (request.name.as_str(), request.call_as);
    let tolerance = rollout.preferences.failure_tolerance;
    let mut outcome = MemberRolloutOutcome::default();
    if sets.stack_set_exists(name, call_as).await? {
        let existing = sets.instances(name, call_as, None).await?;
        let regions: Vec<String> = rollout
            .regions
            .iter()
            .filter(|region| existing.iter().any(|i| &i.region == *region))
            .cloned()
            .collect();
        let ous: Vec<String> = regions
            .iter()
            .flat_map(|region| ous_in(&existing, region))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let targets = (!ous.is_empty()).then_some((ous.as_slice(), regions.as_slice()));
        reporter.note(&format!(
            "stack set {name} exists: updating it (UpdateStackSet){}",
            if regions.is_empty() {
                String::new()
            } else {
                format!(", its instances in {}", regions.join(", "))
            }
        ));
        let operation_id = ids.next_id("update");
        sets.update_stack_set(request, targets, &rollout.preferences, &operation_id)
            .await?;
        let done = wait_for_operation(
            sets,
            name,
            call_as,
            &operation_id,
            "update",
            tolerance,
            settings,
            reporter,
        )
        .await?;
        outcome.operations.push(done);
    } else {
        reporter.note(&format!(
            "creating stack set {name} (SERVICE_MANAGED, auto-deployment on, \
             RetainStacksOnAccountRemoval {})",
            request.retain_stacks_on_account_removal
        ));
        sets.create_stack_set(request).await?;
        outcome.created = true;
    }

    // The OUs grouped by the target regions they have no instances in.
    let existing = sets.instances(name, call_as, None).await?;
    let mut missing: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for ou in &rollout.organizational_units {
        let regions: Vec<String> = rollout
            .regions
            .iter()
            .filter(|region| !ous_in(&existing, region).contains(ou))
            .cloned()
            .collect();
        if !regions.is_empty() {
            missing.entry(regions).or_default().push(ou.clone());
        }
    }
    for (regions, ous) in &missing {
        reporter.note(&format!(
            "stack instances for {} in {}",
            ous.join(", "),
            regions.join(", ")
        ));
        let operation_id = ids.next_id("create");
        sets.create_stack_instances(
            name,
            call_as,
            ous,
            regions,
            &rollout.preferences,
            &operation_id,
        )
        .await?;
        let done = wait_for_operation(
            sets,
            name,
            call_as,
            &operation_id,
            &format!("instances in {}", regions.join(", ")),
            tolerance,
            settings,
            reporter,
        )
        .await?;
        outcome.operations.push(done);
    }

    let all = sets.instances(name, call_as, None).await?;
    outcome.instances = all
        .into_iter()
        .filter(|i| rollout.regions.contains(&i.region))
        .collect();
    let current = outcome
        .instances
        .iter()
        .filter(|i| i.status == "CURRENT")
        .count();
    reporter.note(&format!(
        "stack set {name}: {current} of {} instances CURRENT",
        outcome.instances.len()
    ));
    let failed = report_failed(&outcome.instances, reporter);
    if failed > 0 {
        return Err(RolloutError::InstancesNotCurrent {
            count: failed,
            tolerance,
        });
    }
    Ok(outcome)
}

/// `--delete`: what it removes and what it leaves, said before anything is done.
pub fn delete_plan(stack_set: &str, organization_stack: &str, portfolio_stack: &str) -> String {
    format!(
        "org-rollout --delete removes: every stack instance of stack set {stack_set} (the core \
         stack in each member account and region: its functions, their roles, the ServiceToken \
         parameters and the launch role; DeleteStackInstances with RetainStacks false), then the \
         stack set itself.\n\
         It leaves: the organisation stacks ({organization_stack}, in every region) and their \
         artefact buckets, the portfolio stack ({portfolio_stack}) and its shares, and in the \
         member accounts every Studio domain, user profile and space and every SC-* product \
         stack launched there. Those products need a core to be updated or terminated (their \
         custom resources call its functions): roll out again before changing them."
    )
}

/// Deletes every stack instance (all OUs and regions that have them), waits, then deletes the
/// stack set. `Ok(false)`: there was no such stack set.
pub async fn delete_members<S: StackSets>(
    sets: &S,
    name: &str,
    call_as: CallAs,
    preferences: &OperationPreferences,
    ids: &mut OperationIds,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<bool, RolloutError> {
    if !sets.stack_set_exists(name, call_as).await? {
        reporter.note(&format!(
            "stack set {name} does not exist: nothing to delete"
        ));
        return Ok(false);
    }
    let instances = sets.instances(name, call_as, None).await?;
    let ous: BTreeSet<String> = instances
        .iter()
        .filter_map(|i| i.organizational_unit.clone())
        .collect();
    let regions: BTreeSet<String> = instances.iter().map(|i| i.region.clone()).collect();
    if !instances.is_empty() {
        reporter.note(&format!(
            "deleting {} stack instances of {name} (OUs {}; regions {})",
            instances.len(),
            ous.iter().cloned().collect::<Vec<_>>().join(", "),
            regions.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
        let regions: Vec<String> = regions.into_iter().collect();
        let mut preferences = preferences.clone();
        preferences.region_order.retain(|r| regions.contains(r));
        let operation_id = ids.next_id("delete");
        sets.delete_stack_instances(
            name,
            call_as,
            &ous.into_iter().collect::<Vec<_>>(),
            &regions,
            &preferences,
            &operation_id,
        )
        .await?;
        wait_for_operation(
            sets,
            name,
            call_as,
            &operation_id,
            "delete of every instance",
            preferences.failure_tolerance,
            settings,
            reporter,
        )
        .await?;
    }
    sets.delete_stack_set(name, call_as).await?;
    reporter.note(&format!("stack set {name} deleted"));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::{collections::VecDeque, sync::Mutex};

    use super::*;
    use crate::report::RecordingReporter;

    fn instance(account: &str, region: &str, detailed: &str, status: &str) -> InstanceState {
        InstanceState {
            account: account.into(),
            region: region.into(),
            organizational_unit: Some("ou-ab12-cdef3456".into()),
            status: status.into(),
            detailed_status: detailed.into(),
            status_reason: (detailed == "FAILED").then(|| {
                "ResourceLogicalId:LaunchRole, ResourceType:AWS::IAM::Role, \
                 ResourceStatusReason:already exists."
                    .to_owned()
            }),
        }
    }

    /// A stack set whose operations play `polls` (operation status, instances) one per poll.
    #[derive(Default)]
    struct FakeStackSets {
        exists: bool,
        polls: Mutex<VecDeque<(String, Vec<InstanceState>)>>,
        all: Vec<InstanceState>,
        calls: Mutex<Vec<String>>,
    }

    impl FakeStackSets {
        fn call(&self, what: &str) {
            self.calls.lock().unwrap().push(what.to_owned());
        }
    }

    impl StackSets for FakeStackSets {
        async fn organizations_access(&self, _: CallAs) -> Result<bool, StackApiError> {
            Ok(true)
        }
        async fn activate_organizations_access(&self, _: CallAs) -> Result<(), StackApiError> {
            Ok(())
        }
        async fn stack_set_exists(&self, _: &str, _: CallAs) -> Result<bool, StackApiError> {
            Ok(self.exists)
        }
        async fn create_stack_set(&self, _: &StackSetRequest) -> Result<(), StackApiError> {
            self.call("CreateStackSet");
            Ok(())
        }
        async fn update_stack_set(
            &self,
            _: &StackSetRequest,
            targets: Option<(&[String], &[String])>,
            _: &OperationPreferences,
            id: &str,
        ) -> Result<(), StackApiError> {
            self.call(&format!("UpdateStackSet {id} {targets:?}"));
            Ok(())
        }
        async fn create_stack_instances(
            &self,
            _: &str,
            _: CallAs,
            ous: &[String],
            regions: &[String],
            _: &OperationPreferences,
            _: &str,
        ) -> Result<(), StackApiError> {
            self.call(&format!(
                "CreateStackInstances {} {}",
                ous.join(","),
                regions.join(",")
            ));
            Ok(())
        }
        async fn delete_stack_instances(
            &self,
            _: &str,
            _: CallAs,
            ous: &[String],
            regions: &[String],
            _: &OperationPreferences,
            _: &str,
        ) -> Result<(), StackApiError> {
            self.call(&format!(
                "DeleteStackInstances {} {}",
                ous.join(","),
                regions.join(",")
            ));
            Ok(())
        }
        async fn delete_stack_set(&self, _: &str, _: CallAs) -> Result<(), StackApiError> {
            self.call("DeleteStackSet");
            Ok(())
        }
        async fn operation(
            &self,
            _: &str,
            _: CallAs,
            _: &str,
        ) -> Result<OperationState, StackApiError> {
            let polls = self.polls.lock().unwrap();
            Ok(OperationState {
                status: polls.front().map(|p| p.0.clone()).unwrap_or_default(),
                status_reason: None,
            })
        }
        async fn instances(
            &self,
            _: &str,
            _: CallAs,
            operation_id: Option<&str>,
        ) -> Result<Vec<InstanceState>, StackApiError> {
            if operation_id.is_none() {
                return Ok(self.all.clone());
            }
            let mut polls = self.polls.lock().unwrap();
            let instances = polls.front().map(|p| p.1.clone()).unwrap_or_default();
            if polls.len() > 1 {
                polls.pop_front();
            }
            Ok(instances)
        }
    }

    fn settings() -> DeploySettings {
        DeploySettings {
            poll_interval: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
        }
    }

    fn preferences() -> OperationPreferences {
        OperationPreferences {
            region_order: vec!["us-east-1".into(), "eu-west-1".into()],
            region_concurrency: RegionConcurrency::Sequential,
            failure_tolerance: Amount::Count(0),
            max_concurrent: Amount::Percentage(25),
            concurrency_mode: ConcurrencyMode::StrictFailureTolerance,
        }
    }

    fn rollout() -> MemberRollout {
        MemberRollout {
            stack_set: StackSetRequest {
                name: "studio-catalog-member".into(),
                call_as: CallAs::SelfAccount,
                template_url: "https://b/core.yaml".into(),
                parameters: Vec::new(),
                retain_stacks_on_account_removal: true,
            },
            organizational_units: vec!["ou-ab12-cdef3456".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            preferences: preferences(),
        }
    }

    #[tokio::test]
    async fn each_instance_is_reported_once_per_status_change() {
        let sets = FakeStackSets {
            polls: Mutex::new(VecDeque::from([
                (
                    "RUNNING".into(),
                    vec![instance("111111111111", "us-east-1", "RUNNING", "OUTDATED")],
                ),
                (
                    "RUNNING".into(),
                    vec![instance("111111111111", "us-east-1", "RUNNING", "OUTDATED")],
                ),
                (
                    "SUCCEEDED".into(),
                    vec![instance(
                        "111111111111",
                        "us-east-1",
                        "SUCCEEDED",
                        "CURRENT",
                    )],
                ),
            ])),
            ..FakeStackSets::default()
        };
        let mut reporter = RecordingReporter::default();

        let outcome = wait_for_operation(
            &sets,
            "s",
            CallAs::SelfAccount,
            "op-1",
            "instances in us-east-1",
            Amount::Count(0),
            settings(),
            &mut reporter,
        )
        .await
        .unwrap();

        assert_eq!(outcome.status, "SUCCEEDED");
        let lines: Vec<&String> = reporter
            .notes
            .iter()
            .filter(|n| n.contains("111111111111"))
            .collect();
        assert_eq!(lines.len(), 2, "{:?}", reporter.notes);
        assert!(lines[0].contains("RUNNING") && lines[1].contains("SUCCEEDED"));
    }

    #[tokio::test]
    async fn a_failed_operation_names_the_failed_instances_and_the_tolerance() {
        let sets = FakeStackSets {
            polls: Mutex::new(VecDeque::from([(
                "FAILED".into(),
                vec![
                    instance("111111111111", "us-east-1", "FAILED", "OUTDATED"),
                    instance("222222222222", "us-east-1", "CANCELLED", "OUTDATED"),
                ],
            )])),
            ..FakeStackSets::default()
        };
        let mut reporter = RecordingReporter::default();

        let error = wait_for_operation(
            &sets,
            "s",
            CallAs::SelfAccount,
            "op-1",
            "instances in us-east-1",
            Amount::Count(0),
            settings(),
            &mut reporter,
        )
        .await
        .unwrap_err();

        assert!(
            matches!(&error, RolloutError::OperationFailed { status, .. } if status == "FAILED"),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("failure tolerance (0 accounts per region)")
        );
        let notes = reporter.notes.join("\n");
        assert!(notes.contains("2 stack instance(s) not CURRENT"), "{notes}");
        assert!(
            notes
                .contains("111111111111  us-east-1  FAILED OUTDATED: ResourceLogicalId:LaunchRole"),
            "{notes}"
        );
        assert!(
            notes.contains("222222222222  us-east-1  CANCELLED"),
            "{notes}"
        );
    }

    #[tokio::test]
    async fn a_new_stack_set_gets_the_instances_of_every_region_in_one_operation_without_overrides()
    {
        let done = instance("111111111111", "us-east-1", "SUCCEEDED", "CURRENT");
        let sets = FakeStackSets {
            polls: Mutex::new(VecDeque::from([("SUCCEEDED".into(), vec![done.clone()])])),
            ..FakeStackSets::default()
        };
        let mut reporter = RecordingReporter::default();

        let outcome = roll_out_members(
            &sets,
            &rollout(),
            &mut OperationIds::new(),
            settings(),
            &mut reporter,
        )
        .await
        .unwrap();

        assert!(outcome.created);
        let calls = sets.calls.lock().unwrap().clone();
        assert_eq!(
            calls,
            [
                "CreateStackSet",
                "CreateStackInstances ou-ab12-cdef3456 us-east-1,eu-west-1"
            ]
        );
        assert_eq!(outcome.operations.len(), 1);
    }

    #[tokio::test]
    async fn an_existing_stack_set_is_updated_in_one_operation_and_covered_regions_get_no_new_instances()
     {
        let all = vec![
            instance("111111111111", "us-east-1", "SUCCEEDED", "CURRENT"),
            instance("111111111111", "eu-west-1", "FAILED", "OUTDATED"),
        ];
        let sets = FakeStackSets {
            exists: true,
            polls: Mutex::new(VecDeque::from([("SUCCEEDED".into(), all.clone())])),
            all,
            ..FakeStackSets::default()
        };
        let mut reporter = RecordingReporter::default();

        let error = roll_out_members(
            &sets,
            &rollout(),
            &mut OperationIds::new(),
            settings(),
            &mut reporter,
        )
        .await
        .unwrap_err();

        let calls = sets.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(
            calls[0].starts_with("UpdateStackSet org-rollout-")
                && calls[0]
                    .ends_with(r#"Some((["ou-ab12-cdef3456"], ["us-east-1", "eu-west-1"]))"#),
            "{calls:?}"
        );
        // The update succeeded within the tolerance, but one instance is not CURRENT.
        assert!(
            matches!(error, RolloutError::InstancesNotCurrent { count: 1, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("within the failure tolerance"));
    }

    #[tokio::test]
    async fn ous_that_miss_the_same_regions_get_their_instances_in_one_operation() {
        let covered = instance("111111111111", "us-east-1", "SUCCEEDED", "CURRENT");
        let sets = FakeStackSets {
            exists: true,
            polls: Mutex::new(VecDeque::from([(
                "SUCCEEDED".into(),
                vec![covered.clone()],
            )])),
            all: vec![covered],
            ..FakeStackSets::default()
        };
        let mut rollout = rollout();
        rollout.organizational_units = vec![
            "ou-ab12-cdef3456".into(),
            "ou-ab12-11111111".into(),
            "ou-ab12-22222222".into(),
        ];
        let mut reporter = RecordingReporter::default();

        roll_out_members(
            &sets,
            &rollout,
            &mut OperationIds::new(),
            settings(),
            &mut reporter,
        )
        .await
        .unwrap();

        let calls = sets.calls.lock().unwrap().clone();
        // the existing instances updated; the OU covered in us-east-1 gets eu-west-1 only, the
        // two new OUs every region in one call
        assert_eq!(calls.len(), 3, "{calls:?}");
        assert!(
            calls[0].ends_with(r#"Some((["ou-ab12-cdef3456"], ["us-east-1"]))"#),
            "{calls:?}"
        );
        assert_eq!(
            calls[1..],
            [
                "CreateStackInstances ou-ab12-cdef3456 eu-west-1",
                "CreateStackInstances ou-ab12-11111111,ou-ab12-22222222 us-east-1,eu-west-1"
            ]
        );
    }

    #[tokio::test]
    async fn delete_removes_the_instances_of_every_ou_and_region_then_the_stack_set() {
        let all = vec![
            instance("111111111111", "us-east-1", "SUCCEEDED", "CURRENT"),
            InstanceState {
                organizational_unit: Some("ou-ab12-99999999".into()),
                ..instance("222222222222", "eu-west-1", "SUCCEEDED", "CURRENT")
            },
        ];
        let sets = FakeStackSets {
            exists: true,
            polls: Mutex::new(VecDeque::from([("SUCCEEDED".into(), Vec::new())])),
            all,
            ..FakeStackSets::default()
        };
        let mut reporter = RecordingReporter::default();

        let deleted = delete_members(
            &sets,
            "s",
            CallAs::SelfAccount,
            &preferences(),
            &mut OperationIds::new(),
            settings(),
            &mut reporter,
        )
        .await
        .unwrap();

        assert!(deleted);
        assert_eq!(
            *sets.calls.lock().unwrap(),
            [
                "DeleteStackInstances ou-ab12-99999999,ou-ab12-cdef3456 eu-west-1,us-east-1",
                "DeleteStackSet"
            ]
        );
    }

    #[test]
    fn the_delete_plan_says_what_stays_in_the_member_accounts() {
        let plan = delete_plan("m", "o", "p");
        for part in [
            "every stack instance of stack set m",
            "RetainStacks false",
            "organisation stacks (o",
            "portfolio stack (p)",
            "SC-* product stack",
            "need a core to be updated or terminated",
        ] {
            assert!(plan.contains(part), "{part:?} not in {plan}");
        }
    }

    #[test]
    fn operation_ids_are_unique_and_valid() {
        let mut ids = OperationIds::new();
        let (a, b) = (ids.next_id("create"), ids.next_id("create"));
        assert_ne!(a, b);
        assert!(a.len() <= 128 && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
