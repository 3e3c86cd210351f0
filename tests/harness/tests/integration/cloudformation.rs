//! Playing CloudFormation: the ResponseURL server, events, deployments.

use std::time::Duration;

use hyper::Method;
use serde_json::json;
use studio_catalog_harness::{
    cloudformation::{CfnError, CfnRequest, Deployment, ResponseServer, Stack},
    lambda::{FunctionSpec, LocalLambda},
};

const ECHO: &str = env!("CARGO_BIN_EXE_echo-function");
type TestResult = Result<(), Box<dyn std::error::Error>>;

/// PUTs `body` on a connection of its own (no pool: a dropped connection is not retried).
async fn put(url: &str, headers: &[(&str, &str)], body: &str) -> Result<u16, reqwest::Error> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()?;
    let mut request = client.request(Method::PUT, url).body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Ok(request.send().await?.status().as_u16())
}

#[tokio::test]
async fn the_response_server_records_puts_with_their_headers() -> TestResult {
    let server = ResponseServer::start().await?;
    let stack = Stack::new("harness-test").with_function("studio-domain");
    let (event, token) = stack.create(
        &server,
        "Custom::StudioDomain",
        "Domain",
        json!({"Name": "d"}),
    );
    let url = event["ResponseURL"].as_str().unwrap_or_default();
    assert!(url.starts_with(&format!("{}responses/{token}?", server.url_prefix())));
    assert_eq!(url, server.response_url(&token));

    let body = json!({
        "Status": "SUCCESS",
        "PhysicalResourceId": "d-123",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": "Domain",
        "NoEcho": false,
        "Data": {"DomainId": "d-123", "Url": "https://d-123.studio"},
    })
    .to_string();
    assert_eq!(
        put(url, &[("content-type", ""), ("x-extra", "1")], &body).await?,
        200
    );

    let response = server
        .wait_for_response(&token, Duration::from_secs(1))
        .await?;
    assert!(response.is_success());
    assert_eq!(response.physical_resource_id, "d-123");
    assert_eq!(response.stack_id, stack.stack_id());
    assert_eq!(response.data("DomainId"), Some("d-123"));
    assert_eq!(response.no_echo, Some(false));
    assert_eq!(response.content_type.as_deref(), Some(""));
    assert_eq!(
        response.headers.get("x-extra").map(String::as_str),
        Some("1")
    );
    assert_eq!(response.raw_body_len, body.len());
    assert!(response.problems().is_empty(), "{:?}", response.problems());
    assert!(response.echo_problems(&event).is_empty());
    assert_eq!(server.responses(&token).len(), 1);
    assert_eq!(server.attempts(&token), 1);

    // Without a Content-Type header, there is none.
    let other = server.new_token();
    put(&server.response_url(&other), &[], "{\"Status\":\"FAILED\"}").await?;
    let failed = server
        .wait_for_response(&other, Duration::from_secs(1))
        .await?;
    assert_eq!(failed.content_type, None);
    assert!(failed.is_failed());
    assert!(!failed.problems().is_empty());
    Ok(())
}

#[tokio::test]
async fn refused_puts_count_as_attempts_only() -> TestResult {
    let server = ResponseServer::start().await?;
    let token = server.new_token();
    let url = server.response_url(&token);

    server.fail_next_puts(2, 500);
    assert_eq!(put(&url, &[], "{}").await?, 500);
    assert_eq!(put(&url, &[], "{}").await?, 500);
    assert!(server.responses(&token).is_empty());
    assert_eq!(put(&url, &[], "{\"Status\":\"SUCCESS\"}").await?, 200);
    assert_eq!(server.attempts(&token), 3);
    assert_eq!(server.responses(&token).len(), 1);

    server.drop_next_connections(1);
    assert!(matches!(
        put(&url, &[], "{}").await,
        Err(ref error) if !error.is_connect()
    ));
    assert_eq!(server.attempts(&token), 4);
    assert_eq!(server.responses(&token).len(), 1);

    let silent = server.new_token();
    match server
        .wait_for_response(&silent, Duration::from_millis(50))
        .await
    {
        Err(CfnError::Timeout { attempts: 0, .. }) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_deployment_invokes_like_cloudformation_and_waits_for_the_put() -> TestResult {
    let cfn = Deployment::start("harness-deploy")
        .await?
        .with_timeout(Duration::from_secs(5));
    let lambda = LocalLambda::start(vec![
        FunctionSpec::new("resource", ECHO).env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix()),
    ])
    .await?;

    let create = CfnRequest::create("Custom::Echo", "Thing", json!({"Size": 3}));
    let created = cfn.request(&lambda, "resource", &create).await?;
    assert!(created.is_success(), "{created:?}");
    assert_eq!(created.physical_resource_id, "echo-Thing");
    assert_eq!(created.data("RequestType"), Some("Create"));
    assert_eq!(created.stack_id, cfn.stack().stack_id());
    assert_eq!(created.content_type.as_deref(), Some(""));

    // The function saw what CloudFormation sends: an Event invocation, properties as strings.
    // (The PUT comes before the function's own response: wait for the record.)
    let records = lambda
        .wait_for_invocations("resource", 1, Duration::from_secs(5))
        .await?;
    let record = &records[0];
    assert_eq!(record.payload["ResourceProperties"]["Size"], "3");
    assert_eq!(
        record.payload["ServiceToken"],
        "arn:aws:lambda:us-east-1:123456789012:function:resource"
    );
    assert_eq!(
        record.payload["ResourceProperties"]["ServiceToken"],
        record.payload["ServiceToken"]
    );

    let update = create.update(
        &created.physical_resource_id,
        json!({"Size": 4}),
        json!({"Size": 3}),
    );
    let updated = cfn.request(&lambda, "resource", &update).await?;
    assert_eq!(updated.data("RequestType"), Some("Update"));
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);

    let (event, token) = cfn.event(
        "resource",
        &create.delete(&created.physical_resource_id, json!({"Fail": true})),
    );
    let deleted = cfn.send(&lambda, "resource", event.clone()).await?;
    assert!(deleted.is_failed());
    assert_eq!(deleted.reason.as_deref(), Some("asked to fail"));
    assert!(deleted.echo_problems(&event).is_empty());
    assert_eq!(cfn.server().responses(&token).len(), 1);

    // A function that ends without a PUT fails the wait quickly, saying how it ended.
    let (mut event, token) = cfn.event("resource", &create);
    event["crash"] = json!(true);
    let started = std::time::Instant::now();
    match cfn.send(&lambda, "resource", event).await {
        Err(error @ CfnError::NoResponse { .. }) => {
            assert!(error.to_string().contains("Crashed"), "{error}");
        }
        other => panic!("expected NoResponse, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(cfn.server().attempts(&token), 0);

    // An event without a ResponseURL of ours cannot be waited for.
    assert!(matches!(
        cfn.send(&lambda, "resource", json!({"RequestType": "Create"}))
            .await,
        Err(CfnError::NoResponseToken)
    ));
    Ok(())
}
