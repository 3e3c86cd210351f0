//! The driver: exactly one answer to CloudFormation for every request, before every deadline.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime};

use futures::FutureExt;
use lambda_support::deadline::{epoch_ms, instant_of};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;
use tracing::{Instrument, error, info, info_span, warn};

use crate::allowed_stacks::AllowedStacks;
use crate::error::{ProtocolError, ResourceError};
use crate::request::{
    Continuation, CustomResourceRequest, Invocation, RequestKind, continuation_payload,
};
use crate::resource::{Completed, CustomResource, Progress};
use crate::response::{Answer, MAX_PHYSICAL_ID_BYTES, Status, response_body};
use crate::response_url::ResponseUrlPolicy;
use crate::step::resource_step;
use crate::transport::{DeliveryError, ResponseSender, SelfInvoker};

/// Time kept back at the end of an invocation for the answer or the self-invocation.
const MIN_RESERVE: Duration = Duration::from_millis(500);
const MAX_RESERVE: Duration = Duration::from_secs(10);
/// The whole operation answers this long before CloudFormation's own timeout.
const MAX_DEADLINE_MARGIN: Duration = Duration::from_secs(30);
/// Polling waits a second, then two between describe calls: never more than one call a
/// second, and a resource that is ready is seen at most two seconds late (a domain takes
/// minutes; a later poll would only add to the stack's time).
const MIN_POLL: Duration = Duration::from_secs(1);
const MAX_POLL: Duration = Duration::from_secs(2);
/// Retries of transient failures back off up to this.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Settings read once at cold start.
#[derive(Debug, Clone)]
pub(crate) struct ProtocolConfig {
    /// Which `ResponseURL`s may be answered.
    pub(crate) response_urls: ResponseUrlPolicy,
    /// Which stacks the function acts for.
    pub(crate) stacks: AllowedStacks,
    /// The physical id answered after a failed create that left nothing behind: the log stream
    /// name when Lambda gives one (so the admin finds the log), else `failed-create-<RequestId>`.
    pub(crate) log_stream_name: Option<String>,
}

impl ProtocolConfig {
    /// From `CFN_RESPONSE_URL_ALLOW`, `CFN_ALLOWED_STACK_NAMES` and `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub(crate) fn from_env() -> Self {
        Self {
            response_urls: ResponseUrlPolicy::from_env(),
            stacks: AllowedStacks::from_env(),
            log_stream_name: std::env::var("AWS_LAMBDA_LOG_STREAM_NAME")
                .ok()
                .filter(|name| !name.is_empty()),
        }
    }
}

/// The limits Lambda sets on one invocation.
#[derive(Debug, Clone)]
pub(crate) struct InvocationLimits {
    /// When Lambda stops the invocation.
    pub(crate) deadline: Instant,
    /// This function's ARN, for self-invocation.
    pub(crate) function_arn: String,
    /// Wall-clock now, Unix epoch milliseconds (the operation's deadline survives invocations).
    pub(crate) now_epoch_ms: u64,
}

impl InvocationLimits {
    /// From the Lambda context.
    pub(crate) fn from_context(context: &lambda_runtime::Context) -> Self {
        let now_epoch_ms = epoch_ms(SystemTime::now());
        Self {
            deadline: instant_of(context.deadline, now_epoch_ms, Instant::now()),
            function_arn: context.invoked_function_arn.clone(),
            now_epoch_ms,
        }
    }
}

/// What the invocation did: the function's result, returned to Lambda (never containing the
/// `ResponseURL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocationSummary {
    /// `Create`, `Update` or `Delete`.
    pub request_type: String,
    /// How the invocation ended.
    pub outcome: InvocationOutcome,
    /// The physical id answered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_resource_id: Option<String>,
    /// Whether CloudFormation accepted the answer.
    pub delivered: bool,
}

/// How an invocation ended, as its result spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvocationOutcome {
    /// Answered SUCCESS (or tried to: see [`InvocationSummary::delivered`]).
    Success,
    /// Answered FAILED (or tried to).
    Failed,
    /// Handed on to a new invocation: the rest of the work, or the answer to deliver again.
    Continued,
    /// Not answered: the `ResponseURL` is not one this function PUTs to.
    Refused,
}

