//! The answer to CloudFormation: its body, within CloudFormation's limits.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};

use crate::request::CustomResourceRequest;

/// CloudFormation refuses a response body larger than this.
pub(crate) const MAX_BODY_BYTES: usize = 4096;
/// CloudFormation refuses a physical id longer than this.
pub(crate) const MAX_PHYSICAL_ID_BYTES: usize = 1024;
/// A `Reason` is kept to this length before any further trimming.
const MAX_REASON_BYTES: usize = 2048;
const TRUNCATION_MARK: &str = " …[truncated]";

/// SUCCESS or FAILED, spelt as CloudFormation spells it when serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// The operation succeeded.
    Success,
    /// The operation failed; `Reason` says why.
    Failed,
}

impl Status {
    /// As CloudFormation spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
        }
    }
}

/// What the function answers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    /// SUCCESS or FAILED.
    pub(crate) status: Status,
    /// Why (always set on FAILED).
    pub(crate) reason: String,
    /// The resource's physical id.
    pub(crate) physical_resource_id: String,
    /// Attributes for `Fn::GetAtt`.
    pub(crate) data: BTreeMap<String, String>,
}

/// Builds the response body for `request`, trimming `Reason` and then `Data` so that the
/// body never exceeds [`MAX_BODY_BYTES`]: an answer that is too large is never an answer.
pub(crate) fn response_body(request: &CustomResourceRequest, answer: &Answer) -> Vec<u8> {
    let mut reason = truncate(&answer.reason, MAX_REASON_BYTES);
    let mut data = answer.data.clone();
    let mut dropped: Vec<String> = Vec::new();
    loop {
        let body = serialize(request, answer, &reason, &data, &dropped);
        if body.len() <= MAX_BODY_BYTES {
            return body;
        }
        let excess = body.len() - MAX_BODY_BYTES;
        if reason.len() > 256 {
            let keep = reason
                .len()
                .saturating_sub(excess + TRUNCATION_MARK.len())
                .max(256);
            reason = truncate(&reason, keep);
            continue;
        }
        if let Some(largest) = data
            .iter()
            .max_by_key(|(key, value)| key.len() + value.len())
            .map(|(key, _)| key.clone())
        {
            data.remove(&largest);
            dropped.push(largest);
            continue;
        }
        // Only the ids remain: shorten the reason to nothing rather than not answer.
        if reason.is_empty() {
            return body;
        }
        reason = truncate(&reason, reason.len().saturating_sub(excess));
    }
}

fn serialize(
    request: &CustomResourceRequest,
    answer: &Answer,
    reason: &str,
    data: &BTreeMap<String, String>,
    dropped: &[String],
) -> Vec<u8> {
    let mut reason = reason.to_owned();
    if !dropped.is_empty() {
        reason = format!(
            "{reason} (Data trimmed to fit {MAX_BODY_BYTES} bytes; dropped: {})",
            dropped.join(", ")
        );
    }
    let mut response = CloudFormationCustomResourceResponse::default();
    response.status = match answer.status {
        Status::Success => CloudFormationCustomResourceResponseStatus::Success,
        Status::Failed => CloudFormationCustomResourceResponseStatus::Failed,
    };
    response.reason = Some(reason);
    response.physical_resource_id = answer.physical_resource_id.clone();
    response.stack_id = request.stack_id.clone();
    response.request_id = request.request_id.clone();
    response.logical_resource_id = request.logical_resource_id.clone();
    response.no_echo = false;
    response.data = data
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect::<HashMap<_, _>>();
    // Serializing plain strings and maps of strings cannot fail.
    serde_json::to_vec(&response).unwrap_or_default()
}

/// Cuts `text` to at most `max_bytes` on a character boundary, marking the cut.
pub(crate) fn truncate(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let budget = max_bytes.saturating_sub(TRUNCATION_MARK.len());
    let mut end = budget.min(text.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{TRUNCATION_MARK}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::RequestKind;
    use serde_json::{Value, json};

    fn request() -> CustomResourceRequest {
        CustomResourceRequest {
            kind: RequestKind::Create,
            request_id: "r-1".into(),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
            logical_resource_id: "Domain".into(),
            resource_type: "Custom::StudioDomain".into(),
            response_url: "https://example.s3.amazonaws.com/x".into(),
            properties: json!({}),
        }
    }

    fn answer(status: Status, reason: &str, data: &[(&str, &str)]) -> Answer {
        Answer {
            status,
            reason: reason.into(),
            physical_resource_id: "d-abc".into(),
            data: data
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn the_body_echoes_the_request_ids_and_carries_string_data() {
        let body = response_body(
            &request(),
            &answer(Status::Success, "ok", &[("DomainId", "d-abc")]),
        );
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["Status"], "SUCCESS");
        assert_eq!(parsed["RequestId"], "r-1");
        assert_eq!(parsed["LogicalResourceId"], "Domain");
        assert_eq!(
            parsed["StackId"],
            "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1"
        );
        assert_eq!(parsed["PhysicalResourceId"], "d-abc");
        assert_eq!(parsed["Data"]["DomainId"], "d-abc");
        assert_eq!(parsed["Reason"], "ok");
    }

    #[test]
    fn a_huge_reason_is_trimmed_to_fit_and_keeps_its_start() {
        let reason = format!("DeleteDomain refused: {}", "é".repeat(10_000));
        let body = response_body(&request(), &answer(Status::Failed, &reason, &[]));
        assert!(body.len() <= MAX_BODY_BYTES, "{} bytes", body.len());
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        let reason = parsed["Reason"].as_str().unwrap();
        assert!(reason.starts_with("DeleteDomain refused: é"));
        assert!(reason.ends_with("[truncated]"));
    }

    #[test]
    fn data_too_large_is_dropped_largest_first_and_said_so() {
        let big = "x".repeat(3000);
        let body = response_body(
            &request(),
            &answer(
                Status::Success,
                "ok",
                &[("Small", "1"), ("Big", &big), ("Big2", &big)],
            ),
        );
        assert!(body.len() <= MAX_BODY_BYTES);
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["Data"]["Small"], "1");
        assert!(parsed["Data"].get("Big").is_none() || parsed["Data"].get("Big2").is_none());
        assert!(parsed["Reason"].as_str().unwrap().contains("Data trimmed"));
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        let cut = truncate(&"日本語".repeat(100), 50);
        assert!(cut.len() <= 50);
        assert!(cut.ends_with("[truncated]"));
    }
}
