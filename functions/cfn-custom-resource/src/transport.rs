//! The two ways an answer leaves the function: the response PUT to CloudFormation, and the
//! asynchronous self-invocation that carries an unfinished operation to the next invocation.

use std::future::Future;
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use tokio::time::Instant;
use tracing::{error, warn};

/// Why an answer could not be delivered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeliveryError {
    /// CloudFormation's URL refused the answer (4xx): it will not accept a retry either.
    #[error("the response URL refused the answer with HTTP {status}")]
    Refused {
        /// The HTTP status.
        status: u16,
    },
    /// Every attempt failed with a 5xx or a connection error before the deadline.
    #[error("the answer could not be delivered after {attempts} attempts: {last_error}")]
    Exhausted {
        /// How many PUTs were tried.
        attempts: u32,
        /// The last failure.
        last_error: String,
    },
    /// The self-invocation failed.
    #[error("could not continue the operation in a new invocation: {0}")]
    Continuation(String),
}

/// Delivers a response body to a `ResponseURL`.
pub(crate) trait ResponseSender: Send + Sync {
    /// PUTs `body` to `url`, retrying transient failures until `deadline`.
    fn send(
        &self,
        url: &str,
        body: Vec<u8>,
        deadline: Instant,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;
}

/// Starts the next invocation of this function with a payload.
pub(crate) trait SelfInvoker: Send + Sync {
    /// Invokes `function_arn` asynchronously (`InvocationType=Event`) with `payload`.
    fn invoke_event(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;
}

/// The response PUT over HTTPS, as CloudFormation's pre-signed S3 URL requires: an empty
/// `Content-Type`, the status checked, 5xx and connection errors retried with backoff.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponseSender {
    client: reqwest::Client,
}

impl HttpResponseSender {
    /// A sender with its own connection pool; build it once per cold start.
    pub(crate) fn new() -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self { client }
    }
}

impl Default for HttpResponseSender {
    fn default() -> Self {
        Self::new()
    }
}

/// How long to wait before PUT attempt `attempt` (1-based) is retried.
pub(crate) fn put_backoff(attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(5);
    Duration::from_millis(250 * 2u64.pow(exponent))
}

impl ResponseSender for HttpResponseSender {
    async fn send(&self, url: &str, body: Vec<u8>, deadline: Instant) -> Result<(), DeliveryError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let result = self
                .client
                .put(url)
                .header(reqwest::header::CONTENT_TYPE, "")
                .timeout(remaining.clamp(Duration::from_millis(100), Duration::from_secs(10)))
                .body(body.clone())
                .send()
                .await;
            let last_error = match result {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) if response.status().is_client_error() => {
                    let status = response.status().as_u16();
                    error!(
                        status,
                        "the response URL refused the answer; it may have expired"
                    );
                    return Err(DeliveryError::Refused { status });
                }
                Ok(response) => format!("HTTP {}", response.status().as_u16()),
                // reqwest's error text includes the URL; keep only the kind of failure.
                Err(error) => describe_transport_error(&error),
            };
            let pause = put_backoff(attempts);
            if Instant::now() + pause >= deadline {
                return Err(DeliveryError::Exhausted {
                    attempts,
                    last_error,
                });
            }
            warn!(attempts, error = %last_error, "response PUT failed; retrying");
            tokio::time::sleep(pause).await;
        }
    }
}

fn describe_transport_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_request() {
        "request failed"
    } else {
        "transport error"
    };
    kind.to_owned()
}

impl SelfInvoker for aws_sdk_lambda::Client {
    async fn invoke_event(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
    ) -> Result<(), DeliveryError> {
        self.invoke()
            .function_name(function_arn)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .map(|_| ())
            .map_err(|error| {
                let detail = aws_sdk_lambda::error::DisplayErrorContext(&error).to_string();
                DeliveryError::Continuation(detail)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    #[test]
    fn put_backoff_grows_and_is_capped() {
        assert_eq!(put_backoff(1), Duration::from_millis(250));
        assert_eq!(put_backoff(2), Duration::from_millis(500));
        assert_eq!(put_backoff(30), Duration::from_millis(8000));
    }

    #[tokio::test]
    async fn a_self_invocation_is_asynchronous_and_targets_the_functions_own_arn() {
        let rule = mock!(aws_sdk_lambda::Client::invoke)
            .match_requests(|input| {
                input.function_name()
                    == Some("arn:aws:lambda:us-east-1:123456789012:function:studio-domain")
                    && input.invocation_type() == Some(&InvocationType::Event)
            })
            .then_output(|| InvokeOutput::builder().status_code(202).build());
        let client = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&rule]);
        client
            .invoke_event(
                "arn:aws:lambda:us-east-1:123456789012:function:studio-domain",
                b"{}".to_vec(),
            )
            .await
            .unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_refused_self_invocation_is_a_continuation_error() {
        let rule = mock!(aws_sdk_lambda::Client::invoke).then_error(|| {
            InvokeError::TooManyRequestsException(
                aws_sdk_lambda::types::error::TooManyRequestsException::builder()
                    .message("Rate exceeded")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&rule]);
        let error = client
            .invoke_event("arn", b"{}".to_vec())
            .await
            .unwrap_err();
        assert!(matches!(error, DeliveryError::Continuation(_)));
        assert!(
            error.to_string().contains("TooManyRequestsException"),
            "{error}"
        );
    }
}
