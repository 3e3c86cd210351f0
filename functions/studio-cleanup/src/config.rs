//! The function's configuration, read once from the environment at cold start.

use std::collections::BTreeSet;
use std::time::Duration;

pub use lambda_support::ConfigError;
use studio_sagemaker::identifiers::is_domain_id;

use crate::report::ResourceType;

/// The app types the idle rule deletes by default. Studio Classic's `JupyterServer` is kept
/// unless `IDLE_APP_TYPES` names it: it costs nothing (it runs on a system instance) and
/// deleting it logs the user out of Studio Classic.
pub const DEFAULT_IDLE_APP_TYPES: [&str; 4] = [
    "KernelGateway",
    "JupyterLab",
    "CodeEditor",
    "RStudioServerPro",
];

/// The value of the exempt tag that protects a resource.
pub const EXEMPT_VALUE: &str = "exempt";

/// What the cleanup does, and how hard it may push the APIs.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `DOMAIN_IDS`: the domains whose apps are checked; empty = every domain tagged
    /// `studio-catalog:managed=true`.
    pub domain_ids: Vec<String>,
    /// `IDLE_APPS_ENABLED` (default `true`): rule 1, idle Studio apps.
    pub idle_apps: bool,
    /// `IDLE_APP_MINUTES` (default 120): how long without user activity makes an app idle.
    pub idle_after: Duration,
    /// `IDLE_APP_TYPES`: the app types rule 1 deletes.
    pub idle_app_types: BTreeSet<String>,
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
            idle_apps: true,
            idle_after: Duration::from_secs(120 * 60),
            idle_app_types: DEFAULT_IDLE_APP_TYPES
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
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
        let mut config = Self::default();
        if let Some(value) = get("DOMAIN_IDS") {
            config.domain_ids = domain_ids(&value)?;
        }
        if let Some(value) = get("IDLE_APPS_ENABLED") {
            config.idle_apps = boolean("IDLE_APPS_ENABLED", &value)?;
        }
        if let Some(value) = get("IDLE_APP_MINUTES") {
            config.idle_after = minutes("IDLE_APP_MINUTES", &value)?;
        }
        if let Some(value) = get("IDLE_APP_TYPES") {
            config.idle_app_types = app_types(&value)?;
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

    /// Whether rule 1 handles apps of `app_type`.
    pub fn idles(&self, app_type: &str) -> bool {
        self.idle_apps && self.idle_app_types.contains(app_type)
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

/// Every SageMaker app type: the API's `AppType` enum, as the SDK's model lists it.
fn app_types(value: &str) -> Result<BTreeSet<String>, ConfigError> {
    let known_app_types = aws_sdk_sagemaker::types::AppType::values();
    items(value)
        .map(|item| {
            known_app_types
                .iter()
                .find(|known| known.eq_ignore_ascii_case(item))
                .map(|known| (*known).to_owned())
                .ok_or_else(|| {
                    ConfigError::invalid(
                        "IDLE_APP_TYPES",
                        value,
                        format!("{item:?} is not one of {}", known_app_types.join(", ")),
                    )
                })
        })
        .collect()
}

fn resource_types(value: &str) -> Result<BTreeSet<ResourceType>, ConfigError> {
    items(value)
        .map(|item| {
            ResourceType::EXPIRABLE
                .into_iter()
                .find(|known| known.as_str() == item)
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
        assert!(config.idle_apps && config.expired && !config.dry_run);
        assert_eq!(config.idle_after, Duration::from_secs(7200));
        assert!(config.idles("JupyterLab") && config.idles("KernelGateway"));
        assert!(
            !config.idles("JupyterServer"),
            "Studio Classic's server is kept"
        );
        assert!(config.expires(ResourceType::ProvisionedProduct));
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
            ("IDLE_APPS_ENABLED", "TRUE"),
            ("IDLE_APP_MINUTES", "0.5"),
            ("IDLE_APP_TYPES", "jupyterserver,JupyterLab"),
            ("EXPIRED_RESOURCES_ENABLED", "false"),
            ("EXPIRED_RESOURCE_TYPES", "endpoint,notebook_instance"),
            ("EXPIRES_AT_TAG_KEY", "ttl"),
            ("EXEMPT_TAG_KEY", "keep"),
            ("DRY_RUN", "yes"),
            ("CONCURRENCY", "16"),
            ("DEADLINE_MARGIN_SECONDS", "2.5"),
        ])
        .expect("valid");
        assert_eq!(config.domain_ids, ["d-abc123", "d-def456"]);
        assert_eq!(config.idle_after, Duration::from_secs(30));
        assert!(config.idles("JupyterServer") && !config.idles("KernelGateway"));
        assert!(!config.expires(ResourceType::Endpoint), "rule 2 is off");
        assert_eq!(
            config.expired_types,
            [ResourceType::NotebookInstance, ResourceType::Endpoint]
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
    fn a_bad_value_names_its_variable() {
        for (variable, value) in [
            ("DRY_RUN", "maybe"),
            ("CONCURRENCY", "0"),
            ("CONCURRENCY", "65"),
            ("IDLE_APP_MINUTES", "-1"),
            ("IDLE_APP_TYPES", "Notebook"),
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
