//! Scalars given natively or as strings: CloudFormation passes every scalar property as a
//! string (`"true"`, `"14"`), and a scheduler's or a person's JSON input may do the same.
//! Use with `#[serde(deserialize_with = "…")]` (and `#[serde(default)]` for the optional ones).

use std::fmt::Display;
use std::str::FromStr;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A value given either natively or as the string CloudFormation makes of it.
fn from_native_or_string<'de, D, T>(deserializer: D, expected: &str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + DeserializeOwned,
    T::Err: Display,
{
    match Value::deserialize(deserializer)? {
        Value::String(text) => text.trim().parse().map_err(|error| {
            D::Error::custom(format!("expected {expected}, got \"{text}\" ({error})"))
        }),
        native => T::deserialize(native)
            .map_err(|error| D::Error::custom(format!("expected {expected} ({error})"))),
    }
}

/// `true`/`false`, or the strings `"true"`/`"false"` in any case.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Bool(value) => Ok(value),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(D::Error::custom(format!(
            "expected \"true\" or \"false\", got {other}"
        ))),
    }
}

/// An optional [`boolean`]; use with `#[serde(default)]`.
pub fn optional_boolean<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    boolean(deserializer).map(Some)
}

/// A whole number, or its string.
pub fn integer<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + DeserializeOwned,
    T::Err: Display,
{
    from_native_or_string(deserializer, "a whole number")
}

/// An optional [`integer`]; use with `#[serde(default)]`.
pub fn optional_integer<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + DeserializeOwned,
    T::Err: Display,
{
    integer(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Input {
        #[serde(default, deserialize_with = "super::optional_boolean")]
        dry_run: Option<bool>,
        #[serde(default, deserialize_with = "super::optional_integer")]
        days: Option<u32>,
    }

    fn read(input: serde_json::Value) -> Result<Input, serde_json::Error> {
        serde_json::from_value(input)
    }

    #[test]
    fn a_boolean_is_read_natively_or_from_its_string_in_any_case() {
        assert_eq!(read(json!({"DryRun": true})).unwrap().dry_run, Some(true));
        assert_eq!(
            read(json!({"DryRun": "FALSE"})).unwrap().dry_run,
            Some(false)
        );
        assert_eq!(read(json!({})).unwrap().dry_run, None);
        let error = read(json!({"DryRun": "yes"})).unwrap_err().to_string();
        assert!(error.contains("expected \"true\" or \"false\""), "{error}");
    }

    #[test]
    fn a_whole_number_is_read_natively_or_from_its_string() {
        assert_eq!(read(json!({"Days": 3})).unwrap().days, Some(3));
        assert_eq!(read(json!({"Days": " 14 "})).unwrap().days, Some(14));
        let error = read(json!({"Days": "five"})).unwrap_err().to_string();
        assert!(
            error.contains("expected a whole number, got \"five\""),
            "{error}"
        );
    }
}
