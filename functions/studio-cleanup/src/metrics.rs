//! The run's figures as CloudWatch metrics in the embedded metric format (EMF): one JSON object
//! per line on stdout, each with an `_aws.CloudWatchMetrics` block naming the namespace, the
//! dimension sets and the metrics, which CloudWatch Logs extracts from the function's log group
//! ("Specification: Embedded metric format", CloudWatch user guide). One line per rule and
//! resource type (dimensions `Rule`, `ResourceType`) and one line of totals (the empty
//! dimension set, which the specification allows: a dimension set holds 0 to 30 dimensions).
//!
//! The names below are what `templates/core.yaml`'s dashboard graphs: one home for them.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use crate::report::Report;
use crate::report::{ResourceType, Rule};

/// `METRICS_NAMESPACE`'s default.
pub const DEFAULT_NAMESPACE: &str = "StudioCatalog/Cleanup";
/// The dimension naming the rule (`idle-shutdown-drift`, `max-lifetime`, `expired`, `exempt`).
pub const DIMENSION_RULE: &str = "Rule";
/// The dimension naming the resource type (`studio_app`, `notebook_instance`, …).
pub const DIMENSION_RESOURCE_TYPE: &str = "ResourceType";
/// Resources a rule examined (Count).
pub const METRIC_SCANNED: &str = "Scanned";
/// Resources a rule warned about (Count).
pub const METRIC_WARNED: &str = "Warned";
/// Resources a rule acted on — deleted, stopped, terminated, repaired (Count).
pub const METRIC_ACTED: &str = "Acted";
/// Resources a rule failed to act on (Count).
pub const METRIC_FAILED: &str = "Failed";
/// What the instances stopped this run cost an hour, in USD (unit None), from the price table.
pub const METRIC_ESTIMATED_HOURLY_COST_STOPPED: &str = "EstimatedHourlyCostStopped";
/// Every metric, in the order each line declares them.
pub const METRICS: [(&str, &str); 5] = [
    (METRIC_SCANNED, "Count"),
    (METRIC_WARNED, "Count"),
    (METRIC_ACTED, "Count"),
    (METRIC_FAILED, "Count"),
    (METRIC_ESTIMATED_HOURLY_COST_STOPPED, "None"),
];

#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    scanned: u64,
    warned: u64,
    acted: u64,
    failed: u64,
    cost: f64,
}

impl Figures {
    fn add(&mut self, other: &Self) {
        self.scanned += other.scanned;
        self.warned += other.warned;
        self.acted += other.acted;
        self.failed += other.failed;
        self.cost += other.cost;
    }
}

fn line(
    namespace: &str,
    timestamp_ms: i64,
    dimensions: &[(&str, &str)],
    figures: Figures,
) -> Value {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    let metrics: Vec<Value> = METRICS
        .iter()
        .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
        .collect();
    let mut line = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [names],
                "Metrics": metrics,
            }],
        },
        METRIC_SCANNED: figures.scanned,
        METRIC_WARNED: figures.warned,
        METRIC_ACTED: figures.acted,
        METRIC_FAILED: figures.failed,
        // Rounded to the cent's hundredth: a sum of table prices, not a measurement.
        METRIC_ESTIMATED_HOURLY_COST_STOPPED: (figures.cost * 10_000.0).round() / 10_000.0,
    });
    for (name, value) in dimensions {
        line[*name] = json!(value);
    }
    line
}

