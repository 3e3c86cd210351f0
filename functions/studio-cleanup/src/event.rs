//! The event that starts a run.
//!
//! The EventBridge Scheduler schedule's `Input` is
//! `{"ScheduleArn": "<aws.scheduler.schedule-arn>", "ScheduledTime":
//! "<aws.scheduler.scheduled-time>", "ExecutionId": "<aws.scheduler.execution-id>",
//! "AttemptNumber": "<aws.scheduler.attempt-number>"}` (context attributes the scheduler fills
//! in); those are only logged. `"DryRun": true` (a preview schedule, or an admin's test
//! invocation) forces a dry run; `"DryRun": false` cannot undo `DRY_RUN=true`. Any other
//! object — an EventBridge rule's `Scheduled Event`, `{}` — is a normal run.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The fields of the event the function reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduledRun {
    /// The schedule that fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_arn: Option<String>,
    /// When it was due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
    /// The scheduler's id of this execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// The scheduler's attempt (a retry of the same execution has a higher number).
    #[serde(
        default,
        deserialize_with = "text_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub attempt_number: Option<String>,
    /// `true` forces a dry run.
    #[serde(
        default,
        deserialize_with = "lambda_support::scalars::optional_boolean",
        skip_serializing_if = "Option::is_none"
    )]
    pub dry_run: Option<bool>,
}

impl ScheduledRun {
    /// Reads the event: `null` is an empty event; a `DryRun` that is not a boolean (or
    /// `"true"`/`"false"`) is an error rather than a guess.
    pub fn from_event(event: Value) -> Result<Self, serde_json::Error> {
        if event.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(event)
    }
}

fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        Value::Number(number) => Ok(Some(number.to_string())),
        other => Err(D::Error::custom(format!(
            "expected a string or a number, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SCHEDULED: &str = include_str!("../../../events/studio-cleanup/scheduled.json");
    const DRY_RUN: &str = include_str!("../../../events/studio-cleanup/dry-run.json");
    const EVENTBRIDGE_RULE: &str =
        include_str!("../../../events/studio-cleanup/eventbridge-rule.json");

    fn parse(text: &str) -> (Value, ScheduledRun) {
        let raw: Value = serde_json::from_str(text).expect("sample is JSON");
        let run = ScheduledRun::from_event(raw.clone()).expect("sample is an event");
        (raw, run)
    }

    #[test]
    fn the_scheduler_sample_round_trips() {
        let (raw, run) = parse(SCHEDULED);
        assert_eq!(run.attempt_number.as_deref(), Some("1"));
        assert_eq!(run.dry_run, None);
        assert_eq!(serde_json::to_value(&run).expect("serialises"), raw);
    }

    #[test]
    fn the_dry_run_sample_forces_a_dry_run_and_round_trips() {
        let (raw, run) = parse(DRY_RUN);
        assert_eq!(run.dry_run, Some(true));
        assert_eq!(serde_json::to_value(&run).expect("serialises"), raw);
    }

    #[test]
    fn an_eventbridge_rule_event_is_a_normal_run() {
        let (_, run) = parse(EVENTBRIDGE_RULE);
        assert_eq!(run, ScheduledRun::default());
    }

    #[test]
    fn a_dry_run_flag_that_is_not_a_boolean_is_refused() {
        assert!(ScheduledRun::from_event(json!({"DryRun": "yes please"})).is_err());
        assert_eq!(
            ScheduledRun::from_event(json!({"DryRun": "TRUE", "AttemptNumber": 2}))
                .expect("valid")
                .dry_run,
            Some(true)
        );
        assert_eq!(
            ScheduledRun::from_event(Value::Null).expect("valid"),
            ScheduledRun::default()
        );
    }
}
