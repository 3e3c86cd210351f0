//! The function's configuration, read once at cold start from its environment.

use std::{collections::BTreeSet, time::Duration};

pub use lambda_support::ConfigError;
use studio_sagemaker::identifiers::is_domain_id;

/// The Studio domain whose profiles the function signs into (required).
pub const DOMAIN_ID: &str = "DOMAIN_ID";
/// How long the Studio session lasts, in seconds (1800–43200, default 43200).
pub const SESSION_EXPIRATION_DURATION_IN_SECONDS: &str = "SESSION_EXPIRATION_DURATION_IN_SECONDS";
/// How long the presigned URL itself may be used, in seconds (5–300, default 60).
pub const EXPIRES_IN_SECONDS: &str = "EXPIRES_IN_SECONDS";
/// Comma-separated account ids whose callers may sign in (default: the function's own account).
pub const ALLOWED_ACCOUNT_IDS: &str = "ALLOWED_ACCOUNT_IDS";
/// Comma-separated role names whose session names the admin vouches for: each role's trust
/// policy lets only an identity provider (AssumeRoleWithSAML) name its sessions, or binds
/// `sts:RoleSessionName` to the caller's own identity. Sessions of other roles never sign in,
/// except IAM Identity Center's (`AWSReservedSSO_*`). Default: none.
pub const TRUSTED_SESSION_ROLE_NAMES: &str = "TRUSTED_SESSION_ROLE_NAMES";
/// The variable `TRUSTED_SESSION_ROLE_NAMES` replaced: it only filtered which roles' sessions
/// could sign in, and believed any session name of them. A function still given it refuses to
/// start, rather than silently trust less or more than its admin meant.
pub const ALLOWED_ROLE_NAMES: &str = "ALLOWED_ROLE_NAMES";
/// How long the index of `studiouserid` tags is reused, in seconds (0–3600, default 300).
pub const PROFILE_INDEX_TTL_SECONDS: &str = "PROFILE_INDEX_TTL_SECONDS";

const SESSION_EXPIRATION_RANGE: (u32, u32) = (1800, 43200);
const EXPIRES_IN_RANGE: (u32, u32) = (5, 300);
const PROFILE_INDEX_TTL_RANGE: (u32, u32) = (0, 3600);

/// Everything the function is told by its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The Studio domain (`d-…`).
    pub domain_id: String,
    /// `SessionExpirationDurationInSeconds` of every URL.
    pub session_expiration_seconds: u32,
    /// `ExpiresInSeconds` of every URL.
    pub expires_in_seconds: u32,
    /// The accounts whose callers are allowed; `None`: only the function's own account.
    pub allowed_account_ids: Option<BTreeSet<String>>,
    /// The roles whose session names are trusted (besides IAM Identity Center's).
    pub trusted_session_role_names: BTreeSet<String>,
    /// How long the tag index is reused before it is rebuilt.
    pub profile_index_ttl: Duration,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable's value, if set). An empty or
    /// blank value counts as unset, since templates pass empty parameters through.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let read = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let domain_id = read(DOMAIN_ID).ok_or(ConfigError::Missing {
            variable: DOMAIN_ID,
            expected: "the id of the Studio domain (d-…)",
        })?;
        if !is_domain_id(&domain_id) {
            return Err(ConfigError::Invalid {
                variable: DOMAIN_ID,
                value: domain_id,
                expected: "a Studio domain id matching ^d-(-*[a-z0-9]){1,61}$".to_owned(),
            });
        }
        if let Some(value) = read(ALLOWED_ROLE_NAMES) {
            return Err(ConfigError::Invalid {
                variable: ALLOWED_ROLE_NAMES,
                value,
                expected: format!(
                    "unset: it is replaced by {TRUSTED_SESSION_ROLE_NAMES}, which lists only roles \
                     whose session names an identity provider sets (see the README)"
                ),
            });
        }
        Ok(Self {
            domain_id,
            session_expiration_seconds: seconds(
                SESSION_EXPIRATION_DURATION_IN_SECONDS,
                read(SESSION_EXPIRATION_DURATION_IN_SECONDS),
                SESSION_EXPIRATION_RANGE,
                43200,
            )?,
            expires_in_seconds: seconds(
                EXPIRES_IN_SECONDS,
                read(EXPIRES_IN_SECONDS),
                EXPIRES_IN_RANGE,
                60,
            )?,
            allowed_account_ids: list(
                ALLOWED_ACCOUNT_IDS,
                read(ALLOWED_ACCOUNT_IDS),
                crate::identity::is_account_id,
            )?,
            trusted_session_role_names: list(
                TRUSTED_SESSION_ROLE_NAMES,
                read(TRUSTED_SESSION_ROLE_NAMES),
                crate::identity::is_iam_name,
            )?
            .unwrap_or_default(),
            profile_index_ttl: Duration::from_secs(u64::from(seconds(
                PROFILE_INDEX_TTL_SECONDS,
                read(PROFILE_INDEX_TTL_SECONDS),
                PROFILE_INDEX_TTL_RANGE,
                300,
            )?)),
        })
    }
}

#[cfg(test)]
impl Config {
    /// The configuration of a function given only `DOMAIN_ID`: every other setting its default.
    pub(crate) fn with_defaults(domain_id: &str) -> Self {
        Self::from_lookup(|name| (name == DOMAIN_ID).then(|| domain_id.to_owned()))
            .expect("a valid domain id")
    }
}

fn seconds(
    variable: &'static str,
    value: Option<String>,
    (min, max): (u32, u32),
    default: u32,
) -> Result<u32, ConfigError> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.parse::<u32>() {
        Ok(parsed) if (min..=max).contains(&parsed) => Ok(parsed),
        _ => Err(ConfigError::Invalid {
            variable,
            value,
            expected: format!("a whole number of seconds from {min} to {max}"),
        }),
    }
}

