//! A stack and a deployment: the pleasant way to send events in tests.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{CfnError, CfnRequest, CfnResponse, ResponseServer, Result, request::new_stack_id};
use crate::lambda::{LocalLambda, Outcome, function_arn};

/// A stack: a name and a `StackId` that stays the same for every event.
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// # use studio_catalog_harness::cloudformation::{ResponseServer, Stack};
/// # use serde_json::json;
/// let server = ResponseServer::start().await?;
/// let stack = Stack::new("studio-test").with_function("studio-domain");
/// let (event, token) = stack.create(&server, "Custom::StudioDomain", "Domain", json!({"DomainName": "d"}));
/// assert_eq!(event["StackId"], stack.stack_id());
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    name: String,
    stack_id: String,
    function: String,
}

impl Stack {
    /// A stack with a fresh `StackId`; its events target the function
    /// [`DEFAULT_FUNCTION`](super::DEFAULT_FUNCTION) until
    /// [`with_function`](Self::with_function).
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            stack_id: new_stack_id(name),
            function: super::DEFAULT_FUNCTION.to_owned(),
        }
    }

    /// Its events' `ServiceToken` is the ARN of the function `name`.
    #[must_use]
    pub fn with_function(mut self, name: &str) -> Self {
        self.function = name.to_owned();
        self
    }

    /// The stack's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `arn:aws:cloudformation:us-east-1:123456789012:stack/<name>/<uuid>`.
    pub fn stack_id(&self) -> &str {
        &self.stack_id
    }

    /// The `ServiceToken` of its events.
    pub fn service_token(&self) -> String {
        function_arn(&self.function)
    }

    /// A `Create` event and its response token.
    pub fn create(
        &self,
        server: &ResponseServer,
        resource_type: &str,
        logical_id: &str,
        properties: Value,
    ) -> (Value, String) {
        self.event(
            server,
            &CfnRequest::create(resource_type, logical_id, properties),
        )
    }

    /// An `Update` event and its response token.
    pub fn update(
        &self,
        server: &ResponseServer,
        resource_type: &str,
        logical_id: &str,
        physical_id: &str,
        properties: Value,
        old_properties: Value,
    ) -> (Value, String) {
        let request = CfnRequest::create(resource_type, logical_id, Value::Null).update(
            physical_id,
            properties,
            old_properties,
        );
        self.event(server, &request)
    }

    /// A `Delete` event and its response token.
    pub fn delete(
        &self,
        server: &ResponseServer,
        resource_type: &str,
        logical_id: &str,
        physical_id: &str,
        properties: Value,
    ) -> (Value, String) {
        let request = CfnRequest::create(resource_type, logical_id, Value::Null)
            .delete(physical_id, properties);
        self.event(server, &request)
    }

    /// `request` as an event of this stack: its `StackId`, its function's
    /// `ServiceToken`, and a fresh response URL on `server`. Returns the event
    /// and its response token.
    pub fn event(&self, server: &ResponseServer, request: &CfnRequest) -> (Value, String) {
        let token = server.new_token();
        let event = request
            .clone()
            .with_stack_id(self.stack_id.clone())
            .with_service_token(self.service_token())
            .with_response_url(server.response_url(&token))
            .to_event();
        (event, token)
    }
}

/// The default time [`Deployment`] waits for a response.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// CloudFormation's part in one place: a [`ResponseServer`], a [`Stack`], and
/// sending events the way CloudFormation does (an asynchronous `Event`
/// invocation, then waiting for the response PUT).
///
/// ```no_run
/// # async fn demo(lambda: studio_catalog_harness::lambda::LocalLambda) -> Result<(), Box<dyn std::error::Error>> {
/// # use studio_catalog_harness::cloudformation::{CfnRequest, Deployment};
/// # use serde_json::json;
/// let cfn = Deployment::start("studio-test").await?;
/// let create = CfnRequest::create("Custom::StudioDomain", "Domain", json!({"DomainName": "d"}));
/// let created = cfn.request(&lambda, "studio-domain", &create).await?;
/// let deleted = cfn
///     .request(&lambda, "studio-domain", &create.delete(&created.physical_resource_id, json!({"DomainName": "d"})))
///     .await?;
/// assert!(deleted.is_success());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Deployment {
    server: ResponseServer,
    stack: Stack,
    timeout: Duration,
}

