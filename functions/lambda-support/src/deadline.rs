//! The invocation's deadline.
//!
//! The Lambda Runtime API's `Lambda-Runtime-Deadline-Ms` header (and so
//! `lambda_runtime::Context::deadline`) is the wall-clock time, in milliseconds since the Unix
//! epoch, at which Lambda stops the invocation ("Using the Lambda runtime API for custom
//! runtimes", Next invocation). Work is raced against a monotonic [`Instant`] instead, so that
//! a clock step during the invocation changes nothing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// `time` as milliseconds since the Unix epoch; 0 before the epoch, `u64::MAX` past its range.
pub fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// The instant of `deadline_ms` (epoch milliseconds) as seen at `now_ms` (epoch milliseconds)
/// and `now`: a deadline already past is `now`.
pub fn instant_of(deadline_ms: u64, now_ms: u64, now: Instant) -> Instant {
    now + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

/// The invocation's deadline (milliseconds since the epoch, from the Runtime API) as an instant.
pub fn deadline_instant(deadline_ms: u64) -> Instant {
    instant_of(deadline_ms, epoch_ms(SystemTime::now()), Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remaining_time_is_what_separates_the_deadline_from_now() {
        let now = Instant::now();

        let deadline = instant_of(1_800_000_900_000, 1_800_000_000_000, now);

        assert_eq!(deadline - now, Duration::from_secs(900));
    }

    #[test]
    fn a_deadline_already_past_is_now() {
        let now = Instant::now();

        assert_eq!(instant_of(1_000, 2_000, now), now);
    }

    #[test]
    fn epoch_milliseconds_count_from_the_unix_epoch() {
        assert_eq!(epoch_ms(UNIX_EPOCH + Duration::from_millis(1_234)), 1_234);
        assert_eq!(epoch_ms(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
