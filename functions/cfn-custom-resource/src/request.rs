//! What CloudFormation asks, and the envelope that carries an unfinished operation from one
//! invocation of the function to the next.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ProtocolError;
use crate::response::{Answer, Status};

/// The key under which a continuation travels in a self-invocation's payload: a payload with
/// it is the protocol's own hand-on, anything else is a request from CloudFormation. Tests that
/// watch the function's self-invocations recognise them by it ([`is_continuation`]).
pub const CONTINUATION_KEY: &str = "StudioCatalogContinuation";

/// Whether a Lambda payload is the protocol's hand-on of an unfinished operation (a
/// self-invocation) rather than a request from CloudFormation.
pub fn is_continuation(payload: &Value) -> bool {
    payload.get(CONTINUATION_KEY).is_some()
}

/// CloudFormation's default and largest timeout for a custom resource.
pub(crate) const MAX_SERVICE_TIMEOUT: Duration = Duration::from_secs(3600);

/// The kind of request, with what only that kind carries.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestKind {
    /// Create a new resource.
    Create,
    /// Update the resource `physical_resource_id`; `old_properties` are what it has now.
    Update {
        /// The resource's physical id, as this function answered it before.
        physical_resource_id: String,
        /// The properties before this update.
        old_properties: Value,
    },
    /// Delete the resource `physical_resource_id`.
    Delete {
        /// The resource's physical id, as this function answered it before (or, after a
        /// failed create, whatever placeholder was answered then).
        physical_resource_id: String,
    },
}

/// One custom-resource request, as CloudFormation sent it.
#[derive(Clone, PartialEq)]
pub struct CustomResourceRequest {
    /// Create, update or delete, with the kind's own fields.
    pub kind: RequestKind,
    /// CloudFormation's id for this request: the same on a duplicate delivery.
    pub request_id: String,
    /// The stack's ARN.
    pub stack_id: String,
    /// The resource's logical id in the template.
    pub logical_resource_id: String,
    /// `Custom::Something`.
    pub resource_type: String,
    /// The pre-signed URL the answer is PUT to. A bearer credential: never log it.
    pub response_url: String,
    /// The resource's properties, including `ServiceToken` (and `ServiceTimeout` if set).
    pub properties: Value,
}

impl std::fmt::Debug for CustomResourceRequest {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CustomResourceRequest")
            .field("kind", &self.kind)
            .field("request_id", &self.request_id)
            .field("stack_id", &self.stack_id)
            .field("logical_resource_id", &self.logical_resource_id)
            .field("resource_type", &self.resource_type)
            .field("response_url", &"<redacted>")
            .field("properties", &self.properties)
            .finish()
    }
}

impl CustomResourceRequest {
    /// The request as CloudFormation sent it (for a continuation's payload).
    pub fn to_cloudformation(&self) -> Value {
        let mut event = serde_json::json!({
            "RequestType": self.request_type(),
            "RequestId": self.request_id,
            "ResponseURL": self.response_url,
            "StackId": self.stack_id,
            "ResourceType": self.resource_type,
            "LogicalResourceId": self.logical_resource_id,
            "ResourceProperties": self.properties,
        });
        match &self.kind {
            RequestKind::Create => {}
            RequestKind::Update {
                physical_resource_id,
                old_properties,
            } => {
                event["PhysicalResourceId"] = Value::from(physical_resource_id.as_str());
                event["OldResourceProperties"] = old_properties.clone();
            }
            RequestKind::Delete {
                physical_resource_id,
            } => {
                event["PhysicalResourceId"] = Value::from(physical_resource_id.as_str());
            }
        }
        event
    }

