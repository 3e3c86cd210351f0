//! Plain-text logs are plain: with `AWS_LAMBDA_LOG_FORMAT` unset (Lambda's text format), the
//! real binary, its stdout and stderr piped as under Lambda, writes no ANSI colour codes
//! (CloudWatch would show them as `[32m INFO[0m`).

use std::time::Duration;

use serde_json::json;
use studio_catalog_harness::cloudformation::{CfnRequest, Deployment};
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::lambda::{FunctionSpec, LocalLambda, assert_plain_text_logs};

const FUNCTION: &str = "studio-domain";

#[tokio::test]
async fn plain_text_logs_carry_no_colour_codes_when_stdout_is_not_a_terminal() {
    // Given the function in Lambda's text log format, its output piped
    let aws = AwsEmulator::builder()
        .lease()
        .await
        .expect("the emulator starts");
    let cfn = Deployment::start("plain-logs")
        .await
        .expect("the response server starts")
        .with_timeout(Duration::from_secs(60));
    let lambda = LocalLambda::start(vec![
        FunctionSpec::new(FUNCTION, env!("CARGO_BIN_EXE_studio-domain"))
            .envs(aws.aws_env())
            .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix())
            .env("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
            .timeout(Duration::from_secs(30)),
    ])
    .await
    .expect("the function starts");

    // When it handles a request it refuses (an unknown property: no AWS call)
    let request = CfnRequest::create(
        "Custom::StudioDomain",
        "Domain",
        json!({"DomainName": "plain", "VpcIdd": "vpc-0a1b2c3d"}),
    );
    let answered = cfn
        .request(&lambda, FUNCTION, &request)
        .await
        .expect("CloudFormation gets an answer");
    assert!(answered.is_failed(), "{answered:?}");

    // Then it logged, in plain text, without a single escape sequence
    let logs = lambda.logs(FUNCTION);
    assert!(
        logs.iter()
            .any(|line| line.contains("INFO") || line.contains("ERROR")),
        "{logs:#?}"
    );
    assert_plain_text_logs(&logs);
}
