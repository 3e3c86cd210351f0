//! Typed resource properties from what CloudFormation sends.
//!
//! CloudFormation passes every scalar property as a string (`"true"`, `"14"`), lists as lists of
//! strings and nested objects of strings. Property structs derive `Deserialize` and use the
//! `deserialize_with` functions here for non-string scalars (the scalar ones are
//! `lambda_support::scalars`, shared with the functions that are not custom resources); [`parse`] turns a failure into a
//! [`ResourceError::InvalidProperty`] that names the property and what was expected.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::ResourceError;

pub use lambda_support::scalars::{boolean, integer, optional_boolean, optional_integer};

/// Properties CloudFormation itself adds; they are the protocol's, not the resource's.
pub(crate) const PROTOCOL_PROPERTIES: [&str; 2] = ["ServiceToken", "ServiceTimeout"];

/// Parses a resource's properties (without `ServiceToken`/`ServiceTimeout`) into `P`.
pub fn parse<P: DeserializeOwned>(properties: &Value) -> Result<P, ResourceError> {
    let mut resource_properties = properties.clone();
    if let Value::Object(map) = &mut resource_properties {
        for key in PROTOCOL_PROPERTIES {
            map.remove(key);
        }
    }
    serde_path_to_error::deserialize(resource_properties).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        describe_failure(&path, &message)
    })
}

/// Turns serde's message into one that names the property in CloudFormation's terms.
fn describe_failure(path: &str, message: &str) -> ResourceError {
    if let Some(field) = between_backticks(message, "missing field `") {
        let property = join_path(path, &field);
        return ResourceError::invalid_property(property, "is required but was not given");
    }
    if let Some(field) = between_backticks(message, "unknown field `") {
        // The path already ends at the unknown field.
        let property = if path.ends_with(&field) {
            path.to_owned()
        } else {
            join_path(path, &field)
        };
        let expected = message
            .split_once(", expected ")
            .map(|(_, rest)| format!("is not a supported property (expected {rest})"))
            .unwrap_or_else(|| "is not a supported property".to_owned());
        return ResourceError::invalid_property(property, expected);
    }
    let property = if path == "." {
        "ResourceProperties".to_owned()
    } else {
        path.to_owned()
    };
    ResourceError::invalid_property(property, message.to_owned())
}

fn between_backticks(message: &str, prefix: &str) -> Option<String> {
    let start = message.find(prefix)? + prefix.len();
    let rest = &message[start..];
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

fn join_path(path: &str, field: &str) -> String {
    if path == "." || path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// A list of strings; a single string is taken as a one-item list, and a comma-separated
/// string (what a `CommaDelimitedList` parameter becomes when joined) is split.
pub fn string_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                other => Err(D::Error::custom(format!(
                    "expected a list of strings, got an item {other}"
                ))),
            })
            .collect(),
        // A `CommaDelimitedList` parameter handed over joined: the same reading as a list in a
        // function's environment.
        Value::String(text) => Ok(lambda_support::environment::comma_list(&text)),
        other => Err(D::Error::custom(format!(
            "expected a list of strings, got {other}"
        ))),
    }
}

/// An optional [`string_list`]; use with `#[serde(default)]`.
pub fn optional_string_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    string_list(deserializer).map(Some)
}

/// A resource tag as CloudFormation templates write them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase", deny_unknown_fields)]
    struct Example {
        name: String,
        #[serde(default, deserialize_with = "optional_boolean")]
        enabled: Option<bool>,
        #[serde(default, deserialize_with = "optional_integer")]
        retention_days: Option<u32>,
        #[serde(deserialize_with = "string_list")]
        subnet_ids: Vec<String>,
        #[serde(default)]
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase", deny_unknown_fields)]
    struct Nested {
        #[serde(deserialize_with = "integer")]
        size_in_gb: u32,
    }

    #[test]
    fn strings_from_cloudformation_become_typed_values() {
        let parsed: Example = parse(&json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "ServiceTimeout": "600",
            "Name": "a", "Enabled": "True", "RetentionDays": "14",
            "SubnetIds": ["subnet-1", "subnet-2"],
            "Nested": {"SizeInGb": "5"}
        }))
        .unwrap();
        assert_eq!(parsed.name, "a");
        assert_eq!(parsed.enabled, Some(true));
        assert_eq!(parsed.retention_days, Some(14));
        assert_eq!(parsed.subnet_ids, vec!["subnet-1", "subnet-2"]);
        assert_eq!(parsed.nested.unwrap().size_in_gb, 5);
    }

    #[test]
    fn native_json_values_are_accepted_too() {
        let parsed: Example = parse(&json!({
            "Name": "a", "Enabled": false, "RetentionDays": 3, "SubnetIds": "subnet-1, subnet-2"
        }))
        .unwrap();
        assert_eq!(parsed.enabled, Some(false));
        assert_eq!(parsed.retention_days, Some(3));
        assert_eq!(parsed.subnet_ids, vec!["subnet-1", "subnet-2"]);
    }

    #[test]
    fn a_missing_property_is_named() {
        let error = parse::<Example>(&json!({"SubnetIds": []})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid property Name: is required but was not given"
        );
    }

    #[test]
    fn a_malformed_nested_property_is_named_by_its_path() {
        let error = parse::<Example>(&json!({
            "Name": "a", "SubnetIds": [], "Nested": {"SizeInGb": "five"}
        }))
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(
                "Invalid property Nested.SizeInGb: expected a whole number, got \"five\""
            ),
            "{message}"
        );
    }

    #[test]
    fn an_unknown_property_is_refused_with_the_supported_ones() {
        let error =
            parse::<Example>(&json!({"Name": "a", "SubnetIds": [], "Enabld": "true"})).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(
                "Invalid property Enabld: is not a supported property (expected one of"
            ),
            "{message}"
        );
    }

    #[test]
    fn a_boolean_that_is_not_true_or_false_is_refused() {
        let error =
            parse::<Example>(&json!({"Name": "a", "SubnetIds": [], "Enabled": "yes"})).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("Enabled: expected \"true\" or \"false\""),
            "{error}"
        );
    }
}
