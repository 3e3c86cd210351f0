//! What a custom resource PUTs to its `ResponseURL`.

use std::collections::BTreeMap;

use hyper::HeaderMap;
use serde_json::Value;

/// The most CloudFormation accepts in a response body.
pub const MAX_RESPONSE_BYTES: usize = 4096;

/// One response PUT, as received.
#[derive(Debug, Clone, PartialEq)]
pub struct CfnResponse {
    /// `Status`: `SUCCESS` or `FAILED` (empty if missing).
    pub status: String,
    /// `Reason`.
    pub reason: Option<String>,
    /// `PhysicalResourceId` (empty if missing).
    pub physical_resource_id: String,
    /// `StackId` (empty if missing).
    pub stack_id: String,
    /// `RequestId` (empty if missing).
    pub request_id: String,
    /// `LogicalResourceId` (empty if missing).
    pub logical_resource_id: String,
    /// `Data`; values that are not strings are kept as their JSON text.
    pub data: BTreeMap<String, String>,
    /// `NoEcho`.
    pub no_echo: Option<bool>,
    /// The PUT's `Content-Type` header, `None` if absent.
    pub content_type: Option<String>,
    /// The PUT's headers, names lowercase (repeated headers joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// Length of the body in bytes.
    pub raw_body_len: usize,
    /// The body as JSON (a JSON string holding the text if it is not JSON).
    pub raw: Value,
}

impl CfnResponse {
    /// Reads a PUT's body and headers (leniently: see [`problems`](Self::problems)).
    pub(crate) fn parse(body: &[u8], headers: &HeaderMap) -> Self {
        let raw: Value = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
        let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
        let data = raw
            .get("Data")
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut header_map: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            header_map
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        Self {
            status: text("Status").unwrap_or_default(),
            reason: text("Reason"),
            physical_resource_id: text("PhysicalResourceId").unwrap_or_default(),
            stack_id: text("StackId").unwrap_or_default(),
            request_id: text("RequestId").unwrap_or_default(),
            logical_resource_id: text("LogicalResourceId").unwrap_or_default(),
            data,
            no_echo: raw.get("NoEcho").and_then(Value::as_bool),
            content_type: header_map.get("content-type").cloned(),
            headers: header_map,
            raw_body_len: body.len(),
            raw,
        }
    }

    /// `Status` is `SUCCESS`.
    pub fn is_success(&self) -> bool {
        self.status == "SUCCESS"
    }

    /// `Status` is `FAILED`.
    pub fn is_failed(&self) -> bool {
        self.status == "FAILED"
    }

    /// A `Data` value.
    pub fn data(&self, key: &str) -> Option<&str> {
        self.data.get(key).map(String::as_str)
    }

    /// Why CloudFormation would reject this response (empty when it is fine):
    /// a body that is not a JSON object or is over [`MAX_RESPONSE_BYTES`], a
    /// `Status` other than `SUCCESS`/`FAILED`, missing ids, a `Data` that is
    /// not an object, a `NoEcho` that is not a boolean.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.raw.is_object() {
            problems.push("the body is not a JSON object".to_owned());
        }
        if self.raw_body_len > MAX_RESPONSE_BYTES {
            problems.push(format!(
                "the body is {} bytes; CloudFormation accepts at most {MAX_RESPONSE_BYTES}",
                self.raw_body_len
            ));
        }
        if !self.is_success() && !self.is_failed() {
            problems.push(format!(
                "Status is {:?}, not SUCCESS or FAILED",
                self.status
            ));
        }
        for (key, value) in [
            ("PhysicalResourceId", &self.physical_resource_id),
            ("StackId", &self.stack_id),
            ("RequestId", &self.request_id),
            ("LogicalResourceId", &self.logical_resource_id),
        ] {
            if value.is_empty() {
                problems.push(format!("{key} is missing or empty"));
            }
        }
        if self
            .raw
            .get("Data")
            .is_some_and(|d| !d.is_object() && !d.is_null())
        {
            problems.push("Data is not an object".to_owned());
        }
        if self.raw.get("NoEcho").is_some_and(|v| !v.is_boolean()) {
            problems.push("NoEcho is not a boolean".to_owned());
        }
        problems
    }

    /// Where this response does not echo the `StackId`, `RequestId` or
    /// `LogicalResourceId` of `request` (the event that was sent).
    pub fn echo_problems(&self, request: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        for (key, value) in [
            ("StackId", &self.stack_id),
            ("RequestId", &self.request_id),
            ("LogicalResourceId", &self.logical_resource_id),
        ] {
            let expected = request.get(key).and_then(Value::as_str).unwrap_or_default();
            if value != expected {
                problems.push(format!("{key} is {value:?}, the request's is {expected:?}"));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use hyper::header::{CONTENT_TYPE, HeaderValue};
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_and_checks() {
        let body = json!({
            "Status": "SUCCESS", "PhysicalResourceId": "d-1", "StackId": "s", "RequestId": "r",
            "LogicalResourceId": "Domain", "Data": {"DomainId": "d-1", "Port": 1}, "NoEcho": false
        })
        .to_string();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(""));
        let response = CfnResponse::parse(body.as_bytes(), &headers);
        assert!(response.is_success());
        assert_eq!(response.data("Port"), Some("1"));
        assert_eq!(response.content_type.as_deref(), Some(""));
        assert_eq!(response.no_echo, Some(false));
        assert!(response.problems().is_empty(), "{:?}", response.problems());
        let request = json!({"StackId": "s", "RequestId": "other", "LogicalResourceId": "Domain"});
        assert_eq!(response.echo_problems(&request).len(), 1);

        let bad = CfnResponse::parse(b"not json", &HeaderMap::new());
        assert_eq!(bad.content_type, None);
        assert_eq!(bad.raw, json!("not json"));
        assert!(bad.problems().len() >= 5);
    }
}
