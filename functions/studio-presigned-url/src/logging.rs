//! Logging as every function in the suite sets it up ([`cfn_custom_resource::logging`]: level
//! from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, JSON with `AWS_LAMBDA_LOG_FORMAT=JSON`, colour only
//! on a terminal), except that the libraries that see the presigned URL never log below INFO,
//! whatever the level asked for: at TRACE the SDK logs each response and deserialised output
//! (the URL), and the Lambda runtime logs raw events. This function's own logs never carry the
//! URL.

use tracing_subscriber::filter::Targets;

/// Target prefixes held at INFO: the AWS SDK and smithy runtime (`aws_*`), the HTTP stack,
/// and the Lambda runtime.
pub const QUIET_TARGETS: [&str; 6] = ["aws_", "hyper", "h2", "rustls", "tower", "lambda_runtime"];

/// The filter that holds [`QUIET_TARGETS`] at INFO and lets everything else through.
pub fn quiet_libraries() -> Targets {
    cfn_custom_resource::logging::held_at_info(&QUIET_TARGETS)
}

/// Installs the global subscriber writing to stdout, [`QUIET_TARGETS`] held at INFO.
pub fn init() {
    cfn_custom_resource::logging::init_holding_at_info(&QUIET_TARGETS);
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn libraries_that_see_the_url_are_held_at_info() {
        let filter = quiet_libraries();
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
