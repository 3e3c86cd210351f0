//! Playing CloudFormation's part for a custom resource.
//!
//! CloudFormation invokes a custom resource's function asynchronously with an
//! event ([`CfnRequest`]), then waits for exactly one JSON document PUT to the
//! event's pre-signed `ResponseURL` ([`ResponseServer`], [`CfnResponse`]).
//! [`Stack`] and [`Deployment`] make that short to write in a test.

mod deployment;
mod error;
mod request;
mod response;
mod server;

pub use deployment::{DEFAULT_RESPONSE_TIMEOUT, Deployment, Stack, response_token};
pub use error::{CfnError, Result};
pub use request::{CfnRequest, DEFAULT_FUNCTION, RequestType, new_stack_id, stringify_scalars};
pub use response::{CfnResponse, MAX_RESPONSE_BYTES};
pub use server::ResponseServer;
