//! Errors of the CloudFormation side.

use std::{io, time::Duration};

use crate::lambda::LambdaError;

/// What went wrong playing CloudFormation.
#[derive(Debug, thiserror::Error)]
pub enum CfnError {
    /// The response server could not start.
    #[error("could not start the ResponseURL server: {0}")]
    Bind(#[source] io::Error),
    /// No accepted response PUT for the token in time.
    #[error("no response for {token} after {timeout:?} ({attempts} PUT attempt(s), none accepted)")]
    Timeout {
        /// The response token.
        token: String,
        /// How long it waited.
        timeout: Duration,
        /// PUTs received for the token (refused ones included).
        attempts: usize,
    },
    /// Every function went idle and none sent a response for the token.
    #[error(
        "no response for {token}: the functions finished ({last_outcome}) without an accepted PUT ({attempts} PUT attempt(s))"
    )]
    NoResponse {
        /// The response token.
        token: String,
        /// How the last invocation carrying the token ended, e.g. `TimedOut`.
        last_outcome: String,
        /// PUTs received for the token (refused ones included).
        attempts: usize,
    },
    /// The event has no `ResponseURL` of this server (`/responses/{token}`).
    #[error("the event has no ResponseURL ending in /responses/<token>")]
    NoResponseToken,
    /// Invoking the function failed.
    #[error(transparent)]
    Lambda(#[from] LambdaError),
}

/// Result alias for this module.
pub type Result<T, E = CfnError> = std::result::Result<T, E>;
