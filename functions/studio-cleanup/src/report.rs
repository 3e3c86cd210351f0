//! The report of a run: what was scanned, done, skipped, failed and left for the next run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kinds of resource the cleanup looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    /// A Studio domain (scanned for its apps, never acted on).
    StudioDomain,
    /// A Studio app.
    StudioApp,
    /// A notebook instance.
    NotebookInstance,
    /// A real-time inference endpoint.
    Endpoint,
    /// A Service Catalog provisioned product.
    ProvisionedProduct,
    /// A Studio user profile (its idle settings checked; expired: its apps deleted, the
    /// profile kept).
    UserProfile,
    /// A Studio space (the same).
    Space,
}

impl ResourceType {
    /// The types the expiry rule can handle.
    pub const EXPIRABLE: [Self; 6] = [
        Self::StudioApp,
        Self::NotebookInstance,
        Self::Endpoint,
        Self::ProvisionedProduct,
        Self::UserProfile,
        Self::Space,
    ];

    /// The name used in the report and in `EXPIRED_RESOURCE_TYPES`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StudioDomain => "studio_domain",
            Self::StudioApp => "studio_app",
            Self::NotebookInstance => "notebook_instance",
            Self::Endpoint => "endpoint",
            Self::ProvisionedProduct => "provisioned_product",
            Self::UserProfile => "user_profile",
            Self::Space => "space",
        }
    }
}

/// The rules, named as the report, the metrics, the events and the warning tag name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Profiles and spaces whose idle shutdown is off or longer than the maximum.
    IdleShutdownDrift,
    /// `InService` apps older than `MAX_APP_LIFETIME_HOURS` for their type.
    MaxLifetime,
    /// Resources whose `expires-at` tag is in the past (and the apps of expired profiles and
    /// spaces).
    Expired,
    /// Resources tagged `cleanup=exempt` are never touched.
    Exempt,
}

impl Rule {
    /// The name in the report, the metrics' `Rule` dimension, the events and the warning tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdleShutdownDrift => "idle-shutdown-drift",
            Self::MaxLifetime => "max-lifetime",
            Self::Expired => "expired",
            Self::Exempt => "exempt",
        }
    }

    /// The rule of that name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::IdleShutdownDrift,
            Self::MaxLifetime,
            Self::Expired,
            Self::Exempt,
        ]
        .into_iter()
        .find(|rule| rule.as_str() == name)
    }
}

/// Why a rule left a resource alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Tagged exempt.
    Exempt,
    /// Not in a state the action applies to (`Pending`, `Deleting`, `Failed`, `Stopped`, …).
    NotInService,
    /// An app type the lifetime rule has no limit for.
    NoLifetimeLimit,
    /// Younger than its type's lifetime.
    WithinLifetime,
    /// Its idle shutdown is on and within the maximum (or it sets none and inherits).
    NoDrift,
    /// An expired profile or space: its apps are deleted, the resource itself is kept (its
    /// data too; deleting it is the product's or an admin's job).
    AppsOffboarded,
    /// Drift found and reported (`IDLE_SHUTDOWN_DRIFT=report`), not repaired.
    DriftReported,
    /// Warned; the grace period is not over yet.
    InGracePeriod,
    /// Its expiry time is in the future.
    NotExpired,
    /// It has no expiry tag.
    NoExpiryTag,
    /// Its expiry tag is not an RFC 3339 date-time (reported in `malformed_tags`).
    MalformedExpiryTag,
    /// It disappeared before the action (someone else got there first).
    AlreadyGone,
    /// An operation on it (or its stack) is in progress; the next run looks again.
    InProgress,
}

/// How one rule fared with one resource type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Resources the rule examined.
    pub scanned: u64,
    /// Resources it warned about (would have, in a dry run).
    #[serde(default)]
    pub warned: u64,
    /// Resources it acted on (would have, in a dry run); for the drift rule: repaired.
    pub acted: u64,
    /// Resources it left alone (for `exempt`: the resources it protected).
    pub skipped: u64,
    /// Resources it could not act on.
    pub failed: u64,
}

