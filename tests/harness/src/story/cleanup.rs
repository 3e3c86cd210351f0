//! The story's cleanup (issue #15): what the data scientists leave running or change, the
//! schedule firing the cleanup, and what it leaves — repairs, a warning on the app and on the
//! bus, the action once the grace period has passed, the figures on the dashboard.
//!
//! The core stack is deployed with [`CORE_PARAMETERS`]; everything the cleanup does is done by
//! the real function as the schedule's target, under its core.yaml role. What the story sets by
//! hand is only what time would do (an app's `CreationTime`, through the emulator's control
//! route) and what a platform admin does (UpdateUserProfile of bob's profile).

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_sagemaker::types::{
    AppLifecycleManagement, AppType, IdleSettings, JupyterLabAppSettings, LifecycleManagement,
    SpaceAppLifecycleManagement, SpaceIdleSettings, SpaceJupyterLabAppSettings, SpaceSettings,
    UserSettings,
};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use reqwest::Method;
use serde_json::Value;

use super::StepError;
use super::sessions::Session;
pub(crate) use crate::cleanup::{WARNING_TAG, published_events, warning};
use crate::cleanup::{lab_idle_settings, space_lab_idle_minutes};
use crate::emulator::{AwsEmulator, xml_text};

/// The longest a Canvas app may run (the core stack's `CleanupMaxAppLifetimeHours`).
const CANVAS_LIFETIME_HOURS: u64 = 8;
/// The grace period between the warning and the action, in minutes (3 s: the story waits it).
const GRACE_MINUTES: &str = "0.05";
/// Who receives the cleanup's events (the core stack's `CleanupNotificationEmail`).
const PLATFORM_TEAM: &str = "platform-team@example.com";
/// What alice sets her space's idle shutdown to: a week, past the domain's 8 hours.
pub(crate) const A_WEEK_IN_MINUTES: i32 = 7 * 24 * 60;
/// The domain product's `MaxIdleTimeoutInMinutes` and `IdleTimeoutInMinutes` defaults.
pub(crate) const DOMAIN_MAX_IDLE_MINUTES: i32 = 480;
pub(crate) const DOMAIN_IDLE_MINUTES: i32 = 120;
/// How long one cleanup effect may take to show after the schedule fired.
const EFFECT_DEADLINE: Duration = Duration::from_secs(60);

