//! The protocol's guarantees, against a scripted resource (also the test driver's, in
//! `testing`) and fake transports.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::allowed_stacks::AllowedStacks;
use crate::protocol::{InvocationLimits, Protocol, ProtocolConfig, backoff, poll_delay};
use crate::response_url::ResponseUrlPolicy;
use crate::transport::{DeliveryError, ResponseSender, SelfInvoker};
use crate::{
    CONTINUATION_KEY, Completed, CustomResource, CustomResourceRequest, InvocationOutcome,
    Progress, ResourceError,
};

const RESPONSE_URL: &str =
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:example";
/// A Service Catalog product's stack: one the functions act for by default.
const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/1";

/// What the scripted resource does on its next step.
pub(crate) enum Step {
    Done(&'static str),
    Waiting(u32),
    Fail(ResourceError),
    Panic,
    Hang,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(crate) struct ExampleProperties {
    name: String,
}

#[derive(Clone, Default)]
pub(crate) struct ScriptedResource {
    script: Arc<Mutex<VecDeque<Step>>>,
    pub(crate) states_seen: Arc<Mutex<Vec<Option<u32>>>>,
}

impl ScriptedResource {
    pub(crate) fn new(steps: Vec<Step>) -> Self {
        Self {
            script: Arc::new(Mutex::new(steps.into())),
            states_seen: Arc::default(),
        }
    }

    async fn next(
        &self,
        properties: &ExampleProperties,
        state: Option<u32>,
    ) -> Result<Progress<u32>, ResourceError> {
        assert!(!properties.name.is_empty());
        self.states_seen.lock().unwrap().push(state);
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .expect("script ran out");
        match step {
            Step::Done(id) => Ok(Progress::Done(Completed::new(id).with_data("Id", id))),
            Step::Waiting(next) => {
                Ok(Progress::waiting(next, format!("step {next}")).naming("res-1"))
            }
            Step::Fail(error) => Err(error),
            Step::Panic => panic!("the handler broke"),
            Step::Hang => {
                std::future::pending::<()>().await;
                unreachable!()
            }
        }
    }

    pub(crate) fn steps_taken(&self) -> usize {
        self.states_seen.lock().unwrap().len()
    }
}

impl CustomResource for ScriptedResource {
    type Properties = ExampleProperties;
    type State = u32;

    fn owns_physical_id(&self, physical_resource_id: &str) -> bool {
        physical_resource_id.starts_with("res-")
    }

    async fn create(
        &self,
        _request: &CustomResourceRequest,
        properties: &ExampleProperties,
        state: Option<u32>,
    ) -> Result<Progress<u32>, ResourceError> {
        self.next(properties, state).await
    }

    async fn update(
        &self,
        _request: &CustomResourceRequest,
        _physical_resource_id: &str,
        properties: &ExampleProperties,
        _old_properties: &ExampleProperties,
        state: Option<u32>,
    ) -> Result<Progress<u32>, ResourceError> {
        self.next(properties, state).await
    }

    async fn delete(
        &self,
        _request: &CustomResourceRequest,
        _physical_resource_id: &str,
        properties: &ExampleProperties,
        state: Option<u32>,
    ) -> Result<Progress<u32>, ResourceError> {
        self.next(properties, state).await
    }
}

#[derive(Clone, Default)]
struct RecordingSender {
    bodies: Arc<Mutex<Vec<Value>>>,
    failures_left: Arc<Mutex<u32>>,
}

impl RecordingSender {
    fn failing(times: u32) -> Self {
        let sender = Self::default();
        *sender.failures_left.lock().unwrap() = times;
        sender
    }

    fn answers(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

impl ResponseSender for RecordingSender {
    async fn send(
        &self,
        _url: &str,
        body: Vec<u8>,
        _deadline: Instant,
    ) -> Result<(), DeliveryError> {
        let mut failures = self.failures_left.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            return Err(DeliveryError::Exhausted {
                attempts: 5,
                last_error: "HTTP 503".into(),
            });
        }
        self.bodies
            .lock()
            .unwrap()
            .push(serde_json::from_slice(&body).unwrap());
        Ok(())
    }
}

#[derive(Clone, Default)]
struct RecordingInvoker {
    payloads: Arc<Mutex<Vec<Value>>>,
    refuse: bool,
}

impl RecordingInvoker {
    fn continuations(&self) -> Vec<Value> {
        self.payloads.lock().unwrap().clone()
    }
}

impl SelfInvoker for RecordingInvoker {
    async fn invoke_event(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
    ) -> Result<(), DeliveryError> {
        assert_eq!(function_arn, FUNCTION_ARN);
        if self.refuse {
            return Err(DeliveryError::Continuation("AccessDeniedException".into()));
        }
        self.payloads
            .lock()
            .unwrap()
            .push(serde_json::from_slice(&payload).unwrap());
        Ok(())
    }
}

fn protocol(
    resource: ScriptedResource,
    sender: RecordingSender,
    invoker: RecordingInvoker,
) -> Protocol<ScriptedResource, RecordingSender, RecordingInvoker> {
    Protocol::new(
        resource,
        sender,
        invoker,
        ProtocolConfig {
            response_urls: ResponseUrlPolicy::default(),
            stacks: AllowedStacks::default(),
            log_stream_name: Some("2026/11/23/[$LATEST]abc".into()),
        },
    )
}

fn limits(seconds: u64) -> InvocationLimits {
    InvocationLimits {
        deadline: Instant::now() + Duration::from_secs(seconds),
        function_arn: FUNCTION_ARN.into(),
        now_epoch_ms: 1_800_000_000_000,
    }
}

fn event(request_type: &str, properties: &Value) -> Value {
    let mut event = json!({
        "RequestType": request_type,
        "ServiceToken": FUNCTION_ARN,
        "ResponseURL": RESPONSE_URL,
        "StackId": STACK_ID,
        "RequestId": "r-1",
        "ResourceType": "Custom::Example",
        "LogicalResourceId": "Example",
        "ResourceProperties": properties,
    });
    if request_type != "Create" {
        event["PhysicalResourceId"] = json!("res-1");
    }
    if request_type == "Update" {
        event["OldResourceProperties"] = json!({"ServiceToken": FUNCTION_ARN, "Name": "old"});
    }
    event
}

fn props() -> Value {
    json!({"ServiceToken": FUNCTION_ARN, "Name": "a"})
}

#[tokio::test(start_paused = true)]
async fn a_successful_create_is_answered_once_with_its_id_and_data() {
    let sender = RecordingSender::default();
    let protocol = protocol(
        ScriptedResource::new(vec![Step::Done("res-1")]),
        sender.clone(),
        RecordingInvoker::default(),
    );

    let summary = protocol
        .handle(event("Create", &props()), limits(60))
        .await
        .unwrap();

    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "SUCCESS");
    assert_eq!(answers[0]["PhysicalResourceId"], "res-1");
    assert_eq!(answers[0]["Data"]["Id"], "res-1");
    assert_eq!(summary.outcome, InvocationOutcome::Success);
    assert!(summary.delivered);
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_handler_is_answered_failed() {
    let sender = RecordingSender::default();
    let protocol = protocol(
        ScriptedResource::new(vec![Step::Panic]),
        sender.clone(),
        RecordingInvoker::default(),
    );

    protocol
        .handle(event("Update", &props()), limits(60))
        .await
        .unwrap();

    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "FAILED");
    assert!(
        answers[0]["Reason"]
            .as_str()
            .unwrap()
            .contains("panic: the handler broke")
    );
    assert_eq!(
        answers[0]["PhysicalResourceId"], "res-1",
        "an update never invents an id"
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_property_fails_the_create_naming_it_and_does_nothing() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );

    protocol
        .handle(
            event("Create", &json!({"ServiceToken": FUNCTION_ARN})),
            limits(60),
        )
        .await
        .unwrap();

    let answers = sender.answers();
    assert_eq!(answers[0]["Status"], "FAILED");
    assert_eq!(
        answers[0]["Reason"],
        "Invalid property Name: is required but was not given"
    );
    assert_eq!(answers[0]["PhysicalResourceId"], "2026/11/23/[$LATEST]abc");
    assert_eq!(resource.steps_taken(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_create_that_fails_after_making_its_resource_answers_with_that_resource_s_id() {
    // Given a create whose first step made the resource (and named it), and whose next step
    // fails permanently (AccessDenied on a describe, say)
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![
        Step::Waiting(1),
        Step::Fail(ResourceError::permanent(
            "AccessDeniedException: not authorized to perform DescribeThing",
        )),
    ]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );

    // When the create runs
    protocol
        .handle(event("Create", &props()), limits(60))
        .await
        .unwrap();

    // Then the FAILED answer names what exists, so CloudFormation's rollback deletes it
    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "FAILED");
    assert_eq!(answers[0]["PhysicalResourceId"], "res-1");
    assert_eq!(resource.steps_taken(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_create_that_fails_after_making_its_resource_names_it_across_invocations() {
    // Given a create that named its resource, then was handed to a new invocation
    let sender = RecordingSender::default();
    let invoker = RecordingInvoker::default();
    let first = protocol(
        ScriptedResource::new(vec![Step::Waiting(1), Step::Waiting(2)]),
        sender.clone(),
        invoker.clone(),
    );
    first
        .handle(event("Create", &props()), limits(2))
        .await
        .unwrap();
    let continuation = invoker.continuations().pop().expect("handed on");

    // When the next invocation's step fails permanently
    let second = protocol(
        ScriptedResource::new(vec![Step::Fail(ResourceError::permanent(
            "Thing is Failed: no capacity",
        ))]),
        sender.clone(),
        invoker.clone(),
    );
    second.handle(continuation, limits(60)).await.unwrap();

    // Then its FAILED answer still names the resource the first invocation made
    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "FAILED");
    assert_eq!(answers[0]["PhysicalResourceId"], "res-1");
}

#[tokio::test(start_paused = true)]
async fn a_delete_of_an_id_the_resource_never_produces_succeeds_untouched() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut delete = event("Delete", &json!({"ServiceToken": FUNCTION_ARN}));
    delete["PhysicalResourceId"] = json!("2026/11/23/[$LATEST]abc");

    protocol.handle(delete, limits(60)).await.unwrap();

    assert_eq!(sender.answers()[0]["Status"], "SUCCESS");
    assert_eq!(
        sender.answers()[0]["PhysicalResourceId"],
        "2026/11/23/[$LATEST]abc"
    );
    assert_eq!(resource.steps_taken(), 0);
}

#[tokio::test(start_paused = true)]
async fn waiting_steps_are_polled_with_their_state_until_done() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![
        Step::Waiting(1),
        Step::Waiting(2),
        Step::Done("res-1"),
    ]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );

    protocol
        .handle(event("Create", &props()), limits(60))
        .await
        .unwrap();

    assert_eq!(
        *resource.states_seen.lock().unwrap(),
        vec![None, Some(1), Some(2)]
    );
    assert_eq!(sender.answers().len(), 1);
    assert_eq!(sender.answers()[0]["Status"], "SUCCESS");
}

#[tokio::test(start_paused = true)]
async fn work_that_outlasts_the_invocation_continues_in_a_new_one_with_its_state() {
    let sender = RecordingSender::default();
    let invoker = RecordingInvoker::default();
    let resource = ScriptedResource::new(vec![
        Step::Waiting(1),
        Step::Waiting(2),
        Step::Waiting(3),
        Step::Waiting(4),
        Step::Done("res-1"),
    ]);
    let protocol = protocol(resource.clone(), sender.clone(), invoker.clone());

    // 0.5 + 1 + 2 s of polling fit in 5 s only with room to spare for the first polls.
    let summary = protocol
        .handle(event("Create", &props()), limits(5))
        .await
        .unwrap();

    assert_eq!(summary.outcome, InvocationOutcome::Continued);
    assert!(sender.answers().is_empty(), "no answer while work remains");
    let continuations = invoker.continuations();
    assert_eq!(continuations.len(), 1);
    let envelope = &continuations[0][CONTINUATION_KEY];
    let state_so_far = envelope["State"].as_u64().unwrap();
    assert_eq!(envelope["PhysicalResourceId"], "res-1");
    assert_eq!(envelope["Request"]["ResponseURL"], RESPONSE_URL);

    protocol
        .handle(continuations[0].clone(), limits(60))
        .await
        .unwrap();

    let seen = resource.states_seen.lock().unwrap().clone();
    assert_eq!(
        seen[seen.len() - (5 - state_so_far as usize)..]
            .first()
            .copied()
            .flatten(),
        Some(state_so_far as u32)
    );
    assert_eq!(sender.answers().len(), 1);
    assert_eq!(sender.answers()[0]["Status"], "SUCCESS");
}

#[tokio::test(start_paused = true)]
async fn past_the_service_timeout_the_answer_is_failed_naming_what_was_left() {
    let sender = RecordingSender::default();
    let steps = (1..200).map(Step::Waiting).collect();
    let protocol = protocol(
        ScriptedResource::new(steps),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut create = event("Create", &props());
    create["ResourceProperties"]["ServiceTimeout"] = json!("60");

    protocol.handle(create, limits(900)).await.unwrap();

    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "FAILED");
    let reason = answers[0]["Reason"].as_str().unwrap();
    assert!(
        reason.starts_with("Timed out: Create did not finish within its 60 s limit"),
        "{reason}"
    );
    assert!(reason.contains("Still waiting for: step"), "{reason}");
    assert_eq!(
        answers[0]["PhysicalResourceId"], "res-1",
        "rollback must find what exists"
    );
}

#[tokio::test(start_paused = true)]
async fn a_transient_error_is_retried_and_a_permanent_one_answered() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![
        Step::Fail(ResourceError::retryable(
            "ThrottlingException: Rate exceeded",
        )),
        Step::Fail(ResourceError::retryable(
            "ThrottlingException: Rate exceeded",
        )),
        Step::Fail(ResourceError::permanent(
            "ResourceInUse: profiles remain: alice",
        )),
    ]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );

