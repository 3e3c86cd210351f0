//! The local Lambda service, driven with the `echo-function` test binary.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::Method;
use serde_json::{Value, json};
use studio_catalog_harness::lambda::{
    FunctionSpec, InvocationType, LambdaError, LocalLambda, Outcome,
};

const ECHO: &str = env!("CARGO_BIN_EXE_echo-function");
const WAIT: Duration = Duration::from_secs(5);

fn echo(name: &str) -> FunctionSpec {
    FunctionSpec::new(name, ECHO).timeout(Duration::from_secs(3))
}

/// A whole answer to [`send`].
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> serde_json::Result<Value> {
        serde_json::from_slice(&self.body)
    }
}

/// One request by hand (as an SDK would send it), read whole.
async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<String>,
) -> Result<Reply, reqwest::Error> {
    let mut request = reqwest::Client::builder()
        .no_proxy()
        .build()?
        .request(method, url)
        .body(body.into());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await?;
    Ok(Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await?.to_vec(),
    })
}

async fn start(specs: Vec<FunctionSpec>) -> LocalLambda {
    match LocalLambda::start(specs).await {
        Ok(lambda) => lambda,
        Err(error) => panic!("LocalLambda::start: {error}"),
    }
}

#[tokio::test]
async fn sync_invoke_runs_the_binary_and_keeps_it_warm() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("echo")]).await;

    let first = lambda
        .invoke("echo", json!({"echo": {"hello": "world"}}))
        .await?;
    assert_eq!(first.payload(), Some(&json!({"hello": "world"})));
    assert!(first.cold_start);
    assert_eq!(first.function_error(), None);

    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let second = lambda.invoke("echo", json!({"what": "headers"})).await?;
    assert!(!second.cold_start);
    let body = second.clone().into_payload()?;
    assert_eq!(body["event"], json!({"what": "headers"}));
    assert_eq!(body["request_id"], second.request_id.as_str());
    assert_eq!(
        body["function_arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:echo"
    );
    assert!(
        body["trace_id"]
            .as_str()
            .is_some_and(|t| t.starts_with("Root=1-"))
    );
    let deadline: u128 = body["deadline_ms"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    let expected = before.as_millis() + 3000;
    assert!(
        deadline.abs_diff(expected) < 1500,
        "deadline {deadline}, expected ~{expected}"
    );

    assert_eq!(lambda.cold_starts("echo"), 1);
    assert_eq!(lambda.init_durations("echo").len(), 1);
    let records = lambda.invocations("echo");
    assert_eq!(records.len(), 2);
    assert!(records[0].cold_start && records[0].init_duration.is_some());
    assert!(!records[1].cold_start && records[1].init_duration.is_none());
    assert_eq!(records[0].invocation_type, InvocationType::RequestResponse);

    lambda
        .wait_for_log(
            "echo",
            &format!("echo-function handling {}", second.request_id),
            WAIT,
        )
        .await?;
    let logs = lambda.logs("echo");
    assert!(logs.iter().any(|l| l.starts_with("echo-function init")));
    assert!(
        logs.iter()
            .any(|l| l == &format!("START RequestId: {} Version: $LATEST", first.request_id))
    );
    assert!(logs.iter().any(
        |l| l.starts_with(&format!("REPORT RequestId: {}", first.request_id))
            && l.contains("Init Duration")
    ));
    assert_eq!(lambda.logs_containing("echo-function init").len(), 1);
    Ok(())
}

#[tokio::test]
async fn functions_get_the_lambda_environment() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("env-fn").env("STUDIO_SETTING", "on")]).await;
    let env = |name: &'static str| {
        let lambda = &lambda;
        async move {
            lambda
                .invoke("env-fn", json!({ "env": name }))
                .await
                .and_then(|r| r.into_payload())
        }
    };
    assert_eq!(env("STUDIO_SETTING").await?, "on");
    assert_eq!(env("AWS_LAMBDA_FUNCTION_NAME").await?, "env-fn");
    assert_eq!(env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").await?, "128");
    assert_eq!(env("AWS_LAMBDA_FUNCTION_VERSION").await?, "$LATEST");
    assert_eq!(
        env("AWS_LAMBDA_LOG_GROUP_NAME").await?,
        "/aws/lambda/env-fn"
    );
    assert_eq!(env("AWS_REGION").await?, "us-east-1");
    assert_eq!(env("AWS_DEFAULT_REGION").await?, "us-east-1");
    assert_eq!(
        env("AWS_ENDPOINT_URL_LAMBDA").await?,
        lambda.invoke_endpoint().as_str()
    );
    assert!(
        env("AWS_LAMBDA_RUNTIME_API")
            .await?
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:"))
    );
    assert!(
        env("AWS_LAMBDA_LOG_STREAM_NAME")
            .await?
            .as_str()
            .is_some_and(|s| s.contains("/[$LATEST]"))
    );
    // The test's own environment does not leak in (only a few variables pass through).
    assert_eq!(env("CARGO_PKG_NAME").await?, Value::Null);
    Ok(())
}

