//! The log targets this function holds at INFO. It logs as every function in the suite does
//! ([`lambda_support::logging`]: level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, JSON with `AWS_LAMBDA_LOG_FORMAT=JSON`, colour only
//! on a terminal), except that the libraries that see the presigned URL never log below INFO,
//! whatever the level asked for: at TRACE the SDK logs each response and deserialised output
//! (the URL), and the Lambda runtime logs raw events. This function's own logs never carry the
//! URL.

/// Target prefixes held at INFO: the AWS SDK and smithy runtime (`aws_*`), the HTTP stack,
/// and the Lambda runtime. `main` installs the subscriber with
/// [`lambda_support::logging::init_holding_at_info`] of these.
pub const URL_SEEING_TARGETS: [&str; 6] =
    ["aws_", "hyper", "h2", "rustls", "tower", "lambda_runtime"];

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn libraries_that_see_the_url_are_held_at_info() {
        let filter = lambda_support::logging::held_at_info(&URL_SEEING_TARGETS);
        for target in [
            "aws_smithy_runtime::client::orchestrator",
            "aws_sdk_sagemaker::operation",
            "aws_sigv4",
            "hyper_util::client",
            "lambda_runtime::layers::api_response",
            "lambda_runtime_api_client",
        ] {
            assert!(
                !filter.would_enable(target, &Level::TRACE),
                "{target} TRACE"
            );
            assert!(
                !filter.would_enable(target, &Level::DEBUG),
                "{target} DEBUG"
            );
            assert!(filter.would_enable(target, &Level::INFO), "{target} INFO");
        }
        assert!(filter.would_enable("studio_presigned_url::sign_in", &Level::TRACE));
    }
}
