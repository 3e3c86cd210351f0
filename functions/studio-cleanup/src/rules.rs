//! The rules' decisions, as pure functions of tags and times.

use std::time::Duration;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use crate::config::EXEMPT_VALUE;
use crate::ports::Tag;

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

/// Whether `last_activity` is more than `idle_after` before `now`.
pub fn is_idle(last_activity: DateTime, now: DateTime, idle_after: Duration) -> bool {
    now.as_secs_f64() - last_activity.as_secs_f64() >= idle_after.as_secs_f64()
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
    fn idle_means_no_activity_for_the_whole_window() {
        let now = at("2025-06-01T12:00:00Z");
        let window = Duration::from_secs(3600);
        assert!(is_idle(at("2025-06-01T10:59:59Z"), now, window));
        assert!(is_idle(at("2025-06-01T11:00:00Z"), now, window));
        assert!(!is_idle(at("2025-06-01T11:00:01Z"), now, window));
        assert!(
            !is_idle(at("2025-06-01T13:00:00Z"), now, window),
            "clock skew is not idleness"
        );
    }
}
