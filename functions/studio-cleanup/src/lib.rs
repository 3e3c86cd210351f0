//! `studio-cleanup`: enforces idle shutdown, lifetimes and expiry on a schedule — warning
//! before it deletes, never the wrong thing.
//!
//! Run by an EventBridge Scheduler schedule (every 60 minutes by default). In the managed
//! domains (`DOMAIN_IDS`, or every domain tagged `studio-catalog:managed=true`) and the account:
//!
//! 1. **`idle-shutdown-drift`** (`IDLE_SHUTDOWN_DRIFT=report|repair|off`): profiles and spaces
//!    whose JupyterLab / Code Editor idle shutdown (`AppLifecycleManagement.IdleSettings`) is
//!    off or longer than the maximum (`IDLE_SHUTDOWN_MAX_MINUTES`, else the domain's
//!    `MaxIdleTimeoutInMinutes`) are reported or repaired (UpdateUserProfile / UpdateSpace).
//! 2. **`max-lifetime`** (`MAX_APP_LIFETIME_HOURS`, e.g. `KernelGateway=12,Canvas=8`): an
//!    `InService` app of a listed type older than its lifetime (ListApps' `CreationTime`) is
//!    deleted.
//! 3. **`expired`** (`EXPIRED_RESOURCE_TYPES`): a resource whose `expires-at` tag holds an RFC
//!    3339 time in the past: apps deleted, notebook instances stopped, endpoints deleted,
//!    provisioned products terminated; an expired user profile or space has its apps deleted
//!    (the profile or space itself is kept). A malformed value is reported, never acted on.
//! 4. **Warn, then act**: a destructive action is first recorded as a warning (the tag
//!    `studio-catalog:cleanup-warning`, or an SSM parameter for a provisioned product) and
//!    published as an EventBridge event naming the owner; a later run acts once
//!    `WARNING_GRACE_MINUTES` have passed, unless the resource became exempt or no longer
//!    qualifies (then the warning is withdrawn).
//! 5. **Exempt**: a resource tagged `cleanup=exempt` (`EXEMPT_TAG_KEY`) is never touched.
//!
//! The idle rule on `LastUserActivityTimestamp` is gone: on AWS that field moves with health
//! checks (DescribeApp, API reference), so it never shows an app idle.
//!
//! `DRY_RUN=true` (or `"DryRun": true` in the event) reports and changes nothing. Every run
//! returns — and logs as its last line — a [`Report`], and writes its figures as CloudWatch
//! embedded-metric lines ([`metrics`]). One failure does not stop a run; the SDK retries
//! throttled calls with backoff; every listing is paginated; at most `CONCURRENCY` calls are in
//! flight; near the deadline the run stops starting work and reports what is left for the next
//! one.

pub mod aws;
mod cleanup;
pub mod config;
pub mod event;
#[cfg(test)]
mod memory;
pub mod metrics;
pub mod notices;
pub mod ports;
pub mod prices;
pub mod report;
pub mod rules;

use std::sync::Arc;
use std::time::SystemTime;

use aws_smithy_types::DateTime;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use tokio::time::Instant;
use tracing::{info, warn};

pub use cleanup::Cleanup;
pub use config::{Config, ConfigError};
pub use event::ScheduledRun;
pub use ports::{Account, Studio};
pub use report::Report;

/// Why an invocation failed (a run itself never fails: its failures are in the report).
#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    /// The event could not be read.
    #[error("invalid event: {0}")]
    InvalidEvent(#[from] serde_json::Error),
}

impl From<CleanupError> for Diagnostic {
    fn from(error: CleanupError) -> Self {
        let error_type = match error {
            CleanupError::InvalidEvent(_) => "InvalidEvent",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

impl<S: Studio, A: Account> Cleanup<S, A> {
    /// Handles one invocation: reads the event, runs, logs and returns the report.
    pub async fn handle(&self, event: Value, deadline: Instant) -> Result<Report, CleanupError> {
        let run = ScheduledRun::from_event(event)?;
        let dry_run = self.config().dry_run || run.dry_run == Some(true);
        info!(
            schedule_arn = run.schedule_arn.as_deref().unwrap_or_default(),
            scheduled_time = run.scheduled_time.as_deref().unwrap_or_default(),
            execution_id = run.execution_id.as_deref().unwrap_or_default(),
            attempt = run.attempt_number.as_deref().unwrap_or_default(),
            dry_run,
            "cleanup run starting"
        );
        let report = self
            .run(DateTime::from(SystemTime::now()), deadline, dry_run)
            .await;
        let timestamp_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        metrics::emit(&metrics::emf_lines(
            &report,
            &self.config().metrics_namespace,
            timestamp_ms,
        ));
        let (acted, skipped, failed) = report.totals();
        let logged = report.for_log();
        if report.complete {
            info!(acted, skipped, failed, complete = true, report = %logged, "cleanup report");
        } else {
            warn!(acted, skipped, failed, complete = false, report = %logged, "cleanup report");
        }
        Ok(report)
    }
}

/// Runs the cleanup as a Lambda function.
pub async fn run<S: Studio + 'static, A: Account + 'static>(
    cleanup: Cleanup<S, A>,
) -> Result<(), lambda_runtime::Error> {
    let cleanup = Arc::new(cleanup);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let cleanup = Arc::clone(&cleanup);
        async move {
            let deadline = lambda_support::deadline_instant(event.context.deadline);
            // Boxed: the run is a deep future; the runtime's own stack of services is deep too.
            Box::pin(cleanup.handle(event.payload, deadline)).await
        }
    }))
    .await
}
