//! The function's configuration, read once from the environment at cold start.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub use lambda_support::ConfigError;
use studio_sagemaker::identifiers::is_domain_id;

use crate::report::ResourceType;

/// Variables of the old idle rule, which cannot fire on AWS (DescribeApp's
/// `LastUserActivityTimestamp` "is also updated when SageMaker AI performs health checks",
/// API reference), and what replaces each: a function given one refuses to start.
pub const REMOVED_VARIABLES: [(&str, &str); 3] = [
    (
        "IDLE_APP_MINUTES",
        "Studio's own idle shutdown (IDLE_SHUTDOWN_DRIFT, IDLE_SHUTDOWN_MAX_MINUTES) for JupyterLab and Code Editor, MAX_APP_LIFETIME_HOURS for the other app types",
    ),
    (
        "IDLE_APPS_ENABLED",
        "IDLE_SHUTDOWN_DRIFT (report|repair|off) and MAX_APP_LIFETIME_HOURS",
    ),
    (
        "IDLE_APP_TYPES",
        "MAX_APP_LIFETIME_HOURS (per app type, e.g. KernelGateway=12,Canvas=8)",
    ),
];

/// What the idle-shutdown drift rule does with what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftMode {
    /// Not checked.
    Off,
    /// Reported (and counted), not changed.
    Report,
    /// Repaired with UpdateUserProfile / UpdateSpace.
    Repair,
}

/// The value of the exempt tag that protects a resource.
pub const EXEMPT_VALUE: &str = "exempt";

