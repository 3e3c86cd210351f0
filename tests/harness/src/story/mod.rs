//! The end-to-end story, as a platform admin, a cloud admin and a data scientist live it,
//! against the local emulator, which runs everything itself: the deploy tool deploys the core
//! stack and the portfolio; Service Catalog provisions each product from its own template
//! through CloudFormation; CloudFormation delivers the custom resources to the real functions
//! the core stack deployed (the emulator runs their zips' `bootstrap`); the sign-in goes through
//! the function URL, signed as the data scientist; the cleanup schedule fires.
//!
//! 1. The platform admin (default credentials) prepares the account — the cloud admins' role
//!    with Service Catalog end-user rights only, the data scientists' federated role, a VPC,
//!    the Glue table to grant on — and deploys with `studio-catalog-deploy` (`NamePrefix`
//!    `story-cat`, not the core template's default: the staged product templates and the launch
//!    role follow it by themselves).
//! 2. The cloud admin (an assumed-role session) launches the domain product, two user-profile
//!    products (bob's with a column-level grant) and a data-access-grant product.
//! 3. Updates: bob's product (a tag and the grant's columns: same profile, the grant never
//!    absent), the domain product (an in-place setting).
//! 4. A launch with a bad parameter fails with the function's reason and leaves nothing.
//! 5. alice signs in through the function URL; bob's profile is refused to her.
//! 6. In Studio (her profile's execution role) alice reads her domain, profile and its lists,
//!    creates her tagged private space (none of bob's), renames it, runs its app, an app of her
//!    own and a scratch space Studio deletes; in a shared space the platform admin arranged,
//!    Studio as the domain's default execution role runs and deletes an app; alice opens Canvas
//!    and sets her space's idle shutdown to a week. The platform admin turns bob's idle
//!    shutdown off; the cleanup schedule fires: bob's profile and alice's space are repaired,
//!    alice's Canvas (past its lifetime) is warned of — a tag, an event on the bus, a message on
//!    the platform team's topic; after the grace period it fires again and the Canvas app is
//!    deleted; the dashboard graphs every metric the runs logged.
//! 7. Everything is terminated, profiles first; the domain's home file system is retained.
//!
//! Each step checks the AWS state it should leave and fails with what it found otherwise; the
//! story stops at the first step that did not behave. IAM is enforced (the harness's default):
//! every call is authorised against the roles and policies the templates and the platform admin
//! create; a story that stops early shows the emulator's last IAM refusals. [`tell`] is used by the walk-through
//! binary and by the end-to-end test alike.

mod catalog;
mod cleanup;
mod deploy;
mod narrator;
mod sessions;
mod steps;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use deploy::DeployRun;
pub use narrator::{CapturedOutput, Narrator, StepRecord};
pub use steps::service_catalog_end_user_policy;

use crate::emulator::AwsEmulator;
use crate::target_dir;

/// What did not behave in a step: a sentence for the story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError(String);

impl StepError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Any error as a step's failure: the error and its causes, `: `-separated (an SDK call's
/// error reads `service error: <Code>: <message>`).
impl<E: std::error::Error> From<E> for StepError {
    fn from(error: E) -> Self {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.ends_with(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        Self(text)
    }
}

/// How to tell the story.
#[derive(Debug, Clone)]
pub struct StoryOptions {
    /// Where the built binaries are: the functions (zipped by `package --from-binaries`) and
    /// `studio-catalog-deploy`. Default: the `debug` directory of Cargo's target directory.
    pub bin_dir: PathBuf,
    /// The pause between two polls of a record (default 1 s: at most one `DescribeRecord` a
    /// second).
    pub poll_interval: Duration,
    /// How long one provisioning, update or termination may take (default 3 min).
    pub operation_timeout: Duration,
    /// How long the emulator keeps a Studio domain in `Pending`/`Updating`/`Deleting`, if not
    /// the emulator's general transition time (the bench sets 20 s).
    pub domain_transition_seconds: Option<f64>,
}

impl Default for StoryOptions {
    fn default() -> Self {
        Self {
            bin_dir: target_dir().join("debug"),
            poll_interval: Duration::from_secs(1),
            operation_timeout: Duration::from_secs(180),
            domain_transition_seconds: None,
        }
    }
}

/// One product operation's figures: from the call to the record's end.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationFigure {
    /// E.g. `ProvisionProduct SageMaker Studio domain`.
    pub operation: String,
    /// From `ProvisionProduct` (or the update, the termination) to the record's end.
    pub took: Duration,
    /// How long the emulated SageMaker resource it waited for stayed in transition (known from
    /// the emulator's configuration); `took - sagemaker_wait` is our overhead.
    pub sagemaker_wait: Duration,
    /// The `Describe*` calls the emulator received meanwhile, by `service:Operation`.
    pub describe_calls: Vec<(String, usize)>,
}

