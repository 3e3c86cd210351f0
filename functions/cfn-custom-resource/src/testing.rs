//! Unit-testing a custom resource: requests as CloudFormation sends them, and a driver that
//! takes a resource's steps to the end as the protocol does, without Lambda, HTTP or time.
//!
//! Enabled by the `testing` feature; a resource crate asks for it in its dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! cfn-custom-resource = { workspace = true, features = ["testing"] }
//! ```
//!
//! ```ignore
//! use cfn_custom_resource::testing::{self, create};
//!
//! let request = create(json!({"Name": "a"})).stack_id(STACK).build();
//! let run = testing::run(&resource, &request).await;
//! assert_eq!(run.continuations(), 1);
//! let completed = run.completed();
//! ```
//!
//! [`run`] takes each step exactly as the protocol does (one code path, `step.rs`): the
//! properties parsed from the request (a bad one is the outcome), a delete of a physical id
//! the resource does not own done untouched, and the state carried as JSON from step to step,
//! as it travels between invocations. Where the protocol waits (polling) or backs off (a
//! retryable error), the driver steps again at once.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ResourceError;
use crate::request::{
    Continuation, CustomResourceRequest, Invocation, RequestKind, continuation_payload,
};
use crate::resource::{Completed, CustomResource, Progress};
use crate::step::resource_step;

/// The stack every built request comes from, unless told otherwise.
pub const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/studio-catalog-test/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
/// A CloudFormation S3 `ResponseURL`, of the form the protocol accepts.
pub const RESPONSE_URL: &str = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation/test";
/// How many steps [`run`] takes before it calls the operation stuck.
pub const MAX_STEPS: usize = 20;

/// A custom-resource request under construction: [`create`], [`update`] or [`delete`], then
/// what differs from the defaults, then [`build`](RequestBuilder::build) (or
/// [`event`](RequestBuilder::event) for the JSON CloudFormation sends).
#[derive(Debug, Clone)]
#[must_use]
pub struct RequestBuilder {
    request: CustomResourceRequest,
}

fn builder(kind: RequestKind, request_id: &str, properties: Value) -> RequestBuilder {
    RequestBuilder {
        request: CustomResourceRequest {
            kind,
            request_id: request_id.to_owned(),
            stack_id: STACK_ID.to_owned(),
            logical_resource_id: "Resource".to_owned(),
            resource_type: "Custom::Resource".to_owned(),
            response_url: RESPONSE_URL.to_owned(),
            properties,
        },
    }
}

/// A Create with `properties` (request id `create-1`).
pub fn create(properties: Value) -> RequestBuilder {
    builder(RequestKind::Create, "create-1", properties)
}

/// An Update of `physical_resource_id` from `old_properties` to `properties` (request id
/// `update-1`).
pub fn update(
    physical_resource_id: impl Into<String>,
    properties: Value,
    old_properties: Value,
) -> RequestBuilder {
    builder(
        RequestKind::Update {
            physical_resource_id: physical_resource_id.into(),
            old_properties,
        },
        "update-1",
        properties,
    )
}

/// A Delete of `physical_resource_id`, whose properties are `properties` (request id
/// `delete-1`).
pub fn delete(physical_resource_id: impl Into<String>, properties: Value) -> RequestBuilder {
    builder(
        RequestKind::Delete {
            physical_resource_id: physical_resource_id.into(),
        },
        "delete-1",
        properties,
    )
}

/// The request a Lambda payload carries (a sample event from `events/`, say).
///
/// # Panics
/// If the payload is neither a custom-resource request nor a continuation of one.
pub fn request_from_event(event: Value) -> CustomResourceRequest {
    match Invocation::from_payload(event) {
        Ok(invocation) => invocation.request().clone(),
        Err(error) => panic!("not a custom-resource request: {error}"),
    }
}

impl RequestBuilder {
    /// CloudFormation's id for the request (the same on a duplicate delivery).
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request.request_id = request_id.into();
        self
    }

    /// The stack's ARN.
    pub fn stack_id(mut self, stack_id: impl Into<String>) -> Self {
        self.request.stack_id = stack_id.into();
        self
    }

    /// The resource's logical id in the template.
    pub fn logical_resource_id(mut self, logical_resource_id: impl Into<String>) -> Self {
        self.request.logical_resource_id = logical_resource_id.into();
        self
    }

    /// `Custom::Something`.
    pub fn resource_type(mut self, resource_type: impl Into<String>) -> Self {
        self.request.resource_type = resource_type.into();
        self
    }

    /// Where the answer is PUT.
    pub fn response_url(mut self, response_url: impl Into<String>) -> Self {
        self.request.response_url = response_url.into();
        self
    }

    /// The request.
    pub fn build(self) -> CustomResourceRequest {
        self.request
    }

    /// The request as CloudFormation sends it to the function.
    pub fn event(&self) -> Value {
        self.request.to_cloudformation()
    }

    /// The payload of the self-invocation that carries this request's operation on from
    /// `state` (what its last step returned), as the protocol hands it to a new invocation.
    ///
    /// # Panics
    /// If `state` does not serialize.
    pub fn continuation(&self, state: impl Serialize) -> Value {
        let state = serde_json::to_value(state).expect("the state serializes");
        continuation_payload(&Continuation {
            request: self.event(),
            state,
            first_received_at_ms: 0,
            not_before_ms: 0,
            invocation: 1,
            consecutive_failures: 0,
            polls: 1,
            physical_resource_id: None,
            waiting_for: None,
            answer: None,
        })
    }
}