    /// `Create`, `Update` or `Delete`.
    pub fn request_type(&self) -> &'static str {
        match self.kind {
            RequestKind::Create => "Create",
            RequestKind::Update { .. } => "Update",
            RequestKind::Delete { .. } => "Delete",
        }
    }

    /// The physical id CloudFormation sent (update and delete).
    pub fn physical_resource_id(&self) -> Option<&str> {
        match &self.kind {
            RequestKind::Create => None,
            RequestKind::Update {
                physical_resource_id,
                ..
            }
            | RequestKind::Delete {
                physical_resource_id,
            } => Some(physical_resource_id),
        }
    }

    /// How long the whole operation may take: the request's `ServiceTimeout` (seconds, 1 to
    /// 3600) if set, else 3600 s. An unusable value falls back to the default.
    pub fn service_timeout(&self) -> Duration {
        let seconds = match self.properties.get("ServiceTimeout") {
            Some(Value::String(text)) => text.trim().parse::<u64>().ok(),
            Some(Value::Number(number)) => number.as_u64(),
            _ => None,
        };
        seconds
            .filter(|seconds| (1..=MAX_SERVICE_TIMEOUT.as_secs()).contains(seconds))
            .map(Duration::from_secs)
            .unwrap_or(MAX_SERVICE_TIMEOUT)
    }

    fn from_cloudformation(raw: Value) -> Result<Self, ProtocolError> {
        let request: CloudFormationCustomResourceRequest = serde_json::from_value(raw)
            .map_err(|error| ProtocolError::InvalidEvent(error.to_string()))?;
        Ok(match request {
            CloudFormationCustomResourceRequest::Create(create) => Self {
                kind: RequestKind::Create,
                request_id: create.request_id,
                stack_id: create.stack_id,
                logical_resource_id: create.logical_resource_id,
                resource_type: create.resource_type,
                response_url: create.response_url,
                properties: create.resource_properties,
            },
            CloudFormationCustomResourceRequest::Update(update) => Self {
                kind: RequestKind::Update {
                    physical_resource_id: update.physical_resource_id,
                    old_properties: update.old_resource_properties,
                },
                request_id: update.request_id,
                stack_id: update.stack_id,
                logical_resource_id: update.logical_resource_id,
                resource_type: update.resource_type,
                response_url: update.response_url,
                properties: update.resource_properties,
            },
            CloudFormationCustomResourceRequest::Delete(delete) => Self {
                kind: RequestKind::Delete {
                    physical_resource_id: delete.physical_resource_id,
                },
                request_id: delete.request_id,
                stack_id: delete.stack_id,
                logical_resource_id: delete.logical_resource_id,
                resource_type: delete.resource_type,
                response_url: delete.response_url,
                properties: delete.resource_properties,
            },
            _ => {
                return Err(ProtocolError::InvalidEvent(
                    "unknown RequestType".to_owned(),
                ));
            }
        })
    }
}

/// An operation that outlasted one invocation, carried to the next by self-invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Continuation {
    /// The request exactly as CloudFormation sent it.
    pub request: Value,
    /// The handler's state: what it has done and what it waits for.
    pub state: Value,
    /// When this function first received the request (Unix epoch milliseconds).
    pub first_received_at_ms: u64,
    /// Not before this time (epoch ms) should the next step run.
    pub not_before_ms: u64,
    /// How many invocations have worked on it so far.
    pub invocation: u32,
    /// Consecutive retryable failures, for backoff.
    pub consecutive_failures: u32,
    /// Polls so far, for the growing poll interval.
    pub polls: u32,
    /// The physical id known so far, for a FAILED answer that must name what exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_resource_id: Option<String>,
    /// What the operation was waiting for, for a timeout's `Reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    /// An answer decided but not yet delivered (every PUT attempt failed transiently).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<PendingAnswer>,
}

/// An [`Answer`] as it travels in a continuation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PendingAnswer {
    pub status: Status,
    pub reason: String,
    pub physical_resource_id: String,
    /// Attributes for `Fn::GetAtt`.
    pub data: BTreeMap<String, String>,
}

