//! The shapes the emulator's control API speaks.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A fault to inject: the next `count` calls of `service`'s `operation` answer
/// `status` with `error_code` and `message`.
///
/// ```
/// # use studio_catalog_harness::emulator::Fault;
/// let fault = Fault::new("sagemaker", "CreateDomain", "ThrottlingException")
///     .message("Rate exceeded")
///     .count(2);
/// assert_eq!(fault.status, 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// The service, e.g. `sagemaker`.
    pub service: String,
    /// The operation, e.g. `CreateDomain`.
    pub operation: String,
    /// The error code, e.g. `ThrottlingException`.
    pub error_code: String,
    /// The HTTP status (default 400).
    pub status: u16,
    /// The error message (default: the error code).
    pub message: String,
    /// How many calls fail (default 1; -1: until the faults are cleared).
    pub count: i32,
}

impl Fault {
    /// One failure with status 400.
    pub fn new(service: &str, operation: &str, error_code: &str) -> Self {
        Self {
            service: service.to_owned(),
            operation: operation.to_owned(),
            error_code: error_code.to_owned(),
            status: 400,
            message: error_code.to_owned(),
            count: 1,
        }
    }

    /// A `ThrottlingException` ("Rate exceeded").
    pub fn throttling(service: &str, operation: &str) -> Self {
        Self::new(service, operation, "ThrottlingException").message("Rate exceeded")
    }

    /// Sets the HTTP status.
    #[must_use]
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets the message.
    #[must_use]
    pub fn message(mut self, message: &str) -> Self {
        self.message = message.to_owned();
        self
    }

    /// Sets how many calls fail.
    #[must_use]
    pub fn count(mut self, count: u32) -> Self {
        self.count = i32::try_from(count).unwrap_or(i32::MAX);
        self
    }

    /// Every matching call fails until the faults are cleared.
    #[must_use]
    pub fn until_cleared(mut self) -> Self {
        self.count = -1;
        self
    }
}

/// One AWS call the emulator received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCall {
    /// E.g. `sagemaker`.
    pub service: String,
    /// E.g. `CreateDomain`.
    pub operation: String,
    /// Anything else the emulator reports about the call.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An emulated EFS file system of a Studio domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EfsFileSystem {
    /// `fs-...`.
    pub file_system_id: String,
    /// The domain it belongs (belonged) to.
    #[serde(default)]
    pub domain_id: Option<String>,
    /// `in-use`, `retained` or `deleted`.
    pub state: String,
    /// Anything else the emulator reports.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
