//! An in-memory [`Grants`] for unit tests: it records every call in order and answers the
//! failures a test scripts, in order, before succeeding again.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use cfn_custom_resource::{AwsError, AwsErrorKind};

use crate::grant::Grant;
use crate::ports::{Grants, LakeFormationError};

/// Which Lake Formation call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// GrantPermissions.
    Grant,
    /// RevokePermissions.
    Revoke,
}

/// A recorded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    pub(crate) operation: Operation,
    pub(crate) grant: Grant,
}

/// Lake Formation's grants, in memory.
#[derive(Debug, Default)]
pub(crate) struct MemoryGrants {
    calls: Mutex<Vec<Call>>,
    failures: Mutex<VecDeque<(Operation, LakeFormationError)>>,
}

impl MemoryGrants {
    /// No calls yet, no failures scripted.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The next call of `operation` fails with `error` (scripted failures queue up).
    pub(crate) fn fail_next(&self, operation: Operation, error: LakeFormationError) {
        lock(&self.failures).push_back((operation, error));
    }

    /// Every call so far, oldest first.
    pub(crate) fn calls(&self) -> Vec<Call> {
        lock(&self.calls).clone()
    }

    fn answer(&self, operation: Operation, grant: &Grant) -> Result<(), LakeFormationError> {
        lock(&self.calls).push(Call {
            operation,
            grant: grant.clone(),
        });
        let mut failures = lock(&self.failures);
        let scripted = failures
            .iter()
            .position(|(op, _)| *op == operation)
            .and_then(|index| failures.remove(index));
        match scripted {
            Some((_, failure)) => Err(failure),
            None => Ok(()),
        }
    }
}

impl Grants for MemoryGrants {
    async fn grant(&self, grant: &Grant) -> Result<(), LakeFormationError> {
        self.answer(Operation::Grant, grant)
    }

    async fn revoke(&self, grant: &Grant) -> Result<(), LakeFormationError> {
        self.answer(Operation::Revoke, grant)
    }
}

/// An AWS error as the adapter would classify it.
pub(crate) fn error(code: &str, message: &str, kind: AwsErrorKind) -> AwsError {
    AwsError {
        operation: "GrantPermissions",
        code: Some(code.to_owned()),
        message: message.to_owned(),
        kind,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
