//! Logging as `lambda_runtime::tracing::init_default_subscriber` sets it up (level from
//! `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, JSON with `AWS_LAMBDA_LOG_FORMAT=JSON`), except that
//! the libraries that see the presigned URL never log below INFO, whatever the level asked for:
//! at TRACE the SDK logs each response and deserialised output (the URL), and the Lambda
//! runtime logs raw events. This function's own logs never carry the URL.

use std::{env, str::FromStr};

use tracing_subscriber::{
    EnvFilter, Layer,
    filter::{FilterExt, LevelFilter, Targets},
    layer::SubscriberExt,
    util::SubscriberInitExt,
};

/// Target prefixes held at INFO: the AWS SDK and smithy runtime (`aws_*`), the HTTP stack,
/// and the Lambda runtime.
pub const QUIET_TARGETS: [&str; 6] = ["aws_", "hyper", "h2", "rustls", "tower", "lambda_runtime"];

/// The filter that holds [`QUIET_TARGETS`] at INFO and lets everything else through.
pub fn quiet_libraries() -> Targets {
    QUIET_TARGETS.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |targets, target| targets.with_target(*target, LevelFilter::INFO),
    )
}

/// Installs the global subscriber writing to stdout.
pub fn init() {
    let level = env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| env::var("RUST_LOG"))
        .ok()
        .and_then(|level| LevelFilter::from_str(&level).ok())
        .unwrap_or(LevelFilter::INFO);
    let requested = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    let filter = requested.and(quiet_libraries());
    let json =
        env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .without_time()
        .with_writer(std::io::stdout);
    let layer = if json {
        layer.json().with_filter(filter).boxed()
    } else {
        layer.with_filter(filter).boxed()
    };
    tracing_subscriber::registry().with(layer).init();
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