/// The EMF lines of `report`: one per rule and resource type the run examined, then the totals.
pub fn emf_lines(report: &Report, namespace: &str, timestamp_ms: i64) -> Vec<Value> {
    let mut figures: BTreeMap<(Rule, ResourceType), Figures> = BTreeMap::new();
    for (rule, types) in &report.rules {
        for (resource_type, tally) in types {
            let entry = figures.entry((*rule, *resource_type)).or_default();
            entry.scanned = tally.scanned;
            entry.warned = tally.warned;
            entry.acted = tally.acted;
            entry.failed = tally.failed;
        }
    }
    for (rule, resource_type, cost) in report.stopped_costs() {
        figures.entry((rule, resource_type)).or_default().cost += cost;
    }
    let mut total = Figures::default();
    let mut lines = Vec::new();
    for ((rule, resource_type), figures) in &figures {
        total.add(figures);
        lines.push(line(
            namespace,
            timestamp_ms,
            &[
                (DIMENSION_RULE, rule.as_str()),
                (DIMENSION_RESOURCE_TYPE, resource_type.as_str()),
            ],
            *figures,
        ));
    }
    // The totals count each resource once per rule that examined it: the dashboard's "all
    // rules" figures.
    lines.push(line(namespace, timestamp_ms, &[], total));
    lines
}

/// Writes `lines` to stdout, one JSON object a line, where CloudWatch Logs picks them up.
pub fn emit(lines: &[Value]) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in lines {
        // A closed stdout loses the metrics, never the run.
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Action, Tally};

    #[test]
    fn each_line_is_an_emf_object_with_the_counted_values() {
        let mut report = Report::default();
        *report.tally_mut(Rule::Expired, ResourceType::StudioApp) = Tally {
            scanned: 4,
            warned: 1,
            acted: 2,
            skipped: 1,
            failed: 0,
        };
        *report.tally_mut(Rule::IdleShutdownDrift, ResourceType::Space) = Tally {
            scanned: 3,
            acted: 1,
            failed: 1,
            ..Tally::default()
        };
        for (cost, dry_run) in [(Some(0.05), false), (Some(1.408), false), (Some(9.0), true)] {
            report.actions.push(Action {
                rule: Rule::Expired,
                resource_type: ResourceType::StudioApp,
                arn: "arn".into(),
                action: "DeleteApp".into(),
                reason: "expired".into(),
                dry_run,
                estimated_hourly_cost: cost,
            });
        }

        let lines = emf_lines(&report, "Team/Cleanup", 1_700_000_000_000);
        let text: Vec<String> = lines.iter().map(Value::to_string).collect();

        assert_eq!(text.len(), 3, "two rule lines and the totals");
        for one in &text {
            assert!(!one.contains('\n'));
            let parsed: Value = serde_json::from_str(one).expect("each line parses as JSON");
            let block = &parsed["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(block["Namespace"], "Team/Cleanup");
            assert_eq!(parsed["_aws"]["Timestamp"], 1_700_000_000_000_i64);
            let declared: Vec<&str> = block["Metrics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["Name"].as_str().unwrap())
                .collect();
            assert_eq!(
                declared,
                [
                    "Scanned",
                    "Warned",
                    "Acted",
                    "Failed",
                    "EstimatedHourlyCostStopped"
                ]
            );
            for dimension in block["Dimensions"][0].as_array().unwrap() {
                assert!(parsed[dimension.as_str().unwrap()].is_string(), "{one}");
            }
        }
        let apps: Value = serde_json::from_str(&text[1]).unwrap();
        assert_eq!(apps["Rule"], "expired");
        assert_eq!(apps["ResourceType"], "studio_app");
        assert_eq!(
            apps["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Rule", "ResourceType"]])
        );
        assert_eq!(
            (
                apps["Scanned"].as_u64(),
                apps["Warned"].as_u64(),
                apps["Acted"].as_u64()
            ),
            (Some(4), Some(1), Some(2))
        );
        assert_eq!(
            apps["EstimatedHourlyCostStopped"], 1.458,
            "a dry run's would-be stop is not counted"
        );
        let total: Value = serde_json::from_str(&text[2]).unwrap();
        assert_eq!(
            total["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
        assert_eq!(
            (
                total["Scanned"].as_u64(),
                total["Acted"].as_u64(),
                total["Failed"].as_u64()
            ),
            (Some(7), Some(3), Some(1))
        );
    }
}