#[tokio::test]
async fn an_error_is_reported_and_the_process_stays_warm() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("err")]).await;
    let result = lambda.invoke("err", json!({"error": "boom"})).await?;
    assert_eq!(
        result.outcome,
        Outcome::Error(json!({"errorType": "EchoError", "errorMessage": "boom"}))
    );
    assert_eq!(result.function_error(), Some("Unhandled"));
    assert!(matches!(
        result.clone().into_payload(),
        Err(LambdaError::FunctionFailed { .. })
    ));

    let next = lambda.invoke("err", json!({"echo": 1})).await?;
    assert_eq!(next.payload(), Some(&json!(1)));
    assert!(!next.cold_start);
    assert_eq!(lambda.cold_starts("err"), 1);
    Ok(())
}

#[tokio::test]
async fn a_deadline_kills_the_process_and_the_next_invocation_starts_cold()
-> Result<(), LambdaError> {
    let lambda = start(vec![echo("slow").timeout(Duration::from_millis(300))]).await;
    let result = lambda.invoke("slow", json!({"sleep_ms": 5000})).await?;
    assert_eq!(result.outcome, Outcome::TimedOut);
    assert!(
        result.duration < Duration::from_secs(2),
        "{:?}",
        result.duration
    );
    assert_eq!(result.body["errorType"], "Sandbox.Timedout");
    assert!(
        lambda
            .logs_containing("Task timed out after 0.30 seconds")
            .len()
            == 1
    );

    let next = lambda.invoke("slow", json!({"echo": "again"})).await?;
    assert_eq!(next.payload(), Some(&json!("again")));
    assert!(next.cold_start);
    assert_eq!(lambda.cold_starts("slow"), 2);
    assert_eq!(lambda.init_durations("slow").len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_crash_is_recorded_and_the_process_restarted() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("crashy")]).await;
    let result = lambda.invoke("crashy", json!({"crash": true})).await?;
    assert_eq!(result.outcome, Outcome::Crashed);
    assert_eq!(result.body["errorType"], "Runtime.ExitError");
    let record = &lambda.invocations("crashy")[0];
    assert!(
        record
            .exit_status
            .as_deref()
            .is_some_and(|s| s.contains('1')),
        "{record:?}"
    );

    let next = lambda.invoke("crashy", json!({"echo": true})).await?;
    assert!(next.is_success() && next.cold_start);
    assert_eq!(lambda.cold_starts("crashy"), 2);
    lambda
        .wait_for_log("crashy", "crashing on purpose", WAIT)
        .await?;
    Ok(())
}

#[tokio::test]
async fn an_init_error_fails_the_invocation() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("bad-init").env("ECHO_INIT_ERROR", "no config")]).await;
    let result = lambda.invoke("bad-init", json!({})).await?;
    assert_eq!(
        result.outcome,
        Outcome::Error(json!({"errorType": "EchoInitError", "errorMessage": "no config"}))
    );
    let again = lambda.invoke("bad-init", json!({})).await?;
    assert!(again.cold_start);
    assert_eq!(lambda.cold_starts("bad-init"), 2);
    Ok(())
}

#[tokio::test]
async fn async_invocations_run_in_order_without_retries_by_default() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("queue")]).await;
    let ids = [
        lambda.invoke_async("queue", json!({"sleep_ms": 50}))?,
        lambda.invoke_async("queue", json!({"error": "once"}))?,
        lambda.invoke_async("queue", json!({"echo": 3}))?,
    ];
    assert!(lambda.pending("queue") > 0);
    lambda.wait_idle("queue", WAIT).await?;
    let records = lambda.invocations("queue");
    let order: Vec<&str> = records.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        records
            .iter()
            .all(|r| r.invocation_type == InvocationType::Event && r.attempt == 0)
    );
    assert!(records[1].started >= records[0].ended, "one at a time");
    assert_eq!(records[2].outcome, Outcome::Success(json!(3)));
    Ok(())
}

#[tokio::test]
async fn async_retries_are_configurable() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("retry").async_retries(2)]).await;
    let id = lambda.invoke_async("retry", json!({"error": "always"}))?;
    lambda.wait_idle("retry", WAIT).await?;
    let records = lambda.invocations("retry");
    assert_eq!(
        records.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(records.iter().all(|r| r.request_id == id));
    // A synchronous invocation is never retried.
    lambda.invoke("retry", json!({"error": "sync"})).await?;
    assert_eq!(lambda.invocations("retry").len(), 4);
    Ok(())
}

