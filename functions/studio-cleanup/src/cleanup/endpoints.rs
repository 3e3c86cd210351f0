//! Endpoints: an expired one is deleted, unless a transition is in progress.

use aws_sdk_sagemaker::types::EndpointStatus;

use super::Run;
use super::evaluation::{Candidate, Evaluation};
use super::listing::Listing;
use super::warnings::Destructive;
use crate::ports::{Account, Endpoint, Studio};
use crate::report::ResourceType;

/// Endpoint statuses DeleteEndpoint applies to (the others are transitions in progress).
const DELETABLE_ENDPOINT_STATUSES: [EndpointStatus; 4] = [
    EndpointStatus::InService,
    EndpointStatus::OutOfService,
    EndpointStatus::Failed,
    EndpointStatus::UpdateRollbackFailed,
];

impl<S: Studio, A: Account> Run<'_, S, A> {
    pub(super) async fn list_endpoints(&self) -> Listing {
        self.list_expirable(
            ResourceType::Endpoint,
            "ListEndpoints",
            |next| self.account.list_endpoints(next),
            Candidate::Endpoint,
        )
        .await
    }

    pub(super) async fn evaluate_endpoint(&self, evaluation: &mut Evaluation, endpoint: &Endpoint) {
        let deletable = DELETABLE_ENDPOINT_STATUSES.contains(&endpoint.status);
        let delete = self.account.delete_endpoint(&endpoint.name);
        // ListEndpoints does not name the instance type (its endpoint config does): no cost.
        let destructive = Destructive {
            operation: "DeleteEndpoint",
            clears_after: false,
            hourly_cost: None,
        };
        self.expire_tagged(evaluation, deletable, destructive, delete)
            .await;
    }
}
