//! A tiny Lambda function for the harness's own tests. It speaks the Runtime
//! API by hand (blocking HTTP/1.1 over a `TcpStream`, one connection per
//! request) and behaves according to the event:
//!
//! - `{"echo": x}` → responds `x`
//! - `{"sleep_ms": n}` → sleeps `n` ms, then responds `{"slept_ms": n}`
//! - `{"crash": true}` → exits with status 1
//! - `{"error": "msg"}` → posts an error (`errorType` `EchoError`)
//! - `{"log": "line"}` → writes the line to stdout and stderr, responds `"logged"`
//! - `{"env": "NAME"}` → responds the variable's value (or null)
//! - a CloudFormation custom resource event (it has a `ResponseURL`) → PUTs
//!   `SUCCESS` (or `FAILED` when `ResourceProperties.Fail` is `"true"`) to the
//!   URL with `Content-Type: ""`, then responds `null`
//! - anything else → responds `{"event": <event>, "request_id": .., "deadline_ms": .., "function_arn": ..}`
//!
//! With `ECHO_INIT_ERROR=<msg>` it posts an init error and exits before polling.

use std::{
    io::{self, BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::ExitCode,
    time::Duration,
};

use serde_json::{Value, json};

type Headers = Vec<(String, String)>;

struct Response {
    status: u16,
    headers: Headers,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn request(api: &str, method: &str, path: &str, body: &[u8]) -> io::Result<Response> {
    request_with_type(api, method, path, "application/json", body)
}

fn request_with_type(
    api: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> io::Result<Response> {
    let mut stream = TcpStream::connect(api)?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()?;

    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {status_line:?}")))?;
    let mut headers = Headers::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn post(api: &str, path: &str, body: &Value) -> io::Result<()> {
    let response = request(api, "POST", path, body.to_string().as_bytes())?;
    if response.status != 202 {
        return Err(io::Error::other(format!(
            "POST {path}: {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        )));
    }
    Ok(())
}

/// Answers a custom resource event the way a (minimal) custom resource does.
fn answer_cloudformation(event: &Value, url: &str) -> io::Result<()> {
    let text = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or_default();
    let fail = event["ResourceProperties"]["Fail"].as_str() == Some("true");
    let physical_id = match text("PhysicalResourceId") {
        "" => format!("echo-{}", text("LogicalResourceId")),
        id => id.to_owned(),
    };
    let mut body = json!({
        "Status": if fail { "FAILED" } else { "SUCCESS" },
        "PhysicalResourceId": physical_id,
        "StackId": text("StackId"),
        "RequestId": text("RequestId"),
        "LogicalResourceId": text("LogicalResourceId"),
        "Data": {"RequestType": text("RequestType")},
    });
    if fail {
        body["Reason"] = json!("asked to fail");
    }
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::other(format!("not an http URL: {url}")))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let response = request_with_type(authority, "PUT", path, "", body.to_string().as_bytes())?;
    writeln!(
        io::stdout(),
        "echo-function PUT {} -> {}",
        text("RequestType"),
        response.status
    )?;
    Ok(())
}

fn run() -> io::Result<()> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| io::Error::other("AWS_LAMBDA_RUNTIME_API is not set"))?;
    let mut stdout = io::stdout();
    writeln!(stdout, "echo-function init pid={}", std::process::id())?;

    if let Ok(message) = std::env::var("ECHO_INIT_ERROR") {
        post(
            &api,
            "/2018-06-01/runtime/init/error",
            &json!({"errorType": "EchoInitError", "errorMessage": message}),
        )?;
        std::process::exit(2);
    }

    loop {
        let next = request(&api, "GET", "/2018-06-01/runtime/invocation/next", b"")?;
        if next.status != 200 {
            return Err(io::Error::other(format!("next: status {}", next.status)));
        }
        let id = next
            .header("lambda-runtime-aws-request-id")
            .unwrap_or_default()
            .to_owned();
        let event: Value = serde_json::from_slice(&next.body).unwrap_or(Value::Null);
        writeln!(stdout, "echo-function handling {id}")?;
        let respond = |body: &Value| {
            post(
                &api,
                &format!("/2018-06-01/runtime/invocation/{id}/response"),
                body,
            )
        };

        if let Some(value) = event.get("echo") {
            respond(value)?;
        } else if let Some(ms) = event.get("sleep_ms").and_then(Value::as_u64) {
            std::thread::sleep(Duration::from_millis(ms));
            respond(&json!({"slept_ms": ms}))?;
        } else if event.get("crash").and_then(Value::as_bool) == Some(true) {
            writeln!(stdout, "echo-function crashing on purpose")?;
            std::process::exit(1);
        } else if let Some(message) = event.get("error").and_then(Value::as_str) {
            post(
                &api,
                &format!("/2018-06-01/runtime/invocation/{id}/error"),
                &json!({"errorType": "EchoError", "errorMessage": message}),
            )?;
        } else if let Some(line) = event.get("log").and_then(Value::as_str) {
            writeln!(stdout, "{line}")?;
            eprintln!("{line}");
            respond(&json!("logged"))?;
        } else if let Some(name) = event.get("env").and_then(Value::as_str) {
            respond(&std::env::var(name).map_or(Value::Null, Value::String))?;
        } else if let Some(url) = event.get("ResponseURL").and_then(Value::as_str) {
            answer_cloudformation(&event, url)?;
            respond(&Value::Null)?;
        } else {
            respond(&json!({
                "event": event,
                "request_id": id,
                "deadline_ms": next.header("lambda-runtime-deadline-ms"),
                "function_arn": next.header("lambda-runtime-invoked-function-arn"),
                "trace_id": next.header("lambda-runtime-trace-id"),
            }))?;
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("echo-function: {error}");
            ExitCode::from(3)
        }
    }
}