/// What the cleanup does, and how hard it may push the APIs.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `DOMAIN_IDS`: the domains whose apps are checked; empty = every domain tagged
    /// `studio-catalog:managed=true`.
    pub domain_ids: Vec<String>,
    /// `IDLE_SHUTDOWN_DRIFT` (`off`, `report` — the default — or `repair`): profiles and spaces
    /// whose idle shutdown is off or longer than the maximum.
    pub idle_shutdown_drift: DriftMode,
    /// `IDLE_SHUTDOWN_MAX_MINUTES`: the longest idle timeout allowed; unset = each domain's
    /// `MaxIdleTimeoutInMinutes` default (or no maximum if it has none).
    pub idle_shutdown_max_minutes: Option<i32>,
    /// `MAX_APP_LIFETIME_HOURS` (`KernelGateway=12,Canvas=8`): the longest an `InService` app of
    /// a listed type may live, from its `CreationTime`; empty = off.
    pub max_app_lifetime: BTreeMap<String, Duration>,
    /// `WARNING_GRACE_MINUTES` (default 60): how long after the warning a destructive action
    /// waits; 0 = act on the first run, without a warning.
    pub warning_grace: Duration,
    /// `EVENT_BUS_NAME` (default `default`): where warnings and actions are published.
    pub event_bus_name: String,
    /// `METRICS_NAMESPACE` (default `StudioCatalog/Cleanup`): the embedded-metric namespace.
    pub metrics_namespace: String,
    /// `HOURLY_PRICES` (a JSON object of instance type to USD per hour): over the built-in table.
    pub hourly_prices: BTreeMap<String, f64>,
    /// `WARNING_PARAMETER_PATH` (default `/studio-catalog/cleanup/warnings`): where the warnings
    /// of provisioned products (which have no tag API outside an update) are kept, one SSM
    /// parameter per product.
    pub warning_parameter_path: String,
    /// `EXPIRED_RESOURCES_ENABLED` (default `true`): rule 2, resources past their expiry tag.
    pub expired: bool,
    /// `EXPIRED_RESOURCE_TYPES`: the resource types rule 2 handles (default all four).
    pub expired_types: BTreeSet<ResourceType>,
    /// `EXPIRES_AT_TAG_KEY` (default `expires-at`): the tag holding an RFC 3339 expiry time.
    pub expires_at_tag: String,
    /// `EXEMPT_TAG_KEY` (default `cleanup`): a resource with `<key>=exempt` is never touched.
    pub exempt_tag: String,
    /// `DRY_RUN` (default `false`): report what would be done, do nothing.
    pub dry_run: bool,
    /// `CONCURRENCY` (default 8, 1–64): API calls in flight at once.
    pub concurrency: usize,
    /// `DEADLINE_MARGIN_SECONDS` (default 30): no new work is started when less than this is
    /// left before the invocation's deadline; work still running at a third of it is abandoned.
    pub deadline_margin: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            domain_ids: Vec::new(),
            idle_shutdown_drift: DriftMode::Report,
            idle_shutdown_max_minutes: None,
            max_app_lifetime: BTreeMap::new(),
            warning_grace: Duration::from_secs(60 * 60),
            event_bus_name: "default".to_owned(),
            metrics_namespace: crate::metrics::DEFAULT_NAMESPACE.to_owned(),
            hourly_prices: crate::prices::default_hourly_prices(),
            warning_parameter_path: "/studio-catalog/cleanup/warnings".to_owned(),
            expired: true,
            expired_types: ResourceType::EXPIRABLE.into_iter().collect(),
            expires_at_tag: "expires-at".to_owned(),
            exempt_tag: "cleanup".to_owned(),
            dry_run: false,
            concurrency: 8,
            deadline_margin: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    /// Unset and empty variables take their defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        for (variable, replacement) in REMOVED_VARIABLES {
            if let Some(value) = get(variable) {
                return Err(ConfigError::invalid(
                    variable,
                    &value,
                    format!("the idle rule is gone; use {replacement}"),
                ));
            }
        }
        let mut config = Self::default();
        if let Some(value) = get("DOMAIN_IDS") {
            config.domain_ids = domain_ids(&value)?;
        }
        if let Some(value) = get("IDLE_SHUTDOWN_DRIFT") {
            config.idle_shutdown_drift = drift_mode(&value)?;
        }
        if let Some(value) = get("IDLE_SHUTDOWN_MAX_MINUTES") {
            // The API's range of an idle timeout (`IdleTimeoutInMinutes`, botocore model).
            let (min, max) = studio_sagemaker::ports::API_IDLE_TIMEOUT_MINUTES;
            // (both bounds are positive constants: the casts are exact)
            let minutes = whole(
                "IDLE_SHUTDOWN_MAX_MINUTES",
                &value,
                min as usize,
                max as usize,
            )?;
            config.idle_shutdown_max_minutes = i32::try_from(minutes).ok();
        }
        if let Some(value) = get("MAX_APP_LIFETIME_HOURS") {
            config.max_app_lifetime = lifetimes(&value)?;
        }
        if let Some(value) = get("WARNING_GRACE_MINUTES") {
            config.warning_grace = minutes("WARNING_GRACE_MINUTES", &value)?;
        }
        if let Some(value) = get("EVENT_BUS_NAME") {
            config.event_bus_name = value.trim().to_owned();
        }
        if let Some(value) = get("METRICS_NAMESPACE") {
            config.metrics_namespace = value.trim().to_owned();
        }
        if let Some(value) = get("HOURLY_PRICES") {
            config
                .hourly_prices
                .extend(crate::prices::hourly_prices(&value)?);
        }
        if let Some(value) = get("WARNING_PARAMETER_PATH") {
            config.warning_parameter_path = parameter_path(&value)?;
        }
        if let Some(value) = get("EXPIRED_RESOURCES_ENABLED") {
            config.expired = boolean("EXPIRED_RESOURCES_ENABLED", &value)?;
        }
        if let Some(value) = get("EXPIRED_RESOURCE_TYPES") {
            config.expired_types = resource_types(&value)?;
        }
        if let Some(value) = get("EXPIRES_AT_TAG_KEY") {
            config.expires_at_tag = tag_key("EXPIRES_AT_TAG_KEY", &value)?;
        }
        if let Some(value) = get("EXEMPT_TAG_KEY") {
            config.exempt_tag = tag_key("EXEMPT_TAG_KEY", &value)?;
        }
        if let Some(value) = get("DRY_RUN") {
            config.dry_run = boolean("DRY_RUN", &value)?;
        }
        if let Some(value) = get("CONCURRENCY") {
            config.concurrency = whole("CONCURRENCY", &value, 1, 64)?;
        }
        if let Some(value) = get("DEADLINE_MARGIN_SECONDS") {
            config.deadline_margin = seconds("DEADLINE_MARGIN_SECONDS", &value)?;
        }
        if config.exempt_tag == config.expires_at_tag {
            return Err(ConfigError::invalid(
                "EXEMPT_TAG_KEY",
                &config.exempt_tag,
                "must differ from EXPIRES_AT_TAG_KEY",
            ));
        }
        Ok(config)
    }

    /// Whether rule 2 handles `resource_type`.
    pub fn expires(&self, resource_type: ResourceType) -> bool {
        self.expired && self.expired_types.contains(&resource_type)
    }

    /// The longest an app of `app_type` may live, if the lifetime rule covers the type.
    pub fn max_lifetime(&self, app_type: &str) -> Option<Duration> {
        self.max_app_lifetime.get(app_type).copied()
    }

    /// Whether a destructive action is announced first.
    pub fn warns_first(&self) -> bool {
        !self.warning_grace.is_zero()
    }
}