/// One action taken (or, in a dry run, that would have been taken).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The rule that decided it.
    pub rule: Rule,
    pub resource_type: ResourceType,
    /// The resource's ARN.
    pub arn: String,
    /// The API operation: `DeleteApp`, `StopNotebookInstance`, `DeleteEndpoint`,
    /// `TerminateProvisionedProduct`, `UpdateUserProfile`, `UpdateSpace`.
    pub action: String,
    /// Why, e.g. `expired at 2024-01-01T00:00:00Z`.
    pub reason: String,
    /// `true` if it was not done because of `DRY_RUN`.
    pub dry_run: bool,
    /// What the stopped instance cost an hour (USD, from the price table), if it runs on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_hourly_cost: Option<f64>,
}

/// A warning recorded (or, in a dry run, that would have been): the action follows on a later
/// run once `act_after` has passed, unless the resource became exempt or no longer qualifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub rule: Rule,
    pub resource_type: ResourceType,
    pub arn: String,
    /// The action that will follow.
    pub action: String,
    pub reason: String,
    /// RFC 3339.
    pub warned_at: String,
    /// RFC 3339.
    pub act_after: String,
    pub dry_run: bool,
}

/// A warning withdrawn: the resource became exempt, or no rule wants it any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelledWarning {
    /// The rule of the warning (none if its value was not one the cleanup writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    pub resource_type: ResourceType,
    pub arn: String,
    /// `exempt` or `no longer applies`.
    pub why: String,
    pub dry_run: bool,
}

/// Idle-shutdown drift found on a profile or a space, and whether it was repaired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub resource_type: ResourceType,
    pub arn: String,
    /// `JupyterLab` or `CodeEditor`.
    pub app_type: String,
    /// What is wrong, e.g. `idle shutdown is DISABLED` or `idle timeout 10080 min exceeds the maximum 240`.
    pub finding: String,
    /// The timeout it was (or would be) set to.
    pub repaired_timeout_minutes: Option<i32>,
    /// Whether it was repaired (`IDLE_SHUTDOWN_DRIFT=repair`, not a dry run).
    pub repaired: bool,
}

/// One failure: an action or a listing that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The rule that wanted to act, if it was an action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    pub resource_type: ResourceType,
    /// The resource's ARN (or, for a listing, what was being listed).
    pub arn: String,
    /// The operation that failed.
    pub operation: String,
    pub error: String,
}

/// An expiry tag whose value is not an RFC 3339 date-time: reported, never acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedTag {
    pub resource_type: ResourceType,
    /// The resource's ARN.
    pub arn: String,
    /// The tag key.
    pub key: String,
    /// The value found.
    pub value: String,
}

/// Work the run did not get to before its deadline; the next run does it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remaining {
    /// Listed resources not examined, per type.
    pub resources: BTreeMap<ResourceType, u64>,
    /// Listings not finished, e.g. `ListApps d-abc (page 3)`.
    pub listings: Vec<String>,
}

impl Remaining {
    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.resources.values().all(|n| *n == 0) && self.listings.is_empty()
    }
}

/// The report of one run: the function's return value and its last log line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Whether nothing was changed on purpose (`DRY_RUN`).
    pub dry_run: bool,
    /// `false` if the deadline stopped the run early (see `remaining`).
    pub complete: bool,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// How long it took.
    pub duration_ms: u64,
    /// API calls made (each page and each action is one; SDK retries not counted).
    pub api_calls: u64,
    /// Resources examined, per type.
    pub scanned: BTreeMap<ResourceType, u64>,
    /// Per rule and resource type: scanned / acted / skipped / failed.
    pub rules: BTreeMap<Rule, BTreeMap<ResourceType, Tally>>,
    /// Per rule: why resources were skipped, and how many.
    pub skipped: BTreeMap<Rule, BTreeMap<SkipReason, u64>>,
    /// Every action, with the resource's ARN.
    pub actions: Vec<Action>,
    /// Every warning recorded this run.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// Every warning withdrawn this run.
    #[serde(default)]
    pub cancelled_warnings: Vec<CancelledWarning>,
    /// Idle-shutdown drift found (and repaired or reported).
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// Events published to EventBridge (warnings and actions).
    #[serde(default)]
    pub events_published: u64,
    /// Whether the run's report event (`Studio Cleanup Report`) was published.
    #[serde(default)]
    pub report_published: bool,
    /// Every failure.
    pub failures: Vec<Failure>,
    /// Expiry tags that could not be read.
    pub malformed_tags: Vec<MalformedTag>,
    /// Work left for the next run.
    pub remaining: Remaining,
}

