//! One step of a resource's operation, as the protocol runs it: the request's kind picks
//! `create`, `update` or `delete`, the properties are parsed, and the state travels as JSON
//! (as it does between invocations).
//!
//! The driver ([`crate::protocol`]) and the test driver ([`crate::testing`]) both take their
//! steps here, so that a unit test runs exactly what Lambda runs.

use serde_json::Value;
use tracing::info;

use crate::error::ResourceError;
use crate::properties;
use crate::request::{CustomResourceRequest, RequestKind};
use crate::resource::{Completed, CustomResource, Progress};

/// The `Reason` of a delete of a physical id the resource could not have produced.
pub(crate) const NOTHING_TO_DELETE: &str =
    "Nothing to delete: the physical id does not name a resource of this type";

/// One step of `handler` for `request`, from `state` (what the previous step returned, as
/// JSON; `None` first). A delete of a physical id the resource does not own is done at once,
/// untouched.
pub(crate) async fn resource_step<H: CustomResource>(
    handler: &H,
    request: &CustomResourceRequest,
    state: Option<Value>,
) -> Result<Progress<Value>, ResourceError> {
    if let RequestKind::Delete {
        physical_resource_id,
    } = &request.kind
        && !handler.owns_physical_id(physical_resource_id)
    {
        info!("the physical id is not one this resource creates; nothing to delete");
        return Ok(Progress::Done(
            Completed::new(physical_resource_id.clone()).with_reason(NOTHING_TO_DELETE),
        ));
    }
    let state = state
        .map(serde_json::from_value::<H::State>)
        .transpose()
        .map_err(|error| {
            ResourceError::permanent(format!(
                "Internal error: unreadable operation state ({error})"
            ))
        })?;
    let properties = properties::parse::<H::Properties>(&request.properties)?;
    let progress = match &request.kind {
        RequestKind::Create => handler.create(request, &properties, state).await,
        RequestKind::Update {
            physical_resource_id,
            old_properties,
        } => {
            let old = properties::parse::<H::Properties>(old_properties).map_err(|error| {
                ResourceError::permanent(format!(
                    "The resource's previous properties cannot be read ({error}); update it by replacement"
                ))
            })?;
            handler
                .update(request, physical_resource_id, &properties, &old, state)
                .await
        }
        RequestKind::Delete {
            physical_resource_id,
        } => {
            handler
                .delete(request, physical_resource_id, &properties, state)
                .await
        }
    }?;
    match progress {
        Progress::Done(completed) => Ok(Progress::Done(completed)),
        Progress::InProgress {
            state,
            waiting_for,
            physical_resource_id,
        } => {
            let state = serde_json::to_value(state).map_err(|error| {
                ResourceError::permanent(format!(
                    "Internal error: operation state not serializable ({error})"
                ))
            })?;
            Ok(Progress::InProgress {
                state,
                waiting_for,
                physical_resource_id,
            })
        }
    }
}
