//! `studio-cleanup`: stops or deletes what a team forgot, on a schedule — never the wrong thing.
//!
//! Run by an EventBridge Scheduler schedule (every 60 minutes by default). Three rules, each
//! resource examined by the ones that apply to it:
//!
//! 1. **Idle Studio apps** (`IDLE_APPS_ENABLED`): in the managed domains (`DOMAIN_IDS`, or every
//!    domain tagged `studio-catalog:managed=true`), an `InService` app of a type in
//!    `IDLE_APP_TYPES` (default `KernelGateway`, `JupyterLab`, `CodeEditor`,
//!    `RStudioServerPro`) whose last user activity — or, lacking it, its creation — is at least
//!    `IDLE_APP_MINUTES` old is deleted.
//! 2. **Expired resources** (`EXPIRED_RESOURCES_ENABLED`, `EXPIRED_RESOURCE_TYPES`): a
//!    resource whose `expires-at` tag (`EXPIRES_AT_TAG_KEY`) holds an RFC 3339 time in the past:
//!    Studio apps deleted, notebook instances stopped, endpoints deleted, Service Catalog
//!    provisioned products terminated (their CloudFormation stack checked first). A value that
//!    is not an RFC 3339 date-time is reported, never acted on.
//! 3. **Exempt**: a resource tagged `cleanup=exempt` (`EXEMPT_TAG_KEY`) is never touched.
//!
//! `DRY_RUN=true` (or `"DryRun": true` in the event) reports and changes nothing. Every run
//! returns — and logs as its last line — a [`Report`]. One failure does not stop a run; the SDK
//! retries throttled calls with backoff; every listing is paginated; at most `CONCURRENCY` calls
//! are in flight; near the deadline the run stops starting work and reports what is left for
//! the next one.

pub mod aws;
mod cleanup;
pub mod config;
pub mod event;
#[cfg(test)]
mod memory;
pub mod ports;
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
