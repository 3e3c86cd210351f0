//! What every Lambda function of the suite shares beyond the CloudFormation protocol:
//!
//! - [`AwsError`]: an AWS SDK failure classified (not found, in use, throttled, transient,
//!   access denied, invalid), so that each function decides what to retry in one vocabulary;
//! - [`logging`]: the JSON (or plain-text) log set-up Lambda's advanced logging controls ask
//!   for, once;
//! - [`deadline`]: the invocation's deadline, which the Runtime API gives as epoch
//!   milliseconds, as an [`Instant`](tokio::time::Instant) to race work against;
//! - [`scalars`]: booleans and whole numbers given natively or as strings (`"true"`, `"14"`).
//!
//! The custom resources reach these through `cfn-custom-resource`, which re-exports them; the
//! scheduled cleanup and the sign-in function depend on this crate alone.

pub mod aws_error;
pub mod deadline;
pub mod environment;
pub mod logging;
pub mod scalars;

pub use aws_error::{AwsError, AwsErrorKind};
pub use deadline::{deadline_instant, epoch_ms};
pub use environment::ConfigError;
