//! Why a function cannot start with its environment: each function reads its configuration
//! once, at cold start, from environment variables, and fails there — naming the variable —
//! rather than mid-request.

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

#[cfg(test)]
mod tests {
    use super::*;

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