    protocol
        .handle(event("Delete", &props()), limits(120))
        .await
        .unwrap();

    assert_eq!(resource.steps_taken(), 3);
    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0]["Reason"],
        "ResourceInUse: profiles remain: alice"
    );
    assert_eq!(answers[0]["PhysicalResourceId"], "res-1");
}

#[tokio::test(start_paused = true)]
async fn a_step_that_hangs_is_cut_off_before_the_deadline_and_handed_on() {
    let sender = RecordingSender::default();
    let invoker = RecordingInvoker::default();
    let protocol = protocol(
        ScriptedResource::new(vec![Step::Hang]),
        sender.clone(),
        invoker.clone(),
    );
    let started = Instant::now();

    let summary = protocol
        .handle(event("Create", &props()), limits(20))
        .await
        .unwrap();

    assert!(
        Instant::now() < started + Duration::from_secs(20),
        "answered before the deadline"
    );
    assert_eq!(summary.outcome, InvocationOutcome::Continued);
    assert_eq!(invoker.continuations().len(), 1);
    assert!(sender.answers().is_empty());
}

#[tokio::test(start_paused = true)]
async fn when_it_cannot_continue_it_answers_failed_rather_than_leave_the_stack_waiting() {
    let sender = RecordingSender::default();
    let invoker = RecordingInvoker {
        refuse: true,
        ..Default::default()
    };
    let resource = ScriptedResource::new((1..50).map(Step::Waiting).collect());
    let protocol = protocol(resource, sender.clone(), invoker);

    protocol
        .handle(event("Create", &props()), limits(4))
        .await
        .unwrap();

    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "FAILED");
    assert!(
        answers[0]["Reason"]
            .as_str()
            .unwrap()
            .contains("lambda:InvokeFunction")
    );
    assert_eq!(answers[0]["PhysicalResourceId"], "res-1");
}

