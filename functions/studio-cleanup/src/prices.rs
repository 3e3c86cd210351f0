//! What an instance costs an hour, for the `EstimatedHourlyCostStopped` metric.
//!
//! The built-in table holds on-demand prices in USD per hour for common `ml.*` instance types
//! of Studio apps and notebook instances in us-east-1, after the "Amazon SageMaker AI pricing"
//! page (<https://aws.amazon.com/sagemaker/ai/pricing/>, on-demand, Studio / notebook
//! instances). They were NOT confirmed against the page at the time of writing (no network):
//! treat them as an estimate and set `HOURLY_PRICES` to your region's and your discounts'
//! figures. An instance type missing from the table counts 0 (the metric then understates).

use std::collections::BTreeMap;

use lambda_support::ConfigError;

/// The built-in table: (instance type, USD per hour). Unconfirmed; see the module docs.
const DEFAULT_HOURLY_PRICES: [(&str, f64); 16] = [
    ("ml.t3.medium", 0.05),
    ("ml.t3.large", 0.10),
    ("ml.t3.xlarge", 0.20),
    ("ml.t3.2xlarge", 0.399),
    ("ml.m5.large", 0.115),
    ("ml.m5.xlarge", 0.23),
    ("ml.m5.2xlarge", 0.461),
    ("ml.m5.4xlarge", 0.922),
    ("ml.c5.large", 0.102),
    ("ml.c5.xlarge", 0.204),
    ("ml.c5.2xlarge", 0.408),
    ("ml.r5.large", 0.151),
    ("ml.g4dn.xlarge", 0.7364),
    ("ml.g5.xlarge", 1.408),
    ("ml.g5.2xlarge", 1.515),
    ("ml.p3.2xlarge", 3.825),
];

/// The built-in table as a map.
pub fn default_hourly_prices() -> BTreeMap<String, f64> {
    DEFAULT_HOURLY_PRICES
        .iter()
        .map(|(instance_type, price)| ((*instance_type).to_owned(), *price))
        .collect()
}

/// `HOURLY_PRICES`: a JSON object of instance type to a price of at least 0.
pub fn hourly_prices(value: &str) -> Result<BTreeMap<String, f64>, ConfigError> {
    let bad = |why: String| ConfigError::invalid("HOURLY_PRICES", value, why);
    let parsed: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(value).map_err(|error| {
            bad(format!(
                "expected a JSON object of instance type to USD per hour ({error})"
            ))
        })?;
    parsed
        .into_iter()
        .map(|(instance_type, price)| match price.as_f64() {
            Some(price) if price >= 0.0 && price.is_finite() => Ok((instance_type, price)),
            _ => Err(bad(format!(
                "the price of {instance_type} is not a number of at least 0"
            ))),
        })
        .collect()
}

/// What `instance_type` costs an hour under `prices`; 0 if it is not in the table.
pub fn hourly_price(prices: &BTreeMap<String, f64>, instance_type: Option<&str>) -> f64 {
    instance_type
        .and_then(|instance_type| prices.get(instance_type))
        .copied()
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_replaces_a_built_in_price_and_adds_new_types() {
        let mut prices = default_hourly_prices();
        prices.extend(hourly_prices(r#"{"ml.t3.medium": 0.5, "ml.trn1.2xlarge": 1.3}"#).unwrap());
        assert_eq!(hourly_price(&prices, Some("ml.t3.medium")), 0.5);
        assert_eq!(hourly_price(&prices, Some("ml.trn1.2xlarge")), 1.3);
        assert_eq!(hourly_price(&prices, Some("ml.m5.large")), 0.115);
        assert_eq!(hourly_price(&prices, Some("ml.unknown")), 0.0);
        assert_eq!(hourly_price(&prices, None), 0.0);
    }

    #[test]
    fn a_price_that_is_not_a_non_negative_number_is_refused() {
        for value in [
            r#"{"ml.t3.medium": -1}"#,
            r#"{"ml.t3.medium": "1"}"#,
            "[1]",
            "1",
        ] {
            assert!(hourly_prices(value).is_err(), "{value}");
        }
    }
}