fn list(
    variable: &'static str,
    value: Option<String>,
    valid: impl Fn(&str) -> bool,
) -> Result<Option<BTreeSet<String>>, ConfigError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let items: BTreeSet<String> = lambda_support::environment::comma_list(&value)
        .into_iter()
        .collect();
    match items.iter().find(|item| !valid(item)) {
        Some(bad) => Err(ConfigError::Invalid {
            variable,
            value,
            expected: format!(
                "a comma-separated list; {bad:?} is not {}",
                match variable {
                    ALLOWED_ACCOUNT_IDS => "a 12-digit account id",
                    _ => "an IAM role name",
                }
            ),
        }),
        None if items.is_empty() => Ok(None),
        None => Ok(Some(items)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn only_the_domain_is_required_and_the_rest_has_defaults() {
        let config = config(&[(DOMAIN_ID, "d-abc123def456")]).expect("valid");
        assert_eq!(
            config,
            Config {
                domain_id: "d-abc123def456".into(),
                session_expiration_seconds: 43200,
                expires_in_seconds: 60,
                allowed_account_ids: None,
                trusted_session_role_names: BTreeSet::new(),
                profile_index_ttl: Duration::from_secs(300),
            }
        );
    }

    #[test]
    fn a_missing_domain_names_the_variable() {
        let error = config(&[(EXPIRES_IN_SECONDS, "30")]).expect_err("no domain");
        assert_eq!(
            error.to_string(),
            "DOMAIN_ID is required: the id of the Studio domain (d-…)"
        );
        assert!(matches!(
            config(&[(DOMAIN_ID, "  ")]),
            Err(ConfigError::Missing { .. })
        ));
    }

    #[test]
    fn a_domain_id_must_look_like_one() {
        for bad in ["abc", "d-", "d-ABC", "d-abc-", "d-a_b"] {
            let error = config(&[(DOMAIN_ID, bad)]).expect_err(bad);
            assert!(error.to_string().starts_with("DOMAIN_ID="), "{error}");
        }
        assert!(config(&[(DOMAIN_ID, "d-a-b1")]).is_ok());
    }

    #[test]
    fn durations_outside_the_api_limits_are_refused_at_start() {
        let domain = (DOMAIN_ID, "d-abc123def456");
        for (variable, value) in [
            (SESSION_EXPIRATION_DURATION_IN_SECONDS, "1799"),
            (SESSION_EXPIRATION_DURATION_IN_SECONDS, "43201"),
            (EXPIRES_IN_SECONDS, "4"),
            (EXPIRES_IN_SECONDS, "301"),
            (EXPIRES_IN_SECONDS, "sixty"),
            (PROFILE_INDEX_TTL_SECONDS, "3601"),
        ] {
            let error = config(&[domain, (variable, value)]).expect_err(value);
            assert!(
                error.to_string().starts_with(&format!("{variable}=")),
                "{error}"
            );
        }
        let config = config(&[
            domain,
            (SESSION_EXPIRATION_DURATION_IN_SECONDS, "1800"),
            (EXPIRES_IN_SECONDS, "300"),
            (PROFILE_INDEX_TTL_SECONDS, "0"),
        ])
        .expect("bounds are inclusive");
        assert_eq!(config.session_expiration_seconds, 1800);
        assert_eq!(config.expires_in_seconds, 300);
        assert_eq!(config.profile_index_ttl, Duration::ZERO);
    }

    #[test]
    fn allow_lists_are_comma_separated_and_checked() {
        let config = config(&[
            (DOMAIN_ID, "d-abc123def456"),
            (ALLOWED_ACCOUNT_IDS, " 111122223333, 444455556666 ,"),
            (TRUSTED_SESSION_ROLE_NAMES, "DataScientists,PartnerAnalysts"),
        ])
        .expect("valid lists");
        assert_eq!(
            config.allowed_account_ids,
            Some(["111122223333".into(), "444455556666".into()].into())
        );
        assert_eq!(
            config.trusted_session_role_names,
            ["DataScientists".into(), "PartnerAnalysts".into()].into()
        );
    }

    #[test]
    fn a_malformed_allow_list_entry_is_refused() {
        let error = config(&[(DOMAIN_ID, "d-abc123def456"), (ALLOWED_ACCOUNT_IDS, "1234")])
            .expect_err("short account id");
        assert!(
            error
                .to_string()
                .contains("\"1234\" is not a 12-digit account id"),
            "{error}"
        );
        let error = config(&[
            (DOMAIN_ID, "d-abc123def456"),
            (TRUSTED_SESSION_ROLE_NAMES, "role/with/path"),
        ])
        .expect_err("a path is not a role name");
        assert!(
            error.to_string().contains("is not an IAM role name"),
            "{error}"
        );
    }

    #[test]
    fn an_empty_allow_list_means_the_default() {
        let config = config(&[
            (DOMAIN_ID, "d-abc123def456"),
            (ALLOWED_ACCOUNT_IDS, ""),
            (TRUSTED_SESSION_ROLE_NAMES, " , "),
        ])
        .expect("empty lists");
        assert_eq!(config.allowed_account_ids, None);
        assert!(config.trusted_session_role_names.is_empty());
    }

    #[test]
    fn the_replaced_allowed_role_names_refuses_to_start_naming_its_successor() {
        let error = config(&[
            (DOMAIN_ID, "d-abc123def456"),
            (ALLOWED_ROLE_NAMES, "DataScientists"),
        ])
        .expect_err("the old variable");
        let text = error.to_string();
        assert!(
            text.starts_with("ALLOWED_ROLE_NAMES=") && text.contains(TRUSTED_SESSION_ROLE_NAMES),
            "{text}"
        );
    }
}
