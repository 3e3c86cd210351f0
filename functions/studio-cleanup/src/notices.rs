//! The events a run publishes to EventBridge (PutEvents on `EVENT_BUS_NAME`): one `Studio
//! Cleanup Warning` when a destructive action is announced, one `Studio Cleanup Action` when it
//! is taken, and one `Studio Cleanup Report` per run (also a dry run: its counts are what the run
//! would have done). `templates/core.yaml` forwards the warnings and actions to an SNS topic when
//! one is configured, and the reports to the organisation's event bus when one is given (issue
//! #16); the function itself calls no SNS. The names below are what the template's rules match:
//! one home for them.

use serde::{Deserialize, Serialize};

use crate::report::Report;

/// Every event's `Source`.
pub const EVENT_SOURCE: &str = "studio-catalog.cleanup";
/// The `DetailType` of a warning.
pub const DETAIL_TYPE_WARNING: &str = "Studio Cleanup Warning";
/// The `DetailType` of an action taken.
pub const DETAIL_TYPE_ACTION: &str = "Studio Cleanup Action";
/// The `DetailType` of the report of a run (issue #16: what every member account sends to the
/// organisation's bus).
pub const DETAIL_TYPE_REPORT: &str = "Studio Cleanup Report";
/// PutEvents takes at most 10 entries a call (API reference, `Entries`).
pub const MAX_ENTRIES_PER_CALL: usize = 10;

/// One event: its detail type and detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// [`DETAIL_TYPE_WARNING`] or [`DETAIL_TYPE_ACTION`].
    pub detail_type: String,
    pub detail: NoticeDetail,
}

/// The event's `Detail` (a JSON object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeDetail {
    /// `expired`, `max-lifetime`.
    pub rule: String,
    /// `studio_app`, `notebook_instance`, `endpoint`, `provisioned_product`.
    pub resource_type: String,
    pub resource_arn: String,
    pub resource_name: String,
    pub domain_id: Option<String>,
    /// The profile that owns it (a private space's owner, or the app's profile).
    pub owner_profile: Option<String>,
    /// That profile's `studiouserid` tag.
    pub owner_identity: Option<String>,
    /// RFC 3339.
    pub warned_at: Option<String>,
    /// RFC 3339.
    pub act_after: Option<String>,
    /// `DeleteApp`, `StopNotebookInstance`, `DeleteEndpoint`, `TerminateProvisionedProduct`.
    pub action: String,
    /// Always `false`: a dry run publishes nothing.
    pub dry_run: bool,
}

/// The `Detail` of a run's [`DETAIL_TYPE_REPORT`] event: counts only -- no resource names, ARNs or
/// owners, so that it can leave the account (core.yaml forwards it to the organisation's bus).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Which run: its start (RFC 3339).
    pub run: String,
    /// Whether it was a dry run (the counts are then what it would have done).
    pub dry_run: bool,
    /// Per rule and resource type the run examined.
    pub rules: Vec<RuleCounts>,
    /// The estimated hourly cost (USD) of what it stopped or deleted (0 in a dry run).
    pub estimated_hourly_cost_stopped: f64,
}

/// One rule's counts for one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCounts {
    /// The rule's name (`expired`, `max-lifetime`, `idle-shutdown-drift`, `exempt`).
    pub rule: String,
    /// `studio_app`, `notebook_instance`, ...
    pub resource_type: String,
    pub scanned: u64,
    pub warned: u64,
    pub acted: u64,
    pub failed: u64,
}

impl RunReport {
    /// The report event of `report`.
    pub fn of(report: &Report) -> Self {
        let rules = report
            .rules
            .iter()
            .flat_map(|(rule, types)| {
                types.iter().map(|(resource_type, tally)| RuleCounts {
                    rule: rule.as_str().to_owned(),
                    resource_type: resource_type.as_str().to_owned(),
                    scanned: tally.scanned,
                    warned: tally.warned,
                    acted: tally.acted,
                    failed: tally.failed,
                })
            })
            .collect();
        Self {
            run: report.started_at.clone(),
            dry_run: report.dry_run,
            rules,
            estimated_hourly_cost_stopped: report.stopped_costs().map(|(_, _, cost)| cost).sum(),
        }
    }
}