impl Report {
    /// The estimated hourly cost of each action taken (not a dry run's), with its rule and
    /// resource type: what the `EstimatedHourlyCostStopped` metric and the run's report event
    /// count.
    pub fn stopped_costs(&self) -> impl Iterator<Item = (Rule, ResourceType, f64)> + '_ {
        self.actions
            .iter()
            .filter(|action| !action.dry_run)
            .filter_map(|action| {
                action
                    .estimated_hourly_cost
                    .map(|cost| (action.rule, action.resource_type, cost))
            })
    }

    /// The tally of `rule` for `resource_type` (all zero if it never ran).
    pub fn tally(&self, rule: Rule, resource_type: ResourceType) -> Tally {
        self.rules
            .get(&rule)
            .and_then(|types| types.get(&resource_type))
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn tally_mut(&mut self, rule: Rule, resource_type: ResourceType) -> &mut Tally {
        self.rules
            .entry(rule)
            .or_default()
            .entry(resource_type)
            .or_default()
    }

    pub(crate) fn count_skip(&mut self, rule: Rule, reason: SkipReason) {
        *self
            .skipped
            .entry(rule)
            .or_default()
            .entry(reason)
            .or_default() += 1;
    }

    pub(crate) fn count_scanned(&mut self, resource_type: ResourceType) {
        *self.scanned.entry(resource_type).or_default() += 1;
    }

    pub(crate) fn count_remaining(&mut self, resource_type: ResourceType, count: u64) {
        if count > 0 {
            *self.remaining.resources.entry(resource_type).or_default() += count;
        }
    }

    /// Totals over all rules: (acted, skipped, failed).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.rules
            .values()
            .flat_map(BTreeMap::values)
            .fold((0, 0, 0), |(a, s, f), t| {
                (a + t.acted, s + t.skipped, f + t.failed)
            })
    }

    /// The report for the log: whole if it fits in one CloudWatch Logs event, else without
    /// the per-resource lists (each action and failure was also logged when it happened).
    pub fn for_log(&self) -> serde_json::Value {
        const MAX_LOG_BYTES: usize = 200_000;
        let whole = serde_json::to_value(self).unwrap_or_default();
        if whole.to_string().len() <= MAX_LOG_BYTES {
            return whole;
        }
        let mut trimmed = self.clone();
        trimmed.actions.clear();
        trimmed.warnings.clear();
        trimmed.cancelled_warnings.clear();
        trimmed.drift.clear();
        trimmed.failures.clear();
        trimmed.malformed_tags.clear();
        let mut value = serde_json::to_value(trimmed).unwrap_or_default();
        value["lists_omitted"] = serde_json::json!({
            "actions": self.actions.len(),
            "warnings": self.warnings.len(),
            "cancelled_warnings": self.cancelled_warnings.len(),
            "drift": self.drift.len(),
            "failures": self.failures.len(),
            "malformed_tags": self.malformed_tags.len(),
        });
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_in_json() {
        let mut report = Report::default();
        report
            .tally_mut(Rule::MaxLifetime, ResourceType::StudioApp)
            .acted = 2;
        report.count_skip(Rule::Expired, SkipReason::NoExpiryTag);
        report.count_remaining(ResourceType::ProvisionedProduct, 3);
        let json = serde_json::to_value(&report).expect("serialises");
        assert_eq!(json["rules"]["max-lifetime"]["studio_app"]["acted"], 2);
        assert_eq!(json["skipped"]["expired"]["no_expiry_tag"], 1);
        assert_eq!(json["remaining"]["resources"]["provisioned_product"], 3);
        let back: Report = serde_json::from_value(json).expect("round trip");
        assert_eq!(back, report);
    }

    #[test]
    fn a_huge_report_is_logged_without_its_lists() {
        let mut report = Report::default();
        for i in 0..5000 {
            report.actions.push(Action {
                rule: Rule::MaxLifetime,
                resource_type: ResourceType::StudioApp,
                arn: format!(
                    "arn:aws:sagemaker:us-east-1:123456789012:app/d-abc/user-{i}/jupyterlab/default"
                ),
                action: "DeleteApp".into(),
                reason: "created 2024-01-01T00:00:00Z, older than 12 h".into(),
                dry_run: false,
                estimated_hourly_cost: Some(0.05),
            });
        }
        let logged = report.for_log();
        assert_eq!(logged["actions"].as_array().map(Vec::len), Some(0));
        assert_eq!(logged["lists_omitted"]["actions"], 5000);
        let small = Report::default().for_log();
        assert!(small.get("lists_omitted").is_none());
    }
}