fn items(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
}

fn boolean(variable: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError::invalid(
            variable,
            value,
            "expected true or false",
        )),
    }
}

fn whole(
    variable: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<usize, ConfigError> {
    match value.trim().parse::<usize>() {
        Ok(number) if (min..=max).contains(&number) => Ok(number),
        _ => Err(ConfigError::invalid(
            variable,
            value,
            format!("expected a whole number from {min} to {max}"),
        )),
    }
}

fn positive_number(variable: &'static str, value: &str) -> Result<f64, ConfigError> {
    match value.trim().parse::<f64>() {
        Ok(number) if (0.0..=1e7).contains(&number) => Ok(number),
        _ => Err(ConfigError::invalid(
            variable,
            value,
            "expected a number of at least 0",
        )),
    }
}

fn minutes(variable: &'static str, value: &str) -> Result<Duration, ConfigError> {
    positive_number(variable, value).map(|m| Duration::from_secs_f64(m * 60.0))
}

fn seconds(variable: &'static str, value: &str) -> Result<Duration, ConfigError> {
    positive_number(variable, value).map(Duration::from_secs_f64)
}

fn domain_ids(value: &str) -> Result<Vec<String>, ConfigError> {
    let mut ids: Vec<String> = Vec::new();
    for id in items(value) {
        if !is_domain_id(id) {
            return Err(ConfigError::invalid(
                "DOMAIN_IDS",
                value,
                format!("{id:?} is not a domain id (d-…)"),
            ));
        }
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

fn drift_mode(value: &str) -> Result<DriftMode, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "off" => Ok(DriftMode::Off),
        "report" => Ok(DriftMode::Report),
        "repair" => Ok(DriftMode::Repair),
        _ => Err(ConfigError::invalid(
            "IDLE_SHUTDOWN_DRIFT",
            value,
            "expected report, repair or off",
        )),
    }
}

/// `Type=hours,…`, each type one of the API's `AppType` enum (as the SDK's model lists it).
fn lifetimes(value: &str) -> Result<BTreeMap<String, Duration>, ConfigError> {
    let known_app_types = aws_sdk_sagemaker::types::AppType::values();
    let mut lifetimes = BTreeMap::new();
    for item in items(value) {
        let bad = |why: String| ConfigError::invalid("MAX_APP_LIFETIME_HOURS", value, why);
        let (app_type, hours) = item
            .split_once('=')
            .ok_or_else(|| bad(format!("{item:?} is not Type=hours")))?;
        let known = known_app_types
            .iter()
            .find(|known| known.eq_ignore_ascii_case(app_type.trim()))
            .ok_or_else(|| {
                bad(format!(
                    "{app_type:?} is not one of {}",
                    known_app_types.join(", ")
                ))
            })?;
        let hours = positive_number("MAX_APP_LIFETIME_HOURS", hours)?;
        if hours <= 0.0 {
            return Err(bad(format!(
                "{item:?}: the lifetime must be more than 0 hours"
            )));
        }
        lifetimes.insert((*known).to_owned(), Duration::from_secs_f64(hours * 3600.0));
    }
    Ok(lifetimes)
}

/// An SSM parameter hierarchy: `/a/b`, without a trailing slash.
fn parameter_path(value: &str) -> Result<String, ConfigError> {
    let path = value.trim().trim_end_matches('/');
    let valid = path.starts_with('/')
        && path.len() > 1
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c))
        && !path.to_ascii_lowercase().starts_with("/aws")
        && !path.to_ascii_lowercase().starts_with("/ssm");
    if !valid {
        return Err(ConfigError::invalid(
            "WARNING_PARAMETER_PATH",
            value,
            "expected an SSM parameter path like /studio-catalog/cleanup/warnings",
        ));
    }
    Ok(path.to_owned())
}