#[tokio::test(start_paused = true)]
async fn an_answer_that_could_not_be_delivered_is_retried_from_a_new_invocation() {
    let sender = RecordingSender::failing(1);
    let invoker = RecordingInvoker::default();
    let resource = ScriptedResource::new(vec![Step::Done("res-1")]);
    let protocol = protocol(resource.clone(), sender.clone(), invoker.clone());

    let first = protocol
        .handle(event("Create", &props()), limits(30))
        .await
        .unwrap();
    assert_eq!(first.outcome, InvocationOutcome::Continued);
    let continuation = invoker.continuations()[0].clone();
    assert_eq!(
        continuation[CONTINUATION_KEY]["Answer"]["Status"],
        "SUCCESS"
    );

    let second = protocol.handle(continuation, limits(30)).await.unwrap();

    assert_eq!(second.outcome, InvocationOutcome::Success);
    assert_eq!(sender.answers().len(), 1);
    assert_eq!(
        resource.steps_taken(),
        1,
        "the work is not redone to re-answer"
    );
}

#[tokio::test(start_paused = true)]
async fn a_response_url_outside_cloudformation_is_refused_and_not_answered() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut create = event("Create", &props());
    create["ResponseURL"] = json!("https://attacker.example/collect");

    let summary = protocol.handle(create, limits(30)).await.unwrap();

    assert_eq!(summary.outcome, InvocationOutcome::Refused);
    assert!(sender.answers().is_empty());
    assert_eq!(resource.steps_taken(), 0);
}

