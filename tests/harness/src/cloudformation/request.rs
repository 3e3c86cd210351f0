//! The events CloudFormation sends to a custom resource's function.

use std::fmt;

use serde_json::{Map, Value};

use crate::{ids, lambda::function_arn};

/// `RequestType` of a custom resource event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestType {
    /// The resource is being created.
    Create,
    /// Its properties changed.
    Update,
    /// It is being deleted (or replaced, or rolled back).
    Delete,
}

impl RequestType {
    /// `Create`, `Update` or `Delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Update => "Update",
            Self::Delete => "Delete",
        }
    }
}

impl fmt::Display for RequestType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The function name a [`CfnRequest`] targets when none is given.
pub const DEFAULT_FUNCTION: &str = "custom-resource";

/// A custom resource event, built the way CloudFormation builds it.
///
/// ```
/// # use studio_catalog_harness::cloudformation::CfnRequest;
/// # use serde_json::json;
/// let create = CfnRequest::create("Custom::StudioDomain", "Domain", json!({"DomainName": "d"}))
///     .for_function("studio-domain");
/// let update = create.update("d-123", json!({"DomainName": "e"}), json!({"DomainName": "d"}));
/// let delete = update.delete("d-123", json!({"DomainName": "e"}));
/// let event = delete.with_response_url("http://127.0.0.1:1/responses/t").to_event();
/// assert_eq!(event["RequestType"], "Delete");
/// assert_eq!(event["PhysicalResourceId"], "d-123");
/// assert_eq!(event["ResourceProperties"]["ServiceToken"], event["ServiceToken"]);
/// ```
///
/// Like CloudFormation, [`to_event`](Self::to_event) turns every number and
/// boolean in the properties into a string (`8080` → `"8080"`, `true` →
/// `"true"`); [`keep_property_types`](Self::keep_property_types) turns that off.
#[derive(Debug, Clone, PartialEq)]
pub struct CfnRequest {
    request_type: RequestType,
    resource_type: String,
    logical_resource_id: String,
    physical_resource_id: Option<String>,
    properties: Value,
    old_properties: Option<Value>,
    service_token: String,
    response_url: Option<String>,
    stack_id: String,
    request_id: String,
    stringify: bool,
}

impl CfnRequest {
    /// A `Create` event for the resource `logical_id` of `resource_type`
    /// (e.g. `Custom::StudioDomain`), in a stack named `harness-stack`, for
    /// the function [`DEFAULT_FUNCTION`].
    pub fn create(resource_type: &str, logical_id: &str, properties: Value) -> Self {
        Self {
            request_type: RequestType::Create,
            resource_type: resource_type.to_owned(),
            logical_resource_id: logical_id.to_owned(),
            physical_resource_id: None,
            properties,
            old_properties: None,
            service_token: function_arn(DEFAULT_FUNCTION),
            response_url: None,
            stack_id: new_stack_id("harness-stack"),
            request_id: ids::uuid(),
            stringify: true,
        }
    }

    /// An `Update` of the same resource (same stack, type, logical id, function
    /// and response URL; a new request id).
    #[must_use]
    pub fn update(&self, physical_id: &str, properties: Value, old_properties: Value) -> Self {
        Self {
            request_type: RequestType::Update,
            physical_resource_id: Some(physical_id.to_owned()),
            properties,
            old_properties: Some(old_properties),
            request_id: ids::uuid(),
            ..self.clone()
        }
    }

    /// A `Delete` of the same resource (same stack, type, logical id, function
    /// and response URL; a new request id).
    #[must_use]
    pub fn delete(&self, physical_id: &str, properties: Value) -> Self {
        Self {
            request_type: RequestType::Delete,
            physical_resource_id: Some(physical_id.to_owned()),
            properties,
            old_properties: None,
            request_id: ids::uuid(),
            ..self.clone()
        }
    }

    /// Targets the function `name`: `ServiceToken` becomes its ARN.
    #[must_use]
    pub fn for_function(self, name: &str) -> Self {
        self.with_service_token(function_arn(name))
    }

    /// Sets `ServiceToken` verbatim.
    #[must_use]
    pub fn with_service_token(mut self, arn: impl Into<String>) -> Self {
        self.service_token = arn.into();
        self
    }

    /// Sets `ResponseURL`.
    #[must_use]
    pub fn with_response_url(mut self, url: impl Into<String>) -> Self {
        self.response_url = Some(url.into());
        self
    }

    /// Sets `StackId`.
    #[must_use]
    pub fn with_stack_id(mut self, stack_id: impl Into<String>) -> Self {
        self.stack_id = stack_id.into();
        self
    }

