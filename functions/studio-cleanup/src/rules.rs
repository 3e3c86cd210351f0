//! The rules' decisions, as pure functions of tags and times.

use std::time::Duration;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use studio_sagemaker::ports::IdleSettings;

use crate::config::EXEMPT_VALUE;
use crate::ports::Tag;
use crate::report::Rule;

/// What a resource's expiry tag says.
#[derive(Debug, Clone, PartialEq)]
pub enum Expiry {
    /// No expiry tag.
    Untagged,
    /// Expires in the future.
    Later(DateTime),
    /// Expired at that time.
    Expired(DateTime),
    /// The value is not an RFC 3339 date-time.
    Malformed(String),
}

/// The value of tag `key`, if present.
pub fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|tag| tag.key() == Some(key))
        .map(|tag| tag.value().unwrap_or_default())
}

/// Whether the resource carries `<key>=exempt` (value compared without case or surrounding
/// blanks: a near miss protects rather than exposes).
pub fn is_exempt(tags: &[Tag], key: &str) -> bool {
    tag(tags, key).is_some_and(|value| value.trim().eq_ignore_ascii_case(EXEMPT_VALUE))
}

/// Reads the expiry tag `key` at `now`. The value is an RFC 3339 date-time with `Z` or an
/// offset (`2025-06-30T18:00:00Z`, `2025-06-30T20:00:00+02:00`); anything else is malformed.
pub fn expiry(tags: &[Tag], key: &str, now: DateTime) -> Expiry {
    let Some(value) = tag(tags, key) else {
        return Expiry::Untagged;
    };
    match DateTime::from_str(value.trim(), Format::DateTimeWithOffset) {
        Ok(at) if at <= now => Expiry::Expired(at),
        Ok(at) => Expiry::Later(at),
        Err(_) => Expiry::Malformed(value.to_owned()),
    }
}

/// The tag that records a warning on a resource (SageMaker AddTags): `<rfc3339 time>/<rule>`.
/// A `/`, not a `;`: SageMaker refuses a `;` in a tag value (`TagValue` pattern
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, botocore model; the emulator enforces it).
pub const WARNING_TAG: &str = "studio-catalog:cleanup-warning";

/// A recorded warning: when, and for which rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordedWarning {
    pub at: DateTime,
    pub rule: Rule,
}

impl RecordedWarning {
    /// `<rfc3339 time>/<rule>`, the warning tag's (and ledger's) value.
    pub fn value(&self) -> String {
        format!("{}/{}", rfc3339(self.at), self.rule.as_str())
    }

    /// Reads a warning value; `None` if it is not one (a hand-edited tag is then overwritten by
    /// a fresh warning, never taken as an old one).
    pub fn parse(value: &str) -> Option<Self> {
        let (at, rule) = value.trim().split_once('/')?;
        Some(Self {
            at: DateTime::from_str(at.trim(), Format::DateTimeWithOffset).ok()?,
            rule: Rule::from_name(rule.trim())?,
        })
    }

    /// When the action may follow: the warning's time plus the grace period.
    pub fn act_after(&self, grace: Duration) -> DateTime {
        after(self.at, grace)
    }

    /// Whether the grace period has passed at `now`.
    pub fn is_due(&self, now: DateTime, grace: Duration) -> bool {
        now.as_secs_f64() >= self.at.as_secs_f64() + grace.as_secs_f64()
    }
}

/// `time` plus `duration`.
pub fn after(time: DateTime, duration: Duration) -> DateTime {
    DateTime::from_secs_f64(time.as_secs_f64() + duration.as_secs_f64())
}

/// Whether something created at `created` has lived longer than `lifetime` at `now`.
pub fn outlived(created: DateTime, now: DateTime, lifetime: Duration) -> bool {
    now.as_secs_f64() - created.as_secs_f64() >= lifetime.as_secs_f64()
}

/// What is wrong with one app type's idle settings of a profile or a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleDrift {
    /// `LifecycleManagement` is `DISABLED`.
    Disabled,
    /// `IdleTimeoutInMinutes` is more than the maximum.
    TooLong { timeout: i32, max: i32 },
}

impl IdleDrift {
    /// How the report words it.
    pub fn finding(&self) -> String {
        match self {
            Self::Disabled => "idle shutdown is DISABLED".to_owned(),
            Self::TooLong { timeout, max } => {
                format!("idle timeout {timeout} min exceeds the maximum {max} min")
            }
        }
    }
}