impl OperationFigure {
    /// `took - sagemaker_wait`: polling, CloudFormation, Lambda starts.
    pub fn overhead(&self) -> Duration {
        self.took.saturating_sub(self.sagemaker_wait)
    }

    /// Describe calls per second of `took`, all services together.
    pub fn describe_calls_per_second(&self) -> f64 {
        let calls: usize = self.describe_calls.iter().map(|(_, count)| count).sum();
        calls as f64 / self.took.as_secs_f64().max(f64::EPSILON)
    }
}

/// What the story did.
#[derive(Debug, Clone)]
pub struct StoryOutcome {
    /// Each step told, in order (the story stops at the first one that did not behave).
    pub steps: Vec<StepRecord>,
    /// Whether the story ran to its end with every step behaving.
    pub completed: bool,
    /// The product operations' figures.
    pub figures: Vec<OperationFigure>,
}

/// Tells the whole story against `aws` (an empty emulator), each step to `narrator`.
pub async fn tell(
    aws: &AwsEmulator,
    options: &StoryOptions,
    narrator: &mut Narrator,
) -> StoryOutcome {
    let mut figures = Vec::new();
    let completed = steps::walk(aws, options, narrator, &mut figures)
        .await
        .is_some();
    if !(completed && narrator.all_behaved()) {
        tell_iam_refusals(aws, narrator).await;
    }
    narrator.summary();
    StoryOutcome {
        steps: narrator.steps().to_vec(),
        completed: completed && narrator.all_behaved(),
        figures,
    }
}

/// How many of the emulator's latest IAM refusals a story that stopped early shows.
const REFUSALS_SHOWN: usize = 5;

/// The emulator's latest IAM refusals (and engine errors), for a story that stopped early: what
/// was refused to whom is usually the reason, even when the step only saw a failed record.
async fn tell_iam_refusals(aws: &AwsEmulator, narrator: &mut Narrator) {
    let Ok(refusals) = aws.iam_refusals().await else {
        return;
    };
    if refusals.is_empty() {
        narrator.say("\nNo IAM refusal in the emulator's decision log");
        return;
    }
    narrator.say(&format!(
        "\nThe emulator's last IAM refusals ({} in all):",
        refusals.len()
    ));
    for refusal in refusals
        .iter()
        .skip(refusals.len().saturating_sub(REFUSALS_SHOWN))
    {
        let text = |key: &str| refusal[key].as_str().unwrap_or("-").to_owned();
        let via = refusal["via"]
            .as_str()
            .map(|service| format!(" (via {service})"))
            .unwrap_or_default();
        let error = refusal["error"]
            .as_str()
            .map(|error| format!(": {error}"))
            .unwrap_or_default();
        narrator.progress(&format!(
            "{} {}{via} {} on {}: {}{error}",
            text("principal"),
            text("operation"),
            text("action"),
            refusal["resources"],
            text("result"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("service error")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("ValidationException: bad parameter")]
    struct Inner;

    #[test]
    fn a_step_error_reads_as_the_error_and_its_causes() {
        assert_eq!(
            StepError::from(Outer(Inner)).to_string(),
            "service error: ValidationException: bad parameter"
        );
    }

    #[test]
    fn the_overhead_is_the_time_taken_minus_the_sagemaker_wait() {
        let figure = OperationFigure {
            operation: "ProvisionProduct".to_owned(),
            took: Duration::from_secs(24),
            sagemaker_wait: Duration::from_secs(20),
            describe_calls: vec![
                ("servicecatalog:DescribeRecord".to_owned(), 6),
                ("cloudformation:DescribeStackEvents".to_owned(), 18),
            ],
        };
        assert_eq!(figure.overhead(), Duration::from_secs(4));
        assert!((figure.describe_calls_per_second() - 1.0).abs() < f64::EPSILON);
    }
}
