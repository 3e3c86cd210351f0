//! The Lambda Runtime API (2018-06-01) one execution environment talks to.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::{
    http::{HandlerError, ServerRequest, ServerResponse, json_response, percent_decode, response},
    ids, lock,
};

/// An invocation handed to the execution environment.
#[derive(Debug)]
pub(crate) struct Dispatch {
    pub request_id: String,
    pub body: Bytes,
}

/// What the runtime did, for the worker.
#[derive(Debug)]
pub(crate) enum RuntimeEvent {
    /// `GET /next` returned this invocation; it must end by `deadline`.
    Delivered {
        request_id: String,
        deadline: Instant,
    },
    /// `POST /invocation/{id}/response`.
    Response { request_id: String, body: Value },
    /// `POST /invocation/{id}/error`.
    Error { request_id: String, body: Value },
    /// `POST /init/error`.
    InitError { body: Value },
}

/// The Runtime API state of one execution environment (one process).
#[derive(Debug)]
pub(crate) struct RuntimeApi {
    arn: String,
    timeout: Duration,
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Dispatch>>,
    /// The request id a response or error is expected for.
    current: Mutex<Option<String>>,
    first_poll: Mutex<Option<Instant>>,
    events: mpsc::UnboundedSender<RuntimeEvent>,
}

const PREFIX: [&str; 2] = ["2018-06-01", "runtime"];

impl RuntimeApi {
    /// The API, the sender to dispatch invocations on, and the receiver of its events.
    pub(super) fn new(
        arn: String,
        timeout: Duration,
    ) -> (
        Arc<Self>,
        mpsc::UnboundedSender<Dispatch>,
        mpsc::UnboundedReceiver<RuntimeEvent>,
    ) {
        let (dispatch, next) = mpsc::unbounded_channel();
        let (events, events_rx) = mpsc::unbounded_channel();
        let api = Arc::new(Self {
            arn,
            timeout,
            next: tokio::sync::Mutex::new(next),
            current: Mutex::new(None),
            first_poll: Mutex::new(None),
            events,
        });
        (api, dispatch, events_rx)
    }

    /// From now on, accept a response or error for `request_id` (once).
    pub(super) fn expect(&self, request_id: &str) {
        *lock(&self.current) = Some(request_id.to_owned());
    }

    /// Stop accepting a result for the current invocation.
    pub(super) fn clear(&self) {
        *lock(&self.current) = None;
    }

    /// When the process first asked for an invocation.
    pub(super) fn first_poll(&self) -> Option<Instant> {
        *lock(&self.first_poll)
    }

    /// Serves one request.
    pub(super) async fn handle(
        self: Arc<Self>,
        request: ServerRequest,
    ) -> Result<ServerResponse, HandlerError> {
        let segments = request.segments();
        let Some(rest) = segments.strip_prefix(&PREFIX[..]) else {
            return Ok(not_found());
        };
        Ok(match (&request.method, rest) {
            (&Method::GET, ["invocation", "next"]) => self.next().await,
            (&Method::POST, ["invocation", id, "response"]) => {
                let request_id = percent_decode(id);
                let body = parse_body(&request.body);
                let event = RuntimeEvent::Response {
                    request_id: request_id.clone(),
                    body,
                };
                self.result(&request_id, event)
            }
            (&Method::POST, ["invocation", id, "error"]) => {
                let request_id = percent_decode(id);
                let body = error_body(&request);
                let event = RuntimeEvent::Error {
                    request_id: request_id.clone(),
                    body,
                };
                self.result(&request_id, event)
            }
            (&Method::POST, ["init", "error"]) => {
                let _ = self.events.send(RuntimeEvent::InitError {
                    body: error_body(&request),
                });
                accepted()
            }
            _ => not_found(),
        })
    }

    async fn next(&self) -> ServerResponse {
        lock(&self.first_poll).get_or_insert_with(Instant::now);
        let Some(dispatch) = self.next.lock().await.recv().await else {
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &[],
                &json!({"errorType": "ServiceStopped", "errorMessage": "the harness stopped"}),
            );
        };
        let deadline = Instant::now() + self.timeout;
        let deadline_ms = SystemTime::now()
            .checked_add(self.timeout)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis())
            .to_string();
        let _ = self.events.send(RuntimeEvent::Delivered {
            request_id: dispatch.request_id.clone(),
            deadline,
        });
        response(
            StatusCode::OK,
            &[
                ("content-type", "application/json"),
                ("lambda-runtime-aws-request-id", &dispatch.request_id),
                ("lambda-runtime-deadline-ms", &deadline_ms),
                ("lambda-runtime-invoked-function-arn", &self.arn),
                ("lambda-runtime-trace-id", &ids::trace_id()),
            ],
            dispatch.body,
        )
    }

    fn result(&self, request_id: &str, event: RuntimeEvent) -> ServerResponse {
        let mut current = lock(&self.current);
        if current.as_deref() != Some(request_id) {
            return json_response(
                StatusCode::BAD_REQUEST,
                &[],
                &json!({
                    "errorType": "InvalidRequestID",
                    "errorMessage": format!("Invalid request ID: {request_id}"),
                }),
            );
        }
        *current = None;
        let _ = self.events.send(event);
        accepted()
    }
}

fn accepted() -> ServerResponse {
    json_response(StatusCode::ACCEPTED, &[], &json!({"status": "OK"}))
}

fn not_found() -> ServerResponse {
    json_response(
        StatusCode::NOT_FOUND,
        &[],
        &json!({"errorType": "NotFound", "errorMessage": "unknown Runtime API path"}),
    )
}

/// JSON if it parses, else the text as a JSON string.
pub(crate) fn parse_body(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// An error document: the body if it is JSON, else one made from the text and
/// the `Lambda-Runtime-Function-Error-Type` header.
fn error_body(request: &ServerRequest) -> Value {
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(value) => value,
        Err(_) => json!({
            "errorType": request
                .header("lambda-runtime-function-error-type")
                .unwrap_or("Runtime.Unknown"),
            "errorMessage": String::from_utf8_lossy(&request.body),
        }),
    }
}
