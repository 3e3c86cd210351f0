//! The CloudFormation custom-resource protocol, once, for every custom resource in the suite.
//!
//! A resource implements [`CustomResource`]: `create`, `update` and `delete` as step functions
//! over its own typed properties. This crate guarantees the rest:
//!
//! - **exactly one answer** per request — on success, on a typed error, on a panic, and before
//!   the invocation's deadline;
//! - a response body as CloudFormation requires, never over 4096 bytes;
//! - the PUT with an empty `Content-Type`, retried on 5xx and connection errors;
//! - only CloudFormation's S3 `ResponseURL`s (plus `CFN_RESPONSE_URL_ALLOW` prefixes) answered;
//! - only requests from stacks of the function's own account and region whose name matches
//!   `CFN_ALLOWED_STACK_NAMES` (default `SC-*`, Service Catalog's) acted on: any other answered
//!   FAILED (a delete SUCCESS) with nothing done;
//! - string-typed properties parsed into typed structs, a bad one named in the `Reason`;
//! - work longer than one invocation carried on by asynchronous self-invocation, bounded by
//!   `ServiceTimeout` (default 3600 s) from the first receipt;
//! - a delete of a physical id the resource could not have produced succeeds untouched.
//!
//! It re-exports what it shares with every function of the suite from `lambda-support`:
//! [`AwsError`] and the logging set-up ([`logging::init`]).

mod allowed_stacks;
mod aws_errors;
mod error;
pub mod properties;
mod protocol;
#[cfg(test)]
mod protocol_tests;
mod request;
mod resource;
mod response;
mod response_url;
mod step;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod transport;

use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

pub use error::{ProtocolError, ResourceError};
pub use lambda_support::{AwsError, AwsErrorKind, logging};
pub use properties::Tag;
pub use protocol::{InvocationOutcome, InvocationSummary};
pub use request::{
    CONTINUATION_KEY, Continuation, CustomResourceRequest, Invocation, PendingAnswer, RequestKind,
    is_continuation,
};
pub use resource::{Completed, CustomResource, Progress};
pub use response::Status;

use protocol::{InvocationLimits, Protocol, ProtocolConfig};
use transport::HttpResponseSender;

/// Runs `handler` as a Lambda function under the custom-resource protocol, with the response
/// PUT over HTTPS and continuation through the Lambda API client built from `sdk_config`.
pub async fn run<H: CustomResource>(
    handler: H,
    sdk_config: &aws_config::SdkConfig,
) -> Result<(), lambda_runtime::Error> {
    let protocol = Arc::new(Protocol::new(
        handler,
        HttpResponseSender::new(),
        aws_sdk_lambda::Client::new(sdk_config),
        ProtocolConfig::from_env(),
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let protocol = Arc::clone(&protocol);
        async move {
            let limits = InvocationLimits::from_context(&event.context);
            protocol
                .handle(event.payload, limits)
                .await
                .map(|summary| serde_json::to_value(summary).unwrap_or_default())
        }
    }))
    .await
}