fn resource_types(value: &str) -> Result<BTreeSet<ResourceType>, ConfigError> {
    items(value)
        .map(|item| {
            // `user_profile`, `UserProfile` and `userprofile` name the same type.
            let wanted = item.replace('_', "").to_ascii_lowercase();
            ResourceType::EXPIRABLE
                .into_iter()
                .find(|known| known.as_str().replace('_', "") == wanted)
                .ok_or_else(|| {
                    let known: Vec<&str> =
                        ResourceType::EXPIRABLE.iter().map(|t| t.as_str()).collect();
                    ConfigError::invalid(
                        "EXPIRED_RESOURCE_TYPES",
                        value,
                        format!("{item:?} is not one of {}", known.join(", ")),
                    )
                })
        })
        .collect()
}

fn tag_key(variable: &'static str, value: &str) -> Result<String, ConfigError> {
    let key = value.trim();
    if key.is_empty() || key.len() > 128 || key.starts_with("aws:") {
        return Err(ConfigError::invalid(
            variable,
            value,
            "expected a tag key (1–128 characters, not aws:…)",
        ));
    }
    Ok(key.to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn an_empty_environment_gives_the_documented_defaults() {
        let config = config(&[]).expect("defaults");
        assert!(config.domain_ids.is_empty());
        assert!(config.expired && !config.dry_run);
        assert_eq!(config.idle_shutdown_drift, DriftMode::Report);
        assert_eq!(config.idle_shutdown_max_minutes, None);
        assert!(
            config.max_app_lifetime.is_empty(),
            "the lifetime rule is off"
        );
        assert_eq!(config.warning_grace, Duration::from_secs(3600));
        assert!(config.warns_first());
        assert_eq!(config.event_bus_name, "default");
        assert_eq!(config.metrics_namespace, "StudioCatalog/Cleanup");
        assert_eq!(
            config.warning_parameter_path,
            "/studio-catalog/cleanup/warnings"
        );
        for resource_type in ResourceType::EXPIRABLE {
            assert!(config.expires(resource_type), "{resource_type:?}");
        }
        assert_eq!(
            (config.expires_at_tag.as_str(), config.exempt_tag.as_str()),
            ("expires-at", "cleanup")
        );
        assert_eq!(config.concurrency, 8);
        assert_eq!(config.deadline_margin, Duration::from_secs(30));
    }

    #[test]
    fn every_setting_is_read_from_its_variable() {
        let config = config(&[
            ("DOMAIN_IDS", "d-abc123, d-def456 d-abc123"),
            ("IDLE_SHUTDOWN_DRIFT", "Repair"),
            ("IDLE_SHUTDOWN_MAX_MINUTES", "240"),
            ("MAX_APP_LIFETIME_HOURS", "kernelgateway=12,Canvas=0.5"),
            ("WARNING_GRACE_MINUTES", "0"),
            ("EVENT_BUS_NAME", "platform"),
            ("METRICS_NAMESPACE", "Team/Cleanup"),
            (
                "HOURLY_PRICES",
                r#"{"ml.t3.medium": 0.07, "ml.custom.large": 1.5}"#,
            ),
            ("WARNING_PARAMETER_PATH", "/team/warnings/"),
            ("EXPIRED_RESOURCES_ENABLED", "false"),
            ("EXPIRED_RESOURCE_TYPES", "endpoint,UserProfile,space"),
            ("EXPIRES_AT_TAG_KEY", "ttl"),
            ("EXEMPT_TAG_KEY", "keep"),
            ("DRY_RUN", "yes"),
            ("CONCURRENCY", "16"),
            ("DEADLINE_MARGIN_SECONDS", "2.5"),
        ])
        .expect("valid");
        assert_eq!(config.domain_ids, ["d-abc123", "d-def456"]);
        assert_eq!(config.idle_shutdown_drift, DriftMode::Repair);
        assert_eq!(config.idle_shutdown_max_minutes, Some(240));
        assert_eq!(
            config.max_lifetime("KernelGateway"),
            Some(Duration::from_secs(12 * 3600))
        );
        assert_eq!(
            config.max_lifetime("Canvas"),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(config.max_lifetime("JupyterLab"), None);
        assert!(!config.warns_first(), "a grace of 0 acts at once");
        assert_eq!(config.event_bus_name, "platform");
        assert_eq!(config.metrics_namespace, "Team/Cleanup");
        assert_eq!(config.hourly_prices["ml.t3.medium"], 0.07, "overridden");
        assert_eq!(config.hourly_prices["ml.custom.large"], 1.5, "extended");
        assert!(
            config.hourly_prices.contains_key("ml.m5.large"),
            "the built-in table stays under the override"
        );
        assert_eq!(config.warning_parameter_path, "/team/warnings");
        assert!(!config.expires(ResourceType::Endpoint), "rule 2 is off");
        assert_eq!(
            config.expired_types,
            [
                ResourceType::Endpoint,
                ResourceType::UserProfile,
                ResourceType::Space
            ]
            .into_iter()
            .collect()
        );
        assert_eq!(
            (config.expires_at_tag.as_str(), config.exempt_tag.as_str()),
            ("ttl", "keep")
        );
        assert!(config.dry_run);
        assert_eq!(config.concurrency, 16);
        assert_eq!(config.deadline_margin, Duration::from_millis(2500));
    }

    #[test]
    fn the_removed_idle_variables_refuse_to_start_naming_the_replacement() {
        for (variable, value, replacement) in [
            ("IDLE_APP_MINUTES", "120", "IDLE_SHUTDOWN_DRIFT"),
            ("IDLE_APPS_ENABLED", "false", "MAX_APP_LIFETIME_HOURS"),
            ("IDLE_APP_TYPES", "KernelGateway", "MAX_APP_LIFETIME_HOURS"),
        ] {
            let error = config(&[(variable, value)]).expect_err(variable);
            assert_eq!(error.variable(), variable, "{error}");
            assert!(error.to_string().contains(replacement), "{error}");
        }
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (variable, value) in [
            ("DRY_RUN", "maybe"),
            ("CONCURRENCY", "0"),
            ("CONCURRENCY", "65"),
            ("IDLE_SHUTDOWN_DRIFT", "fix"),
            ("IDLE_SHUTDOWN_MAX_MINUTES", "30"),
            ("MAX_APP_LIFETIME_HOURS", "Notebook=3"),
            ("MAX_APP_LIFETIME_HOURS", "KernelGateway"),
            ("MAX_APP_LIFETIME_HOURS", "KernelGateway=0"),
            ("WARNING_GRACE_MINUTES", "-5"),
            ("HOURLY_PRICES", "ml.t3.medium=0.05"),
            ("HOURLY_PRICES", r#"{"ml.t3.medium": "cheap"}"#),
            ("WARNING_PARAMETER_PATH", "relative/path"),
            ("EXPIRED_RESOURCE_TYPES", "bucket"),
            ("DOMAIN_IDS", "my-domain"),
            ("DOMAIN_IDS", "d-abc-"),
            ("EXEMPT_TAG_KEY", "aws:reserved"),
            ("EXEMPT_TAG_KEY", "expires-at"),
        ] {
            let error = config(&[(variable, value)]).expect_err(value);
            assert_eq!(error.variable(), variable, "{error}");
        }
    }
}
