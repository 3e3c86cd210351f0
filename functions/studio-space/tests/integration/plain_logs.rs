//! Plain-text logs are plain: with `AWS_LAMBDA_LOG_FORMAT` unset (Lambda's text format), the
//! real binary, its stdout and stderr piped as under Lambda, writes no ANSI colour codes
//! (CloudWatch would show them as `[32m INFO[0m`).

use std::time::Duration;

use serde_json::json;
use studio_catalog_harness::cloudformation::CfnRequest;
use studio_catalog_harness::custom_resource::{CustomResourceOptions, CustomResourceUnderTest};
use studio_catalog_harness::lambda::assert_plain_text_logs;

#[tokio::test]
async fn plain_text_logs_carry_no_colour_codes_when_stdout_is_not_a_terminal() {
    // Given the function in Lambda's text log format, its output piped
    let space = CustomResourceUnderTest::start(
        env!("CARGO_BIN_EXE_studio-space"),
        "plain-logs",
        CustomResourceOptions::default()
            .transition_seconds(0.1)
            .response_timeout(Duration::from_secs(60))
            .function_timeout(Duration::from_secs(30))
            .text_logs_at("DEBUG"),
    )
    .await;

    // When it handles a request it refuses (an unknown property: no AWS call)
    let answered = space
        .send_and_wait(&CfnRequest::create(
            "Custom::StudioSpace",
            "Space",
            json!({"DomainId": "d-abcdef123456", "SpaceName": "lab", "SpaceNam": "typo"}),
        ))
        .await;
    assert!(answered.is_failed(), "{answered:?}");

    // Then it logged, in plain text, without a single escape sequence
    assert_plain_text_logs(&space.logs(), &["INFO", "ERROR"]);
}
