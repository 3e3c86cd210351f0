//! The events a run publishes to EventBridge (PutEvents on `EVENT_BUS_NAME`): one `Studio
//! Cleanup Warning` when a destructive action is announced, one `Studio Cleanup Action` when it
//! is taken. `templates/core.yaml` forwards them to an SNS topic when one is configured; the
//! function itself calls no SNS. The names below are what the template's rule matches: one home
//! for them.

use serde::{Deserialize, Serialize};

/// Every event's `Source`.
pub const EVENT_SOURCE: &str = "studio-catalog.cleanup";
/// The `DetailType` of a warning.
pub const DETAIL_TYPE_WARNING: &str = "Studio Cleanup Warning";
/// The `DetailType` of an action taken.
pub const DETAIL_TYPE_ACTION: &str = "Studio Cleanup Action";
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