/// The stack a hand-made request names: not one of Service Catalog's.
const OTHER_STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/attacker-stack/1";

#[tokio::test(start_paused = true)]
async fn a_create_from_a_stack_not_allowed_is_answered_failed_naming_it_and_does_nothing() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut create = event("Create", &props());
    create["StackId"] = json!(OTHER_STACK_ID);

    let summary = protocol.handle(create, limits(30)).await.unwrap();

    assert_eq!(resource.steps_taken(), 0, "nothing done");
    assert_eq!(summary.outcome, InvocationOutcome::Failed);
    assert!(summary.delivered, "CloudFormation still gets an answer");
    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "FAILED");
    assert_eq!(answers[0]["StackId"], OTHER_STACK_ID);
    let reason = answers[0]["Reason"].as_str().unwrap();
    assert!(reason.contains(OTHER_STACK_ID), "{reason}");
    assert!(reason.contains("SC-*"), "{reason}");
    assert_eq!(answers[0]["PhysicalResourceId"], "2026/11/23/[$LATEST]abc");
}

#[tokio::test(start_paused = true)]
async fn an_update_from_a_stack_not_allowed_is_answered_failed_and_does_nothing() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut update = event("Update", &props());
    update["StackId"] = json!(OTHER_STACK_ID);

    protocol.handle(update, limits(30)).await.unwrap();

    assert_eq!(resource.steps_taken(), 0);
    let answers = sender.answers();
    assert_eq!(answers[0]["Status"], "FAILED");
    assert_eq!(answers[0]["PhysicalResourceId"], "res-1");
}