impl Deployment {
    /// Starts a response server for a new stack named `stack_name`.
    pub async fn start(stack_name: &str) -> Result<Self> {
        Ok(Self {
            server: ResponseServer::start().await?,
            stack: Stack::new(stack_name),
            timeout: DEFAULT_RESPONSE_TIMEOUT,
        })
    }

    /// How long [`send`](Self::send) waits for the response PUT.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The response server (to inspect attempts or inject failures).
    pub fn server(&self) -> &ResponseServer {
        &self.server
    }

    /// The stack.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// [`ResponseServer::url_prefix`].
    pub fn url_prefix(&self) -> String {
        self.server.url_prefix()
    }

    /// Builds `request` as an event of the stack, for `function`; returns the
    /// event and its response token without sending it.
    pub fn event(&self, function: &str, request: &CfnRequest) -> (Value, String) {
        self.stack
            .clone()
            .with_function(function)
            .event(&self.server, request)
    }

    /// Sends `request` (as an event of the stack, `ServiceToken` = `function`)
    /// and waits for its response.
    pub async fn request(
        &self,
        lambda: &LocalLambda,
        function: &str,
        request: &CfnRequest,
    ) -> Result<CfnResponse> {
        let (event, _) = self.event(function, request);
        self.send(lambda, function, event).await
    }

    /// Invokes `function` asynchronously with `event`, as it is, and waits for
    /// the first accepted PUT to the event's `ResponseURL`.
    ///
    /// Fails with [`CfnError::NoResponse`] soon after every function is idle
    /// with no response (a crash, a timeout, a forgotten PUT) rather than
    /// waiting out the whole timeout; async self-invocations (continuations)
    /// keep a function busy, so they are waited for.
    pub async fn send(
        &self,
        lambda: &LocalLambda,
        function: &str,
        event: Value,
    ) -> Result<CfnResponse> {
        let token = response_token(&event).ok_or(CfnError::NoResponseToken)?;
        lambda.invoke_async(function, event)?;
        let deadline = Instant::now() + self.timeout;
        let mut idle_since: Option<Instant> = None;
        loop {
            match self.server.wait_for_response(&token, POLL).await {
                Err(CfnError::Timeout { .. }) => {}
                answer => return answer,
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CfnError::Timeout {
                    attempts: self.server.attempts(&token),
                    token,
                    timeout: self.timeout,
                });
            }
            if !lambda.is_idle() {
                idle_since = None;
            } else if now.duration_since(*idle_since.get_or_insert(now)) >= IDLE_GRACE {
                return Err(CfnError::NoResponse {
                    last_outcome: last_outcome(lambda, &token),
                    attempts: self.server.attempts(&token),
                    token,
                });
            }
        }
    }
}

/// How often [`Deployment::send`] looks at the response server and the functions.
const POLL: Duration = Duration::from_millis(25);
/// How long every function must stay idle before [`Deployment::send`] gives up.
const IDLE_GRACE: Duration = Duration::from_millis(300);

/// How the last invocation whose event carries `token` ended.
fn last_outcome(lambda: &LocalLambda, token: &str) -> String {
    lambda
        .function_names()
        .iter()
        .flat_map(|name| lambda.invocations(name))
        .filter(|r| response_token(&r.payload).as_deref() == Some(token))
        .max_by_key(|r| r.ended)
        .map_or_else(
            || "no invocation carried the token".to_owned(),
            |r| match &r.outcome {
                Outcome::Error(body) => format!("last attempt: Error {body}"),
                other => format!("last attempt: {}", other.kind()),
            },
        )
}

/// The token of a `ResponseURL` made by a [`ResponseServer`].
pub fn response_token(event: &Value) -> Option<String> {
    let url = event.get("ResponseURL")?.as_str()?;
    let (_, rest) = url.split_once("/responses/")?;
    let token = rest.split(['?', '#']).next()?;
    (!token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tokens_come_from_the_response_url() {
        let event = json!({"ResponseURL": "http://127.0.0.1:1/responses/abc?X-Amz-Signature=0"});
        assert_eq!(response_token(&event).as_deref(), Some("abc"));
        assert_eq!(response_token(&json!({})), None);
    }
}
