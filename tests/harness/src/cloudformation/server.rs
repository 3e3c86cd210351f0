//! The server behind the pre-signed `ResponseURL`s (S3, in AWS).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use hyper::{Method, StatusCode};
use tokio::sync::watch;

use super::{CfnError, CfnResponse, Result};
use crate::{
    http::{HandlerError, Server, ServerRequest, ServerResponse, percent_decode, response},
    ids, lock,
};

/// The path prefix of every response URL.
const PREFIX: &str = "/responses/";

#[derive(Debug, Default)]
struct TokenLog {
    attempts: usize,
    accepted: Vec<CfnResponse>,
}

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<String, TokenLog>,
    fail_remaining: usize,
    fail_status: u16,
    drop_remaining: usize,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changed: watch::Sender<()>,
}

/// Receives custom resources' response PUTs: `PUT /responses/{token}`.
///
/// Every PUT counts as an attempt for its token; unless told to refuse it
/// ([`fail_next_puts`](Self::fail_next_puts),
/// [`drop_next_connections`](Self::drop_next_connections)) it is answered
/// 200 and recorded.
#[derive(Debug)]
pub struct ResponseServer {
    shared: Arc<Shared>,
    server: Server,
}

impl ResponseServer {
    /// Starts on `127.0.0.1:0`.
    pub async fn start() -> Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: watch::Sender::new(()),
        });
        let listener = Server::bind_loopback().await.map_err(CfnError::Bind)?;
        let handler_shared = Arc::clone(&shared);
        let server = Server::serve(listener, move |request| {
            let shared = Arc::clone(&handler_shared);
            async move { shared.handle(&request) }
        })
        .map_err(CfnError::Bind)?;
        Ok(Self { shared, server })
    }

    /// `http://127.0.0.1:<port>/`: what to allow in the function's `CFN_RESPONSE_URL_ALLOW`.
    pub fn url_prefix(&self) -> String {
        format!("{}/", self.server.base_url())
    }

    /// A fresh random token.
    pub fn new_token(&self) -> String {
        ids::random_hex(16)
    }

    /// The response URL for `token`. Like a pre-signed S3 URL it carries a
    /// query string (ignored here); a function must PUT to it verbatim.
    pub fn response_url(&self, token: &str) -> String {
        format!(
            "{}{PREFIX}{token}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=testing%2F20261123%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261123T000000Z&X-Amz-Expires=7200&X-Amz-SignedHeaders=host&X-Amz-Signature=0",
            self.server.base_url()
        )
    }

    /// The next `n` PUTs (any token) are answered `status` (e.g. 500) and not
    /// recorded as accepted; they count as attempts.
    pub fn fail_next_puts(&self, n: usize, status: u16) {
        let mut state = lock(&self.shared.state);
        state.fail_remaining = n;
        state.fail_status = status;
    }

    /// The next `n` PUTs (any token) get their connection closed without an
    /// answer; they count as attempts. Applied before [`fail_next_puts`](Self::fail_next_puts).
    pub fn drop_next_connections(&self, n: usize) {
        lock(&self.shared.state).drop_remaining = n;
    }

    /// Every accepted PUT for `token`, oldest first (assert exactly one).
    pub fn responses(&self, token: &str) -> Vec<CfnResponse> {
        lock(&self.shared.state)
            .tokens
            .get(token)
            .map(|t| t.accepted.clone())
            .unwrap_or_default()
    }

    /// Every PUT received for `token`, refused ones included.
    pub fn attempts(&self, token: &str) -> usize {
        lock(&self.shared.state)
            .tokens
            .get(token)
            .map_or(0, |t| t.attempts)
    }

    /// Waits for the first accepted PUT for `token`.
    pub async fn wait_for_response(&self, token: &str, timeout: Duration) -> Result<CfnResponse> {
        let mut changed = self.shared.changed.subscribe();
        let first = || {
            lock(&self.shared.state)
                .tokens
                .get(token)
                .and_then(|t| t.accepted.first().cloned())
        };
        let waited = tokio::time::timeout(timeout, async {
            loop {
                if let Some(response) = first() {
                    return Some(response);
                }
                if changed.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await;
        match waited {
            Ok(Some(response)) => Ok(response),
            _ => Err(CfnError::Timeout {
                token: token.to_owned(),
                timeout,
                attempts: self.attempts(token),
            }),
        }
    }
}

impl Shared {
    fn handle(&self, request: &ServerRequest) -> std::result::Result<ServerResponse, HandlerError> {
        let Some(token) = request.path.strip_prefix(PREFIX).filter(|t| !t.is_empty()) else {
            return Ok(s3_error(StatusCode::NOT_FOUND, "NoSuchKey"));
        };
        if request.method != Method::PUT {
            return Ok(s3_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"));
        }
        let token = percent_decode(token);
        let verdict = {
            let mut state = lock(&self.state);
            let state = &mut *state;
            state.tokens.entry(token.clone()).or_default().attempts += 1;
            if state.drop_remaining > 0 {
                state.drop_remaining -= 1;
                Err(HandlerError::DropConnection)
            } else if state.fail_remaining > 0 {
                state.fail_remaining -= 1;
                Ok(Some(state.fail_status))
            } else {
                let parsed = CfnResponse::parse(&request.body, &request.headers);
                state.tokens.entry(token).or_default().accepted.push(parsed);
                Ok(None)
            }
        };
        self.changed.send_replace(());
        match verdict? {
            Some(status) => Ok(s3_error(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "InternalError",
            )),
            None => Ok(response(StatusCode::OK, &[("etag", "\"harness\"")], "")),
        }
    }
}

fn s3_error(status: StatusCode, code: &str) -> ServerResponse {
    response(
        status,
        &[("content-type", "application/xml")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{code}</Message></Error>"
        ),
    )
}