#[tokio::test(start_paused = true)]
async fn a_delete_from_a_stack_not_allowed_succeeds_without_deleting_anything() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut delete = event("Delete", &props());
    delete["StackId"] = json!(OTHER_STACK_ID);

    let summary = protocol.handle(delete, limits(30)).await.unwrap();

    assert_eq!(resource.steps_taken(), 0, "nothing deleted");
    assert_eq!(summary.outcome, InvocationOutcome::Success);
    let answers = sender.answers();
    assert_eq!(answers[0]["Status"], "SUCCESS");
    assert_eq!(answers[0]["PhysicalResourceId"], "res-1");
    let reason = answers[0]["Reason"].as_str().unwrap();
    assert!(reason.starts_with("Not deleted: StackId"), "{reason}");
    assert!(reason.contains("left in place"), "{reason}");
}

#[tokio::test(start_paused = true)]
async fn a_forged_continuation_from_a_stack_not_allowed_is_refused_too() {
    let sender = RecordingSender::default();
    let invoker = RecordingInvoker::default();
    let resource = ScriptedResource::new(vec![Step::Waiting(1), Step::Waiting(2)]);
    let protocol = protocol(resource.clone(), sender.clone(), invoker.clone());
    protocol
        .handle(event("Create", &props()), limits(2))
        .await
        .unwrap();
    let mut continuation = invoker.continuations().pop().expect("handed on");
    let steps_before = resource.steps_taken();
    continuation[CONTINUATION_KEY]["Request"]["StackId"] = json!(OTHER_STACK_ID);

    protocol.handle(continuation, limits(30)).await.unwrap();

    assert_eq!(resource.steps_taken(), steps_before, "nothing more done");
    let answers = sender.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["Status"], "FAILED");
}

