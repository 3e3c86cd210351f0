//! Why a function cannot start with its environment: each function reads its configuration
//! once, at cold start, from environment variables, and fails there — naming the variable —
//! rather than mid-request.
//!
//! Lists in a variable are comma-separated ([`comma_list`]): CloudFormation hands a
//! `CommaDelimitedList` parameter to `!Join [",", ...]` or a `String` parameter to the variable
//! as the admin typed it, so blanks around items and empty items (`a, b,`) are forgiven.

/// A configuration the function cannot start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{variable} is required: {expected}")]
    Missing {
        variable: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
    /// A variable holds something the function cannot use.
    #[error("{variable}={value:?} is invalid: {expected}")]
    Invalid {
        variable: &'static str,
        value: String,
        /// What it should hold.
        expected: String,
    },
}

impl ConfigError {
    /// `variable` holds `value`, which is not `expected`.
    pub fn invalid(variable: &'static str, value: &str, expected: impl Into<String>) -> Self {
        Self::Invalid {
            variable,
            value: value.to_owned(),
            expected: expected.into(),
        }
    }

    /// The variable at fault.
    pub fn variable(&self) -> &'static str {
        match self {
            Self::Missing { variable, .. } | Self::Invalid { variable, .. } => variable,
        }
    }
}

/// The items of a comma-separated list, trimmed, in order, empty items dropped (`" a, b,,"` is
/// `["a", "b"]`). Each function checks the items against what it accepts.
pub fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comma_list_is_its_trimmed_non_empty_items_in_order() {
        assert_eq!(comma_list(" b, a,,c ,"), ["b", "a", "c"]);
        assert!(comma_list("").is_empty());
        assert!(comma_list(" , ").is_empty());
    }

    #[test]
    fn a_config_error_names_the_variable_and_what_it_should_hold() {
        let missing = ConfigError::Missing {
            variable: "DOMAIN_ID",
            expected: "the id of the Studio domain",
        };
        assert_eq!(
            missing.to_string(),
            "DOMAIN_ID is required: the id of the Studio domain"
        );
        assert_eq!(missing.variable(), "DOMAIN_ID");

        let invalid = ConfigError::invalid("DRY_RUN", "maybe", "expected true or false");
        assert_eq!(
            invalid.to_string(),
            "DRY_RUN=\"maybe\" is invalid: expected true or false"
        );
        assert_eq!(invalid.variable(), "DRY_RUN");
    }
}