#[tokio::test]
async fn the_invoke_endpoint_speaks_the_invoke_api() -> Result<(), Box<dyn std::error::Error>> {
    let lambda = start(vec![echo("api")]).await;
    let endpoint = lambda.invoke_endpoint();
    let arn = "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aapi";
    let signed = [
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20261123/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        ),
        ("x-amz-date", "20261123T000000Z"),
        ("x-amz-security-token", "testing"),
    ];
    let url = |name: &str| format!("{endpoint}/2015-03-31/functions/{name}/invocations");
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut headers = signed.to_vec();
        headers.extend_from_slice(extra);
        headers
    };

    // Event (by full, URL-encoded ARN): 202, empty body, runs in the background.
    let event = send(
        Method::POST,
        &url(arn),
        &with(&[("x-amz-invocation-type", "Event")]),
        json!({"echo": "async"}).to_string(),
    )
    .await?;
    assert_eq!(event.status, 202);
    assert!(event.body.is_empty());
    lambda.wait_idle("api", WAIT).await?;
    let records = lambda.invocations("api");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].invocation_type, InvocationType::Event);
    assert_eq!(records[0].payload, json!({"echo": "async"}));

    // RequestResponse (the default; by partial ARN with a qualifier).
    let sync = send(
        Method::POST,
        &url("123456789012%3Afunction%3Aapi%3A%24LATEST"),
        &with(&[]),
        json!({"echo": {"x": 1}}).to_string(),
    )
    .await?;
    assert_eq!(sync.status, 200);
    assert_eq!(sync.json()?, json!({"x": 1}));
    assert_eq!(sync.header("x-amz-function-error"), None);

    // A function error: 200 with X-Amz-Function-Error.
    let failed = send(
        Method::POST,
        &url("api"),
        &with(&[("x-amz-invocation-type", "RequestResponse")]),
        json!({"error": "nope"}).to_string(),
    )
    .await?;
    assert_eq!(failed.status, 200);
    assert_eq!(failed.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(failed.json()?["errorMessage"], "nope");

    // DryRun: 204, nothing runs.
    let dry = send(
        Method::POST,
        &url("api"),
        &with(&[("x-amz-invocation-type", "DryRun")]),
        "{}",
    )
    .await?;
    assert_eq!(dry.status, 204);
    assert_eq!(lambda.invocations("api").len(), 3);

    // Unknown function: 404 ResourceNotFoundException.
    let missing = send(Method::POST, &url("nope"), &with(&[]), "{}").await?;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("x-amzn-errortype"),
        Some("ResourceNotFoundException")
    );
    assert_eq!(
        missing.json()?,
        json!({"Type": "User", "message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"})
    );
    Ok(())
}

#[tokio::test]
async fn start_and_invoke_report_mistakes() {
    let missing = LocalLambda::start(vec![FunctionSpec::new("x", "/nonexistent/bootstrap")]).await;
    assert!(matches!(missing, Err(LambdaError::BinaryNotFound { .. })));
    let duplicate = LocalLambda::start(vec![echo("x"), echo("x")]).await;
    assert!(matches!(duplicate, Err(LambdaError::DuplicateFunction(_))));
    let invalid = LocalLambda::start(vec![echo("no spaces")]).await;
    assert!(matches!(invalid, Err(LambdaError::InvalidName(_))));

    let lambda = start(vec![echo("known")]).await;
    let unknown = lambda.invoke("unknown", json!({})).await;
    assert!(matches!(unknown, Err(LambdaError::UnknownFunction { .. })));
    assert!(lambda.wait_idle("known", WAIT).await.is_ok());
    assert_eq!(lambda.function_names(), ["known"]);
    // Nothing ran: no process was started.
    assert_eq!(lambda.cold_starts("known"), 0);
}

#[tokio::test]
async fn dropping_the_service_kills_its_processes() -> Result<(), LambdaError> {
    let lambda = start(vec![echo("doomed")]).await;
    lambda.invoke("doomed", json!({"echo": 1})).await?;
    let init = lambda
        .wait_for_log("doomed", "echo-function init pid=", WAIT)
        .await?;
    let pid = init.rsplit('=').next().unwrap_or_default().to_owned();
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|status| {
            !status
                .lines()
                .any(|l| l.starts_with("State:") && l.contains('Z'))
        })
    };
    assert!(alive(), "pid {pid} should run");
    let endpoint = lambda.invoke_endpoint();
    drop(lambda);
    for _ in 0..40 {
        if !alive() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(!alive(), "pid {pid} should be gone");
    assert!(
        send(
            Method::POST,
            &format!("{endpoint}/2015-03-31/functions/doomed/invocations"),
            &[],
            "{}"
        )
        .await
        .is_err()
    );
    Ok(())
}

#[test]
fn handles_can_be_shared_across_tasks() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<LocalLambda>();
    send_sync::<studio_catalog_harness::cloudformation::ResponseServer>();
    send_sync::<studio_catalog_harness::cloudformation::Deployment>();
    send_sync::<studio_catalog_harness::emulator::AwsEmulator>();
    fn send<T: Send>(_: &T) {}
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    if let Ok(runtime) = runtime {
        runtime.block_on(async {
            let lambda = start(vec![echo("shared")]).await;
            let invoke = lambda.invoke("shared", json!({}));
            send(&invoke);
            drop(invoke);
        });
    }
}