impl From<Status> for InvocationOutcome {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => Self::Success,
            Status::Failed => Self::Failed,
        }
    }
}

/// The result of one step, in the protocol's terms.
enum StepOutcome {
    Answer(Answer),
    Waiting {
        state: Value,
        waiting_for: String,
        physical_resource_id: Option<String>,
    },
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
}

/// How this invocation's part of the operation ends.
enum Ending {
    /// An answer to deliver.
    Answer(Answer),
    /// The work goes on in a new invocation after `delay`.
    HandOn { delay: Duration },
}

/// Where an operation stands across steps.
struct Operation {
    state: Option<Value>,
    first_received_at_ms: u64,
    invocation: u32,
    polls: u32,
    consecutive_failures: u32,
    physical_resource_id: Option<String>,
    waiting_for: Option<String>,
    last_error: Option<String>,
    answer: Option<Answer>,
}

impl Operation {
    /// An operation received from CloudFormation at `now_ms` (epoch milliseconds).
    fn fresh(now_ms: u64) -> Self {
        Self {
            state: None,
            first_received_at_ms: now_ms,
            invocation: 1,
            polls: 0,
            consecutive_failures: 0,
            physical_resource_id: None,
            waiting_for: None,
            last_error: None,
            answer: None,
        }
    }

    /// The operation a continuation carries, picked up at `now_ms` (epoch milliseconds).
    fn continued(continuation: Continuation, now_ms: u64) -> Self {
        Self {
            state: Some(continuation.state).filter(|state| !state.is_null()),
            // A continuation cannot claim more time than it has had.
            first_received_at_ms: continuation.first_received_at_ms.min(now_ms),
            invocation: continuation.invocation.saturating_add(1),
            polls: continuation.polls,
            consecutive_failures: continuation.consecutive_failures,
            physical_resource_id: continuation.physical_resource_id,
            waiting_for: continuation.waiting_for,
            last_error: None,
            answer: continuation.answer.map(Answer::from),
        }
    }

    /// What an earlier step named as existing ([`Progress::naming`]).
    fn made(&self) -> Option<&str> {
        self.physical_resource_id.as_deref()
    }
}

/// The times one invocation works within.
struct Clock {
    /// The invocation's time, from its start to Lambda's deadline.
    budget: Duration,
    /// The last moment to start answering or handing on.
    answer_by: Instant,
    /// The operation's `ServiceTimeout`.
    timeout: Duration,
    /// When the operation answers FAILED: the margin before `ServiceTimeout`, counted from the
    /// first receipt.
    operation_deadline: Instant,
}

/// Runs a [`CustomResource`] under the custom-resource protocol.
pub(crate) struct Protocol<H, S, I> {
    handler: H,
    sender: S,
    invoker: I,
    config: ProtocolConfig,
}