/// The core stack's cleanup parameters in the story: repair drift, Canvas at most 8 hours, a
/// grace period the story can wait, the platform team's address for the events.
pub(crate) fn core_parameters() -> Vec<(String, String)> {
    [
        ("CleanupIdleShutdownDrift", "repair".to_owned()),
        (
            "CleanupMaxAppLifetimeHours",
            format!("Canvas={CANVAS_LIFETIME_HOURS}"),
        ),
        ("CleanupWarningGraceMinutes", GRACE_MINUTES.to_owned()),
        ("CleanupNotificationEmail", PLATFORM_TEAM.to_owned()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect()
}

/// alice sets her space's idle shutdown to a week in Studio (UpdateSpace, as her role: the
/// user product's ChangeOnlyOwnSpacesAndTheirApps).
pub(crate) async fn alice_lengthens_her_idle_shutdown(
    studio: &Session,
    domain_id: &str,
    space: &str,
) -> Result<(), StepError> {
    studio
        .sagemaker()
        .update_space()
        .domain_id(domain_id)
        .space_name(space)
        .space_settings(
            SpaceSettings::builder()
                .jupyter_lab_app_settings(
                    SpaceJupyterLabAppSettings::builder()
                        .app_lifecycle_management(
                            SpaceAppLifecycleManagement::builder()
                                .idle_settings(
                                    SpaceIdleSettings::builder()
                                        .idle_timeout_in_minutes(A_WEEK_IN_MINUTES)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await?;
    Ok(())
}

/// alice opens Canvas (CreateApp of her own profile, as her role: OwnAppsInThisDomain); its ARN
/// once it is InService.
pub(crate) async fn alice_opens_canvas(
    studio: &Session,
    domain_id: &str,
) -> Result<String, StepError> {
    let sm = studio.sagemaker();
    let created = sm
        .create_app()
        .domain_id(domain_id)
        .user_profile_name("alice")
        .app_type(AppType::Canvas)
        .app_name("default")
        .send()
        .await?;
    until("alice's Canvas app to be InService", async || {
        let app = canvas_status(&sm, domain_id).await?;
        Ok((app == "InService").then_some(()))
    })
    .await?;
    Ok(created.app_arn().unwrap_or_default().to_owned())
}

/// The status of alice's Canvas app (DescribeApp), `Deleted` once it is gone.
pub(crate) async fn canvas_status(
    sm: &aws_sdk_sagemaker::Client,
    domain_id: &str,
) -> Result<String, StepError> {
    let described = sm
        .describe_app()
        .domain_id(domain_id)
        .user_profile_name("alice")
        .app_type(AppType::Canvas)
        .app_name("default")
        .send()
        .await;
    match described {
        Ok(app) => Ok(app
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default()),
        Err(error) => {
            let error = error.into_service_error();
            if error.meta().code() == Some("ResourceNotFound") {
                Ok("Deleted".to_owned())
            } else {
                Err(error.into())
            }
        }
    }
}

/// The platform admin turns bob's idle shutdown off by hand (UpdateUserProfile): drift.
pub(crate) async fn admin_turns_off_bobs_idle_shutdown(
    admin: &Session,
    domain_id: &str,
) -> Result<(), StepError> {
    let sm = admin.sagemaker();
    sm.update_user_profile()
        .domain_id(domain_id)
        .user_profile_name("bob")
        .user_settings(
            UserSettings::builder()
                .jupyter_lab_app_settings(
                    JupyterLabAppSettings::builder()
                        .app_lifecycle_management(
                            AppLifecycleManagement::builder()
                                .idle_settings(
                                    IdleSettings::builder()
                                        .lifecycle_management(LifecycleManagement::Disabled)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await?;
    until(
        "bob's profile to be InService after the update",
        async || {
            let profile = sm
                .describe_user_profile()
                .domain_id(domain_id)
                .user_profile_name("bob")
                .send()
                .await?;
            Ok((profile.status().map(|s| s.as_str()) == Some("InService")).then_some(()))
        },
    )
    .await
}

/// `CreationTime` of `app_arn` moved `hours` back: what the clock would do.
pub(crate) async fn created_hours_ago(
    aws: &AwsEmulator,
    app_arn: &str,
    hours: u64,
) -> Result<String, StepError> {
    let then = DateTime::from(SystemTime::now() - Duration::from_secs(hours * 3600))
        .fmt(Format::DateTime)?;
    aws.set_creation_time(app_arn, &then).await?;
    Ok(then)
}

/// Hours past the Canvas lifetime.
pub(crate) const CANVAS_AGE_HOURS: u64 = CANVAS_LIFETIME_HOURS + 1;

/// Fires the core stack's cleanup schedule (the emulator's control route); what it invoked.
pub(crate) async fn fire_schedule(
    aws: &AwsEmulator,
    schedule_arn: &str,
) -> Result<String, StepError> {
    // arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>
    let mut parts = schedule_arn.rsplit('/');
    let (name, group) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let fired = aws
        .control(
            Method::POST,
            &format!("/scheduler/schedules/{group}/{name}/fire"),
            None,
        )
        .await?;
    Ok(format!(
        "schedule {group}/{name} fired: {}",
        fired["invoked"].as_str().unwrap_or_default()
    ))
}

/// Polls `found` until it answers `Some` (returned); a step error naming `what` after
/// [`EFFECT_DEADLINE`].
pub(crate) async fn until<T>(
    what: &str,
    found: impl AsyncFn() -> Result<Option<T>, StepError>,
) -> Result<T, StepError> {
    let deadline = Instant::now() + EFFECT_DEADLINE;
    loop {
        if let Some(value) = found().await? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(StepError::new(format!(
                "still waiting for {what} after {} s",
                EFFECT_DEADLINE.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The time a warning tag's value records ([`crate::cleanup::warned_at`]).
pub(crate) fn warned_at(value: &str) -> Result<SystemTime, StepError> {
    crate::cleanup::warned_at(value)
        .ok_or_else(|| StepError::new(format!("the warning {value:?} records no RFC 3339 time")))
}

/// Waits until the grace period after `warned` has passed (a wait with a deadline, not a
/// pause: it returns as soon as the time has come).
pub(crate) async fn grace_passes(warned: SystemTime) -> Result<(), StepError> {
    let grace = Duration::from_secs_f64(GRACE_MINUTES.parse::<f64>().unwrap_or(0.0) * 60.0);
    until("the warning's grace period to pass", async || {
        Ok((SystemTime::now() >= warned + grace).then_some(()))
    })
    .await
}

/// The space's JupyterLab idle timeout as DescribeSpace answers it.
pub(crate) async fn space_idle_minutes(
    admin: &Session,
    domain_id: &str,
    space: &str,
) -> Result<Option<i32>, StepError> {
    let described = admin
        .sagemaker()
        .describe_space()
        .domain_id(domain_id)
        .space_name(space)
        .send()
        .await?;
    Ok(space_lab_idle_minutes(described.space_settings()))
}

/// bob's JupyterLab idle settings as DescribeUserProfile answers them: (on, timeout).
pub(crate) async fn bobs_idle_shutdown(
    admin: &Session,
    domain_id: &str,
) -> Result<(Option<String>, Option<i32>), StepError> {
    let described = admin
        .sagemaker()
        .describe_user_profile()
        .domain_id(domain_id)
        .user_profile_name("bob")
        .send()
        .await?;
    let idle = lab_idle_settings(described.user_settings());
    Ok((
        idle.and_then(|idle| idle.lifecycle_management())
            .map(|m| m.as_str().to_owned()),
        idle.and_then(|idle| idle.idle_timeout_in_minutes()),
    ))
}

/// The messages SNS holds for `topic_arn` (the emulator's record, `GET sns/messages`), each the
/// event EventBridge forwarded, parsed.
pub(crate) async fn topic_messages(
    aws: &AwsEmulator,
    topic_arn: &str,
) -> Result<Vec<Value>, StepError> {
    let answer = aws
        .control(
            Method::GET,
            &format!("/sns/messages?TopicArn={topic_arn}"),
            None,
        )
        .await?;
    Ok(answer["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|message| serde_json::from_str(message["Message"].as_str()?).ok())
        .collect())
}

/// The log events of the cleanup's log group (`/aws/lambda/<prefix>-studio-cleanup`).
pub(crate) async fn log_messages(
    aws: &AwsEmulator,
    prefix: &str,
) -> Result<Vec<String>, StepError> {
    Ok(aws
        .log_messages(&format!("/aws/lambda/{prefix}-studio-cleanup"))
        .await?)
}

/// `error` with the last lines of the cleanup's log: what the function said it did.
pub(crate) async fn with_log(aws: &AwsEmulator, prefix: &str, error: StepError) -> StepError {
    let lines = log_messages(aws, prefix).await.unwrap_or_default();
    let last: Vec<&str> = lines
        .iter()
        .skip(lines.len().saturating_sub(12))
        .map(String::as_str)
        .collect();
    StepError::new(format!(
        "{error}; the cleanup's last log lines ({} in all): {}",
        lines.len(),
        last.join(" | ")
    ))
}

/// The metric names the embedded-metric-format lines among `messages` declare
/// (`_aws.CloudWatchMetrics[].Metrics[].Name`), with their namespaces.
pub(crate) fn emitted_metrics(messages: &[String]) -> BTreeSet<(String, String)> {
    messages
        .iter()
        .filter_map(|message| serde_json::from_str::<Value>(message.trim()).ok())
        .flat_map(|line| {
            line["_aws"]["CloudWatchMetrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|directive| {
            let namespace = directive["Namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            directive["Metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(move |metric| {
                    Some((namespace.clone(), metric["Name"].as_str()?.to_owned()))
                })
        })
        .collect()
}

/// The metric names (with namespaces) the dashboard `name` graphs: its metric arrays
/// (`[namespace, name, …]`) and its `SEARCH('{namespace,…} MetricName="name"', …)` expressions
/// (CloudWatch User Guide, "Dashboard body structure and syntax"). GetDashboard as `admin`.
pub(crate) async fn dashboard_metrics(
    aws: &AwsEmulator,
    name: &str,
) -> Result<BTreeSet<(String, String)>, StepError> {
    let answer = aws
        .call_query(
            "monitoring",
            "2010-08-01",
            "GetDashboard",
            &[("DashboardName", name)],
        )
        .await?;
    let body = xml_text(&answer, "DashboardBody")
        .ok_or_else(|| StepError::new(format!("GetDashboard {name} answered no DashboardBody")))?;
    let body: Value = serde_json::from_str(&unescape_xml(body))?;
    let mut graphed = BTreeSet::new();
    for widget in body["widgets"].as_array().into_iter().flatten() {
        for row in widget["properties"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let (Some(namespace), Some(metric)) = (row[0].as_str(), row[1].as_str()) {
                graphed.insert((namespace.to_owned(), metric.to_owned()));
            } else if let Some(expression) = row[0]["expression"].as_str()
                && let Some((schema, rest)) = expression
                    .strip_prefix("SEARCH('{")
                    .and_then(|rest| rest.split_once('}'))
                && let Some(metric) = rest
                    .strip_prefix(" MetricName=\"")
                    .and_then(|rest| rest.split('"').next())
            {
                let namespace = schema.split(',').next().unwrap_or_default();
                graphed.insert((namespace.to_owned(), metric.to_owned()));
            }
        }
    }
    Ok(graphed)
}

/// XML's five predefined entities, decoded (the dashboard body travels as XML text).
fn unescape_xml(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emf_lines_of_a_log_name_their_metrics_and_other_lines_are_skipped() {
        let messages = vec![
            r#"{"level":"INFO","fields":{"message":"run done"}}"#.to_owned(),
            r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"StudioCatalog/Cleanup","Dimensions":[["Rule","ResourceType"]],"Metrics":[{"Name":"Scanned","Unit":"Count"},{"Name":"Acted","Unit":"Count"}]}]},"Rule":"max-lifetime","ResourceType":"studio_app","Scanned":3,"Acted":1}"#.to_owned(),
            "not json".to_owned(),
        ];
        assert_eq!(
            emitted_metrics(&messages),
            BTreeSet::from([
                ("StudioCatalog/Cleanup".to_owned(), "Acted".to_owned()),
                ("StudioCatalog/Cleanup".to_owned(), "Scanned".to_owned()),
            ])
        );
    }

    #[test]
    fn a_warning_tag_gives_its_time() {
        let at = warned_at("2026-12-02T01:00:00Z max-lifetime").unwrap();
        assert_eq!(
            DateTime::from(at).fmt(Format::DateTime).unwrap(),
            "2026-12-02T01:00:00Z"
        );
        assert!(warned_at("yesterday expired").is_err());
    }
}
