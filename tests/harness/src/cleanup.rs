//! What the story, the function-roles test and the cleanup's own integration tests read alike of
//! what `studio-cleanup` left (issue #15): its warning tag on a resource, its events on the bus
//! (the emulator's record of PutEvents), the JupyterLab idle settings it checks and repairs.

use std::time::SystemTime;

use aws_sdk_sagemaker::types::{IdleSettings, SpaceSettings, UserSettings};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use reqwest::Method;
use serde_json::Value;

use crate::emulator::{AwsEmulator, Result};

/// The tag the cleanup warns with: `<RFC 3339 time>/<rule>` (`studio_cleanup::rules`).
pub const WARNING_TAG: &str = "studio-catalog:cleanup-warning";
/// The `Source` of the cleanup's events.
pub const EVENT_SOURCE: &str = "studio-catalog.cleanup";

/// The value of the cleanup's warning tag on SageMaker resource `arn`, if it has one.
pub async fn warning(aws: &AwsEmulator, arn: &str) -> Result<Option<String>> {
    Ok(aws
        .sagemaker_tags(arn)
        .await?
        .into_iter()
        .find(|(key, _)| key == WARNING_TAG)
        .map(|(_, value)| value))
}

/// The time a warning tag's value records: its first part, before the rule (`<RFC 3339>/<rule>`;
/// SageMaker's tag values allow letters, digits, spaces and `_.:/=+-@`, so a space or `@` would
/// do as well); `None` if it is no RFC 3339 time.
pub fn warned_at(value: &str) -> Option<SystemTime> {
    let time = value.split([' ', ';', '/', '@']).next()?;
    SystemTime::try_from(DateTime::from_str(time, Format::DateTime).ok()?).ok()
}

/// The cleanup's events the buses received (the emulator's record of PutEvents, `GET
/// events/published`), oldest first, each with its parsed `Detail`; only those of
/// `detail_type` if given (`Studio Cleanup Warning`, `Studio Cleanup Action`).
pub async fn published_events(aws: &AwsEmulator, detail_type: Option<&str>) -> Result<Vec<Value>> {
    let mut path = format!("/events/published?Source={EVENT_SOURCE}");
    if let Some(detail_type) = detail_type {
        path.push_str("&DetailType=");
        path.push_str(&detail_type.replace(' ', "%20"));
    }
    Ok(aws.control(Method::GET, &path, None).await?["events"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// A profile's JupyterLab idle settings (`JupyterLabAppSettings.AppLifecycleManagement
/// .IdleSettings`), as DescribeUserProfile / DescribeDomain answer them.
pub fn lab_idle_settings(settings: Option<&UserSettings>) -> Option<&IdleSettings> {
    settings
        .and_then(UserSettings::jupyter_lab_app_settings)
        .and_then(|lab| lab.app_lifecycle_management())
        .and_then(|management| management.idle_settings())
}

/// A space's JupyterLab idle timeout (`JupyterLabAppSettings.AppLifecycleManagement
/// .IdleSettings.IdleTimeoutInMinutes`), as DescribeSpace answers it.
pub fn space_lab_idle_minutes(settings: Option<&SpaceSettings>) -> Option<i32> {
    settings
        .and_then(SpaceSettings::jupyter_lab_app_settings)
        .and_then(|lab| lab.app_lifecycle_management())
        .and_then(|management| management.idle_settings())
        .and_then(|idle| idle.idle_timeout_in_minutes())
}