    /// Sets `RequestId`.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = request_id.into();
        self
    }

    /// Sets `PhysicalResourceId` (present on `Update` and `Delete`).
    #[must_use]
    pub fn with_physical_resource_id(mut self, id: impl Into<String>) -> Self {
        self.physical_resource_id = Some(id.into());
        self
    }

    /// Sends numbers and booleans in the properties as they are, instead of as
    /// strings like CloudFormation does.
    #[must_use]
    pub fn keep_property_types(mut self) -> Self {
        self.stringify = false;
        self
    }

    /// `Create`, `Update` or `Delete`.
    pub fn request_type(&self) -> RequestType {
        self.request_type
    }

    /// `RequestId`.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// `ResourceType`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// `LogicalResourceId`.
    pub fn logical_resource_id(&self) -> &str {
        &self.logical_resource_id
    }

    /// `PhysicalResourceId`, if set.
    pub fn physical_resource_id(&self) -> Option<&str> {
        self.physical_resource_id.as_deref()
    }

    /// `ServiceToken`.
    pub fn service_token(&self) -> &str {
        &self.service_token
    }

    /// `ResponseURL`, if set.
    pub fn response_url(&self) -> Option<&str> {
        self.response_url.as_deref()
    }

    /// `StackId`.
    pub fn stack_id(&self) -> &str {
        &self.stack_id
    }

    /// The JSON event. `ResourceProperties` (and `OldResourceProperties`)
    /// include `ServiceToken`, as CloudFormation sends them. `ResponseURL` is
    /// left out when none was set.
    pub fn to_event(&self) -> Value {
        let mut event = Map::new();
        let mut put = |key: &str, value: Value| {
            event.insert(key.to_owned(), value);
        };
        put("RequestType", self.request_type.as_str().into());
        put("ServiceToken", self.service_token.clone().into());
        if let Some(url) = &self.response_url {
            put("ResponseURL", url.clone().into());
        }
        put("StackId", self.stack_id.clone().into());
        put("RequestId", self.request_id.clone().into());
        put("LogicalResourceId", self.logical_resource_id.clone().into());
        if let Some(id) = &self.physical_resource_id {
            put("PhysicalResourceId", id.clone().into());
        }
        put("ResourceType", self.resource_type.clone().into());
        put(
            "ResourceProperties",
            self.properties_value(&self.properties),
        );
        if let Some(old) = &self.old_properties {
            put("OldResourceProperties", self.properties_value(old));
        }
        Value::Object(event)
    }

    fn properties_value(&self, properties: &Value) -> Value {
        let mut map = match properties {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            other => return other.clone(),
        };
        map.insert("ServiceToken".into(), self.service_token.clone().into());
        let value = Value::Object(map);
        if self.stringify {
            stringify_scalars(value)
        } else {
            value
        }
    }
}

/// `arn:aws:cloudformation:us-east-1:123456789012:stack/<name>/<uuid>` with a fresh uuid.
pub fn new_stack_id(stack_name: &str) -> String {
    format!(
        "arn:aws:cloudformation:{}:{}:stack/{stack_name}/{}",
        crate::REGION,
        crate::ACCOUNT_ID,
        ids::uuid()
    )
}

/// Numbers and booleans become strings, recursively (what CloudFormation does
/// to a custom resource's properties).
pub fn stringify_scalars(value: Value) -> Value {
    match value {
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(stringify_scalars).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, stringify_scalars(v)))
                .collect(),
        ),
        other @ (Value::Null | Value::String(_)) => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_look_like_cloudformation() {
        let create = CfnRequest::create(
            "Custom::StudioDomain",
            "Domain",
            json!({"Port": 8080, "Tags": [{"Enabled": true}], "Name": "x"}),
        )
        .for_function("studio-domain")
        .with_response_url("http://127.0.0.1:9/responses/abc");
        let event = create.to_event();
        assert_eq!(event["RequestType"], "Create");
        assert_eq!(
            event["ServiceToken"],
            "arn:aws:lambda:us-east-1:123456789012:function:studio-domain"
        );
        assert_eq!(
            event["ResourceProperties"]["ServiceToken"],
            event["ServiceToken"]
        );
        assert_eq!(event["ResourceProperties"]["Port"], "8080");
        assert_eq!(event["ResourceProperties"]["Tags"][0]["Enabled"], "true");
        assert!(event.get("PhysicalResourceId").is_none());
        assert!(event.get("OldResourceProperties").is_none());
        assert!(event["StackId"].as_str().is_some_and(|s| {
            s.starts_with("arn:aws:cloudformation:us-east-1:123456789012:stack/harness-stack/")
        }));

        let update = create.update("d-1", json!({"Port": 1}), json!({"Port": 8080}));
        let event2 = update.to_event();
        assert_eq!(event2["RequestType"], "Update");
        assert_eq!(event2["PhysicalResourceId"], "d-1");
        assert_eq!(event2["OldResourceProperties"]["Port"], "8080");
        assert_eq!(
            event2["OldResourceProperties"]["ServiceToken"],
            event["ServiceToken"]
        );
        assert_eq!(event2["StackId"], event["StackId"]);
        assert_eq!(event2["ResponseURL"], event["ResponseURL"]);
        assert_ne!(event2["RequestId"], event["RequestId"]);

        let raw = create.keep_property_types().to_event();
        assert_eq!(raw["ResourceProperties"]["Port"], 8080);
    }
}