/// The drift of `settings` (a profile's or space's own) against the maximum `max`; settings
/// that are absent inherit the domain's defaults and are no drift.
pub fn idle_drift(settings: &IdleSettings, max: Option<i32>) -> Option<IdleDrift> {
    if settings.enabled == Some(false) {
        return Some(IdleDrift::Disabled);
    }
    match (settings.timeout_minutes, max) {
        (Some(timeout), Some(max)) if timeout > max => Some(IdleDrift::TooLong { timeout, max }),
        _ => None,
    }
}

/// The repaired settings: idle shutdown on (where the shape has the switch) and the timeout
/// `min(current, max)` — or, when it was off, the domain's default timeout.
pub fn repaired_idle_settings(
    settings: &IdleSettings,
    drift: IdleDrift,
    max: Option<i32>,
    domain_default_timeout: Option<i32>,
) -> IdleSettings {
    let capped = |timeout: Option<i32>| match (timeout, max) {
        (Some(timeout), Some(max)) => Some(timeout.min(max)),
        (timeout, max) => timeout.or(max),
    };
    let timeout = match drift {
        IdleDrift::Disabled => capped(domain_default_timeout.or(settings.timeout_minutes)),
        IdleDrift::TooLong { .. } => capped(settings.timeout_minutes),
    };
    // A user's own bounds must still hold the new timeout (the API refuses a timeout outside
    // MinIdleTimeoutInMinutes..MaxIdleTimeoutInMinutes).
    let max_bound = match (settings.max_timeout_minutes, timeout) {
        (Some(bound), Some(timeout)) if bound < timeout => Some(timeout),
        (bound, _) => bound,
    };
    let min_bound = match (settings.min_timeout_minutes, timeout) {
        (Some(bound), Some(timeout)) if bound > timeout => Some(timeout),
        (bound, _) => bound,
    };
    IdleSettings {
        enabled: settings.enabled.map(|_| true).or(match drift {
            IdleDrift::Disabled => Some(true),
            IdleDrift::TooLong { .. } => None,
        }),
        timeout_minutes: timeout,
        min_timeout_minutes: min_bound,
        max_timeout_minutes: max_bound,
    }
}