impl From<RequestBuilder> for CustomResourceRequest {
    fn from(builder: RequestBuilder) -> Self {
        builder.build()
    }
}

/// How an operation's steps ended, and what they did on the way.
#[derive(Debug)]
pub struct Run {
    /// The last step's result: done, or an error that is not retryable.
    pub outcome: Result<Completed, ResourceError>,
    /// What each step that was not the last waited for ([`Progress::InProgress`]), in order:
    /// each is one more step the protocol schedules, in this invocation or a continuation.
    pub waited_for: Vec<String>,
    /// The reasons of the retryable errors that were tried again, in order.
    pub retried: Vec<String>,
    /// What the steps named as existing ([`Progress::naming`]): the physical id a FAILED answer
    /// of a create carries, so that CloudFormation's rollback deletes it.
    pub made: Option<String>,
}

impl Run {
    /// How many times the operation was carried on from a state ([`Progress::InProgress`]).
    pub fn continuations(&self) -> usize {
        self.waited_for.len()
    }

    /// What the operation completed with.
    ///
    /// # Panics
    /// If it failed.
    pub fn completed(self) -> Completed {
        match self.outcome {
            Ok(completed) => completed,
            Err(error) => panic!("expected the operation to complete; it failed: {error:?}"),
        }
    }

    /// Why the operation failed.
    ///
    /// # Panics
    /// If it completed.
    pub fn error(self) -> ResourceError {
        match self.outcome {
            Ok(completed) => panic!("expected the operation to fail; it completed: {completed:?}"),
            Err(error) => error,
        }
    }
}

/// Takes `resource`'s steps for `request` to the end, from no state.
pub async fn run<R: CustomResource>(resource: &R, request: &CustomResourceRequest) -> Run {
    run_from(resource, request, None).await
}

/// Takes `resource`'s steps for `request` to the end, from `state`: an operation carried on
/// from a step that returned it (a continuation).
///
/// # Panics
/// If `state` does not serialize, or the operation takes more than [`MAX_STEPS`] steps.
pub async fn run_from<R: CustomResource>(
    resource: &R,
    request: &CustomResourceRequest,
    state: Option<R::State>,
) -> Run {
    let state = state.map(|state| serde_json::to_value(state).expect("the state serializes"));
    drive(state, |state| resource_step(resource, request, state)).await
}

/// Takes the steps `step` makes to the end, from no state, as [`run`] does: for a test that
/// calls `create`, `update` or `delete` itself (with properties it built, say). The state
/// travels as JSON between steps, as between invocations.
///
/// # Panics
/// If the state does not round-trip through JSON, or the operation takes more than
/// [`MAX_STEPS`] steps.
pub async fn run_steps<S, F, Fut>(mut step: F) -> Run
where
    S: Serialize + DeserializeOwned,
    F: FnMut(Option<S>) -> Fut,
    Fut: Future<Output = Result<Progress<S>, ResourceError>>,
{
    drive(None, |state: Option<Value>| {
        let state = state.map(|state| serde_json::from_value(state).expect("the state reads"));
        let progress = step(state);
        async move {
            Ok(match progress.await? {
                Progress::Done(completed) => Progress::Done(completed),
                Progress::InProgress {
                    state,
                    waiting_for,
                    physical_resource_id,
                } => Progress::InProgress {
                    state: serde_json::to_value(state).expect("the state serializes"),
                    waiting_for,
                    physical_resource_id,
                },
            })
        }
    })
    .await
}