impl<H, S, I> std::fmt::Debug for Protocol<H, S, I> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Protocol")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<H, S, I> Protocol<H, S, I>
where
    H: CustomResource,
    S: ResponseSender,
    I: SelfInvoker,
{
    /// A protocol around `handler` answering with `sender` and continuing with `invoker`.
    pub(crate) fn new(handler: H, sender: S, invoker: I, config: ProtocolConfig) -> Self {
        Self {
            handler,
            sender,
            invoker,
            config,
        }
    }

    /// Handles one invocation: answers CloudFormation exactly once, or hands the operation on
    /// to a new invocation before this one's deadline.
    pub(crate) async fn handle(
        &self,
        payload: Value,
        limits: InvocationLimits,
    ) -> Result<InvocationSummary, ProtocolError> {
        let invocation = Invocation::from_payload(payload)?;
        let request = invocation.request().clone();
        let span = info_span!(
            "custom_resource",
            request_type = request.request_type(),
            request_id = %request.request_id,
            stack_id = %request.stack_id,
            logical_resource_id = %request.logical_resource_id,
            physical_resource_id = request.physical_resource_id().unwrap_or_default(),
        );
        if !self.config.response_urls.allows(&request.response_url) {
            span.in_scope(|| {
                error!(
                    "refused: the ResponseURL is not a CloudFormation S3 URL nor allowed by CFN_RESPONSE_URL_ALLOW; not answering"
                );
            });
            return Ok(InvocationSummary {
                request_type: request.request_type().to_owned(),
                outcome: InvocationOutcome::Refused,
                physical_resource_id: None,
                delivered: false,
            });
        }
        if let Err(refusal) = self
            .config
            .stacks
            .check(&request.stack_id, &limits.function_arn)
        {
            // A continuation carries its request, so a forged hand-on is refused here too.
            return Ok(self
                .refuse_stack(&request, refusal.to_string(), &limits)
                .instrument(span)
                .await);
        }
        // Boxed: the operation's state machine is large, and nesting it unboxed in the
        // runtime's future overflows the compiler's layout depth.
        Ok(Box::pin(self.handle_request(invocation, request, limits))
            .instrument(span)
            .await)
    }

    /// The answer to a request from a stack the function does not act for, with nothing done.
    ///
    /// Create and Update answer FAILED with `reason`. Delete answers SUCCESS, still doing
    /// nothing: CloudFormation deletes a resource whose create failed, so a FAILED delete would
    /// leave a refused stack stuck in `ROLLBACK_FAILED`/`DELETE_FAILED` with nothing to clean up
    /// ("Custom resource response objects": a delete that answers FAILED fails the stack's
    /// delete); whoever forged the request gains nothing, since nothing is deleted. Either way
    /// the answer goes to the (already checked) `ResponseURL`, so that CloudFormation, if it
    /// sent the request, is not left waiting for an hour.
    async fn refuse_stack(
        &self,
        request: &CustomResourceRequest,
        reason: String,
        limits: &InvocationLimits,
    ) -> InvocationSummary {
        warn!(%reason, "refused: not a stack this function acts for");
        let answer = match request.physical_resource_id() {
            Some(physical_resource_id) if matches!(request.kind, RequestKind::Delete { .. }) => {
                Answer {
                    status: Status::Success,
                    reason: format!(
                        "{} The resource, if there is one, was left in place.",
                        reason.replacen("Refused:", "Not deleted:", 1)
                    ),
                    physical_resource_id: physical_resource_id.to_owned(),
                    data: Default::default(),
                }
            }
            _ => self.failed_answer(request, None, reason),
        };
        self.deliver_without_hand_on(request, answer, limits).await
    }

    /// The operation, from this invocation's start to its one way out: an answer delivered,
    /// or the operation handed on.
    async fn handle_request(
        &self,
        invocation: Invocation,
        request: CustomResourceRequest,
        limits: InvocationLimits,
    ) -> InvocationSummary {
        let started = Instant::now();
        let budget = limits.deadline.saturating_duration_since(started);
        let reserve = (budget / 4).clamp(MIN_RESERVE, MAX_RESERVE);
        let answer_by = limits.deadline.checked_sub(reserve).unwrap_or(started);

        let mut operation = match invocation {
            Invocation::Fresh(_) => {
                info!("received");
                Operation::fresh(limits.now_epoch_ms)
            }
            Invocation::Continued(_, continuation) => {
                let not_before = continuation
                    .not_before_ms
                    .saturating_sub(limits.now_epoch_ms);
                let operation = Operation::continued(continuation, limits.now_epoch_ms);
                info!(invocation = operation.invocation, "continuing");
                let wake_at = (started + Duration::from_millis(not_before)).min(answer_by);
                tokio::time::sleep_until(wake_at).await;
                operation
            }
        };

        let elapsed_before = Duration::from_millis(
            limits
                .now_epoch_ms
                .saturating_sub(operation.first_received_at_ms),
        );
        let timeout = request.service_timeout();
        let margin = (timeout / 10).min(MAX_DEADLINE_MARGIN);
        let clock = Clock {
            budget,
            answer_by,
            timeout,
            operation_deadline: (started + timeout.saturating_sub(margin))
                .checked_sub(elapsed_before)
                .unwrap_or(started),
        };

        let ending = match operation.answer.take() {
            // An answer decided earlier whose delivery failed: deliver it, redo nothing.
            Some(answer) => Ending::Answer(answer),
            None => self.work(&request, &mut operation, &clock).await,
        };
        match ending {
            Ending::Answer(answer) => {
                self.deliver(&request, answer, &limits, &mut operation, &clock)
                    .await
            }
            Ending::HandOn { delay } => {
                self.continue_elsewhere(&request, &limits, &mut operation, delay)
                    .await
            }
        }
    }

    /// Steps the operation until it has an answer or must be handed on.
    async fn work(
        &self,
        request: &CustomResourceRequest,
        operation: &mut Operation,
        clock: &Clock,
    ) -> Ending {
        loop {
            let now = Instant::now();
            if now >= clock.operation_deadline {
                return Ending::Answer(self.timed_out_answer(request, operation, clock.timeout));
            }
            let step_by = clock.answer_by.min(clock.operation_deadline);
            let step = Box::pin(self.step(request, operation.state.clone(), operation.made()));
            let result = tokio::time::timeout(
                step_by.saturating_duration_since(now),
                AssertUnwindSafe(step).catch_unwind(),
            )
            .await;
            let delay = match result {
                Err(_elapsed) => {
                    operation.consecutive_failures += 1;
                    let reason =
                        "a step did not finish before the invocation's deadline".to_owned();
                    warn!(%reason, "will try again");
                    operation.last_error = Some(reason);
                    Duration::ZERO
                }
                Ok(Err(panic)) => {
                    let message = panic_message(panic.as_ref());
                    error!(panic = %message, "the handler panicked");
                    return Ending::Answer(self.failed_answer(
                        request,
                        operation.made(),
                        format!("Internal error in the custom resource (panic: {message}). See the function's log."),
                    ));
                }
                Ok(Ok(StepOutcome::Answer(answer))) => return Ending::Answer(answer),
                Ok(Ok(StepOutcome::Waiting {
                    state,
                    waiting_for,
                    physical_resource_id,
                })) => {
                    info!(waiting_for = %waiting_for, polls = operation.polls, "waiting");
                    operation.state = Some(state);
                    operation.waiting_for = Some(waiting_for);
                    if physical_resource_id.is_some() {
                        operation.physical_resource_id = physical_resource_id;
                    }
                    operation.consecutive_failures = 0;
                    operation.polls += 1;
                    poll_delay(operation.polls)
                }
                Ok(Ok(StepOutcome::Retry {
                    reason,
                    retry_after,
                })) => {
                    operation.consecutive_failures += 1;
                    warn!(error = %reason, failures = operation.consecutive_failures, "transient failure; will retry");
                    operation.last_error = Some(reason);
                    backoff(operation.consecutive_failures).max(retry_after.unwrap_or_default())
                }
            };

            let wake_at = Instant::now() + delay;
            if wake_at >= clock.operation_deadline {
                return Ending::Answer(self.timed_out_answer(request, operation, clock.timeout));
            }
            // Another step here needs time for itself after the pause; else hand on.
            let minimum_step =
                (clock.budget / 10).clamp(Duration::from_millis(200), Duration::from_secs(5));
            if wake_at + minimum_step >= clock.answer_by {
                return Ending::HandOn { delay };
            }
            tokio::time::sleep_until(wake_at).await;
        }
    }

    /// One step of the handler, in the protocol's terms. `made` is what an earlier step of this
    /// operation named as existing ([`Progress::naming`]): a failure answers with it, so that
    /// CloudFormation's rollback deletes what a failed create made.
    async fn step(
        &self,
        request: &CustomResourceRequest,
        state: Option<Value>,
        made: Option<&str>,
    ) -> StepOutcome {
        match resource_step(&self.handler, request, state).await {
            Ok(Progress::Done(completed)) => {
                StepOutcome::Answer(self.success_answer(request, completed))
            }
            Ok(Progress::InProgress {
                state,
                waiting_for,
                physical_resource_id,
            }) => StepOutcome::Waiting {
                state,
                waiting_for,
                physical_resource_id,
            },
            Err(ResourceError::Retryable {
                reason,
                retry_after,
            }) => StepOutcome::Retry {
                reason,
                retry_after,
            },
            Err(ResourceError::Permanent { reason }) => {
                warn!(%reason, "failed");
                StepOutcome::Answer(self.failed_answer(request, made, reason))
            }
            Err(invalid @ ResourceError::InvalidProperty { .. }) => {
                let reason = invalid.to_string();
                warn!(%reason, "invalid properties");
                StepOutcome::Answer(self.failed_answer(request, made, reason))
            }
        }
    }

    /// A SUCCESS answer; FAILED if the resource produced a physical id CloudFormation would
    /// refuse. The id CloudFormation itself sent (an untouched delete) is answered as it came.
    fn success_answer(&self, request: &CustomResourceRequest, completed: Completed) -> Answer {
        let id = completed.physical_resource_id;
        let echoed = request.physical_resource_id() == Some(id.as_str());
        if !echoed && (id.is_empty() || id.len() > MAX_PHYSICAL_ID_BYTES) {
            return self.failed_answer(
                request,
                None,
                format!(
                    "Internal error: the resource produced an unusable physical id ({} bytes)",
                    id.len()
                ),
            );
        }
        let reason = completed
            .reason
            .unwrap_or_else(|| format!("{} succeeded", request.request_type()));
        Answer {
            status: Status::Success,
            reason,
            physical_resource_id: id,
            data: completed.data,
        }
    }

    /// A FAILED answer. Its physical id: the request's (an update or delete never invents
    /// one); else what the operation made (`made`, so the rollback deletes it); else a
    /// placeholder that says where to look (the log stream).
    fn failed_answer(
        &self,
        request: &CustomResourceRequest,
        made: Option<&str>,
        reason: String,
    ) -> Answer {
        let physical_resource_id = request
            .physical_resource_id()
            .or(made)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                self.config
                    .log_stream_name
                    .clone()
                    .unwrap_or_else(|| format!("failed-create-{}", request.request_id))
            });
        Answer {
            status: Status::Failed,
            reason,
            physical_resource_id,
            data: Default::default(),
        }
    }

    /// The FAILED answer of an operation whose deadline has come, naming what was left.
    fn timed_out_answer(
        &self,
        request: &CustomResourceRequest,
        operation: &Operation,
        timeout: Duration,
    ) -> Answer {
        let mut reason = format!(
            "Timed out: {} did not finish within its {} s limit (ServiceTimeout).",
            request.request_type(),
            timeout.as_secs()
        );
        if let Some(waiting_for) = &operation.waiting_for {
            reason.push_str(&format!(" Still waiting for: {waiting_for}."));
        }
        if let Some(last_error) = &operation.last_error {
            reason.push_str(&format!(" Last error: {last_error}."));
        }
        reason.push_str(" Nothing further will be done for this request.");
        self.failed_answer(request, operation.made(), reason)
    }

    /// Hands the operation to a new invocation of this function; if that fails, answers FAILED
    /// (once, with no second hand-on).
    async fn continue_elsewhere(
        &self,
        request: &CustomResourceRequest,
        limits: &InvocationLimits,
        operation: &mut Operation,
        delay: Duration,
    ) -> InvocationSummary {
        let continuation = continuation(request, operation, delay, None);
        match self.hand_on(limits, &continuation).await {
            Ok(()) => {
                info!(
                    invocation = operation.invocation,
                    "continued in a new invocation"
                );
                InvocationSummary {
                    request_type: request.request_type().to_owned(),
                    outcome: InvocationOutcome::Continued,
                    physical_resource_id: operation.physical_resource_id.clone(),
                    delivered: false,
                }
            }
            Err(error) => {
                error!(%error, "could not continue in a new invocation; answering FAILED");
                let answer = self.failed_answer(
                    request,
                    operation.made(),
                    format!(
                        "{error}. Check that the function may invoke itself (lambda:InvokeFunction on its own ARN). Left undone: {}",
                        operation.waiting_for.as_deref().unwrap_or("the rest of the operation")
                    ),
                );
                self.deliver_without_hand_on(request, answer, limits).await
            }
        }
    }

    /// Starts a new invocation of this function carrying `continuation`.
    async fn hand_on(
        &self,
        limits: &InvocationLimits,
        continuation: &Continuation,
    ) -> Result<(), DeliveryError> {
        let payload = serde_json::to_vec(&continuation_payload(continuation)).unwrap_or_default();
        self.invoker
            .invoke_event(&limits.function_arn, payload)
            .await
    }

    /// PUTs the answer; if every attempt fails transiently and time remains for the
    /// operation, hands the answer to a new invocation to try again.
    async fn deliver(
        &self,
        request: &CustomResourceRequest,
        answer: Answer,
        limits: &InvocationLimits,
        operation: &mut Operation,
        clock: &Clock,
    ) -> InvocationSummary {
        // Leave time to hand the answer on if the PUT keeps failing.
        let put_by = put_deadline(limits);
        let put_by = put_by.checked_sub(MIN_RESERVE).unwrap_or(put_by);
        let status = answer.status.as_str();
        match self.put(request, &answer, put_by).await {
            Ok(()) => answered(request, &answer, true, answer.status.into()),
            Err(error @ DeliveryError::Exhausted { .. })
                if Instant::now() < clock.operation_deadline =>
            {
                warn!(%error, status, "answer not delivered; retrying it from a new invocation");
                let continuation =
                    continuation(request, operation, Duration::from_secs(1), Some(&answer));
                match self.hand_on(limits, &continuation).await {
                    Ok(()) => answered(request, &answer, false, InvocationOutcome::Continued),
                    Err(continue_error) => {
                        error!(%error, %continue_error, status, "answer not delivered and could not be handed on");
                        answered(request, &answer, false, answer.status.into())
                    }
                }
            }
            Err(error) => {
                error!(%error, status, "answer not delivered");
                answered(request, &answer, false, answer.status.into())
            }
        }
    }

    /// PUTs the answer, with no hand-on if it fails: the operation could not be handed on.
    async fn deliver_without_hand_on(
        &self,
        request: &CustomResourceRequest,
        answer: Answer,
        limits: &InvocationLimits,
    ) -> InvocationSummary {
        let delivered = match self.put(request, &answer, put_deadline(limits)).await {
            Ok(()) => true,
            Err(error) => {
                error!(%error, status = answer.status.as_str(), "answer not delivered");
                false
            }
        };
        answered(request, &answer, delivered, answer.status.into())
    }

    /// The response PUT, by `put_by`.
    async fn put(
        &self,
        request: &CustomResourceRequest,
        answer: &Answer,
        put_by: Instant,
    ) -> Result<(), DeliveryError> {
        let body = response_body(request, answer);
        self.sender
            .send(&request.response_url, body, put_by)
            .await?;
        info!(
            status = answer.status.as_str(),
            answered_physical_resource_id = %answer.physical_resource_id,
            reason = %answer.reason,
            "answered CloudFormation"
        );
        Ok(())
    }
}

