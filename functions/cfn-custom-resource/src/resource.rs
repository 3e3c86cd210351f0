//! What a custom resource implements: its own logic, and nothing of the protocol.

use std::collections::BTreeMap;
use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ResourceError;
use crate::request::CustomResourceRequest;

/// The finished result of a create, update or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// The resource's physical id. On update, a different id than the request's tells
    /// CloudFormation the resource was replaced (it then deletes the old one).
    pub physical_resource_id: String,
    /// Attributes for `Fn::GetAtt`.
    pub data: BTreeMap<String, String>,
    /// A short note for the stack's event log.
    pub reason: Option<String>,
}

impl Completed {
    /// Completed, with no attributes.
    pub fn new(physical_resource_id: impl Into<String>) -> Self {
        Self {
            physical_resource_id: physical_resource_id.into(),
            data: BTreeMap::new(),
            reason: None,
        }
    }

    /// Adds an attribute.
    #[must_use]
    pub fn with_data(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }

    /// Adds a note for the stack's event log.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// How far one step of an operation got.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<S> {
    /// The operation is finished.
    Done(Completed),
    /// The operation waits for AWS. The protocol calls the same operation again later (in this
    /// invocation or the next) with `state`.
    InProgress {
        /// What the next step needs to know (ids, what has been done).
        state: S,
        /// What it waits for, in words: the `Reason` if the deadline passes while waiting.
        waiting_for: String,
        /// The physical id of what exists so far, so that a failure still names it.
        physical_resource_id: Option<String>,
    },
}

impl<S> Progress<S> {
    /// Waiting for `waiting_for`, with `state` for the next step.
    pub fn waiting(state: S, waiting_for: impl Into<String>) -> Self {
        Self::InProgress {
            state,
            waiting_for: waiting_for.into(),
            physical_resource_id: None,
        }
    }

    /// Names what exists so far (see [`Progress::InProgress`]).
    #[must_use]
    pub fn naming(self, id: impl Into<String>) -> Self {
        match self {
            Self::InProgress {
                state, waiting_for, ..
            } => Self::InProgress {
                state,
                waiting_for,
                physical_resource_id: Some(id.into()),
            },
            done => done,
        }
    }
}

/// A custom resource's logic. Each operation is a step function: the protocol calls it with
/// no state first, then with the state it returned, until it is `Done` or fails. A step must
/// be safe to repeat (a duplicate delivery, a retried invocation): look before you create.
pub trait CustomResource: Send + Sync + 'static {
    /// The resource's properties, without `ServiceToken` and `ServiceTimeout`.
    type Properties: DeserializeOwned + Send + Sync;
    /// What an unfinished operation carries from one step to the next.
    type State: Serialize + DeserializeOwned + Send + Sync;

    /// Whether this resource type could have produced `physical_resource_id`. A delete of any
    /// other id (e.g. the placeholder answered after a failed create) succeeds untouched.
    fn owns_physical_id(&self, physical_resource_id: &str) -> bool;

    /// One step of creating the resource.
    fn create(
        &self,
        request: &CustomResourceRequest,
        properties: &Self::Properties,
        state: Option<Self::State>,
    ) -> impl Future<Output = Result<Progress<Self::State>, ResourceError>> + Send;

    /// One step of updating `physical_resource_id` from `old_properties` to `properties`.
    fn update(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &Self::Properties,
        old_properties: &Self::Properties,
        state: Option<Self::State>,
    ) -> impl Future<Output = Result<Progress<Self::State>, ResourceError>> + Send;

    /// One step of deleting `physical_resource_id`. Already gone is success.
    fn delete(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &Self::Properties,
        state: Option<Self::State>,
    ) -> impl Future<Output = Result<Progress<Self::State>, ResourceError>> + Send;
}