/// The protocol's step loop without its clock: step until done or failed, carrying the state
/// and what was named, trying a retryable error again.
async fn drive<F, Fut>(mut state: Option<Value>, mut step: F) -> Run
where
    F: FnMut(Option<Value>) -> Fut,
    Fut: Future<Output = Result<Progress<Value>, ResourceError>>,
{
    let mut waited_for = Vec::new();
    let mut retried = Vec::new();
    let mut made = None;
    for _ in 0..MAX_STEPS {
        match step(state.clone()).await {
            Ok(Progress::Done(completed)) => {
                return Run {
                    outcome: Ok(completed),
                    waited_for,
                    retried,
                    made,
                };
            }
            Ok(Progress::InProgress {
                state: next,
                waiting_for: waiting,
                physical_resource_id,
            }) => {
                waited_for.push(waiting);
                state = Some(next);
                made = physical_resource_id.or(made);
            }
            Err(ResourceError::Retryable { reason, .. }) => retried.push(reason),
            Err(error) => {
                return Run {
                    outcome: Err(error),
                    waited_for,
                    retried,
                    made,
                };
            }
        }
    }
    panic!(
        "the operation did not finish in {MAX_STEPS} steps; it waited for {waited_for:?} and retried {retried:?}"
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol_tests::{ScriptedResource, Step};

    fn props() -> Value {
        json!({"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:example", "Name": "a"})
    }

    #[tokio::test]
    async fn a_run_carries_the_state_from_step_to_step_and_counts_the_continuations() {
        let resource = ScriptedResource::new(vec![
            Step::Waiting(1),
            Step::Waiting(2),
            Step::Done("res-1"),
        ]);

        let run = run(&resource, &create(props()).build()).await;

        assert_eq!(
            *resource.states_seen.lock().unwrap(),
            vec![None, Some(1), Some(2)]
        );
        assert_eq!(run.waited_for, vec!["step 1", "step 2"]);
        assert_eq!(run.continuations(), 2);
        assert_eq!(run.made.as_deref(), Some("res-1"));
        assert_eq!(run.completed().data["Id"], "res-1");
    }

    #[tokio::test]
    async fn a_run_from_a_continuation_state_starts_there() {
        let resource = ScriptedResource::new(vec![Step::Done("res-1")]);
        let request = update("res-1", props(), json!({"Name": "old"})).build();

        run_from(&resource, &request, Some(7)).await.completed();

        assert_eq!(*resource.states_seen.lock().unwrap(), vec![Some(7)]);
    }

    #[tokio::test]
    async fn a_run_ends_with_the_error_that_is_not_retryable_and_keeps_what_was_named() {
        let resource = ScriptedResource::new(vec![
            Step::Waiting(1),
            Step::Fail(ResourceError::permanent("Thing is Failed")),
        ]);

        let run = run(&resource, &create(props()).build()).await;

        assert_eq!(run.made.as_deref(), Some("res-1"));
        assert_eq!(run.error().to_string(), "Thing is Failed");
    }

    #[tokio::test]
    async fn retryable_errors_are_tried_again_and_recorded() {
        let resource = ScriptedResource::new(vec![
            Step::Fail(ResourceError::retryable("ThrottlingException")),
            Step::Fail(ResourceError::retryable("ThrottlingException")),
            Step::Done("res-1"),
        ]);

        let run = run(&resource, &delete("res-1", props()).build()).await;

        assert_eq!(run.retried, vec!["ThrottlingException"; 2]);
        assert_eq!(run.continuations(), 0);
        assert!(run.outcome.is_ok());
    }

    #[tokio::test]
    async fn a_run_parses_the_properties_as_the_protocol_does() {
        let resource = ScriptedResource::new(vec![]);

        let run = run(&resource, &create(json!({"Name": "a", "Size": 1})).build()).await;

        assert!(
            matches!(run.error(), ResourceError::InvalidProperty { property, .. } if property == "Size")
        );
        assert_eq!(resource.steps_taken(), 0);
    }

    #[tokio::test]
    async fn a_run_of_a_delete_of_an_id_the_resource_does_not_own_is_done_untouched() {
        let resource = ScriptedResource::new(vec![]);
        let request = delete("2026/11/23/[$LATEST]abc", json!({})).build();

        let completed = run(&resource, &request).await.completed();

        assert_eq!(completed.physical_resource_id, "2026/11/23/[$LATEST]abc");
        assert_eq!(resource.steps_taken(), 0);
    }

    #[tokio::test]
    async fn run_steps_carries_a_typed_state_through_json_between_the_callers_steps() {
        let mut seen = Vec::new();

        let run = run_steps(|state: Option<u32>| {
            seen.push(state);
            let progress = match state {
                None => Progress::waiting(1, "one more").naming("res-1"),
                Some(_) => Progress::Done(Completed::new("res-1")),
            };
            async move { Ok(progress) }
        })
        .await;

        assert_eq!(seen, vec![None, Some(1)]);
        assert_eq!(run.continuations(), 1);
        assert_eq!(run.made.as_deref(), Some("res-1"));
    }

    #[test]
    fn built_requests_read_as_cloudformation_sends_them() {
        let builder = update("res-1", props(), json!({"Name": "old"}))
            .request_id("r-9")
            .stack_id("arn:aws:cloudformation:eu-west-1:111122223333:stack/s/1")
            .logical_resource_id("Thing")
            .resource_type("Custom::Thing");

        let read = request_from_event(builder.event());

        assert_eq!(read, builder.clone().build());
        assert_eq!(read.physical_resource_id(), Some("res-1"));
        assert_eq!(read.request_type(), "Update");
        assert_eq!(request_from_event(builder.continuation(7_u32)), read);
        assert!(crate::is_continuation(&builder.continuation(7_u32)));
        assert!(!crate::is_continuation(&builder.event()));
    }
}
