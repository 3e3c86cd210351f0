//! The driver: exactly one answer to CloudFormation for every request, before every deadline.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::FutureExt;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;
use tracing::{Instrument, error, info, info_span, warn};

use crate::error::{ProtocolError, ResourceError};
use crate::properties;
use crate::request::{
    Continuation, CustomResourceRequest, Invocation, RequestKind, continuation_payload,
};
use crate::resource::{Completed, CustomResource, Progress};
use crate::response::{Answer, MAX_PHYSICAL_ID_BYTES, Status, response_body};
use crate::response_url::ResponseUrlPolicy;
use crate::transport::{DeliveryError, ResponseSender, SelfInvoker};

/// Time kept back at the end of an invocation for the answer or the self-invocation.
const MIN_RESERVE: Duration = Duration::from_millis(500);
const MAX_RESERVE: Duration = Duration::from_secs(10);
/// The whole operation answers this long before CloudFormation's own timeout.
const MAX_DEADLINE_MARGIN: Duration = Duration::from_secs(30);
/// Polling starts quick and slows down to this.
const MIN_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(15);
/// Retries of transient failures back off up to this.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Settings read once at cold start.
#[derive(Debug, Clone)]
pub struct ProtocolConfig {
    /// Which `ResponseURL`s may be answered.
    pub response_urls: ResponseUrlPolicy,
    /// The physical id answered after a failed create that left nothing behind: the log stream
    /// name when Lambda gives one (so the admin finds the log), else `failed-create-<RequestId>`.
    pub log_stream_name: Option<String>,
}

impl ProtocolConfig {
    /// From `CFN_RESPONSE_URL_ALLOW` and `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub fn from_env() -> Self {
        Self {
            response_urls: ResponseUrlPolicy::from_env(),
            log_stream_name: std::env::var("AWS_LAMBDA_LOG_STREAM_NAME")
                .ok()
                .filter(|name| !name.is_empty()),
        }
    }
}

/// The limits Lambda sets on one invocation.
#[derive(Debug, Clone)]
pub struct InvocationLimits {
    /// When Lambda stops the invocation.
    pub deadline: Instant,
    /// This function's ARN, for self-invocation.
    pub function_arn: String,
    /// Wall-clock now, Unix epoch milliseconds (the operation's deadline survives invocations).
    pub now_epoch_ms: u64,
}

impl InvocationLimits {
    /// From the Lambda context.
    pub fn from_context(context: &lambda_runtime::Context) -> Self {
        let now_epoch_ms = epoch_ms(SystemTime::now());
        let remaining = Duration::from_millis(context.deadline.saturating_sub(now_epoch_ms));
        Self {
            deadline: Instant::now() + remaining,
            function_arn: context.invoked_function_arn.clone(),
            now_epoch_ms,
        }
    }
}

fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// What the invocation did, returned to Lambda (never containing the `ResponseURL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocationSummary {
    /// `Create`, `Update` or `Delete`.
    pub request_type: String,
    /// `SUCCESS` or `FAILED` (answered), `CONTINUED` (self-invoked), `REFUSED` (not answered).
    pub outcome: String,
    /// The physical id answered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_resource_id: Option<String>,
    /// Whether CloudFormation accepted the answer.
    pub delivered: bool,
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

/// Runs a [`CustomResource`] under the custom-resource protocol.
pub struct Protocol<H, S, I> {
    handler: H,
    sender: S,
    invoker: I,
    config: ProtocolConfig,
}