/// `2024-01-02T03:04:05Z`.
pub fn rfc3339(time: DateTime) -> String {
    time.fmt(Format::DateTime)
        .unwrap_or_else(|_| time.secs().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        DateTime::from_str(text, Format::DateTimeWithOffset).expect("valid time")
    }

    fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
        pairs
            .iter()
            .map(|(k, v)| crate::ports::tag(*k, *v))
            .collect()
    }

    #[test]
    fn an_expiry_in_the_past_has_expired_and_one_in_the_future_has_not() {
        let now = at("2025-06-01T12:00:00Z");
        assert_eq!(
            expiry(
                &tags(&[("expires-at", "2025-06-01T11:59:59Z")]),
                "expires-at",
                now
            ),
            Expiry::Expired(at("2025-06-01T11:59:59Z"))
        );
        assert_eq!(
            expiry(
                &tags(&[("expires-at", "2025-06-01T12:00:00Z")]),
                "expires-at",
                now
            ),
            Expiry::Expired(now),
            "the very second counts as expired"
        );
        assert_eq!(
            expiry(
                &tags(&[("expires-at", "2025-06-01T13:30:00+02:00")]),
                "expires-at",
                now
            ),
            Expiry::Expired(at("2025-06-01T11:30:00Z")),
            "offsets are honoured"
        );
        assert_eq!(
            expiry(
                &tags(&[("expires-at", " 2030-01-01T00:00:00Z ")]),
                "expires-at",
                now
            ),
            Expiry::Later(at("2030-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn a_value_that_is_not_rfc3339_is_malformed_never_expired() {
        let now = at("2025-06-01T12:00:00Z");
        for value in [
            "2020-01-01",
            "yesterday",
            "",
            "1700000000",
            "2020-13-01T00:00:00Z",
            "2020-01-01 00:00:00Z",
        ] {
            assert_eq!(
                expiry(&tags(&[("expires-at", value)]), "expires-at", now),
                Expiry::Malformed(value.to_owned()),
                "{value:?}"
            );
        }
    }

    #[test]
    fn only_the_configured_key_is_read() {
        let now = at("2025-06-01T12:00:00Z");
        let tags = tags(&[
            ("Expires-At", "2020-01-01T00:00:00Z"),
            ("ttl", "2020-01-01T00:00:00Z"),
        ]);
        assert_eq!(expiry(&tags, "expires-at", now), Expiry::Untagged);
        assert!(matches!(expiry(&tags, "ttl", now), Expiry::Expired(_)));
    }

    #[test]
    fn exempt_is_the_exempt_value_of_the_configured_key() {
        assert!(is_exempt(&tags(&[("cleanup", "exempt")]), "cleanup"));
        assert!(is_exempt(&tags(&[("cleanup", " Exempt ")]), "cleanup"));
        assert!(!is_exempt(&tags(&[("cleanup", "yes")]), "cleanup"));
        assert!(!is_exempt(&tags(&[("keep", "exempt")]), "cleanup"));
        assert!(is_exempt(&tags(&[("keep", "exempt")]), "keep"));
    }

    #[test]
    fn a_warning_value_round_trips_and_anything_else_is_no_warning() {
        let warning = RecordedWarning {
            at: at("2025-06-01T12:00:00Z"),
            rule: Rule::MaxLifetime,
        };
        assert_eq!(warning.value(), "2025-06-01T12:00:00Z/max-lifetime");
        assert_eq!(RecordedWarning::parse(&warning.value()), Some(warning));
        for value in [
            "",
            "2025-06-01T12:00:00Z",
            "soon/expired",
            "2025-06-01T12:00:00Z;idle",
        ] {
            assert_eq!(RecordedWarning::parse(value), None, "{value:?}");
        }
    }

    #[test]
    fn a_warning_is_due_once_the_grace_period_has_passed() {
        let warning = RecordedWarning {
            at: at("2025-06-01T12:00:00Z"),
            rule: Rule::Expired,
        };
        let grace = Duration::from_secs(3600);
        assert!(!warning.is_due(at("2025-06-01T12:59:59Z"), grace));
        assert!(warning.is_due(at("2025-06-01T13:00:00Z"), grace));
        assert_eq!(warning.act_after(grace), at("2025-06-01T13:00:00Z"));
    }

    #[test]
    fn a_lifetime_is_outlived_from_the_creation_on() {
        let created = at("2025-06-01T00:00:00Z");
        let twelve_hours = Duration::from_secs(12 * 3600);
        assert!(!outlived(created, at("2025-06-01T11:59:59Z"), twelve_hours));
        assert!(outlived(created, at("2025-06-01T12:00:00Z"), twelve_hours));
    }

    #[test]
    fn idle_shutdown_off_or_beyond_the_maximum_is_drift_and_unset_is_not() {
        let settings = |enabled, timeout| IdleSettings {
            enabled,
            timeout_minutes: timeout,
            ..IdleSettings::default()
        };
        assert_eq!(
            idle_drift(&settings(Some(false), Some(60)), Some(240)),
            Some(IdleDrift::Disabled)
        );
        assert_eq!(
            idle_drift(&settings(Some(true), Some(10080)), Some(240)),
            Some(IdleDrift::TooLong {
                timeout: 10080,
                max: 240
            })
        );
        assert_eq!(
            idle_drift(&settings(Some(true), Some(240)), Some(240)),
            None
        );
        assert_eq!(
            idle_drift(&settings(None, Some(10080)), None),
            None,
            "no maximum, no timeout check"
        );
        assert_eq!(idle_drift(&IdleSettings::default(), Some(240)), None);
    }

    #[test]
    fn a_repair_turns_idle_shutdown_on_and_caps_the_timeout() {
        let too_long = IdleSettings {
            enabled: Some(true),
            timeout_minutes: Some(10080),
            min_timeout_minutes: Some(60),
            max_timeout_minutes: Some(20000),
        };
        let drift = idle_drift(&too_long, Some(240)).unwrap();
        let repaired = repaired_idle_settings(&too_long, drift, Some(240), Some(120));
        assert_eq!(repaired.enabled, Some(true));
        assert_eq!(repaired.timeout_minutes, Some(240));
        assert_eq!(repaired.min_timeout_minutes, Some(60));

        let off = IdleSettings {
            enabled: Some(false),
            timeout_minutes: Some(600),
            ..IdleSettings::default()
        };
        let repaired = repaired_idle_settings(&off, IdleDrift::Disabled, Some(240), Some(120));
        assert_eq!(repaired.enabled, Some(true));
        assert_eq!(
            repaired.timeout_minutes,
            Some(120),
            "the domain's default when it was off"
        );

        let space = IdleSettings {
            timeout_minutes: Some(900),
            ..IdleSettings::default()
        };
        let drift = idle_drift(&space, Some(240)).unwrap();
        let repaired = repaired_idle_settings(&space, drift, Some(240), None);
        assert_eq!(repaired.enabled, None, "a space's settings have no switch");
        assert_eq!(repaired.timeout_minutes, Some(240));
    }
}