impl From<Answer> for PendingAnswer {
    fn from(answer: Answer) -> Self {
        Self {
            status: answer.status,
            reason: answer.reason,
            physical_resource_id: answer.physical_resource_id,
            data: answer.data,
        }
    }
}

impl From<PendingAnswer> for Answer {
    fn from(pending: PendingAnswer) -> Self {
        Self {
            status: pending.status,
            reason: pending.reason,
            physical_resource_id: pending.physical_resource_id,
            data: pending.data,
        }
    }
}

/// What one invocation was asked to do.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per invocation, moved once; boxing would only add an allocation"
)]
pub enum Invocation {
    /// A request straight from CloudFormation.
    Fresh(CustomResourceRequest),
    /// An operation this function started earlier.
    Continued(CustomResourceRequest, Continuation),
}

impl Invocation {
    /// Reads a Lambda payload.
    pub fn from_payload(payload: Value) -> Result<Self, ProtocolError> {
        if let Some(envelope) = payload.get(CONTINUATION_KEY) {
            let continuation: Continuation = serde_json::from_value(envelope.clone())
                .map_err(|error| ProtocolError::InvalidEvent(format!("continuation: {error}")))?;
            let request = CustomResourceRequest::from_cloudformation(continuation.request.clone())?;
            return Ok(Self::Continued(request, continuation));
        }
        Ok(Self::Fresh(CustomResourceRequest::from_cloudformation(
            payload,
        )?))
    }

    /// The request, fresh or continued.
    pub fn request(&self) -> &CustomResourceRequest {
        match self {
            Self::Fresh(request) | Self::Continued(request, _) => request,
        }
    }
}

/// Wraps a continuation as a self-invocation payload.
pub(crate) fn continuation_payload(continuation: &Continuation) -> Value {
    serde_json::json!({ CONTINUATION_KEY: continuation })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn create_event() -> Value {
        json!({
            "RequestType": "Create",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:studio-domain",
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r-1",
            "ResourceType": "Custom::StudioDomain",
            "LogicalResourceId": "Domain",
            "ResourceProperties": {"ServiceToken": "arn", "ServiceTimeout": "900", "DomainName": "a"}
        })
    }

    #[test]
    fn a_create_request_is_read_with_its_service_timeout() {
        let invocation = Invocation::from_payload(create_event()).unwrap();
        let request = invocation.request();
        assert_eq!(request.kind, RequestKind::Create);
        assert_eq!(request.request_type(), "Create");
        assert_eq!(request.service_timeout(), Duration::from_secs(900));
        assert_eq!(request.physical_resource_id(), None);
    }

    #[test]
    fn a_missing_or_out_of_range_service_timeout_means_an_hour() {
        let mut event = create_event();
        event["ResourceProperties"]["ServiceTimeout"] = json!("99999");
        let invocation = Invocation::from_payload(event).unwrap();
        assert_eq!(invocation.request().service_timeout(), MAX_SERVICE_TIMEOUT);
    }

    #[test]
    fn a_continuation_round_trips_through_its_payload() {
        let continuation = Continuation {
            request: create_event(),
            state: json!({"DomainId": "d-abc"}),
            first_received_at_ms: 1,
            not_before_ms: 2,
            invocation: 3,
            consecutive_failures: 0,
            polls: 4,
            physical_resource_id: Some("d-abc".into()),
            waiting_for: Some("the domain to be InService".into()),
            answer: None,
        };
        let invocation = Invocation::from_payload(continuation_payload(&continuation)).unwrap();
        assert_eq!(
            invocation,
            Invocation::Continued(
                CustomResourceRequest::from_cloudformation(create_event()).unwrap(),
                continuation
            )
        );
    }

    #[test]
    fn an_event_that_is_not_a_custom_resource_request_is_refused() {
        let error = Invocation::from_payload(json!({"hello": "world"})).unwrap_err();
        assert!(matches!(error, ProtocolError::InvalidEvent(_)));
    }
}