impl<H, S, I> Protocol<H, S, I>
where
    H: CustomResource,
    S: ResponseSender,
    I: SelfInvoker,
{
    /// A protocol around `handler` answering with `sender` and continuing with `invoker`.
    pub fn new(handler: H, sender: S, invoker: I, config: ProtocolConfig) -> Self {
        Self {
            handler,
            sender,
            invoker,
            config,
        }
    }

    /// Handles one invocation: answers CloudFormation exactly once, or hands the operation on
    /// to a new invocation before this one's deadline.
    pub async fn handle(
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
        // Boxed: the operation's state machine is large, and nesting it unboxed in the
        // runtime's future overflows the compiler's layout depth.
        Box::pin(self.handle_request(invocation, request, limits))
            .instrument(span)
            .await
    }

    async fn handle_request(
        &self,
        invocation: Invocation,
        request: CustomResourceRequest,
        limits: InvocationLimits,
    ) -> Result<InvocationSummary, ProtocolError> {
        if !self.config.response_urls.allows(&request.response_url) {
            error!(
                "refused: the ResponseURL is not a CloudFormation S3 URL nor allowed by CFN_RESPONSE_URL_ALLOW; not answering"
            );
            return Ok(InvocationSummary {
                request_type: request.request_type().to_owned(),
                outcome: "REFUSED".to_owned(),
                physical_resource_id: None,
                delivered: false,
            });
        }

        let started = Instant::now();
        let budget = limits.deadline.saturating_duration_since(started);
        let reserve = (budget / 4).clamp(MIN_RESERVE, MAX_RESERVE);
        let answer_by = limits.deadline.checked_sub(reserve).unwrap_or(started);

        let mut operation = match invocation {
            Invocation::Fresh(_) => {
                info!("received");
                Operation {
                    state: None,
                    first_received_at_ms: limits.now_epoch_ms,
                    invocation: 1,
                    polls: 0,
                    consecutive_failures: 0,
                    physical_resource_id: None,
                    waiting_for: None,
                    last_error: None,
                    answer: None,
                }
            }
            Invocation::Continued(_, continuation) => {
                let not_before = continuation
                    .not_before_ms
                    .saturating_sub(limits.now_epoch_ms);
                let operation = Operation {
                    state: Some(continuation.state).filter(|state| !state.is_null()),
                    // A continuation cannot claim more time than it has had.
                    first_received_at_ms: continuation
                        .first_received_at_ms
                        .min(limits.now_epoch_ms),
                    invocation: continuation.invocation.saturating_add(1),
                    polls: continuation.polls,
                    consecutive_failures: continuation.consecutive_failures,
                    physical_resource_id: continuation.physical_resource_id,
                    waiting_for: continuation.waiting_for,
                    last_error: None,
                    answer: continuation.answer.map(Answer::from),
                };
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
        let operation_deadline = (started + timeout.saturating_sub(margin))
            .checked_sub(elapsed_before)
            .unwrap_or(started);

        if let Some(answer) = operation.answer.take() {
            return Ok(self
                .deliver(
                    &request,
                    answer,
                    &limits,
                    &mut operation,
                    operation_deadline,
                )
                .await);
        }

        loop {
            let now = Instant::now();
            if now >= operation_deadline {
                return Ok(self
                    .give_up(
                        &request,
                        &limits,
                        &mut operation,
                        timeout,
                        operation_deadline,
                    )
                    .await);
            }
            let step_by = answer_by.min(operation_deadline);
            let step = Box::pin(self.step(
                &request,
                operation.state.clone(),
                operation.physical_resource_id.as_deref(),
            ));
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
                    let answer = self.failed(
                        &request,
                        &operation,
                        format!("Internal error in the custom resource (panic: {message}). See the function's log."),
                    );
                    return Ok(self
                        .deliver(
                            &request,
                            answer,
                            &limits,
                            &mut operation,
                            operation_deadline,
                        )
                        .await);
                }
                Ok(Ok(StepOutcome::Answer(answer))) => {
                    return Ok(self
                        .deliver(
                            &request,
                            answer,
                            &limits,
                            &mut operation,
                            operation_deadline,
                        )
                        .await);
                }
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
            if wake_at >= operation_deadline {
                return Ok(self
                    .give_up(
                        &request,
                        &limits,
                        &mut operation,
                        timeout,
                        operation_deadline,
                    )
                    .await);
            }
            // Another step here needs time for itself after the pause; else hand on.
            let minimum_step =
                (budget / 10).clamp(Duration::from_millis(200), Duration::from_secs(5));
            if wake_at + minimum_step >= answer_by {
                return Ok(self
                    .continue_elsewhere(
                        &request,
                        &limits,
                        &mut operation,
                        delay,
                        operation_deadline,
                    )
                    .await);
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
        if let RequestKind::Delete {
            physical_resource_id,
        } = &request.kind
            && !self.handler.owns_physical_id(physical_resource_id)
        {
            info!("the physical id is not one this resource creates; nothing to delete");
            return StepOutcome::Answer(Answer {
                status: Status::Success,
                reason: "Nothing to delete: the physical id does not name a resource of this type"
                    .to_owned(),
                physical_resource_id: physical_resource_id.clone(),
                data: Default::default(),
            });
        }
        let state = match state.map(serde_json::from_value::<H::State>).transpose() {
            Ok(state) => state,
            Err(error) => {
                return self.error_outcome(
                    request,
                    made,
                    ResourceError::permanent(format!(
                        "Internal error: unreadable operation state ({error})"
                    )),
                );
            }
        };
        let properties = match properties::parse::<H::Properties>(&request.properties) {
            Ok(properties) => properties,
            Err(error) => return self.error_outcome(request, made, error),
        };
        let result = match &request.kind {
            RequestKind::Create => self.handler.create(request, &properties, state).await,
            RequestKind::Update {
                physical_resource_id,
                old_properties,
            } => match properties::parse::<H::Properties>(old_properties) {
                Ok(old) => {
                    self.handler
                        .update(request, physical_resource_id, &properties, &old, state)
                        .await
                }
                Err(error) => Err(ResourceError::permanent(format!(
                    "The resource's previous properties cannot be read ({error}); update it by replacement"
                ))),
            },
            RequestKind::Delete {
                physical_resource_id,
            } => {
                self.handler
                    .delete(request, physical_resource_id, &properties, state)
                    .await
            }
        };
        match result {
            Ok(Progress::Done(completed)) => {
                StepOutcome::Answer(self.succeeded(request, completed))
            }
            Ok(Progress::InProgress {
                state,
                waiting_for,
                physical_resource_id,
            }) => match serde_json::to_value(state) {
                Ok(state) => StepOutcome::Waiting {
                    state,
                    waiting_for,
                    physical_resource_id,
                },
                Err(error) => self.error_outcome(
                    request,
                    made,
                    ResourceError::permanent(format!(
                        "Internal error: operation state not serializable ({error})"
                    )),
                ),
            },
            Err(error) => self.error_outcome(request, made, error),
        }
    }

    fn error_outcome(
        &self,
        request: &CustomResourceRequest,
        made: Option<&str>,
        error: ResourceError,
    ) -> StepOutcome {
        match error {
            ResourceError::Retryable {
                reason,
                retry_after,
            } => StepOutcome::Retry {
                reason,
                retry_after,
            },
            ResourceError::Permanent { reason } => {
                warn!(%reason, "failed");
                StepOutcome::Answer(self.failed_answer(request, made, reason))
            }
            invalid @ ResourceError::InvalidProperty { .. } => {
                let reason = invalid.to_string();
                warn!(%reason, "invalid properties");
                StepOutcome::Answer(self.failed_answer(request, made, reason))
            }
        }
    }

    fn succeeded(&self, request: &CustomResourceRequest, completed: Completed) -> Answer {
        let id = completed.physical_resource_id;
        if id.is_empty() || id.len() > MAX_PHYSICAL_ID_BYTES {
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

    fn failed(
        &self,
        request: &CustomResourceRequest,
        operation: &Operation,
        reason: String,
    ) -> Answer {
        self.failed_answer(request, operation.physical_resource_id.as_deref(), reason)
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

    fn timed_out(
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
        self.failed(request, operation, reason)
    }

    /// Answers FAILED because the operation's deadline has come, naming what was left.
    async fn give_up(
        &self,
        request: &CustomResourceRequest,
        limits: &InvocationLimits,
        operation: &mut Operation,
        timeout: Duration,
        operation_deadline: Instant,
    ) -> InvocationSummary {
        let answer = self.timed_out(request, operation, timeout);
        self.deliver(request, answer, limits, operation, operation_deadline)
            .await
    }

    /// Hands the operation to a new invocation of this function.
    async fn continue_elsewhere(
        &self,
        request: &CustomResourceRequest,
        limits: &InvocationLimits,
        operation: &mut Operation,
        delay: Duration,
        operation_deadline: Instant,
    ) -> InvocationSummary {
        let continuation = self.continuation(request, limits, operation, delay, None);
        let payload = serde_json::to_vec(&continuation_payload(&continuation)).unwrap_or_default();
        match self
            .invoker
            .invoke_event(&limits.function_arn, payload)
            .await
        {
            Ok(()) => {
                info!(
                    invocation = operation.invocation,
                    "continued in a new invocation"
                );
                InvocationSummary {
                    request_type: request.request_type().to_owned(),
                    outcome: "CONTINUED".to_owned(),
                    physical_resource_id: operation.physical_resource_id.clone(),
                    delivered: false,
                }
            }
            Err(error) => {
                error!(%error, "could not continue in a new invocation; answering FAILED");
                let answer = self.failed(
                    request,
                    operation,
                    format!(
                        "{error}. Check that the function may invoke itself (lambda:InvokeFunction on its own ARN). Left undone: {}",
                        operation.waiting_for.as_deref().unwrap_or("the rest of the operation")
                    ),
                );
                self.deliver_once(
                    request,
                    answer,
                    limits,
                    operation,
                    operation_deadline,
                    false,
                )
                .await
            }
        }
    }

    fn continuation(
        &self,
        request: &CustomResourceRequest,
        _limits: &InvocationLimits,
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

    async fn deliver(
        &self,
        request: &CustomResourceRequest,
        answer: Answer,
        limits: &InvocationLimits,
        operation: &mut Operation,
        operation_deadline: Instant,
    ) -> InvocationSummary {
        self.deliver_once(request, answer, limits, operation, operation_deadline, true)
            .await
    }

    /// PUTs the answer; if every attempt fails transiently and time remains for the
    /// operation, hands the answer to a new invocation to try again (once per invocation).
    async fn deliver_once(
        &self,
        request: &CustomResourceRequest,
        answer: Answer,
        limits: &InvocationLimits,
        operation: &mut Operation,
        operation_deadline: Instant,
        may_continue: bool,
    ) -> InvocationSummary {
        let body = response_body(request, &answer);
        let put_by = limits
            .deadline
            .checked_sub(Duration::from_millis(300))
            .unwrap_or(limits.deadline)
            .min(limits.deadline);
        // Leave time to hand the answer on if the PUT keeps failing.
        let put_by = if may_continue {
            put_by.checked_sub(MIN_RESERVE).unwrap_or(put_by)
        } else {
            put_by
        };
        let status = answer.status.as_str();
        let summary = |delivered: bool, outcome: &str| InvocationSummary {
            request_type: request.request_type().to_owned(),
            outcome: outcome.to_owned(),
            physical_resource_id: Some(answer.physical_resource_id.clone()),
            delivered,
        };
        match self.sender.send(&request.response_url, body, put_by).await {
            Ok(()) => {
                info!(
                    status,
                    answered_physical_resource_id = %answer.physical_resource_id,
                    reason = %answer.reason,
                    "answered CloudFormation"
                );
                summary(true, status)
            }
            Err(error @ DeliveryError::Exhausted { .. })
                if may_continue && Instant::now() < operation_deadline =>
            {
                warn!(%error, status, "answer not delivered; retrying it from a new invocation");
                let continuation = self.continuation(
                    request,
                    limits,
                    operation,
                    Duration::from_secs(1),
                    Some(&answer),
                );
                let payload =
                    serde_json::to_vec(&continuation_payload(&continuation)).unwrap_or_default();
                match self
                    .invoker
                    .invoke_event(&limits.function_arn, payload)
                    .await
                {
                    Ok(()) => summary(false, "CONTINUED"),
                    Err(continue_error) => {
                        error!(%error, %continue_error, status, "answer not delivered and could not be handed on");
                        summary(false, status)
                    }
                }
            }
            Err(error) => {
                error!(%error, status, "answer not delivered");
                summary(false, status)
            }
        }
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

/// The pause before poll `polls` (1-based): 0.5 s doubling to 15 s.
pub fn poll_delay(polls: u32) -> Duration {
    let exponent = polls.saturating_sub(1).min(8);
    (MIN_POLL * 2u32.pow(exponent)).min(MAX_POLL)
}

/// The pause after `failures` consecutive transient failures: exponential, capped at 30 s,
/// with full jitter over its upper half so that many stacks do not retry in step.
pub fn backoff(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(8);
    let ceiling = (Duration::from_secs(1) * 2u32.pow(exponent)).min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.5..=1.0);
    ceiling.mul_f64(jitter)
}