/// The last moment a response PUT may take: just before Lambda's deadline.
fn put_deadline(limits: &InvocationLimits) -> Instant {
    limits
        .deadline
        .checked_sub(Duration::from_millis(300))
        .unwrap_or(limits.deadline)
        .min(limits.deadline)
}

/// The summary of an invocation that answered (or tried to answer) `answer`.
fn answered(
    request: &CustomResourceRequest,
    answer: &Answer,
    delivered: bool,
    outcome: InvocationOutcome,
) -> InvocationSummary {
    InvocationSummary {
        request_type: request.request_type().to_owned(),
        outcome,
        physical_resource_id: Some(answer.physical_resource_id.clone()),
        delivered,
    }
}

/// What a new invocation needs to carry `operation` on after `delay`, with `answer` if one
/// was decided but not delivered.
fn continuation(
    request: &CustomResourceRequest,
    operation: &Operation,
    delay: Duration,
    answer: Option<&Answer>,
) -> Continuation {
    let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    Continuation {
        request: request.to_cloudformation(),
        state: operation.state.clone().unwrap_or(Value::Null),
        first_received_at_ms: operation.first_received_at_ms,
        not_before_ms: epoch_ms(SystemTime::now()).saturating_add(delay_ms),
        invocation: operation.invocation,
        consecutive_failures: operation.consecutive_failures,
        polls: operation.polls,
        physical_resource_id: operation.physical_resource_id.clone(),
        waiting_for: operation.waiting_for.clone(),
        answer: answer.cloned().map(Into::into),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// The pause before poll `polls` (1-based): 1 s, then 2 s.
pub(crate) fn poll_delay(polls: u32) -> Duration {
    let exponent = polls.saturating_sub(1).min(8);
    (MIN_POLL * 2u32.pow(exponent)).min(MAX_POLL)
}

/// The pause after `failures` consecutive transient failures: exponential, capped at 30 s,
/// with full jitter over its upper half so that many stacks do not retry in step.
pub(crate) fn backoff(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(8);
    let ceiling = (Duration::from_secs(1) * 2u32.pow(exponent)).min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.5..=1.0);
    ceiling.mul_f64(jitter)
}