#[tokio::test(start_paused = true)]
async fn a_stack_of_another_account_is_refused_even_with_a_service_catalog_name() {
    let sender = RecordingSender::default();
    let resource = ScriptedResource::new(vec![]);
    let protocol = protocol(
        resource.clone(),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut create = event("Create", &props());
    create["StackId"] =
        json!("arn:aws:cloudformation:us-east-1:210987654321:stack/SC-210987654321-pp-a/1");

    protocol.handle(create, limits(30)).await.unwrap();

    assert_eq!(resource.steps_taken(), 0);
    assert_eq!(sender.answers()[0]["Status"], "FAILED");
}

#[tokio::test(start_paused = true)]
async fn a_bad_response_url_is_not_answered_even_from_a_stack_not_allowed() {
    let sender = RecordingSender::default();
    let protocol = protocol(
        ScriptedResource::new(vec![]),
        sender.clone(),
        RecordingInvoker::default(),
    );
    let mut create = event("Create", &props());
    create["StackId"] = json!(OTHER_STACK_ID);
    create["ResponseURL"] = json!("https://attacker.example/collect");

    let summary = protocol.handle(create, limits(30)).await.unwrap();

    assert_eq!(summary.outcome, InvocationOutcome::Refused);
    assert!(sender.answers().is_empty());
}

#[test]
fn backoff_grows_with_jitter_and_is_capped() {
    for failures in 1..20 {
        let ceiling = Duration::from_secs(1 << (failures - 1).min(8)).min(Duration::from_secs(30));
        let pause = backoff(failures);
        assert!(
            pause <= ceiling && pause >= ceiling / 2,
            "{failures}: {pause:?}"
        );
    }
}

#[test]
fn polling_waits_a_second_then_two_never_more_than_one_call_a_second() {
    assert_eq!(poll_delay(1), Duration::from_secs(1));
    assert_eq!(poll_delay(2), Duration::from_secs(2));
    assert_eq!(poll_delay(10), Duration::from_secs(2));
}

#[test]
fn the_invocation_summary_spells_its_outcome_as_cloudformation_spells_a_status() {
    for (outcome, spelt) in [
        (InvocationOutcome::Success, "SUCCESS"),
        (InvocationOutcome::Failed, "FAILED"),
        (InvocationOutcome::Continued, "CONTINUED"),
        (InvocationOutcome::Refused, "REFUSED"),
    ] {
        let summary = crate::InvocationSummary {
            request_type: "Create".into(),
            outcome,
            physical_resource_id: None,
            delivered: false,
        };
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            json!({"RequestType": "Create", "Outcome": spelt, "Delivered": false})
        );
    }
}
