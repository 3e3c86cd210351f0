//! Plain-text logs are plain: with `AWS_LAMBDA_LOG_FORMAT` unset (Lambda's text format), the
//! real binary, its stdout and stderr piped as under Lambda, writes no ANSI colour codes
//! (CloudWatch would show them as `[32m INFO[0m`), through its own logging set-up (the
//! libraries that see the URL held at INFO).

use std::time::Duration;

use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::function_url::iam_user_get;
use studio_catalog_harness::lambda::{FunctionSpec, LocalLambda, assert_plain_text_logs};

const FUNCTION: &str = "studio-presigned-url";

#[tokio::test]
async fn plain_text_logs_carry_no_colour_codes_when_stdout_is_not_a_terminal() {
    // Given the function in Lambda's text log format, its output piped
    let aws = AwsEmulator::builder()
        .lease()
        .await
        .expect("the emulator starts");
    let lambda = LocalLambda::start(vec![
        FunctionSpec::new(FUNCTION, env!("CARGO_BIN_EXE_studio-presigned-url"))
            .envs(aws.aws_env())
            .env("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
            .env("DOMAIN_ID", "d-0123456789ab")
            .timeout(Duration::from_secs(30)),
    ])
    .await
    .expect("the function starts");

    // When someone without a profile asks to sign in
    let answer = lambda
        .invoke(FUNCTION, iam_user_get("mallory", ""))
        .await
        .expect("the function answers")
        .into_payload()
        .expect("a payload");
    assert!(answer["statusCode"].as_u64().is_some(), "{answer}");

    // Then it logged, in plain text, without a single escape sequence
    assert_plain_text_logs(&lambda.logs(FUNCTION), &["INFO"]);
}
